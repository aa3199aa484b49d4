import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The workflows module's tables. Every row carries `org_id`. A workflow keeps its n8n JSON in
 * jsonb columns (nodes, connections, settings, pinData, staticData) and every save as a
 * numbered version; executions keep the engine's resumable `ExecutionState` after each node.
 * See README.md beside this file.
 */
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const workflows = pgTable(
  'workflows',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    name: text('name').notNull(),
    active: boolean('active').notNull().default(false),
    nodes: jsonb('nodes').notNull(),
    connections: jsonb('connections').notNull(),
    settings: jsonb('settings').notNull().default({}),
    pinData: jsonb('pin_data').notNull().default({}),
    staticData: jsonb('static_data').notNull().default({}),
    /** Fields of the n8n JSON the model does not name (meta, versionId...), kept for export. */
    extra: jsonb('extra').notNull().default({}),
    /** Node types (with versions) this build cannot run: `[{type, typeVersions, nodes}]`. */
    unsupported: jsonb('unsupported').notNull().default([]),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** The id the workflow had in the file it was imported from, if any. */
    sourceId: text('source_id'),
    version: integer('version').notNull().default(1),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    index('workflows_org_idx').on(t.orgId, t.name),
    index('workflows_active_idx')
      .on(t.active)
      .where(sql`${t.active}`),
  ],
);

/** Every save of a workflow, numbered from 1. */
export const workflowVersions = pgTable(
  'workflow_versions',
  {
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    orgId: uuid('org_id').notNull(),
    /** The whole n8n JSON as saved. */
    definition: jsonb('definition').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [primaryKey({ name: 'workflow_versions_pk', columns: [t.workflowId, t.version] })],
);

export const workflowExecutions = pgTable(
  'workflow_executions',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    workflowVersion: integer('workflow_version').notNull(),
    /** `new` | `running` | `waiting` | `succeeded` | `failed` | `crashed` | `cancelled`. */
    status: text('status').notNull(),
    /** `manual` | `webhook` | `schedule` | `error` | `subworkflow`. */
    mode: text('mode').notNull(),
    startNode: text('start_node'),
    startedAt: at('started_at').notNull(),
    finishedAt: at('finished_at'),
    /** `{message, name, node?, description?}` of a failed or crashed execution. */
    error: jsonb('error'),
    lastNode: text('last_node'),
    /** The engine's `ExecutionState` after the last finished node (resumable). */
    state: jsonb('state'),
    /** When a waiting execution resumes. */
    waitUntil: at('wait_until'),
    /** The process running it (`<boot id>`) and until when its lease holds. */
    owner: text('owner'),
    leaseUntil: at('lease_until'),
    /** Trigger items of a queued run (schedule, manual run through the queue). */
    input: jsonb('input'),
    /** Key/value pairs the execution saved to be found by (`$execution.customData`). */
    customData: jsonb('custom_data').$type<Record<string, string>>(),
    /** Times recovery started it again after its process stopped (at most once). */
    recoveries: integer('recoveries').notNull().default(0),
  },
  (t) => [
    index('workflow_executions_list_idx').on(t.orgId, t.startedAt),
    index('workflow_executions_workflow_idx').on(t.workflowId, t.startedAt),
    index('workflow_executions_running_idx')
      .on(t.leaseUntil)
      .where(sql`${t.status} in ('new', 'running')`),
    check(
      'workflow_executions_status_check',
      sql`${t.status} in ('new', 'running', 'waiting', 'succeeded', 'failed', 'crashed', 'cancelled')`,
    ),
    check(
      'workflow_executions_mode_check',
      sql`${t.mode} in ('manual', 'webhook', 'schedule', 'error', 'subworkflow')`,
    ),
  ],
);

/** Per node run of an execution: input and output cut to the configured size. */
export const workflowExecutionNodes = pgTable(
  'workflow_execution_nodes',
  {
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    node: text('node').notNull(),
    runIndex: integer('run_index').notNull(),
    status: text('status').notNull(),
    startedAt: at('started_at').notNull(),
    executionMs: bigint('execution_ms', { mode: 'number' }).notNull(),
    items: integer('items').notNull(),
    input: jsonb('input'),
    output: jsonb('output'),
    error: jsonb('error'),
    truncated: boolean('truncated').notNull().default(false),
  },
  (t) => [
    primaryKey({
      name: 'workflow_execution_nodes_pk',
      columns: [t.executionId, t.node, t.runIndex],
    }),
  ],
);

/**
 * The webhooks of active workflows: one (method, path) per organisation. Each organisation has
 * its own namespace of paths (`/o/<org-slug>/webhook/<path>`), so one cannot take or probe
 * another's paths.
 */
export const workflowWebhooks = pgTable(
  'workflow_webhooks',
  {
    method: text('method').notNull(),
    path: text('path').notNull(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id').notNull(),
    node: text('node').notNull(),
  },
  (t) => [uniqueIndex('workflow_webhooks_org_method_path_idx').on(t.orgId, t.method, t.path)],
);
