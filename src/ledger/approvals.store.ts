import { and, asc, eq, gt, inArray, or, type SQL } from 'drizzle-orm';
import { ErrorCodes, UserError, isUuid, notFound, type DbOrTx } from '../kernel/index.ts';
import type {
  ApproverRole,
  CaughtBy,
  TransferApproval,
  TransferRequest,
  TransferRequestFilter,
  TransferRequestPage,
  TransferRequestStatus,
} from './approvals.types.ts';
import { ledgerTransferApprovals, ledgerTransferRequests } from './ledger.schema.ts';
import type { TransferKind } from './ledger.types.ts';
import { canonicalJson, type EngineTransfer } from './transfers.rules.ts';

/**
 * Transfer requests in the database: how a request keeps the transfer and the policies that
 * caught it (JSON columns, amounts as strings of minor units: jsonb has no int8), and the reads.
 * Every query filters by the organisation: another one's request is not found.
 */

export type RequestRow = typeof ledgerTransferRequests.$inferSelect;

const MAX_LIST = 500;

/** The transfer as stored in `transfer`: its JSON form without the id (the request's own). */
interface StoredTransfer {
  kind: TransferKind;
  debitAccountId: string;
  creditAccountId: string;
  amount: string;
  currency: string;
  timeoutSeconds?: number;
  effectiveAt?: string;
  description?: string;
  metadata?: Record<string, unknown>;
  /** A reversal's original transfer. */
  reversesId?: string;
}

/** A transfer linked after the request's own, as stored in `linked`: with its id and entity. */
interface StoredLinked extends StoredTransfer {
  id: string;
  entityId: string;
}

/** A transfer linked after a request's own (an intercompany transfer's second leg). */
export interface LinkedTransfer {
  entityId: string;
  transfer: EngineTransfer;
}

interface StoredPolicy extends Omit<CaughtBy, 'thresholdAmount' | 'comparedAmount'> {
  thresholdAmount: string;
  comparedAmount: string | null;
}

function storedTransfer(t: EngineTransfer): StoredTransfer {
  return {
    kind: t.kind ?? 'single',
    debitAccountId: t.debitAccountId!,
    creditAccountId: t.creditAccountId!,
    amount: t.amount!.toString(),
    currency: t.currency!,
    ...(t.timeoutSeconds ? { timeoutSeconds: t.timeoutSeconds } : {}),
    ...(t.effectiveAt ? { effectiveAt: t.effectiveAt.toISOString() } : {}),
    ...(t.description === undefined ? {} : { description: t.description }),
    ...(t.metadata === undefined ? {} : { metadata: t.metadata }),
    ...(t.reversesId === undefined ? {} : { reversesId: t.reversesId }),
  };
}

/** The JSON columns of a new request. */
export function toStored(
  t: EngineTransfer,
  caught: readonly CaughtBy[],
  linked: readonly LinkedTransfer[] = [],
) {
  const policies: StoredPolicy[] = caught.map((p) => ({
    ...p,
    thresholdAmount: p.thresholdAmount.toString(),
    comparedAmount: p.comparedAmount?.toString() ?? null,
  }));
  return { transfer: storedTransfer(t), linked: storedLinked(linked), policies };
}

function storedLinked(linked: readonly LinkedTransfer[]): StoredLinked[] | null {
  if (linked.length === 0) return null;
  return linked.map((l) => ({
    id: l.transfer.id,
    entityId: l.entityId,
    ...storedTransfer(l.transfer),
  }));
}

/** Whether a transfer asked for again is the one the request holds (every field, as JSON). */
export function sameRequest(
  row: RequestRow,
  t: EngineTransfer,
  linked: readonly EngineTransfer[] = [],
): boolean {
  const held = ((row.linked ?? []) as StoredLinked[]).map(({ entityId: _entity, ...rest }) => rest);
  return (
    canonicalJson(row.transfer) === canonicalJson(storedTransfer(t)) &&
    canonicalJson(held) === canonicalJson(linked.map((l) => ({ id: l.id, ...storedTransfer(l) })))
  );
}

/** The transfer, the transfers linked after it and the policies of a stored request. */
export function fromStored(row: RequestRow): {
  transfer: EngineTransfer;
  linked: LinkedTransfer[];
  policies: CaughtBy[];
} {
  const transfer = engineTransfer(row.id, row.transfer as StoredTransfer);
  const linked = ((row.linked ?? []) as StoredLinked[]).map((l) => ({
    entityId: l.entityId,
    transfer: engineTransfer(l.id, l),
  }));
  const policies = (row.policies as StoredPolicy[]).map((p) => ({
    ...p,
    approverRole: p.approverRole,
    thresholdAmount: BigInt(p.thresholdAmount),
    comparedAmount: p.comparedAmount === null ? null : BigInt(p.comparedAmount),
  }));
  return { transfer, linked, policies };
}

