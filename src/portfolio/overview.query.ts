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

/** A KPI's month, as its first day (a timestamp without time zone: no zone moves it). */
const monthOf = sql`date_trunc('month', k.day::timestamp)`;

/** The row of a venture's metric on the last day of its month (`g`: a row of `monthly`). */
const lastRow = (scope: Scope, column: SQL) =>
  sql`(select ${column} from portfolio_kpis r
       where r.org_id = ${scope.orgId} and r.venture_id = g.venture_id and r.metric = g.metric
         and r.day = g.last)`;

/**
 * Each venture's value of each metric per month, one per venture, metric and month: revenue's
 * sum, the other metrics' latest value, in the currency of the month's last row (a venture that
 * changed currency within a month counts in its new one). Mostly a month holds one row of a
 * metric, its value; only aggregates without order are computed per group (no sort), and the
 * rows are looked up (by primary key) for a month with several.
 */
function perVentureMonth(scope: Scope, first: string, end: string): SQL {
  const lastCurrency = lastRow(scope, sql`coalesce(r.currency, '')`);
  return sql`
    select venture_id, category, metric, month,
           case when low = high then low else ${lastCurrency} end as currency,
           case when n = 1 or (metric = 'revenue' and low = high) then total
                when metric <> 'revenue' then ${lastRow(scope, sql`r.value`)}
                else (select sum(r.value) from portfolio_kpis r
                      where r.org_id = ${scope.orgId} and r.venture_id = g.venture_id
                        and r.metric = g.metric and r.day >= g.month and r.day <= g.last
                        and coalesce(r.currency, '') = ${lastCurrency})
           end as value
    from (select k.venture_id, v.category, k.metric, ${monthOf}::date as month,
                 count(*) as n, sum(k.value) as total, max(k.day) as last,
                 min(coalesce(k.currency, '')) as low, max(coalesce(k.currency, '')) as high
          from portfolio_kpis k join v on v.id = k.venture_id
          where k.org_id = ${scope.orgId} and k.metric in ('revenue', 'mrr', 'customers')
            and k.day >= ${first}::date and k.day < ${end}::date
          group by 1, 2, 3, 4) g`;
}

/**
 * The overview's sums for the `count` months ending with `month` (`YYYY-MM`), from each
 * venture's one value per metric and month (`perVentureMonth`).
 */
export async function overviewSums(
  db: Database,
  scope: Scope,
  month: string,
  count: number,
): Promise<OverviewSums> {
  // Months are dates (their first day) until the sums: formatting every row's day costs more
  // than adding it up.
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
