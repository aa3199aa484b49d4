import { and, asc, eq, gt, gte, inArray, lt, or, type SQL } from 'drizzle-orm';
import { UserError, type DbOrTx } from '../kernel/index.ts';
import { requireDay } from './days.ts';
import { ledgerAccounts, ledgerTransfers } from './ledger.schema.ts';
import type { Transfer } from './ledger.types.ts';
import { endOfDay, startOfDay } from './reports.period.ts';
import { toTransfer } from './transfers.store.ts';

/**
 * Transfers listed by account, entity and effective date, oldest (by accounting date) first,
 * a page at a time. Every query is limited to the organisation: an account or entity of another
 * one is simply not found.
 */

export interface TransferFilter {
  /** Transfers debiting or crediting this account. */
  accountId?: string;
  /** Transfers on the accounts of this entity. */
  entityId?: string;
  /** Effective on or after this day (UTC, inclusive). */
  from?: string;
  /** Effective on or before this day (UTC, inclusive). */
  to?: string;
  /** Include failed transfers (default: only those in the ledger). */
  failed?: boolean;
  /** The previous page's `next` cursor. */
  after?: string;
  /** 1..1000, default 100. */
  limit?: number;
}

export interface TransferPage {
  transfers: Transfer[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

/** Cursor: the last transfer's effective instant and id. */
function cursorOf(t: Transfer): string {
  return Buffer.from(`${t.effectiveAt.toISOString()}|${t.id}`).toString('base64url');
}

function parseCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime())) {
    throw new UserError('validation_failed', 'after is not a cursor this listing gave', {
      details: [{ path: 'after', message: 'must be the `next` of a previous page' }],
    });
  }
  return { at: date, id };
}

export async function listTransfers(
  db: DbOrTx,
  orgId: string,
  filter: TransferFilter,
): Promise<TransferPage> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  if (filter.from !== undefined) requireDay(filter.from, 'from');
  if (filter.to !== undefined) requireDay(filter.to, 'to');
  if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
    throw new UserError('validation_failed', 'from must not be after to', {
      details: [{ path: 'from', message: 'must not be after to' }],
    });
  }
  const conditions: (SQL | undefined)[] = [eq(ledgerTransfers.orgId, orgId)];
  if (filter.accountId !== undefined) {
    conditions.push(
      or(
        eq(ledgerTransfers.debitAccountId, filter.accountId),
        eq(ledgerTransfers.creditAccountId, filter.accountId),
      ),
    );
  }
  if (filter.entityId !== undefined) {
    // Both accounts of a transfer belong to one entity: its debit account says which.
    const accounts = db
      .select({ id: ledgerAccounts.id })
      .from(ledgerAccounts)
      .where(and(eq(ledgerAccounts.orgId, orgId), eq(ledgerAccounts.entityId, filter.entityId)));
    conditions.push(inArray(ledgerTransfers.debitAccountId, accounts));
  }
  if (filter.from !== undefined) {
    conditions.push(gte(ledgerTransfers.effectiveAt, startOfDay(filter.from)));
  }
  if (filter.to !== undefined)
    conditions.push(lt(ledgerTransfers.effectiveAt, endOfDay(filter.to)));
  if (!filter.failed) conditions.push(inArray(ledgerTransfers.status, LEDGER_STATUSES));
  if (filter.after !== undefined) {
    const { at, id } = parseCursor(filter.after);
    conditions.push(
      or(
        gt(ledgerTransfers.effectiveAt, at),
        and(eq(ledgerTransfers.effectiveAt, at), gt(ledgerTransfers.id, id)),
      ),
    );
  }
  const rows = await db
    .select()
    .from(ledgerTransfers)
    .where(and(...conditions))
    .orderBy(asc(ledgerTransfers.effectiveAt), asc(ledgerTransfers.id))
    .limit(limit + 1);
  const transfers = rows.slice(0, limit).map(toTransfer);
  const last = transfers[transfers.length - 1];
  return { transfers, next: rows.length > limit && last ? cursorOf(last) : null };
}

const LEDGER_STATUSES = ['posted', 'pending', 'posted_pending', 'voided', 'expired'];
