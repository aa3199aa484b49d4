import { z } from 'zod';
import {
  MAX_BATCH,
  accountSchema,
  entitySchema,
  journalPageSchema,
  postingPageSchema,
  revaluationJson,
  revaluationSchema,
  approvalActor,
  submittedJson,
  submittedTransferSchema,
  transferInputSchema,
  transferRequestJson,
  transferRequestPageSchema,
  TRANSFER_REQUEST_STATUSES,
  transferResultsSchema,
  transferSchema,
  type LedgerService,
  type TransferInput,
  type TransferInputJson,
} from '../ledger/index.ts';
import { defineTool, type McpResourceTemplate, type McpToolset } from './mcp.tools.ts';
import { ledgerPrompts } from './ledger.prompts.ts';

/**
 * The ledger over MCP: the same calls and JSON shapes as `/api/v1/ledger/` (amounts are strings
 * of minor units), the same permissions (`read` to look, `write` to book). Writes go through the
 * ledger service, which audits them. Reports and FX tools belong here when the ledger has them.
 */

const account = (id: string) => `iza://ledger/accounts/${id}`;
const entity = (id: string) => `iza://ledger/entities/${id}`;

const balanceSchema = accountSchema.pick({
  id: true,
  entityId: true,
  code: true,
  name: true,
  type: true,
  currency: true,
  balance: true,
  debitsPosted: true,
  creditsPosted: true,
  debitsPending: true,
  creditsPending: true,
  closedAt: true,
});

const uuid = z.uuid();

