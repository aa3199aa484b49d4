import { and, asc, eq, gte, lte, or } from 'drizzle-orm';
import {
  ErrorCodes,
  UnexpectedError,
  UserError,
  newId,
  type Clock,
  type Database,
} from '../kernel/index.ts';
import { requireCurrency } from './currencies.ts';
import { requireDay } from './days.ts';
import { normaliseRate, parseRate, requireRateOn, type AppliedRate, type Fraction } from './fx.ts';
import { ledgerFxRates } from './ledger.schema.ts';
import { MAX_FX_BATCH, type FxRate, type FxRateInput } from './ledger.types.ts';
import type { LedgerAudit } from './transfers.service.ts';
import { invalid } from './transfers.input.ts';

const MAX_SOURCE = 200;

type FxRateRow = typeof ledgerFxRates.$inferSelect;

export interface FxServiceDeps {
  db: Database;
  clock: Clock;
  audit: LedgerAudit;
}

/** A checked rate of a batch, with its place in the request for error messages. */
interface Checked extends FxRateInput {
  index: number;
  fraction: Fraction;
}

/**
 * Exchange rates recorded per organisation: one rate per pair and day, never edited (a correction
 * is a rate for a later day). Conversions read them with `rateOn` (fx.ts).
 */
export function createFxService(deps: FxServiceDeps) {
  const { db, clock, audit } = deps;

  return {
    /**
     * Records rates, all or nothing. A pair and day already recorded with the same rate (as a
     * number: "1.50" equals "1.5") is left as it is; with another rate the whole call is refused.
     * @throws UserError `ledger_fx_rate_conflict` (409) naming the first such rate.
     * @example recordFxRates(org, [{ base: 'EUR', quote: 'USD', rate: '1.0825', effectiveOn: '2026-03-02' }])
     */
    recordFxRates: async (
      orgId: string,
      rates: readonly FxRateInput[],
    ): Promise<{ recorded: number; unchanged: number; rates: FxRate[] }> => {
      if (rates.length === 0 || rates.length > MAX_FX_BATCH) {
        throw invalid('rates', `must hold 1 to ${MAX_FX_BATCH} rates, not ${rates.length}`);
      }
      const checked = rates.map(checkRate);
      const unique = new Map<string, Checked>();
      for (const rate of checked) {
        const key = pairDay(rate);
        const first = unique.get(key);
        if (!first) unique.set(key, rate);
        else if (!sameFraction(first.fraction, rate.fraction)) {
          throw rateConflict(rate, first.rate, first);
        }
      }
      const now = clock.now();
      return db.transaction(async (tx) => {
        const inserted = await tx
          .insert(ledgerFxRates)
          .values(
            [...unique.values()].map((r) => ({
              id: newId(),
              orgId,
              base: r.base,
              quote: r.quote,
              rate: r.rate,
              effectiveOn: r.effectiveOn,
              source: r.source ?? null,
              createdAt: now,
            })),
          )
          // A pair and day stored before (or by a concurrent call, which this waits for).
          .onConflictDoNothing()
          .returning();
        const stored = new Map(inserted.map((row) => [pairDay(row), row]));
        const missing = [...unique.values()].filter((r) => !stored.has(pairDay(r)));
        if (missing.length > 0) {
          const rows = await tx
            .select()
            .from(ledgerFxRates)
            .where(
              and(
                eq(ledgerFxRates.orgId, orgId),
                or(
                  ...missing.map((r) =>
                    and(
                      eq(ledgerFxRates.base, r.base),
                      eq(ledgerFxRates.quote, r.quote),
                      eq(ledgerFxRates.effectiveOn, r.effectiveOn),
                    ),
                  ),
                ),
              ),
            );
          for (const row of rows) stored.set(pairDay(row), row);
        }
        for (const rate of checked) {
          const row = stored.get(pairDay(rate));
          if (!row)
            throw new UnexpectedError(ErrorCodes.internal, `fx rate ${pairDay(rate)} not stored`);
          const recorded = normaliseRate(row.rate);
          if (!sameFraction(parseRate(recorded), rate.fraction)) {
            throw rateConflict(rate, recorded);
          }
        }
        if (inserted.length > 0) {
          await audit.record(tx, {
            action: 'ledger.fx_rates.record',
            entityType: 'ledger_fx_rate',
            orgId,
            after: {
              count: inserted.length,
              rates: inserted.map((row) => ({
                base: row.base,
                quote: row.quote,
                rate: normaliseRate(row.rate),
                effectiveOn: row.effectiveOn,
                source: row.source,
              })),
            },
          });
        }
        return {
          recorded: inserted.length,
          unchanged: unique.size - inserted.length,
          rates: [...unique.values()].map((r) => toFxRate(stored.get(pairDay(r))!)),
        };
      });
    },

    /** Recorded rates, by pair then day; every filter optional, `from`/`to` inclusive days. */
    listFxRates: async (
      orgId: string,
      filter: { base?: string; quote?: string; from?: string; to?: string } = {},
    ): Promise<FxRate[]> => {
      if (filter.from !== undefined) requireDay(filter.from, 'from');
      if (filter.to !== undefined) requireDay(filter.to, 'to');
      const rows = await db
        .select()
        .from(ledgerFxRates)
        .where(
          and(
            eq(ledgerFxRates.orgId, orgId),
            filter.base === undefined ? undefined : eq(ledgerFxRates.base, filter.base),
            filter.quote === undefined ? undefined : eq(ledgerFxRates.quote, filter.quote),
            filter.from === undefined ? undefined : gte(ledgerFxRates.effectiveOn, filter.from),
            filter.to === undefined ? undefined : lte(ledgerFxRates.effectiveOn, filter.to),
          ),
        )
        .orderBy(asc(ledgerFxRates.base), asc(ledgerFxRates.quote), asc(ledgerFxRates.effectiveOn));
      return rows.map(toFxRate);
    },

    /**
     * The rate from `base` to `quote` in force on the day `on`: the latest recorded on or before
     * it, for the pair or (inverted) for the opposite pair.
     * @throws UserError `ledger_fx_rate_missing` (422) when there is none.
     */
    lookupFxRate: async (
      orgId: string,
      base: string,
      quote: string,
      on: string,
    ): Promise<AppliedRate> => {
      requireCurrency(base, 'base');
      requireCurrency(quote, 'quote');
      requireDay(on, 'on');
      return requireRateOn(db, orgId, base, quote, on);
    },
  };
}

