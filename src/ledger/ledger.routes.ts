import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { orgOf, principalOf } from '../server/access.ts';
import { accepted, addRoute, kept } from '../server/route.ts';
import { awaitingJson, transferAwaitingSchema } from './approvals.dto.ts';
import { approvalActor } from './approvals.types.ts';
import {
  accountCreateSchema,
  accountJson,
  accountListQuery,
  accountSchema,
  entityCreateSchema,
  entityCreatedSchema,
  entityJson,
  entitySchema,
  fromIntercompanyJson,
  fxRateAppliedJson,
  fxRateAppliedSchema,
  fxRateJson,
  fxRateListQuery,
  fxRateLookupQuery,
  fxRateSchema,
  fxRatesRecordSchema,
  fxRatesRecordedSchema,
  idParams,
  intercompanyJson,
  intercompanyResultSchema,
  intercompanyTransferSchema,
  periodCloseBodySchema,
  periodCloseJson,
  periodCloseSchema,
  postingJson,
  postingPageSchema,
  postingsQuery,
} from './ledger.dto.ts';
import type { LedgerService } from './ledger.service.ts';
import { registerApprovalRoutes } from './approvals.routes.ts';
import { registerTransferRoutes } from './transfers.routes.ts';
import { revaluationJson, revaluationSchema, revalueBodySchema } from './transfers.dto.ts';
import { MAX_FX_BATCH } from './ledger.types.ts';

const BASE = '/api/v1/ledger';
const tags = ['ledger'];

/**
 * The ledger's HTTP API under `/api/v1/ledger/`: entities, accounts, transfers and postings of
 * the caller's organisation. Amounts are decimal strings of minor units.
 */
export function registerLedgerRoutes(app: FastifyInstance, ledger: LedgerService): void {
  registerEntityRoutes(app, ledger);
  registerAccountRoutes(app, ledger);
  registerTransferRoutes(app, ledger);
  registerApprovalRoutes(app, ledger);
  registerFxRoutes(app, ledger);
  registerIntercompanyRoutes(app, ledger);
  registerPeriodRoutes(app, ledger);
}

function registerEntityRoutes(app: FastifyInstance, ledger: LedgerService): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/entities`,
      access: 'read',
      tags,
      summary: 'Legal entities (ventures and holding companies)',
      response: z.array(entitySchema),
    },
    // Kept while no entity is created or closed: serialized (and compressed) once.
    async ({ request }) =>
      kept(await ledger.entityList(orgOf(request)), (list) => list.map(entityJson)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/entities`,
      access: 'write',
      tags,
      summary: 'Creates a legal entity with the template chart of accounts',
      body: entityCreateSchema,
      response: entityCreatedSchema,
      status: 201,
    },
    async ({ request, body }) => {
      const { entity, accounts } = await ledger.createEntity(orgOf(request), body);
      return { ...entityJson(entity), accounts: accounts.map(accountJson) };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/entities/:id`,
      access: 'read',
      tags,
      summary: 'One legal entity',
      params: idParams,
      response: entitySchema,
    },
    async ({ request, params }) => entityJson(await ledger.getEntity(orgOf(request), params.id)),
  );
}

function registerAccountRoutes(app: FastifyInstance, ledger: LedgerService): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/accounts`,
      access: 'read',
      tags,
      summary: 'Accounts with their totals, optionally of one entity',
      query: accountListQuery,
      response: z.array(accountSchema),
    },
    async ({ request, query }) =>
      (await ledger.listAccounts(orgOf(request), query)).map(accountJson),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/accounts`,
      access: 'write',
      tags,
      summary: "Adds an account to an entity (default currency: the entity's)",
      body: accountCreateSchema,
      response: accountSchema,
      status: 201,
    },
    async ({ request, body }) => accountJson(await ledger.createAccount(orgOf(request), body)),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/accounts/:id`,
      access: 'read',
      tags,
      summary: 'One account with its pending and posted totals and balance',
      params: idParams,
      response: accountSchema,
    },
    async ({ request, params }) => accountJson(await ledger.getAccount(orgOf(request), params.id)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/accounts/:id/close`,
      access: 'write',
      tags,
      summary: 'Closes an account: no transfer may touch it afterwards',
      description:
        'Refused with 409 `account_has_pending_transfers` while it holds pending transfers.',
      params: idParams,
      response: accountSchema,
    },
    async ({ request, params }) =>
      accountJson(await ledger.closeAccount(orgOf(request), params.id)),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/accounts/:id/postings`,
      access: 'read',
      tags,
      summary: "An account's postings, oldest first, each with the totals after it",
      params: idParams,
      query: postingsQuery,
      response: postingPageSchema,
    },
    async ({ request, params, query }) => {
      const page = await ledger.listPostings(orgOf(request), params.id, query);
      return { postings: page.postings.map(postingJson), nextAfter: page.nextAfter };
    },
  );
}

