import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, createTestKernel } from '../../test/helpers/kernel.ts';
import { storages } from '../../test/helpers/storage.ts';
import { newId, type Database, type Kernel } from '../kernel/index.ts';
import { workflowExecutionNodes, workflowExecutions, workflows } from './workflows.schema.ts';
import { createExecutionWrites, type FinalRecord } from './workflows.writes.ts';

/**
 * Executions' final records written together (group commit): every record is stored, many in
 * one transaction when they arrive together, and one the database refuses fails alone.
 */
describe.each(storages)('execution records written together on $name', (storage) => {
  let kernel: Kernel;
  let drop: () => Promise<void>;
  const orgId = newId();
  const workflowId = newId();

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    kernel = await createTestKernel({ target: created.target, workJobs: false });
    const now = new Date();
    await kernel.db.insert(workflows).values({
      id: workflowId,
      orgId,
      name: 'records',
      nodes: [],
      connections: {},
      createdAt: now,
      updatedAt: now,
    });
  });
  afterAll(async () => {
    await kernel?.close();
    await drop?.();
  });

  const record = (id = newId(), nodes = 2): FinalRecord => ({
    execution: {
      id,
      orgId,
      workflowId,
      workflowVersion: 1,
      mode: 'webhook',
      status: 'succeeded',
      startedAt: new Date(),
      finishedAt: new Date(),
      lastNode: `Node ${nodes - 1}`,
      customData: null,
      error: null,
      state: null,
      waitUntil: null,
      owner: null,
      leaseUntil: null,
    },
    nodes: Array.from({ length: nodes }, (_, i) => ({
      executionId: id,
      node: `Node ${i}`,
      runIndex: 0,
      status: 'success',
      startedAt: new Date(),
      executionMs: 1,
      items: 1,
      input: null,
      output: null,
      error: null,
      truncated: false,
    })),
    replaceNodes: false,
  });

  /** The database, counting the transactions begun through it. */
  const counted = (db: Database) => {
    let transactions = 0;
    const proxy = new Proxy(db, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key !== 'transaction' || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          transactions++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { db: proxy, transactions: () => transactions };
  };

  it('stores 60 records arriving together in a few transactions', async () => {
    const { db, transactions } = counted(kernel.db);
    const writes = createExecutionWrites(db, kernel.log);
    const records = Array.from({ length: 60 }, () => record());
    await Promise.all(records.map((r) => writes.write(r)));
    // The first goes alone (nothing waits), the other 59 together.
    expect(transactions()).toBe(2);
    const ids = records.map((r) => r.execution.id);
    const stored = await kernel.db
      .select({ id: workflowExecutions.id, status: workflowExecutions.status })
      .from(workflowExecutions)
      .where(inArray(workflowExecutions.id, ids));
    expect(stored).toHaveLength(60);
    expect(new Set(stored.map((s) => s.status))).toEqual(new Set(['succeeded']));
    const nodes = await kernel.db
      .select({ id: workflowExecutionNodes.executionId })
      .from(workflowExecutionNodes)
      .where(inArray(workflowExecutionNodes.executionId, ids));
    expect(nodes).toHaveLength(120);
  });

  it('flushes: resolves once every record queued so far is stored', async () => {
    const writes = createExecutionWrites(kernel.db, kernel.log);
    const records = Array.from({ length: 12 }, () => record());
    for (const r of records) void writes.write(r);
    await writes.flush();
    const stored = await kernel.db
      .select({ id: workflowExecutions.id })
      .from(workflowExecutions)
      .where(
        inArray(
          workflowExecutions.id,
          records.map((r) => r.execution.id),
        ),
      );
    expect(stored).toHaveLength(12);
    // Nothing queued: at once.
    await writes.flush();
  });

  it('replaces a checkpointed execution and its node rows', async () => {
    const writes = createExecutionWrites(kernel.db, kernel.log);
    const first = record(newId(), 3);
    await writes.write({ ...first, execution: { ...first.execution, status: 'running' } });
    await writes.write({ ...record(first.execution.id, 1), replaceNodes: true });
    const [row] = await kernel.db
      .select()
      .from(workflowExecutions)
      .where(eq(workflowExecutions.id, first.execution.id));
    expect(row).toMatchObject({ status: 'succeeded', lastNode: 'Node 0' });
    const nodes = await kernel.db
      .select({ node: workflowExecutionNodes.node })
      .from(workflowExecutionNodes)
      .where(eq(workflowExecutionNodes.executionId, first.execution.id));
    expect(nodes).toEqual([{ node: 'Node 0' }]);
  });

  it('fails only the record the database refuses, and writes the others of its batch', async () => {
    const { log, lines } = captureLogs('warn');
    const writes = createExecutionWrites(kernel.db, log);
    const good = Array.from({ length: 5 }, () => record());
    // A node row naming an execution that does not exist breaks its foreign key.
    const bad = record();
    bad.nodes[0]!.executionId = newId();
    const results = await Promise.allSettled(
      [good[0]!, good[1]!, bad, good[2]!, good[3]!, good[4]!].map((r) => writes.write(r)),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    const stored = await kernel.db
      .select({ id: workflowExecutions.id })
      .from(workflowExecutions)
      .where(
        inArray(
          workflowExecutions.id,
          [...good, bad].map((r) => r.execution.id),
        ),
      );
    expect(stored.map((s) => s.id).sort()).toEqual(good.map((r) => r.execution.id).sort());
    expect(lines().some((l) => l.message === 'execution records written one by one')).toBe(true);
  });
});
