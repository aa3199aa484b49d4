import { and, eq, inArray, isNotNull, lt, ne, or, sql } from 'drizzle-orm';
import type { AuditLog } from '../access/index.ts';
import {
  ErrorCodes,
  UserError,
  type Clock,
  type Database,
  type DbOrTx,
  type EventBus,
  type Logger,
} from '../kernel/index.ts';
import type { ToolCheckpoint, ToolDecision } from './agents.approval.ts';
import { FINAL_STATES, type Decision } from './agents.dto.ts';
import { agentsAgents, agentsCalls, agentsTaskLog, agentsTasks } from './agents.schema.ts';
import { insertMessage, loadTask, nextLogSeq, type TaskRow } from './agents.store.ts';
import { dict } from '../kernel/dict.ts';

/** Published on cancellation, so the process running the task (any process) aborts it. */
export const CANCEL_EVENT = 'agents.task.cancel';

const isFinal = (state: string) => (FINAL_STATES as readonly string[]).includes(state);

export interface TaskControlDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  audit: Pick<AuditLog, 'record'>;
  events: EventBus;
  /** This process's lease owner name. */
  owner: string;
  actorLabel: () => string;
  /** Aborts the task if this process runs it. */
  abortLocal: (taskId: string) => void;
  /** Queues the task on pg-boss. */
  send: (taskId: string, priority: number) => Promise<void>;
  /** Waits for a local slot and runs the task (processes working jobs). */
  runLocally: (task: TaskRow) => void;
  isWorking: () => boolean;
}

/**
 * What happens to tasks from outside their execution: cancellation, human decisions on tasks
 * waiting for approval, and recovery of the tasks of a worker that died (see README.md).
 */
