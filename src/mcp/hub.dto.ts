import { z } from 'zod';
import type { McpServerInput } from './hub.store.ts';
import { SERVER_NAME_PATTERN } from './hub.store.ts';
import type { McpServerView } from './hub.service.ts';

/** The hub's JSON shapes: registered external MCP servers, their tools, a tool call. */

const name = z
  .string()
  .regex(SERVER_NAME_PATTERN, 'must be 1 to 64 letters, digits, "_", "." or "-"');
/** Values may reference vault secrets as `{{secret:NAME}}`. */
const values = z.record(z.string().min(1).max(200), z.string().max(8000));
const timestamp = z.iso.datetime({ offset: true });
const common = {
  name,
  description: z.string().max(500).nullable().optional(),
  enabled: z.boolean().optional(),
};

export const serverCreateSchema = z.discriminatedUnion('transport', [
  z.strictObject({
    ...common,
    transport: z.literal('stdio'),
    command: z.string().min(1).max(1000),
    args: z.array(z.string().max(4000)).max(100).optional(),
    env: values.optional(),
  }),
  z.strictObject({
    ...common,
    transport: z.literal('http'),
    url: z.url({ protocol: /^https?$/ }).max(2000),
    headers: values.optional(),
  }),
]);

export const serverSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  transport: z.enum(['stdio', 'http']),
  command: z.string().nullable(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  url: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  enabled: z.boolean(),
  createdAt: timestamp,
  /** In this server process: `unknown` when it holds no connection (another process may). */
  status: z.enum(['connecting', 'healthy', 'unhealthy', 'disabled', 'unknown']),
  health: z
    .object({
      toolCount: z.number(),
      lastError: z.string().nullable(),
      lastCheckedAt: timestamp.nullable(),
      connectedAt: timestamp.nullable(),
      failures: z.number(),
      nextAttemptAt: timestamp.nullable(),
    })
    .nullable(),
});

export const toolSchema = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});

export const callBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  arguments: z.record(z.string(), z.unknown()).default({}),
});

export const callResultSchema = z.object({
  content: z.array(z.record(z.string(), z.unknown())),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean(),
});

export type ServerCreateJson = z.output<typeof serverCreateSchema>;

export function toServerInput(body: ServerCreateJson): McpServerInput {
  const { description, ...rest } = body;
  return { ...rest, ...(description === undefined ? {} : { description }) };
}

export function serverJson(view: McpServerView): z.input<typeof serverSchema> {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: view.id,
    name: view.name,
    description: view.description,
    transport: view.transport,
    command: view.command,
    args: view.args,
    env: view.env,
    url: view.url,
    headers: view.headers,
    enabled: view.enabled,
    createdAt: view.createdAt.toISOString(),
    status: view.status,
    health: view.health && {
      toolCount: view.health.toolCount,
      lastError: view.health.lastError,
      lastCheckedAt: iso(view.health.lastCheckedAt),
      connectedAt: iso(view.health.connectedAt),
      failures: view.health.failures,
      nextAttemptAt: iso(view.health.nextAttemptAt),
    },
  };
}
