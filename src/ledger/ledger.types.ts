/**
 * The ledger's domain types: what the service takes and returns. Money is `bigint` minor units
 * with an ISO 4217 currency code; JSON forms (amounts as decimal strings) are in `ledger.dto.ts`.
 */

export const ENTITY_KINDS = ['venture', 'holding'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const ACCOUNT_TYPES = ['asset', 'liability', 'equity', 'revenue', 'expense'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** Where the cash-flow statement reports cash moving against an account. */
export const CASH_FLOW_CLASSES = ['operating', 'investing', 'financing'] as const;
export type CashFlowClass = (typeof CASH_FLOW_CLASSES)[number];

export const TRANSFER_KINDS = ['single', 'pending', 'post_pending', 'void_pending'] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];

export const TRANSFER_STATUSES = [
  'posted',
  'pending',
  /** A pending transfer that was later posted (in full or in part). */
  'posted_pending',
  'voided',
  'expired',
  'failed',
] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** The largest amount or total an `int8` column holds. */
export const MAX_AMOUNT = 9_223_372_036_854_775_807n;
/**
 * How many days after now a transfer may be dated unless configured otherwise
 * (`ledger.maxFutureDays` in the configuration).
 */
export const DEFAULT_MAX_FUTURE_DAYS = 366;
/** The most transfers one `createTransfers` call takes (TigerBeetle's batch size). */
export const MAX_BATCH = 8_190;

/**
 * The fields compared when a transfer id comes back: `exists_with_different_<field>` names the
 * first that differs, in this order.
 */
export const COMPARED_FIELDS = [
  'kind',
  'pending_id',
  'debit_account_id',
  'credit_account_id',
  'amount',
  'currency',
  'timeout',
  'effective_at',
  'description',
  'metadata',
  'reverses_id',
] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

/** Failures that are the request's own fault: not stored, so a corrected retry may succeed. */
export const VALIDATION_RESULTS = [
  'accounts_must_be_different',
  'amount_must_be_positive',
  'amount_too_large',
  'debit_account_id_required',
  'credit_account_id_required',
  'amount_required',
  'currency_required',
  'currency_invalid',
  'pending_id_required',
  'pending_id_must_not_be_set',
  'pending_id_must_be_different',
  'timeout_reserved_for_pending_transfer',
  'timeout_invalid',
  'effective_at_too_late',
] as const;
export type ValidationResult = (typeof VALIDATION_RESULTS)[number];

/**
 * Failures that depend on the ledger's state: stored with the transfer, so a retry of the same id
 * answers the same failure even when the state would now allow it (unless inside a linked chain:
 * nothing of a failed chain is stored).
 */
export const STATE_RESULTS = [
  'debit_account_not_found',
  'credit_account_not_found',
  'account_closed',
  'period_closed',
  'accounts_must_have_the_same_entity',
  'currency_mismatch',
  'overflows_debits',
  'overflows_credits',
  'exceeds_credits',
  'exceeds_debits',
  'pending_transfer_not_found',
  'pending_transfer_not_pending',
  'pending_transfer_has_different_debit_account_id',
  'pending_transfer_has_different_credit_account_id',
  'pending_transfer_has_different_currency',
  'pending_transfer_has_different_amount',
  'pending_transfer_already_posted',
  'pending_transfer_already_voided',
  'pending_transfer_expired',
  'exceeds_pending_transfer_amount',
  'transfer_already_reversed',
] as const;
export type StateResult = (typeof STATE_RESULTS)[number];

/**
 * State failures that are still the request's own fault: it names accounts that do not exist in
 * the organisation, or two that cannot go together. Not stored, like the validation codes: the
 * corrected request under the same id may succeed.
 */
export const UNSTORED_STATE_RESULTS = [
  'debit_account_not_found',
  'credit_account_not_found',
  'accounts_must_have_the_same_entity',
  'currency_mismatch',
] as const satisfies readonly StateResult[];

const UNSTORED: ReadonlySet<TransferResultCode> = new Set(UNSTORED_STATE_RESULTS);
const STATE: ReadonlySet<TransferResultCode> = new Set(STATE_RESULTS);

/** Whether a failure is stored with its transfer (and so answers a retry of the same id). */
export function isStoredFailure(result: TransferResultCode): boolean {
  return STATE.has(result) && !UNSTORED.has(result);
}

export type ExistsResult = 'exists' | `exists_with_different_${ComparedField}`;

/** The outcome of one transfer of a batch. See README.md for each code. */
export type TransferResultCode =
  | 'ok'
  | ExistsResult
  | 'linked_event_failed'
  | 'linked_event_chain_open'
  | ValidationResult
  | StateResult;

/** Every result code, for documentation and exhaustive tests. */
export const TRANSFER_RESULT_CODES: readonly TransferResultCode[] = [
  'ok',
  'exists',
  ...COMPARED_FIELDS.map((field): ExistsResult => `exists_with_different_${field}`),
  'linked_event_failed',
  'linked_event_chain_open',
  ...VALIDATION_RESULTS,
  ...STATE_RESULTS,
];

export interface EntityInput {
  /** Unique in the organisation, e.g. "ACME". */
  code: string;
  name: string;
  kind: EntityKind;
  /** ISO 4217, e.g. "EUR". */
  baseCurrency: string;
  parentId?: string | null;
}

export interface Entity {
  id: string;
  orgId: string;
  code: string;
  name: string;
  kind: EntityKind;
  baseCurrency: string;
  parentId: string | null;
  /** The last day (UTC, `YYYY-MM-DD`) of its closed periods: nothing may be dated on or before it. */
  closedThrough: string | null;
  createdAt: Date;
}

export interface AccountInput {
  entityId: string;
  /** Unique in the entity, e.g. "1010". */
  code: string;
  name: string;
  type: AccountType;
  /** Default: the entity's base currency. */
  currency?: string;
  parentAccountId?: string | null;
  debitsMustNotExceedCredits?: boolean;
  creditsMustNotExceedDebits?: boolean;
  /** Cash or a cash equivalent (default false). */
  cash?: boolean;
  /** Default `operating`. */
  cashFlow?: CashFlowClass;
  /** Makes it an intercompany account with this other entity of the organisation. */
  counterpartyEntityId?: string | null;
}

export interface Balances {
  debitsPending: bigint;
  creditsPending: bigint;
  debitsPosted: bigint;
  creditsPosted: bigint;
}

export interface Account extends Balances {
  id: string;
  orgId: string;
  entityId: string;
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  parentAccountId: string | null;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
  closedAt: Date | null;
  /** Cash or a cash equivalent: the cash-flow statement is made of these accounts. */
  cash: boolean;
  /** Where cash moving against this account is reported. */
  cashFlow: CashFlowClass;
  /** On an intercompany account: the entity it is owed by or owes (eliminated on consolidation). */
  counterpartyEntityId: string | null;
  /** The entity's closed-through day, as of this account's last lock. */
  closedThrough: string | null;
  createdAt: Date;
  /** Posted balance on the account's normal side: debits - credits for assets and expenses. */
  balance: bigint;
}

/**
 * One transfer of a batch. `single` and `pending` need both accounts, the amount and the currency;
 * `post_pending` and `void_pending` need `pendingId` and take the rest from the pending transfer
 * (any field given must match it; a smaller `amount` posts part and releases the remainder).
 */
export interface TransferInput {
  /** The client's idempotency key: a UUID it generated and keeps for retries. */
  id: string;
  /** Default `single`. */
  kind?: TransferKind;
  debitAccountId?: string;
  creditAccountId?: string;
  amount?: bigint;
  currency?: string;
  pendingId?: string;
  /** A `pending` transfer's hold expires this many seconds after it is created (none: never). */
  timeoutSeconds?: number;
  /** Links this transfer's outcome to the next one's: a chain succeeds or fails as a whole. */
  linked?: boolean;
  /** When the transfer counts in the books (default: now). */
  effectiveAt?: Date;
  description?: string;
  metadata?: Record<string, unknown>;
}

export interface TransferResult {
  id: string;
  /** Position in the batch. */
  index: number;
  result: TransferResultCode;
}

export interface Transfer {
  id: string;
  orgId: string;
  kind: TransferKind;
  debitAccountId: string | null;
  creditAccountId: string | null;
  amount: bigint | null;
  currency: string | null;
  pendingId: string | null;
  timeoutSeconds: number;
  timeoutAt: Date | null;
  status: TransferStatus;
  result: TransferResultCode;
  reversesId: string | null;
  effectiveAt: Date;
  description: string | null;
  metadata: Record<string, unknown> | null;
  batchId: string;
  createdAt: Date;
}

export interface Posting {
  /** Increasing: orders an account's postings. */
  id: number;
  transferId: string;
  accountId: string;
  side: 'debit' | 'credit';
  /** Signed: negative for a hold's release (pending postings only). */
  amount: bigint;
  pending: boolean;
  /** The account's totals after this posting. */
  after: Balances;
  /** Its transfer's accounting date: when it counts in the books (reports use this). */
  effectiveAt: Date;
  /** When it was recorded. */
  createdAt: Date;
}

export interface PostingPage {
  /** Oldest first. */
  postings: Posting[];
  /** The last posting's id: pass as `after` for the next page; null on the last page. */
  nextAfter: number | null;
}

/** The most rates one `recordFxRates` call takes. */
export const MAX_FX_BATCH = 1_000;

/** An exchange rate as recorded: one unit of `base` is worth `rate` units of `quote`. */
export interface FxRateInput {
  /** ISO 4217, e.g. "EUR". */
  base: string;
  quote: string;
  /** A positive decimal string with at most 12 decimals, e.g. "1.0825"; never a float. */
  rate: string;
  /** The first day (UTC, `YYYY-MM-DD`) it applies; it stays in force until a later one. */
  effectiveOn: string;
  /** Where it came from, e.g. "ECB". */
  source?: string | null;
}

export interface FxRate {
  id: string;
  base: string;
  quote: string;
  /** As stored, trailing zeros dropped ("1.0825"). */
  rate: string;
  effectiveOn: string;
  source: string | null;
  createdAt: Date;
}

export const INTERCOMPANY_KINDS = ['loan', 'repayment'] as const;
export type IntercompanyKind = (typeof INTERCOMPANY_KINDS)[number];

/**
 * Money moving between two entities of the organisation, booked in each one's own base currency.
 * Cash leaves `fromEntityId` and arrives at `toEntityId`: a `loan` makes `from` the lender, a
 * `repayment` is the borrower (`from`) paying its lender (`to`) back.
 */
export interface IntercompanyTransferInput {
  /** The client's idempotency key: the first leg's transfer id. */
  id: string;
  /** Default `loan`. */
  kind?: IntercompanyKind;
  fromEntityId: string;
  toEntityId: string;
  /** Minor units of `currency`. */
  amount: bigint;
  /** The base currency of one of the two entities; the other leg is converted. */
  currency: string;
  /** Where the cash leaves (default: `from`'s 1100 bank account). */
  fromAccountId?: string;
  /** Where the cash arrives (default: `to`'s 1100 bank account). */
  toAccountId?: string;
  /** Default: now. Its UTC day picks the exchange rate. */
  effectiveAt?: Date;
  description?: string;
  metadata?: Record<string, unknown>;
}

/** One entity's side of an intercompany transfer: a transfer in its own books and currency. */
export interface IntercompanyLeg {
  id: string;
  entityId: string;
  result: TransferResultCode;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  currency: string;
}

export interface IntercompanyTransferResult {
  id: string;
  kind: IntercompanyKind;
  fromEntityId: string;
  toEntityId: string;
  /**
   * `ok` or `exists` when both legs are, else the failure that stopped them (the other leg then
   * answers `linked_event_failed`).
   */
  result: TransferResultCode;
  /** `from`'s leg (its id is the request's `id`), then `to`'s. */
  legs: [IntercompanyLeg, IntercompanyLeg];
  /** From `sourceCurrency` (the request's) into the other leg's currency. */
  rate: {
    base: string;
    quote: string;
    rate: string;
    effectiveOn: string;
    inverted: boolean;
  };
}

export interface PeriodCloseInput {
  /** The last day (UTC, `YYYY-MM-DD`, inclusive) to close; after the current one, not after today. */
  through: string;
  note?: string | null;
}

export interface PeriodClose {
  id: string;
  entityId: string;
  closedThrough: string;
  previousClosedThrough: string | null;
  note: string | null;
  createdAt: Date;
}
