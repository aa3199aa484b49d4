import type { PortfolioState, VentureMonth, VentureState } from './portfolio.state.ts';
import type { Scope } from './portfolio.types.ts';
import { addMonths, compareText } from './portfolio.values.ts';

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

/** What one venture adds to the overview of a month: its sums, pairs, MRR pair and currencies. */
interface Contribution {
  /** With the key of the sum each goes to (metric, month, category and currency). */
  sums: (MonthSum & { key: string })[];
  pairs: (PairSum & { key: string })[];
  mrr: MrrPair | undefined;
  /** Currencies it has MRR or revenue in this month. */
  money: string[];
}

function contributionOf(venture: VentureState, month: string, count: number): Contribution {
  const previous = addMonths(month, -1);
  const months = new Set(Array.from({ length: count }, (_, i) => addMonths(month, i - count + 1)));
  const { category } = venture;
  const values = valuesOf(venture.months, months);
  const own: Contribution = { sums: [], pairs: [], mrr: undefined, money: [] };
  for (const [key, byCurrency] of values) {
    const [metric, at] = key.split('|') as [string, string];
    for (const [currency, total] of byCurrency) {
      own.sums.push({
        key: `${key}|${category}|${currency}`,
        metric,
        category,
        currency,
        month: at,
        total,
        ventures: 1,
      });
      if (at !== month) continue;
      if (metric !== 'customers' && !own.money.includes(currency)) own.money.push(currency);
      const before = values.get(`${metric}|${previous}`)?.get(currency);
      if (before === undefined) continue;
      own.pairs.push({
        key: `${metric}|${category}|${currency}`,
        metric,
        category,
        currency,
        current: total,
        previous: before,
        ventures: 1,
      });
      if (metric === 'mrr') {
        own.mrr = { ventureId: venture.id, currency, current: total, previous: before };
      }
    }
  }
  return own;
}

/** Each venture state's contribution, per month and count, made once (a changed venture is a new state). */
const contributions = new WeakMap<VentureState, Map<string, Contribution>>();

function contribution(venture: VentureState, month: string, count: number): Contribution {
  let byMonth = contributions.get(venture);
  if (!byMonth) contributions.set(venture, (byMonth = new Map<string, Contribution>()));
  const key = `${month}|${count}`;
  let own = byMonth.get(key);
  if (!own) byMonth.set(key, (own = contributionOf(venture, month, count)));
  return own;
}

/**
 * The overview's sums for the `count` months ending with `month` (`YYYY-MM`) over the scope's
 * ventures of `state` (whose window holds those months): each venture's contribution, made once
 * per venture state, added up.
 */
export function overviewSums(
  state: PortfolioState,
  scope: Scope,
  month: string,
  count: number,
): OverviewSums {
  const allowed = scope.ventureIds === null ? null : new Set(scope.ventureIds);
  const sums = new Map<string, MonthSum>();
  const pairs = new Map<string, PairSum>();
  const mrrPairs: MrrPair[] = [];
  const money = new Map<string, number>();
  const ventures = new Map<string, number>();
  for (const venture of state.ventures.values()) {
    if (allowed && !allowed.has(venture.id)) continue;
    ventures.set(venture.category, (ventures.get(venture.category) ?? 0) + 1);
    const own = contribution(venture, month, count);
    for (const one of own.sums) {
      const sum = sums.get(one.key);
      if (sum) {
        sum.total += one.total;
        sum.ventures += 1;
      } else {
        const { metric, category, currency, month: at, total } = one;
        sums.set(one.key, { metric, category, currency, month: at, total, ventures: 1 });
      }
    }
    for (const one of own.pairs) {
      const pair = pairs.get(one.key);
      if (pair) {
        pair.current += one.current;
        pair.previous += one.previous;
        pair.ventures += 1;
      } else {
        const { metric, category, currency, current, previous } = one;
        pairs.set(one.key, { metric, category, currency, current, previous, ventures: 1 });
      }
    }
    if (own.mrr) mrrPairs.push(own.mrr);
    for (const currency of own.money) money.set(currency, (money.get(currency) ?? 0) + 1);
  }
  mrrPairs.sort((a, b) => compareText(a.ventureId, b.ventureId));
  return {
    sums: [...sums.values()],
    pairs: [...pairs.values()],
    mrrPairs,
    moneyVentures: money,
    ventures,
  };
}
