import type { Clock, Database, EventBus, Logger } from '../kernel/index.ts';
import { createHealthService } from './health.ts';
import { createKpisService } from './kpis.service.ts';
import { createRollupsService } from './rollups.service.ts';
import { createVenturesService, type PortfolioAudit } from './ventures.service.ts';

export interface PortfolioServiceDeps {
  db: Database;
  clock: Clock;
  /** `access.audit`: every write appends to it inside its own transaction. */
  audit: PortfolioAudit;
  /** `kernel.events`: `portfolio.kpi.posted` after KPIs are written. */
  events: Pick<EventBus, 'publish'>;
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
  return { ...ventures, ...kpis, ...rollups, ...health };
}

export type PortfolioService = ReturnType<typeof createPortfolioService>;
