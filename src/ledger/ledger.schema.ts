import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { xid8 } from '../kernel/db/changes.ts';

/**
 * The ledger's tables. Money is `int8` minor units everywhere (`mode: 'bigint'`, never a float);
 * every row carries `org_id`, and the foreign keys between entities and accounts include it, so
 * the database itself refuses a link across organisations. See README.md beside this file.
 */
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** A calendar day (UTC), as `YYYY-MM-DD`. */
const day = (name: string) => date(name, { mode: 'string' });
const money = (name: string) => bigint(name, { mode: 'bigint' });
const total = (name: string) =>
  money(name)
    .notNull()
    .default(sql`0`);

/** Legal entities: one per venture plus holding companies, each with its own chart. */
export const ledgerEntities = pgTable(
  'ledger_entities',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    /** `venture` | `holding`. */
    kind: text('kind').notNull(),
    baseCurrency: text('base_currency').notNull(),
    parentId: uuid('parent_id'),
    /** The last day of the closed periods (UTC, inclusive): nothing may be dated on or before it. */
    closedThrough: day('closed_through'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_entities_org_code_idx').on(t.orgId, t.code),
    // The target of the (org_id, id) foreign keys below.
    unique('ledger_entities_org_id_key').on(t.orgId, t.id),
    foreignKey({
      name: 'ledger_entities_parent_fk',
      columns: [t.orgId, t.parentId],
      foreignColumns: [t.orgId, t.id],
    }),
    check('ledger_entities_kind_check', sql`${t.kind} in ('venture', 'holding')`),
    check('ledger_entities_currency_check', sql`${t.baseCurrency} ~ '^[A-Z]{3}$'`),
  ],
);

/**
 * Accounts with their running totals. The totals are the only mutable money in the ledger; each
 * change to them is also a row in `ledger_postings`, which records the totals after it.
 */
