import type { Clock, Database, EventBus, Logger } from '../kernel/index.ts';
import type { Scope } from './portfolio.types.ts';
import { createHealthService } from './health.ts';
import { createKpisService, KPI_POSTED } from './kpis.service.ts';
import { createFiguresService } from './figures.service.ts';
import { createPortfolioStates } from './portfolio.state.ts';
import { createOverviewService } from './overview.service.ts';
import { createOrgCache } from './portfolio.cache.ts';
import { createReporting } from './reporting.ts';
import { createRollupsService } from './rollups.service.ts';
import { createVentureListing } from './ventures.listing.ts';
import { createViewsService } from './views.service.ts';
import { createVenturesService, type PortfolioAudit } from './ventures.service.ts';

export interface PortfolioServiceDeps {
  db: Database;
  clock: Clock;
  /** `access.audit`: every write appends to it inside its own transaction. */
  audit: PortfolioAudit;
  /**
   * `kernel.events`: `portfolio.kpi.posted` after KPIs are written, `portfolio.changed` after
   * ventures are; heard back (from every process) to drop cached roll-ups.
   */
  events: Pick<EventBus, 'publish' | 'subscribe'>;
  /** Whether the organisation has this ledger entity (wired to the ledger's `getEntity`). */
  ledgerEntityExists: (orgId: string, entityId: string) => Promise<boolean>;
  /** Whether the user belongs to the organisation (wired to `access.users.getMember`). */
  isMember: (orgId: string, userId: string) => Promise<boolean>;
  /**
   * The organisation's reporting currency when a request names none (wired to its top holding
   * entity's base currency); null falls back to the currency most ventures report MRR in.
   */
  defaultCurrency?: ((orgId: string) => Promise<string | null>) | undefined;
  /** A member's name, for owners in lists (wired to `access.users.getMember`); null if none. */
  memberName?: ((orgId: string, userId: string) => Promise<string | null>) | undefined;
  log?: Logger | undefined;
}

/** Ventures of an organisation changed (`{ orgId }`): every process drops its cached roll-ups. */
export const PORTFOLIO_CHANGED = 'portfolio.changed';

/**
 * The portfolio (SPEC.md V1-V4): ventures, their KPI series, the roll-ups of the Business
 * Performance Grid and health scores. Every method takes a `Scope` (organisation and the
 * ventures an API key is limited to) first. See README.md beside this file.
 * @example const portfolio = createPortfolioService({ db, clock, audit, events, ledgerEntityExists, isMember });
 */
export function createPortfolioService(deps: PortfolioServiceDeps) {
  const log = deps.log?.child({ module: 'portfolio' });
  const ventures = createVenturesService(deps);
  const kpis = createKpisService({ ...deps, ventures, log });
  const cache = createOrgCache(deps.clock);
  const rollups = createRollupsService({ db: deps.db, clock: deps.clock, ventures, cache });
  const health = createHealthService({ db: deps.db, clock: deps.clock, ventures });
  const defaultCurrency = deps.defaultCurrency ?? (() => Promise.resolve(null));
  const reporting = createReporting({
    db: deps.db,
    // Read from the ledger's entities once a minute per organisation, not on every list.
    defaultCurrency: (orgId) =>
      cache.cached(`${orgId}|default-currency`, () => defaultCurrency(orgId)),
  });
  const states = createPortfolioStates(deps.db);
  const figures = createFiguresService({ clock: deps.clock, states });
  const overview = createOverviewService({
    db: deps.db,
    clock: deps.clock,
    cache,
    ventures,
    rollups,
    figures,
    states,
    reporting,
  });
  const listing = createVentureListing({
    ventures,
    figures,
    reporting,
    rollups,
    memberName: deps.memberName ?? (() => Promise.resolve(null)),
  });
  const views = createViewsService({ db: deps.db, clock: deps.clock, audit: deps.audit });
  for (const name of [KPI_POSTED, PORTFOLIO_CHANGED]) {
    deps.events.subscribe(name, (event) => {
      cache.invalidate((event.payload as { orgId: string }).orgId);
    });
  }
  /**
   * A write that changes roll-ups: the organisation's cached grids and histories go once it is
   * done, here and (`announce`: writes that publish no event of their own) in every process.
   */
  const invalidating =
    <A extends unknown[], R>(write: (scope: Scope, ...args: A) => Promise<R>, announce = false) =>
    async (scope: Scope, ...args: A): Promise<R> => {
      try {
        return await write(scope, ...args);
      } finally {
        cache.invalidate(scope.orgId);
        if (announce) {
          await deps.events
            .publish(PORTFOLIO_CHANGED, { orgId: scope.orgId })
            .catch((error: unknown) =>
              log?.warn({ err: error }, 'portfolio: change not announced'),
            );
        }
      }
    };
  return {
    ...ventures,
    ...kpis,
    ...rollups,
    ...health,
    ...figures,
    ...overview,
    ...listing,
    ...views,
    createCategory: invalidating(ventures.createCategory.bind(ventures), true),
    createVenture: invalidating(ventures.createVenture.bind(ventures), true),
    updateVenture: invalidating(ventures.updateVenture.bind(ventures), true),
    archiveVenture: invalidating(ventures.archiveVenture.bind(ventures), true),
    deleteDemoVentures: invalidating(ventures.deleteDemoVentures.bind(ventures), true),
    postKpis: invalidating(kpis.postKpis.bind(kpis)),
    importCsv: invalidating(kpis.importCsv.bind(kpis)),
  };
}

export type PortfolioService = ReturnType<typeof createPortfolioService>;
