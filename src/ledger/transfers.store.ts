import { and, asc, eq, lte, ne, sql, type SQL } from 'drizzle-orm';
import { ErrorCodes, UnexpectedError, type DbOrTx, type Transaction } from '../kernel/index.ts';
import { utcDay } from './fx.ts';
import { anyOf, uuidArray } from './ids.sql.ts';
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
    closedThrough: row.closedThrough,
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

/**
 * What a batch reads once its accounts are locked, in one statement: the stored transfers with
 * `ids` (any status), and the open holds past their timeout that touch any of `accountIds` (also
 * in `stored`, as one object each).
 */
export async function loadForBatch(
  tx: Transaction,
  orgId: string,
  ids: ReadonlySet<string>,
  accountIds: ReadonlySet<string>,
  now: Date,
): Promise<{ stored: Map<string, Transfer>; expiring: Transfer[] }> {
  if (ids.size === 0 && accountIds.size === 0) return { stored: new Map(), expiring: [] };
  const rows = await tx
    .select()
    .from(ledgerTransfers)
    .where(
      and(
        eq(ledgerTransfers.orgId, orgId),
        sql`(${anyOf(ledgerTransfers.id, ids)} or (${ledgerTransfers.status} = 'pending'
          and ${lte(ledgerTransfers.timeoutAt, now)}
          and (${anyOf(ledgerTransfers.debitAccountId, accountIds)}
            or ${anyOf(ledgerTransfers.creditAccountId, accountIds)})))`,
      ),
    );
  const stored = new Map(rows.map((row) => [row.id, toTransfer(row)]));
  const touches = (id: string | null) => id !== null && accountIds.has(id);
  const expiring = [...stored.values()].filter(
    (t) =>
      t.status === 'pending' &&
      t.timeoutAt !== null &&
      t.timeoutAt.getTime() <= now.getTime() &&
      (touches(t.debitAccountId) || touches(t.creditAccountId)),
  );
  return { stored, expiring };
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
  tx: DbOrTx,
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

/**
 * Finds and locks, in one statement, every account a batch may change: the accounts it names,
 * those of the pending transfers among `pendingIds`, and those of the expired holds on any of
 * them (released on the way). Locked `FOR UPDATE` in ascending id order like `lockAccounts`;
 * the ids are found with the statement's snapshot, before it waits for any lock, so a hold
 * committed meanwhile is seen only by the reads that follow.
 */
export async function lockBatchAccounts(
  tx: Transaction,
  orgId: string,
  accountIds: ReadonlySet<string>,
  pendingIds: ReadonlySet<string>,
  now: Date,
): Promise<Map<string, AccountState>> {
  if (accountIds.size === 0 && pendingIds.size === 0) return new Map();
  const org = sql`${orgId}::uuid`;
  const candidates = sql`
    with holds as (
      select debit_account_id as debit, credit_account_id as credit from ledger_transfers
      where org_id = ${org} and id = any(${uuidArray(pendingIds)}::uuid[]) and kind = 'pending'
    ), named as (
      select unnest(${uuidArray(accountIds)}::uuid[]) as id
      union select debit from holds union select credit from holds
    )
    select id from named
    union
    select unnest(array[t.debit_account_id, t.credit_account_id]) from ledger_transfers t
    where t.org_id = ${org} and t.status = 'pending'
      and t.timeout_at <= ${now.toISOString()}::timestamptz
      and (t.debit_account_id in (select id from named)
        or t.credit_account_id in (select id from named))`;
  const rows = await tx
    .select()
    .from(ledgerAccounts)
    .where(and(eq(ledgerAccounts.orgId, orgId), sql`${ledgerAccounts.id} in (${candidates})`))
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

/**
 * Writes everything a batch (or a sweep) produced in one statement: each table's rows are a
 * data-modifying `WITH` part (the parts do not touch the same rows, and nothing references
 * another table's new rows).
 */
export async function writeOutput(
  tx: Transaction,
  orgId: string,
  output: EngineOutput,
  now: Date,
): Promise<void> {
  const org = sql`${orgId}::uuid`;
  const parts = [
    insertTransfers(org, output.inserted),
    insertPostings(org, output, now),
    addToAccountDays(org, output),
    updateAccounts(org, output.changedAccounts),
    updateStatuses(org, output.statusChanges),
  ].filter((part): part is SQL => part !== undefined);
  if (parts.length === 0) return;
  const expected = output.statusChanges.length;
  const result = await tx.execute(
    sql`with ${sql.join(parts, sql`, `)}
    select ${expected > 0 ? sql`(select count(*) from statuses)::int` : sql`0`} as statuses`,
  );
  // The accounts are locked, so nobody else can have resolved these holds meanwhile.
  const [row] = rowsOf(result) as { statuses: number }[];
  if (Number(row?.statuses) !== expected) {
    throw new UnexpectedError(
      ErrorCodes.internal,
      'A pending transfer changed status while its accounts were locked',
    );
  }
}

function insertTransfers(org: SQL, rows: readonly Transfer[]): SQL | undefined {
  if (rows.length === 0) return undefined;
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
  return sql`transfers as (
    insert into ledger_transfers (id, org_id, debit_account_id, credit_account_id, amount,
      currency, kind, pending_id, timeout_seconds, timeout_at, status, result, reverses_id,
      effective_at, description, metadata, batch_id, created_at)
    select r.id, ${org}, r.debit_account_id, r.credit_account_id, r.amount, r.currency,
      r.kind, r.pending_id, r.timeout_seconds, r.timeout_at, r.status, r.result, r.reverses_id,
      r.effective_at, r.description, r.metadata, r.batch_id, r.created_at
    from json_to_recordset(${json}::json) as r(id uuid, debit_account_id uuid,
      credit_account_id uuid, amount int8, currency text, kind text, pending_id uuid,
      timeout_seconds int4, timeout_at timestamptz, status text, result text, reverses_id uuid,
      effective_at timestamptz, description text, metadata jsonb, batch_id uuid,
      created_at timestamptz))`;
}

function insertPostings(org: SQL, output: EngineOutput, now: Date): SQL | undefined {
  if (output.postings.length === 0) return undefined;
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
  return sql`postings as (
    insert into ledger_postings (org_id, transfer_id, account_id, side, amount, pending,
      debits_pending_after, credits_pending_after, debits_posted_after, credits_posted_after,
      created_at)
    select ${org}, r.transfer_id, r.account_id, r.side, r.amount, r.pending,
      r.dp, r.cp, r.dpo, r.cpo, ${now.toISOString()}::timestamptz
    from json_to_recordset(${json}::json) as r(n int4, transfer_id uuid,
      account_id uuid, side text, amount int8, pending boolean, dp int8, cp int8, dpo int8,
      cpo int8)
    order by r.n)`;
}

/**
 * The batch's posted postings summed per account and day (of their transfer's `effective_at`,
 * UTC) and added to `ledger_account_days`. A posted posting's transfer is always one the batch
 * inserts (a post of a hold is a transfer of its own; an expiry or void posts nothing).
 */
function addToAccountDays(org: SQL, output: EngineOutput): SQL | undefined {
  const dayOf = new Map(output.inserted.map((t) => [t.id, utcDay(t.effectiveAt)]));
  const sums = new Map<
    string,
    { account_id: string; day: string; debits: bigint; credits: bigint }
  >();
  for (const p of output.postings) {
    if (p.pending) continue;
    const day = dayOf.get(p.transferId);
    if (day === undefined) {
      throw new UnexpectedError(
        ErrorCodes.internal,
        'A posted posting of a transfer not in its batch',
      );
    }
    const key = `${p.accountId} ${day}`;
    let sum = sums.get(key);
    if (!sum) {
      sum = { account_id: p.accountId, day, debits: 0n, credits: 0n };
      sums.set(key, sum);
    }
    if (p.side === 'debit') sum.debits += p.amount;
    else sum.credits += p.amount;
  }
  if (sums.size === 0) return undefined;
  const json = recordsJson([...sums.values()]);
  return sql`days as (
    insert into ledger_account_days as d (org_id, account_id, day, debits, credits)
    select ${org}, r.account_id, r.day, r.debits, r.credits
    from json_to_recordset(${json}::json) as r(account_id uuid, day date, debits int8, credits int8)
    on conflict (org_id, account_id, day) do update
    set debits = d.debits + excluded.debits, credits = d.credits + excluded.credits)`;
}

function updateAccounts(org: SQL, accounts: readonly AccountState[]): SQL | undefined {
  if (accounts.length === 0) return undefined;
  const json = recordsJson(
    accounts.map((a) => ({
      id: a.id,
      dp: a.debitsPending,
      cp: a.creditsPending,
      dpo: a.debitsPosted,
      cpo: a.creditsPosted,
    })),
  );
  return sql`accounts as (
    update ledger_accounts a
    set debits_pending = r.dp, credits_pending = r.cp, debits_posted = r.dpo,
      credits_posted = r.cpo, changed_xid = pg_current_xact_id()
    from json_to_recordset(${json}::json) as r(id uuid, dp int8, cp int8, dpo int8, cpo int8)
    where a.org_id = ${org} and a.id = r.id)`;
}

/**
 * The one update history allows: a pending transfer's status, and only from `pending`. Stored
 * transfers only (never one the same statement inserts), so it sees every row it must change.
 */
function updateStatuses(org: SQL, transfers: readonly Transfer[]): SQL | undefined {
  if (transfers.length === 0) return undefined;
  const json = recordsJson(transfers.map((t) => ({ id: t.id, status: t.status })));
  return sql`statuses as (
    update ledger_transfers t set status = r.status
    from json_to_recordset(${json}::json) as r(id uuid, status text)
    where t.org_id = ${org} and t.id = r.id and t.kind = 'pending' and t.status = 'pending'
    returning t.id)`;
}

/** The rows of a raw query's result on either driver (both name them `rows`). */
function rowsOf(result: unknown): unknown[] {
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? rows : [];
}
