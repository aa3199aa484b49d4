import { sql } from 'drizzle-orm';
import { convertMinor, ratesOn, type AppliedRate } from '../ledger/index.ts';
import type { Database } from '../kernel/index.ts';
import type { Scope } from './portfolio.types.ts';
import { addMonths } from './portfolio.values.ts';
import { rowsOf } from './rollups.service.ts';

/**
 * One reporting currency for figures kept in many: which currency an organisation reports in,
 * and conversions with the ledger's exchange rates in force at a month's end (half to even, in
 * minor units). A currency without a rate by then converts to undefined: left out and named by
 * the caller, never guessed.
 */

/** The last day of a month, `YYYY-MM-DD`. */
export function monthEnd(month: string): string {
  const next = Date.parse(`${addMonths(month, 1)}-01T00:00:00Z`);
  return new Date(next - 86_400_000).toISOString().slice(0, 10);
}

/** Converts into `currency` at month ends; every rate is read once. */
export interface Converter {
  currency: string;
  /** Minor units of `from` in the reporting currency at the rate of `month`'s end, or undefined. */
  convert: (amount: bigint, from: string, month: string) => bigint | undefined;
  /** The rate used for `from` in `month` (loaded by `load`), or undefined. */
  rate: (from: string, month: string) => AppliedRate | undefined;
  /** Reads the rates of these currencies at these months' ends. */
  load: (currencies: Iterable<string>, months: Iterable<string>) => Promise<void>;
}

export function createReporting(deps: {
  db: Database;
  defaultCurrency: (orgId: string) => Promise<string | null>;
}) {
  const { db } = deps;
  return {
    /** The currency asked for, else the organisation's, else the one most ventures use for MRR. */
    async reportingCurrency(scope: Scope, asked?: string): Promise<string> {
      if (asked) return asked;
      const configured = await deps.defaultCurrency(scope.orgId);
      if (configured) return configured;
      const [row] = await rowsOf<{ currency: string | null }>(
        db,
        sql`select currency from portfolio_kpis
            where org_id = ${scope.orgId} and metric = 'mrr' and currency is not null
            group by currency order by count(distinct venture_id) desc, currency limit 1`,
      );
      return row?.currency ?? 'USD';
    },

    converter(orgId: string, currency: string): Converter {
      const rates = new Map<string, AppliedRate | undefined>();
      return {
        currency,
        convert: (amount, from, month) => {
          if (from === currency) return amount;
          const rate = rates.get(`${from}|${month}`);
          return rate ? convertMinor(amount, from, currency, rate.fraction) : undefined;
        },
        rate: (from, month) => rates.get(`${from}|${month}`),
        load: async (currencies, months) => {
          const list = [...new Set(months)];
          const wanted = [...new Set(currencies)].filter(
            (c) => c && c !== currency && list.some((m) => !rates.has(`${c}|${m}`)),
          );
          if (wanted.length === 0) return;
          // Every currency at every month's end in one query (PGlite runs queries one at a time).
          const found = await ratesOn(
            db,
            orgId,
            wanted.map((from) => ({ base: from, quote: currency })),
            list.map(monthEnd),
          );
          for (const from of wanted) {
            for (const m of list) {
              const key = `${from}|${m}`;
              if (!rates.has(key)) rates.set(key, found.get(from, currency, monthEnd(m)));
            }
          }
        },
      };
    },
  };
}

export type Reporting = ReturnType<typeof createReporting>;
