import { and, asc, eq, lte, ne, sql, type Column, type SQL } from 'drizzle-orm';
import { ErrorCodes, UnexpectedError, type DbOrTx, type Transaction } from '../kernel/index.ts';
import { ledgerAccounts, ledgerTransfers } from './ledger.schema.ts';
import type { Transfer, TransferKind, TransferResultCode, TransferStatus } from './ledger.types.ts';
import type { AccountState, EngineOutput } from './transfers.journal.ts';

/**
 * The transfers' database side: set-based reads of everything a batch touches, the account
 * locks, and set-based writes (one statement per table, rows passed as one JSON parameter and
 * expanded by `json_to_recordset`, so a batch of 8,190 transfers is a handful of statements and
 * never hits the 65,535-parameter limit of the protocol).
 */

type TransferRow = typeof ledgerTransfers.$inferSelect;
type AccountRow = typeof ledgerAccounts.$inferSelect;

/** A uuid[] literal; the ids are validated UUIDs, so they need no quoting. */
function uuidArray(ids: Iterable<string>): string {
  return `{${[...ids].join(',')}}`;
}

function anyOf(column: Column, ids: Iterable<string>): SQL {
  return sql`${column} = any(${uuidArray(ids)}::uuid[])`;
}

export function toTransfer(row: TransferRow): Transfer {
  return {
    id: row.id,
    orgId: row.orgId,
    kind: row.kind as TransferKind,
    debitAccountId: row.debitAccountId,
    creditAccountId: row.creditAccountId,
    amount: row.amount,
    currency: row.currency,
    pendingId: row.pendingId,
    timeoutSeconds: row.timeoutSeconds,
    timeoutAt: row.timeoutAt,
    status: row.status as TransferStatus,
    result: row.result as TransferResultCode,
    reversesId: row.reversesId,
    effectiveAt: row.effectiveAt,
    description: row.description,
    metadata: row.metadata as Record<string, unknown> | null,
    batchId: row.batchId,
    createdAt: row.createdAt,
  };
}

function toAccountState(row: AccountRow): AccountState {
  return {
    id: row.id,
    entityId: row.entityId,
    currency: row.currency,
    closed: row.closedAt !== null,
    debitsMustNotExceedCredits: row.debitsMustNotExceedCredits,
    creditsMustNotExceedDebits: row.creditsMustNotExceedDebits,
    debitsPending: row.debitsPending,
    creditsPending: row.creditsPending,
    debitsPosted: row.debitsPosted,
    creditsPosted: row.creditsPosted,
  };
}

/** Stored transfers by id (any status). */
export async function loadTransfers(
  tx: Transaction,
  orgId: string,
  ids: ReadonlySet<string>,
): Promise<Map<string, Transfer>> {
  if (ids.size === 0) return new Map();
  const rows = await tx
    .select()
    .from(ledgerTransfers)
    .where(and(eq(ledgerTransfers.orgId, orgId), anyOf(ledgerTransfers.id, ids)));
  return new Map(rows.map((row) => [row.id, toTransfer(row)]));
}

/** The accounts of the pending transfers among `ids` (they never change, so no lock needed). */
export async function holdAccounts(
  tx: Transaction,
  orgId: string,
  ids: ReadonlySet<string>,
): Promise<string[]> {
  if (ids.size === 0) return [];
  const rows = await tx
    .select({ debit: ledgerTransfers.debitAccountId, credit: ledgerTransfers.creditAccountId })
    .from(ledgerTransfers)
    .where(
      and(
        eq(ledgerTransfers.orgId, orgId),
        anyOf(ledgerTransfers.id, ids),
        eq(ledgerTransfers.kind, 'pending'),
      ),
    );
  return rows.flatMap((r) => [r.debit, r.credit]).filter((id): id is string => id !== null);
}