function registerFxRoutes(app: FastifyInstance, ledger: LedgerService): void {
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/fx-rates`,
      access: 'write',
      tags,
      summary: `Records up to ${MAX_FX_BATCH} exchange rates, all or nothing`,
      description:
        'A rate is a decimal string: one unit of `base` is worth `rate` units of `quote` from ' +
        '`effectiveOn` until a later rate for the pair. The same pair and day again with the ' +
        'same rate changes nothing; with another rate the call is refused with 409 ' +
        '`ledger_fx_rate_conflict` (recorded rates are never changed).',
      body: fxRatesRecordSchema,
      response: fxRatesRecordedSchema,
    },
    async ({ request, body }) => {
      const out = await ledger.recordFxRates(orgOf(request), body.rates);
      return { ...out, rates: out.rates.map(fxRateJson) };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/fx-rates`,
      access: 'read',
      tags,
      summary: 'Recorded exchange rates by pair and day (`from`/`to`: inclusive days)',
      query: fxRateListQuery,
      response: z.array(fxRateSchema),
    },
    async ({ request, query }) => (await ledger.listFxRates(orgOf(request), query)).map(fxRateJson),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/fx-rates/lookup`,
      access: 'read',
      tags,
      summary: 'The exchange rate in force on a day, recorded for the pair or its inverse',
      description: '422 `ledger_fx_rate_missing` when neither pair has a rate on or before `on`.',
      query: fxRateLookupQuery,
      response: fxRateAppliedSchema,
    },
    async ({ request, query }) =>
      fxRateAppliedJson(
        await ledger.lookupFxRate(orgOf(request), query.base, query.quote, query.on),
        query.on,
      ),
  );
}

function registerIntercompanyRoutes(app: FastifyInstance, ledger: LedgerService): void {
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/intercompany-transfers`,
      access: 'write',
      tags,
      summary: 'Moves cash between two entities (a loan or its repayment), across currencies',
      description:
        "Books a transfer in each entity's own base currency through their intercompany " +
        'accounts (created on first use), as one linked pair: both apply or neither. The other ' +
        'side is converted at the rate in force on the effective day. `id` is the idempotency ' +
        'key: a retry answers `exists` for both legs with the amounts first booked. When an ' +
        'approval policy catches either leg, neither posts: the answer is 202 with `result` ' +
        '`awaiting_approval` and one transfer request holding both (`request.linked` is the ' +
        "second leg, in the other entity's currency); both post together once approved.",
      body: intercompanyTransferSchema,
      response: intercompanyResultSchema,
      accepted: transferAwaitingSchema,
    },
    async ({ request, body }) => {
      const outcome = await ledger.submitIntercompanyTransfer(
        orgOf(request),
        fromIntercompanyJson(body),
        approvalActor(principalOf(request)),
      );
      return outcome.result === 'awaiting_approval'
        ? accepted(awaitingJson(outcome.request))
        : intercompanyJson(outcome);
    },
  );
}

function registerPeriodRoutes(app: FastifyInstance, ledger: LedgerService): void {
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/entities/:id/close-period`,
      access: 'write',
      tags,
      summary: "Closes an entity's books through a day: nothing may be dated on or before it",
      description:
        'Transfers dated (UTC) on or before the day on any of its accounts then fail with ' +
        '`period_closed`. 409 `ledger_period_already_closed` when `through` is not after the ' +
        'current close, 422 `ledger_period_not_over` when it is after today.',
      params: idParams,
      body: periodCloseBodySchema,
      response: periodCloseSchema,
      status: 201,
    },
    async ({ request, params, body }) =>
      periodCloseJson(await ledger.closePeriod(orgOf(request), params.id, body)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/entities/:id/revalue`,
      access: 'write',
      tags,
      summary: "Re-measures the entity's foreign-currency monetary accounts at the closing rate",
      description:
        'Assets and liabilities held in another currency than the base currency are re-measured ' +
        'at the rate of `on` (default today); each difference with the carrying amount is posted ' +
        "in the base currency between the account's revaluation account (`<code>.FX`) and 6900 " +
        '(foreign exchange gain/loss), dated the end of `on`. Running it again posts nothing new. ' +
        'A period close runs it for its last day first.',
      params: idParams,
      body: revalueBodySchema,
      response: revaluationSchema,
    },
    async ({ request, params, body }) =>
      revaluationJson(
        await ledger.revalue(orgOf(request), params.id, {
          ...(body.on === undefined ? {} : { on: body.on }),
        }),
      ),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/entities/:id/periods`,
      access: 'read',
      tags,
      summary: "An entity's period closes, oldest first",
      params: idParams,
      response: z.array(periodCloseSchema),
    },
    async ({ request, params }) =>
      (await ledger.listPeriodCloses(orgOf(request), params.id)).map(periodCloseJson),
  );
}
