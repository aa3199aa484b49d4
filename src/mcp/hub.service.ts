import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AuditLog } from '../access/index.ts';
import {
  createOutboundFetch,
  ErrorCodes,
  OperationalError,
  type Clock,
  type Config,
  type Database,
  type Logger,
} from '../kernel/index.ts';
import {
  createMcpConnection,
  type McpConnection,
  type McpConnectionOptions,
  type McpConnectionState,
} from './hub.connection.ts';
import type { McpRegistrar, McpServerInput, McpServerRecord, McpServerStore } from './hub.store.ts';

/**
 * The MCP client hub: keeps every enabled external server connected, pings them every
 * `healthIntervalMs`, reconnects failed ones with exponential backoff, and offers their tools to
 * the rest of IZA OS (`callTool`). State is per process: each `iza start` keeps its own
 * connections, and picks up servers registered or removed by other processes at the next check.
 */
export interface McpHubOptions extends McpConnectionOptions {
  healthIntervalMs: number;
}

export const DEFAULT_HUB_TIMEOUTS = {
  connectTimeoutMs: 20_000,
  pingTimeoutMs: 5_000,
  callTimeoutMs: 60_000,
} as const;

export interface McpHubDeps {
  db: Database;
  store: McpServerStore;
  /** `access.secrets`: opens `{{secret:NAME}}` references when connecting. */
  secrets: { reveal(orgId: string, name: string): Promise<string> };
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
  log: Logger;
  options: McpHubOptions;
  /** The outbound guard's settings: Streamable HTTP servers are reached through it. */
  outbound: Pick<Config['outbound'], 'allowPrivate' | 'maxResponseBytes'>;
}

/** A server with its live state in this process (`unknown` when this process has no connection). */
export type McpServerView = McpServerRecord & {
  status: McpConnectionState['status'] | 'disabled' | 'unknown';
  health: Omit<McpConnectionState, 'status'> | null;
};

export interface McpHubSummary {
  servers: number;
  healthy: number;
  unhealthy: number;
  connecting: number;
}

