import { z } from 'zod';
import {
  MAX_KPI_BATCH,
  kpiInputSchema,
  kpiPostResultSchema,
  ventureCreateSchema,
  ventureJson,
  ventureListQuery,
  venturePageSchema,
  ventureSchema,
  type PortfolioService,
  type Scope,
} from '../portfolio/index.ts';
import {
  defineTool,
  type McpCallContext,
  type McpResourceTemplate,
  type McpToolset,
} from './mcp.tools.ts';

/**
 * The portfolio over MCP: the same calls, JSON and permissions as `/api/v1/portfolio/` (`read`
 * to look, `write` to change), and the same limit for API keys restricted to some ventures.
 */

const venture = (id: string) => `iza://portfolio/ventures/${id}`;
const scopeOf = ({ orgId, principal }: McpCallContext): Scope => ({
  orgId,
  ventureIds: principal.ventureIds,
});

export function portfolioToolset(portfolio: PortfolioService): McpToolset {
  const tools = [
    defineTool({
      name: 'portfolio_list_ventures',
      title: 'List ventures',
      description:
        'The ventures of the studio, filtered (category, stage, tag, search in name or slug) and sorted, a page at a time: pass `nextCursor` back as `cursor` for the next page.',
      permission: 'read',
      input: ventureListQuery
        .omit({ includeArchived: true, limit: true })
        .extend({
          includeArchived: z.boolean().optional(),
          limit: z.number().int().min(1).max(200).default(50),
        })
        .strict(),
      output: venturePageSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async (args, context) => {
        const page = await portfolio.listVentures(scopeOf(context), args);
        return { ...page, ventures: page.ventures.map(ventureJson) };
      },
    }),
    defineTool({
      name: 'portfolio_get_venture',
      title: 'Get a venture',
      description:
        'One venture by id or slug, with its latest health score (0-100) and the reason for each of its points.',
      permission: 'read',
      input: z.strictObject({ venture: z.string().min(1).max(80).describe('Id or slug') }),
      output: z.object({
        venture: ventureSchema,
        health: z.object({
          score: z.number().int(),
          asOf: z.string(),
          components: z.array(
            z.object({ key: z.string(), points: z.number(), max: z.number(), reason: z.string() }),
          ),
        }),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async ({ venture: ref }, context) => {
        const scope = scopeOf(context);
        const found = await portfolio.getVenture(scope, ref);
        const health = await portfolio.health(scope, found.id);
        return {
          venture: ventureJson(found),
          health: {
            score: health.score,
            asOf: health.asOf,
            components: health.components.map(({ key, points, max, reason }) => ({
              key,
              points,
              max,
              reason,
            })),
          },
        };
      },
    }),
    defineTool({
      name: 'portfolio_create_venture',
      title: 'Create a venture',
      description:
        'Adds a venture: a unique slug (a-z, 0-9, dashes), a name, a category (financial, ecommerce, technology, education, community, emerging, or one the studio added), and optionally a stage (idea by default), links, tags and owner.',
      permission: 'write',
      input: ventureCreateSchema.omit({ demo: true }),
      output: ventureSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      run: async (args, context) =>
        ventureJson(await portfolio.createVenture(scopeOf(context), args)),
    }),
    defineTool({
      name: 'portfolio_add_kpi',
      title: 'Record KPI values',
      description:
        'Stores KPI values of ventures (replacing the value of the same venture, metric and day). `value` is a string in the stored unit: money in minor units with `currency` (1250 EUR = 12.50 €), churn and other percentages in basis points (250 = 2.5 %), counts as whole numbers. `day` is YYYY-MM-DD, or YYYY-MM for a month. All or nothing.',
      permission: 'write',
      input: z.strictObject({ kpis: z.array(kpiInputSchema).min(1).max(MAX_KPI_BATCH) }),
      output: kpiPostResultSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
      run: async ({ kpis }, context) => portfolio.postKpis(scopeOf(context), kpis),
    }),
  ];

  const resources: McpResourceTemplate[] = [
    {
      name: 'portfolio-venture',
      title: 'Venture',
      description: 'A venture with its KPI series and its health score',
      uriTemplate: 'iza://portfolio/ventures/{id}',
      permission: 'read',
      list: async (context) => {
        const page = await portfolio.listVentures(scopeOf(context), { limit: 200 });
        return page.ventures.map((v) => ({
          uri: venture(v.id),
          name: v.slug,
          title: `${v.name} (${v.category}, ${v.stage})`,
        }));
      },
      read: async ({ id }, context) => {
        const scope = scopeOf(context);
        const found = await portfolio.getVenture(scope, id ?? '');
        const [series, health] = await Promise.all([
          portfolio.series(scope, found.id),
          portfolio.health(scope, found.id),
        ]);
        return { ...ventureJson(found), uri: venture(found.id), kpis: series.kpis, health };
      },
    },
  ];

  // Every portfolio tool and resource filters by, or refuses outside, the key's ventures.
  return { module: 'portfolio', ventureScoped: true, tools, resources };
}