function engineTransfer(id: string, t: StoredTransfer): EngineTransfer {
  return {
    id,
    kind: t.kind,
    debitAccountId: t.debitAccountId,
    creditAccountId: t.creditAccountId,
    amount: BigInt(t.amount),
    currency: t.currency,
    ...(t.timeoutSeconds === undefined ? {} : { timeoutSeconds: t.timeoutSeconds }),
    ...(t.effectiveAt === undefined ? {} : { effectiveAt: new Date(t.effectiveAt) }),
    ...(t.description === undefined ? {} : { description: t.description }),
    ...(t.metadata === undefined ? {} : { metadata: t.metadata }),
    ...(t.reversesId === undefined ? {} : { reversesId: t.reversesId }),
  };
}

export function toRequest(row: RequestRow, approvals: TransferApproval[]): TransferRequest {
  const { transfer, linked, policies } = fromStored(row);
  return {
    id: row.id,
    orgId: row.orgId,
    status: row.status as TransferRequestStatus,
    entityId: row.entityId,
    debitAccountId: row.debitAccountId,
    creditAccountId: row.creditAccountId,
    amount: row.amount,
    currency: row.currency,
    transfer,
    linked,
    policies,
    approvals,
    requestedBy: row.requestedBy,
    requestedFor: row.requestedFor,
    requestedAt: row.requestedAt,
    decidedAt: row.decidedAt,
    rejectedBy: row.rejectedBy,
    rejectionReason: row.rejectionReason,
    postedTransferId: row.postedTransferId,
    lastFailure: row.lastFailure as TransferRequest['lastFailure'],
  };
}

/** A request's row (locked `FOR UPDATE` with `lock`, for a decision), if in the organisation. */
export async function readRequest(
  tx: DbOrTx,
  orgId: string,
  id: string,
  lock = false,
): Promise<RequestRow | undefined> {
  if (!isUuid(id)) return undefined;
  const query = tx
    .select()
    .from(ledgerTransferRequests)
    .where(
      and(eq(ledgerTransferRequests.orgId, orgId), eq(ledgerTransferRequests.id, id.toLowerCase())),
    );
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** The approvals of some requests, oldest first, by request id. */
export async function approvalsOf(
  tx: DbOrTx,
  orgId: string,
  ids: readonly string[],
): Promise<Map<string, TransferApproval[]>> {
  const byRequest = new Map<string, TransferApproval[]>();
  if (ids.length === 0) return byRequest;
  const rows = await tx
    .select()
    .from(ledgerTransferApprovals)
    .where(
      and(
        eq(ledgerTransferApprovals.orgId, orgId),
        inArray(ledgerTransferApprovals.requestId, [...ids]),
      ),
    )
    .orderBy(asc(ledgerTransferApprovals.createdAt), asc(ledgerTransferApprovals.approver));
  for (const row of rows) {
    const list = byRequest.get(row.requestId) ?? [];
    list.push({
      approver: row.approver,
      role: row.role as ApproverRole,
      note: row.note,
      createdAt: row.createdAt,
    });
    byRequest.set(row.requestId, list);
  }
  return byRequest;
}

/** One request with its approvals. @throws UserError 404 when not in the organisation. */
export async function getRequest(tx: DbOrTx, orgId: string, id: string): Promise<TransferRequest> {
  const row = await readRequest(tx, orgId, id);
  if (!row) throw notFound(`Transfer request ${id}`);
  return toRequest(row, (await approvalsOf(tx, orgId, [row.id])).get(row.id) ?? []);
}

/** Requests by status and entity, oldest first, a page at a time. */
export async function listRequests(
  tx: DbOrTx,
  orgId: string,
  filter: TransferRequestFilter = {},
): Promise<TransferRequestPage> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_LIST);
  const conditions: (SQL | undefined)[] = [eq(ledgerTransferRequests.orgId, orgId)];
  if (filter.status) conditions.push(eq(ledgerTransferRequests.status, filter.status));
  if (filter.entityId !== undefined) {
    if (!isUuid(filter.entityId)) return { requests: [], next: null };
    conditions.push(eq(ledgerTransferRequests.entityId, filter.entityId.toLowerCase()));
  }
  if (filter.after !== undefined) {
    const { at, id } = parseCursor(filter.after);
    conditions.push(
      or(
        gt(ledgerTransferRequests.requestedAt, at),
        and(eq(ledgerTransferRequests.requestedAt, at), gt(ledgerTransferRequests.id, id)),
      ),
    );
  }
  const rows = await tx
    .select()
    .from(ledgerTransferRequests)
    .where(and(...conditions))
    .orderBy(asc(ledgerTransferRequests.requestedAt), asc(ledgerTransferRequests.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const approvals = await approvalsOf(
    tx,
    orgId,
    page.map((r) => r.id),
  );
  const last = page[page.length - 1];
  return {
    requests: page.map((r) => toRequest(r, approvals.get(r.id) ?? [])),
    next: rows.length > limit && last ? cursorOf(last) : null,
  };
}

function cursorOf(row: RequestRow): string {
  return Buffer.from(`${row.requestedAt.toISOString()}|${row.id}`).toString('base64url');
}

function parseCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (!id || !isUuid(id) || Number.isNaN(date.getTime())) {
    throw new UserError(ErrorCodes.validationFailed, 'after is not a cursor this listing gave', {
      details: [{ path: 'after', message: 'must be the `next` of a previous page' }],
    });
  }
  return { at: date, id };
}
