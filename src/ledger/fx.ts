import { and, desc, eq, lte, or, sql } from 'drizzle-orm';
import { UserError, type DbOrTx } from '../kernel/index.ts';
import { currencyExponent } from './currencies.ts';
import { ledgerFxRates } from './ledger.schema.ts';

/**
 * Exchange-rate arithmetic. A rate is a decimal string ("1.0825": one unit of the base currency
 * is worth 1.0825 units of the quote currency), held as an exact fraction of two bigints; an
 * amount in minor units is converted with integer arithmetic and rounded half to even once, at
 * the end. Minor-unit exponents come from ISO 4217 (`currencies.ts`): USD 2, JPY 0, BHD 3.
 */

/** An exact positive rational: `numerator / denominator`. */
export interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

/** A rate as used for a conversion, with where it came from. */
export interface AppliedRate {
  base: string;
  quote: string;
  /** The recorded decimal, as stored (for the inverse of a recorded pair: that pair's rate). */
  rate: string;
  /** The day the recorded rate took effect. */
  effectiveOn: string;
  /** True when only the opposite pair was recorded and its inverse is used. */
  inverted: boolean;
  fraction: Fraction;
}

const DECIMAL = /^(\d{1,18})(?:\.(\d{1,12}))?$/;

/**
 * Digits after the decimal point of a currency's minor unit (2 for EUR, 0 for JPY), from the
 * ISO 4217 table (`currencies.ts`).
 * @throws UserError `currency_invalid` for a code that is not an active ISO 4217 currency.
 */
export const minorUnitExponent = currencyExponent;

/**
 * Parses a positive decimal rate ("1.0825", at most 12 decimals) into an exact fraction.
 * @throws UserError naming `path` when it is not one.
 */
export function parseRate(rate: string, path = 'rate'): Fraction {
  const match = DECIMAL.exec(rate);
  if (!match) {
    throw invalidRate(path, 'must be a positive decimal with at most 12 decimals, e.g. "1.0825"');
  }
  const decimals = match[2] ?? '';
  const numerator = BigInt(match[1]! + decimals);
  if (numerator === 0n) throw invalidRate(path, 'must be greater than zero');
  return { numerator, denominator: 10n ** BigInt(decimals.length) };
}

/** The rate as the database returns a `numeric(30,12)`: trailing zeros dropped ("1.0825"). */
export function normaliseRate(stored: string): string {
  return stored.includes('.') ? stored.replace(/\.?0+$/, '') : stored;
}

export function invert(fraction: Fraction): Fraction {
  return { numerator: fraction.denominator, denominator: fraction.numerator };
}

/**
 * Converts `amount` minor units of `from` into minor units of `to` at `rate` (units of `to` per
 * unit of `from`), rounding half to even.
 * @example convertMinor(100_00n, 'EUR', 'JPY', parseRate('161.5')) // 16150n
 */
export function convertMinor(amount: bigint, from: string, to: string, rate: Fraction): bigint {
  const shift = minorUnitExponent(to) - minorUnitExponent(from);
  let numerator = amount * rate.numerator;
  let denominator = rate.denominator;
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  return divideHalfEven(numerator, denominator);
}

/** `numerator / denominator` rounded half to even (`denominator` > 0). */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let quotient = n / denominator;
  const twice = (n % denominator) * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) quotient += 1n;
  return negative ? -quotient : quotient;
}

/**
 * The rate from `base` to `quote` in force on `day` (`YYYY-MM-DD`): the latest recorded on or
 * before it for the pair, or else the inverse of the latest recorded for the opposite pair (a
 * direct rate wins over an inverse one of the same or an earlier day). Undefined when neither
 * pair has a rate by then.
 */
export async function rateOn(
  db: DbOrTx,
  orgId: string,
  base: string,
  quote: string,
  day: string,
): Promise<AppliedRate | undefined> {
  if (base === quote) return sameCurrency(base, day);
  const rows = await db
    .select({
      base: ledgerFxRates.base,
      rate: ledgerFxRates.rate,
      effectiveOn: ledgerFxRates.effectiveOn,
    })
    .from(ledgerFxRates)
    .where(
      and(
        eq(ledgerFxRates.orgId, orgId),
        or(
          and(eq(ledgerFxRates.base, base), eq(ledgerFxRates.quote, quote)),
          and(eq(ledgerFxRates.base, quote), eq(ledgerFxRates.quote, base)),
        ),
        lte(ledgerFxRates.effectiveOn, day),
      ),
    )
    .orderBy(desc(ledgerFxRates.effectiveOn), desc(eq(ledgerFxRates.base, base)))
    .limit(1);
  const row = rows[0];
  return row ? applied(base, quote, row) : undefined;
}

