import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, UserError, type Config, type Logger } from '../kernel/index.ts';
import { principalOf } from '../server/access.ts';
import { createIzaMcpServer } from './mcp.server.ts';
import type { McpToolset } from './mcp.tools.ts';

export const MCP_PATH = '/mcp';
/** The largest JSON-RPC message `/mcp` takes (a batch of transfers is the big one). */
const BODY_LIMIT = 4 * 1024 * 1024;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface McpEndpointOptions {
  toolsets: readonly McpToolset[];
  /** The address the server listens on (`host`) and the `mcp` settings. */
  config: Pick<Config, 'host' | 'mcp'>;
  log: Logger;
}

/**
 * `/mcp`, the Streamable HTTP transport, stateless: every POST carries its own credential (an
 * API key or access token as `Authorization: Bearer`), is checked by the same access control as
 * the REST API, and is answered by a server built for that caller alone, so any number of HTTP
 * processes can serve it. GET (a standalone event stream) and DELETE (ending a session) need a
 * session, so they answer 405.
 *
 * Against DNS rebinding, the Host header must be a loopback name when the server listens on a
 * loopback address (or one of `mcp.allowedHosts`), and a browser's Origin must be the server's
 * own or one of `mcp.allowedOrigins`.
 */
export function registerMcpEndpoint(app: FastifyInstance, options: McpEndpointOptions): void {
  const { toolsets, config } = options;
  const log = options.log.child({ module: 'mcp' });
  const checkOrigin = originCheck(config);

  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: MCP_PATH,
    bodyLimit: BODY_LIMIT,
    // Venture-scoped keys reach only the toolsets that enforce their scope (mcp.server.ts).
    config: { access: 'read', envelope: false, ventureScope: true },
    schema: {
      tags: ['mcp'],
      summary: 'The MCP endpoint (Streamable HTTP, stateless)',
      description:
        "JSON-RPC messages of the Model Context Protocol, POSTed with `Accept: application/json, text/event-stream` and an API key as `Authorization: Bearer`. Tools, resources and prompts check the key's role like the REST API.",
      security: [{ bearer: [] }],
    },
    // A 401 tells MCP clients how to authenticate (RFC 6750, and the MCP authorization spec).
    onSend: async (request, reply, payload) => {
      if (reply.statusCode === 401) {
        reply.header(
          'www-authenticate',
          request.headers.authorization === undefined
            ? 'Bearer realm="IZA OS"'
            : 'Bearer realm="IZA OS", error="invalid_token"',
        );
      }
      return payload;
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      checkOrigin(request);
      if (request.method !== 'POST') {
        return reply
          .status(405)
          .header('allow', 'POST')
          .send(rpcError('This endpoint is stateless: POST each JSON-RPC message'));
      }
      const principal = principalOf(request);
      const server = createIzaMcpServer({
        toolsets,
        caller: { principal: async () => principal },
        log,
      });
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
      });
      await server.connect(transport);
      reply.raw.once('close', () => {
        void server.close().catch(() => undefined);
      });
      const response = await transport.handleRequest(webRequest(request), {
        parsedBody: request.body,
      });
      return reply.send(response);
    },
  });
}

function rpcError(message: string) {
  return { jsonrpc: '2.0', error: { code: -32000, message }, id: null };
}

/** The Fastify request as a web `Request` with its headers; the body was parsed already. */
function webRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const v of [value].flat()) headers.append(name, v);
  }
  const host = request.headers.host ?? 'localhost';
  return new Request(`http://${host}${request.url}`, { method: request.method, headers });
}

/** Host and Origin checks against DNS rebinding and cross-site calls. */
function originCheck(config: McpEndpointOptions['config']) {
  const allowedHosts = new Set(config.mcp.allowedHosts.map((h) => h.toLowerCase()));
  const allowedOrigins = new Set(config.mcp.allowedOrigins.map((o) => o.toLowerCase()));
  const loopbackOnly = LOOPBACK.has(config.host) || config.host.startsWith('127.');
  const hostAllowed = (hostname: string) =>
    LOOPBACK.has(hostname) ||
    allowedHosts.has(hostname) ||
    // Listening on every address with no list: the operator has not said which names are ours.
    (!loopbackOnly && allowedHosts.size === 0);
  const refuse = (message: string) => new UserError(ErrorCodes.forbidden, message, { status: 403 });

  return (request: FastifyRequest): void => {
    const host = request.headers.host;
    const hostname = host === undefined ? undefined : hostnameOf(host);
    if (hostname === undefined || !hostAllowed(hostname)) {
      throw refuse(
        `The Host header "${host ?? ''}" is not one this server answers MCP requests for (IZA_MCP_ALLOWED_HOSTS)`,
      );
    }
    const origin = request.headers.origin;
    if (origin === undefined) return;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw refuse(`The Origin "${origin}" is not a URL`);
    }
    const sameOrigin = parsed.host.toLowerCase() === host?.toLowerCase();
    const local = loopbackOnly && LOOPBACK.has(parsed.hostname.toLowerCase());
    if (!sameOrigin && !local && !allowedOrigins.has(parsed.origin.toLowerCase())) {
      throw refuse(
        `Requests from the origin ${parsed.origin} are not allowed (IZA_MCP_ALLOWED_ORIGINS)`,
      );
    }
  };
}

function hostnameOf(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
