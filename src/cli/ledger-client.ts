import type { z } from 'zod';
import { ErrorCodes, UserError, type Config } from '../kernel/index.ts';
import {
  accountSchema,
  createLedgerService,
  revaluationJson,
  revaluationSchema,
  createReportsService,
  entitySchema,
  reportJson,
  postingPageSchema,
  approvalPolicyJson,
  fromPolicyJson,
  submittedJson,
  transferInputSchema,
  transferRequestJson,
  transferSchema,
  approvalPolicyCreateSchema,
  type ApprovalActor,
  type approvalPolicySchema,
  type journalPageSchema,
  type submittedTransferSchema,
  type transferRequestPageSchema,
  type transferRequestSchema,
  type TransferRequestStatus,
  type singleTransferResultSchema,
  type transferResultsSchema,
  type AccountInput,
  type EntityInput,
  type FxRate,
  type FxRateInput,
  type IntercompanyLeg,
  type IntercompanyTransferInput,
  type IntercompanyTransferResult,
  type PeriodClose,
  type LedgerService,
  type ReportKind,
  type ReportQuery,
  type ReportsService,
  type TransferInput,
  type TransferInputJson,
} from '../ledger/index.ts';
import { viaServerOrLocally } from './local.ts';
import { localOrganisation, onlyOrganisation } from './organisation.ts';
import type { callServer, RemoteServer } from './remote.ts';

/** The ledger's JSON, exactly as `/api/v1/ledger/` answers it (amounts in minor units). */
export type EntityJson = z.output<typeof entitySchema>;
export type AccountJson = z.output<typeof accountSchema>;
export type TransferJson = z.output<typeof transferSchema>;
export type PostingPageJson = z.output<typeof postingPageSchema>;
export type TransferResultJson = z.output<typeof transferResultsSchema>['results'][number];
export type SingleTransferJson = z.output<typeof singleTransferResultSchema>;
/** One transfer asked for: posted (`transfer`), or waiting for approval (`request`). */
export type SubmittedTransferJson = z.output<typeof submittedTransferSchema>;
export type TransferRequestJson = z.output<typeof transferRequestSchema>;
export type TransferRequestPageJson = z.output<typeof transferRequestPageSchema>;
export type ApprovalPolicyJson = z.output<typeof approvalPolicySchema>;
export type ApprovalPolicyBody = z.input<typeof approvalPolicyCreateSchema>;
export interface TransferRequestFilterJson {
  status?: TransferRequestStatus;
  entityId?: string;
  after?: string;
  limit?: number;
}
export type JournalPageJson = z.output<typeof journalPageSchema>;
export type RevaluationJson = z.output<typeof revaluationSchema>;
export interface JournalFilter {
  accountId?: string;
  entityId?: string;
  from?: string;
  to?: string;
  failed?: boolean;
  after?: string;
  limit?: number;
}
export type EntityCreateBody = Omit<EntityInput, 'parentId'> & { parentId?: string };
export type AccountCreateBody = AccountInput;
export type FxRateJson = Omit<FxRate, 'createdAt'> & { createdAt: string };
export type IntercompanyBody = Omit<IntercompanyTransferInput, 'amount' | 'effectiveAt'> & {
  amount: string;
  effectiveAt?: string;
};
export type IntercompanyResultJson = Omit<IntercompanyTransferResult, 'legs'> & {
  legs: (Omit<IntercompanyLeg, 'amount'> & { amount: string })[];
};
/** An intercompany transfer asked for: booked, or both legs waiting for approval as one request. */
export type IntercompanySubmittedJson =
  | IntercompanyResultJson
  | { id: string; index?: number; result: 'awaiting_approval'; request: TransferRequestJson };
export type PeriodCloseJson = Omit<PeriodClose, 'createdAt'> & { createdAt: string };
/** The rate in force on a day: `numerator / denominator` units of `quote` per unit of `base`. */
export interface FxRateAppliedJson {
  base: string;
  quote: string;
  on: string;
  rate: string;
  effectiveOn: string;
  inverted: boolean;
  numerator: string;
  denominator: string;
}