export function createTaskControl(deps: TaskControlDeps) {
  const { db, clock, log, owner, actorLabel } = deps;

  async function cancel(orgId: string, taskId: string): Promise<TaskRow> {
    const now = clock.now();
    const row = await db.transaction(async (tx) => {
      const task = await loadTask(tx, orgId, taskId);
      if (isFinal(task.state)) {
        throw new UserError(
          ErrorCodes.conflict,
          `Task ${taskId} has already ended (${task.state})`,
          {
            status: 409,
          },
        );
      }
      const [done] = await tx
        .update(agentsTasks)
        .set({
          state: 'cancelled',
          reason: 'cancelled',
          error: 'Cancelled by a caller',
          finishedAt: now,
          updatedAt: now,
          leaseOwner: null,
          leaseUntil: null,
        })
        .where(and(eq(agentsTasks.id, taskId), eq(agentsTasks.state, task.state)))
        .returning();
      if (!done)
        throw new UserError(ErrorCodes.conflict, `Task ${taskId} changed meanwhile; try again`, {
          status: 409,
        });
      await insertMessage(tx, {
        orgId,
        taskId,
        correlationId: task.correlationId,
        senderAgent: actorLabel(),
        recipientAgent: 'router',
        messageType: 'status',
        priority: task.priority,
        payload: { state: 'cancelled' },
        at: now,
      });
      await deps.audit.record(tx, {
        action: 'agents.task.cancel',
        entityType: 'agent_task',
        entityId: taskId,
        orgId,
        before: { state: task.state },
        after: { state: 'cancelled' },
      });
      return done;
    });
    deps.abortLocal(taskId);
    await deps.events.publish(CANCEL_EVENT, { taskId });
    return row;
  }

  /**
   * A human decides on a task waiting for approval: approved, it is queued; rejected, it ends.
   * On a task waiting for tool calls (`tool_approval`) it may differ per call (`decisions`;
   * calls not named take `approve`'s) and the task is queued to resume from its checkpoint,
   * unless a rejection asks `endTask`.
   */
  async function decide(
    orgId: string,
    taskId: string,
    approve: boolean,
    note?: string,
    options: Omit<Decision, 'note'> = {},
  ): Promise<TaskRow> {
    const now = clock.now();
    const who = actorLabel();
    const row = await db.transaction(async (tx) => {
      const task = await loadTask(tx, orgId, taskId);
      if (
        task.state !== 'waiting' ||
        (task.reason !== 'approval' && task.reason !== 'tool_approval')
      ) {
        throw new UserError(
          ErrorCodes.conflict,
          `Task ${taskId} is not waiting for an approval (${task.state}${task.reason ? `, ${task.reason}` : ''})`,
          {
            status: 409,
          },
        );
      }
      if (task.reason === 'tool_approval' && !(options.endTask && !approve)) {
        return decideTools(tx, task, approve, who, now, note, options.decisions);
      }
      if (task.reason === 'approval' && options.decisions) {
        throw new UserError(
          ErrorCodes.validationFailed,
          `Task ${taskId} waits for an approval of the whole task, not of tool calls: decisions do not apply`,
          { details: [{ path: 'decisions', message: 'applies to tasks waiting for tool calls' }] },
        );
      }
      const [done] = await tx
        .update(agentsTasks)
        .set(
          approve
            ? { state: 'queued', reason: null, approvedBy: who, updatedAt: now }
            : {
                state: 'cancelled',
                reason: 'rejected',
                error: `Rejected by ${who}${note ? `: ${note}` : ''}`,
                finishedAt: now,
                updatedAt: now,
              },
        )
        .where(
          and(
            eq(agentsTasks.id, taskId),
            eq(agentsTasks.state, 'waiting'),
            eq(agentsTasks.reason, task.reason),
          ),
        )
        .returning();
      if (!done)
        throw new UserError(ErrorCodes.conflict, `Task ${taskId} changed meanwhile`, {
          status: 409,
        });
      await insertMessage(tx, {
        orgId,
        taskId,
        correlationId: task.correlationId,
        senderAgent: who,
        recipientAgent: 'router',
        messageType: 'status',
        priority: task.priority,
        payload: { decision: approve ? 'approved' : 'rejected', ...(note ? { note } : {}) },
        at: now,
      });
      await deps.audit.record(tx, {
        action: approve ? 'agents.task.approve' : 'agents.task.reject',
        entityType: 'agent_task',
        entityId: taskId,
        orgId,
        before: { state: 'waiting', reason: task.reason },
        after: { state: done.state, ...(note ? { note } : {}) },
      });
      return done;
    });
    if (row.state === 'queued') {
      await deps.send(taskId, row.priorityRank);
      if (deps.isWorking()) deps.runLocally(row);
    }
    return row;
  }

  /**
   * Decisions on the tool calls a task waits on: written into its checkpoint, and the task is
   * queued to resume from it. The resumed execution is not another attempt: `attempts` goes
   * back by one, which its claim adds again. One audit entry per call, one `status` message.
   */
  async function decideTools(
    tx: DbOrTx,
    task: TaskRow,
    approve: boolean,
    who: string,
    now: Date,
    note: string | undefined,
    given: Record<string, 'approve' | 'reject'> = {},
  ): Promise<TaskRow> {
    const checkpoint = task.checkpoint as ToolCheckpoint;
    const ids = new Set(checkpoint.pending.map((c) => c.id));
    const unknown = Object.keys(given).filter((id) => !ids.has(id));
    if (unknown.length > 0) {
      throw new UserError(
        ErrorCodes.validationFailed,
        `Task ${task.id} does not wait for tool calls ${unknown.join(', ')} (it waits for ${[...ids].join(', ')})`,
        { details: unknown.map((id) => ({ path: `decisions.${id}`, message: 'is not pending' })) },
      );
    }
    const decisions = dict<ToolDecision>();
    for (const call of checkpoint.pending) {
      const approved = (given[call.id] ?? (approve ? 'approve' : 'reject')) === 'approve';
      decisions[call.id] = { approved, by: who, ...(note ? { note } : {}) };
    }
    const [done] = await tx
      .update(agentsTasks)
      .set({
        state: 'queued',
        reason: null,
        checkpoint: { ...checkpoint, decisions },
        attempts: sql`greatest(${agentsTasks.attempts} - 1, 0)`,
        ...(Object.values(decisions).some((d) => d.approved) ? { approvedBy: who } : {}),
        updatedAt: now,
      })
      .where(
        and(
          eq(agentsTasks.id, task.id),
          eq(agentsTasks.state, 'waiting'),
          eq(agentsTasks.reason, 'tool_approval'),
        ),
      )
      .returning();
    if (!done)
      throw new UserError(ErrorCodes.conflict, `Task ${task.id} changed meanwhile`, {
        status: 409,
      });
    const toolCalls = checkpoint.pending.map((c) => ({
      id: c.id,
      tool: c.tool,
      decision: decisions[c.id]!.approved ? 'approved' : 'rejected',
    }));
    await insertMessage(tx, {
      orgId: task.orgId,
      taskId: task.id,
      correlationId: task.correlationId,
      senderAgent: who,
      recipientAgent: 'router',
      messageType: 'status',
      priority: task.priority,
      payload: { decision: 'tool_calls', toolCalls, ...(note ? { note } : {}) },
      at: now,
    });
    for (const call of toolCalls) {
      await deps.audit.record(tx, {
        action:
          call.decision === 'approved' ? 'agents.tool_call.approve' : 'agents.tool_call.reject',
        entityType: 'agent_task',
        entityId: task.id,
        orgId: task.orgId,
        before: { state: 'waiting', reason: 'tool_approval' },
        after: { state: 'queued', toolCallId: call.id, tool: call.tool, ...(note ? { note } : {}) },
      });
    }
    return done;
  }

  /**
   * Tasks whose worker died: running with a lapsed lease (or, on embedded storage where this
   * process owns the data, any lease not ours). Each goes back to the queue when its agent's
   * retry policy allows another attempt, else fails with `worker_lost`. Never left "running".
   */
  async function recover(options: {
    everyForeignLease: boolean;
  }): Promise<{ requeued: string[]; failed: string[] }> {
    const now = clock.now();
    const requeued: TaskRow[] = [];
    const failed: string[] = [];
    await db.transaction(async (tx) => {
      const stale = await tx
        .select()
        .from(agentsTasks)
        .where(
          and(
            inArray(agentsTasks.state, ['running', 'assigned', 'queued']),
            // A queued task with a lease is one a process held in its local backlog.
            isNotNull(agentsTasks.leaseOwner),
            or(
              lt(agentsTasks.leaseUntil, now),
              options.everyForeignLease ? ne(agentsTasks.leaseOwner, owner) : sql`false`,
            ),
          ),
        )
        .for('update', { skipLocked: true });
      for (const task of stale) {
        if (task.state === 'queued') {
          // Never started: back to the shared queue as it was.
          await tx
            .update(agentsTasks)
            .set({ leaseOwner: null, leaseUntil: null, updatedAt: now })
            .where(eq(agentsTasks.id, task.id));
          requeued.push(task);
          continue;
        }
        // The lost execution's reserved call, if any, was never settled: given back.
        await tx
          .update(agentsCalls)
          .set({ reservedTokens: 0n, reservedMicro: 0n, error: 'not_made' })
          .where(and(eq(agentsCalls.taskId, task.id), eq(agentsCalls.error, 'in_flight')));
        // Read through the transaction: PGlite has one connection, which it holds.
        const [agentRow] = task.agentId
          ? await tx.select().from(agentsAgents).where(eq(agentsAgents.id, task.agentId))
          : [];
        const definition = agentRow?.definition as
          { retryPolicy?: { maxAttempts?: number } } | undefined;
        const max = definition?.retryPolicy?.maxAttempts ?? 1;
        const lost = `Worker ${task.leaseOwner ?? '?'} stopped while running the task (lease lapsed)`;
        const seq = await nextLogSeq(tx, task.id);
        if (task.attempts < max) {
          await tx
            .update(agentsTasks)
            .set({
              state: 'queued',
              reason: 'worker_lost_retry',
              error: `${lost}; retrying`,
              leaseOwner: null,
              leaseUntil: null,
              updatedAt: now,
            })
            .where(eq(agentsTasks.id, task.id));
          await tx.insert(agentsTaskLog).values({
            taskId: task.id,
            orgId: task.orgId,
            seq,
            kind: 'recovery',
            text: `${lost}; queued again (attempt ${task.attempts} of ${max} done)`,
            at: now,
          });
          requeued.push(task);
        } else {
          await tx
            .update(agentsTasks)
            .set({
              state: 'failed',
              reason: 'worker_lost',
              error: `${lost}; no attempt left (${task.attempts} of ${max})`,
              leaseOwner: null,
              leaseUntil: null,
              finishedAt: now,
              updatedAt: now,
            })
            .where(eq(agentsTasks.id, task.id));
          await tx.insert(agentsTaskLog).values({
            taskId: task.id,
            orgId: task.orgId,
            seq,
            kind: 'recovery',
            text: `${lost}; failed`,
            at: now,
          });
          await insertMessage(tx, {
            orgId: task.orgId,
            taskId: task.id,
            correlationId: task.correlationId,
            senderAgent: 'router',
            recipientAgent: task.createdBy,
            messageType: 'error',
            priority: task.priority,
            payload: { reason: 'worker_lost', message: lost },
            at: now,
          });
          failed.push(task.id);
        }
      }
    });
    for (const task of requeued) {
      await deps.send(task.id, task.priorityRank);
      if (deps.isWorking()) {
        deps.runLocally({ ...task, state: 'queued', leaseOwner: null, leaseUntil: null });
      }
    }
    if (requeued.length || failed.length) {
      log.warn(
        { requeued: requeued.length, failed: failed.length },
        'recovered agent tasks of a lost worker',
      );
    }
    return { requeued: requeued.map((t) => t.id), failed };
  }

  return { cancel, decide, recover };
}
