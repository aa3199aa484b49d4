import { z } from 'zod';
import {
  APPROVER_ROLES,
  MAX_APPROVALS_REQUIRED,
  TRANSFER_REQUEST_STATUSES,
  holdsRole,
  type ApprovalPolicy,
  type ApprovalPolicyInput,
  type CaughtBy,
  type TransferRequest,
} from './approvals.types.ts';
import {
  amount,
  currency,
  intercompanyJson,
  intercompanyResultSchema,
  transferJson,
  transferSchema,
} from './ledger.dto.ts';
import { TRANSFER_KINDS } from './ledger.types.ts';
import type { SubmitOutcome } from './approvals.service.ts';
import type { IntercompanyOutcome } from './intercompany.ts';

/**
 * JSON of approval policies and transfer requests (shared with the dashboard). Amounts are
 * strings of minor units, as everywhere in the ledger's API.
 */

const timestamp = z.iso.datetime({ offset: true });

export const approvalPolicyCreateSchema = z.strictObject({
  description: z.string().trim().max(200).optional(),
  entityId: z.uuid().optional().describe("Only transfers of this entity's accounts"),
  currency: currency
    .optional()
    .describe('Only transfers in this currency (default: every currency, converted)'),
  thresholdAmount: amount.describe(
    'Minor units: transfers of this amount or more need approval (0: every transfer)',
  ),
  thresholdCurrency: currency.optional().describe('Default: `currency`'),
  approvalsRequired: z.number().int().min(1).max(MAX_APPROVALS_REQUIRED).optional(),
  approverRole: z.enum(APPROVER_ROLES).optional().describe('Default `admin`'),
});

export const approvalPolicySchema = z.object({
  id: z.uuid(),
  description: z.string().nullable(),
  entityId: z.uuid().nullable(),
  currency: z.string().nullable(),
  thresholdAmount: amount,
  thresholdCurrency: z.string(),
  approvalsRequired: z.number(),
  approverRole: z.enum(APPROVER_ROLES),
  createdBy: z.string(),
  createdAt: timestamp,
  removedAt: timestamp.nullable(),
});

const caughtBySchema = z.object({
  policyId: z.uuid(),
  description: z.string().nullable(),
  entityId: z.uuid().nullable(),
  currency: z.string().nullable(),
  thresholdAmount: amount,
  thresholdCurrency: z.string(),
  approvalsRequired: z.number(),
  approverRole: z.enum(APPROVER_ROLES),
  /** Approvals so far by members holding the policy's role (or a stronger one). */
  approvalsGiven: z.number(),
  comparedAmount: amount.nullable(),
  rate: z.object({ rate: z.string(), effectiveOn: z.string(), inverted: z.boolean() }).nullable(),
});

export const transferRequestSchema = z.object({
  id: z.uuid(),
  status: z.enum(TRANSFER_REQUEST_STATUSES),
  entityId: z.uuid(),
  debitAccountId: z.uuid(),
  creditAccountId: z.uuid(),
  amount,
  currency: z.string(),
  transfer: z.object({
    id: z.uuid(),
    kind: z.enum(TRANSFER_KINDS),
    timeoutSeconds: z.number().optional(),
    effectiveAt: timestamp.optional(),
    description: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    /** Set when the request is the reversal of this posted transfer. */
    reversesId: z.uuid().optional(),
  }),
  /**
   * Transfers that post with it or not at all, each in its entity (an intercompany transfer's
   * second leg, in the other entity's base currency); empty for a transfer on its own.
   */
  linked: z.array(
    z.object({
      id: z.uuid(),
      entityId: z.uuid(),
      debitAccountId: z.uuid(),
      creditAccountId: z.uuid(),
      amount,
      currency: z.string(),
      description: z.string().optional(),
    }),
  ),
  policies: z.array(caughtBySchema),
  approvals: z.array(
    z.object({
      approver: z.string(),
      role: z.enum(APPROVER_ROLES),
      note: z.string().nullable(),
      createdAt: timestamp,
    }),
  ),
  /** `user:<id>`, `apikey:<id>` or `local` (the local administrator). */
  requestedBy: z.string(),
  /** The person behind the request (an API key's creator): they may not approve it. */
  requestedFor: z.string(),
  requestedAt: timestamp,
  decidedAt: timestamp.nullable(),
  rejectedBy: z.string().nullable(),
  rejectionReason: z.string().nullable(),
  postedTransferId: z.uuid().nullable(),
  lastFailure: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
});

