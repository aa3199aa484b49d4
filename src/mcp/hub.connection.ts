import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { ErrorCodes, OperationalError, VERSION, type Clock, type Logger } from '../kernel/index.ts';
import { resolveSecrets } from './hub.secrets.ts';
import type { McpServerRecord } from './hub.store.ts';

/**
 * One external MCP server as this process sees it: an SDK client connected over stdio (a child
 * process it starts) or Streamable HTTP (through the outbound guard: a refused address is a
 * failed connection with the guard's reason), the tools it lists, and its health. A failure (the
 * process exits, a ping fails, the connection cannot be made) makes it `unhealthy` and schedules
 * a reconnection after an exponential backoff: base, 2 x base, 4 x base... up to the maximum.
 */

export type McpServerStatus = 'connecting' | 'healthy' | 'unhealthy';

export interface McpConnectionState {
  status: McpServerStatus;
  toolCount: number;
  /** Why the last attempt or check failed; null while healthy. */
  lastError: string | null;
  lastCheckedAt: Date | null;
  connectedAt: Date | null;
  /** Failures since the last success. */
  failures: number;
  /** When the next reconnection is due (unhealthy only). */
  nextAttemptAt: Date | null;
}

export interface McpConnectionOptions {
  /** First reconnection delay, in milliseconds; doubled per consecutive failure. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Connecting (initialize and the first tools/list), in milliseconds. */
  connectTimeoutMs: number;
  /** A ping, in milliseconds. */
  pingTimeoutMs: number;
  /** A tool call, in milliseconds. */
  callTimeoutMs: number;
}

export interface McpConnectionDeps {
  record: McpServerRecord;
  options: McpConnectionOptions;
  /** The organisation's secret `name`, for `{{secret:NAME}}` in headers and env. */
  reveal: (name: string) => Promise<string>;
  clock: Clock;
  log: Logger;
  /**
   * The outbound guard's fetch (`createOutboundFetch`) every Streamable HTTP request goes
   * through: it connects only to addresses it checked and limits the size of answers.
   */
  fetch: typeof fetch;
}

const STDERR_LINES = 5;