export function createMcpHub(deps: McpHubDeps) {
  const { store, options, clock } = deps;
  const log = deps.log.child({ module: 'mcp.hub' });
  const connections = new Map<string, McpConnection>();
  let interval: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let stopped = false;
  const outbound = createOutboundFetch({
    allowList: deps.outbound.allowPrivate,
    maxResponseBytes: deps.outbound.maxResponseBytes,
    limitSetting: 'IZA_OUTBOUND_MAX_RESPONSE_BYTES',
  });

  function connectionFor(record: McpServerRecord): McpConnection {
    let connection = connections.get(record.id);
    if (!connection) {
      connection = createMcpConnection({
        record,
        options,
        reveal: (name) => deps.secrets.reveal(record.orgId, name),
        clock,
        log,
        fetch: outbound,
      });
      connections.set(record.id, connection);
      void connection.connect();
    }
    return connection;
  }

  function drop(id: string): Promise<void> {
    const connection = connections.get(id);
    connections.delete(id);
    return connection?.close() ?? Promise.resolve();
  }

  /** Connects what the table holds and this process does not, and drops what it no longer holds. */
  async function sync(): Promise<void> {
    const records = await store.listEnabled();
    const ids = new Set(records.map((r) => r.id));
    for (const id of [...connections.keys()]) if (!ids.has(id)) await drop(id);
    for (const record of records) connectionFor(record);
  }

  async function tick(): Promise<void> {
    try {
      await sync();
      await Promise.all([...connections.values()].map((c) => c.check()));
    } catch (error) {
      log.warn({ err: error }, 'mcp hub check failed');
    }
  }

  function view(record: McpServerRecord): McpServerView {
    if (!record.enabled) return { ...record, status: 'disabled', health: null };
    const connection = connections.get(record.id);
    if (!connection) return { ...record, status: 'unknown', health: null };
    const { status, ...health } = connection.state();
    return { ...record, status, health };
  }

  /** An enabled server of the organisation, connected (or connecting) in this process. */
  async function live(orgId: string, serverId: string): Promise<McpConnection> {
    const record = await store.get(orgId, serverId);
    if (!record.enabled) {
      throw new OperationalError(
        ErrorCodes.serviceUnavailable,
        `MCP server "${record.name}" is disabled`,
      );
    }
    return connectionFor(record);
  }

  async function listTools(orgId: string, serverId: string): Promise<Tool[]> {
    return (await live(orgId, serverId)).tools();
  }

  /**
   * Calls a tool of an external server. The answer is the server's own `CallToolResult`: a tool
   * that fails answers `isError: true`; an unavailable server throws `OperationalError` (503).
   * Audited `mcp.tool.call` (the server, the tool, the argument names, whether it failed).
   */
  async function callTool(
    orgId: string,
    serverId: string,
    name: string,
    args: Record<string, unknown> = {},
  ): Promise<CallToolResult> {
    const connection = await live(orgId, serverId);
    const result = await connection.callTool(name, args);
    await deps.db.transaction((tx) =>
      deps.audit.record(tx, {
        action: 'mcp.tool.call',
        entityType: 'mcp_server',
        entityId: serverId,
        orgId,
        after: {
          server: connection.record.name,
          tool: name,
          argumentNames: Object.keys(args),
          isError: result.isError === true,
        },
      }),
    );
    return result;
  }

  return {
    /** Connects every enabled server and starts the periodic health checks. */
    async start(): Promise<void> {
      if (interval || stopped) return;
      interval = setInterval(() => {
        ticking ??= tick().finally(() => {
          ticking = undefined;
        });
      }, options.healthIntervalMs);
      interval.unref();
      await sync().catch((error: unknown) => log.warn({ err: error }, 'mcp hub start failed'));
    },

    /** Stops the checks and every connection (and so every stdio child process). */
    async close(): Promise<void> {
      stopped = true;
      clearInterval(interval);
      interval = undefined;
      await ticking;
      await Promise.all([...connections.keys()].map(drop));
      await outbound.close();
    },

    /** Runs one health check round now (what the interval does). */
    check: tick,

    async list(orgId: string): Promise<McpServerView[]> {
      return (await store.list(orgId)).map(view);
    },

    async get(orgId: string, id: string): Promise<McpServerView> {
      return view(await store.get(orgId, id));
    },

    /** Registers a server and connects to it at once. */
    async register(
      orgId: string,
      input: McpServerInput,
      registrar: McpRegistrar,
    ): Promise<McpServerView> {
      const record = await store.create(orgId, input, registrar);
      if (record.enabled && !stopped) connectionFor(record);
      return view(record);
    },

    /** Removes a server and disconnects from it. */
    async unregister(orgId: string, id: string): Promise<McpServerView> {
      const record = await store.remove(orgId, id);
      await drop(record.id);
      return { ...record, status: record.enabled ? 'unknown' : 'disabled', health: null };
    },

    listTools,
    callTool,

    /**
     * The hub seen from one organisation: what agents and workflow nodes hold, so they can only
     * reach their own organisation's servers.
     * @example await hub.forOrg(orgId).callTool(serverId, 'search', { query: 'invoices' })
     */
    forOrg(orgId: string) {
      return {
        list: () => store.list(orgId).then((records) => records.map(view)),
        listTools: (serverId: string) => listTools(orgId, serverId),
        callTool: (serverId: string, name: string, args: Record<string, unknown> = {}) =>
          callTool(orgId, serverId, name, args),
      };
    },

    /** Counts for `/health`: no names, since that route is public. */
    summary(): McpHubSummary {
      const summary = { servers: 0, healthy: 0, unhealthy: 0, connecting: 0 };
      for (const connection of connections.values()) {
        summary.servers += 1;
        summary[connection.state().status] += 1;
      }
      return summary;
    },
  };
}

export type McpHub = ReturnType<typeof createMcpHub>;