export const transferRequestListQuery = z.strictObject({
  status: z.enum(TRANSFER_REQUEST_STATUSES).optional(),
  entityId: z.uuid().optional(),
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const transferRequestPageSchema = z.object({
  requests: z.array(transferRequestSchema),
  /** Pass as `after` for the next page; null on the last page. */
  next: z.string().nullable(),
});

export const approveBodySchema = z.strictObject({
  note: z.string().trim().max(500).optional(),
});

export const rejectBodySchema = z.strictObject({
  reason: z.string().trim().min(1, 'a rejection needs a reason').max(500),
});

/** `PUT /transfers/:id` when a policy caught the transfer: 202, waiting for approval. */
export const transferAwaitingSchema = z.object({
  id: z.uuid(),
  index: z.literal(0),
  result: z.literal('awaiting_approval'),
  request: transferRequestSchema,
});

/**
 * MCP `ledger_create_transfer`: posted (`transfer`), or waiting for approval (`request`). One
 * object, as MCP tools answer objects.
 */
export const submittedTransferSchema = z.object({
  id: z.uuid(),
  index: z.literal(0),
  result: z.enum(['ok', 'exists', 'awaiting_approval']),
  transfer: transferSchema.optional(),
  request: transferRequestSchema.optional(),
});

/**
 * MCP `ledger_intercompany_transfer`: booked (`legs`, `rate`), or both legs waiting for approval
 * as one transfer request (`result` `awaiting_approval`, `request`).
 */
export const submittedIntercompanySchema = intercompanyResultSchema.partial().extend({
  id: z.uuid(),
  result: z.string(),
  request: transferRequestSchema.optional(),
});

export function fromPolicyJson(
  p: z.output<typeof approvalPolicyCreateSchema>,
): ApprovalPolicyInput {
  const { thresholdAmount, description, ...rest } = p;
  return {
    ...rest,
    thresholdAmount: BigInt(thresholdAmount),
    ...(description ? { description } : {}),
  };
}

export function approvalPolicyJson(p: ApprovalPolicy): z.input<typeof approvalPolicySchema> {
  return {
    id: p.id,
    description: p.description,
    entityId: p.entityId,
    currency: p.currency,
    thresholdAmount: p.thresholdAmount.toString(),
    thresholdCurrency: p.thresholdCurrency,
    approvalsRequired: p.approvalsRequired,
    approverRole: p.approverRole,
    createdBy: p.createdBy,
    createdAt: p.createdAt.toISOString(),
    removedAt: p.removedAt?.toISOString() ?? null,
  };
}

function caughtByJson(p: CaughtBy, r: TransferRequest): z.input<typeof caughtBySchema> {
  return {
    policyId: p.policyId,
    description: p.description,
    entityId: p.entityId,
    currency: p.currency,
    thresholdAmount: p.thresholdAmount.toString(),
    thresholdCurrency: p.thresholdCurrency,
    approvalsRequired: p.approvalsRequired,
    approverRole: p.approverRole,
    approvalsGiven: r.approvals.filter((a) => holdsRole(a.role, p.approverRole)).length,
    comparedAmount: p.comparedAmount?.toString() ?? null,
    rate: p.rate,
  };
}

export function transferRequestJson(r: TransferRequest): z.input<typeof transferRequestSchema> {
  const t = r.transfer;
  return {
    id: r.id,
    status: r.status,
    entityId: r.entityId,
    debitAccountId: r.debitAccountId,
    creditAccountId: r.creditAccountId,
    amount: r.amount.toString(),
    currency: r.currency,
    transfer: {
      id: t.id,
      kind: t.kind ?? 'single',
      ...(t.timeoutSeconds === undefined ? {} : { timeoutSeconds: t.timeoutSeconds }),
      ...(t.effectiveAt === undefined ? {} : { effectiveAt: t.effectiveAt.toISOString() }),
      ...(t.description === undefined ? {} : { description: t.description }),
      ...(t.metadata === undefined ? {} : { metadata: t.metadata }),
      ...(t.reversesId === undefined ? {} : { reversesId: t.reversesId }),
    },
    linked: r.linked.map(({ entityId, transfer: l }) => ({
      id: l.id,
      entityId,
      debitAccountId: l.debitAccountId!,
      creditAccountId: l.creditAccountId!,
      amount: l.amount!.toString(),
      currency: l.currency!,
      ...(l.description === undefined ? {} : { description: l.description }),
    })),
    policies: r.policies.map((p) => caughtByJson(p, r)),
    approvals: r.approvals.map((a) => ({
      approver: a.approver,
      role: a.role,
      note: a.note,
      createdAt: a.createdAt.toISOString(),
    })),
    requestedBy: r.requestedBy,
    requestedFor: r.requestedFor,
    requestedAt: r.requestedAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
    rejectedBy: r.rejectedBy,
    rejectionReason: r.rejectionReason,
    postedTransferId: r.postedTransferId,
    lastFailure: r.lastFailure,
  };
}

/** The answer to a transfer that waits for approval (202). */
export function awaitingJson(request: TransferRequest): z.input<typeof transferAwaitingSchema> {
  return {
    id: request.id,
    index: 0,
    result: 'awaiting_approval',
    request: transferRequestJson(request),
  };
}

/** The answer to one transfer asked for: as stored (posted), or the request waiting. */
export function submittedJson(outcome: SubmitOutcome): z.input<typeof submittedTransferSchema> {
  if (outcome.result === 'awaiting_approval') return awaitingJson(outcome.request);
  return {
    id: outcome.transfer.id,
    index: 0,
    result: outcome.result,
    transfer: transferJson(outcome.transfer),
  };
}

/** An intercompany transfer asked for: booked, or its legs waiting for approval together. */
export function submittedIntercompanyJson(
  outcome: IntercompanyOutcome,
): z.input<typeof submittedIntercompanySchema> {
  if (outcome.result === 'awaiting_approval') {
    return {
      id: outcome.id,
      result: outcome.result,
      request: transferRequestJson(outcome.request),
    };
  }
  return intercompanyJson(outcome);
}