export const ledgerAccounts = pgTable(
  'ledger_accounts',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    entityId: uuid('entity_id').notNull(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    /** `asset` | `liability` | `equity` | `revenue` | `expense`. */
    type: text('type').notNull(),
    currency: text('currency').notNull(),
    parentAccountId: uuid('parent_account_id'),
    debitsMustNotExceedCredits: boolean('debits_must_not_exceed_credits').notNull().default(false),
    creditsMustNotExceedDebits: boolean('credits_must_not_exceed_debits').notNull().default(false),
    closedAt: at('closed_at'),
    /** Cash or cash equivalent: the accounts the cash-flow statement is made of. */
    cash: boolean('cash').notNull().default(false),
    /** `operating` | `investing` | `financing`: where cash moving against it is reported. */
    cashFlow: text('cash_flow').notNull().default('operating'),
    /** Set on an intercompany account: the entity it is owed by or owes. */
    counterpartyEntityId: uuid('counterparty_entity_id'),
    /**
     * The entity's `closed_through`, copied onto each of its accounts when a period closes, so a
     * batch sees it on the rows it locks (closing locks them too, so neither can miss the other).
     */
    closedThrough: day('closed_through'),
    debitsPending: total('debits_pending'),
    creditsPending: total('credits_pending'),
    debitsPosted: total('debits_posted'),
    creditsPosted: total('credits_posted'),
    createdAt: at('created_at').notNull(),
    /**
     * The transaction that created or last changed the account (its totals, its closing): every
     * write sets it, so `ledger_account_days` of an account can only have changed where this did
     * (see `reports.changes.ts`).
     */
    changedXid: xid8('changed_xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
  },
  (t) => [
    uniqueIndex('ledger_accounts_entity_code_idx').on(t.entityId, t.code),
    index('ledger_accounts_org_entity_idx').on(t.orgId, t.entityId),
    index('ledger_accounts_org_changed_idx').on(t.orgId, t.changedXid),
    unique('ledger_accounts_org_id_key').on(t.orgId, t.id),
    foreignKey({
      name: 'ledger_accounts_entity_fk',
      columns: [t.orgId, t.entityId],
      foreignColumns: [ledgerEntities.orgId, ledgerEntities.id],
    }),
    foreignKey({
      name: 'ledger_accounts_parent_fk',
      columns: [t.orgId, t.parentAccountId],
      foreignColumns: [t.orgId, t.id],
    }),
    foreignKey({
      name: 'ledger_accounts_counterparty_fk',
      columns: [t.orgId, t.counterpartyEntityId],
      foreignColumns: [ledgerEntities.orgId, ledgerEntities.id],
    }),
    check(
      'ledger_accounts_cash_flow_check',
      sql`${t.cashFlow} in ('operating', 'investing', 'financing')`,
    ),
    check(
      'ledger_accounts_type_check',
      sql`${t.type} in ('asset', 'liability', 'equity', 'revenue', 'expense')`,
    ),
    check('ledger_accounts_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check(
      'ledger_accounts_flags_check',
      sql`not (${t.debitsMustNotExceedCredits} and ${t.creditsMustNotExceedDebits})`,
    ),
    check(
      'ledger_accounts_totals_check',
      sql`${t.debitsPending} >= 0 and ${t.creditsPending} >= 0 and ${t.debitsPosted} >= 0 and ${t.creditsPosted} >= 0`,
    ),
    // The last line of defence behind the engine's own checks: a bug cannot overdraw a flagged
    // account, the transaction fails instead.
    check(
      'ledger_accounts_debit_limit_check',
      sql`not ${t.debitsMustNotExceedCredits} or ${t.debitsPending} + ${t.debitsPosted} <= ${t.creditsPosted}`,
    ),
    check(
      'ledger_accounts_credit_limit_check',
      sql`not ${t.creditsMustNotExceedDebits} or ${t.creditsPending} + ${t.creditsPosted} <= ${t.debitsPosted}`,
    ),
  ],
);

/**
 * Every transfer ever submitted that was applied or failed on the ledger's state. The id is the
 * client's idempotency key, unique per organisation. Rows are never updated, except `status` of
 * a `pending` transfer when it is posted, voided or expires.
 *
 * Account ids are not foreign keys: a failed transfer keeps the ids it was given, which may name
 * no account (`debit_account_not_found`). Tenancy is enforced by the engine, which loads accounts
 * by (org_id, id) only.
 */
export const ledgerTransfers = pgTable(
  'ledger_transfers',
  {
    id: uuid('id').notNull(),
    orgId: uuid('org_id').notNull(),
    debitAccountId: uuid('debit_account_id'),
    creditAccountId: uuid('credit_account_id'),
    /** Null only on a failed post/void that named no amount. */
    amount: money('amount'),
    currency: text('currency'),
    /** `single` | `pending` | `post_pending` | `void_pending`. */
    kind: text('kind').notNull(),
    pendingId: uuid('pending_id'),
    /** As requested (0: none); kept so a retry can be compared with the original. */
    timeoutSeconds: integer('timeout_seconds').notNull().default(0),
    timeoutAt: at('timeout_at'),
    /** `posted` | `pending` | `posted_pending` | `voided` | `expired` | `failed`. */
    status: text('status').notNull(),
    /** `ok`, or the failure code of a failed transfer. */
    result: text('result').notNull(),
    /** The reversed transfer, for a correction made by `reverseTransfer`. */
    reversesId: uuid('reverses_id'),
    effectiveAt: at('effective_at').notNull(),
    description: text('description'),
    metadata: jsonb('metadata'),
    batchId: uuid('batch_id').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'ledger_transfers_pkey', columns: [t.orgId, t.id] }),
    index('ledger_transfers_debit_idx').on(t.orgId, t.debitAccountId),
    index('ledger_transfers_credit_idx').on(t.orgId, t.creditAccountId),
    index('ledger_transfers_pending_idx')
      .on(t.orgId, t.pendingId)
      .where(sql`${t.pendingId} is not null`),
    // Holds that can expire: the sweep and the lazy expiry read only these.
    index('ledger_transfers_open_holds_idx')
      .on(t.orgId, t.timeoutAt)
      .where(sql`${t.status} = 'pending' and ${t.timeoutAt} is not null`),
    // A transfer is reversed at most once.
    uniqueIndex('ledger_transfers_reverses_idx')
      .on(t.orgId, t.reversesId)
      .where(sql`${t.reversesId} is not null and ${t.status} <> 'failed'`),
    check(
      'ledger_transfers_kind_check',
      sql`${t.kind} in ('single', 'pending', 'post_pending', 'void_pending')`,
    ),
    check(
      'ledger_transfers_status_check',
      sql`${t.status} in ('posted', 'pending', 'posted_pending', 'voided', 'expired', 'failed')`,
    ),
    check('ledger_transfers_amount_check', sql`${t.amount} is null or ${t.amount} > 0`),
    check('ledger_transfers_result_check', sql`(${t.status} = 'failed') = (${t.result} <> 'ok')`),
  ],
);

/**
 * The immutable history: one row per account per change of its totals. `amount` is signed: a
 * hold adds to the pending totals, its post, void or expiry takes the same amount off again
 * (negative), so each account's totals are exactly the sums of its postings. The `*_after`
 * columns are the account's totals after this posting.
 */
