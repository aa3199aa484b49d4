import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Clock, Database, DbOrTx } from '../kernel/index.ts';
import type { ApprovalPolicies } from './approvals.policies.ts';
import type { ApprovalPolicy, CaughtBy } from './approvals.types.ts';
import type { AppliedRate } from './fx.ts';
import { ledgerAccounts, ledgerApprovalPolicies, ledgerTransferRequests } from './ledger.schema.ts';
import { DEFAULT_MAX_FUTURE_DAYS, type Transfer, type TransferInput } from './ledger.types.ts';
import { normalise } from './transfers.input.ts';
import { validateTransfer, type EngineTransfer } from './transfers.rules.ts';

/**
 * Which transfers approval policies catch: one asked for on its own, or those of a batch. A
 * transfer the ledger would refuse anyway (bad input, an account not found, closed, of another
 * entity or currency) is not caught: the ledger's answer to it is the same with or without
 * policies.
 */

export interface ApprovalGuardDeps {
  db: Database;
  clock: Clock;
  policies: Pick<ApprovalPolicies, 'activePolicies' | 'catching'>;
  lookupTransfers: (orgId: string, ids: readonly string[]) => Promise<Transfer[]>;
  maxFutureDays?: number | undefined;
}

/** A transfer of a batch that must wait for approval, which a batch cannot. */
export interface BatchCatch {
  index: number;
  id: string;
  /** The policies that caught it; empty when its id already waits for approval. */
  policyIds: string[];
}

const DAY_MS = 86_400_000;
/** Kinds a policy looks at: the others settle holds that were asked for (and approved) before. */
const GUARDED_KINDS = new Set(['single', 'pending']);

type Accounts = Map<
  string,
  { id: string; entityId: string; currency: string; closedAt: Date | null }
>;
type Rates = Map<string, Promise<AppliedRate | undefined>>;

