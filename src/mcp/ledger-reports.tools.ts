import { z } from 'zod';
import {
  REPORT_DETAILS,
  REPORT_KINDS,
  REPORT_SCHEMAS,
  currencyCode,
  approvalActor,
  fromIntercompanyJson,
  fxRateAppliedJson,
  fxRateAppliedSchema,
  intercompanyTransferSchema,
  reportJson,
  withDetail,
  type LedgerService,
  type ReportsService,
  submittedIntercompanyJson,
  submittedIntercompanySchema,
} from '../ledger/index.ts';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import { defineTool, type McpResourceTemplate, type McpToolset } from './mcp.tools.ts';

/**
 * The ledger's statements, exchange rates and intercompany transfers over MCP, with the shapes
 * and permissions of `/api/v1/ledger/reports/`, `/fx-rates/lookup` and `/intercompany-transfers`.
 */

const day = z.iso.date();
const currency = currencyCode;

export function ledgerReportsToolset(ledger: LedgerService, reports: ReportsService): McpToolset {
  const tools = [
    defineTool({
      name: 'ledger_report',
      title: 'Financial statement',
      description:
        'A trial balance, balance sheet, profit and loss or cash flow (direct method) of an entity, or consolidated over the entity and its descendants (translated into one currency, intercompany balances eliminated, each elimination shown). Days are UTC and inclusive; amounts are strings of minor units of the report currency.',
      permission: 'read',
      input: z.strictObject({
        statement: z.enum(REPORT_KINDS),
        entityId: z.uuid().describe('The entity (the root of the tree when consolidated)'),
        consolidated: z.boolean().optional(),
        from: day.optional().describe('First day (profit and loss, cash flow, trial balance)'),
        to: day.optional().describe('Last day, inclusive'),
        asOf: day.optional().describe('The day of a balance sheet or trial balance'),
        currency: currency.optional().describe("Default: the entity's base currency"),
        detail: z
          .enum(REPORT_DETAILS)
          .optional()
          .describe(
            "full (default) or summary: the figures only, without the entity list, per-entity rates, lines' account ids and elimination entries (a tenth of a large consolidation)",
          ),
      }),
      output: z.object({
        statement: z.enum(REPORT_KINDS),
        report: z.union([
          REPORT_SCHEMAS['trial-balance'],
          REPORT_SCHEMAS['balance-sheet'],
          REPORT_SCHEMAS['profit-and-loss'],
          REPORT_SCHEMAS['cash-flow'],
        ]),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async ({ statement, ...query }, { orgId }) => ({
        statement,
        report: reportJson(withDetail(await reports.report(orgId, statement, query), query.detail)),
      }),
    }),
    defineTool({
      name: 'ledger_fx_rate',
      title: 'Exchange rate on a day',
      description:
        'The exchange rate in force on a day (the latest recorded on or before it, for the pair or its inverse), exactly as a decimal and as a fraction.',
      permission: 'read',
      input: z.strictObject({ base: currency, quote: currency, on: day }),
      output: fxRateAppliedSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async ({ base, quote, on }, { orgId }) =>
        fxRateAppliedJson(await ledger.lookupFxRate(orgId, base, quote, on), on),
    }),
    defineTool({
      name: 'ledger_intercompany_transfer',
      title: 'Intercompany loan or repayment',
      description:
        "Moves cash between two entities: a transfer in each entity's own base currency through their intercompany accounts, both or neither, the other side converted at the rate in force on the day. `id` is the idempotency key (a retry answers `exists`). `amount` is a string of minor units of `currency`. " +
        'When an approval policy catches either leg, neither posts: `result` is `awaiting_approval` with the `request` holding both, and they post together once people approve it.',
      permission: 'write',
      input: intercompanyTransferSchema,
      output: submittedIntercompanySchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
      run: async (args, { orgId, principal }) =>
        submittedIntercompanyJson(
          await ledger.submitIntercompanyTransfer(
            orgId,
            fromIntercompanyJson(args),
            approvalActor(principal),
          ),
        ),
    }),
  ];
  const resources: McpResourceTemplate[] = [
    {
      name: 'ledger-report',
      title: 'Financial statement',
      description:
        'A statement of an entity as of today (trial balance, balance sheet) or for this year to date (profit and loss, cash flow), in its base currency; `balance-sheet+consolidated` (any statement) for the entity and its descendants',
      uriTemplate: 'iza://ledger/reports/{statement}/{entityId}',
      permission: 'read',
      read: async ({ statement, entityId }, { orgId }) => {
        const [kind, scope] = (statement ?? '').split('+');
        const parsed = z.enum(REPORT_KINDS).safeParse(kind);
        if (!parsed.success || (scope !== undefined && scope !== 'consolidated')) {
          throw new UserError(
            ErrorCodes.notFound,
            `No statement "${statement}": one of ${REPORT_KINDS.join(', ')}, optionally followed by +consolidated`,
            { status: 404 },
          );
        }
        const report = await reports.report(orgId, parsed.data, {
          entityId: entityId ?? '',
          ...(scope ? { consolidated: true } : {}),
        });
        return reportJson(report);
      },
    },
  ];
  return { module: 'ledger-reports', tools, resources, prompts: [] };
}
