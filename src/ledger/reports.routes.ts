import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { orgOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import { idParams } from './ledger.dto.ts';
import {
  REPORT_SCHEMAS,
  accountBalanceQuery,
  accountBalanceSchema,
  reportQuerySchema,
  reportJson,
} from './reports.dto.ts';
import type { ReportsService } from './reports.service.ts';
import { REPORT_KINDS, type ReportKind } from './reports.types.ts';

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
  'eliminated. Days are UTC and inclusive. A missing rate is `422 ledger_fx_rate_missing`, ' +
  'naming the pair and day. Amounts are strings of minor units. See the ledger README.';

/**
 * The statements under `/api/v1/ledger/reports/` (permission `read`, the caller's organisation)
 * and an account's balance at a point in time.
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
      async ({ request, query }) => reportJson(await reports.report(orgOf(request), kind, query)),
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
