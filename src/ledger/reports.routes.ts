import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { orgOf } from '../server/access.ts';
import { addRoute, kept } from '../server/route.ts';
import { idParams } from './ledger.dto.ts';
import {
  COMPARATIVE_SCHEMAS,
  REPORT_SCHEMAS,
  accountBalanceQuery,
  comparativeQuerySchema,
  accountBalanceSchema,
  reportQuerySchema,
  reportJson,
} from './reports.dto.ts';
import type { ReportsService } from './reports.service.ts';
import { withDetail } from './reports.summary.ts';
import {
  COMPARATIVE_KINDS,
  MAX_PERIODS,
  REPORT_KINDS,
  type ComparativeKind,
  type ReportKind,
} from './reports.types.ts';

const BASE = '/api/v1/ledger';
const tags = ['ledger'];

const SUMMARIES: Record<ReportKind, string> = {
  'trial-balance': 'Trial balance: every account with opening, debits, credits and closing',
  'balance-sheet': 'Balance sheet as of a day: assets = liabilities + equity',
  'profit-and-loss': 'Profit and loss over a range: revenue and expenses by account',
  'cash-flow': 'Cash flow over a range (direct method): operating, investing, financing',
};

const DESCRIPTION =
  'Per entity, or `consolidated=true` over the entity and its descendants: translated into ' +
  "`currency` (default: the entity's base currency) with the recorded rates (balances at the " +
  'closing rate, movements at each day\'s rate; differences on the "Currency translation ' +
  'differences" equity line) and intercompany balances between entities of the tree ' +
  'eliminated. Days are UTC and inclusive. `detail=summary` gives the figures only (no entity ' +
  "list, per-entity rates, lines' account ids or elimination entries): about a tenth of the " +
  'answer for a consolidation of many entities. A missing rate is `422 ledger_fx_rate_missing`, ' +
  'naming the pair and day. Amounts are strings of minor units. See the ledger README.';

const COMPARATIVE_SUMMARIES: Record<ComparativeKind, string> = {
  'balance-sheet': 'Balance sheets as of the end of each of the last months, quarters or years',
  'profit-and-loss':
    'Profit and loss for each of the last months, quarters or years, and their total',
  'cash-flow': 'Cash flow for each of the last months, quarters or years, and their total',
};

const COMPARATIVE_DESCRIPTION =
  `The statement for each of the last \`count\` (1 to ${MAX_PERIODS}, default 3) calendar ` +
  '`period`s (`month`, `quarter` from January/April/July/October, `year`) up to `to` (default ' +
  'today), oldest first: the last period is the one holding `to` and ends on it (`partial` ' +
  'when that is before its calendar end). Each column equals the one-period statement of its ' +
  'dates (a balance sheet as of its last day); `total` is the flow statement over the whole ' +
  'span (null for the balance sheet). One read-only snapshot for every column. The header ' +
  '(entity, entities, currency, rates) is given once; `rates` lists every rate a column used. ' +
  'Consolidation, currency, `detail` and errors as for the one-period statements. See the ' +
  'ledger README.';

/**
 * The statements under `/api/v1/ledger/reports/` (permission `read`, the caller's organisation),
 * one period or several side by side (`<kind>/periods`), and an account's balance at a point in
 * time.
 */
export function registerLedgerReportRoutes(app: FastifyInstance, reports: ReportsService): void {
  for (const kind of REPORT_KINDS) {
    const response: z.ZodType = REPORT_SCHEMAS[kind];
    addRoute(
      app,
      {
        method: 'GET',
        url: `${BASE}/reports/${kind}`,
        access: 'read',
        tags,
        summary: SUMMARIES[kind],
        description: DESCRIPTION,
        query: reportQuerySchema,
        response,
      },
      // Kept by the service until the ledger changes: serialized once (1-2 MB consolidated in
      // full, a tenth of that summarized).
      async ({ request, query }) =>
        kept(
          withDetail(await reports.report(orgOf(request), kind, query), query.detail),
          reportJson,
        ),
    );
  }
  for (const kind of COMPARATIVE_KINDS) {
    const response: z.ZodType = COMPARATIVE_SCHEMAS[kind];
    addRoute(
      app,
      {
        method: 'GET',
        url: `${BASE}/reports/${kind}/periods`,
        access: 'read',
        tags,
        summary: COMPARATIVE_SUMMARIES[kind],
        description: COMPARATIVE_DESCRIPTION,
        query: comparativeQuerySchema,
        response,
      },
      async ({ request, query }) =>
        kept(
          withDetail(await reports.comparative(orgOf(request), kind, query), query.detail),
          reportJson,
        ),
    );
  }
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/accounts/:id/balance`,
      access: 'read',
      tags,
      summary: "An account's posted debits, credits and balance at a point in time or over a range",
      description:
        "By effective date, in the account's currency. `asOf`: a day (up to its end, UTC) or an " +
        'instant (inclusive); default now. Or `from` and `to` (days): the opening totals before ' +
        "`from`, the range's debits and credits, and the closing totals.",
      params: idParams,
      query: accountBalanceQuery,
      response: accountBalanceSchema,
    },
    async ({ request, params, query }) =>
      reportJson(await reports.accountBalance(orgOf(request), params.id, query)),
  );
}
