import type { FiguresService, VentureFigures } from './figures.service.ts';
import type {
  FigureSort,
  ListedFigures,
  Scope,
  Venture,
  VenturePage,
  VentureQuery,
} from './portfolio.types.ts';
import { FIGURE_SORTS } from './portfolio.types.ts';
import { growthBp } from './portfolio.values.ts';
import type { Converter, Reporting } from './reporting.ts';
import type { RollupsService } from './rollups.service.ts';
import type { VenturesService } from './ventures.service.ts';

/**
 * The ventures list with each venture's figures (MRR in its currency and in the reporting one,
 * its change, health, latest KPI), sortable on those figures as on its columns. Sorting on
 * figures reads the ids of every matching venture, sorts them on their figures and pages by
 * offset, then reads the page's rows: the figures are computed, not stored, and cached per
 * organisation (`ventureFigures`), so a page of 1,000+ costs one pass over ids, not rows.
 */

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

const isFigureSort = (sort: string | undefined): sort is FigureSort =>
  (FIGURE_SORTS as readonly string[]).includes(sort ?? '');

function listed(f: VentureFigures | undefined, converter: Converter, month: string): ListedFigures {
  if (!f) return { lastKpiDay: null, health: null, mrr: null, mrrReporting: null };
  const mrr = f.mrr;
  const converted = mrr ? converter.convert(BigInt(mrr.current), mrr.currency, month) : undefined;
  const before =
    mrr?.previous != null ? converter.convert(BigInt(mrr.previous), mrr.currency, month) : null;
  return {
    lastKpiDay: f.lastKpiDay,
    health: f.lastKpiDay === null ? null : f.health,
    mrr: mrr
      ? {
          ...mrr,
          growthBp:
            mrr.previous === null ? null : growthBp(BigInt(mrr.current), BigInt(mrr.previous)),
        }
      : null,
    mrrReporting:
      converted === undefined
        ? null
        : { current: String(converted), previous: before == null ? null : String(before) },
  };
}

/** The value a figure sort orders by; null sorts last in either direction. */
function sortKey(sort: FigureSort, f: ListedFigures): bigint | number | string | null {
  switch (sort) {
    case 'mrr':
      return f.mrrReporting ? BigInt(f.mrrReporting.current) : null;
    case 'change':
      return f.mrr?.growthBp ?? null;
    case 'health':
      return f.health?.score ?? null;
    case 'lastKpi':
      return f.lastKpiDay;
  }
}

function compare(a: bigint | number | string, b: bigint | number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createVentureListing(deps: {
  ventures: VenturesService;
  figures: FiguresService;
  reporting: Reporting;
  rollups: Pick<RollupsService, 'defaultMonth'>;
  memberName: (orgId: string, userId: string) => Promise<string | null>;
}) {
  /** The page's ventures with their owners' names (one lookup per distinct owner). */
  async function withOwners<V extends Venture>(
    scope: Scope,
    page: V[],
  ): Promise<(V & { ownerName: string | null })[]> {
    const owners = [...new Set(page.flatMap((v) => (v.ownerId ? [v.ownerId] : [])))];
    const names = new Map(
      await Promise.all(
        owners.map(async (id) => [id, await deps.memberName(scope.orgId, id)] as const),
      ),
    );
    return page.map((v) => ({
      ...v,
      ownerName: v.ownerId ? (names.get(v.ownerId) ?? null) : null,
    }));
  }

  return {
    /**
     * Ventures page by page with their figures, filtered and sorted on a column (keyset pages) or
     * a figure (offset pages, `nextCursor` "o:<offset>").
     */
    async listVentures(scope: Scope, query: VentureQuery = {}): Promise<VenturePage> {
      const [month, currency] = await Promise.all([
        query.month ?? deps.rollups.defaultMonth(scope),
        deps.reporting.reportingCurrency(scope, query.currency),
      ]);
      const figures = await deps.figures.ventureFigures(scope, month);
      const converter = deps.reporting.converter(scope.orgId, currency);
      await converter.load(
        [...figures.values()].flatMap((f) => (f.mrr ? [f.mrr.currency] : [])),
        [month],
      );
      const withFigures = (v: Venture) => ({
        ...v,
        figures: listed(figures.get(v.id), converter, month),
      });
      const about = { month, currency };
      if (!isFigureSort(query.sort)) {
        const page = await deps.ventures.listVentures(scope, query);
        return {
          ...page,
          ventures: await withOwners(scope, page.ventures.map(withFigures)),
          figures: about,
        };
      }
      const sort = query.sort;
      const limit = Math.min(query.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
      const offset = query.cursor?.startsWith('o:') ? Number(query.cursor.slice(2)) || 0 : 0;
      const direction = query.order === 'desc' ? -1 : 1;
      // Sort keys of every match, then the rows of one page only.
      const ids = await deps.ventures.matchingVentureIds(scope, query);
      const keyed = ids.map((id) => {
        const shown = listed(figures.get(id), converter, month);
        return { id, shown, key: sortKey(sort, shown) };
      });
      // Stable: ties keep the order by name.
      keyed.sort((a, b) => {
        if (a.key === null || b.key === null) {
          return a.key === b.key ? 0 : a.key === null ? 1 : -1;
        }
        return direction * compare(a.key, b.key);
      });
      const slice = keyed.slice(offset, offset + limit);
      const shown = new Map(slice.map((k) => [k.id, k.shown]));
      const page = await deps.ventures.venturesByIds(
        scope,
        slice.map((k) => k.id),
      );
      return {
        ventures: await withOwners(
          scope,
          page.map((v) => ({ ...v, figures: shown.get(v.id)! })),
        ),
        total: ids.length,
        nextCursor: offset + limit < ids.length ? `o:${offset + limit}` : null,
        figures: about,
      };
    },
  };
}
