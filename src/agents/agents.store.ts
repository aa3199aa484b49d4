import { and, asc, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import {
  ErrorCodes,
  UserError,
  newId,
  notFound,
  type Database,
  type DbOrTx,
} from '../kernel/index.ts';
import { pendingToolCalls } from './agents.approval.ts';
import type { AgentMessage, Priority, TaskJson, TaskState } from './agents.dto.ts';
import { agentsCalls, agentsMessages, agentsTaskLog, agentsTasks } from './agents.schema.ts';

export type TaskRow = typeof agentsTasks.$inferSelect;
type MessageRow = typeof agentsMessages.$inferSelect;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function taskJson(row: TaskRow): TaskJson {
  const budget =
    row.budgetTokens === null && row.budgetAmount === null
      ? null
      : {
          ...(row.budgetTokens === null ? {} : { tokens: row.budgetTokens.toString() }),
          ...(row.budgetAmount === null ? {} : { amount: row.budgetAmount.toString() }),
          ...(row.budgetCurrency === null ? {} : { currency: row.budgetCurrency }),
        };
  const pending = pendingToolCalls(row);
  return {
    id: row.id,
    correlationId: row.correlationId,
    parentId: row.parentId,
    priority: row.priority as Priority,
    capabilities: row.capabilities,
    requestedAgentId: row.requestedAgentId,
    agentId: row.agentId,
    state: row.state as TaskState,
    reason: row.reason,
    error: row.error,
    input: row.input,
    output: row.output ?? null,
    deadline: iso(row.deadline),
    budget,
    tokensUsed: row.tokensUsed.toString(),
    costMicro: row.costMicro.toString(),
    attempts: row.attempts,
    requiresApproval: row.requiresApproval,
    approvedBy: row.approvedBy,
    ...(pending ? { pendingToolCalls: pending } : {}),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function messageJson(row: MessageRow): AgentMessage {
  return {
    messageId: row.id,
    senderAgent: row.senderAgent,
    recipientAgent: row.recipientAgent,
    messageType: row.messageType as AgentMessage['messageType'],
    payload: row.payload,
    timestamp: row.at.toISOString(),
    priority: row.priority as Priority,
    correlationId: row.correlationId,
    taskId: row.taskId,
  };
}

export async function insertMessage(
  db: DbOrTx,
  message: Omit<typeof agentsMessages.$inferInsert, 'id'>,
): Promise<void> {
  await db
    .insert(agentsMessages)
    .values({ id: newId(), ...message, payload: message.payload ?? null });
}

/**
 * The id of the organisation's task `ref` names: its id, or the start or the end of it (4 hex
 * digits or more, hyphens as in the id) when exactly one task's id starts or ends so. UUIDv7 ids
 * start with their creation time, so tasks made together share their start and the end is the
 * shorter way to name one (as ventures and workflows are named in the CLI). None: 404;
 * several: 409 listing two. The start is a range of the primary key; the end scans the
 * organisation's tasks.
 */
export async function resolveTaskId(db: DbOrTx, orgId: string, ref: string): Promise<string> {
  const wanted = ref.trim().toLowerCase();
  if (!/^[0-9a-f-]{4,36}$/.test(wanted)) {
    throw new UserError(ErrorCodes.validationFailed, `"${ref}" is not a task id or part of one`, {
      details: [{ path: 'id', message: 'must be a task id, or its first or last 4+ characters' }],
    });
  }
  const hex = wanted.replaceAll('-', '');
  const asUuid = (h: string) =>
    `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  const starting =
    hex.length <= 32
      ? await db
          .select({ id: agentsTasks.id })
          .from(agentsTasks)
          .where(
            and(
              eq(agentsTasks.orgId, orgId),
              gte(agentsTasks.id, asUuid(hex.padEnd(32, '0'))),
              lte(agentsTasks.id, asUuid(hex.padEnd(32, 'f'))),
            ),
          )
          .limit(2)
      : [];
  const ending = await db
    .select({ id: agentsTasks.id })
    .from(agentsTasks)
    .where(and(eq(agentsTasks.orgId, orgId), sql`${agentsTasks.id}::text like ${`%${wanted}`}`))
    .limit(2);
  const ids = [...new Set([...starting, ...ending].map((r) => r.id))];
  if (ids.length === 0) throw notFound(`Task ${ref}`);
  if (ids.length > 1) {
    throw new UserError(
      'ambiguous',
      `"${ref}" names several tasks (${ids.slice(0, 2).join(', ')}, ...): give more of the id`,
      { status: 409, details: [{ path: 'id', message: 'names several tasks' }] },
    );
  }
  return ids[0]!;
}

export async function loadTask(db: DbOrTx, orgId: string | null, id: string): Promise<TaskRow> {
  const [row] = await db
    .select()
    .from(agentsTasks)
    .where(
      orgId === null
        ? eq(agentsTasks.id, id)
        : and(eq(agentsTasks.orgId, orgId), eq(agentsTasks.id, id)),
    );
  if (!row) throw notFound(`Task ${id}`);
  return row;
}

/**
 * Checks a task a new task names as its parent: it must be one of the organisation's. Another
 * organisation's task is answered exactly as one that does not exist (404).
 */
export async function requireParent(db: DbOrTx, orgId: string, parentId: string): Promise<void> {
  const [row] = await db
    .select({ id: agentsTasks.id })
    .from(agentsTasks)
    .where(and(eq(agentsTasks.orgId, orgId), eq(agentsTasks.id, parentId)));
  if (!row) {
    throw new UserError(ErrorCodes.notFound, `parentId: task ${parentId} was not found`, {
      status: 404,
      details: [{ path: 'parentId', message: 'names no task of this organisation' }],
    });
  }
}

export async function listTasks(
  db: Database,
  orgId: string,
  query: {
    state?: TaskState | undefined;
    agentId?: string | undefined;
    correlationId?: string | undefined;
    limit: number;
  },
): Promise<TaskRow[]> {
  const where: (SQL | undefined)[] = [eq(agentsTasks.orgId, orgId)];
  if (query.state) where.push(eq(agentsTasks.state, query.state));
  if (query.agentId) where.push(eq(agentsTasks.agentId, query.agentId));
  if (query.correlationId) where.push(eq(agentsTasks.correlationId, query.correlationId));
  return db
    .select()
    .from(agentsTasks)
    .where(and(...where))
    .orderBy(desc(agentsTasks.createdAt), desc(agentsTasks.id))
    .limit(query.limit);
}

export async function taskLog(db: Database, taskId: string) {
  const rows = await db
    .select()
    .from(agentsTaskLog)
    .where(eq(agentsTaskLog.taskId, taskId))
    .orderBy(asc(agentsTaskLog.seq));
  return rows.map((r) => ({ seq: r.seq, kind: r.kind, text: r.text, at: r.at.toISOString() }));
}

export async function nextLogSeq(db: DbOrTx, taskId: string): Promise<number> {
  const [row] = await db
    .select({ seq: sql<number>`coalesce(max(${agentsTaskLog.seq}), 0)::int` })
    .from(agentsTaskLog)
    .where(eq(agentsTaskLog.taskId, taskId));
  return Number(row?.seq ?? 0) + 1;
}

/** The messages of one task, oldest first (its part of the conversation). */
export async function taskMessages(
  db: Database,
  orgId: string,
  taskId: string,
): Promise<AgentMessage[]> {
  const rows = await db
    .select()
    .from(agentsMessages)
    .where(and(eq(agentsMessages.orgId, orgId), eq(agentsMessages.taskId, taskId)))
    .orderBy(asc(agentsMessages.at), asc(agentsMessages.id));
  return rows.map(messageJson);
}

export async function trace(
  db: Database,
  orgId: string,
  correlationId: string,
): Promise<AgentMessage[]> {
  const rows = await db
    .select()
    .from(agentsMessages)
    .where(and(eq(agentsMessages.orgId, orgId), eq(agentsMessages.correlationId, correlationId)))
    .orderBy(asc(agentsMessages.at), asc(agentsMessages.id));
  return rows.map(messageJson);
}

/**
 * Tokens used by an agent in all, or by an organisation since `from`, with the reservations of
 * calls in flight; the cost counts only calls in `currency` when one is given.
 */
export async function tokensUsed(
  db: DbOrTx,
  where: { agentId: string } | { orgId: string; from: Date },
  currency?: string,
): Promise<{ tokens: bigint; costMicro: bigint }> {
  const cost = sql`${agentsCalls.costMicro} + ${agentsCalls.reservedMicro}`;
  const [row] = await db
    .select({
      tokens: sql<string>`coalesce(sum(${agentsCalls.inputTokens} + ${agentsCalls.outputTokens} + ${agentsCalls.reservedTokens}), 0)::text`,
      cost:
        currency === undefined
          ? sql<string>`coalesce(sum(${cost}), 0)::text`
          : sql<string>`coalesce(sum(case when ${agentsCalls.currency} = ${currency} then ${cost} else 0 end), 0)::text`,
    })
    .from(agentsCalls)
    .where(
      'agentId' in where
        ? eq(agentsCalls.agentId, where.agentId)
        : and(eq(agentsCalls.orgId, where.orgId), gte(agentsCalls.at, where.from)),
    );
  return { tokens: BigInt(row?.tokens ?? '0'), costMicro: BigInt(row?.cost ?? '0') };
}

/** Per agent: tasks by state, latency percentiles of finished ones, tokens and cost. */
export async function agentStats(db: Database, orgId: string) {
  const states = await db
    .select({
      agentId: agentsTasks.agentId,
      state: agentsTasks.state,
      n: sql<number>`count(*)::int`,
    })
    .from(agentsTasks)
    .where(eq(agentsTasks.orgId, orgId))
    .groupBy(agentsTasks.agentId, agentsTasks.state);
  const latency = await db
    .select({
      agentId: agentsTasks.agentId,
      p50: sql<
        number | null
      >`percentile_cont(0.5) within group (order by extract(epoch from (${agentsTasks.finishedAt} - ${agentsTasks.startedAt})) * 1000)`,
      p95: sql<
        number | null
      >`percentile_cont(0.95) within group (order by extract(epoch from (${agentsTasks.finishedAt} - ${agentsTasks.startedAt})) * 1000)`,
    })
    .from(agentsTasks)
    .where(and(eq(agentsTasks.orgId, orgId), eq(agentsTasks.state, 'succeeded')))
    .groupBy(agentsTasks.agentId);
  const usage = await db
    .select({
      agentId: agentsCalls.agentId,
      tokens: sql<string>`sum(${agentsCalls.inputTokens} + ${agentsCalls.outputTokens})::text`,
      cost: sql<string>`sum(${agentsCalls.costMicro})::text`,
    })
    .from(agentsCalls)
    .where(eq(agentsCalls.orgId, orgId))
    .groupBy(agentsCalls.agentId);
  return { states, latency, usage };
}

/** The rows of a raw query, on PGlite and node-postgres alike (both answer `{ rows }`). */
export async function rowsOf<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: T[] }).rows;
}
