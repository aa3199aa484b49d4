import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { orgOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import {
  agentInputSchema,
  agentMessageSchema,
  agentMetricsSchema,
  agentPatchSchema,
  agentSchema,
  correlationParams,
  decisionBody,
  idParams,
  refParams,
  taskDetailSchema,
  taskInputSchema,
  taskListQuery,
  taskSchema,
} from './agents.dto.ts';
import { registerConnectionRoutes } from './agents.connections.routes.ts';
import type { AgentsService } from './agents.service.ts';
import { taskJson } from './agents.store.ts';

const BASE = '/api/v1/agents';
const tags = ['agents'];

/**
 * The agents' HTTP API under `/api/v1/agents/`: the registry (`manage_bots` to change it),
 * tasks (dispatch with `write`, approvals with `manage_bots`), messages by correlation id and
 * metrics. Everything is scoped to the caller's organisation.
 */
export function registerAgentRoutes(app: FastifyInstance, agents: AgentsService): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: BASE,
      access: 'read',
      tags,
      summary: 'The agents of the organisation',
      response: z.array(agentSchema),
    },
    async ({ request }) => (await agents.listAgents(orgOf(request))).map(agents.agentJson),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: BASE,
      access: 'manage_bots',
      tags,
      summary: "Registers an agent (the customer's BotConfiguration and more)",
      description:
        "kind `llm` needs `llm` (provider `openai-compatible`, `anthropic` or `builtin`: the deterministic offline provider; `connection` names one of the organisation's provider connections; an agent's own `baseUrl` is called without a key; neither: the installation's endpoint), `code` a registered `handler`, `webhook` a `webhookUrl`. `timeout` is in milliseconds; budgets are integers (tokens; money in minor units with a currency).",
      body: agentInputSchema,
      response: agentSchema,
      status: 201,
    },
    async ({ request, body }) => agents.agentJson(await agents.createAgent(orgOf(request), body)),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/by/:ref`,
      access: 'read',
      tags,
      summary: 'One agent, by id or botId',
      params: refParams,
      response: agentSchema,
    },
    async ({ request, params }) =>
      agents.agentJson(await agents.getAgent(orgOf(request), params.ref)),
  );
  addRoute(
    app,
    {
      method: 'PATCH',
      url: `${BASE}/by/:ref`,
      access: 'manage_bots',
      tags,
      summary: 'Changes an agent (the fields given; the whole is validated again)',
      params: refParams,
      body: agentPatchSchema,
      response: agentSchema,
    },
    async ({ request, params, body }) =>
      agents.agentJson(await agents.updateAgent(orgOf(request), params.ref, body)),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: `${BASE}/by/:ref`,
      access: 'manage_bots',
      tags,
      summary: 'Removes an agent (its tasks and messages stay)',
      params: refParams,
      response: agentSchema,
    },
    async ({ request, params }) =>
      agents.agentJson(await agents.deleteAgent(orgOf(request), params.ref)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/by/:ref/health-check`,
      access: 'manage_bots',
      tags,
      summary: "Probes an agent's healthCheck now and answers the agent with the result",
      description:
        '`health.state` is `healthy` on a 2xx answer to a GET of the `healthCheck` URL within min(`timeout`, 5 s), `unhealthy` otherwise (`health.detail`: status, error or timeout, latency). An agent whose `healthCheck` is `none` is answered as it is (`unknown`).',
      params: refParams,
      response: agentSchema,
    },
    async ({ request, params }) =>
      agents.agentJson(await agents.checkHealth(orgOf(request), params.ref)),
  );
  registerTaskRoutes(app, agents);
  registerConnectionRoutes(app, agents);
}

function registerTaskRoutes(app: FastifyInstance, agents: AgentsService): void {
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/tasks`,
      access: 'write',
      tags,
      summary: 'Dispatches a task to the agents whose capabilities cover it',
      description:
        'Answers at once with the task: `running` when a local agent slot was free, `queued` otherwise, `waiting` (reason `approval`) when it needs a human approval, `failed` (reason `no_capable_agent`) when no agent can ever take it.',
      body: taskInputSchema,
      response: taskSchema,
      status: 201,
    },
    async ({ request, body }) => taskJson(await agents.dispatch(orgOf(request), body)),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/tasks`,
      access: 'read',
      tags,
      summary: 'Tasks, newest first',
      query: taskListQuery,
      response: z.array(taskSchema),
    },
    async ({ request, query }) => agents.listTasks(orgOf(request), query),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/tasks/:id`,
      access: 'read',
      tags,
      summary: 'One task with its log (attempts, retries, failovers, tool calls, streamed output)',
      params: idParams,
      response: taskDetailSchema,
    },
    async ({ request, params }) => agents.getTask(orgOf(request), params.id),
  );
  for (const [verb, summary, description] of [
    [
      'cancel',
      'Cancels a task that has not ended (a running one is aborted)',
      'Tasks waiting for an approval, of the task or of tool calls, can be cancelled too.',
    ],
    [
      'approve',
      'Approves a task waiting for approval: it is queued',
      'A task waiting for tool calls (reason `tool_approval`, `pendingToolCalls` in its JSON) is queued to resume: the approved calls run and the model goes on from where it stopped. `decisions` (`{ <toolCallId>: "approve" | "reject" }`) decides per call; calls not named are approved.',
    ],
    [
      'reject',
      'Rejects a task waiting for approval: it ends cancelled (reason `rejected`)',
      'A task waiting for tool calls (reason `tool_approval`) goes on instead: the model reads that a person rejected each call (with the `note`) and answers without it; `endTask: true` ends the task cancelled (reason `rejected`). `decisions` decides per call; calls not named are rejected.',
    ],
  ] as const) {
    addRoute(
      app,
      {
        method: 'POST',
        url: `${BASE}/tasks/:id/${verb}`,
        access: verb === 'cancel' ? 'write' : 'manage_bots',
        tags,
        summary,
        description,
        params: idParams,
        body: decisionBody,
        response: taskSchema,
      },
      async ({ request, params, body }) => {
        const orgId = orgOf(request);
        const row =
          verb === 'cancel'
            ? await agents.cancel(orgId, params.id)
            : verb === 'approve'
              ? await agents.approve(orgId, params.id, body.note, body)
              : await agents.reject(orgId, params.id, body.note, body);
        return taskJson(row);
      },
    );
  }
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/messages/:correlationId`,
      access: 'read',
      tags,
      summary: 'Every message (AgentMessage envelope) of a conversation, oldest first',
      params: correlationParams,
      response: z.array(agentMessageSchema),
    },
    async ({ request, params }) => agents.trace(orgOf(request), params.correlationId),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/metrics`,
      access: 'read',
      tags,
      summary:
        'Per agent: tasks by state, completion and error rates, latency, tokens, cost, breaker',
      description:
        "Latency is from the start of the first execution to the end, for succeeded tasks. Costs are millionths of a minor unit. Breaker and running counts are this process's view.",
      response: agentMetricsSchema,
    },
    async ({ request }) => agents.stats(orgOf(request)),
  );
}
