import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { orgOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import {
  connectionInputSchema,
  connectionPatchSchema,
  connectionSchema,
} from './agents.connections.dto.ts';
import { refParams } from './agents.dto.ts';
import type { AgentsService } from './agents.service.ts';

const BASE = '/api/v1/agents/connections';
const tags = ['agents'];

/**
 * Provider connections over HTTP: reading needs `read`, every change `manage_bots`. Scoped to
 * the caller's organisation (another's connection answers 404); the key is write-only.
 */
export function registerConnectionRoutes(app: FastifyInstance, agents: AgentsService): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: BASE,
      access: 'read',
      tags,
      summary: "The organisation's provider connections (never their keys)",
      response: z.array(connectionSchema),
    },
    async ({ request }) =>
      (await agents.listConnections(orgOf(request))).map(agents.connectionJson),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: BASE,
      access: 'manage_bots',
      tags,
      summary: 'Creates a provider connection (an LLM endpoint, its key and its models)',
      description:
        'kind `openai-compatible` (OpenAI, Ollama, vLLM, llama.cpp) or `anthropic`. `apiKey` is sealed in the vault and never returned (`hasKey` says whether one is set). `models[].price` is minor units of its currency per million tokens, integers. Agents use it with `llm.connection: <name>`.',
      body: connectionInputSchema,
      response: connectionSchema,
      status: 201,
    },
    async ({ request, body }) =>
      agents.connectionJson(await agents.createConnection(orgOf(request), body)),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/:ref`,
      access: 'read',
      tags,
      summary: 'One provider connection, by id or name (never its key)',
      params: refParams,
      response: connectionSchema,
    },
    async ({ request, params }) =>
      agents.connectionJson(await agents.getConnection(orgOf(request), params.ref)),
  );
  addRoute(
    app,
    {
      method: 'PATCH',
      url: `${BASE}/:ref`,
      access: 'manage_bots',
      tags,
      summary: 'Changes a provider connection (the fields given)',
      description:
        '`apiKey` replaces the key (`null` removes it). A change that would break an agent using the connection (kind, or a model it uses) answers 409 naming the agents.',
      params: refParams,
      body: connectionPatchSchema,
      response: connectionSchema,
    },
    async ({ request, params, body }) =>
      agents.connectionJson(await agents.updateConnection(orgOf(request), params.ref, body)),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: `${BASE}/:ref`,
      access: 'manage_bots',
      tags,
      summary: 'Removes a provider connection and its sealed key (409 while agents use it)',
      params: refParams,
      response: connectionSchema,
    },
    async ({ request, params }) =>
      agents.connectionJson(await agents.deleteConnection(orgOf(request), params.ref)),
  );
}
