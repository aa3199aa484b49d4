import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  getTableName,
  inArray,
  isNull,
  sql,
} from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { AuditEntryInput, AuditLog } from '../access/index.ts';
import type { Clock, Database, DbOrTx } from '../kernel/index.ts';
import type { TaskState } from './agents.dto.ts';
import { createBatcher } from './agents.batch.ts';
import { agentsCalls, agentsMessages, agentsTaskLog, agentsTasks } from './agents.schema.ts';
import { rowsOf, type TaskRow } from './agents.store.ts';
import { dict } from '../kernel/dict.ts';

export type MessageRow = typeof agentsMessages.$inferInsert & { id: string };
export type LogRow = typeof agentsTaskLog.$inferInsert;

export interface DispatchRecord {
  row: TaskRow;
  messages: MessageRow[];
  audit: AuditEntryInput;
}

export interface CallRecord {
  row: typeof agentsCalls.$inferInsert & { id: string; taskId: string };
  /** The row exists (a reservation): settled rather than inserted. */
  settles: boolean;
  tokens: bigint;
  costMicro: bigint;
}

export interface FinishRecord {
  taskId: string;
  state: TaskState;
  reason: string | null;
  error: string | null;
  output: unknown;
  at: Date;
  logs: LogRow[];
  /** The execution's trace messages not written yet (attempts, failovers, model and tool calls). */
  trace?: MessageRow[];
  message: MessageRow;
  /** A pause for tool approvals (state `waiting`): where the execution resumes. */
  checkpoint?: unknown;
}

/**
 * The executor's writes, each group-committed (`createBatcher`): claims of queued tasks, new
 * tasks with their messages and audit entries, and ends of tasks with their last messages and
 * logs. Under load one transaction carries hundreds; alone, an item is written at once.
 */
