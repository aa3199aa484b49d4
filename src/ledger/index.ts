/**
 * The ledger (GenixBank): legal entities with their chart of accounts, accounts with running
 * totals, and double-entry transfers with TigerBeetle's guarantees. See README.md.
 */
export {
  createLedgerService,
  type LedgerService,
  type LedgerServiceDeps,
} from './ledger.service.ts';
export type { LedgerAudit } from './transfers.service.ts';
export { registerLedgerRoutes } from './ledger.routes.ts';
export { CHART_TEMPLATE, type ChartAccount } from './chart.ts';
export * from './ledger.types.ts';
export {
  accountSchema,
  entitySchema,
  postingPageSchema,
  transferInputSchema,
  transferResultsSchema,
  transferSchema,
  type TransferInputJson,
} from './ledger.dto.ts';
export { defineLedgerQueues, LEDGER_EXPIRE_QUEUE } from './ledger.jobs.ts';
