import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { newId } from '../kernel/index.ts';
import { orgOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import {
  executionDetailSchema,
  executionListQuery,
  executionPageSchema,
  idParams,
  importBodySchema,
  importReportSchema,
  runBodySchema,
  runResultSchema,
  versionListSchema,
  versionParams,
  workflowBodySchema,
  workflowDetailSchema,
  workflowListQuery,
  workflowPageSchema,
  workflowSummarySchema,
} from './workflows.dto.ts';
import type { WorkflowRunner } from './workflows.runner.ts';
import {
  executionJson,
  workflowOf,
  workflowView,
  type WorkflowRow,
  type WorkflowsService,
} from './workflows.service.ts';
import { exportWorkflow } from './model/export.ts';

const BASE = '/api/v1/workflows';
const tags = ['workflows'];
const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

/**
 * The workflows API: CRUD on n8n-format workflows with versions, import (one or many files,
 * with a per-file report), export, activation, manual runs and executions with per-node data.
 */
export function registerWorkflowRoutes(
  app: FastifyInstance,
  service: WorkflowsService,
  runner: WorkflowRunner,
  options: { runWaitMs: number; webhookUrl: string | undefined },
): void {
  /** Shows a workflow with its webhooks' URLs under the configured base or the request's. */
  const view = async (request: FastifyRequest, rows: WorkflowRow[]) => {
    const urls = {
      base: options.webhookUrl ?? `${request.protocol}://${request.host}`,
      orgSlug: await service.orgSlug(orgOf(request)),
    };
    return rows.map((row) => workflowView(row, urls));
  };
  const one = async (request: FastifyRequest, row: WorkflowRow) => (await view(request, [row]))[0]!;
  addRoute(
    app,
    {
      method: 'GET',
      url: BASE,
      access: 'read',
      tags,
      summary: 'Workflows of the organisation',
      query: workflowListQuery,
      response: workflowPageSchema,
    },
    async ({ request, query }) => {
      const page = await service.list(orgOf(request), {
        limit: query.limit,
        offset: query.offset,
        active: query.active === undefined ? undefined : query.active === 'true',
        search: query.search,
      });
      return { total: page.total, workflows: await view(request, page.workflows) };
    },
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: BASE,
      access: 'write',
      tags,
      summary: 'Creates a workflow from one n8n workflow JSON',
      description:
        'Refused (400, with the importer’s code and reason) when the JSON is not a workflow. A workflow with node types IZA OS cannot run is saved and lists them in `unsupported`; it cannot be activated.',
      body: workflowBodySchema,
      response: workflowDetailSchema,
      status: 201,
      bodyLimit: IMPORT_BODY_LIMIT,
    },
    async ({ request, body }) => {
      const { row } = await service.create(orgOf(request), body);
      return { ...(await one(request, row)), definition: exportWorkflow(workflowOf(row)) };
    },
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/import`,
      access: 'write',
      tags,
      summary: 'Imports many n8n workflow files in one call, with a report per file',
      description:
        'Each file is imported, imported with unsupported node types, or refused with a reason; a refused file does not stop the others.',
      body: importBodySchema,
      response: importReportSchema,
      bodyLimit: IMPORT_BODY_LIMIT,
    },
    async ({ request, body }) => {
      const files = await service.importMany(orgOf(request), body.files);
      const count = (s: string) => files.filter((f) => f.status === s).length;
      return {
        imported: count('imported'),
        importedUnsupported: count('imported_unsupported'),
        refused: count('refused'),
        files,
      };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/:id`,
      access: 'read',
      tags,
      summary: 'One workflow with its n8n definition',
      params: idParams,
      response: workflowDetailSchema,
    },
    async ({ request, params }) => {
      const row = await service.get(orgOf(request), params.id);
      return { ...(await one(request, row)), definition: exportWorkflow(workflowOf(row)) };
    },
  );
  addRoute(
    app,
    {
      method: 'PUT',
      url: `${BASE}/:id`,
      access: 'write',
      tags,
      summary: 'Saves a new definition (a new version)',
      params: idParams,
      body: workflowBodySchema,
      response: workflowDetailSchema,
      bodyLimit: IMPORT_BODY_LIMIT,
    },
    async ({ request, params, body }) => {
      const row = await service.update(orgOf(request), params.id, body);
      return { ...(await one(request, row)), definition: exportWorkflow(workflowOf(row)) };
    },
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: `${BASE}/:id`,
      access: 'delete',
      tags,
      summary: 'Deletes a workflow, its versions and executions',
      params: idParams,
      response: z.object({ deleted: z.literal(true) }),
    },
    async ({ request, params }) => {
      await service.remove(orgOf(request), params.id);
      return { deleted: true as const };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/:id/export`,
      access: 'read',
      tags,
      summary: 'The workflow as n8n JSON (for `n8n import:workflow`)',
      params: idParams,
      response: z.record(z.string(), z.unknown()),
    },
    async ({ request, params }) => service.exportJson(orgOf(request), params.id),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/:id/versions`,
      access: 'read',
      tags,
      summary: 'Every saved version, newest first',
      params: idParams,
      response: versionListSchema,
    },
    async ({ request, params }) => ({
      versions: await service.versions(orgOf(request), params.id),
    }),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/:id/versions/:version`,
      access: 'read',
      tags,
      summary: 'One saved version as n8n JSON',
      params: versionParams,
      response: z.record(z.string(), z.unknown()),
    },
    async ({ request, params }) => service.version(orgOf(request), params.id, params.version),
  );
  for (const [verb, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    addRoute(
      app,
      {
        method: 'POST',
        url: `${BASE}/:id/${verb}`,
        access: 'write',
        tags,
        summary: active
          ? 'Activates a workflow: its webhooks answer on /o/<org>/webhook/<path>, its schedules fire'
          : 'Deactivates a workflow',
        ...(active
          ? {
              description:
                'Refused (409) with the list of unsupported node types when the workflow has any, when a trigger expects authentication (credentials are not supported yet), when it uses a node an administrator has not turned on (Execute Command: `IZA_WORKFLOWS_EXECUTE_COMMAND`), or when another active workflow of the organisation has a webhook on the same method and path.',
            }
          : {}),
        params: idParams,
        response: workflowSummarySchema,
      },
      async ({ request, params }) =>
        one(request, await service.setActive(orgOf(request), params.id, active)),
    );
  }
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/:id/run`,
      access: 'write',
      tags,
      summary: 'Runs a workflow now (manual mode) and waits for the result up to a limit',
      description:
        'Answers with the finished execution, or with `finished: false` when the wait limit passed first (the execution goes on; read it under /executions).',
      params: idParams,
      body: runBodySchema,
      response: runResultSchema,
    },
    async ({ request, params, body }) => {
      const row = await service.get(orgOf(request), params.id);
      const executionId = newId();
      const startedAt = new Date();
      const running = runner.execute({
        row,
        mode: 'manual',
        executionId,
        startedAt,
        ...(body.startNode ? { startNode: body.startNode } : {}),
        ...(body.items ? { triggerItems: body.items.map((json) => ({ json })) } : {}),
        checkpointAfterMs: 0,
      });
      // Past the wait limit the run goes on without a listener: never an unhandled rejection.
      running.catch((error: unknown) => request.log.error({ err: error }, 'manual run failed'));
      const waitMs = Math.min(body.waitMs ?? options.runWaitMs, options.runWaitMs);
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        running,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), waitMs);
        }),
      ]);
      clearTimeout(timer);
      const { row: execution } = await service.execution(orgOf(request), executionId);
      return {
        ...executionJson(execution),
        finished: outcome !== undefined && outcome.status !== 'waiting',
        ...(outcome ? { output: outcome.lastNodeOutput.map((i) => i.json) } : {}),
      };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/executions`,
      access: 'read',
      tags,
      summary: 'Executions, newest first, filtered by workflow, status, mode and time',
      query: executionListQuery,
      response: executionPageSchema,
    },
    async ({ request, query }) => {
      const page = await service.executions(orgOf(request), {
        workflowId: query.workflow,
        status: query.status,
        mode: query.mode,
        from: query.from,
        to: query.to,
        customData: parseCustomDataFilter(query.customData),
        limit: query.limit,
        offset: query.offset,
      });
      return { total: page.total, executions: page.executions.map(executionJson) };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/executions/:id`,
      access: 'read',
      tags,
      summary: 'One execution with each node’s runs (input and output, size-capped)',
      params: idParams,
      response: executionDetailSchema,
    },
    async ({ request, params }) => {
      const { row, nodes } = await service.execution(orgOf(request), params.id);
      return {
        ...executionJson(row),
        nodes: nodes.map((n) => ({
          node: n.node,
          runIndex: n.runIndex,
          status: n.status,
          startedAt: n.startedAt.toISOString(),
          executionMs: n.executionMs,
          items: n.items,
          input: n.input,
          output: n.output,
          error: n.error,
          truncated: n.truncated,
        })),
      };
    },
  );
}

/** `key` or `key:value` (keys hold no colon) as the executions list filters on it. */
function parseCustomDataFilter(text: string | undefined) {
  if (text === undefined) return undefined;
  const colon = text.indexOf(':');
  return colon < 0 ? { key: text } : { key: text.slice(0, colon), value: text.slice(colon + 1) };
}
