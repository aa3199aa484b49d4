import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import { orgOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import {
  categoryCreateSchema,
  categorySchema,
  csvImportJsonSchema,
  csvImportQuery,
  csvImportResultSchema,
  demoResetSchema,
  healthQuery,
  healthSchema,
  kpiBatchSchema,
  kpiPostResultSchema,
  metricCreateSchema,
  metricSchema,
  overviewQuery,
  overviewSchema,
  rollupHistoryQuery,
  rollupHistorySchema,
  rollupQuery,
  rollupSchema,
  savedViewCreateSchema,
  savedViewParams,
  savedViewSchema,
  seriesQuery,
  seriesSchema,
  ventureCreateSchema,
  ventureJson,
  venturePageSchema,
  ventureRefParams,
  ventureSchema,
  ventureListQuery,
  ventureUpdateSchema,
} from './portfolio.dto.ts';
import type { PortfolioService } from './portfolio.service.ts';
import type { Scope } from './portfolio.types.ts';

const BASE = '/api/v1/portfolio';
const tags = ['portfolio'];
/** A year of KPIs for a few hundred ventures as CSV is a few MB. */
const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;

/** The caller's organisation and, for an API key limited to some ventures, those ventures. */
export function scopeOf(request: FastifyRequest): Scope {
  return { orgId: orgOf(request), ventureIds: request.principal?.ventureIds ?? null };
}

/**
 * The portfolio's HTTP API under `/api/v1/portfolio/`: ventures, categories, metrics, KPI series
 * and CSV import, roll-ups and health. Every query is scoped to the caller's organisation and,
 * for an API key limited to some ventures, to those ventures (others answer 404; what would act
 * beyond them answers 403 `venture_scope`). So every route here declares `ventureScope`, which
 * lets such keys call it; they may call no route that does not (`server/access.ts`).
 */
export function registerPortfolioRoutes(app: FastifyInstance, portfolio: PortfolioService): void {
  registerVentureRoutes(app, portfolio);
  registerDefinitionRoutes(app, portfolio);
  registerKpiRoutes(app, portfolio);
  registerViewRoutes(app, portfolio);
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/rollups`,
      access: 'read',
      ventureScope: true,
      tags,
      summary: 'Business Performance Grid: roll-ups per category and for the portfolio',
      description:
        'For one month against the month before: ventures by stage, revenue and MRR summed per currency (never mixed), customers, average churn (basis points) and growth (basis points). Archived ventures are left out.',
      query: rollupQuery,
      response: rollupSchema,
    },
    async ({ request, query }) => portfolio.rollup(scopeOf(request), query),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/overview`,
      access: 'read',
      ventureScope: true,
      tags,
      summary: 'Home: the portfolio in one reporting currency, what moved and what needs attention',
      description:
        'For one month (default: the latest complete one) in one reporting currency: MRR, revenue and customers with their last 12 months (each converted at its month-end ledger rate) and like-for-like growth at constant rates; categories with their MRR share; the five biggest MRR rises and falls; and the ventures that need attention (health under 50, MRR down 10 % or more, no KPI for 35 days). Currencies without a rate are left out and listed in `unconverted`.',
      query: overviewQuery,
      response: overviewSchema,
    },
    async ({ request, query }) => portfolio.overview(scopeOf(request), query),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/rollups/history`,
      access: 'read',
      ventureScope: true,
      tags,
      summary: 'The portfolio month by month: revenue, MRR and customers',
      description:
        'Per month (default the 12 ending with the latest month with KPIs): revenue summed over the month, MRR and customers as each venture’s last value of that month, money per currency in minor units, and how many ventures reported.',
      query: rollupHistoryQuery,
      response: rollupHistorySchema,
    },
    async ({ request, query }) => portfolio.rollupHistory(scopeOf(request), query),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/demo/reset`,
      access: 'delete',
      ventureScope: true,
      tags,
      summary: 'Deletes the demo ventures (flag `demo`) and their KPIs',
      description:
        'What `iza demo --reset` calls. Ledger entities stay: the books are append-only.',
      response: demoResetSchema,
    },
    async ({ request }) => ({ ventures: await portfolio.deleteDemoVentures(scopeOf(request)) }),
  );
}