export function createMcpConnection(deps: McpConnectionDeps) {
  const { record, options, clock } = deps;
  const log = deps.log.child({ mcpServer: record.id, name: record.name });
  const state: McpConnectionState = {
    status: 'connecting',
    toolCount: 0,
    lastError: null,
    lastCheckedAt: null,
    connectedAt: null,
    failures: 0,
    nextAttemptAt: null,
  };
  let client: Client | undefined;
  let tools: Tool[] = [];
  let connecting: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const stderr: string[] = [];

  async function openTransport(): Promise<Transport> {
    const reveal = deps.reveal;
    if (record.transport === 'stdio') {
      const transport = new StdioClientTransport({
        command: record.command!,
        args: record.args,
        env: await resolveSecrets(record.env, reveal),
        stderr: 'pipe',
      });
      // The child's own diagnostics: kept for the status, never on IZA OS's own output.
      transport.stderr?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line.trim() === '') continue;
          stderr.push(line.slice(0, 500));
          if (stderr.length > STDERR_LINES) stderr.shift();
          log.debug({ line }, 'mcp server stderr');
        }
      });
      return transport;
    }
    return new StreamableHTTPClientTransport(new URL(record.url!), {
      requestInit: { headers: await resolveSecrets(record.headers, reveal) },
      fetch: deps.fetch,
    });
  }

  async function connectOnce(): Promise<void> {
    state.status = 'connecting';
    state.nextAttemptAt = null;
    stderr.length = 0;
    const next = new Client({ name: 'iza-os', version: VERSION }, { capabilities: {} });
    try {
      const transport = await openTransport();
      next.onclose = () => {
        if (client === next && !closed) fail(new Error(describeExit('the connection closed')));
      };
      next.onerror = (error) => log.debug({ err: error }, 'mcp server transport error');
      next.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        if (client !== next) return;
        tools = await listAllTools(next).catch(() => tools);
        state.toolCount = tools.length;
      });
      await next.connect(transport, { timeout: options.connectTimeoutMs });
      const listed = await listAllTools(next);
      if (closed) {
        await next.close();
        return;
      }
      client = next;
      tools = listed;
      const now = clock.now();
      Object.assign(state, {
        status: 'healthy',
        toolCount: listed.length,
        lastError: null,
        lastCheckedAt: now,
        connectedAt: now,
        failures: 0,
        nextAttemptAt: null,
      } satisfies McpConnectionState);
      log.info({ tools: listed.length }, 'mcp server connected');
    } catch (error) {
      await next.close().catch(() => undefined);
      fail(error);
    }
  }

  function describeExit(what: string): string {
    return stderr.length > 0 ? `${what}; its last output: ${stderr.join(' | ')}` : what;
  }

  /** Marks the server unhealthy, drops the client and schedules the next attempt. */
  function fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const old = client;
    client = undefined;
    if (old) void old.close().catch(() => undefined);
    if (closed) return;
    state.failures += 1;
    const delay = Math.min(
      options.reconnectBaseMs * 2 ** Math.min(state.failures - 1, 30),
      options.reconnectMaxMs,
    );
    const now = clock.now();
    Object.assign(state, {
      status: 'unhealthy',
      lastError: describeExit(message),
      lastCheckedAt: now,
      nextAttemptAt: new Date(now.getTime() + delay),
    });
    log.warn(
      { failures: state.failures, retryInMs: delay, error: state.lastError },
      'mcp server unhealthy',
    );
    clearTimeout(timer);
    timer = setTimeout(() => void connect(), delay);
    timer.unref();
  }

  function connect(): Promise<void> {
    if (closed) return Promise.resolve();
    connecting ??= connectOnce().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  /** The connected client; waits for a connection in progress, never skips the backoff. */
  async function ready(): Promise<Client> {
    if (!client && !connecting && state.status !== 'unhealthy') void connect();
    if (connecting) await connecting;
    if (client) return client;
    const retryAfterSeconds = state.nextAttemptAt
      ? Math.max(1, Math.ceil((state.nextAttemptAt.getTime() - clock.now().getTime()) / 1000))
      : undefined;
    throw new OperationalError(
      ErrorCodes.serviceUnavailable,
      `MCP server "${record.name}" is unavailable: ${state.lastError ?? 'not connected'}`,
      retryAfterSeconds === undefined ? {} : { retryAfterSeconds },
    );
  }

  return {
    record,
    state: (): McpConnectionState => ({ ...state }),

    /** Connects now (the first time, or at once instead of waiting for the backoff). */
    connect,

    /** Pings a connected server; a failure makes it unhealthy. Does nothing otherwise. */
    async check(): Promise<void> {
      const current = client;
      if (!current || connecting) return;
      try {
        await current.ping({ timeout: options.pingTimeoutMs });
        if (client === current) state.lastCheckedAt = clock.now();
      } catch (error) {
        if (client === current) fail(error);
      }
    },

    async tools(): Promise<Tool[]> {
      await ready();
      return tools;
    },

    async callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
      const current = await ready();
      return (await current.callTool({ name, arguments: args }, undefined, {
        timeout: options.callTimeoutMs,
      })) as CallToolResult;
    },

    /** Disconnects for good (stops the child process of a stdio server). */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      const old = client;
      client = undefined;
      await connecting?.catch(() => undefined);
      await old?.close().catch(() => undefined);
    },
  };
}

export type McpConnection = ReturnType<typeof createMcpConnection>;

async function listAllTools(client: Client): Promise<Tool[]> {
  if (!client.getServerCapabilities()?.tools) return [];
  const all: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    all.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined && all.length < 10_000);
  return all;
}
