import { sql, type SQL } from 'drizzle-orm';
import { utcDay } from '../ledger/index.ts';
import type { Clock, Database } from '../kernel/index.ts';
import { STAGES, type Scope, type Stage } from './portfolio.types.ts';
import { addMonths, fromColumn } from './portfolio.values.ts';
import { venturesWhere, type OrgCache } from './portfolio.cache.ts';
import type { VenturesService } from './ventures.service.ts';

/**
 * The "Business Performance Grid": per category and for the whole portfolio, in one month and
 * against the month before. Everything is aggregated in SQL from the stored KPIs; see README.md
 * for the definitions.
 */

export interface MoneyRollup {
  currency: string;
  /** Minor units. */
  current: string;
  previous: string;
  /**
   * Like-for-like change in basis points (1234 = +12.34 %): over the ventures that reported in
   * both months only, so a venture that has not reported yet (a month in progress) or reports
   * for the first time moves nothing; null without a base.
   */
  growthBp: number | null;
  /** Ventures with a value this month. */
  reporting: number;
  /** Ventures with a value in both months: the base of `growthBp`. */
  compared: number;
}

export interface RollupGroup {
  /** Null for the whole portfolio. */
  category: string | null;
  label: string;
  ventures: { total: number; byStage: Record<Stage, number> };
  revenue: MoneyRollup[];
  mrr: MoneyRollup[];
  customers: {
    current: string;
    previous: string;
    growthBp: number | null;
    reporting: number;
    compared: number;
  };
  churn: {
    /** Average over the ventures reporting churn that month, in basis points (2 decimals). */
    averageBp: string | null;
    previousAverageBp: string | null;
    ventures: number;
  };
}

export interface Rollup {
  month: string;
  previousMonth: string;
  portfolio: RollupGroup;
  categories: RollupGroup[];
}

export interface RollupQuery {
  /** `YYYY-MM`; default: the latest month with KPIs (not after the current one). */
  month?: string | undefined;
  category?: string | undefined;
}

export interface RollupHistoryQuery {
  /** How many months, ending with `to` (default 12, at most 36). */
  months?: number | undefined;
  /** `YYYY-MM`; default: the latest month with KPIs. */
  to?: string | undefined;
  category?: string | undefined;
}

export interface RollupHistoryMonth {
  month: string;
  /** Minor units per currency, never mixed. */
  revenue: { currency: string; total: string }[];
  mrr: { currency: string; total: string }[];
  customers: string;
  /** Ventures with any of these KPIs that month. */
  reporting: number;
}

interface HistoryRow extends Record<string, unknown> {
  month: string;
  metric: string;
  currency: string;
  total: string;
  ventures: number;
}

interface MetricRow extends Record<string, unknown> {
  category: string | null;
  metric: string;
  currency: string;
  current: string | null;
  previous: string | null;
  avg_current: string | null;
  avg_previous: string | null;
  ventures_current: number;
  ventures_compared: number;
  growth_bp: string | null;
}

interface StageRow extends Record<string, unknown> {
  category: string | null;
  stage: string;
  n: number;
}

/** Rows of a raw query, from node-postgres and PGlite alike. */
export async function rowsOf<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as { rows: T[] };
  return result.rows;
}

type HistoryResult = { from: string; to: string; months: RollupHistoryMonth[] };

