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
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The agents' tables (see README.md beside this file). Every row carries `org_id`. Money is
 * `int8`: budgets in minor units of their currency, costs in millionths of a minor unit
 * (`cost_micro`), so a price per million tokens times a token count is exact.
 */
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const int8 = (name: string) => bigint(name, { mode: 'bigint' });

/** The registry: one row per agent, its whole definition in `definition` (see agents.types.ts). */
export const agentsAgents = pgTable(
  'agents_agents',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    /** The customer's `botId`: unique within an organisation. */
    botId: text('bot_id').notNull(),
    name: text('name').notNull(),
    /** `llm` | `code` | `webhook`. */
    kind: text('kind').notNull(),
    /** `api` | `file` (loaded from the agents folder at start). */
    source: text('source').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    definition: jsonb('definition').notNull(),
    /** Last probe of `healthCheck`: `unknown` | `healthy` | `unhealthy` (see agents.health.ts). */
    healthState: text('health_state').notNull().default('unknown'),
    healthCheckedAt: at('health_checked_at'),
    /** What the last probe saw: a status code, an error, a latency. */
    healthDetail: text('health_detail'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('agents_agents_org_bot_idx').on(t.orgId, t.botId),
    check('agents_agents_kind_check', sql`${t.kind} in ('llm', 'code', 'webhook')`),
  ],
);

/**
 * Provider connections (agents.connections.ts): an organisation's named LLM endpoints. The API
 * key is not here: it is an organisation secret (`secret_name`, sealed by the vault through the
 * access module's secrets service); `key_digest` (SHA-256 of the connection id and the key)
 * lets a call refuse a key replaced behind the connection's back (through the secrets API).
 */
export const agentsConnections = pgTable(
  'agents_connections',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    /** Unique within an organisation; agents name it in `llm.connection`. */
    name: text('name').notNull(),
    /** `openai-compatible` | `anthropic`. */
    kind: text('kind').notNull(),
    baseUrl: text('base_url').notNull(),
    secretName: text('secret_name'),
    keyDigest: text('key_digest'),
    /** `[{ id, price?: { input, output, currency } }]`: prices per million tokens, minor units. */
    models: jsonb('models').notNull(),
    description: text('description'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('agents_connections_org_name_idx').on(t.orgId, t.name),
    check('agents_connections_kind_check', sql`${t.kind} in ('openai-compatible', 'anthropic')`),
    check(
      'agents_connections_key_check',
      sql`(${t.secretName} is null) = (${t.keyDigest} is null)`,
    ),
  ],
);

export const agentsTasks = pgTable(
  'agents_tasks',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    correlationId: text('correlation_id').notNull(),
    parentId: uuid('parent_id'),
    /** `low` | `medium` | `high` | `critical`; `priority_rank` 0..3 orders the queue. */
    priority: text('priority').notNull(),
    priorityRank: smallint('priority_rank').notNull(),
    capabilities: text('capabilities')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** The agent the caller asked for (by id), if any. */
    requestedAgentId: uuid('requested_agent_id'),
    /** The agent working (or that last worked) the task. */
    agentId: uuid('agent_id'),
    state: text('state').notNull(),
    /** Why the task waits (`approval`) or ended the way it did, as a stable code. */
    reason: text('reason'),
    error: text('error'),
    input: jsonb('input'),
    output: jsonb('output'),
    deadline: at('deadline'),
    budgetTokens: int8('budget_tokens'),
    budgetAmount: int8('budget_amount'),
    budgetCurrency: text('budget_currency'),
    tokensUsed: int8('tokens_used')
      .notNull()
      .default(sql`0`),
    costMicro: int8('cost_micro')
      .notNull()
      .default(sql`0`),
    /** Executions started (a worker that dies counts one). */
    attempts: integer('attempts').notNull().default(0),
    requiresApproval: boolean('requires_approval').notNull().default(false),
    approvedBy: text('approved_by'),
    /**
     * Where a paused execution resumes: an LLM agent's conversation so far and the tool calls
     * waiting for a decision (state `waiting`, reason `tool_approval`).
     */
    checkpoint: jsonb('checkpoint'),
    /** The process running the task and until when its lease holds (renewed by heartbeat). */
    leaseOwner: text('lease_owner'),
    leaseUntil: at('lease_until'),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    index('agents_tasks_org_created_idx').on(t.orgId, t.createdAt),
    index('agents_tasks_state_lease_idx').on(t.state, t.leaseUntil),
    index('agents_tasks_correlation_idx').on(t.orgId, t.correlationId),
    index('agents_tasks_agent_state_idx').on(t.agentId, t.state),
    check(
      'agents_tasks_state_check',
      sql`${t.state} in ('queued', 'assigned', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out')`,
    ),
    check(
      'agents_tasks_priority_check',
      sql`${t.priority} in ('low', 'medium', 'high', 'critical')`,
    ),
  ],
);

