import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { orgOf, principalOf } from '../server/access.ts';
import { accepted, addRoute } from '../server/route.ts';
import { awaitingJson, transferAwaitingSchema } from './approvals.dto.ts';
import { approvalActor } from './approvals.types.ts';
import {
  fromTransferJson,
  idParams,
  transferBatchSchema,
  transferJson,
  transferLookupQuery,
  transferResultsSchema,
  transferSchema,
} from './ledger.dto.ts';
import type { LedgerService } from './ledger.service.ts';
import {
  journalPageSchema,
  journalQuery,
  reverseBodySchema,
  singleTransferBodySchema,
  singleTransferResultSchema,
} from './transfers.dto.ts';
import type { SingleTransferOutcome } from './transfers.single.ts';

/**
 * The transfer routes under `/api/v1/ledger/`: the batch, one transfer, reversal, lookups and
 * the journal.
 */

const BASE = '/api/v1/ledger';
const TRANSFERS_URL = `${BASE}/transfers`;
/**
 * A full batch (8,190 transfers) is about 2 MB of JSON, above the server's default body limit;
 * this route alone takes up to this much.
 */
const TRANSFERS_BODY_LIMIT = 16 * 1024 * 1024;
const tags = ['ledger'];

export function registerTransferRoutes(app: FastifyInstance, ledger: LedgerService): void {
  addRoute(
    app,
    {
      method: 'POST',
      url: TRANSFERS_URL,
      access: 'write',
      // A full batch of 8,190 transfers is about 2 MB of JSON.
      bodyLimit: TRANSFERS_BODY_LIMIT,
      tags,
      summary: 'Applies a batch of up to 8,190 transfers atomically per linked chain',
      description:
        'Answers one result per transfer, in order (`ok`, `exists`, or a failure code: see the ' +
        'ledger README). The transfer `id` is the idempotency key: send the same batch again ' +
        'after a timeout and nothing is applied twice. A batch cannot wait for approval: when an ' +
        'approval policy catches any of its transfers (or one of its ids waits for approval), ' +
        'the whole batch is refused (409 `ledger_approval_required`, naming them in ' +
        '`details.transfers`); send those one at a time with `PUT /transfers/:id`.',
      body: transferBatchSchema,
      response: transferResultsSchema,
    },
    async ({ request, body }) => ({
      results: await ledger.submitTransfers(orgOf(request), body.transfers.map(fromTransferJson)),
    }),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${TRANSFERS_URL}/:id/reverse`,
      access: 'write',
      tags,
      summary: 'Corrects a posted transfer with its opposite, under a new id you choose',
      description:
        'The history is never edited. A transfer is reversed at most once ' +
        '(`transfer_already_reversed`); the reversal obeys balance limits like any transfer. ' +
        'Approval policies look at a reversal as at any transfer of its amount: when one catches ' +
        'it, the answer is 202 with `result` `awaiting_approval` and the transfer request ' +
        '(`transfer.reversesId` names the original); it posts under the new id once approved.',
      params: idParams,
      body: reverseBodySchema,
      response: singleTransferResultSchema,
      accepted: transferAwaitingSchema,
    },
    async ({ request, params, body }) => {
      const outcome = await ledger.submitReversal(
        orgOf(request),
        params.id,
        body.id,
        {
          ...(body.description === undefined ? {} : { description: body.description }),
          ...(body.effectiveAt === undefined ? {} : { effectiveAt: new Date(body.effectiveAt) }),
        },
        approvalActor(principalOf(request)),
      );
      return outcome.result === 'awaiting_approval'
        ? accepted(awaitingJson(outcome.request))
        : singleJson(outcome);
    },
  );
  addRoute(
    app,
    {
      method: 'PUT',
      url: `${TRANSFERS_URL}/:id`,
      access: 'write',
      tags,
      summary: 'Books one transfer under the id you chose (its idempotency key)',
      description:
        'Answers the transfer as stored, with `result` `ok` (applied now) or `exists` (the same ' +
        'request was applied before). A transfer that is not applied is an error: 400 for bad ' +
        'input (zero or too large an amount, the same account twice, a missing or unknown ' +
        "currency, accounts of different entities or another currency than the accounts'), 404 " +
        'for an account or hold not found in the organisation, 409 for the id sent before with ' +
        'other fields (`exists_with_different_<field>`) or the ledger refusing it (limits, a ' +
        'closed account or period). Refused input does not use up the id: send the corrected ' +
        'request with the same id. When an approval policy catches the transfer it does not ' +
        'post: the answer is 202 with `result` `awaiting_approval` and the transfer request ' +
        '(`GET /transfer-requests/:id`); it posts under this id once approved. Sending it again ' +
        'answers the request as it stands.',
      params: idParams,
      body: singleTransferBodySchema,
      response: singleTransferResultSchema,
      accepted: transferAwaitingSchema,
    },
    async ({ request, params, body }) => {
      const outcome = await ledger.submitTransfer(
        orgOf(request),
        fromTransferJson({ ...body, id: params.id }),
        approvalActor(principalOf(request)),
      );
      return outcome.result === 'awaiting_approval'
        ? accepted(awaitingJson(outcome.request))
        : singleJson(outcome);
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: TRANSFERS_URL,
      access: 'read',
      tags,
      summary: 'Transfers by id (`?ids=a,b,c`, up to 200); unknown ids are left out',
      query: transferLookupQuery,
      response: z.array(transferSchema),
    },
    async ({ request, query }) =>
      (await ledger.lookupTransfers(orgOf(request), query.ids)).map(transferJson),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/journal`,
      access: 'read',
      tags,
      summary: 'Transfers by account, entity and effective date, oldest first, a page at a time',
      description:
        '`accountId`: transfers debiting or crediting it; `entityId`: those on its accounts; ' +
        '`from`/`to`: inclusive UTC days of the accounting (effective) date; `failed=true` adds ' +
        'failed transfers. `next` is the cursor of the next page (`after`). An account or entity ' +
        'of another organisation is a 404.',
      query: journalQuery,
      response: journalPageSchema,
    },
    async ({ request, query }) => {
      const { after, failed, ...rest } = query;
      const page = await ledger.listTransfers(orgOf(request), {
        ...rest,
        ...(after === undefined ? {} : { after }),
        ...(failed === undefined ? {} : { failed }),
      });
      return { transfers: page.transfers.map(transferJson), next: page.next };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${TRANSFERS_URL}/:id`,
      access: 'read',
      tags,
      summary: 'One transfer, applied or failed, with its status',
      params: idParams,
      response: transferSchema,
    },
    async ({ request, params }) =>
      transferJson(await ledger.getTransfer(orgOf(request), params.id)),
  );
}

function singleJson(outcome: SingleTransferOutcome) {
  return {
    id: outcome.transfer.id,
    index: 0 as const,
    result: outcome.result,
    transfer: transferJson(outcome.transfer),
  };
}
