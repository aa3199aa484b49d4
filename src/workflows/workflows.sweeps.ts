import { createHash } from 'node:crypto';
import { and, eq, gte, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Clock, Database, Logger } from '../kernel/index.ts';
import type { WorkflowNode } from './model/workflow.types.ts';
import { nextRuns } from './nodes/trigger.node.ts';
import type { RunJob } from './workflows.runner.ts';
import { scheduleNodes, workflowOf } from './workflows.service.ts';
import { workflowExecutions, workflows } from './workflows.schema.ts';

/**
 * What runs on a timer rather than for a request: recovery of executions whose process died,
 * and the per-minute schedule tick. Both queue runs through `sendRun` (the run queue).
 */
export function createSweeps(deps: {
  db: Database;
  clock: Clock;
  log: Logger;
  sendRun: (job: RunJob, startAfter?: Date) => Promise<boolean>;
}) {
  const { db, clock, log, sendRun } = deps;

  /**
   * Executions whose lease ran out (their process died): those with a recorded state go back
   * to the queue and resume there; those without one are marked crashed with the reason.
   */
  async function recover(): Promise<{ resumed: number; crashed: number }> {
    const now = clock.now();
    const expired = and(
      eq(workflowExecutions.status, 'running'),
      lt(workflowExecutions.leaseUntil, now),
    );
    const markCrashed = (where: SQL | undefined, message: string) =>
      db
        .update(workflowExecutions)
        .set({
          status: 'crashed',
          finishedAt: now,
          owner: null,
          leaseUntil: null,
          error: { name: 'Crashed', message },
        })
        .where(and(expired, where))
        .returning({ id: workflowExecutions.id });
    const crashedWithout = await markCrashed(
      isNull(workflowExecutions.state),
      'The process running this execution stopped before its state was recorded (no node finished since it started, or within its first 250 ms)',
    );
    // An execution whose process stopped again after recovery started it may be what stops
    // it: it is not started a third time.
    const crashedTwice = await markCrashed(
      and(isNotNull(workflowExecutions.state), gte(workflowExecutions.recoveries, 1)),
      'The process running this execution stopped twice, the second time after recovery had started it again; it is not started again',
    );
    const crashed = [...crashedWithout, ...crashedTwice];
    const queued = await db
      .update(workflowExecutions)
      .set({
        status: 'new',
        owner: null,
        leaseUntil: null,
        recoveries: sql`${workflowExecutions.recoveries} + 1`,
      })
      .where(and(expired, isNotNull(workflowExecutions.state)))
      .returning({
        id: workflowExecutions.id,
        orgId: workflowExecutions.orgId,
        workflowId: workflowExecutions.workflowId,
      });
    let resumed = 0;
    for (const e of queued) {
      const sent = await sendRun({
        executionId: e.id,
        orgId: e.orgId,
        workflowId: e.workflowId,
        resume: true,
      });
      if (sent) resumed++;
      else {
        await db
          .update(workflowExecutions)
          .set({
            status: 'crashed',
            finishedAt: now,
            error: {
              name: 'Crashed',
              message:
                'The process running this execution stopped and its resumption could not be queued',
            },
          })
          .where(eq(workflowExecutions.id, e.id));
      }
    }
    if (crashed.length + queued.length > 0) {
      log.warn({ crashed: crashed.length, resumed }, 'recovered workflow executions');
    }
    return { resumed, crashed: crashed.length };
  }

  /**
   * The per-minute tick (one pg-boss cron job, so one worker per minute): queues every active
   * schedule trigger due in the minute starting at `minute`, each firing once (singleton key).
   */
  async function tick(minute: Date): Promise<number> {
    const start = new Date(Math.floor(minute.getTime() / 60_000) * 60_000);
    const end = new Date(start.getTime() + 60_000);
    const rows = await db.select().from(workflows).where(eq(workflows.active, true));
    let queued = 0;
    for (const row of rows) {
      const workflow = workflowOf(row);
      const timezone = workflow.settings?.timezone ?? 'UTC';
      for (const node of scheduleNodes(workflow)) {
        const runs = dueRuns(node, start, end, timezone);
        for (const at of runs) {
          // One execution id per (workflow, node, time): the first tick to record it queues it.
          const executionId = keyedId(`${row.id}:${node.name}:${at.toISOString()}`);
          const [created] = await db
            .insert(workflowExecutions)
            .values({
              id: executionId,
              orgId: row.orgId,
              workflowId: row.id,
              workflowVersion: row.version,
              status: 'new',
              mode: 'schedule',
              startNode: node.name,
              startedAt: at,
            })
            .onConflictDoNothing()
            .returning({ id: workflowExecutions.id });
          if (!created) continue;
          const sent = await sendRun(
            {
              executionId,
              orgId: row.orgId,
              workflowId: row.id,
              mode: 'schedule',
              startNode: node.name,
            },
            at > clock.now() ? at : undefined,
          );
          if (sent) queued++;
        }
      }
    }
    return queued;
  }

  return { recover, tick };
}

/** A stable UUID for a string (the schedule tick's dedup key). */
export function keyedId(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Runs of a schedule node in [start, end): cron runs; fixed periods aligned on the epoch. */
export function dueRuns(node: WorkflowNode, start: Date, end: Date, timezone: string): Date[] {
  const runs = nextRuns(node, new Date(start.getTime() - 1), 120, timezone);
  const type = node.type.replace(/^n8n-nodes-base\./, '');
  if (type === 'interval') {
    const period = runs.length > 1 ? runs[1]!.getTime() - runs[0]!.getTime() : 60_000;
    const out: Date[] = [];
    const first = Math.ceil(start.getTime() / period) * period;
    for (let t = first; t < end.getTime(); t += period) out.push(new Date(t));
    return out;
  }
  return runs.filter((d) => d >= start && d < end);
}
