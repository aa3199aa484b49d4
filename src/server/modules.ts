import type { FastifyInstance } from 'fastify';
import type { Access } from '../access/index.ts';
import type { Kernel } from '../kernel/index.ts';
import {
  createLedgerService,
  createReportsService,
  defineLedgerQueues,
  registerLedgerReportRoutes,
  registerLedgerRoutes,
} from '../ledger/index.ts';
import { createAgentsModule } from '../agents/index.ts';
import { createMcpModule } from '../mcp/index.ts';
import { createPortfolioModule } from '../portfolio/index.ts';
import { createWorkflowsModule } from '../workflows/workflows.module.ts';

/** What a domain module is built from: the kernel and the access module (audit log, secrets). */
export interface ModuleContext {
  kernel: Kernel;
  access: Access;
}

/** A built module: the HTTP routes it serves and the background job queues it works. */
export interface ModuleInstance {
  name: string;
  routes?: (app: FastifyInstance) => void | Promise<void>;
  queues?: () => Promise<void>;
}

/**
 * The domain modules this build serves. `iza start` mounts their routes and queues, `iza worker`
 * only their queues; both build them once per process.
 */
export const MODULES: readonly ((context: ModuleContext) => ModuleInstance)[] = [
  ({ kernel, access }) => {
    const ledger = createLedgerService({
      db: kernel.db,
      clock: kernel.clock,
      audit: access.audit,
      log: kernel.log.child({ module: 'ledger' }),
      maxFutureDays: kernel.config.ledger.maxFutureDays,
      apiKeyOwner: (orgId, id) => access.apiKeys.ownerOf(orgId, id),
    });
    const reports = createReportsService({ db: kernel.db, clock: kernel.clock });
    return {
      name: 'ledger',
      routes: (app) => {
        registerLedgerRoutes(app, ledger);
        registerLedgerReportRoutes(app, reports);
      },
      queues: () => defineLedgerQueues(kernel.jobs, ledger),
    };
  },
  (context) => createPortfolioModule(context),
  (context) => createMcpModule(context),
  (context) => createAgentsModule(context),
  (context) => createWorkflowsModule(context),
];

export function createModules(context: ModuleContext): ModuleInstance[] {
  return MODULES.map((build) => build(context));
}

export async function defineModuleQueues(modules: ModuleInstance[]): Promise<void> {
  for (const module of modules) await module.queues?.();
}

export async function registerModuleRoutes(
  app: FastifyInstance,
  modules: ModuleInstance[],
): Promise<void> {
  for (const module of modules) await module.routes?.(app);
}