/** A recorded rate row as the rate from `base` to `quote` (inverted when recorded the other way). */
function applied(
  base: string,
  quote: string,
  row: { base: string; rate: string; effectiveOn: string },
): AppliedRate {
  const rate = normaliseRate(row.rate);
  const recorded = parseRate(rate);
  const inverted = row.base !== base;
  return {
    base,
    quote,
    rate,
    effectiveOn: row.effectiveOn,
    inverted,
    fraction: inverted ? invert(recorded) : recorded,
  };
}

interface RateRow {
  pairBase: string;
  pairQuote: string;
  day: string;
  base: string;
  rate: string;
  effectiveOn: string;
}

/** The rates `ratesOn` found, by pair and day. */
export interface RatesOn {
  /** The rate `rateOn(base, quote, day)` gives, for a pair and day asked for; else undefined. */
  get(base: string, quote: string, day: string): AppliedRate | undefined;
}

/**
 * `rateOn` for every pair on every day at once, in one query: each rate is chosen as `rateOn`
 * chooses it (the latest on or before the day for the pair, else the inverse of the latest for
 * the opposite pair; the direct one when both were recorded on the same day). A pair of one
 * currency with itself is 1.
 * @example (await ratesOn(db, orgId, [{ base: 'USD', quote: 'EUR' }], ['2026-01-31', '2026-02-28'])).get('USD', 'EUR', '2026-02-28')
 */
export async function ratesOn(
  db: DbOrTx,
  orgId: string,
  pairs: readonly { base: string; quote: string }[],
  days: readonly string[],
): Promise<RatesOn> {
  const found = new Map<string, AppliedRate>();
  const key = (base: string, quote: string, day: string) => `${base}/${quote}@${day}`;
  const distinct = [...new Map(pairs.map((p) => [`${p.base}/${p.quote}`, p])).values()];
  const wanted = distinct.filter((p) => p.base !== p.quote);
  const on = [...new Set(days)];
  for (const p of distinct) {
    if (p.base !== p.quote) continue;
    for (const day of on) found.set(key(p.base, p.quote, day), sameCurrency(p.base, day));
  }
  if (wanted.length > 0 && on.length > 0) {
    // rateOn's query (the same filter and order) for each pair and day, side by side.
    const result = (await db.execute(sql`
      select p.base as "pairBase", p.quote as "pairQuote", to_char(d.day, 'YYYY-MM-DD') as day,
             r.base, r.rate::text as rate, to_char(r.effective_on, 'YYYY-MM-DD') as "effectiveOn"
      from (values ${sql.join(
        wanted.map((p) => sql`(${p.base}, ${p.quote})`),
        sql`, `,
      )}) as p(base, quote)
      cross join (values ${sql.join(
        on.map((day) => sql`(${day}::date)`),
        sql`, `,
      )}) as d(day)
      join lateral (
        select f.base, f.rate, f.effective_on from ledger_fx_rates f
        where f.org_id = ${orgId}
          and ((f.base = p.base and f.quote = p.quote) or (f.base = p.quote and f.quote = p.base))
          and f.effective_on <= d.day
        order by f.effective_on desc, (f.base = p.base) desc
        limit 1
      ) r on true`)) as { rows: RateRow[] };
    for (const row of result.rows) {
      found.set(
        key(row.pairBase, row.pairQuote, row.day),
        applied(row.pairBase, row.pairQuote, row),
      );
    }
  }
  return { get: (base, quote, day) => found.get(key(base, quote, day)) };
}

function sameCurrency(currency: string, day: string): AppliedRate {
  const one = { numerator: 1n, denominator: 1n };
  return {
    base: currency,
    quote: currency,
    rate: '1',
    effectiveOn: day,
    inverted: false,
    fraction: one,
  };
}

/**
 * Like `rateOn`, for when a conversion cannot go on without a rate.
 * @throws UserError `ledger_fx_rate_missing` (422) naming the pair and day.
 */
export async function requireRateOn(
  db: DbOrTx,
  orgId: string,
  base: string,
  quote: string,
  day: string,
): Promise<AppliedRate> {
  const found = await rateOn(db, orgId, base, quote, day);
  if (found) return found;
  throw new UserError(
    'ledger_fx_rate_missing',
    `No ${base}/${quote} exchange rate (or ${quote}/${base}) is recorded on or before ${day}`,
    { status: 422, details: [{ path: 'currency', message: `record a ${base}/${quote} rate` }] },
  );
}

/** The UTC calendar day of an instant, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function invalidRate(path: string, message: string): UserError {
  return new UserError('validation_failed', `${path} ${message}`, {
    details: [{ path, message }],
  });
}
