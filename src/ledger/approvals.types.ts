import type { Principal } from '../access/index.ts';
import type { TransferInput } from './ledger.types.ts';

/**
 * Transfer approvals: the policies that make a transfer wait for approval, the requests that
 * wait, and who may decide on them. See README.md ("Approvals").
 */

/** The roles whose members may approve, weakest first: a stronger role may do what a weaker may. */
export const APPROVER_ROLES = ['editor', 'admin'] as const;
export type ApproverRole = (typeof APPROVER_ROLES)[number];

export const TRANSFER_REQUEST_STATUSES = ['awaiting_approval', 'posted', 'rejected'] as const;
export type TransferRequestStatus = (typeof TRANSFER_REQUEST_STATUSES)[number];

/** The most approvals a policy may ask for. */
export const MAX_APPROVALS_REQUIRED = 10;

export interface ApprovalPolicyInput {
  description?: string;
  /** Only transfers of this entity's accounts (default: every entity of the organisation). */
  entityId?: string;
  /** Only transfers in this currency (default: every currency, converted to the threshold's). */
  currency?: string;
  /** Minor units of `thresholdCurrency`: transfers of this amount or more are caught. */
  thresholdAmount: bigint;
  /** Default: `currency` when the policy is narrowed to one. */
  thresholdCurrency?: string;
  /** 1 to 10; default 1. */
  approvalsRequired?: number;
  /** Default `admin`. */
  approverRole?: ApproverRole;
}

export interface ApprovalPolicy {
  id: string;
  orgId: string;
  description: string | null;
  entityId: string | null;
  currency: string | null;
  thresholdAmount: bigint;
  thresholdCurrency: string;
  approvalsRequired: number;
  approverRole: ApproverRole;
  createdBy: string;
  createdAt: Date;
  removedAt: Date | null;
}

/**
 * A policy as it caught a request, kept on the request: later changes to the policy do not change
 * what the request needs.
 */
export interface CaughtBy {
  policyId: string;
  description: string | null;
  entityId: string | null;
  currency: string | null;
  thresholdAmount: bigint;
  thresholdCurrency: string;
  approvalsRequired: number;
  approverRole: ApproverRole;
  /** The transfer's amount in the threshold's currency (equal to it when the same currency). */
  comparedAmount: bigint | null;
  /** The rate used to compare, when converted; null when there was no rate (caught anyway). */
  rate: { rate: string; effectiveOn: string; inverted: boolean } | null;
}

/**
 * Who asks for a transfer or decides on a request, from the caller's credentials. `key` names
 * them (`user:<id>`, `apikey:<id>`, `local` for the local administrator).
 */
export interface ApprovalActor {
  key: string;
  type: 'user' | 'apikey' | 'system';
  /** `admin` for the local administrator, who acts as the organisation's administrator. */
  role: string;
}

export interface TransferApproval {
  approver: string;
  role: ApproverRole;
  note: string | null;
  createdAt: Date;
}

export interface TransferRequest {
  id: string;
  orgId: string;
  status: TransferRequestStatus;
  entityId: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  currency: string;
  /** The transfer as asked (its id is the request's); a reversal names its original. */
  transfer: TransferInput & { reversesId?: string };
  /**
   * Transfers that post with it or not at all, each in its entity (an intercompany transfer's
   * second leg); empty for a transfer on its own.
   */
  linked: { entityId: string; transfer: TransferInput }[];
  policies: CaughtBy[];
  approvals: TransferApproval[];
  requestedBy: string;
  requestedFor: string;
  requestedAt: Date;
  decidedAt: Date | null;
  rejectedBy: string | null;
  rejectionReason: string | null;
  postedTransferId: string | null;
  lastFailure: { code: string; message: string; at: string } | null;
}

export interface TransferRequestFilter {
  status?: TransferRequestStatus;
  entityId?: string;
  /** The previous page's `next`. */
  after?: string;
  /** 1..500, default 100. */
  limit?: number;
}

export interface TransferRequestPage {
  requests: TransferRequest[];
  next: string | null;
}

/** The actor behind a request's credentials. */
export function approvalActor(principal: Principal): ApprovalActor {
  if (principal.kind === 'system') return { key: 'local', type: 'system', role: principal.role };
  if (principal.kind === 'apikey') {
    return { key: `apikey:${principal.apiKeyId}`, type: 'apikey', role: principal.role };
  }
  return { key: `user:${principal.userId}`, type: 'user', role: principal.role };
}

/** Whether `role` may do what `required` may: an admin approves what editors may approve. */
export function holdsRole(role: string, required: ApproverRole): boolean {
  const rank = APPROVER_ROLES.indexOf(role as ApproverRole);
  return rank >= 0 && rank >= APPROVER_ROLES.indexOf(required);
}