/**
 * Slots of an agent held by each working process, so that `maxConcurrentTasks` holds across
 * processes: the sum of live `held` for an agent never exceeds its limit (agents.slots.ts).
 * A process that dies stops renewing `lease_until`; its slots are free once it passes.
 */
export const agentsSlotLeases = pgTable(
  'agents_slot_leases',
  {
    agentId: uuid('agent_id').notNull(),
    owner: text('owner').notNull(),
    held: integer('held').notNull(),
    /** Slots this process could use now (running plus waiting work): the basis of fair shares. */
    wanted: integer('wanted').notNull().default(0),
    leaseUntil: at('lease_until').notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.owner] })],
);

/** Every exchange, in the customer's `AgentMessage` envelope. */
export const agentsMessages = pgTable(
  'agents_messages',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    taskId: uuid('task_id'),
    correlationId: text('correlation_id').notNull(),
    senderAgent: text('sender_agent').notNull(),
    recipientAgent: text('recipient_agent').notNull(),
    /** `task` | `response` | `error` | `status`. */
    messageType: text('message_type').notNull(),
    priority: text('priority').notNull(),
    payload: jsonb('payload'),
    at: at('at').notNull(),
  },
  (t) => [
    index('agents_messages_correlation_idx').on(t.orgId, t.correlationId, t.at),
    index('agents_messages_task_idx').on(t.taskId),
  ],
);

/** One model (or webhook) call: tokens and cost, for budgets and metrics. */
export const agentsCalls = pgTable(
  'agents_calls',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    taskId: uuid('task_id').notNull(),
    agentId: uuid('agent_id').notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    costMicro: int8('cost_micro').notNull(),
    currency: text('currency').notNull(),
    ms: integer('ms').notNull(),
    ok: boolean('ok').notNull(),
    error: text('error'),
    /**
     * A call being made holds its worst case here (estimated input plus `maxOutputTokens`, and
     * their cost) from before the call until it is settled with what it used (agents.budget.ts),
     * so budgets count calls in flight in every process.
     */
    reservedTokens: int8('reserved_tokens')
      .notNull()
      .default(sql`0`),
    reservedMicro: int8('reserved_micro')
      .notNull()
      .default(sql`0`),
    at: at('at').notNull(),
  },
  (t) => [
    index('agents_calls_org_at_idx').on(t.orgId, t.at),
    index('agents_calls_agent_idx').on(t.agentId),
    index('agents_calls_task_idx').on(t.taskId),
  ],
);

/** A task's log: state changes, retries, tool calls and streamed output, in order. */
export const agentsTaskLog = pgTable(
  'agents_task_log',
  {
    taskId: uuid('task_id').notNull(),
    seq: integer('seq').notNull(),
    orgId: uuid('org_id').notNull(),
    /** `state` | `attempt` | `retry` | `failover` | `output` | `tool` | `budget` | `breaker`. */
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    at: at('at').notNull(),
  },
  (t) => [primaryKey({ name: 'agents_task_log_pk', columns: [t.taskId, t.seq] })],
);

/**
 * Cooldowns of provider endpoints (agents.cooldowns.ts): an endpoint that answered 429 takes no
 * call until `until`, from any agent using it and from any process. `endpoint` is the key of
 * the endpoint (a connection, or a base URL with the key it is called with); `org_id` is the
 * organisation whose endpoint it is (null: the installation's, shared by every organisation).
 */
export const agentsCooldowns = pgTable('agents_cooldowns', {
  endpoint: text('endpoint').primaryKey(),
  orgId: uuid('org_id'),
  until: at('until').notNull(),
  /** What the endpoint said: the status and `Retry-After`. */
  reason: text('reason').notNull(),
  at: at('at').notNull(),
});
