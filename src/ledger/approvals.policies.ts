import { and, asc, eq, isNull } from 'drizzle-orm';
import {
  isUuid,
  newId,
  notFound,
  type Clock,
  type Database,
  type DbOrTx,
} from '../kernel/index.ts';
import {
  APPROVER_ROLES,
  MAX_APPROVALS_REQUIRED,
  type ApprovalActor,
  type ApprovalPolicy,
  type ApprovalPolicyInput,
  type ApproverRole,
  type CaughtBy,
} from './approvals.types.ts';
import { requireCurrency } from './currencies.ts';
import { convertMinor, rateOn, utcDay, type AppliedRate } from './fx.ts';
import { ledgerApprovalPolicies } from './ledger.schema.ts';
import { MAX_AMOUNT, type Entity } from './ledger.types.ts';
import type { LedgerAudit } from './transfers.service.ts';
import { invalid } from './transfers.input.ts';

type PolicyRow = typeof ledgerApprovalPolicies.$inferSelect;

/** What a policy looks at in a transfer. */
export interface GuardedTransfer {
  entityId: string;
  amount: bigint;
  currency: string;
  /** Default: now. The day whose rate converts another currency to the threshold's. */
  effectiveAt?: Date | undefined;
}

export interface ApprovalPoliciesDeps {
  db: Database;
  clock: Clock;
  audit: LedgerAudit;
  getEntity: (orgId: string, id: string) => Promise<Entity>;
}

/**
 * Approval policies: which transfers must wait for approval, and by whom. Only administrators
 * change them (the routes' permission); everyone who reads the books may see them.
 */