/**
 * What `iza ledger` asks of the ledger, one method per route of `/api/v1/ledger/`. The two
 * implementations answer the same JSON: over HTTP to the server that holds the data folder, or
 * from the ledger service on the database directly when no server runs.
 */
export interface LedgerClient {
  /** How the commands reach the ledger: the server's URL, or "database". */
  via: string;
  listEntities(): Promise<EntityJson[]>;
  getEntity(id: string): Promise<EntityJson>;
  createEntity(body: EntityCreateBody): Promise<EntityJson & { accounts: AccountJson[] }>;
  listAccounts(entityId?: string): Promise<AccountJson[]>;
  getAccount(id: string): Promise<AccountJson>;
  createAccount(body: AccountCreateBody): Promise<AccountJson>;
  closeAccount(id: string): Promise<AccountJson>;
  listPostings(id: string, page: { after?: number; limit?: number }): Promise<PostingPageJson>;
  createTransfers(transfers: TransferInputJson[]): Promise<TransferResultJson[]>;
  lookupTransfers(ids: string[]): Promise<TransferJson[]>;
  getTransfer(id: string): Promise<TransferJson>;
  /** Transfers by account, entity and effective date, a page at a time (`GET /journal`). */
  listTransfers(filter: JournalFilter): Promise<JournalPageJson>;
  /** Foreign-currency monetary accounts re-measured at the closing rate of `on`. */
  revalue(entityId: string, body: { on?: string }): Promise<RevaluationJson>;
  /**
   * One transfer: answered as stored, or waiting for approval when a policy caught it; thrown as
   * the API's 4xx when it is not applied.
   */
  createTransfer(transfer: TransferInputJson): Promise<SubmittedTransferJson>;
  /** A reversal: answered as stored, or waiting for approval when a policy caught it. */
  reverseTransfer(
    id: string,
    body: { id: string; description?: string; effectiveAt?: string },
  ): Promise<SubmittedTransferJson>;
  recordFxRates(
    rates: FxRateInput[],
  ): Promise<{ recorded: number; unchanged: number; rates: FxRateJson[] }>;
  listFxRates(filter: {
    base?: string;
    quote?: string;
    from?: string;
    to?: string;
  }): Promise<FxRateJson[]>;
  lookupFxRate(base: string, quote: string, on: string): Promise<FxRateAppliedJson>;
  /** Booked, or waiting for approval when a policy caught either leg. */
  createIntercompanyTransfer(body: IntercompanyBody): Promise<IntercompanySubmittedJson>;
  closePeriod(entityId: string, body: { through: string; note?: string }): Promise<PeriodCloseJson>;
  listPeriodCloses(entityId: string): Promise<PeriodCloseJson[]>;
  /** A financial statement, as `/api/v1/ledger/reports/<kind>` answers it. */
  report(kind: ReportKind, query: ReportQuery): Promise<unknown>;
  listTransferRequests(filter: TransferRequestFilterJson): Promise<TransferRequestPageJson>;
  getTransferRequest(id: string): Promise<TransferRequestJson>;
  approveTransferRequest(id: string, body: { note?: string }): Promise<TransferRequestJson>;
  rejectTransferRequest(id: string, body: { reason: string }): Promise<TransferRequestJson>;
  listApprovalPolicies(): Promise<ApprovalPolicyJson[]>;
  createApprovalPolicy(body: ApprovalPolicyBody): Promise<ApprovalPolicyJson>;
  removeApprovalPolicy(id: string): Promise<ApprovalPolicyJson>;
}

/**
 * The local administrator (this machine's operator), as the ledger names who asks and approves:
 * through the server its token acts as the organisation's administrator, and so it does here.
 */
const LOCAL_ADMINISTRATOR: ApprovalActor = { key: 'local', type: 'system', role: 'admin' };

export interface LedgerFlags {
  dataDir?: string;
  org?: string;
}

