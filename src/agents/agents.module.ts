import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Access } from '../access/index.ts';
import { ErrorCodes, UserError, type Kernel } from '../kernel/index.ts';
import { portfolioServiceFor } from '../portfolio/index.ts';
import { createNodeRegistry, exportWorkflow } from '../workflows/index.ts';
import {
  createWorkflowsService,
  executionJson,
  workflowJson,
  workflowOf,
} from '../workflows/workflows.service.ts';
import { registerAgentRoutes } from './agents.routes.ts';
import { createAgentsService } from './agents.service.ts';
import { rowsOf } from './agents.store.ts';
import type { ProviderFetch } from './agents.provider.ts';
import type { CodeHandler } from './agents.runtime.ts';

/**
 * The agents service wired to a kernel: audit, events, jobs, the vault's secrets for
 * connection keys, the portfolio and workflows for tools. `providerFetch` carries LLM provider
 * calls (default: global `fetch`); its `tenant` function is where an SSRF-guarded fetch goes.
 */
export function agentsServiceFor(
  kernel: Kernel,
  access: Access,
  options: {
    handlers?: Record<string, CodeHandler>;
    config?: Partial<Kernel['config']['agents']>;
    providerFetch?: Partial<ProviderFetch>;
  } = {},
) {
  const portfolio = portfolioServiceFor(kernel, access);
  // Read only: the agents' workflow tools never write, so no runner is needed here.
  const workflows = createWorkflowsService({
    db: kernel.db,
    clock: kernel.clock,
    audit: access.audit,
    events: kernel.events,
    registry: createNodeRegistry(),
  });
  return createAgentsService({
    db: kernel.db,
    clock: kernel.clock,
    log: kernel.log,
    audit: access.audit,
    events: kernel.events,
    jobs: kernel.jobs,
    config: { ...kernel.config.agents, ...options.config },
    outbound: kernel.config.outbound,
    embedded: kernel.database.kind !== 'postgres',
    secrets: access.secrets,
    ...(options.providerFetch ? { providerFetch: options.providerFetch } : {}),
    ...(options.handlers ? { handlers: options.handlers } : {}),
    tools: {
      listVentures: async (orgId, query) =>
        portfolio.listVentures(
          { orgId, ventureIds: null },
          { ...query, sort: 'name', order: 'asc' },
        ),
      getWorkflow: async (orgId, id) => {
        const row = await workflows.get(orgId, id).catch((error: unknown) => {
          if (error instanceof UserError && error.code === ErrorCodes.notFound) return undefined;
          throw error;
        });
        return row && { ...workflowJson(row), definition: exportWorkflow(workflowOf(row)) };
      },
      searchExecutions: async (orgId, query) => {
        const page = await workflows.executions(orgId, { ...query, offset: 0 });
        return { total: page.total, executions: page.executions.map(executionJson) };
      },
    },
    resolveOrganisation: async (ref) => {
      const result = {
        rows: await rowsOf<{ id: string; slug: string }>(
          kernel.db,
          sql`select id::text as id, slug from organisations order by slug`,
        ),
      };
      if (ref === undefined) return result.rows.length === 1 ? result.rows[0]!.id : undefined;
      return result.rows.find((r) => r.id === ref || r.slug === ref)?.id;
    },
  });
}

/**
 * The agents as `server/modules.ts` mounts them: routes, and in processes that work jobs the
 * task queue, heartbeat, recovery and the agents folder. Per-agent metrics join `/metrics`.
 */
export function createAgentsModule(
  context: { kernel: Kernel; access: Access },
  options: { handlers?: Record<string, CodeHandler>; providerFetch?: Partial<ProviderFetch> } = {},
) {
  const agents = agentsServiceFor(context.kernel, context.access, options);
  return {
    name: 'agents',
    agents,
    routes: (app: FastifyInstance) => {
      registerAgentRoutes(app, agents);
      const registry = (app as FastifyInstance & { metricsRegistry?: MetricsRegistry })
        .metricsRegistry;
      if (registry) for (const metric of agents.metrics.all) registry.registerMetric(metric);
    },
    queues: () => agents.start(),
  };
}
