/**
 * MCP: IZA OS as an MCP server (`/mcp` over Streamable HTTP, `iza mcp` over stdio) and the hub
 * of external MCP servers whose tools agents will use. See README.md.
 */
export { createMcpModule, createHubFor } from './mcp.module.ts';
export { createIzaMcpServer, type McpCaller } from './mcp.server.ts';
export { registerMcpEndpoint, MCP_PATH } from './mcp.http.ts';
export { MCP_TOOLSETS, createToolsets, type McpToolsetContext } from './mcp.toolsets.ts';
export {
  defineTool,
  type McpCallContext,
  type McpPrompt,
  type McpResourceTemplate,
  type McpTool,
  type McpToolDefinition,
  type McpToolset,
} from './mcp.tools.ts';
export {
  createMcpHub,
  DEFAULT_HUB_TIMEOUTS,
  type McpHub,
  type McpHubOptions,
  type McpHubSummary,
  type McpServerView,
} from './hub.service.ts';
export {
  createMcpServerStore,
  McpHubErrorCodes,
  MCP_TRANSPORTS,
  type McpServerInput,
  type McpServerRecord,
  type McpServerStore,
  type McpRegistrar,
} from './hub.store.ts';
export type { McpConnectionState, McpServerStatus } from './hub.connection.ts';
