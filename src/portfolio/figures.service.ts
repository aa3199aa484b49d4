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
  venture_id: string;
  metric: string;
  currency: string;
  month: string;
  value: string;
}

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
    const [monthly, latest] = await Promise.all([
      rowsOf<Row>(
        db,
        sql`with v as (select id from portfolio_ventures where ${venturesWhere(scope)})
            select k.venture_id, k.metric, coalesce(k.currency, '') as currency,
                   to_char(k.day, 'YYYY-MM') as month,
                   (case when k.metric = 'revenue' then sum(k.value)
                         else (array_agg(k.value order by k.day desc))[1] end)::text as value
            from portfolio_kpis k join v on v.id = k.venture_id
            where k.org_id = ${scope.orgId}
              and k.metric in ('revenue', 'mrr', 'customers', 'churn')
              and k.day >= ${`${from}-01`}::date and k.day <= ${asOf}::date
            group by 1, 2, 3, 4`,
      ),
      rowsOf<{ id: string; day: string | null }>(
        db,
        sql`select v.id, (select to_char(max(${coveredUntil(asOf)}), 'YYYY-MM-DD') from portfolio_kpis k
                          where k.org_id = ${scope.orgId} and k.venture_id = v.id
                            and k.day <= ${asOf}::date) as day
            from portfolio_ventures v where ${venturesWhere(scope)}`,
      ),
    ]);
    const byVenture = new Map<string, MonthlyValue[]>();
    for (const row of monthly) {
      const list = byVenture.get(row.venture_id) ?? [];
      list.push({
        metric: row.metric,
        currency: row.currency,
        month: row.month,
        value: fromColumn(row.value).split('.')[0]!,
      });
      byVenture.set(row.venture_id, list);
    }
    const figures = new Map<string, VentureFigures>();
    for (const { id, day } of latest) {
      const rows = byVenture.get(id) ?? [];
      const inWindow = rows.filter((r) => r.month >= healthStart);
      const scored = scoreHealth({ asOf, latestDay: day, monthly: inWindow });
      const current = rows.find((r) => r.metric === 'mrr' && r.month === month);
      const before = current
        ? rows.find(
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
