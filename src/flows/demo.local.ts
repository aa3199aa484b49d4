import type { LedgerService } from '../ledger/index.ts';
import type { PortfolioService, Scope } from '../portfolio/index.ts';
import type { DemoPorts } from './demo.ts';

/** The demo's ports on the services directly (no server running, and in tests). */
export function localDemoPorts(
  portfolio: PortfolioService,
  ledger: LedgerService,
  scope: Scope,
): DemoPorts {
  const { orgId } = scope;
  return {
    countVentures: () => portfolio.countVentures(scope),
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
  };
}