export type FxService = ReturnType<typeof createFxService>;

function checkRate(rate: FxRateInput, index: number): Checked {
  const at = (field: string) => `rates.${index}.${field}`;
  requireCurrency(rate.base, at('base'));
  requireCurrency(rate.quote, at('quote'));
  if (rate.base === rate.quote) throw invalid(at('quote'), 'must differ from base');
  requireDay(rate.effectiveOn, at('effectiveOn'));
  if (rate.source != null && rate.source.length > MAX_SOURCE) {
    throw invalid(at('source'), `must be at most ${MAX_SOURCE} characters`);
  }
  return { ...rate, index, fraction: parseRate(rate.rate, at('rate')) };
}

function pairDay(r: { base: string; quote: string; effectiveOn: string }): string {
  return `${r.base}/${r.quote}@${r.effectiveOn}`;
}

function sameFraction(a: Fraction, b: Fraction): boolean {
  return a.numerator * b.denominator === b.numerator * a.denominator;
}

/** A rate given for a pair and day that already has another one (stored, or earlier in the call). */
function rateConflict(rate: Checked, recorded: string, earlier?: Checked): UserError {
  const pair = `${rate.base}/${rate.quote} on ${rate.effectiveOn}`;
  const message = earlier
    ? `${pair} is given twice with different rates: ${earlier.rate} (rates.${earlier.index}) and ${rate.rate}`
    : `${pair} is recorded as ${recorded}, not ${rate.rate}: a recorded rate is never changed`;
  return new UserError('ledger_fx_rate_conflict', message, {
    status: 409,
    details: [{ path: `rates.${rate.index}.rate`, message }],
  });
}

function toFxRate(row: FxRateRow): FxRate {
  return {
    id: row.id,
    base: row.base,
    quote: row.quote,
    rate: normaliseRate(row.rate),
    effectiveOn: row.effectiveOn,
    source: row.source,
    createdAt: row.createdAt,
  };
}
