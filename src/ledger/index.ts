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
export {
  journalPageSchema,
  revaluationJson,
  revaluationSchema,
  singleTransferResultSchema,
} from './transfers.dto.ts';
export type { Revaluation, RevaluationLine } from './revaluation.ts';
export type { TransferFilter, TransferPage } from './transfers.list.ts';
export type { SingleTransferOutcome } from './transfers.single.ts';
export {
  ISO_4217_EDITION,
  currencies,
  currencyCode,
  currencyExponent,
  currencyInvalid,
  isCurrency,
  requireCurrency,
} from './currencies.ts';
export { defineLedgerQueues, LEDGER_EXPIRE_QUEUE } from './ledger.jobs.ts';
export {
  convertMinor,
  minorUnitExponent,
  parseRate,
  rateOn,
  ratesOn,
  requireRateOn,
  utcDay,
  type AppliedRate,
  type Fraction,
  type RatesOn,
} from './fx.ts';
export { secondLegId } from './intercompany.ts';
export {
  APPROVER_ROLES,
  TRANSFER_REQUEST_STATUSES,
  approvalActor,
  holdsRole,
  type ApprovalActor,
  type ApprovalPolicy,
  type ApprovalPolicyInput,
  type ApproverRole,
  type TransferRequest,
  type TransferRequestStatus,
} from './approvals.types.ts';
export type { SubmitOutcome } from './approvals.service.ts';
export {
  approvalPolicyCreateSchema,
  approvalPolicyJson,
  approvalPolicySchema,
  fromPolicyJson,
  submittedIntercompanyJson,
  submittedIntercompanySchema,
  submittedJson,
  submittedTransferSchema,
  transferRequestJson,
  transferRequestPageSchema,
  transferRequestSchema,
} from './approvals.dto.ts';
export {
  fromIntercompanyJson,
  fxRateAppliedJson,
  fxRateAppliedSchema,
  fxRateInputSchema,
  fxRateSchema,
  intercompanyJson,
  intercompanyResultSchema,
  intercompanyTransferSchema,
  periodCloseSchema,
} from './ledger.dto.ts';
export {
  createReportsService,
  type ReportsService,
  type ReportsServiceDeps,
} from './reports.service.ts';
export { registerLedgerReportRoutes } from './reports.routes.ts';
export { withDetail, type Summary } from './reports.summary.ts';
export {
  COMPARATIVE_KINDS,
  PERIOD_UNITS,
  REPORT_DETAILS,
  REPORT_KINDS,
  type AccountBalance,
  type ComparativeKind,
  type ComparativeQuery,
  type ComparativeStatements,
  type BalanceSheet,
  type CashFlowStatement,
  type EliminationEntry,
  type ProfitAndLoss,
  type ReportDetail,
  type ReportKind,
  type ReportQuery,
  type TrialBalance,
} from './reports.types.ts';
export {
  COMPARATIVE_SCHEMAS,
  REPORT_SCHEMAS,
  accountBalanceSchema,
  balanceSheetSchema,
  cashFlowSchema,
  profitAndLossSchema,
  reportJson,
  trialBalanceSchema,
  type AccountBalanceJson,
  type BalanceSheetJson,
  type CashFlowJson,
  type ComparativeJson,
  type ProfitAndLossJson,
  type TrialBalanceJson,
} from './reports.dto.ts';
