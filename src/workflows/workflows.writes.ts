import { inArray, sql } from 'drizzle-orm';
import type { Database, Logger, Transaction } from '../kernel/index.ts';
import { workflowExecutionNodes, workflowExecutions } from './workflows.schema.ts';

/**
 * The final records of executions, written together: an execution's row and its nodes' rows
 * wait for the write in progress to end, then go in one transaction with every execution that
 * finished meanwhile (group commit). One execution alone is written at once; under load each
 * transaction carries many, so a burst of webhook calls costs a few transactions, not one each.
 * A batch the database refuses is written again one execution at a time, so one bad record
 * fails only its own execution.
 */

type ExecutionRow = typeof workflowExecutions.$inferInsert;

export interface FinalRecord {
  /** Every column a final record sets is given (a missing one would reset a checkpoint's). */
  execution: ExecutionRow & { [K in (typeof FINAL_COLUMNS)[number]]-?: ExecutionRow[K] };
  nodes: (typeof workflowExecutionNodes.$inferInsert)[];
  /** Checkpoints wrote node rows before: they are replaced. */
  replaceNodes: boolean;
}

/** Executions per transaction at most. */
const MAX_BATCH = 200;
/** Node rows per insert (eleven parameters each, under PostgreSQL's 65,535). */
const NODE_ROWS_PER_INSERT = 5_000;

/** The columns a final record sets on an execution a checkpoint wrote before. */
const FINAL_COLUMNS = [
  'status',
  'finishedAt',
  'error',
  'lastNode',
  'customData',
  'state',
  'waitUntil',
  'owner',
  'leaseUntil',
] as const;

export function createExecutionWrites(db: Database, log: Logger) {
  let queue: { record: FinalRecord; done: (error?: unknown) => void }[] = [];
  let draining = false;
  /** Resolved when a drain finds the queue empty (`flush`). */
  const idle: (() => void)[] = [];

  async function writeAll(tx: Transaction, records: FinalRecord[]): Promise<void> {
    await tx
      .insert(workflowExecutions)
      .values(records.map((r) => r.execution))
      .onConflictDoUpdate({
        target: workflowExecutions.id,
        set: Object.fromEntries(
          FINAL_COLUMNS.map((key) => [key, sql.raw(`excluded.${workflowExecutions[key].name}`)]),
        ),
      });
    const replaced = records.filter((r) => r.replaceNodes).map((r) => r.execution.id);
    if (replaced.length > 0) {
      await tx
        .delete(workflowExecutionNodes)
        .where(inArray(workflowExecutionNodes.executionId, replaced));
    }
    const nodes = records.flatMap((r) => r.nodes);
    for (let i = 0; i < nodes.length; i += NODE_ROWS_PER_INSERT) {
      await tx.insert(workflowExecutionNodes).values(nodes.slice(i, i + NODE_ROWS_PER_INSERT));
    }
  }

  /**
   * Writes until the queue is empty. `draining` falls in the same turn as the check that found
   * it empty, so a record queued at any moment is written by this drain or starts the next.
   */
  async function drain(): Promise<void> {
    for (;;) {
      if (queue.length === 0) {
        draining = false;
        for (const resolve of idle.splice(0)) resolve();
        return;
      }
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        await db.transaction((tx) =>
          writeAll(
            tx,
            batch.map((b) => b.record),
          ),
        );
        for (const b of batch) b.done();
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.done(error);
          continue;
        }
        log.warn({ err: error, executions: batch.length }, 'execution records written one by one');
        for (const b of batch) {
          try {
            await db.transaction((tx) => writeAll(tx, [b.record]));
            b.done();
          } catch (one) {
            b.done(one);
          }
        }
      }
    }
  }

  return {
    /** Resolves once every record queued so far is written (or refused): before shutting down. */
    flush(): Promise<void> {
      if (!draining) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },

    /** Resolves once the record is stored (rejects with the database's error). */
    write(record: FinalRecord): Promise<void> {
      const stored = new Promise<void>((resolve, reject) => {
        queue.push({
          record,
          done: (error) =>
            error === undefined
              ? resolve()
              : reject(
                  error instanceof Error
                    ? error
                    : new Error('execution record not stored', { cause: error }),
                ),
        });
      });
      if (!draining) {
        draining = true;
        void drain();
      }
      return stored;
    },
  };
}

export type ExecutionWrites = ReturnType<typeof createExecutionWrites>;