export function createApprovalPolicies(deps: ApprovalPoliciesDeps) {
  const { db, clock, audit } = deps;

  /** The organisation's policies in force, oldest first. */
  async function active(tx: DbOrTx, orgId: string): Promise<ApprovalPolicy[]> {
    const rows = await tx
      .select()
      .from(ledgerApprovalPolicies)
      .where(and(eq(ledgerApprovalPolicies.orgId, orgId), isNull(ledgerApprovalPolicies.removedAt)))
      .orderBy(asc(ledgerApprovalPolicies.createdAt), asc(ledgerApprovalPolicies.id));
    return rows.map(toPolicy);
  }

  return {
    listPolicies: (orgId: string) => active(db, orgId),

    /**
     * Adds a policy.
     * @example createPolicy(org, { thresholdAmount: 1_000_000n, thresholdCurrency: 'EUR' }, actor)
     */
    createPolicy: async (
      orgId: string,
      input: ApprovalPolicyInput,
      actor: ApprovalActor,
    ): Promise<ApprovalPolicy> => {
      const checked = await check(orgId, input);
      const row: PolicyRow = {
        id: newId(),
        orgId,
        ...checked,
        createdBy: actor.key,
        createdAt: clock.now(),
        removedAt: null,
      };
      return db.transaction(async (tx) => {
        await tx.insert(ledgerApprovalPolicies).values(row);
        await audit.record(tx, {
          action: 'ledger.approval_policy.create',
          entityType: 'ledger_approval_policy',
          entityId: row.id,
          orgId,
          after: policyAudit(row),
        });
        return toPolicy(row);
      });
    },

    /**
     * Removes a policy: transfers asked for afterwards no longer meet it. Requests it caught
     * before still need the approvals it asked for.
     */
    removePolicy: async (orgId: string, id: string): Promise<ApprovalPolicy> => {
      return db.transaction(async (tx) => {
        const [row] = isUuid(id)
          ? await tx
              .update(ledgerApprovalPolicies)
              .set({ removedAt: clock.now() })
              .where(
                and(
                  eq(ledgerApprovalPolicies.orgId, orgId),
                  eq(ledgerApprovalPolicies.id, id),
                  isNull(ledgerApprovalPolicies.removedAt),
                ),
              )
              .returning()
          : [];
        if (!row) throw notFound(`Approval policy ${id}`);
        await audit.record(tx, {
          action: 'ledger.approval_policy.remove',
          entityType: 'ledger_approval_policy',
          entityId: row.id,
          orgId,
          before: policyAudit(row),
        });
        return toPolicy(row);
      });
    },

    /** The policies in force (read once for many transfers with `catching`). */
    activePolicies: active,

    /**
     * The policies among `policies` that catch a transfer: those of its entity (or of every
     * entity) and its currency (or of every currency) whose threshold it reaches. A transfer in
     * another currency than a threshold's is converted at the rate in force on its effective day;
     * with no rate recorded it is caught (a policy is never bypassed for want of a rate).
     * `rates` caches the rates of one call.
     */
    catching: async (
      tx: DbOrTx,
      orgId: string,
      policies: readonly ApprovalPolicy[],
      transfer: GuardedTransfer,
      rates: Map<string, Promise<AppliedRate | undefined>> = new Map(),
    ): Promise<CaughtBy[]> => {
      const caught: CaughtBy[] = [];
      const day = utcDay(transfer.effectiveAt ?? clock.now());
      for (const policy of policies) {
        if (policy.entityId !== null && policy.entityId !== transfer.entityId) continue;
        if (policy.currency !== null && policy.currency !== transfer.currency) continue;
        const threshold = policy.thresholdCurrency;
        let compared: bigint | null = transfer.amount;
        let rate: CaughtBy['rate'] = null;
        if (threshold !== transfer.currency) {
          const key = `${transfer.currency}/${threshold}/${day}`;
          let found = rates.get(key);
          if (!found) {
            found = rateOn(tx, orgId, transfer.currency, threshold, day);
            rates.set(key, found);
          }
          const applied = await found;
          compared = applied
            ? convertMinor(transfer.amount, transfer.currency, threshold, applied.fraction)
            : null;
          rate = applied
            ? { rate: applied.rate, effectiveOn: applied.effectiveOn, inverted: applied.inverted }
            : null;
        }
        if (compared !== null && compared < policy.thresholdAmount) continue;
        caught.push({
          policyId: policy.id,
          description: policy.description,
          entityId: policy.entityId,
          currency: policy.currency,
          thresholdAmount: policy.thresholdAmount,
          thresholdCurrency: policy.thresholdCurrency,
          approvalsRequired: policy.approvalsRequired,
          approverRole: policy.approverRole,
          comparedAmount: compared,
          rate,
        });
      }
      return caught;
    },
  };

  async function check(orgId: string, input: ApprovalPolicyInput) {
    const thresholdCurrency = input.thresholdCurrency ?? input.currency;
    if (thresholdCurrency === undefined) {
      throw invalid('thresholdCurrency', 'is required (or currency, to narrow the policy)');
    }
    requireCurrency(thresholdCurrency, 'thresholdCurrency');
    const currency = input.currency ?? null;
    if (currency !== null) {
      requireCurrency(currency, 'currency');
      if (currency !== thresholdCurrency) {
        throw invalid('thresholdCurrency', `must be the policy's currency (${currency})`);
      }
    }
    if (input.thresholdAmount < 0n || input.thresholdAmount > MAX_AMOUNT) {
      throw invalid('thresholdAmount', 'must be 0 to 2^63-1 minor units');
    }
    const approvalsRequired = input.approvalsRequired ?? 1;
    if (
      !Number.isInteger(approvalsRequired) ||
      approvalsRequired < 1 ||
      approvalsRequired > MAX_APPROVALS_REQUIRED
    ) {
      throw invalid(
        'approvalsRequired',
        `must be a whole number from 1 to ${MAX_APPROVALS_REQUIRED}`,
      );
    }
    const approverRole = input.approverRole ?? 'admin';
    if (!APPROVER_ROLES.includes(approverRole)) {
      throw invalid('approverRole', `must be one of ${APPROVER_ROLES.join(', ')}`);
    }
    const entityId =
      input.entityId === undefined ? null : (await deps.getEntity(orgId, input.entityId)).id;
    const description = input.description?.trim() || null;
    if (description !== null && description.length > 200) {
      throw invalid('description', 'must be at most 200 characters');
    }
    return {
      description,
      entityId,
      currency,
      thresholdAmount: input.thresholdAmount,
      thresholdCurrency,
      approvalsRequired,
      approverRole,
    };
  }
}

export type ApprovalPolicies = ReturnType<typeof createApprovalPolicies>;

function toPolicy(row: PolicyRow): ApprovalPolicy {
  return { ...row, approverRole: row.approverRole as ApproverRole };
}

function policyAudit(row: PolicyRow) {
  return {
    description: row.description,
    entityId: row.entityId,
    currency: row.currency,
    thresholdAmount: row.thresholdAmount.toString(),
    thresholdCurrency: row.thresholdCurrency,
    approvalsRequired: row.approvalsRequired,
    approverRole: row.approverRole,
  };
}
