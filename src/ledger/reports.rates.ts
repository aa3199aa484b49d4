import { and, asc, eq, inArray, lte, or } from 'drizzle-orm';
import { UserError, type DbOrTx } from '../kernel/index.ts';
import { invert, normaliseRate, parseRate, type AppliedRate, type Fraction } from './fx.ts';
import { ledgerFxRates, ledgerPeriodCloses } from './ledger.schema.ts';
import type { RateLeg } from './reports.types.ts';

/**
 * The rates the statements translate with, read once per report:
 *
 * - **In force on a day**: the latest recorded on or before it for the pair, or else the inverse
 *   of the latest for the opposite pair (the same choice as `rateOn`).
 * - **Closed periods are frozen**: for a day on or before an entity's closed-through day, only
 *   rates recorded (`created_at`) at or before the close that covered that day count, so a rate
 *   recorded later (whatever its date) never changes a closed period's figures.
 * - **Cross rates**: when neither the pair nor its inverse has a rate, the rate is derived
 *   through the group's base currency (the top entity's): `C -> pivot -> T`, each leg chosen as
 *   above; the answer says it was derived and from which two rates.
 */

interface Recorded {
  effectiveOn: string;
  rate: string;
  createdAt: number;
}

/** A rate used by a report: recorded, inverted, or derived through `via`. */
export interface BookRate extends AppliedRate {
  derived?: { via: string; legs: [RateLeg, RateLeg] };
}

/** Rates in force on any day, per entity (its closed periods freeze what it sees). */
export interface RateBook {
  readonly target: string;
  /** @throws UserError `ledger_fx_rate_missing` (422) naming the pair and day. */
  on(currency: string, day: string, entityId?: string): BookRate;
}

/** The closes of each entity, oldest first: a day is frozen by the first close that covers it. */
export type CloseHistory = ReadonlyMap<string, readonly { through: string; at: number }[]>;

export async function loadCloseHistory(
  db: DbOrTx,
  orgId: string,
  entityIds: readonly string[],
): Promise<CloseHistory> {
  const history = new Map<string, { through: string; at: number }[]>();
  if (entityIds.length === 0) return history;
  const rows = await db
    .select({
      entityId: ledgerPeriodCloses.entityId,
      through: ledgerPeriodCloses.closedThrough,
      createdAt: ledgerPeriodCloses.createdAt,
    })
    .from(ledgerPeriodCloses)
    .where(
      and(eq(ledgerPeriodCloses.orgId, orgId), inArray(ledgerPeriodCloses.entityId, entityIds)),
    )
    .orderBy(asc(ledgerPeriodCloses.closedThrough));
  for (const row of rows) {
    const list = history.get(row.entityId) ?? [];
    list.push({ through: row.through, at: row.createdAt.getTime() });
    history.set(row.entityId, list);
  }
  return history;
}

/**
 * Loads the rates between each of `currencies`, `target` and `pivot` recorded up to `lastDay`:
 * one query, whatever the number of days to translate.
 * @param pivot the group's base currency, through which missing pairs are derived.
 * @param closes each entity's closes (`loadCloseHistory`): closed days use frozen rates.
 */