export const ledgerPostings = pgTable(
  'ledger_postings',
  {
    /**
     * Assigned by the database in the order the engine produced the postings; an account's
     * postings are written while its row is locked, so their ids also order its history.
     */
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orgId: uuid('org_id').notNull(),
    /** The transfer that made the change (for an expiry: the expired pending transfer). */
    transferId: uuid('transfer_id').notNull(),
    accountId: uuid('account_id').notNull(),
    /** `debit` | `credit`. */
    side: text('side').notNull(),
    amount: money('amount').notNull(),
    pending: boolean('pending').notNull(),
    debitsPendingAfter: money('debits_pending_after').notNull(),
    creditsPendingAfter: money('credits_pending_after').notNull(),
    debitsPostedAfter: money('debits_posted_after').notNull(),
    creditsPostedAfter: money('credits_posted_after').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    index('ledger_postings_account_idx').on(t.orgId, t.accountId, t.id),
    index('ledger_postings_transfer_idx').on(t.orgId, t.transferId),
    check('ledger_postings_side_check', sql`${t.side} in ('debit', 'credit')`),
    check(
      'ledger_postings_amount_check',
      sql`${t.amount} > 0 or (${t.pending} and ${t.amount} < 0)`,
    ),
  ],
);

/**
 * Posted debits and credits of one account on one day (UTC, of the transfer's `effective_at`):
 * the sums of its posted postings that day, written by the batch that posts them, in the same
 * statement, while the account is locked. The statements read these instead of joining every
 * posting to its transfer; `reports.service.test.ts` checks they equal the postings' sums.
 */
export const ledgerAccountDays = pgTable(
  'ledger_account_days',
  {
    orgId: uuid('org_id').notNull(),
    accountId: uuid('account_id').notNull(),
    day: day('day').notNull(),
    debits: total('debits'),
    credits: total('credits'),
  },
  (t) => [
    primaryKey({ name: 'ledger_account_days_pk', columns: [t.orgId, t.accountId, t.day] }),
    foreignKey({
      name: 'ledger_account_days_account_fk',
      columns: [t.orgId, t.accountId],
      foreignColumns: [ledgerAccounts.orgId, ledgerAccounts.id],
    }),
    check('ledger_account_days_totals_check', sql`${t.debits} >= 0 and ${t.credits} >= 0`),
  ],
);

/**
 * Exchange rates as recorded: one unit of `base` is worth `rate` units of `quote` on
 * `effective_on` and after, until a later rate for the pair. Rates are decimals (never floats);
 * amounts are converted with integer arithmetic. See fx.ts.
 */
export const ledgerFxRates = pgTable(
  'ledger_fx_rates',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    base: text('base').notNull(),
    quote: text('quote').notNull(),
    rate: numeric('rate', { precision: 30, scale: 12 }).notNull(),
    effectiveOn: day('effective_on').notNull(),
    source: text('source'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_fx_rates_pair_day_idx').on(t.orgId, t.base, t.quote, t.effectiveOn),
    check('ledger_fx_rates_base_check', sql`${t.base} ~ '^[A-Z]{3}$'`),
    check('ledger_fx_rates_quote_check', sql`${t.quote} ~ '^[A-Z]{3}$'`),
    check('ledger_fx_rates_pair_check', sql`${t.base} <> ${t.quote}`),
    check('ledger_fx_rates_rate_check', sql`${t.rate} > 0`),
  ],
);

/** Every period close of an entity, in order: the history behind `ledger_entities.closed_through`. */
export const ledgerPeriodCloses = pgTable(
  'ledger_period_closes',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    entityId: uuid('entity_id').notNull(),
    closedThrough: day('closed_through').notNull(),
    previousClosedThrough: day('previous_closed_through'),
    note: text('note'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_period_closes_entity_day_idx').on(t.orgId, t.entityId, t.closedThrough),
    foreignKey({
      name: 'ledger_period_closes_entity_fk',
      columns: [t.orgId, t.entityId],
      foreignColumns: [ledgerEntities.orgId, ledgerEntities.id],
    }),
    check(
      'ledger_period_closes_order_check',
      sql`${t.previousClosedThrough} is null or ${t.previousClosedThrough} < ${t.closedThrough}`,
    ),
  ],
);

/**
 * Approval policies (approvals.policies.ts): a transfer of at least `threshold_amount`
 * `threshold_currency` (another currency converted at the rate in force) needs
 * `approvals_required` approvals by members holding `approver_role` or a stronger role before it
 * posts. `entity_id` and `currency` narrow a policy to one entity's and one currency's
 * transfers. A removed policy stays (`removed_at`): the requests it caught keep naming it.
 */