export function ledgerToolset(ledger: LedgerService): McpToolset {
  const entityJson = (value: unknown) => entitySchema.parse(jsonify(value));
  const accountJson = (value: unknown) => accountSchema.parse(jsonify(value));

  const tools = [
    defineTool({
      name: 'ledger_list_entities',
      title: 'List legal entities',
      description:
        'The legal entities of the studio (ventures and holding companies), each with its own chart of accounts and base currency.',
      permission: 'read',
      input: z.strictObject({}),
      output: z.object({ entities: z.array(entitySchema) }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async (_args, { orgId }) => ({
        entities: (await ledger.listEntities(orgId)).map(entityJson),
      }),
    }),
    defineTool({
      name: 'ledger_list_accounts',
      title: 'List the accounts of an entity',
      description:
        "An entity's accounts (its chart: 1xxx assets, 2xxx liabilities, 3xxx equity, 4xxx revenue, 5xxx-6xxx expenses) with their totals and balances, in minor units.",
      permission: 'read',
      input: z.strictObject({ entityId: uuid.describe('The entity id') }),
      output: z.object({ accounts: z.array(accountSchema) }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async ({ entityId }, { orgId }) => {
        await ledger.getEntity(orgId, entityId);
        return { accounts: (await ledger.listAccounts(orgId, { entityId })).map(accountJson) };
      },
    }),
    defineTool({
      name: 'ledger_get_account_balance',
      title: 'Account balance',
      description:
        "An account's posted balance on its normal side (debit for assets and expenses, credit for the rest) and its pending and posted totals, as strings of minor units of its currency.",
      permission: 'read',
      input: z.strictObject({ accountId: uuid.describe('The account id') }),
      output: balanceSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async ({ accountId }, { orgId }) =>
        balanceSchema.parse(accountJson(await ledger.getAccount(orgId, accountId))),
    }),
    defineTool({
      name: 'ledger_list_postings',
      title: 'Postings of an account',
      description:
        "An account's postings, oldest first, each with the account's totals after it. Page with `after` (the previous page's `nextAfter`).",
      permission: 'read',
      input: z.strictObject({
        accountId: uuid,
        after: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
      output: postingPageSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async ({ accountId, after, limit }, { orgId }) =>
        postingPageSchema.parse(
          jsonify(
            await ledger.listPostings(orgId, accountId, {
              limit,
              ...(after === undefined ? {} : { after }),
            }),
          ),
        ),
    }),
    defineTool({
      name: 'ledger_get_transfer',
      title: 'Get a transfer',
      description:
        'One transfer by id, applied or failed, with its status (`posted`, `pending`, `posted_pending`, `voided`, `expired`, `failed`) and result code.',
      permission: 'read',
      input: z.strictObject({ id: uuid.describe('The transfer id') }),
      output: z.object({ transfer: transferSchema }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async ({ id }, { orgId }) => ({
        transfer: transferSchema.parse(jsonify(await ledger.getTransfer(orgId, id))),
      }),
    }),
    defineTool({
      name: 'ledger_create_transfers',
      title: 'Book transfers',
      description:
        'Applies a batch of double-entry transfers (debit one account, credit another of the same entity, same currency, amount in minor units as a string). ' +
        'Each transfer `id` is a UUID you choose and keep: it is the idempotency key, so sending the same batch again applies nothing twice. ' +
        'Answers one result per transfer, in order: `ok`, `exists`, or why it was refused (e.g. `exceeds_credits` when cash would go negative). ' +
        '`linked: true` ties a transfer to the next one (all or nothing); `kind: "pending"` reserves, then `post_pending` or `void_pending` with `pendingId` settles. ' +
        'A batch cannot wait for approval: when an approval policy catches any of its transfers the whole batch is refused (`ledger_approval_required`, naming them); book those with `ledger_create_transfer`.',
      permission: 'write',
      input: z.strictObject({
        transfers: z.array(transferInputSchema).min(1).max(MAX_BATCH),
      }),
      output: transferResultsSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
      run: async ({ transfers }, { orgId }) => ({
        results: await ledger.submitTransfers(orgId, transfers.map(fromTransferJson)),
      }),
    }),
    defineTool({
      name: 'ledger_list_transfers',
      title: 'List transfers',
      description:
        'Transfers by accounting (effective) date, oldest first, a page at a time: of one account (`accountId`, debited or credited), of one entity (`entityId`), between two days (`from`, `to`: inclusive UTC days). Pass `next` as `after` for the next page.',
      permission: 'read',
      input: z.strictObject({
        accountId: uuid.optional(),
        entityId: uuid.optional(),
        from: z.iso.date().optional(),
        to: z.iso.date().optional(),
        failed: z.boolean().optional().describe('Include failed transfers'),
        after: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(1000).default(100),
      }),
      output: journalPageSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async ({ after, failed, ...filter }, { orgId }) => {
        const page = await ledger.listTransfers(orgId, {
          ...filter,
          ...(after === undefined ? {} : { after }),
          ...(failed === undefined ? {} : { failed }),
        });
        return {
          transfers: page.transfers.map((t) => transferSchema.parse(jsonify(t))),
          next: page.next,
        };
      },
    }),
    defineTool({
      name: 'ledger_revalue',
      title: 'Revalue foreign-currency balances',
      description:
        "Re-measures an entity's assets and liabilities held in another currency than its base currency at the closing rate of `on` (default today) and posts each difference to 6900 (foreign exchange gain/loss) as an ordinary transfer. Running it again for the same day posts nothing new. Amounts in minor units as strings.",
      permission: 'write',
      input: z.strictObject({
        entityId: uuid.describe('The entity to revalue'),
        on: z.iso.date().optional().describe('The closing day (UTC; default today)'),
      }),
      output: revaluationSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
      run: async ({ entityId, on }, { orgId }) =>
        revaluationJson(await ledger.revalue(orgId, entityId, on === undefined ? {} : { on })),
    }),
    defineTool({
      name: 'ledger_create_transfer',
      title: 'Book one transfer',
      description:
        'Books one double-entry transfer and answers it as stored (with its effective date). Unlike the batch tool, a transfer that is not applied is an error naming why: bad input (zero amount, the same account twice, unknown currency, accounts of another entity or organisation), an id sent before with other fields, or the ledger refusing it (limits, closed account or period). Refused input does not use up the id: send the corrected transfer with the same id. ' +
        'When an approval policy catches it, it does not post: `result` is `awaiting_approval` with the `request`, and it posts under the same id once people approve it (`ledger_list_transfer_requests` says where it stands).',
      permission: 'write',
      input: transferInputSchema.omit({ linked: true }),
      output: submittedTransferSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
      run: async (input, { orgId, principal }) =>
        submittedJson(
          await ledger.submitTransfer(orgId, fromTransferJson(input), approvalActor(principal)),
        ),
    }),
    defineTool({
      name: 'ledger_list_transfer_requests',
      title: 'List transfers waiting for approval',
      description:
        'Transfers that approval policies caught, oldest first: `awaiting_approval` (the default), `posted` once approved (under the same id), or `rejected` (with the reason). People approve them in the dashboard or with `iza ledger approvals`; API keys cannot.',
      permission: 'read',
      input: z.strictObject({
        status: z.enum(TRANSFER_REQUEST_STATUSES).default('awaiting_approval'),
        entityId: uuid.optional(),
        after: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
      output: transferRequestPageSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async ({ after, entityId, ...filter }, { orgId }) => {
        const page = await ledger.listTransferRequests(orgId, {
          ...filter,
          ...(after === undefined ? {} : { after }),
          ...(entityId === undefined ? {} : { entityId }),
        });
        return { requests: page.requests.map(transferRequestJson), next: page.next };
      },
    }),
    defineTool({
      name: 'ledger_reverse_transfer',
      title: 'Reverse a transfer',
      description:
        'Corrects a posted transfer by booking its opposite under a new id you choose (`reversalId`, the idempotency key). History is never edited; a transfer is reversed at most once. ' +
        'When an approval policy catches the reversal (it moves the amount back), it does not post: `result` is `awaiting_approval` with the `request`, and it posts under `reversalId` once people approve it.',
      permission: 'write',
      input: z.strictObject({
        id: uuid.describe('The transfer to reverse'),
        reversalId: uuid.describe('The id of the reversing transfer (choose a new UUID)'),
        description: z.string().max(500).optional(),
        effectiveAt: z.iso
          .datetime({ offset: true })
          .optional()
          .describe('When the reversal counts in the books (default: now)'),
      }),
      output: submittedTransferSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
      run: async ({ id, reversalId, description, effectiveAt }, { orgId, principal }) =>
        submittedJson(
          await ledger.submitReversal(
            orgId,
            id,
            reversalId,
            {
              ...(description === undefined ? {} : { description }),
              ...(effectiveAt === undefined ? {} : { effectiveAt: new Date(effectiveAt) }),
            },
            approvalActor(principal),
          ),
        ),
    }),
  ];

  const resources: McpResourceTemplate[] = [
    {
      name: 'ledger-entity',
      title: 'Legal entity',
      description: 'A legal entity with its accounts and their balances',
      uriTemplate: 'iza://ledger/entities/{id}',
      permission: 'read',
      list: async ({ orgId }) =>
        (await ledger.listEntities(orgId)).map((e) => ({
          uri: entity(e.id),
          name: `${e.code} ${e.name}`,
          title: `${e.name} (${e.kind}, ${e.baseCurrency})`,
        })),
      read: async ({ id }, { orgId }) => {
        const found = await ledger.getEntity(orgId, id ?? '');
        const accounts = await ledger.listAccounts(orgId, { entityId: found.id });
        return {
          ...entityJson(found),
          uri: entity(found.id),
          accounts: accounts.map((a) => ({ ...accountJson(a), uri: account(a.id) })),
        };
      },
    },
    {
      name: 'ledger-account',
      title: 'Account',
      description: 'An account with its totals and balance (minor units)',
      uriTemplate: 'iza://ledger/accounts/{id}',
      permission: 'read',
      read: async ({ id }, { orgId }) => {
        const found = await ledger.getAccount(orgId, id ?? '');
        return { ...accountJson(found), uri: account(found.id), entity: entity(found.entityId) };
      },
    },
  ];

  return { module: 'ledger', tools, resources, prompts: ledgerPrompts(ledger) };
}

function fromTransferJson(t: TransferInputJson): TransferInput {
  const { amount, effectiveAt, ...rest } = t;
  return {
    ...rest,
    ...(amount === undefined ? {} : { amount: BigInt(amount) }),
    ...(effectiveAt === undefined ? {} : { effectiveAt: new Date(effectiveAt) }),
  };
}

/**
 * A domain value as JSON data: dates as ISO strings, bigints (money) as decimal strings. The
 * ledger's own zod schemas then pick the fields its API shows.
 */
export function jsonify(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonify);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonify(v)]));
  }
  return value;
}