export function createRollupsService(deps: {
  db: Database;
  clock: Clock;
  ventures: VenturesService;
  cache: OrgCache;
}) {
  const { db, clock } = deps;
  // The grid and the history scan a month and a year of every venture's KPIs (about 50,000
  // rows for 1,000 ventures for the history): answers are kept per organisation and query.
  const { cached } = deps.cache;
  const ventureFilter = venturesWhere;

  /**
   * The month shown by default: the latest with KPIs among the complete ones (before the current
   * month), so a month in progress is never compared with a whole one; the current month only
   * when nothing was recorded before it.
   */
  async function latestMonth(scope: Scope, category: string | undefined): Promise<string> {
    const thisMonth = utcDay(clock.now()).slice(0, 7);
    const complete = await latestBefore(scope, category, `${thisMonth}-01`, false);
    return (
      complete ?? (await latestBefore(scope, category, utcDay(clock.now()), true)) ?? thisMonth
    );
  }

  /** The month of the latest KPI before (or on, when `inclusive`) a day, or null. */
  async function latestBefore(
    scope: Scope,
    category: string | undefined,
    bound: string,
    inclusive: boolean,
  ): Promise<string | null> {
    const until = inclusive ? sql`<= ${bound}::date` : sql`< ${bound}::date`;
    if (scope.ventureIds === null && category === undefined) {
      // The whole organisation: one index lookup per metric instead of a scan of its KPIs.
      const [row] = await rowsOf<{ day: string | null }>(
        db,
        sql`select to_char(max(d), 'YYYY-MM-DD') as day from (${sql.join(
          ['revenue', 'mrr', 'customers', 'churn'].map(
            (metric) =>
              sql`(select max(day) as d from portfolio_kpis where org_id = ${scope.orgId} and metric = ${metric} and day ${until})`,
          ),
          sql` union all `,
        )}) latest`,
      );
      return row?.day?.slice(0, 7) ?? null;
    }
    const [row] = await rowsOf<{ day: string | null }>(
      db,
      sql`select to_char(max(k.day), 'YYYY-MM-DD') as day
          from portfolio_kpis k
          where k.org_id = ${scope.orgId}
            and k.metric in ('revenue', 'mrr', 'customers', 'churn')
            and k.day ${until}
            and k.venture_id in (select id from portfolio_ventures where ${ventureFilter(scope, category)})`,
    );
    return row?.day?.slice(0, 7) ?? null;
  }

  /**
   * Each venture's value of each metric per month and currency, for the ventures of the query's
   * `v` and the days in [from, to): revenue is the month's sum, the other metrics the month's
   * last value. Both the grid and the history add these up.
   */
  const perVentureMonth = (scope: Scope, metrics: string[], from: string, to: string) => sql`
    select k.venture_id, k.metric, coalesce(k.currency, '') as currency,
           to_char(k.day, 'YYYY-MM') as month,
           case when k.metric = 'revenue' then sum(k.value)
                else (array_agg(k.value order by k.day desc))[1] end as value
    from portfolio_kpis k join v on v.id = k.venture_id
    where k.org_id = ${scope.orgId}
      and k.metric in (${sql.join(
        metrics.map((metric) => sql`${metric}`),
        sql`, `,
      )})
      and k.day >= ${from}::date and k.day < ${to}::date
    group by 1, 2, 3, 4`;

  async function computeHistory(
    scope: Scope,
    query: RollupHistoryQuery,
    count: number,
    to: string,
  ): Promise<HistoryResult> {
    const from = addMonths(to, -(count - 1));
    const end = `${addMonths(to, 1)}-01`;
    const rows = await rowsOf<HistoryRow>(
      db,
      sql`
        with v as (select id from portfolio_ventures where ${ventureFilter(scope, query.category)}),
        per as (${perVentureMonth(scope, ['revenue', 'mrr', 'customers'], `${from}-01`, end)})
        select month, metric, currency, sum(value)::text as total,
               count(distinct venture_id)::int as ventures
        from per group by 1, 2, 3 order by 1, 2, 3`,
    );
    const months: RollupHistoryMonth[] = [];
    for (let month = from; month <= to; month = addMonths(month, 1)) {
      const mine = rows.filter((r) => r.month === month);
      const money = (metric: string) =>
        mine
          .filter((r) => r.metric === metric)
          .map((r) => ({ currency: r.currency, total: fromColumn(r.total) }));
      months.push({
        month,
        revenue: money('revenue'),
        mrr: money('mrr'),
        customers: fromColumn(mine.find((r) => r.metric === 'customers')?.total ?? '0'),
        reporting: mine.reduce((most, r) => Math.max(most, Number(r.ventures)), 0),
      });
    }
    return { from, to, months };
  }

  return {
    /**
     * The month roll-ups show by default: the latest complete month with KPIs (the current month
     * only when nothing was recorded before it).
     */
    defaultMonth: (scope: Scope, category?: string): Promise<string> =>
      // Every list and overview asks: kept with the answers it leads to (per day, as today
      // decides it when nothing was recorded before this month).
      scope.ventureIds !== null
        ? latestMonth(scope, category)
        : cached(`${scope.orgId}|default-month|${category ?? ''}|${utcDay(clock.now())}`, () =>
            latestMonth(scope, category),
          ),

    /**
     * The portfolio month by month (the trend behind the grid): revenue summed over the month,
     * MRR and customers as each venture's last value of the month, per currency.
     */
    async rollupHistory(scope: Scope, query: RollupHistoryQuery = {}): Promise<HistoryResult> {
      const count = Math.min(Math.max(query.months ?? 12, 1), 36);
      const to = query.to ?? (await latestMonth(scope, query.category));
      // API keys limited to some ventures compute their own (rare, and never shared).
      if (scope.ventureIds !== null) return computeHistory(scope, query, count, to);
      return cached(`${scope.orgId}|history|${query.category ?? ''}|${to}|${count}`, () =>
        computeHistory(scope, query, count, to),
      );
    },

    /** The Business Performance Grid for a month (default: the latest with KPIs). */
    rollup(scope: Scope, query: RollupQuery = {}): Promise<Rollup> {
      // API keys limited to some ventures compute their own (rare, and never shared).
      if (scope.ventureIds !== null) return computeRollup(scope, query);
      return cached(`${scope.orgId}|grid|${query.category ?? ''}|${query.month ?? 'latest'}`, () =>
        computeRollup(scope, query),
      );
    },
  };

  async function computeRollup(scope: Scope, query: RollupQuery): Promise<Rollup> {
    const month = query.month ?? (await latestMonth(scope, query.category));
    const previousMonth = addMonths(month, -1);
    const start = `${previousMonth}-01`;
    const end = `${addMonths(month, 1)}-01`;
    const filter = ventureFilter(scope, query.category);
    const [metricRows, stageRows, categories] = await Promise.all([
      rowsOf<MetricRow>(
        db,
        sql`
        with v as (select id, category from portfolio_ventures where ${filter}),
        per as (${perVentureMonth(scope, ['revenue', 'mrr', 'customers', 'churn'], start, end)}),
        -- A venture's value in both months (at most one row per month): the like-for-like base.
        paired as (
          select per.*,
                 count(*) over (partition by per.venture_id, per.metric, per.currency) = 2 as both
          from per
        ),
        agg as (
          select v.category, p.metric, p.currency,
                 sum(p.value) filter (where p.month = ${month}) as current,
                 sum(p.value) filter (where p.month = ${previousMonth}) as previous,
                 sum(p.value) filter (where p.month = ${month} and p.both) as current_both,
                 sum(p.value) filter (where p.month = ${previousMonth} and p.both) as previous_both,
                 round(avg(p.value) filter (where p.month = ${month}), 2) as avg_current,
                 round(avg(p.value) filter (where p.month = ${previousMonth}), 2) as avg_previous,
                 count(*) filter (where p.month = ${month})::int as ventures_current,
                 count(*) filter (where p.month = ${month} and p.both)::int as ventures_compared
          from paired p join v on v.id = p.venture_id
          group by grouping sets ((v.category, p.metric, p.currency), (p.metric, p.currency))
        )
        select category, metric, currency,
               current::text, previous::text, avg_current::text, avg_previous::text,
               ventures_current, ventures_compared,
               case when previous_both > 0
                    then round((current_both - previous_both) * 10000 / previous_both)::text
               end as growth_bp
        from agg`,
      ),
      rowsOf<StageRow>(
        db,
        sql`select category, stage, count(*)::int as n
            from portfolio_ventures where ${filter}
            group by grouping sets ((category, stage), (stage))`,
      ),
      deps.ventures.listCategories(scope),
    ]);

    const group = (category: string | null, label: string): RollupGroup => {
      const mine = metricRows.filter((r) => r.category === category);
      const byStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
      for (const row of stageRows) {
        if (row.category === category) byStage[row.stage as Stage] = Number(row.n);
      }
      const money = (metric: string): MoneyRollup[] =>
        mine
          .filter((r) => r.metric === metric)
          .map((r) => ({
            currency: r.currency,
            current: fromColumn(r.current ?? '0'),
            previous: fromColumn(r.previous ?? '0'),
            growthBp: r.growth_bp === null ? null : Number(r.growth_bp),
            reporting: r.ventures_current,
            compared: r.ventures_compared,
          }))
          .sort((a, b) => a.currency.localeCompare(b.currency));
      const customers = mine.find((r) => r.metric === 'customers');
      const churn = mine.find((r) => r.metric === 'churn');
      return {
        category,
        label,
        ventures: { total: Object.values(byStage).reduce((a, b) => a + b, 0), byStage },
        revenue: money('revenue'),
        mrr: money('mrr'),
        customers: {
          current: fromColumn(customers?.current ?? '0'),
          previous: fromColumn(customers?.previous ?? '0'),
          growthBp: customers?.growth_bp ? Number(customers.growth_bp) : null,
          reporting: customers?.ventures_current ?? 0,
          compared: customers?.ventures_compared ?? 0,
        },
        churn: {
          averageBp: churn?.avg_current ? fromColumn(churn.avg_current) : null,
          previousAverageBp: churn?.avg_previous ? fromColumn(churn.avg_previous) : null,
          ventures: churn?.ventures_current ?? 0,
        },
      };
    };

    const shown =
      query.category === undefined
        ? categories
        : categories.filter((c) => c.key === query.category);
    return {
      month,
      previousMonth,
      portfolio: group(null, 'Portfolio'),
      categories: shown.map((c) => group(c.key, c.label)),
    };
  }
}

export type RollupsService = ReturnType<typeof createRollupsService>;
