import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ErrorCode,
  McpError,
  type CallToolResult,
  type GetPromptResult,
  type ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import { can, type Permission, type Principal } from '../access/index.ts';
import {
  ErrorCodes,
  IzaError,
  UserError,
  VERSION,
  currentCorrelationId,
  newId,
  runWithContext,
  type Logger,
} from '../kernel/index.ts';
import type { McpCallContext, McpTool, McpToolset } from './mcp.tools.ts';

/**
 * Who is calling. Over HTTP the request's principal; over stdio the API key from the
 * configuration, looked up again on every call (2 s cache) so a revoked key stops at once.
 */
export interface McpCaller {
  principal(): Promise<Principal>;
}

export interface IzaMcpServerDeps {
  toolsets: readonly McpToolset[];
  caller: McpCaller;
  log: Logger;
}

const INSTRUCTIONS = [
  'IZA OS runs the books, automations and agents of a venture studio.',
  'Amounts are strings of minor units (cents) with a three-letter currency; ids are UUIDs.',
  'A transfer id is chosen by the caller and is its idempotency key: keep it to retry safely.',
  'Tools answer errors as results with isError and a JSON { error: { code, message } }.',
].join(' ');

/** The MCP error code for "resource not found" (MCP specification, resources). */
const RESOURCE_NOT_FOUND = -32002;

/**
 * IZA OS as an MCP server: every toolset's tools, resources and prompts, each call checked
 * against the caller's role, run with the caller as the actor of the work context (audit
 * entries name the API key or user), and its failures answered as MCP errors.
 */
export function createIzaMcpServer(deps: IzaMcpServerDeps): McpServer {
  const log = deps.log.child({ module: 'mcp' });
  const server = new McpServer(
    { name: 'iza-os', title: 'IZA OS', version: VERSION },
    {
      capabilities: { tools: {}, resources: {}, prompts: {}, logging: {} },
      instructions: INSTRUCTIONS,
    },
  );

  /** Runs `work` as the caller, after checking `permission`. */
  async function asCaller<T>(
    toolset: McpToolset,
    permission: Permission,
    work: (context: McpCallContext) => Promise<T>,
  ): Promise<T> {
    const principal = await deps.caller.principal();
    const orgId = principal.orgId;
    if (orgId === null || principal.role === 'system') {
      throw new UserError(ErrorCodes.forbidden, 'MCP calls act within an organisation', {
        status: 403,
      });
    }
    // A key limited to some ventures uses only toolsets that enforce that limit (the same rule
    // as for routes): the others would act on every venture of the organisation.
    if (principal.ventureIds !== null && toolset.ventureScoped !== true) {
      throw new UserError(
        'venture_scope',
        `This API key is limited to ventures and may only use tools that enforce that limit (the portfolio's); the ${toolset.module} tools do not`,
        { status: 403 },
      );
    }
    if (!can(principal.role, permission)) {
      throw new UserError(
        ErrorCodes.forbidden,
        `This needs the "${permission}" permission, which the role ${principal.role} does not have`,
        { status: 403 },
      );
    }
    const context = {
      correlationId: currentCorrelationId() ?? newId(),
      actor: { type: principal.kind, id: principal.userId ?? principal.apiKeyId, orgId },
    };
    return runWithContext(context, () => work({ orgId, principal, log }));
  }

  function describe(error: unknown): { code: string; message: string; details?: unknown } {
    if (error instanceof IzaError && error.kind !== 'unexpected') {
      return {
        code: error.code,
        message: error.message,
        ...(error.details === undefined ? {} : { details: error.details }),
      };
    }
    const correlationId = currentCorrelationId();
    log.error({ err: error }, 'mcp call failed');
    return {
      code: ErrorCodes.internal,
      message: `An unexpected error occurred; quote ${correlationId ? `the correlation id ${correlationId}` : 'the time'} when reporting it`,
    };
  }

  /** A failure outside tools (resources, prompts) as a JSON-RPC error. */
  function protocolError(error: unknown, reading: 'resource' | 'prompt'): McpError {
    if (error instanceof McpError) return error;
    const { code, message } = describe(error);
    const notFound = code === ErrorCodes.notFound || code.endsWith('_not_found');
    if (notFound && reading === 'resource') return new McpError(RESOURCE_NOT_FOUND, message);
    if (error instanceof UserError) return new McpError(ErrorCode.InvalidParams, message);
    return new McpError(ErrorCode.InternalError, message);
  }

  async function callTool(
    toolset: McpToolset,
    tool: McpTool,
    args: unknown,
  ): Promise<CallToolResult> {
    const started = performance.now();
    try {
      const output = await asCaller(toolset, tool.permission, (context) => tool.run(args, context));
      log.info({ tool: tool.name, ms: elapsed(started) }, 'mcp tool call');
      return {
        content: [{ type: 'text', text: JSON.stringify(output) }],
        structuredContent: output as Record<string, unknown>,
      };
    } catch (error) {
      const described = describe(error);
      log.info(
        { tool: tool.name, ms: elapsed(started), error: described.code },
        'mcp tool call refused',
      );
      return {
        isError: true,
        content: [{ type: 'text', text: JSON.stringify({ error: described }) }],
      };
    }
  }

  for (const toolset of deps.toolsets) {
    for (const tool of toolset.tools) {
      server.registerTool(
        tool.name,
        {
          title: tool.title,
          description: `${tool.description} Needs the "${tool.permission}" permission.`,
          inputSchema: tool.input,
          outputSchema: tool.output,
          annotations: { title: tool.title, ...tool.annotations },
        },
        (args: unknown) => callTool(toolset, tool, args),
      );
    }

    for (const resource of toolset.resources ?? []) {
      const list = resource.list;
      const template = new ResourceTemplate(resource.uriTemplate, {
        list: list
          ? async () => {
              try {
                const found = await asCaller(toolset, resource.permission, list);
                return {
                  resources: found.map((r) => ({ ...r, mimeType: 'application/json' })),
                };
              } catch (error) {
                // Out of a venture-scoped key's reach: listed as nothing, not as a failure of
                // the whole list.
                if (error instanceof UserError && error.code === 'venture_scope') {
                  return { resources: [] };
                }
                throw protocolError(error, 'resource');
              }
            }
          : undefined,
      });
      server.registerResource(
        resource.name,
        template,
        { title: resource.title, description: resource.description, mimeType: 'application/json' },
        async (uri, variables): Promise<ReadResourceResult> => {
          const values = Object.fromEntries(
            Object.entries(variables).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
          );
          try {
            const data = await asCaller(toolset, resource.permission, (context) =>
              resource.read(values, context),
            );
            return {
              contents: [
                {
                  uri: uri.href,
                  mimeType: 'application/json',
                  text: JSON.stringify(data, null, 2),
                },
              ],
            };
          } catch (error) {
            throw protocolError(error, 'resource');
          }
        },
      );
    }

    for (const prompt of toolset.prompts ?? []) {
      server.registerPrompt(
        prompt.name,
        {
          title: prompt.title,
          description: prompt.description,
          argsSchema: prompt.args,
        },
        async (args): Promise<GetPromptResult> => {
          try {
            const messages = await asCaller(toolset, prompt.permission, (context) =>
              prompt.messages(args as Record<string, string | undefined>, context),
            );
            return { description: prompt.description, messages };
          } catch (error) {
            throw protocolError(error, 'prompt');
          }
        },
      );
    }
  }
  return server;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
