import { z } from 'zod';
// The ledger's table of ISO 4217 codes (the module file alone: no database code with it).
import { isCurrency } from '../ledger/currencies.ts';

/**
 * The agents' shapes, shared by the REST API, declarative files, the CLI and `web/`. The
 * customer's `BotConfiguration` fields keep their names (`botId`, `capabilities`,
 * `dependencies`, `healthCheck`, `maxConcurrentTasks`, `timeout` in milliseconds,
 * `retryPolicy`); the rest (kind, tier, backups, model, tools, budget) are IZA OS additions.
 */

export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);

export const TASK_STATES = [
  'queued',
  'assigned',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const FINAL_STATES: readonly TaskState[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];

export const AGENT_KINDS = ['llm', 'code', 'webhook'] as const;
export const TIERS = ['maestro', 'strategist', 'manager', 'worker'] as const;
export const PLATFORM_TOOLS = [
  'list_ventures',
  'get_workflow',
  'search_workflow_executions',
] as const;
export type PlatformToolName = (typeof PLATFORM_TOOLS)[number];

const botIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, "-" or "_" (at most 63)');
const capability = z.string().regex(/^[a-z][a-z0-9_.:-]{0,62}$/, 'must be a lower-case word');
const currency = z
  .string()
  .refine(isCurrency, 'must be an active ISO 4217 currency code (as EUR, USD, JPY)');
/** Integers as strings or numbers (JSON has no int8); kept as decimal strings in answers. */
const amount = z
  .union([
    z.string().regex(/^\d{1,18}$/),
    z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    // Already parsed (services parse again what routes parsed).
    z.bigint().min(0n),
  ])
  .transform((v) => BigInt(v));

export const retryPolicySchema = z.strictObject({
  /** Executions in all, first included (1: no retry). */
  maxAttempts: z.number().int().min(1).max(20).default(3),
  /** First delay before a retry, doubled each time, with up to 50% random jitter. */
  initialDelayMs: z.number().int().min(0).max(3_600_000).default(500),
  maxDelayMs: z.number().int().min(0).max(3_600_000).default(30_000),
});
export type RetryPolicy = z.output<typeof retryPolicySchema>;

export const budgetSchema = z.strictObject({
  tokens: amount.optional(),
  amount: amount.optional(),
  currency: currency.optional(),
});
export type Budget = z.output<typeof budgetSchema>;

export const llmSchema = z.strictObject({
  /**
   * `openai-compatible` (OpenAI, Ollama, vLLM, llama.cpp), `anthropic`, or `builtin`: the
   * deterministic offline provider (no model; labelled as such in every answer).
   */
  provider: z.enum(['openai-compatible', 'anthropic', 'builtin']).default('builtin'),
  model: z.string().min(1).max(200).default('builtin-echo'),
  /**
   * A provider connection of the organisation (by name): its base URL, key and prices. Without
   * a `provider` (or with `builtin`), the provider is the connection's kind.
   */
  connection: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be the name of a connection')
    .optional(),
  /**
   * An endpoint of the organisation's own, called without any key (a key belongs in a
   * connection). Neither this nor `connection`: the installation's endpoint and key
   * (`IZA_OPENAI_BASE_URL` / `IZA_ANTHROPIC_BASE_URL`).
   */
  baseUrl: z.url().optional(),
  systemPrompt: z.string().max(20_000).default('You are a helpful agent of IZA OS.'),
  /** Read-only platform tools the model may call. */
  tools: z.array(z.enum(PLATFORM_TOOLS)).max(10).default([]),
  /**
   * Tools (names among `tools`, or `*` for all) whose calls wait for a person's approval: the
   * task pauses (state `waiting`, reason `tool_approval`) until one approves or rejects them.
   */
  approveTools: z
    .array(z.union([z.enum(PLATFORM_TOOLS), z.literal('*')]))
    .max(10)
    .default([]),
  maxOutputTokens: z.number().int().min(1).max(200_000).default(1024),
  /** Model calls per task (each tool round trip is one): past it, the task fails `step_limit`. */
  maxSteps: z.number().int().min(1).max(50).optional(),
  stream: z.boolean().default(true),
});
export type LlmSettings = z.output<typeof llmSchema>;

/** A definition as the API, the CLI and `agents/*.yaml|json` files give it. */
export const agentInputSchema = z.strictObject({
  botId: botIdSchema,
  name: z.string().min(1).max(200),
  kind: z.enum(AGENT_KINDS),
  tier: z.enum(TIERS).default('worker'),
  capabilities: z.array(capability).min(1).max(50),
  /** Other agents (botIds) this one relies on; informative, listed in `show`. */
  dependencies: z.array(botIdSchema).max(50).default([]),
  /**
   * How the health prober checks the agent (agents.health.ts): `none`, never probed (health
   * `unknown`, routed as healthy), or an `http://` / `https://` URL that must answer 2xx to a
   * GET within min(`timeout`, 5 s); an `unhealthy` agent takes no new tasks.
   */
  healthCheck: z
    .string()
    .max(2000)
    .refine(
      (v) => v === 'none' || (/^https?:\/\/\S+$/.test(v) && URL.canParse(v)),
      'must be "none" or an http:// or https:// URL answering 2xx when healthy',
    )
    .default('none'),
  maxConcurrentTasks: z.number().int().min(1).max(10_000).default(1),
  /** Milliseconds one execution may take. */
  timeout: z.number().int().min(10).max(3_600_000).default(60_000),
  retryPolicy: retryPolicySchema.prefault({}),
  /** BotIds to fail over to, in order, when this agent fails or its breaker is open. */
  backupAgents: z.array(botIdSchema).max(10).default([]),
  llm: llmSchema.optional(),
  /** Code agents: the name of a handler registered in code (`registerCodeAgent`). */
  handler: z.string().min(1).max(100).optional(),
  /** Webhook agents: the endpoint that receives the task as JSON. */
  webhookUrl: z.url().optional(),
  budget: budgetSchema.optional(),
  /** Tasks routed to this agent wait for a human approval first. */
  requiresApproval: z.boolean().default(false),
  enabled: z.boolean().default(true),
});
export type AgentInput = z.input<typeof agentInputSchema>;
export type AgentDefinition = z.output<typeof agentInputSchema>;

/** The fields to change (any of `agentInputSchema`'s but `botId`), checked whole after merging. */
export const agentPatchSchema = z.record(z.string(), z.unknown());

export const HEALTH_STATES = ['unknown', 'healthy', 'unhealthy'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** The last probe of an agent's `healthCheck` (never probed: `unknown`, nulls). */
export interface AgentHealth {
  state: HealthState;
  checkedAt: string | null;
  detail: string | null;
}

export interface Agent extends AgentDefinition {
  id: string;
  orgId: string;
  source: 'api' | 'file';
  health: AgentHealth;
  createdAt: string;
  updatedAt: string;
}

const budgetJson = z.object({
  tokens: z.string().optional(),
  amount: z.string().optional(),
  currency: z.string().optional(),
});

export const agentSchema = z.object({
  id: z.string(),
  botId: z.string(),
  name: z.string(),
  kind: z.enum(AGENT_KINDS),
  tier: z.enum(TIERS),
  capabilities: z.array(z.string()),
  dependencies: z.array(z.string()),
  healthCheck: z.string(),
  maxConcurrentTasks: z.number(),
  timeout: z.number(),
  retryPolicy: z.object({
    maxAttempts: z.number(),
    initialDelayMs: z.number(),
    maxDelayMs: z.number(),
  }),
  backupAgents: z.array(z.string()),
  llm: z
    .object({
      provider: z.string(),
      model: z.string(),
      connection: z.string().optional(),
      baseUrl: z.string().optional(),
      systemPrompt: z.string(),
      tools: z.array(z.string()),
      approveTools: z.array(z.string()),
      maxOutputTokens: z.number(),
      maxSteps: z.number().optional(),
      stream: z.boolean(),
      /** True for the deterministic built-in provider: no model answers. */
      offlineDemo: z.boolean(),
    })
    .optional(),
  handler: z.string().optional(),
  webhookUrl: z.string().optional(),
  budget: budgetJson.optional(),
  requiresApproval: z.boolean(),
  enabled: z.boolean(),
  source: z.enum(['api', 'file']),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The last probe of `healthCheck`: `unhealthy` agents take no new tasks. */
  health: z.object({
    state: z.enum(HEALTH_STATES),
    checkedAt: z.string().nullable(),
    detail: z.string().nullable(),
  }),
  /** This process's view: running tasks, breaker state. */
  live: z
    .object({
      running: z.number(),
      breaker: z.enum(['closed', 'open', 'half_open']),
    })
    .optional(),
});
export type AgentJson = z.input<typeof agentSchema>;

export const taskInputSchema = z.strictObject({
  /** What the agent needs: every capability must be among the agent's. */
  capabilities: z.array(capability).max(20).default([]),
  /** A specific agent (id or botId) instead of routing by capability. */
  agent: z.string().min(1).max(100).optional(),
  priority: z.enum(PRIORITIES).default('medium'),
  input: z.unknown(),
  deadline: z.iso.datetime({ offset: true }).optional(),
  budget: budgetSchema.optional(),
  correlationId: z.string().min(1).max(200).optional(),
  parentId: z.uuid().optional(),
  requiresApproval: z.boolean().default(false),
});
export type TaskInput = z.input<typeof taskInputSchema>;

export const taskSchema = z.object({
  id: z.string(),
  correlationId: z.string(),
  parentId: z.string().nullable(),
  priority: z.enum(PRIORITIES),
  capabilities: z.array(z.string()),
  requestedAgentId: z.string().nullable(),
  agentId: z.string().nullable(),
  state: z.enum(TASK_STATES),
  reason: z.string().nullable(),
  error: z.string().nullable(),
  input: z.unknown(),
  output: z.unknown(),
  deadline: z.string().nullable(),
  budget: budgetJson.nullable(),
  tokensUsed: z.string(),
  /** Millionths of a minor unit of the budget's (or price's) currency. */
  costMicro: z.string(),
  attempts: z.number(),
  requiresApproval: z.boolean(),
  approvedBy: z.string().nullable(),
  /** The tool calls the task waits on (state `waiting`, reason `tool_approval`). */
  pendingToolCalls: z
    .array(z.object({ id: z.string(), tool: z.string(), args: z.unknown() }))
    .optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type TaskJson = z.input<typeof taskSchema>;

export const taskListQuery = z.object({
  state: z.enum(TASK_STATES).optional(),
  agent: z.string().optional(),
  correlationId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** The customer's `AgentMessage`, plus the task it belongs to. */
export const agentMessageSchema = z.object({
  messageId: z.string(),
  senderAgent: z.string(),
  recipientAgent: z.string(),
  messageType: z.enum(['task', 'response', 'error', 'status']),
  payload: z.unknown(),
  timestamp: z.string(),
  priority: z.enum(PRIORITIES),
  correlationId: z.string(),
  taskId: z.string().nullable(),
});

export const taskDetailSchema = taskSchema.extend({
  log: z.array(z.object({ seq: z.number(), kind: z.string(), text: z.string(), at: z.string() })),
  /** The task's messages, oldest first: the task, each attempt, failover, model and tool call. */
  messages: z.array(agentMessageSchema),
});
export type AgentMessage = z.input<typeof agentMessageSchema>;

export const agentMetricsSchema = z.object({
  agents: z.array(
    z.object({
      agentId: z.string(),
      botId: z.string(),
      tasks: z.record(z.string(), z.number()),
      completionRate: z.number().nullable(),
      errorRate: z.number().nullable(),
      latencyMsP50: z.number().nullable(),
      latencyMsP95: z.number().nullable(),
      tokens: z.string(),
      costMicro: z.string(),
      breaker: z.enum(['closed', 'open', 'half_open']),
      running: z.number(),
    }),
  ),
  organisation: z.object({ tokens: z.string(), costMicro: z.string(), queued: z.number() }),
});

export const refParams = z.object({ ref: z.string().min(1).max(100) });
/** A task by its id, or by the start or end of it (4+ characters) when that is unambiguous. */
export const idParams = z.object({
  id: z
    .string()
    .regex(/^[0-9a-fA-F-]{4,36}$/, 'must be a task id, or its first or last 4+ characters'),
});
export const correlationParams = z.object({ correlationId: z.string().min(1).max(200) });
export const decisionBody = z.strictObject({
  note: z.string().max(2000).optional(),
  /** A task waiting for tool calls: a decision per call id (others take the endpoint's). */
  decisions: z.record(z.string().min(1).max(200), z.enum(['approve', 'reject'])).optional(),
  /** Rejecting tool calls ends the task (cancelled, reason `rejected`) instead of going on. */
  endTask: z.boolean().optional(),
});
export type Decision = z.output<typeof decisionBody>;