/**
 * Runs `run` with a ledger client for the organisation `flags.org` (slug or id; default: the only
 * one), through the server holding the data folder when one runs (as the local administrator
 * acting within that organisation), else on the database.
 */
export async function withLedger<T>(
  config: Config,
  flags: LedgerFlags,
  command: string,
  run: (ledger: LedgerClient) => Promise<T>,
): Promise<T> {
  return viaServerOrLocally(
    config,
    command,
    async (server, call) => {
      const org = flags.org ?? (await onlyOrganisation(server, call));
      return run(remoteLedger({ ...server, org }, call));
    },
    async ({ kernel, access }) => {
      const orgId = await localOrganisation(access, flags.org);
      const service = createLedgerService({
        db: kernel.db,
        clock: kernel.clock,
        audit: access.audit,
        log: kernel.log.child({ module: 'ledger' }),
        maxFutureDays: kernel.config.ledger.maxFutureDays,
      });
      const reports = createReportsService({ db: kernel.db, clock: kernel.clock });
      return run(localLedger(service, reports, orgId));
    },
  );
}

function remoteLedger(server: RemoteServer, call: typeof callServer): LedgerClient {
  const base = '/api/v1/ledger';
  const id = (value: string) => encodeURIComponent(value);
  return {
    via: server.url,
    listEntities: () => call(server, 'GET', `${base}/entities`),
    getEntity: (entityId) => call(server, 'GET', `${base}/entities/${id(entityId)}`),
    createEntity: (body) => call(server, 'POST', `${base}/entities`, body),
    listAccounts: (entityId) =>
      call(server, 'GET', `${base}/accounts${entityId ? `?entityId=${id(entityId)}` : ''}`),
    getAccount: (accountId) => call(server, 'GET', `${base}/accounts/${id(accountId)}`),
    createAccount: (body) => call(server, 'POST', `${base}/accounts`, body),
    closeAccount: (accountId) => call(server, 'POST', `${base}/accounts/${id(accountId)}/close`),
    listPostings: (accountId, page) => {
      const query = new URLSearchParams();
      if (page.after !== undefined) query.set('after', String(page.after));
      if (page.limit !== undefined) query.set('limit', String(page.limit));
      return call(server, 'GET', `${base}/accounts/${id(accountId)}/postings?${query.toString()}`);
    },
    createTransfers: async (transfers) =>
      (
        await call<{ results: TransferResultJson[] }>(server, 'POST', `${base}/transfers`, {
          transfers,
        })
      ).results,
    lookupTransfers: (ids) => call(server, 'GET', `${base}/transfers?ids=${ids.map(id).join(',')}`),
    getTransfer: (transferId) => call(server, 'GET', `${base}/transfers/${id(transferId)}`),
    listTransfers: (filter) => {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filter)) {
        if (value !== undefined) query.set(key, String(value));
      }
      return call(server, 'GET', `${base}/journal?${query.toString()}`);
    },
    revalue: (entityId, body) =>
      call(server, 'POST', `${base}/entities/${id(entityId)}/revalue`, body),
    createTransfer: ({ id: transferId, ...body }) =>
      call(server, 'PUT', `${base}/transfers/${id(transferId)}`, body),
    reverseTransfer: (transferId, body) =>
      call(server, 'POST', `${base}/transfers/${id(transferId)}/reverse`, body),
    recordFxRates: (rates) => call(server, 'POST', `${base}/fx-rates`, { rates }),
    listFxRates: (filter) =>
      call(server, 'GET', `${base}/fx-rates?${new URLSearchParams(filter).toString()}`),
    lookupFxRate: (b, quote, on) =>
      call(
        server,
        'GET',
        `${base}/fx-rates/lookup?${new URLSearchParams({ base: b, quote, on }).toString()}`,
      ),
    createIntercompanyTransfer: (body) =>
      call(server, 'POST', `${base}/intercompany-transfers`, body),
    closePeriod: (entityId, body) =>
      call(server, 'POST', `${base}/entities/${id(entityId)}/close-period`, body),
    listPeriodCloses: (entityId) => call(server, 'GET', `${base}/entities/${id(entityId)}/periods`),
    report: (kind, query) => {
      const params = new URLSearchParams(
        Object.entries(query).flatMap(([k, v]): [string, string][] =>
          v === undefined ? [] : [[k, String(v)]],
        ),
      );
      return call(server, 'GET', `${base}/reports/${kind}?${params.toString()}`);
    },
    listTransferRequests: (filter) => {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filter)) {
        if (value !== undefined) query.set(key, String(value));
      }
      return call(server, 'GET', `${base}/transfer-requests?${query.toString()}`);
    },
    getTransferRequest: (requestId) =>
      call(server, 'GET', `${base}/transfer-requests/${id(requestId)}`),
    approveTransferRequest: (requestId, body) =>
      call(server, 'POST', `${base}/transfer-requests/${id(requestId)}/approve`, body),
    rejectTransferRequest: (requestId, body) =>
      call(server, 'POST', `${base}/transfer-requests/${id(requestId)}/reject`, body),
    listApprovalPolicies: () => call(server, 'GET', `${base}/approval-policies`),
    createApprovalPolicy: (body) => call(server, 'POST', `${base}/approval-policies`, body),
    removeApprovalPolicy: (policyId) =>
      call(server, 'DELETE', `${base}/approval-policies/${id(policyId)}`),
  };
}

