import { and, eq } from 'drizzle-orm';
import {
  ErrorCodes,
  UserError,
  notFound,
  type Clock,
  type Database,
  type Logger,
} from '../kernel/index.ts';
import { createApprovalGuard } from './approvals.guard.ts';
import type { ApprovalPolicies } from './approvals.policies.ts';
import {
  approvalsOf,
  fromStored,
  getRequest,
  listRequests,
  readRequest,
  sameRequest,
  toRequest,
  toStored,
  type RequestRow,
} from './approvals.store.ts';
import {
  holdsRole,
  type ApprovalActor,
  type ApproverRole,
  type TransferRequest,
  type TransferRequestFilter,
} from './approvals.types.ts';
import { ledgerTransferApprovals, ledgerTransferRequests } from './ledger.schema.ts';
import type { Transfer, TransferInput, TransferResult } from './ledger.types.ts';
import { normalise, uuid } from './transfers.input.ts';
import { isSuccess, reversalOf, type EngineTransfer } from './transfers.rules.ts';
import type { LedgerAudit, TransfersService } from './transfers.service.ts';
import { reversedAmong } from './transfers.store.ts';
import {
  transferRefused,
  type SingleTransferInput,
  type SingleTransferOutcome,
} from './transfers.single.ts';

export type { BatchCatch } from './approvals.guard.ts';

export interface ApprovalsDeps {
  db: Database;
  clock: Clock;
  audit: LedgerAudit;
  log?: Logger | undefined;
  policies: ApprovalPolicies;
  transfers: Pick<TransfersService, 'transact' | 'applyWithin' | 'lookupTransfers'>;
  /** One transfer straight into the ledger (what happens when no policy catches it). */
  createTransfer: (orgId: string, input: SingleTransferInput) => Promise<SingleTransferOutcome>;
  /** A reversal straight into the ledger (what happens when no policy catches it). */
  reverseTransferOrFail: (
    orgId: string,
    id: string,
    newId: string,
    options: { description?: string; effectiveAt?: Date },
  ) => Promise<SingleTransferOutcome>;
  getTransfer: (orgId: string, id: string) => Promise<Transfer>;
  /**
   * The person an API key answers for (`user:<id>` of its creator), so that they cannot approve
   * what they asked for through their key. Without it a key stands for itself only.
   */
  apiKeyOwner?: ((orgId: string, apiKeyId: string) => Promise<string | null>) | undefined;
  maxFutureDays?: number | undefined;
}

/** A transfer (or linked chain) a policy caught: stored as a request, waiting for approval. */
export interface Awaiting {
  result: 'awaiting_approval';
  request: TransferRequest;
}

/** What asking for one transfer gives: posted at once, or waiting for approval. */
export type SubmitOutcome = SingleTransferOutcome | Awaiting;

const MAX_REASON = 500;

/** The posting an approval triggered was refused by the ledger: the approval is rolled back. */
class PostRefused extends Error {
  readonly result: TransferResult;
  constructor(result: TransferResult) {
    super(`transfer ${result.id}: ${result.result}`);
    this.result = result;
  }
}

/**
 * Transfer requests: transfers that approval policies caught wait here until enough people
 * approve them, then post in the transaction of the last approval (see README.md, "Approvals").
 */
