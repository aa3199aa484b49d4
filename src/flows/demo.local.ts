import type { LedgerService } from '../ledger/index.ts';
import type { PortfolioService, Scope } from '../portfolio/index.ts';
import type { WorkflowsService } from '../workflows/workflows.service.ts';
import { DEMO_TAG, isDemoWorkflow, type DemoPorts, type DemoWorkflowPorts } from './demo.ts';

/** What the demo needs of the workflows service (built as `workflows.module.ts` does). */
export type DemoWorkflowsService = Pick<
  WorkflowsService,
  'list' | 'create' | 'setActive' | 'remove'
>;

const PAGE = 500;

/**
 * The demo's ports on the services directly (no server running, and in tests). Without
 * `workflows` the demo imports no sample workflows.
 */
export function localDemoPorts(
  portfolio: PortfolioService,
  ledger: LedgerService,
  scope: Scope,
  workflows?: DemoWorkflowsService,
): DemoPorts {
  const { orgId } = scope;
  return {
    countVentures: () => portfolio.countVentures(scope),
    listDemoVentures: async () => {
      const found: { id: string; slug: string; archived: boolean }[] = [];
      let cursor: string | undefined;
      do {
        const page = await portfolio.listVentures(scope, {
          tag: DEMO_TAG,
          includeArchived: true,
          sort: 'slug',
          limit: PAGE,
          ...(cursor ? { cursor } : {}),
        });
        for (const v of page.ventures) {
          if (v.demo) found.push({ id: v.id, slug: v.slug, archived: v.archivedAt !== null });
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return found;
    },
    createVenture: (input) => portfolio.createVenture(scope, input),
    postKpis: async (kpis) => {
      await portfolio.postKpis(scope, kpis);
    },
    deleteDemoVentures: () => portfolio.deleteDemoVentures(scope),
    listEntities: () => ledger.listEntities(orgId),
    createEntity: async (input) => {
      const { entity, accounts } = await ledger.createEntity(orgId, input);
      return { id: entity.id, accounts };
    },
    listAccounts: (entityId) => ledger.listAccounts(orgId, { entityId }),
    createTransfers: (transfers) => ledger.createTransfers(orgId, transfers),
    recordFxRates: async (rates) => {
      await ledger.recordFxRates(orgId, rates);
    },
    ...(workflows ? { workflows: localWorkflowPorts(workflows, orgId) } : {}),
  };
}

function localWorkflowPorts(service: DemoWorkflowsService, orgId: string): DemoWorkflowPorts {
  const all = async () => {
    const rows: { id: string; name: string; tags: string[] }[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await service.list(orgId, { limit: PAGE, offset });
      rows.push(...page.workflows);
      if (page.workflows.length < PAGE) return rows;
    }
  };
  return {
    listWorkflowNames: async () => (await all()).map((w) => w.name),
    createWorkflow: async (definition) => {
      const { row } = await service.create(orgId, definition);
      return { id: row.id };
    },
    activateWorkflow: async (id) => {
      await service.setActive(orgId, id, true);
    },
    deleteDemoWorkflows: async () => {
      const demo = (await all()).filter(isDemoWorkflow);
      for (const w of demo) await service.remove(orgId, w.id);
      return demo.length;
    },
  };
}
