import { sql } from 'drizzle-orm';
import { utcDay } from '../ledger/index.ts';
import type { Clock, Database } from '../kernel/index.ts';
import {
  coveredUntil,
  scoreHealth,
  WINDOW_MONTHS,
  type HealthComponent,
  type MonthlyValue,
} from './health.ts';
import { venturesWhere, type OrgCache } from './portfolio.cache.ts';
import type { Scope } from './portfolio.types.ts';
import { addMonths, fromColumn } from './portfolio.values.ts';
import { rowsOf } from './rollups.service.ts';

/**
 * Every venture's current figures at once: its MRR in a month and the month before, the day of
 * its latest KPI, and its health score (the same formula and data as `health`, as of today).
 * One query for the whole organisation, cached with the roll-ups; the Businesses list sorts on
 * these and Home's attention list and movers read them.
 */

export interface VentureFigures {
  ventureId: string;
  /** The last day its latest KPI covers (a month's value: the month's end; not after today), or null. */
  lastKpiDay: string | null;
  /**
   * MRR in the month asked for, and the month before in the same currency (minor units); null
   * when it reported no MRR that month.
   */
  mrr: { currency: string; current: string; previous: string | null } | null;
  health: {
    score: number;
    /** The points its measured components can earn (100 when all were measured). */
    measuredOf: number;
    /** The reason of the component that lost the most points, or null when none lost any. */
    weakest: string | null;
  };
}

interface Row extends Record<string, unknown> {
  id: string;
  /** `[metric, currency, month's first day, value, last day]` per metric and month (JSON), or null. */
  monthly: string | null;
  day: string | null;
}

/** Orders ISO dates (`localeCompare` is many times slower, over 20,000 of them). */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The component that cost the most points, among those measured. */
function weakest(components: HealthComponent[]): string | null {
  let worst: HealthComponent | null = null;
  for (const c of components) {
    if (!c.measured || c.points >= c.max) continue;
    if (!worst || c.max - c.points > worst.max - worst.points) worst = c;
  }
  return worst ? `${worst.label}: ${worst.reason}` : null;
}

export function createFiguresService(deps: { db: Database; clock: Clock; cache: OrgCache }) {
  const { db, clock } = deps;

  async function compute(scope: Scope, month: string): Promise<Map<string, VentureFigures>> {
    const asOf = utcDay(clock.now());
    const healthStart = addMonths(asOf.slice(0, 7), -(WINDOW_MONTHS - 1));
    const previous = addMonths(month, -1);
    const from = previous < healthStart ? previous : healthStart;
    const since = `${from}-01`;
    // One row per venture, its months as JSON: PGlite decodes every field of every row in
    // JavaScript, and a row per venture, metric and month is 23,000 rows for 1,000 ventures.
    const rows = await rowsOf<Row>(
      db,
      sql`with v as (select id from portfolio_ventures where ${venturesWhere(scope)}),
          -- Every metric counts for the latest KPI; the four below for the score. A month is
          -- its first day (formatting every row's day costs more than the rest).
          g as (
            select k.venture_id, k.metric, coalesce(k.currency, '') as currency,
                   date_trunc('month', k.day::timestamp)::date as month,
                   -- Revenue's sum, the other metrics' latest value: arrays compare element by
                   -- element, so the day (as a number) decides (no sort, no lookup).
                   case when k.metric = 'revenue' then sum(k.value) filter (where k.metric = 'revenue')
                        else (max(array[k.day - date '2000-01-01', k.value])
                                filter (where k.metric <> 'revenue'))[2]
                   end as value,
                   max(k.day) as last, bool_or(k.period = 'month') as whole
            from portfolio_kpis k join v on v.id = k.venture_id
            where k.org_id = ${scope.orgId} and k.day >= ${since}::date and k.day <= ${asOf}::date
            group by 1, 2, 3, 4
          ),
          per as (
            -- The last day its KPIs cover: a month's value covers the month (coveredUntil).
            select venture_id,
                   least(greatest(max(last), (max(month) filter (where whole)
                                              + interval '1 month' - interval '1 day')::date),
                         ${asOf}::date) as covered,
                   json_agg(json_build_array(metric, currency, month, value::text, last))
                     filter (where metric in ('revenue', 'mrr', 'customers', 'churn')) as monthly
            from g group by 1
          )
          select v.id, per.monthly::text as monthly, to_char(per.covered, 'YYYY-MM-DD') as day
          from v left join per on per.venture_id = v.id
          order by v.id`,
    );
    // A KPI before these months covers less than any in them: only the ventures without one in
    // them look further back (by primary key).
    const before = rows.filter((r) => r.day === null).map((r) => r.id);
    const earlier = new Map(
      before.length === 0
        ? []
        : (
            await rowsOf<{ venture_id: string; day: string }>(
              db,
              sql`select venture_id, to_char(max(${coveredUntil(asOf)}), 'YYYY-MM-DD') as day
                  from portfolio_kpis
                  where org_id = ${scope.orgId} and day < ${since}::date
                    and venture_id in (${sql.join(
                      before.map((id) => sql`${id}::uuid`),
                      sql`, `,
                    )})
                  group by venture_id`,
            )
          ).map((r) => [r.venture_id, r.day]),
    );
    const figures = new Map<string, VentureFigures>();
    for (const { id, monthly, day: inMonths } of rows) {
      const day = inMonths ?? earlier.get(id) ?? null;
      const values =
        monthly === null ? [] : (JSON.parse(monthly) as [string, string, string, string, string][]);
      // By month, and a month reported in two currencies with the later one last: it is taken.
      values.sort((a, b) => compareText(a[2], b[2]) || compareText(a[4], b[4]));
      const months: MonthlyValue[] = values.map(([metric, currency, first, value]) => ({
        metric,
        currency,
        month: first.slice(0, 7),
        value: fromColumn(value).split('.')[0]!,
      }));
      const inWindow = months.filter((r) => r.month >= healthStart);
      const scored = scoreHealth({ asOf, latestDay: day, monthly: inWindow });
      const current = months.findLast((r) => r.metric === 'mrr' && r.month === month);
      const before = current
        ? months.find(
            (r) => r.metric === 'mrr' && r.month === previous && r.currency === current.currency,
          )
        : undefined;
      figures.set(id, {
        ventureId: id,
        lastKpiDay: day,
        mrr: current
          ? { currency: current.currency, current: current.value, previous: before?.value ?? null }
          : null,
        health: {
          score: scored.score,
          measuredOf: scored.measuredOf,
          weakest: weakest(scored.components),
        },
      });
    }
    return figures;
  }

  return {
    /**
     * Every venture's figures for `month` (`YYYY-MM`), by venture id: the ventures of the scope
     * that are not archived.
     */
    ventureFigures(scope: Scope, month: string): Promise<Map<string, VentureFigures>> {
      if (scope.ventureIds !== null) return compute(scope, month);
      return deps.cache.cached(`${scope.orgId}|figures|${month}|${utcDay(clock.now())}`, () =>
        compute(scope, month),
      );
    },
  };
}

export type FiguresService = ReturnType<typeof createFiguresService>;
