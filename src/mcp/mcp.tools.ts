import type { PromptMessage, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Permission, Principal } from '../access/index.ts';
import type { Logger } from '../kernel/index.ts';

/**
 * What a module offers MCP clients: tools, resources and prompts, each declaring the permission
 * it needs (the same matrix as the REST API, `src/access/permissions.ts`). The server
 * (`mcp.server.ts`) checks the permission, puts the caller in the work context (so audit entries
 * name the API key or user) and turns errors into MCP tool errors; a definition only does its
 * work. Modules add theirs in `mcp.toolsets.ts`.
 */

/** Who is calling and for which organisation; given to every tool, resource and prompt. */
export interface McpCallContext {
  orgId: string;
  principal: Principal;
  log: Logger;
}

export interface McpToolDefinition<I extends z.ZodObject, O extends z.ZodObject> {
  /** `<module>_<verb>_<thing>`: letters, digits and `_` (what every client accepts). */
  name: string;
  title: string;
  description: string;
  permission: Permission;
  input: I;
  /** The shape of `structuredContent`: always an object. */
  output: O;
  annotations?: Omit<ToolAnnotations, 'title'>;
  run(args: z.output<I>, context: McpCallContext): Promise<z.input<O>>;
}

/** A tool with its types erased, as the server holds them. */
export interface McpTool {
  name: string;
  title: string;
  description: string;
  permission: Permission;
  input: z.ZodObject;
  output: z.ZodObject;
  annotations?: Omit<ToolAnnotations, 'title'>;
  run(args: unknown, context: McpCallContext): Promise<unknown>;
}

/** Declares a tool; `run` is typed by the schemas. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  tool: McpToolDefinition<I, O>,
): McpTool {
  return { ...tool, run: (args, context) => tool.run(args as z.output<I>, context) };
}

/** A family of resources named by a URI template, e.g. `iza://ledger/entities/{id}`. */
export interface McpResourceTemplate {
  name: string;
  title: string;
  description: string;
  uriTemplate: string;
  permission: Permission;
  /** The resources a client may list; omitted when there are too many to enumerate. */
  list?: (context: McpCallContext) => Promise<{ uri: string; name: string; title?: string }[]>;
  /** The resource as JSON; throws `UserError` 404 when it does not exist. */
  read(variables: Record<string, string>, context: McpCallContext): Promise<unknown>;
}

export interface McpPrompt {
  name: string;
  title: string;
  description: string;
  permission: Permission;
  /** Prompt arguments are strings (MCP); optional ones are `.optional()`. */
  args: Record<string, z.ZodType<string | undefined>>;
  messages(
    args: Record<string, string | undefined>,
    context: McpCallContext,
  ): Promise<PromptMessage[]>;
}

/** One module's contribution. */
export interface McpToolset {
  module: string;
  /**
   * Whether its tools and resources enforce an API key's venture scope themselves (see
   * `ventureScope` in server/access.ts); a key limited to ventures may use only such toolsets.
   */
  ventureScoped?: boolean;
  tools: McpTool[];
  resources?: McpResourceTemplate[];
  prompts?: McpPrompt[];
}
