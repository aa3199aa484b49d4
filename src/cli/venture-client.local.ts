import type { Access } from '../access/index.ts';
import { createLedgerService } from '../ledger/index.ts';
import { localDemoPorts } from '../flows/index.ts';
import { portfolioServiceFor, ventureJson } from '../portfolio/index.ts';
import { createNodeRegistry } from '../workflows/index.ts';
import { createWorkflowsService } from '../workflows/workflows.service.ts';
import { localOrganisation } from './organisation.ts';
import type { DemoPorts } from '../flows/index.ts';
import type { VentureBody, VentureClient } from './venture-client.ts';

/** `iza venture` and `iza demo` on the services directly (no server holds the data folder). */
export async function localVentureClient(
  kernel: Parameters<typeof portfolioServiceFor>[0],
  access: Access,
  org: string | undefined,
): Promise<VentureClient & { demo: DemoPorts }> {
  const scope = { orgId: await localOrganisation(access, org), ventureIds: null };
  const portfolio = portfolioServiceFor(kernel, access);
  const ledger = createLedgerService({
    db: kernel.db,
    clock: kernel.clock,
    audit: access.audit,
    log: kernel.log.child({ module: 'ledger' }),
  });
  // The workflows service as workflows.module.ts builds it, without its runner: the demo only
  // saves and activates workflows; a server started later loads them.
  const workflows = createWorkflowsService({
    db: kernel.db,
    clock: kernel.clock,
    audit: access.audit,
    events: kernel.events,
    registry: createNodeRegistry(),
  });
  const body = (b: VentureBody) => b as unknown as Parameters<typeof portfolio.createVenture>[1];
  return {
    via: 'database',
    list: async (q) => {
      const page = await portfolio.listVentures(scope, q);
      return { ...page, ventures: page.ventures.map(ventureJson) };
    },
    get: async (ref) => ventureJson(await portfolio.getVenture(scope, ref)),
    create: async (b) => ventureJson(await portfolio.createVenture(scope, body(b))),
    update: async (ref, b) => ventureJson(await portfolio.updateVenture(scope, ref, body(b))),
    archive: async (ref) => ventureJson(await portfolio.archiveVenture(scope, ref)),
    metrics: () => portfolio.listMetrics(scope),
    postKpis: (kpis) => portfolio.postKpis(scope, kpis),
    importCsv: (csv, dryRun) => portfolio.importCsv(scope, csv, { dryRun }),
    health: (ref, asOf) => portfolio.health(scope, ref, asOf ? { asOf } : {}),
    demo: localDemoPorts(portfolio, ledger, scope, workflows),
  };
}
