import type { FastifyInstance } from 'fastify';
import type { Access } from '../access/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { registerHubRoutes } from './hub.routes.ts';
import { createMcpHub, DEFAULT_HUB_TIMEOUTS, type McpHub } from './hub.service.ts';
import { createMcpServerStore } from './hub.store.ts';
import { registerMcpEndpoint } from './mcp.http.ts';
import { createToolsets } from './mcp.toolsets.ts';

/** The hub of one process, built from its kernel and access module. */
export function createHubFor(kernel: Kernel, access: Access): McpHub {
  const { config } = kernel;
  const store = createMcpServerStore({
    db: kernel.db,
    clock: kernel.clock,
    audit: access.audit,
    secrets: access.secrets,
    stdioCommands: config.mcp.stdioCommands,
    allowPrivate: config.outbound.allowPrivate,
  });
  return createMcpHub({
    db: kernel.db,
    store,
    secrets: access.secrets,
    audit: access.audit,
    clock: kernel.clock,
    log: kernel.log,
    options: {
      healthIntervalMs: config.mcp.healthIntervalMs,
      reconnectBaseMs: config.mcp.reconnectBaseMs,
      reconnectMaxMs: config.mcp.reconnectMaxMs,
      ...DEFAULT_HUB_TIMEOUTS,
    },
    outbound: config.outbound,
  });
}

/**
 * The MCP module as `server/modules.ts` mounts it: `/mcp` (IZA OS as an MCP server), the hub's
 * REST API, and the hub itself, which connects when the app is ready and disconnects when it
 * closes. `iza worker` mounts no routes, so it runs no hub.
 */
export function createMcpModule(context: { kernel: Kernel; access: Access }) {
  const { kernel, access } = context;
  const hub = createHubFor(kernel, access);
  return {
    name: 'mcp',
    hub,
    routes: (app: FastifyInstance) => {
      registerMcpEndpoint(app, {
        toolsets: createToolsets(context),
        config: kernel.config,
        log: kernel.log,
      });
      registerHubRoutes(app, hub, (org) => access.users.findOrganisation(org));
      app.healthDetails.set('mcp', () => {
        const s = hub.summary();
        return {
          status: 'up',
          detail: `${s.servers} external servers: ${s.healthy} healthy, ${s.unhealthy} unhealthy, ${s.connecting} connecting`,
        };
      });
      app.addHook('onReady', () => hub.start());
      app.addHook('onClose', () => hub.close());
    },
  };
}