function registerVentureRoutes(app: FastifyInstance, portfolio: PortfolioService): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/ventures`,
      access: 'read',
      ventureScope: true,
      tags,
      summary: 'Ventures, filtered, sorted and paged, with their figures',
      description:
        'Pass the `nextCursor` of a page as `cursor` for the next one (same filters and sort). `total` counts every match. Each venture carries its `figures` for the month (default: the latest complete one): MRR in its currency and in the reporting currency (`currency`, converted at the ledger rate in force at the month end), its like-for-like change, health score and latest KPI day; `sort` takes `mrr`, `change`, `health` and `lastKpi` as well as the columns.',
      query: ventureListQuery,
      response: venturePageSchema,
    },
    async ({ request, query }) => {
      const page = await portfolio.listVentures(scopeOf(request), query);
      return {
        ...page,
        ventures: page.ventures.map((v) => ({
          ...ventureJson(v),
          figures: v.figures,
          ownerName: v.ownerName,
        })),
      };
    },
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/ventures`,
      access: 'write',
      ventureScope: true,
      tags,
      summary: 'Creates a venture',
      body: ventureCreateSchema,
      response: ventureSchema,
      status: 201,
    },
    async ({ request, body }) => ventureJson(await portfolio.createVenture(scopeOf(request), body)),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/ventures/:ref`,
      access: 'read',
      ventureScope: true,
      tags,
      summary: 'One venture, by id or slug',
      params: ventureRefParams,
      response: ventureSchema,
    },
    async ({ request, params }) =>
      ventureJson(await portfolio.getVenture(scopeOf(request), params.ref)),
  );
  addRoute(
    app,
    {
      method: 'PATCH',
      url: `${BASE}/ventures/:ref`,
      access: 'write',
      ventureScope: true,
      tags,
      summary: 'Changes a venture (the fields given)',
      params: ventureRefParams,
      body: ventureUpdateSchema,
      response: ventureSchema,
    },
    async ({ request, params, body }) =>
      ventureJson(await portfolio.updateVenture(scopeOf(request), params.ref, body)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/ventures/:ref/archive`,
      access: 'delete',
      ventureScope: true,
      tags,
      summary: 'Archives a venture: it leaves lists and roll-ups; its KPIs stay',
      params: ventureRefParams,
      response: ventureSchema,
    },
    async ({ request, params }) =>
      ventureJson(await portfolio.archiveVenture(scopeOf(request), params.ref)),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/ventures/:ref/kpis`,
      access: 'read',
      ventureScope: true,
      tags,
      summary: "A venture's KPI series, oldest first",
      params: ventureRefParams,
      query: seriesQuery,
      response: seriesSchema,
    },
    async ({ request, params, query }) =>
      portfolio.series(scopeOf(request), params.ref, {
        ...(query.metrics ? { metrics: query.metrics.split(',').map((m) => m.trim()) } : {}),
        from: query.from,
        to: query.to,
      }),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/ventures/:ref/health`,
      access: 'read',
      ventureScope: true,
      tags,
      summary: "A venture's health score (0-100) with the points and reason of each component",
      params: ventureRefParams,
      query: healthQuery,
      response: healthSchema,
    },
    async ({ request, params, query }) =>
      portfolio.health(scopeOf(request), params.ref, query.asOf ? { asOf: query.asOf } : {}),
  );
}

function registerDefinitionRoutes(app: FastifyInstance, portfolio: PortfolioService): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/categories`,
      access: 'read',
      ventureScope: true,
      tags,
      summary: 'The six built-in categories and the organisation’s own',
      response: z.array(categorySchema),
    },
    async ({ request }) => portfolio.listCategories(scopeOf(request)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/categories`,
      access: 'write',
      ventureScope: true,
      tags,
      summary: 'Adds a category of the organisation’s own',
      body: categoryCreateSchema,
      response: categorySchema,
      status: 201,
    },
    async ({ request, body }) => portfolio.createCategory(scopeOf(request), body),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/metrics`,
      access: 'read',
      ventureScope: true,
      tags,
      summary: 'The built-in KPI metrics and the organisation’s own, with their units',
      response: z.array(metricSchema),
    },
    async ({ request }) => portfolio.listMetrics(scopeOf(request)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/metrics`,
      access: 'write',
      ventureScope: true,
      tags,
      summary: 'Defines a KPI metric of the organisation’s own',
      body: metricCreateSchema,
      response: metricSchema,
      status: 201,
    },
    async ({ request, body }) => portfolio.defineMetric(scopeOf(request), body),
  );
}