/** Open holds past their timeout that touch any of `accountIds`. */
export async function expiredHolds(
  tx: Transaction,
  orgId: string,
  accountIds: ReadonlySet<string>,
  now: Date,
): Promise<Transfer[]> {
  if (accountIds.size === 0) return [];
  const rows = await tx
    .select()
    .from(ledgerTransfers)
    .where(
      and(
        eq(ledgerTransfers.orgId, orgId),
        eq(ledgerTransfers.status, 'pending'),
        lte(ledgerTransfers.timeoutAt, now),
        sql`(${anyOf(ledgerTransfers.debitAccountId, accountIds)} or ${anyOf(ledgerTransfers.creditAccountId, accountIds)})`,
      ),
    );
  return rows.map(toTransfer);
}

/** Up to `limit` open holds past their timeout, oldest timeout first. */
export async function dueHolds(
  tx: Transaction,
  orgId: string,
  now: Date,
  limit: number,
): Promise<Transfer[]> {
  const rows = await tx
    .select()
    .from(ledgerTransfers)
    .where(
      and(
        eq(ledgerTransfers.orgId, orgId),
        eq(ledgerTransfers.status, 'pending'),
        lte(ledgerTransfers.timeoutAt, now),
      ),
    )
    .orderBy(asc(ledgerTransfers.timeoutAt))
    .limit(limit);
  return rows.map(toTransfer);
}

/** Organisations with holds past their timeout. */
export async function orgsWithDueHolds(db: DbOrTx, now: Date): Promise<string[]> {
  const rows = await db
    .selectDistinct({ orgId: ledgerTransfers.orgId })
    .from(ledgerTransfers)
    .where(and(eq(ledgerTransfers.status, 'pending'), lte(ledgerTransfers.timeoutAt, now)));
  return rows.map((r) => r.orgId);
}

/** Of `ids`, those already reversed by a transfer that did not fail. */
export async function reversedAmong(
  tx: Transaction,
  orgId: string,
  ids: ReadonlySet<string>,
): Promise<Set<string>> {
  if (ids.size === 0) return new Set();
  const rows = await tx
    .select({ id: ledgerTransfers.reversesId })
    .from(ledgerTransfers)
    .where(
      and(
        eq(ledgerTransfers.orgId, orgId),
        anyOf(ledgerTransfers.reversesId, ids),
        ne(ledgerTransfers.status, 'failed'),
      ),
    );
  return new Set(rows.map((r) => r.id).filter((id): id is string => id !== null));
}

/**
 * Locks the accounts `FOR UPDATE` in ascending id order and returns them as they are now (a
 * locking read sees the latest committed totals). Every writer locks in this one order, so two
 * transactions can wait for each other but never deadlock. Unknown ids (or another
 * organisation's) are simply absent from the result.
 */
export async function lockAccounts(
  tx: Transaction,
  orgId: string,
  ids: ReadonlySet<string>,
): Promise<Map<string, AccountState>> {
  if (ids.size === 0) return new Map();
  const rows = await tx
    .select()
    .from(ledgerAccounts)
    .where(and(eq(ledgerAccounts.orgId, orgId), anyOf(ledgerAccounts.id, [...ids].sort())))
    .orderBy(asc(ledgerAccounts.id))
    .for('update');
  return new Map(rows.map((row) => [row.id, toAccountState(row)]));
}