export function createApprovals(deps: ApprovalsDeps) {
  const { db, clock, audit, transfers } = deps;
  const guard = createApprovalGuard({
    db,
    clock,
    policies: deps.policies,
    lookupTransfers: transfers.lookupTransfers,
    maxFutureDays: deps.maxFutureDays,
  });

  /**
   * The answer to a transfer id asked for again: the request as it stands, or a conflict. A
   * request that posted answers as the ledger does (`direct`: `exists`).
   */
  async function replay<R>(
    orgId: string,
    chain: readonly EngineTransfer[],
    row: RequestRow,
    direct: () => Promise<R>,
  ): Promise<R | Awaiting> {
    const t = chain[0]!;
    if (!sameRequest(row, t, chain.slice(1))) {
      throw new UserError(
        'transfer_request_conflict',
        `Transfer ${t.id} was asked for before with other fields: send a new id for another transfer`,
        { status: 409, details: { id: t.id, status: row.status } },
      );
    }
    if (row.status === 'posted') return direct();
    if (row.status === 'rejected') {
      throw new UserError(
        'transfer_request_rejected',
        `Transfer ${t.id} was rejected: ${row.rejectionReason}`,
        { status: 409, details: { id: t.id, reason: row.rejectionReason } },
      );
    }
    return { result: 'awaiting_approval', request: await getRequest(db, orgId, t.id) };
  }

  async function personOf(orgId: string, actor: ApprovalActor): Promise<string> {
    if (actor.type !== 'apikey' || !deps.apiKeyOwner) return actor.key;
    const owner = await deps.apiKeyOwner(orgId, actor.key.slice('apikey:'.length));
    return owner ?? actor.key;
  }

  /** Who may decide, and for which of the request's policies; throws when nobody of theirs. */
  function decider(row: RequestRow, actor: ApprovalActor, verb: 'approve' | 'reject') {
    if (actor.type === 'apikey') {
      throw new UserError(
        'transfer_approval_needs_person',
        `API keys cannot ${verb} transfers: a person signed in must`,
        { status: 403 },
      );
    }
    if (row.status !== 'awaiting_approval') {
      throw new UserError(
        'transfer_request_not_awaiting',
        `Transfer request ${row.id} is ${row.status.replace('_', ' ')}: there is nothing left to ${verb}`,
        { status: 409, details: { id: row.id, status: row.status } },
      );
    }
    const own = actor.key === row.requestedBy || actor.key === row.requestedFor;
    const caught = fromStored(row).policies;
    const counts = caught.filter((p) => holdsRole(actor.role, p.approverRole));
    return { own, counts, roles: [...new Set(caught.map((p) => p.approverRole))] };
  }

  /**
   * A transfer asked for by `actor`: stored as a request waiting for approval when a policy
   * catches it (balances do not move), else `direct` (the ledger). The transfer id stays the
   * idempotency key: the same request again answers the request as it stands; with other
   * fields it is a conflict.
   */
  async function submitGuarded<R>(
    orgId: string,
    chain: readonly EngineTransfer[],
    actor: ApprovalActor,
    direct: () => Promise<R>,
  ): Promise<R | Awaiting> {
    const t = chain[0]!;
    const state = await guard.lookFirst(orgId, t.id);
    if (state.requested) {
      const row = await readRequest(db, orgId, t.id);
      if (row) return replay(orgId, chain, row, direct);
    }
    if (!state.guarded) return direct();
    const { entityIds, caught } = await guard.catching(orgId, chain);
    if (caught.length === 0) return direct();
    const linked = chain.slice(1).map((transfer, i) => ({ entityId: entityIds[i + 1]!, transfer }));

    const now = clock.now();
    const row: RequestRow = {
      id: t.id,
      orgId,
      status: 'awaiting_approval',
      entityId: entityIds[0]!,
      debitAccountId: t.debitAccountId!,
      creditAccountId: t.creditAccountId!,
      amount: t.amount!,
      currency: t.currency!,
      ...toStored(t, caught, linked),
      requestedBy: actor.key,
      requestedFor: await personOf(orgId, actor),
      requestedAt: now,
      decidedAt: null,
      rejectedBy: null,
      rejectionReason: null,
      postedTransferId: null,
      lastFailure: null,
    };
    const created = await db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(ledgerTransferRequests)
        .values(row)
        .onConflictDoNothing()
        .returning({ id: ledgerTransferRequests.id });
      if (!inserted) return false;
      await audit.record(tx, {
        action: 'ledger.transfer_request.create',
        entityType: 'ledger_transfer_request',
        entityId: row.id,
        orgId,
        after: {
          transfer: row.transfer,
          ...(row.linked === null ? {} : { linked: row.linked }),
          policies: caught.map((p) => p.policyId),
          requestedFor: row.requestedFor,
        },
      });
      return true;
    });
    // A concurrent call with the same id stored it first: answer as a replay does.
    if (!created) return replay(orgId, chain, (await readRequest(db, orgId, t.id))!, direct);
    return { result: 'awaiting_approval', request: toRequest(row, []) };
  }

  return {
    getTransferRequest: (orgId: string, id: string) => getRequest(db, orgId, id),

    listTransferRequests: (orgId: string, filter?: TransferRequestFilter) =>
      listRequests(db, orgId, filter),

    /**
     * Asks for one transfer. When a policy catches it, it is stored as a request waiting for
     * approval (balances do not move) and answered as such; otherwise it goes to the ledger as
     * `createTransfer` would. The transfer id stays the idempotency key: the same request again
     * answers the request as it stands; with other fields it is a conflict.
     */
    submitTransfer: (
      orgId: string,
      input: SingleTransferInput,
      actor: ApprovalActor,
    ): Promise<SubmitOutcome> => {
      const t = normalise(input, 0);
      return submitGuarded(orgId, [t], actor, () => deps.createTransfer(orgId, t));
    },

    /**
     * Asks for the reversal of a posted transfer under `newId`: like `submitTransfer`, it waits
     * for approval when a policy catches it (the reversal moves the amount back), and posts once
     * approved; otherwise it posts at once as `reverseTransferOrFail` does. A transfer reversed
     * already gets the ledger's own answer (`transfer_already_reversed`), never a request.
     * @throws UserError 404 for a transfer not in the organisation, 409 when not reversible.
     */
    submitReversal: async (
      orgId: string,
      originalId: string,
      newId: string,
      options: { description?: string; effectiveAt?: Date },
      actor: ApprovalActor,
    ): Promise<SubmitOutcome> => {
      const direct = () => deps.reverseTransferOrFail(orgId, originalId, newId, options);
      const original = await deps.getTransfer(orgId, originalId);
      const t = reversalOf(original, uuid(newId, 'id'), options);
      if ((await reversedAmong(db, orgId, new Set([original.id]))).size > 0) return direct();
      return submitGuarded(orgId, [t], actor, direct);
    },

    /**
     * Asks for a linked chain (an intercompany transfer's legs, each in its own entity): stored
     * as one request waiting for approval when a policy catches any of its transfers (all post
     * together once approved), answered as such; `undefined` when it goes to the ledger as it is
     * (no policy catches it, or its request posted already). The first id is the request's.
     */
    submitChain: async (
      orgId: string,
      chain: readonly TransferInput[],
      actor: ApprovalActor,
    ): Promise<Awaiting | undefined> => {
      const normalised = chain.map((t, i) => normalise(t, i));
      return submitGuarded(orgId, normalised, actor, async () => undefined);
    },

    /**
     * The transfer a request holds under `id` as it was asked (its date, description and
     * metadata), while it has not posted: a retry of what it asked for builds the same transfers.
     */
    askedTransfer: async (orgId: string, id: string): Promise<EngineTransfer | undefined> => {
      const row = await readRequest(db, orgId, id);
      return row ? fromStored(row).transfer : undefined;
    },

    catchInBatch: guard.catchInBatch,

    /**
     * Approves a request. When it is the last approval its policies need, the transfer posts in
     * the same transaction (at most once, whatever approvals race: the request row is locked
     * first). A transfer the ledger refuses then (insufficient funds, a closed period) rolls the
     * approval back: the request keeps waiting, with the refusal as its `lastFailure`, and the
     * error names why. Approving twice changes nothing.
     * @throws UserError 403 for API keys, the requester, or a role no policy of the request names;
     *   404 for a request not in the organisation; 409 when it no longer waits or cannot post.
     */
    approve: async (
      orgId: string,
      id: string,
      actor: ApprovalActor,
      note?: string,
    ): Promise<TransferRequest> => {
      try {
        return await transfers.transact(async (tx) => {
          const row = await readRequest(tx, orgId, id, true);
          if (!row) throw notFound(`Transfer request ${id}`);
          const { own, counts, roles } = decider(row, actor, 'approve');
          if (own) {
            throw new UserError(
              'transfer_approval_own_request',
              'You asked for this transfer: someone else must approve it',
              { status: 403 },
            );
          }
          if (counts.length === 0) {
            throw new UserError(
              'transfer_approval_role',
              `Approving this transfer needs the role ${roles.join(' or ')}, not ${actor.role}`,
              { status: 403 },
            );
          }
          const before = (await approvalsOf(tx, orgId, [row.id])).get(row.id) ?? [];
          if (before.some((a) => a.approver === actor.key)) return toRequest(row, before);
          const now = clock.now();
          const approval = {
            approver: actor.key,
            role: actor.role as ApproverRole,
            note: note?.trim() || null,
            createdAt: now,
          };
          await tx
            .insert(ledgerTransferApprovals)
            .values({ orgId, requestId: row.id, ...approval });
          const approvals = [...before, approval];
          let current: RequestRow = row;
          const complete = fromStored(row).policies.every(
            (p) =>
              approvals.filter((a) => holdsRole(a.role, p.approverRole)).length >=
              p.approvalsRequired,
          );
          if (complete) {
            const stored = fromStored(row);
            const chain = [stored.transfer, ...stored.linked.map((l) => l.transfer)];
            const results = await transfers.applyWithin(
              tx,
              orgId,
              chain.map((t, i) => (i < chain.length - 1 ? { ...t, linked: true } : t)),
            );
            // The transfer that stopped the chain, rather than the others' linked_event_failed.
            const refused =
              results.find((r) => !isSuccess(r.result) && r.result !== 'linked_event_failed') ??
              results.find((r) => !isSuccess(r.result));
            if (refused) throw new PostRefused(refused);
            const [posted] = await tx
              .update(ledgerTransferRequests)
              .set({
                status: 'posted',
                postedTransferId: row.id,
                decidedAt: now,
                lastFailure: null,
              })
              .where(
                and(eq(ledgerTransferRequests.orgId, orgId), eq(ledgerTransferRequests.id, row.id)),
              )
              .returning();
            current = posted!;
          }
          await audit.record(tx, {
            action: 'ledger.transfer_request.approve',
            entityType: 'ledger_transfer_request',
            entityId: row.id,
            orgId,
            after: {
              approver: actor.key,
              role: actor.role,
              note: approval.note,
              approvals: approvals.length,
              posted: complete,
            },
          });
          return toRequest(current, approvals);
        });
      } catch (error) {
        if (!(error instanceof PostRefused)) throw error;
        const refusal = transferRefused(error.result);
        await recordFailure(orgId, id, refusal);
        throw new UserError(
          refusal.code,
          `The approval was not recorded and the request still awaits approval: ${refusal.message}`,
          { status: refusal.status, details: refusal.details },
        );
      }
    },

    /**
     * Rejects a request, with a reason: it never posts. Whoever may approve it may reject it, and
     * so may the person who asked for it (withdrawing it).
     */
    reject: async (
      orgId: string,
      id: string,
      actor: ApprovalActor,
      reason: string,
    ): Promise<TransferRequest> => {
      const why = reason.trim();
      if (why.length === 0 || why.length > MAX_REASON) {
        throw new UserError(
          ErrorCodes.validationFailed,
          `reason must be 1 to ${MAX_REASON} characters`,
          {
            details: [{ path: 'reason', message: `must be 1 to ${MAX_REASON} characters` }],
          },
        );
      }
      return db.transaction(async (tx) => {
        const row = await readRequest(tx, orgId, id, true);
        if (!row) throw notFound(`Transfer request ${id}`);
        const { own, counts, roles } = decider(row, actor, 'reject');
        if (!own && counts.length === 0) {
          throw new UserError(
            'transfer_approval_role',
            `Rejecting this transfer needs the role ${roles.join(' or ')}, not ${actor.role}`,
            { status: 403 },
          );
        }
        const [updated] = await tx
          .update(ledgerTransferRequests)
          .set({
            status: 'rejected',
            rejectedBy: actor.key,
            rejectionReason: why,
            decidedAt: clock.now(),
          })
          .where(
            and(eq(ledgerTransferRequests.orgId, orgId), eq(ledgerTransferRequests.id, row.id)),
          )
          .returning();
        await audit.record(tx, {
          action: 'ledger.transfer_request.reject',
          entityType: 'ledger_transfer_request',
          entityId: row.id,
          orgId,
          after: { rejectedBy: actor.key, reason: why, withdrawn: own },
        });
        return toRequest(updated!, (await approvalsOf(tx, orgId, [row.id])).get(row.id) ?? []);
      });
    },
  };

  /** Keeps the refusal on the request, so the panel can say why it has not posted. */
  async function recordFailure(orgId: string, id: string, refusal: UserError): Promise<void> {
    const failure = { code: refusal.code, message: refusal.message, at: clock.now().toISOString() };
    try {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .update(ledgerTransferRequests)
          .set({ lastFailure: failure })
          .where(
            and(
              eq(ledgerTransferRequests.orgId, orgId),
              eq(ledgerTransferRequests.id, id.toLowerCase()),
              eq(ledgerTransferRequests.status, 'awaiting_approval'),
            ),
          )
          .returning({ id: ledgerTransferRequests.id });
        if (!row) return;
        await audit.record(tx, {
          action: 'ledger.transfer_request.post_failed',
          entityType: 'ledger_transfer_request',
          entityId: row.id,
          orgId,
          after: failure,
        });
      });
    } catch (error) {
      // The refusal itself is the answer; failing to note it must not hide it.
      deps.log?.warn({ err: error, id }, 'could not record why a transfer request did not post');
    }
  }
}

export type Approvals = ReturnType<typeof createApprovals>;
