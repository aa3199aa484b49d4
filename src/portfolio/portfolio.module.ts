import type { FastifyInstance } from 'fastify';
import type { Access } from '../access/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { createLedgerService } from '../ledger/index.ts';
import { registerPortfolioEvents } from './portfolio.events.ts';
import { registerPortfolioRoutes } from './portfolio.routes.ts';
import { createPortfolioService } from './portfolio.service.ts';

/**
 * The portfolio service wired to a kernel and the access module: the audit log, the event bus,
 * organisation membership for owners, and the ledger's `getEntity` for entity links and its top
 * holding's base currency as the default reporting currency.
 */
export function portfolioServiceFor(kernel: Kernel, access: Access) {
  const ledger = createLedgerService({
    db: kernel.db,
    clock: kernel.clock,
    audit: access.audit,
    log: kernel.log.child({ module: 'ledger' }),
  });
  return createPortfolioService({
    db: kernel.db,
    clock: kernel.clock,
    audit: access.audit,
    events: kernel.events,
    log: kernel.log,
    ledgerEntityExists: async (orgId, entityId) =>
      ledger.getEntity(orgId, entityId).then(
        () => true,
        () => false,
      ),
    defaultCurrency: async (orgId) => {
      const top = (await ledger.listEntities(orgId, { parentId: null })).sort(
        (a, b) =>
          (a.kind === 'holding' ? 0 : 1) - (b.kind === 'holding' ? 0 : 1) ||
          a.code.localeCompare(b.code),
      )[0];
      return top?.baseCurrency ?? null;
    },
    memberName: async (orgId, userId) =>
      access.users.getMember(orgId, userId).then(
        (member) => member.name,
        () => null,
      ),
    isMember: async (orgId, userId) =>
      access.users.getMember(orgId, userId).then(
        () => true,
        () => false,
      ),
  });
}

/** The portfolio as `server/modules.ts` mounts it: its REST routes and its event stream. */
export function createPortfolioModule(
  context: { kernel: Kernel; access: Access },
  options: { heartbeatMs?: number } = {},
) {
  const portfolio = portfolioServiceFor(context.kernel, context.access);
  return {
    name: 'portfolio',
    portfolio,
    routes: (app: FastifyInstance) => {
      registerPortfolioRoutes(app, portfolio);
      registerPortfolioEvents(app, {
        events: context.kernel.events,
        ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      });
    },
  };
}