/** JSON for `json_to_recordset`: bigints as decimal strings, which int8 columns parse exactly. */
function recordsJson(rows: readonly object[]): string {
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/** Writes everything a batch (or a sweep) produced. */
export async function writeOutput(
  tx: Transaction,
  orgId: string,
  output: EngineOutput,
  now: Date,
): Promise<void> {
  await insertTransfers(tx, orgId, output.inserted);
  await insertPostings(tx, orgId, output, now);
  await updateAccounts(tx, orgId, output.changedAccounts);
  await updateStatuses(tx, orgId, output.statusChanges);
}

async function insertTransfers(tx: Transaction, orgId: string, rows: readonly Transfer[]) {
  if (rows.length === 0) return;
  const json = recordsJson(
    rows.map((t) => ({
      id: t.id,
      debit_account_id: t.debitAccountId,
      credit_account_id: t.creditAccountId,
      amount: t.amount,
      currency: t.currency,
      kind: t.kind,
      pending_id: t.pendingId,
      timeout_seconds: t.timeoutSeconds,
      timeout_at: t.timeoutAt,
      status: t.status,
      result: t.result,
      reverses_id: t.reversesId,
      effective_at: t.effectiveAt,
      description: t.description,
      metadata: t.metadata,
      batch_id: t.batchId,
      created_at: t.createdAt,
    })),
  );
  await tx.execute(sql`
    insert into ledger_transfers (id, org_id, debit_account_id, credit_account_id, amount,
      currency, kind, pending_id, timeout_seconds, timeout_at, status, result, reverses_id,
      effective_at, description, metadata, batch_id, created_at)
    select r.id, ${orgId}::uuid, r.debit_account_id, r.credit_account_id, r.amount, r.currency,
      r.kind, r.pending_id, r.timeout_seconds, r.timeout_at, r.status, r.result, r.reverses_id,
      r.effective_at, r.description, r.metadata, r.batch_id, r.created_at
    from json_to_recordset(${json}::json) as r(id uuid, debit_account_id uuid,
      credit_account_id uuid, amount int8, currency text, kind text, pending_id uuid,
      timeout_seconds int4, timeout_at timestamptz, status text, result text, reverses_id uuid,
      effective_at timestamptz, description text, metadata jsonb, batch_id uuid,
      created_at timestamptz)`);
}

async function insertPostings(tx: Transaction, orgId: string, output: EngineOutput, now: Date) {
  if (output.postings.length === 0) return;
  const json = recordsJson(
    output.postings.map((p, n) => ({
      n,
      transfer_id: p.transferId,
      account_id: p.accountId,
      side: p.side,
      amount: p.amount,
      pending: p.pending,
      dp: p.after.debitsPending,
      cp: p.after.creditsPending,
      dpo: p.after.debitsPosted,
      cpo: p.after.creditsPosted,
    })),
  );
  // Ordered by n: the identity then numbers each account's postings in the applied order.
  await tx.execute(sql`
    insert into ledger_postings (org_id, transfer_id, account_id, side, amount, pending,
      debits_pending_after, credits_pending_after, debits_posted_after, credits_posted_after,
      created_at)
    select ${orgId}::uuid, r.transfer_id, r.account_id, r.side, r.amount, r.pending,
      r.dp, r.cp, r.dpo, r.cpo, ${now.toISOString()}::timestamptz
    from json_to_recordset(${json}::json) as r(n int4, transfer_id uuid,
      account_id uuid, side text, amount int8, pending boolean, dp int8, cp int8, dpo int8,
      cpo int8)
    order by r.n`);
}

async function updateAccounts(tx: Transaction, orgId: string, accounts: readonly AccountState[]) {
  if (accounts.length === 0) return;
  const json = recordsJson(
    accounts.map((a) => ({
      id: a.id,
      dp: a.debitsPending,
      cp: a.creditsPending,
      dpo: a.debitsPosted,
      cpo: a.creditsPosted,
    })),
  );
  await tx.execute(sql`
    update ledger_accounts a
    set debits_pending = r.dp, credits_pending = r.cp, debits_posted = r.dpo,
      credits_posted = r.cpo
    from json_to_recordset(${json}::json) as r(id uuid, dp int8, cp int8, dpo int8, cpo int8)
    where a.org_id = ${orgId}::uuid and a.id = r.id`);
}

/** The one update history allows: a pending transfer's status, and only from `pending`. */
async function updateStatuses(tx: Transaction, orgId: string, transfers: readonly Transfer[]) {
  if (transfers.length === 0) return;
  const json = recordsJson(transfers.map((t) => ({ id: t.id, status: t.status })));
  const updated = await tx.execute(sql`
    update ledger_transfers t set status = r.status
    from json_to_recordset(${json}::json) as r(id uuid, status text)
    where t.org_id = ${orgId}::uuid and t.id = r.id and t.kind = 'pending'
      and t.status = 'pending'
    returning t.id`);
  // The accounts are locked, so nobody else can have resolved these holds meanwhile.
  if (rowsOf(updated).length !== transfers.length) {
    throw new UnexpectedError(
      ErrorCodes.internal,
      'A pending transfer changed status while its accounts were locked',
    );
  }
}

/** The rows of a raw query's result on either driver (both name them `rows`). */
function rowsOf(result: unknown): unknown[] {
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? rows : [];
}
