import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../kernel/index.ts';
import { venturesWhere } from './portfolio.cache.ts';
import type { Scope } from './portfolio.types.ts';
import { addMonths, fromColumn } from './portfolio.values.ts';
import { rowsOf } from './rollups.service.ts';

/**
 * What Home's overview adds up, added up in SQL: per metric, category, currency and month the
 * ventures' values and how many ventures reported; the same for the ventures with a value in
 * both this month and the month before; and each venture's MRR in both months (the movers).
 * Everything comes back as one row of JSON: PGlite decodes each field of each row in JavaScript,
 * so a few hundred sums cost less than the 36,000 values per venture and month they come from.
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

interface Row extends Record<string, unknown> {
  sums: string | null;
  pairs: string | null;
  movers: string | null;
  money: string | null;
  ventures: string | null;
}

type Json<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] }[];

const parse = <T>(text: string | null): Json<T> =>
  text === null ? [] : (JSON.parse(text) as Json<T>);
const whole = (value: string) => BigInt(fromColumn(value).split('.')[0]!);

/**
 * Each venture's value of each metric per month: MRR's and customers' latest value, in its
 * currency (a month reported in two currencies counts in the later one: one value per venture),
 * and revenue's sum per currency (a flow: what was earned in each currency counts, as in the
 * grid). Only aggregates without order, so no sort and no lookup per group: `max(array[k])`
 * compares whole KPI rows, and the rows of a venture's metric differ first in their day.
 */
function perVentureMonth(scope: Scope, first: string, end: string): SQL {
  return sql`
    select venture_id, category, metric, month,
           case when metric = 'revenue' then currency
                else coalesce((latest[1]).currency, '') end as currency,
           case when metric = 'revenue' then total else (latest[1]).value end as value
    from (select k.venture_id, v.category, k.metric,
                 date_trunc('month', k.day::timestamp)::date as month,
                 case when k.metric = 'revenue' then coalesce(k.currency, '') end as currency,
                 sum(k.value) filter (where k.metric = 'revenue') as total,
                 max(array[k]) filter (where k.metric <> 'revenue') as latest
          from portfolio_kpis k join v on v.id = k.venture_id
          where k.org_id = ${scope.orgId} and k.metric in ('revenue', 'mrr', 'customers')
            and k.day >= ${first}::date and k.day < ${end}::date
          group by 1, 2, 3, 4, 5) g`;
}

/**
 * The overview's sums for the `count` months ending with `month` (`YYYY-MM`), from each
 * venture's values per metric and month (`perVentureMonth`). A month is its first day (a
 * timestamp without time zone: no zone moves it) until the sums: formatting every row's day
 * costs more than adding it up.
 */
export async function overviewSums(
  db: Database,
  scope: Scope,
  month: string,
  count: number,
): Promise<OverviewSums> {
  const current = sql`${`${month}-01`}::date`;
  const previous = sql`${`${addMonths(month, -1)}-01`}::date`;
  const first = `${addMonths(month, -(count - 1))}-01`;
  const end = `${addMonths(month, 1)}-01`;
  const [row] = await rowsOf<Row>(
    db,
    sql`
    with v as (select id, category from portfolio_ventures where ${venturesWhere(scope)}),
    m as materialized (${perVentureMonth(scope, first, end)}),
    pairs as (
      select venture_id, category, metric, currency,
             sum(value) filter (where month = ${current}) as current,
             sum(value) filter (where month = ${previous}) as previous
      from m where month in (${current}, ${previous})
      group by 1, 2, 3, 4 having count(*) = 2
    )
    select
      (select json_agg(json_build_object('metric', metric, 'category', category,
                'currency', currency, 'month', to_char(month, 'YYYY-MM'), 'total', total::text,
                'ventures', n))
       from (select metric, category, currency, month, sum(value) as total, count(*) as n
             from m group by 1, 2, 3, 4) s)::text as sums,
      (select json_agg(json_build_object('metric', metric, 'category', category,
                'currency', currency, 'current', current::text, 'previous', previous::text,
                'ventures', n))
       from (select metric, category, currency, sum(current) as current,
                    sum(previous) as previous, count(*) as n
             from pairs group by 1, 2, 3) s)::text as pairs,
      (select json_agg(json_build_object('ventureId', venture_id, 'currency', currency,
                'current', current::text, 'previous', previous::text) order by venture_id)
       from pairs where metric = 'mrr')::text as movers,
      (select json_agg(json_build_object('currency', currency, 'ventures', n))
       from (select currency, count(distinct venture_id) as n from m
             where month = ${current} and metric in ('mrr', 'revenue') group by 1) s)::text as money,
      (select json_agg(json_build_object('category', category, 'ventures', n))
       from (select category, count(*) as n from v group by 1) s)::text as ventures`,
  );
  return {
    sums: parse<MonthSum>(row?.sums ?? null).map((s) => ({ ...s, total: whole(s.total) })),
    pairs: parse<PairSum>(row?.pairs ?? null).map((p) => ({
      ...p,
      current: whole(p.current),
      previous: whole(p.previous),
    })),
    mrrPairs: parse<MrrPair>(row?.movers ?? null).map((p) => ({
      ...p,
      current: whole(p.current),
      previous: whole(p.previous),
    })),
    moneyVentures: new Map(
      parse<{ currency: string; ventures: number }>(row?.money ?? null).map((r) => [
        r.currency,
        r.ventures,
      ]),
    ),
    ventures: new Map(
      parse<{ category: string; ventures: number }>(row?.ventures ?? null).map((r) => [
        r.category,
        r.ventures,
      ]),
    ),
  };
}
