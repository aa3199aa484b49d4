import type { Clock, Database, EventBus, Logger } from '../kernel/index.ts';
import type { Scope } from './portfolio.types.ts';
import { createHealthService } from './health.ts';
import { createKpisService, KPI_POSTED, type KpiPostedEvent } from './kpis.service.ts';
import { createRollupsService } from './rollups.service.ts';
import { createVenturesService, type PortfolioAudit } from './ventures.service.ts';

export interface PortfolioServiceDeps {
  db: Database;
  clock: Clock;
  /** `access.audit`: every write appends to it inside its own transaction. */
  audit: PortfolioAudit;
  /**
   * `kernel.events`: `portfolio.kpi.posted` after KPIs are written; heard back (from every
   * process) to drop cached roll-up histories.
   */
  events: Pick<EventBus, 'publish' | 'subscribe'>;
  /** Whether the organisation has this ledger entity (wired to the ledger's `getEntity`). */
  ledgerEntityExists: (orgId: string, entityId: string) => Promise<boolean>;
  /** Whether the user belongs to the organisation (wired to `access.users.getMember`). */
  isMember: (orgId: string, userId: string) => Promise<boolean>;
  log?: Logger | undefined;
}

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
  const rollups = createRollupsService({ db: deps.db, clock: deps.clock, ventures });
  const health = createHealthService({ db: deps.db, clock: deps.clock, ventures });
  deps.events.subscribe(KPI_POSTED, (event) => {
    rollups.invalidateRollups((event.payload as KpiPostedEvent).orgId);
  });
  /** A write that changes roll-ups: cached histories of the organisation go once it is done. */
  const invalidating =
    <A extends unknown[], R>(write: (scope: Scope, ...args: A) => Promise<R>) =>
    async (scope: Scope, ...args: A): Promise<R> => {
      try {
        return await write(scope, ...args);
      } finally {
        rollups.invalidateRollups(scope.orgId);
      }
    };
  return {
    ...ventures,
    ...kpis,
    ...rollups,
    ...health,
    createVenture: invalidating(ventures.createVenture.bind(ventures)),
    updateVenture: invalidating(ventures.updateVenture.bind(ventures)),
    archiveVenture: invalidating(ventures.archiveVenture.bind(ventures)),
    deleteDemoVentures: invalidating(ventures.deleteDemoVentures.bind(ventures)),
    postKpis: invalidating(kpis.postKpis.bind(kpis)),
    importCsv: invalidating(kpis.importCsv.bind(kpis)),
  };
}

export type PortfolioService = ReturnType<typeof createPortfolioService>;