function registerKpiRoutes(app: FastifyInstance, portfolio: PortfolioService): void {
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/kpis`,
      access: 'write',
      ventureScope: true,
      tags,
      summary: 'Stores a batch of KPI values (upsert by venture, metric and day)',
      description:
        'All or nothing: an invalid item refuses the batch, with every problem in `error.details`. Values are in the stored unit (minor units, basis points). Publishes `portfolio.kpi.posted` per venture.',
      body: kpiBatchSchema,
      response: kpiPostResultSchema,
      bodyLimit: 4 * 1024 * 1024,
    },
    async ({ request, body }) => portfolio.postKpis(scopeOf(request), body.kpis),
  );
  // Its own plugin: the text/csv body parser stays with this route.
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      ['text/csv', 'text/plain'],
      { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    addRoute(
      scope,
      {
        method: 'POST',
        url: `${BASE}/kpis/import`,
        access: 'write',
        ventureScope: true,
        tags,
        summary: 'Imports KPIs from CSV (venture, metric, date, value[, currency])',
        description:
          'Send the CSV as a `text/csv` body (dry run: `?dryRun=true`), or JSON `{ csv, dryRun }`. Values as people write them: money in major units, percentages in percent. Every valid row is written in one transaction; each invalid one is reported with its line, column and reason.',
        body: z.union([z.string(), csvImportJsonSchema]),
        query: csvImportQuery,
        response: csvImportResultSchema,
        bodyLimit: IMPORT_BODY_LIMIT,
      },
      async ({ request, body, query }) => {
        const csv = typeof body === 'string' ? body : body.csv;
        const dryRun = (typeof body === 'string' ? undefined : body.dryRun) ?? query.dryRun;
        if (csv.trim() === '') {
          throw new UserError(ErrorCodes.validationFailed, 'The CSV is empty');
        }
        return portfolio.importCsv(scopeOf(request), csv, { dryRun: dryRun ?? false });
      },
    );
  });
}

/** The person behind a request: saved views belong to people, not to keys or the local token. */
function personOf(request: FastifyRequest): { userId: string; isAdmin: boolean } {
  const principal = request.principal;
  if (principal?.kind !== 'user' || !principal.userId) {
    throw new UserError('person_required', 'Saved views belong to people: sign in to use them', {
      status: 403,
    });
  }
  return { userId: principal.userId, isAdmin: principal.role === 'admin' };
}

function registerViewRoutes(app: FastifyInstance, portfolio: PortfolioService): void {
  const json = (v: Awaited<ReturnType<PortfolioService['saveView']>>) => ({
    ...v,
    createdAt: v.createdAt.toISOString(),
  });
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/views`,
      access: 'read',
      tags,
      summary: 'Your saved views of the ventures list, and those shared in the organisation',
      response: z.array(savedViewSchema),
    },
    async ({ request }) =>
      (await portfolio.listViews(scopeOf(request), personOf(request).userId)).map(json),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/views`,
      access: 'read',
      tags,
      summary: 'Saves a view of the ventures list (a view of the same name of yours is replaced)',
      description:
        'Saving a view changes only your own preferences, so every role may. The query keeps only the keys the list understands; an invalid value is refused naming its key.',
      body: savedViewCreateSchema,
      response: savedViewSchema,
      status: 201,
    },
    async ({ request, body }) =>
      json(await portfolio.saveView(scopeOf(request), personOf(request).userId, body)),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: `${BASE}/views/:id`,
      access: 'read',
      tags,
      summary: 'Deletes one of your views (administrators: any shared view)',
      params: savedViewParams,
      response: z.object({ deleted: z.literal(true) }),
    },
    async ({ request, params }) => {
      const person = personOf(request);
      await portfolio.deleteView(scopeOf(request), person.userId, person.isAdmin, params.id);
      return { deleted: true as const };
    },
  );
}