export async function loadRateBook(
  db: DbOrTx,
  orgId: string,
  target: string,
  currencies: Iterable<string>,
  lastDay: string,
  options: { pivot?: string; closes?: CloseHistory } = {},
): Promise<RateBook> {
  const pivot = options.pivot ?? target;
  const foreign = [...new Set(currencies)].filter((c) => c !== target);
  const involved = [...new Set([...foreign, target, pivot])];
  const hubs = [...new Set([target, pivot])];
  const rows =
    foreign.length === 0
      ? []
      : await db
          .select({
            base: ledgerFxRates.base,
            quote: ledgerFxRates.quote,
            rate: ledgerFxRates.rate,
            effectiveOn: ledgerFxRates.effectiveOn,
            createdAt: ledgerFxRates.createdAt,
          })
          .from(ledgerFxRates)
          .where(
            and(
              eq(ledgerFxRates.orgId, orgId),
              or(
                and(inArray(ledgerFxRates.base, hubs), inArray(ledgerFxRates.quote, involved)),
                and(inArray(ledgerFxRates.quote, hubs), inArray(ledgerFxRates.base, involved)),
              ),
              lte(ledgerFxRates.effectiveOn, lastDay),
            ),
          )
          .orderBy(asc(ledgerFxRates.effectiveOn));
  const pairs = new Map<string, Recorded[]>();
  for (const row of rows) {
    const key = `${row.base}/${row.quote}`;
    const list = pairs.get(key) ?? [];
    list.push({
      effectiveOn: row.effectiveOn,
      rate: normaliseRate(row.rate),
      createdAt: row.createdAt.getTime(),
    });
    pairs.set(key, list);
  }
  const knownAt = (entityId: string | undefined, day: string): number => {
    const closes = entityId === undefined ? undefined : options.closes?.get(entityId);
    const covering = closes?.find((c) => c.through >= day);
    return covering?.at ?? Number.POSITIVE_INFINITY;
  };
  const recorded = (base: string, quote: string, day: string, known: number) =>
    pick(pairs, base, quote, day, known);
  const cache = new Map<string, BookRate>();
  return {
    target,
    on(currency, day, entityId) {
      if (currency === target) return same(currency, day);
      const known = knownAt(entityId, day);
      const key = `${currency} ${day} ${known}`;
      let applied = cache.get(key);
      if (!applied) {
        applied = recorded(currency, target, day, known) ?? cross(currency, day, known);
        cache.set(key, applied);
      }
      return applied;
    },
  };

  function cross(currency: string, day: string, known: number): BookRate {
    const first = pivot === currency || pivot === target ? undefined : pivot;
    const toPivot = first && recorded(currency, first, day, known);
    const fromPivot = first && recorded(first, target, day, known);
    if (!first || !toPivot || !fromPivot) throw missingRate(currency, target, day, first);
    const fraction = reduce({
      numerator: toPivot.fraction.numerator * fromPivot.fraction.numerator,
      denominator: toPivot.fraction.denominator * fromPivot.fraction.denominator,
    });
    return {
      base: currency,
      quote: target,
      rate: decimal(fraction),
      effectiveOn:
        toPivot.effectiveOn > fromPivot.effectiveOn ? toPivot.effectiveOn : fromPivot.effectiveOn,
      inverted: false,
      fraction,
      derived: { via: first, legs: [leg(toPivot), leg(fromPivot)] },
    };
  }
}

function same(currency: string, day: string): BookRate {
  return {
    base: currency,
    quote: currency,
    rate: '1',
    effectiveOn: day,
    inverted: false,
    fraction: { numerator: 1n, denominator: 1n },
  };
}

function leg(rate: AppliedRate): RateLeg {
  // A leg names the pair as recorded: an inverted one is the opposite pair's rate.
  return rate.inverted
    ? {
        base: rate.quote,
        quote: rate.base,
        rate: rate.rate,
        effectiveOn: rate.effectiveOn,
        inverted: true,
      }
    : {
        base: rate.base,
        quote: rate.quote,
        rate: rate.rate,
        effectiveOn: rate.effectiveOn,
        inverted: false,
      };
}

/**
 * The latest rate on or before `day` recorded at or before `known`; a direct rate wins over an
 * inverse one of the same day. Undefined when neither direction has one.
 */
function pick(
  pairs: ReadonlyMap<string, Recorded[]>,
  base: string,
  quote: string,
  day: string,
  known: number,
): AppliedRate | undefined {
  const direct = latest(pairs.get(`${base}/${quote}`), day, known);
  const inverse = latest(pairs.get(`${quote}/${base}`), day, known);
  const useDirect = direct !== undefined && (!inverse || direct.effectiveOn >= inverse.effectiveOn);
  const chosen = useDirect ? direct : inverse;
  if (!chosen) return undefined;
  const fraction = parseRate(chosen.rate);
  return {
    base,
    quote,
    rate: chosen.rate,
    effectiveOn: chosen.effectiveOn,
    inverted: !useDirect,
    fraction: useDirect ? fraction : invert(fraction),
  };
}

/** The last of `sorted` (by day) on or before `day` that was recorded at or before `known`. */
function latest(sorted: readonly Recorded[] | undefined, day: string, known: number) {
  if (!sorted) return undefined;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.effectiveOn <= day) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i--) if (sorted[i]!.createdAt <= known) return sorted[i];
  return undefined;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function reduce(f: Fraction): Fraction {
  const d = gcd(f.numerator, f.denominator);
  return { numerator: f.numerator / d, denominator: f.denominator / d };
}

/** A derived rate shown to 12 decimals, trailing zeros dropped (conversions use the fraction). */
function decimal(f: Fraction): string {
  const scaled = (f.numerator * 10n ** 12n * 2n + f.denominator) / (f.denominator * 2n);
  const digits = scaled.toString().padStart(13, '0');
  return normaliseRate(`${digits.slice(0, -12)}.${digits.slice(-12)}`);
}

/** No rate for the pair, its inverse, or (when `via` is given) through `via`. */
function missingRate(base: string, quote: string, day: string, via?: string): UserError {
  const through = via ? `, nor ${base}/${via} and ${via}/${quote} to derive it,` : '';
  return new UserError(
    'ledger_fx_rate_missing',
    `No ${base}/${quote} exchange rate (or ${quote}/${base})${through} is recorded on or before ${day}`,
    { status: 422, details: [{ path: 'currency', message: `record a ${base}/${quote} rate` }] },
  );
}