export function createApprovalGuard(deps: ApprovalGuardDeps) {
  const { db, clock, policies } = deps;
  const maxFutureDays = deps.maxFutureDays ?? DEFAULT_MAX_FUTURE_DAYS;

  async function accountsOf(tx: DbOrTx, orgId: string, ids: readonly string[]): Promise<Accounts> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await tx
      .select({
        id: ledgerAccounts.id,
        entityId: ledgerAccounts.entityId,
        currency: ledgerAccounts.currency,
        closedAt: ledgerAccounts.closedAt,
      })
      .from(ledgerAccounts)
      .where(and(eq(ledgerAccounts.orgId, orgId), inArray(ledgerAccounts.id, unique)));
    return new Map(rows.map((r) => [r.id, r]));
  }

  async function caughtBy(
    orgId: string,
    t: EngineTransfer,
    inForce: readonly ApprovalPolicy[],
    accounts: Accounts,
    rates: Rates,
  ): Promise<{ entityId: string; caught: CaughtBy[] }> {
    const none = { entityId: '', caught: [] };
    if (!GUARDED_KINDS.has(t.kind ?? 'single')) return none;
    const latest = new Date(clock.now().getTime() + maxFutureDays * DAY_MS);
    if (validateTransfer(t, latest) !== undefined) return none;
    const debit = accounts.get(t.debitAccountId!);
    const credit = accounts.get(t.creditAccountId!);
    if (!debit || !credit || debit.entityId !== credit.entityId) return none;
    if (debit.currency !== t.currency || credit.currency !== t.currency) return none;
    if (debit.closedAt !== null || credit.closedAt !== null) return none;
    const guarded = {
      entityId: debit.entityId,
      amount: t.amount!,
      currency: t.currency,
      effectiveAt: t.effectiveAt,
    };
    return {
      entityId: debit.entityId,
      caught: await policies.catching(db, orgId, inForce, guarded, rates),
    };
  }

  return {
    /**
     * Whether the organisation has policies in force, and whether `id` was asked for already:
     * one round trip, so a transfer in an organisation without policies costs one query more.
     */
    lookFirst: async (orgId: string, id: string) => {
      const [state] = await db
        .select({
          guarded: sql<boolean>`exists (select 1 from ${ledgerApprovalPolicies} where ${ledgerApprovalPolicies.orgId} = ${orgId} and ${ledgerApprovalPolicies.removedAt} is null)`,
          requested: sql<boolean>`exists (select 1 from ${ledgerTransferRequests} where ${ledgerTransferRequests.orgId} = ${orgId} and ${ledgerTransferRequests.id} = ${id})`,
        })
        .from(sql`(values (1)) as one (x)`);
      return { guarded: state?.guarded === true, requested: state?.requested === true };
    },

    /**
     * The policies catching a transfer, or any transfer of a linked chain (an intercompany
     * transfer's legs, each in its own entity), each policy once, and each transfer's entity.
     * None when the first id is in the ledger already (it answers as the ledger does: `exists`,
     * or the difference), or when any transfer would be refused anyway.
     */
    catching: async (orgId: string, chain: readonly EngineTransfer[]) => {
      const none = { entityIds: [] as string[], caught: [] as CaughtBy[] };
      if (!chain.every((t) => GUARDED_KINDS.has(t.kind ?? 'single'))) return none;
      if ((await deps.lookupTransfers(orgId, [chain[0]!.id])).length > 0) return none;
      const inForce = await policies.activePolicies(db, orgId);
      if (inForce.length === 0) return none;
      const accounts = await accountsOf(
        db,
        orgId,
        chain
          .flatMap((t) => [t.debitAccountId, t.creditAccountId])
          .filter((id) => id !== undefined),
      );
      const rates: Rates = new Map();
      const entityIds: string[] = [];
      const caught = new Map<string, CaughtBy>();
      for (const t of chain) {
        const leg = await caughtBy(orgId, t, inForce, accounts, rates);
        if (leg.entityId === '') return none;
        entityIds.push(leg.entityId);
        for (const p of leg.caught) if (!caught.has(p.policyId)) caught.set(p.policyId, p);
      }
      return { entityIds, caught: [...caught.values()] };
    },

    /**
     * The transfers of a batch that policies catch or whose id waits for approval (a batch
     * cannot wait, so the caller refuses it). Empty when none: two queries when the organisation
     * has no policies.
     */
    catchInBatch: async (orgId: string, batch: readonly TransferInput[]): Promise<BatchCatch[]> => {
      const normalised = batch.map((t, i) => normalise(t, i));
      const ids = [...new Set(normalised.map((t) => t.id))];
      const inForce = await policies.activePolicies(db, orgId);
      const waitingRows = await db
        .select({ id: ledgerTransferRequests.id })
        .from(ledgerTransferRequests)
        .where(
          and(
            eq(ledgerTransferRequests.orgId, orgId),
            eq(ledgerTransferRequests.status, 'awaiting_approval'),
            sql`${ledgerTransferRequests.id} = any(${`{${ids.join(',')}}`}::uuid[])`,
          ),
        );
      const waiting = new Set(waitingRows.map((r) => r.id));
      if (inForce.length === 0 && waiting.size === 0) return [];
      const found: BatchCatch[] = [];
      const guarded = inForce.length > 0;
      const accounts = guarded
        ? await accountsOf(
            db,
            orgId,
            normalised
              .flatMap((t) => [t.debitAccountId, t.creditAccountId])
              .filter((id) => id !== undefined),
          )
        : (new Map() as Accounts);
      const stored = guarded
        ? new Set((await deps.lookupTransfers(orgId, ids)).map((s) => s.id))
        : new Set<string>();
      const rates: Rates = new Map();
      for (const [index, t] of normalised.entries()) {
        if (waiting.has(t.id)) {
          found.push({ index, id: t.id, policyIds: [] });
        } else if (guarded && !stored.has(t.id)) {
          const { caught } = await caughtBy(orgId, t, inForce, accounts, rates);
          if (caught.length > 0) {
            found.push({ index, id: t.id, policyIds: caught.map((p) => p.policyId) });
          }
        }
      }
      return found;
    },
  };
}
