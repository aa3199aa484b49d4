import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Principal } from '../access/index.ts';
import { ErrorCodes, UserError, type Logger } from '../kernel/index.ts';
import { MCP_PATH } from './mcp.http.ts';
import { createIzaMcpServer } from './mcp.server.ts';
import type { McpToolset } from './mcp.tools.ts';

const badKey = () =>
  new UserError(
    ErrorCodes.unauthorized,
    'The API key in IZA_API_KEY is unknown, revoked or expired: create one with iza apikey create',
    { status: 401 },
  );

/**
 * `iza mcp` on this process's database: IZA OS as an MCP server on standard input and output,
 * acting as the API key `authenticate` looks up (again on every call). Resolves when the client
 * closes standard input.
 */
export async function serveStdio(options: {
  toolsets: readonly McpToolset[];
  authenticate: () => Promise<Principal | undefined>;
  log: Logger;
}): Promise<void> {
  if (!(await options.authenticate())) throw badKey();
  const server = createIzaMcpServer({
    toolsets: options.toolsets,
    caller: {
      principal: async () => {
        const principal = await options.authenticate();
        if (!principal) throw badKey();
        return principal;
      },
    },
    log: options.log,
  });
  const transport = new StdioServerTransport();
  await server.connect(transport);
  options.log.info('IZA OS MCP server on stdio');
  await stdinClosed();
  await server.close();
}

/**
 * `iza mcp` while a server holds the data folder: the embedded database belongs to that process,
 * so messages are relayed to its `/mcp` endpoint with the API key.
 */
export async function relayStdio(options: {
  serverUrl: string;
  apiKey: string;
  log: Logger;
}): Promise<void> {
  const stdio = new StdioServerTransport();
  const http = new StreamableHTTPClientTransport(new URL(MCP_PATH, options.serverUrl), {
    requestInit: { headers: { authorization: `Bearer ${options.apiKey}` } },
  });
  stdio.onmessage = (message) => {
    http.send(message).catch((error: unknown) => {
      options.log.warn({ err: error }, 'could not relay a message to the server');
      // A request must still get an answer, or the client waits for ever.
      if ('id' in message && 'method' in message) {
        void stdio.send({
          jsonrpc: '2.0',
          id: message.id,
          error: { code: -32603, message: `IZA OS at ${options.serverUrl}: ${String(error)}` },
        });
      }
    });
  };
  http.onmessage = (message) => {
    // What the SDK client does after initialize: later requests name the negotiated version.
    if ('result' in message && typeof message.result.protocolVersion === 'string') {
      http.setProtocolVersion(message.result.protocolVersion);
    }
    void stdio.send(message);
  };
  http.onerror = (error) => options.log.debug({ err: error }, 'relay transport error');
  await http.start();
  await stdio.start();
  options.log.info({ server: options.serverUrl }, 'IZA OS MCP relay on stdio');
  await stdinClosed();
  await http.close().catch(() => undefined);
  await stdio.close();
}

function stdinClosed(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdin.readableEnded) resolve();
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
  });
}
