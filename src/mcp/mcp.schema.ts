import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * External MCP servers an organisation connects to IZA OS (the hub): started as a child process
 * over stdio, or reached over Streamable HTTP. Header and environment values may name vault
 * secrets (`{{secret:NAME}}`), resolved only when connecting: no secret value is stored here.
 * Connection state (healthy, tools) lives in the server process, not in this table.
 */
export const mcpServers = pgTable(
  'mcp_servers',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    /** Unique in the organisation, e.g. "github". */
    name: text('name').notNull(),
    description: text('description'),
    /** `stdio` | `http`. */
    transport: text('transport').notNull(),
    /** stdio: the executable. */
    command: text('command'),
    /** stdio: its arguments. */
    args: jsonb('args').$type<string[]>().notNull().default([]),
    /** stdio: extra environment variables (values may reference secrets). */
    env: jsonb('env').$type<Record<string, string>>().notNull().default({}),
    /** http: the Streamable HTTP endpoint. */
    url: text('url'),
    /** http: headers sent with every request (values may reference secrets). */
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: text('created_by'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('mcp_servers_org_name_idx').on(t.orgId, t.name),
    check(
      'mcp_servers_transport_check',
      sql`(${t.transport} = 'stdio' and ${t.command} is not null and ${t.url} is null) or (${t.transport} = 'http' and ${t.url} is not null and ${t.command} is null)`,
    ),
  ],
);