export function createTaskWrites(deps: {
  db: Database;
  clock: Clock;
  audit: Pick<AuditLog, 'recordMany'>;
  owner: string;
  leaseUntil: () => Date;
}) {
  const { db, clock, owner, leaseUntil } = deps;
  /**
   * Claims together: each task still queued, and not held by another live process, becomes
   * running here on its agent (one process wins a task; the losers give the slot back). The
   * caller holds the row; the claim answers it as it now stands, without reading it again.
   */
  const claimer = createBatcher<{ task: TaskRow; agentId: string }, TaskRow | undefined>(
    async (items) => {
      const now = clock.now();
      const lease = leaseUntil();
      const values = items.map((i) => ({ id: i.task.id, agent: i.agentId }));
      const won = new Map(
        (
          await rowsOf<{ id: string; attempts: number; started_at: string | Date }>(
            db,
            sql`
      update agents_tasks t set state = 'running', agent_id = v.agent, attempts = t.attempts + 1,
        lease_owner = ${owner}, lease_until = ${lease.toISOString()}::timestamptz,
        started_at = coalesce(t.started_at, ${now.toISOString()}::timestamptz),
        updated_at = ${now.toISOString()}::timestamptz, reason = null
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(id uuid, agent uuid)
      where t.id = any(${`{${values.map((v) => v.id).join(',')}}`}::uuid[]) and t.id = v.id
        and t.state = 'queued' and (t.lease_owner is null or t.lease_owner = ${owner})
      returning t.id::text as id, t.attempts, t.started_at`,
          )
        ).map((r) => [r.id, r]),
      );
      return items.map(({ task, agentId }): TaskRow | undefined => {
        const row = won.get(task.id);
        if (!row) return undefined;
        return {
          ...task,
          state: 'running',
          agentId,
          attempts: Number(row.attempts),
          leaseOwner: owner,
          leaseUntil: lease,
          startedAt: new Date(row.started_at),
          updatedAt: now,
          reason: null,
        };
      });
    },
  );

  /**
   * Takes up to `limit` queued tasks that no process holds into this process's backlog, highest
   * priority first, oldest first: each gets this process's lease (renewed by the heartbeat; when
   * it lapses, recovery frees the task for another process). Rows locked by another process's
   * pull are skipped, so two processes never take the same task.
   */
  async function pull(limit: number): Promise<TaskRow[]> {
    if (limit <= 0) return [];
    const free = db
      .select({ id: agentsTasks.id })
      .from(agentsTasks)
      .where(and(eq(agentsTasks.state, 'queued'), isNull(agentsTasks.leaseOwner)))
      .orderBy(desc(agentsTasks.priorityRank), asc(agentsTasks.createdAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    return db
      .update(agentsTasks)
      .set({ leaseOwner: owner, leaseUntil: leaseUntil() })
      .where(
        and(
          inArray(agentsTasks.id, free),
          eq(agentsTasks.state, 'queued'),
          isNull(agentsTasks.leaseOwner),
        ),
      )
      .returning();
  }

  /** Dispatches recorded together: tasks, their `task` messages and audit entries. */
  const recorder = createBatcher<DispatchRecord>(async (items) => {
    await db.transaction(async (tx) => {
      await insertJson(
        tx,
        agentsTasks,
        items.map((i) => i.row),
      );
      await insertJson(
        tx,
        agentsMessages,
        items.flatMap((i) => i.messages),
      );
      await deps.audit.recordMany(
        tx,
        items.map((i) => i.audit),
      );
    });
  });

  /**
   * Ends recorded together: one UPDATE for the batch (only tasks still running under our lease:
   * one cancelled or recovered meanwhile keeps its state), their last messages and logs. A pause
   * for tool approvals goes the same way: state `waiting` with its checkpoint, not finished.
   */
  const finisher = createBatcher<FinishRecord>(async (items) => {
    const values = items.map((i) => ({
      id: i.taskId,
      state: i.state,
      reason: i.reason,
      error: i.error,
      output: i.output,
      checkpoint: i.checkpoint ?? null,
      at: i.at.toISOString(),
    }));
    await db.transaction(async (tx) => {
      const result = {
        rows: await rowsOf<{ id: string }>(
          tx,
          sql`
        update agents_tasks t set state = v.state, reason = v.reason, error = v.error,
          output = v.output, checkpoint = coalesce(v.checkpoint, t.checkpoint),
          finished_at = case when v.state = 'waiting' then null else v.at end,
          updated_at = v.at, lease_owner = null, lease_until = null
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
          as v(id uuid, state text, reason text, error text, output jsonb, checkpoint jsonb,
            at timestamptz)
        where t.id = any(${`{${items.map((i) => i.taskId).join(',')}}`}::uuid[]) and t.id = v.id
          and t.state = 'running' and t.lease_owner = ${owner}
        returning t.id::text as id`,
        ),
      };
      const done = new Set(result.rows.map((r) => r.id));
      // The trace is what happened, kept whatever the task's state now; the last message only
      // for the tasks this batch ended.
      const messages = items.flatMap((i) => [
        ...(i.trace ?? []),
        ...(done.has(i.taskId) ? [i.message] : []),
      ]);
      if (messages.length > 0) await insertJson(tx, agentsMessages, messages);
      await insertJson(
        tx,
        agentsTaskLog,
        items.flatMap((i) => i.logs),
      );
    });
  });

  /** Log lines and trace messages of running tasks (their periodic flush), together. */
  const traceWriter = createBatcher<{ logs: LogRow[]; messages: MessageRow[] }>(async (items) => {
    await db.transaction(async (tx) => {
      await insertJson(
        tx,
        agentsTaskLog,
        items.flatMap((i) => i.logs),
      );
      await insertJson(
        tx,
        agentsMessages,
        items.flatMap((i) => i.messages),
      );
    });
  });

  /**
   * Model calls recorded together: new rows inserted, reserved ones (agents.budget.ts) settled
   * with what they used, and each task's token and cost sums moved, in one transaction.
   */
  const callWriter = createBatcher<CallRecord>(async (items) => {
    const sums = new Map<string, { tokens: bigint; cost: bigint }>();
    for (const i of items) {
      const sum = sums.get(i.row.taskId) ?? { tokens: 0n, cost: 0n };
      sum.tokens += i.tokens;
      sum.cost += i.costMicro;
      sums.set(i.row.taskId, sum);
    }
    const values = [...sums].map(([id, s]) => ({
      id,
      tokens: s.tokens.toString(),
      cost: s.cost.toString(),
    }));
    await db.transaction(async (tx) => {
      await insertJson(
        tx,
        agentsCalls,
        items.filter((i) => !i.settles).map((i) => i.row),
      );
      for (const { row } of items.filter((i) => i.settles)) {
        await tx.update(agentsCalls).set(row).where(eq(agentsCalls.id, row.id));
      }
      await tx.execute(sql`
        update agents_tasks t set tokens_used = t.tokens_used + v.tokens,
          cost_micro = t.cost_micro + v.cost
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(id uuid, tokens int8, cost int8)
        where t.id = any(${`{${values.map((v) => v.id).join(',')}}`}::uuid[]) and t.id = v.id`);
    });
  });

  return { claimer, pull, recorder, finisher, traceWriter, callWriter };
}

/**
 * A multi-row insert as one JSON parameter (`jsonb_populate_recordset`): building a Drizzle
 * insert of hundreds of rows with 30 parameters each costs more CPU than the insert itself.
 */
async function insertJson(tx: DbOrTx, table: PgTable, rows: object[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => [key, column.name]);
  const json = JSON.stringify(
    rows.map((row) => {
      const out = dict<unknown>();
      for (const [key, name] of columns)
        out[name!] = (row as Record<string, unknown>)[key!] ?? null;
      return out;
    }),
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
  const name = sql.identifier(getTableName(table));
  await tx.execute(
    sql`insert into ${name} select * from jsonb_populate_recordset(null::${name}, ${json}::jsonb)`,
  );
}
