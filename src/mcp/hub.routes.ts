import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import { orgOf, principalOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import {
  callBodySchema,
  callResultSchema,
  serverCreateSchema,
  serverJson,
  serverSchema,
  toServerInput,
  toolSchema,
} from './hub.dto.ts';
import type { McpHub } from './hub.service.ts';

const BASE = '/api/v1/mcp/servers';
const tags = ['mcp'];
const idParams = z.strictObject({ id: z.uuid() });

/**
 * The hub over HTTP. Reading needs `read`; registering and removing a server needs `manage_bots`
 * (what connecting tools for bots and agents is); calling a tool needs `write_limited`, the
 * permission of writes bots may make, since a tool may change things outside IZA OS.
 */
export function registerHubRoutes(
  app: FastifyInstance,
  hub: McpHub,
  findOrganisation: (idOrSlug: string) => Promise<{ id: string } | undefined>,
): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: BASE,
      access: 'read',
      tags,
      summary: "The organisation's external MCP servers, with their state in this server process",
      response: z.array(serverSchema),
    },
    async ({ request }) => (await hub.list(orgOf(request))).map(serverJson),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: BASE,
      access: 'manage_bots',
      tags,
      summary: 'Registers an external MCP server (stdio command or Streamable HTTP URL)',
      description:
        'Header and environment values may reference vault secrets as `{{secret:NAME}}`. ' +
        'A stdio server runs a command on the IZA OS machine: only commands the operator allows ' +
        '(IZA_MCP_STDIO_COMMANDS) may be registered over the API.',
      body: serverCreateSchema,
      response: serverSchema,
      status: 201,
    },
    async ({ request, body }) => {
      const principal = principalOf(request);
      return serverJson(
        await hub.register(orgOf(request), toServerInput(body), {
          actorId: principal.userId ?? principal.apiKeyId,
          trusted: false,
        }),
      );
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/:id`,
      access: 'read',
      tags,
      summary: 'One external MCP server with its health',
      params: idParams,
      response: serverSchema,
    },
    async ({ request, params }) => serverJson(await hub.get(orgOf(request), params.id)),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: `${BASE}/:id`,
      access: 'manage_bots',
      tags,
      summary: 'Removes an external MCP server and disconnects from it',
      params: idParams,
      response: serverSchema,
    },
    async ({ request, params }) => serverJson(await hub.unregister(orgOf(request), params.id)),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: `${BASE}/:id/tools`,
      access: 'read',
      tags,
      summary: 'The tools an external MCP server offers',
      description: 'Answers 503 while the server is unavailable (with Retry-After).',
      params: idParams,
      response: z.array(toolSchema),
    },
    async ({ request, params }) => hub.listTools(orgOf(request), params.id),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: `${BASE}/:id/call`,
      access: 'write_limited',
      tags,
      summary: 'Calls a tool of an external MCP server',
      description:
        "The server's own result: a tool that fails answers `isError: true`. Audited `mcp.tool.call`.",
      params: idParams,
      body: callBodySchema,
      response: callResultSchema,
    },
    async ({ request, params, body }) => {
      const result = await hub.callTool(orgOf(request), params.id, body.name, body.arguments);
      return { ...result, isError: result.isError === true };
    },
  );

  // The local administrator (`iza mcp servers` while a server runs), in any organisation.
  const orgParams = z.strictObject({ org: z.string().min(1).max(100) });
  const orgId = async (org: string) => {
    const found = await findOrganisation(org);
    if (!found) {
      throw new UserError(ErrorCodes.notFound, `No organisation "${org}"`, { status: 404 });
    }
    return found.id;
  };
  const systemBase = '/api/v1/system/orgs/:org/mcp/servers';
  addRoute(
    app,
    {
      method: 'GET',
      url: systemBase,
      access: 'system',
      tags: ['system'],
      summary: "An organisation's external MCP servers",
      params: orgParams,
      response: z.array(serverSchema),
    },
    async ({ params }) => (await hub.list(await orgId(params.org))).map(serverJson),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: systemBase,
      access: 'system',
      tags: ['system'],
      summary: 'Registers an external MCP server in an organisation (any stdio command)',
      params: orgParams,
      body: serverCreateSchema,
      response: serverSchema,
      status: 201,
    },
    async ({ params, body }) =>
      serverJson(
        await hub.register(await orgId(params.org), toServerInput(body), {
          actorId: null,
          trusted: true,
        }),
      ),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: `${systemBase}/:id`,
      access: 'system',
      tags: ['system'],
      summary: 'Removes an external MCP server of an organisation',
      params: orgParams.extend({ id: z.uuid() }),
      response: serverSchema,
    },
    async ({ params }) => serverJson(await hub.unregister(await orgId(params.org), params.id)),
  );
}