export const ledgerApprovalPolicies = pgTable(
  'ledger_approval_policies',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    description: text('description'),
    entityId: uuid('entity_id'),
    currency: text('currency'),
    thresholdAmount: money('threshold_amount').notNull(),
    thresholdCurrency: text('threshold_currency').notNull(),
    approvalsRequired: integer('approvals_required').notNull().default(1),
    /** `admin` | `editor`: the weakest role whose members may approve. */
    approverRole: text('approver_role').notNull().default('admin'),
    /** Who made it: `user:<id>`, `apikey:<id>` or `local` (the local administrator). */
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull(),
    removedAt: at('removed_at'),
  },
  (t) => [
    index('ledger_approval_policies_org_idx')
      .on(t.orgId)
      .where(sql`${t.removedAt} is null`),
    foreignKey({
      name: 'ledger_approval_policies_entity_fk',
      columns: [t.orgId, t.entityId],
      foreignColumns: [ledgerEntities.orgId, ledgerEntities.id],
    }),
    check('ledger_approval_policies_threshold_check', sql`${t.thresholdAmount} >= 0`),
    check(
      'ledger_approval_policies_currency_check',
      sql`${t.thresholdCurrency} ~ '^[A-Z]{3}$' and (${t.currency} is null or ${t.currency} = ${t.thresholdCurrency})`,
    ),
    check('ledger_approval_policies_approvals_check', sql`${t.approvalsRequired} between 1 and 10`),
    check('ledger_approval_policies_role_check', sql`${t.approverRole} in ('admin', 'editor')`),
  ],
);

/**
 * Transfers that approval policies caught, waiting for approval (approvals.service.ts). Not a
 * ledger posting: balances move only when the transfer posts, in the transaction of the last
 * approval. The id is the transfer's own (the client's idempotency key), which the posted
 * transfer keeps.
 */
export const ledgerTransferRequests = pgTable(
  'ledger_transfer_requests',
  {
    id: uuid('id').notNull(),
    orgId: uuid('org_id').notNull(),
    /** `awaiting_approval` | `posted` | `rejected`. */
    status: text('status').notNull(),
    entityId: uuid('entity_id').notNull(),
    debitAccountId: uuid('debit_account_id').notNull(),
    creditAccountId: uuid('credit_account_id').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    /** The whole transfer as asked, in its JSON form (amount as a string of minor units). */
    transfer: jsonb('transfer').notNull(),
    /**
     * The transfers linked after it, in the same JSON form with their entity (an intercompany
     * transfer's second leg): all post together or none. Null for a transfer on its own.
     */
    linked: jsonb('linked'),
    /** The policies that caught it, as they were then, with the amount compared. */
    policies: jsonb('policies').notNull(),
    /** Who asked: `user:<id>`, `apikey:<id>` or `local`. */
    requestedBy: text('requested_by').notNull(),
    /** The person behind the request (an API key's creator): they may not approve it either. */
    requestedFor: text('requested_for').notNull(),
    requestedAt: at('requested_at').notNull(),
    decidedAt: at('decided_at'),
    /** Who rejected it, and why. */
    rejectedBy: text('rejected_by'),
    rejectionReason: text('rejection_reason'),
    /** Set once it posted: the transfer in the ledger (the same id). */
    postedTransferId: uuid('posted_transfer_id'),
    /** The last approval that could not post it: `{ code, message, at }`. */
    lastFailure: jsonb('last_failure'),
  },
  (t) => [
    primaryKey({ name: 'ledger_transfer_requests_pkey', columns: [t.orgId, t.id] }),
    index('ledger_transfer_requests_status_idx').on(t.orgId, t.status, t.requestedAt, t.id),
    foreignKey({
      name: 'ledger_transfer_requests_entity_fk',
      columns: [t.orgId, t.entityId],
      foreignColumns: [ledgerEntities.orgId, ledgerEntities.id],
    }),
    check(
      'ledger_transfer_requests_status_check',
      sql`${t.status} in ('awaiting_approval', 'posted', 'rejected')`,
    ),
    check(
      'ledger_transfer_requests_posted_check',
      sql`(${t.status} = 'posted') = (${t.postedTransferId} is not null)`,
    ),
    check(
      'ledger_transfer_requests_rejected_check',
      sql`(${t.status} = 'rejected') = (${t.rejectionReason} is not null)`,
    ),
    check('ledger_transfer_requests_amount_check', sql`${t.amount} > 0`),
  ],
);

/** Each approval of a transfer request: one per person and request. */
export const ledgerTransferApprovals = pgTable(
  'ledger_transfer_approvals',
  {
    orgId: uuid('org_id').notNull(),
    requestId: uuid('request_id').notNull(),
    /** `user:<id>` or `local`. */
    approver: text('approver').notNull(),
    /** The approver's role when approving: which policies the approval counts for. */
    role: text('role').notNull(),
    note: text('note'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({
      name: 'ledger_transfer_approvals_pkey',
      columns: [t.orgId, t.requestId, t.approver],
    }),
    foreignKey({
      name: 'ledger_transfer_approvals_request_fk',
      columns: [t.orgId, t.requestId],
      foreignColumns: [ledgerTransferRequests.orgId, ledgerTransferRequests.id],
    }),
    check('ledger_transfer_approvals_role_check', sql`${t.role} in ('admin', 'editor')`),
  ],
);
