import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { orgOf, principalOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import {
  approvalPolicyCreateSchema,
  approvalPolicyJson,
  approvalPolicySchema,
  approveBodySchema,
  fromPolicyJson,
  rejectBodySchema,
  transferRequestJson,
  transferRequestListQuery,
  transferRequestPageSchema,
  transferRequestSchema,
} from './approvals.dto.ts';
import { approvalActor } from './approvals.types.ts';
import { idParams } from './ledger.dto.ts';
import type { LedgerService } from './ledger.service.ts';

/**
 * Approval policies and transfer requests under `/api/v1/ledger/`. Policies are an
 * administrator's (`manage_users`, which only administrators hold); reading them and the requests
 * needs `read`. Approving and rejecting need `write` at the door; the service then checks the
 * request's policies (the approver's role, not their own request, never an API key).
 */

const BASE = '/api/v1/ledger';
const tags = ['ledger'];

export function registerApprovalRoutes(app: FastifyInstance, ledger: LedgerService): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/approval-policies`,
      access: 'read',
      tags,
      summary: 'The approval policies in force: which transfers wait for approval, and by whom',
      response: z.array(approvalPolicySchema),
    },
    async ({ request }) =>
      (await ledger.listApprovalPolicies(orgOf(request))).map(approvalPolicyJson),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/approval-policies`,
      access: 'manage_users',
      tags,
      summary: 'Adds an approval policy (administrators)',
      description:
        'Transfers of at least `thresholdAmount` minor units of `thresholdCurrency` (another ' +
        'currency converted at the rate in force on the transfer’s day; with no rate recorded, ' +
        'caught) need `approvalsRequired` approvals (default 1) by members holding ' +
        '`approverRole` (default `admin`; `editor` lets editors and administrators approve) ' +
        'before they post. `entityId` and `currency` narrow the policy. When several policies ' +
        'catch a transfer, every one of them must be satisfied.',
      body: approvalPolicyCreateSchema,
      response: approvalPolicySchema,
      status: 201,
    },
    async ({ request, body }) =>
      approvalPolicyJson(
        await ledger.createApprovalPolicy(
          orgOf(request),
          fromPolicyJson(body),
          approvalActor(principalOf(request)),
        ),
      ),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: `${BASE}/approval-policies/:id`,
      access: 'manage_users',
      tags,
      summary: 'Removes an approval policy (administrators)',
      description:
        'Transfers asked for afterwards no longer meet it; requests it caught before still need ' +
        'the approvals it asked for.',
      params: idParams,
      response: approvalPolicySchema,
    },
    async ({ request, params }) =>
      approvalPolicyJson(await ledger.removeApprovalPolicy(orgOf(request), params.id)),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/transfer-requests`,
      access: 'read',
      tags,
      summary: 'Transfers that approval policies caught, oldest first, a page at a time',
      description:
        '`status`: `awaiting_approval`, `posted` or `rejected`; `entityId`: of one entity. ' +
        '`next` is the cursor of the next page (`after`).',
      query: transferRequestListQuery,
      response: transferRequestPageSchema,
    },
    async ({ request, query }) => {
      const { after, status, entityId, limit } = query;
      const page = await ledger.listTransferRequests(orgOf(request), {
        limit,
        ...(after === undefined ? {} : { after }),
        ...(status === undefined ? {} : { status }),
        ...(entityId === undefined ? {} : { entityId }),
      });
      return { requests: page.requests.map(transferRequestJson), next: page.next };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/transfer-requests/:id`,
      access: 'read',
      tags,
      summary: 'One transfer request, with its policies and approvals',
      params: idParams,
      response: transferRequestSchema,
    },
    async ({ request, params }) =>
      transferRequestJson(await ledger.getTransferRequest(orgOf(request), params.id)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/transfer-requests/:id/approve`,
      access: 'write',
      tags,
      summary: 'Approves a transfer request; the last approval needed posts the transfer',
      description:
        'The approver must hold the role of one of the request’s policies (or a stronger one), ' +
        'must not be who asked for it (nor the person behind the API key that asked), and must ' +
        'be a person: API keys cannot approve (403). When this approval completes what the ' +
        'policies need, the transfer posts in the same transaction, at most once however many ' +
        'approvals race. If the ledger refuses it then (insufficient funds, a closed period: ' +
        'the result code, 409), the approval is not recorded and the request keeps waiting, ' +
        'with the refusal as `lastFailure`. Approving twice changes nothing.',
      params: idParams,
      body: approveBodySchema,
      response: transferRequestSchema,
    },
    async ({ request, params, body }) =>
      transferRequestJson(
        await ledger.approveTransferRequest(
          orgOf(request),
          params.id,
          approvalActor(principalOf(request)),
          body.note,
        ),
      ),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/transfer-requests/:id/reject`,
      access: 'write',
      tags,
      summary: 'Rejects a transfer request, with a reason: it never posts',
      description:
        'Whoever may approve it may reject it; so may the person who asked for it (withdrawing ' +
        'it). API keys cannot (403).',
      params: idParams,
      body: rejectBodySchema,
      response: transferRequestSchema,
    },
    async ({ request, params, body }) =>
      transferRequestJson(
        await ledger.rejectTransferRequest(
          orgOf(request),
          params.id,
          approvalActor(principalOf(request)),
          body.reason,
        ),
      ),
  );
}