/** The service's values as the API's JSON: bigints as digit strings, dates as ISO strings. */
function jsonify(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonify);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonify(v)]));
  }
  return value;
}

function localLedger(ledger: LedgerService, reports: ReportsService, orgId: string): LedgerClient {
  const entity = (value: unknown) => entitySchema.parse(jsonify(value));
  const account = (value: unknown) => accountSchema.parse(jsonify(value));
  const transfer = (value: unknown) => transferSchema.parse(jsonify(value));
  return {
    via: 'database',
    listEntities: async () => (await ledger.listEntities(orgId)).map(entity),
    getEntity: async (id) => entity(await ledger.getEntity(orgId, id)),
    createEntity: async (body) => {
      const created = await ledger.createEntity(orgId, body);
      return { ...entity(created.entity), accounts: created.accounts.map(account) };
    },
    listAccounts: async (entityId) =>
      (await ledger.listAccounts(orgId, entityId === undefined ? {} : { entityId })).map(account),
    getAccount: async (id) => account(await ledger.getAccount(orgId, id)),
    createAccount: async (body) => account(await ledger.createAccount(orgId, body)),
    closeAccount: async (id) => account(await ledger.closeAccount(orgId, id)),
    listPostings: async (id, page) =>
      postingPageSchema.parse(jsonify(await ledger.listPostings(orgId, id, page))),
    createTransfers: async (transfers) =>
      ledger.submitTransfers(orgId, transfers.map(validTransfer)),
    lookupTransfers: async (ids) => (await ledger.lookupTransfers(orgId, ids)).map(transfer),
    getTransfer: async (id) => transfer(await ledger.getTransfer(orgId, id)),
    listTransfers: async (filter) => {
      const page = await ledger.listTransfers(orgId, filter);
      return { transfers: page.transfers.map(transfer), next: page.next };
    },
    revalue: async (entityId, body) =>
      revaluationSchema.parse(revaluationJson(await ledger.revalue(orgId, entityId, body))),
    createTransfer: async (input) =>
      submittedJson(
        await ledger.submitTransfer(orgId, validTransfer(input, 0), LOCAL_ADMINISTRATOR),
      ),
    reverseTransfer: async (id, body) =>
      submittedJson(
        await ledger.submitReversal(
          orgId,
          id,
          body.id,
          {
            ...(body.description === undefined ? {} : { description: body.description }),
            ...(body.effectiveAt === undefined ? {} : { effectiveAt: new Date(body.effectiveAt) }),
          },
          LOCAL_ADMINISTRATOR,
        ),
      ),
    recordFxRates: async (rates) => {
      const out = await ledger.recordFxRates(orgId, rates);
      return { ...out, rates: out.rates.map((r) => jsonify(r) as FxRateJson) };
    },
    listFxRates: async (filter) =>
      (await ledger.listFxRates(orgId, filter)).map((r) => jsonify(r) as FxRateJson),
    lookupFxRate: async (base, quote, on) => {
      const { fraction, ...applied } = await ledger.lookupFxRate(orgId, base, quote, on);
      return {
        ...applied,
        on,
        numerator: fraction.numerator.toString(),
        denominator: fraction.denominator.toString(),
      };
    },
    createIntercompanyTransfer: async ({ amount, effectiveAt, ...rest }) => {
      const outcome = await ledger.submitIntercompanyTransfer(
        orgId,
        {
          ...rest,
          amount: BigInt(amount),
          ...(effectiveAt === undefined ? {} : { effectiveAt: new Date(effectiveAt) }),
        },
        LOCAL_ADMINISTRATOR,
      );
      return outcome.result === 'awaiting_approval'
        ? {
            id: outcome.id,
            result: outcome.result,
            request: transferRequestJson(outcome.request),
          }
        : (jsonify(outcome) as IntercompanyResultJson);
    },
    closePeriod: async (entityId, body) =>
      jsonify(await ledger.closePeriod(orgId, entityId, body)) as PeriodCloseJson,
    listPeriodCloses: async (entityId) =>
      (await ledger.listPeriodCloses(orgId, entityId)).map((p) => jsonify(p) as PeriodCloseJson),
    report: async (kind, query) => reportJson(await reports.report(orgId, kind, query)),
    listTransferRequests: async (filter) => {
      const page = await ledger.listTransferRequests(orgId, filter);
      return { requests: page.requests.map(transferRequestJson), next: page.next };
    },
    getTransferRequest: async (id) =>
      transferRequestJson(await ledger.getTransferRequest(orgId, id)),
    approveTransferRequest: async (id, body) =>
      transferRequestJson(
        await ledger.approveTransferRequest(orgId, id, LOCAL_ADMINISTRATOR, body.note),
      ),
    rejectTransferRequest: async (id, body) =>
      transferRequestJson(
        await ledger.rejectTransferRequest(orgId, id, LOCAL_ADMINISTRATOR, body.reason),
      ),
    listApprovalPolicies: async () =>
      (await ledger.listApprovalPolicies(orgId)).map(approvalPolicyJson),
    createApprovalPolicy: async (body) =>
      approvalPolicyJson(
        await ledger.createApprovalPolicy(orgId, validPolicy(body), LOCAL_ADMINISTRATOR),
      ),
    removeApprovalPolicy: async (id) =>
      approvalPolicyJson(await ledger.removeApprovalPolicy(orgId, id)),
  };
}

/** The route's own check of a policy, for the same answer without a server. */
function validPolicy(body: ApprovalPolicyBody) {
  const parsed = approvalPolicyCreateSchema.safeParse(body);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    throw new UserError(
      ErrorCodes.validationFailed,
      `Invalid policy: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
      { details },
    );
  }
  return fromPolicyJson(parsed.data);
}

/** The route's own check of a transfer, for the same answer without a server. */
function validTransfer(input: TransferInputJson, index: number): TransferInput {
  const parsed = transferInputSchema.safeParse(input);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: ['transfers', index, ...issue.path].join('.'),
      message: issue.message,
    }));
    throw new UserError(
      ErrorCodes.validationFailed,
      `Invalid body: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
      { details },
    );
  }
  const { amount, effectiveAt, ...rest } = parsed.data;
  return {
    ...rest,
    ...(amount === undefined ? {} : { amount: BigInt(amount) }),
    ...(effectiveAt === undefined ? {} : { effectiveAt: new Date(effectiveAt) }),
  };
}
