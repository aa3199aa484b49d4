import { utcDay } from '../ledger/index.ts';
import type { Clock } from '../kernel/index.ts';
import { scoreHealth, WINDOW_MONTHS, type HealthComponent, type MonthlyValue } from './health.ts';
import type { PortfolioState, PortfolioStates, VentureState } from './portfolio.state.ts';
import type { Scope } from './portfolio.types.ts';
import { addMonths, compareText } from './portfolio.values.ts';

/**
 * Every venture's current figures at once: its MRR in a month and the month before, the day of
 * its latest KPI, and its health score (the same formula and data as `health`, as of today).
 * Derived from the organisation's kept state (`portfolio.state.ts`), each venture's once until
 * it changes; the Businesses list sorts on these and Home's attention list and movers read them.
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

/** The component that cost the most points, among those measured. */
function weakest(components: HealthComponent[]): string | null {
  let worst: HealthComponent | null = null;
  for (const c of components) {
    if (!c.measured || c.points >= c.max) continue;
    if (!worst || c.max - c.points > worst.max - worst.points) worst = c;
  }
  return worst ? `${worst.label}: ${worst.reason}` : null;
}

/** The window of months the figures of `month` need as of `asOf`: with Home's twelve months. */
export function windowOf(month: string, asOf: string): { first: string; last: string } {
  const healthStart = addMonths(asOf.slice(0, 7), -(WINDOW_MONTHS - 1));
  const twelve = addMonths(month, -11);
  const today = asOf.slice(0, 7);
  return {
    first: twelve < healthStart ? twelve : healthStart,
    last: month > today ? month : today,
  };
}

/** A venture's figures for `month` from its state (as of the state's day). */
function figuresOf(venture: VentureState, month: string, asOf: string): VentureFigures {
  const healthStart = addMonths(asOf.slice(0, 7), -(WINDOW_MONTHS - 1));
  const previous = addMonths(month, -1);
  const months: MonthlyValue[] = [];
  for (const r of venture.months) {
    if (r.future) continue;
    months.push({ metric: r.metric, currency: r.currency, month: r.month, value: String(r.value) });
  }
  const inWindow = months.filter((r) => r.month >= healthStart);
  const scored = scoreHealth({ asOf, latestDay: venture.covered, monthly: inWindow });
  const current = months.findLast((r) => r.metric === 'mrr' && r.month === month);
  const before = current
    ? months.find(
        (r) => r.metric === 'mrr' && r.month === previous && r.currency === current.currency,
      )
    : undefined;
  return {
    ventureId: venture.id,
    lastKpiDay: venture.covered,
    mrr: current
      ? { currency: current.currency, current: current.value, previous: before?.value ?? null }
      : null,
    health: {
      score: scored.score,
      measuredOf: scored.measuredOf,
      weakest: weakest(scored.components),
    },
  };
}

export function createFiguresService(deps: { clock: Clock; states: PortfolioStates }) {
  // Figures derived once per venture state (a changed venture is a new state) and month.
  const derived = new WeakMap<VentureState, Map<string, VentureFigures>>();

  /** The scope's figures for `month` from a state read (its window holds `windowOf(month)`). */
  function figuresIn(state: PortfolioState, scope: Scope, month: string) {
    const allowed = scope.ventureIds === null ? null : new Set(scope.ventureIds);
    const figures = new Map<string, VentureFigures>();
    for (const venture of [...state.ventures.values()].sort((a, b) => compareText(a.id, b.id))) {
      if (allowed && !allowed.has(venture.id)) continue;
      let byMonth = derived.get(venture);
      if (!byMonth) derived.set(venture, (byMonth = new Map<string, VentureFigures>()));
      let own = byMonth.get(month);
      if (!own) byMonth.set(month, (own = figuresOf(venture, month, state.asOf)));
      figures.set(venture.id, own);
    }
    return figures;
  }

  return {
    /**
     * Every venture's figures for `month` (`YYYY-MM`), by venture id: the ventures of the scope
     * that are not archived. The figures are shared: read them, never change them.
     */
    async ventureFigures(scope: Scope, month: string): Promise<Map<string, VentureFigures>> {
      const asOf = utcDay(deps.clock.now());
      const { first, last } = windowOf(month, asOf);
      return figuresIn(await deps.states.state(scope.orgId, first, last, asOf), scope, month);
    },

    /** The same from a state already read (whose window holds `windowOf(month, state.asOf)`). */
    figuresIn,
  };
}

export type FiguresService = ReturnType<typeof createFiguresService>;
