import type { PortfolioState, VentureMonth } from './portfolio.state.ts';
import type { Scope } from './portfolio.types.ts';
import { addMonths } from './portfolio.values.ts';

/**
 * What Home's overview adds up, from the organisation's kept state (`portfolio.state.ts`): per
 * metric, category, currency and month the ventures' values and how many ventures reported; the
 * same for the ventures with a value in both this month and the month before; and each
 * venture's MRR in both months (the movers). Each venture has one value per metric and month:
 * MRR's and customers' latest, in its currency (a month reported in two currencies counts in the
 * later one), and revenue's sum per currency (a flow: what was earned in each currency counts).
 */

/** A metric's total over the ventures of a category with a value in one currency and month. */
export interface MonthSum {
  metric: string;
  category: string;
  /** ISO 4217, '' for counts. */
  currency: string;
  month: string;
  total: bigint;
  /** Ventures with a value in the currency (one with revenue in two currencies counts in each). */
  ventures: number;
}

/** The totals over the ventures with a value in both months, in the same currency. */
export interface PairSum {
  metric: string;
  category: string;
  currency: string;
  current: bigint;
  previous: bigint;
  ventures: number;
}

/** A venture's MRR this month and the month before, in the same currency. */
export interface MrrPair {
  ventureId: string;
  currency: string;
  current: bigint;
  previous: bigint;
}

export interface OverviewSums {
  /** The months asked for, every metric (revenue, MRR, customers). */
  sums: MonthSum[];
  /** This month against the month before, every metric. */
  pairs: PairSum[];
  /** Ordered by venture id. */
  mrrPairs: MrrPair[];
  /** Ventures with MRR or revenue in a currency this month, by currency. */
  moneyVentures: Map<string, number>;
  /** The open ventures of the scope, by category. */
  ventures: Map<string, number>;
}

/** A venture's value of a metric in a month, per currency. */
type Values = Map<string, bigint>;

/** The venture's values per metric and month of `months` (revenue, MRR, customers). */
function valuesOf(rows: readonly VentureMonth[], months: ReadonlySet<string>) {
  const values = new Map<string, Values>();
  const latest = new Map<string, VentureMonth>();
  for (const r of rows) {
    if (!months.has(r.month) || r.metric === 'churn') continue;
    const key = `${r.metric}|${r.month}`;
    if (r.metric === 'revenue') {
      const own = values.get(key) ?? new Map<string, bigint>();
      values.set(key, own);
      own.set(r.currency, (own.get(r.currency) ?? 0n) + r.value);
    } else {
      const seen = latest.get(key);
      if (!seen || r.last > seen.last) latest.set(key, r);
    }
  }
  for (const [key, r] of latest) values.set(key, new Map([[r.currency, r.value]]));
  return values;
}

/**
 * The overview's sums for the `count` months ending with `month` (`YYYY-MM`) over the scope's
 * ventures of `state` (whose window holds those months).
 */
export function overviewSums(
  state: PortfolioState,
  scope: Scope,
  month: string,
  count: number,
): OverviewSums {
  const previous = addMonths(month, -1);
  const months = new Set(Array.from({ length: count }, (_, i) => addMonths(month, i - count + 1)));
  const allowed = scope.ventureIds === null ? null : new Set(scope.ventureIds);
  const sums = new Map<string, MonthSum>();
  const pairs = new Map<string, PairSum>();
  const mrrPairs: MrrPair[] = [];
  const money = new Map<string, Set<string>>();
  const ventures = new Map<string, number>();
  for (const venture of state.ventures.values()) {
    if (allowed && !allowed.has(venture.id)) continue;
    const { category } = venture;
    ventures.set(category, (ventures.get(category) ?? 0) + 1);
    const values = valuesOf(venture.months, months);
    for (const [key, byCurrency] of values) {
      const [metric, at] = key.split('|') as [string, string];
      for (const [currency, total] of byCurrency) {
        const id = `${key}|${category}|${currency}`;
        const sum = sums.get(id) ?? {
          metric,
          category,
          currency,
          month: at,
          total: 0n,
          ventures: 0,
        };
        sums.set(id, sum);
        sum.total += total;
        sum.ventures += 1;
        if (at === month && metric !== 'customers') {
          const who = money.get(currency) ?? new Set<string>();
          money.set(currency, who);
          who.add(venture.id);
        }
        if (at !== month) continue;
        const before = values.get(`${metric}|${previous}`)?.get(currency);
        if (before === undefined) continue;
        const pairId = `${metric}|${category}|${currency}`;
        const pair = pairs.get(pairId) ?? {
          metric,
          category,
          currency,
          current: 0n,
          previous: 0n,
          ventures: 0,
        };
        pairs.set(pairId, pair);
        pair.current += total;
        pair.previous += before;
        pair.ventures += 1;
        if (metric === 'mrr') {
          mrrPairs.push({ ventureId: venture.id, currency, current: total, previous: before });
        }
      }
    }
  }
  mrrPairs.sort((a, b) => (a.ventureId < b.ventureId ? -1 : a.ventureId > b.ventureId ? 1 : 0));
  return {
    sums: [...sums.values()],
    pairs: [...pairs.values()],
    mrrPairs,
    moneyVentures: new Map([...money].map(([currency, who]) => [currency, who.size])),
    ventures,
  };
}
