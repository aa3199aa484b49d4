import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import type { Kernel } from '../../src/kernel/index.ts';
import { eq } from 'drizzle-orm';
import { RUN_QUEUE } from '../../src/workflows/workflows.runner.ts';
import { workflowExecutions } from '../../src/workflows/workflows.schema.ts';
import {
  createWorkflowsModule,
  type WorkflowsModule,
} from '../../src/workflows/workflows.module.ts';
import { createTestKernel } from '../helpers/kernel.ts';
import { storages } from '../helpers/storage.ts';

const SCHEDULED = {
  name: 'every minute',
  nodes: [
    {
      name: 'Schedule',
      type: 'n8n-nodes-base.scheduleTrigger',
      typeVersion: 1.2,
      position: [0, 0],
      parameters: { rule: { interval: [{ field: 'minutes', minutesInterval: 1 }] } },
    },
    {
      name: 'Set',
      type: 'n8n-nodes-base.set',
      typeVersion: 3.4,
      position: [200, 0],
      parameters: {
        assignments: { assignments: [{ id: 'a', name: 'fired', value: true, type: 'boolean' }] },
        options: {},
      },
    },
  ],
  connections: { Schedule: { main: [[{ node: 'Set', type: 'main', index: 0 }]] } },
};

describe.each(storages)('workflow schedules on $name', { timeout: 60_000 }, (storage) => {
  let kernel: Kernel;
  let drop: () => Promise<void>;
  let one: WorkflowsModule;
  let two: WorkflowsModule;
  let orgId: string;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    kernel = await createTestKernel({ target: created.target, workJobs: false });
    const access = createAccess(kernel);
    orgId = (
      await access.users.createAdmin({
        organisation: 'Schedules',
        email: 'sched@example.test',
        name: 'Sched',
        password: 'correct horse battery staple 42',
      })
    ).organisation.id;
    // Two workers' worth of the module over one database.
    one = createWorkflowsModule({ kernel, access });
    two = createWorkflowsModule({ kernel, access });
    await one.queues();
  });
  afterAll(async () => {
    await one?.runner.close();
    await two?.runner.close();
    await kernel?.close();
    await drop?.();
  });

  it('queues each due run once however many workers tick the same minute', async () => {
    const { row } = await one.service.create(orgId, SCHEDULED);
    const minute = new Date('2030-01-01T10:05:00Z');
    // Inactive: nothing is due.
    expect(await one.runner.tick(minute)).toBe(0);
    await one.service.setActive(orgId, row.id, true);
    const queued = [await one.runner.tick(minute), await two.runner.tick(minute)];
    expect(queued.reduce((a, b) => a + b, 0)).toBe(1);
    const depth = (await kernel.jobs.depth()).find((q) => q.queue === RUN_QUEUE);
    // Due in 2030: one deferred job (pg-boss counts it as queued too).
    expect(depth?.deferred).toBe(1);
    // The next minute is a new run.
    expect(await two.runner.tick(new Date('2030-01-01T10:06:00Z'))).toBe(1);
    expect((await kernel.jobs.schedules()).map((s) => s.queue)).toContain('workflows.tick');
  });

  it('runs a queued schedule job and records it', async () => {
    const { row } = await one.service.create(orgId, { ...SCHEDULED, name: 'direct' });
    await one.runner.runJob({
      executionId: crypto.randomUUID(),
      orgId,
      workflowId: row.id,
      mode: 'schedule',
      startNode: 'Schedule',
    });
    const page = await one.service.executions(orgId, {
      workflowId: row.id,
      limit: 10,
      offset: 0,
    });
    expect(page.executions).toMatchObject([
      { status: 'succeeded', mode: 'schedule', lastNode: 'Set' },
    ]);
  });

  it('recovers executions a dead process left running: resumes with a snapshot, else crashed', async () => {
    const { row } = await one.service.create(orgId, { ...SCHEDULED, name: 'recover' });
    const past = new Date(Date.now() - 60_000);
    const base = {
      orgId,
      workflowId: row.id,
      workflowVersion: 1,
      status: 'running',
      mode: 'schedule',
      startedAt: past,
      owner: 'dead-process',
      leaseUntil: past,
    };
    const withState = crypto.randomUUID();
    const without = crypto.randomUUID();
    // A state with nothing left to run: resuming it finishes the execution.
    const snapshot = {
      runData: {},
      stack: [],
      waiting: {},
      nodeState: {},
      staticData: {},
      lastNodeExecuted: 'Schedule',
    };
    await kernel.db.insert(workflowExecutions).values([
      { ...base, id: withState, state: snapshot, lastNode: 'Schedule' },
      { ...base, id: without, state: null },
    ]);
    expect(await two.runner.recover()).toEqual({ resumed: 1, crashed: 1 });
    const status = async (id: string) =>
      (await kernel.db.select().from(workflowExecutions).where(eq(workflowExecutions.id, id)))[0]!;
    expect(await status(without)).toMatchObject({
      status: 'crashed',
      error: { message: expect.stringContaining('stopped before its state was recorded') },
    });
    expect((await status(withState)).status).toBe('new');
    // The queued resumption finishes it from its snapshot.
    await one.runner.runJob({ executionId: withState, orgId, workflowId: row.id, resume: true });
    expect((await status(withState)).status).toBe('succeeded');
    // Nothing is left running.
    expect(await two.runner.recover()).toEqual({ resumed: 0, crashed: 0 });
  });

  it('does not start an execution a third time when its process stopped again after recovery', async () => {
    const { row } = await one.service.create(orgId, { ...SCHEDULED, name: 'stops twice' });
    const past = new Date(Date.now() - 60_000);
    const id = crypto.randomUUID();
    // Started once by recovery already, and its process stopped again (a lease run out).
    await kernel.db.insert(workflowExecutions).values({
      id,
      orgId,
      workflowId: row.id,
      workflowVersion: 1,
      status: 'running',
      mode: 'schedule',
      startedAt: past,
      owner: 'dead-again',
      leaseUntil: past,
      state: { runData: {}, stack: [], waiting: {}, nodeState: {}, staticData: {} },
      recoveries: 1,
    });
    expect(await two.runner.recover()).toEqual({ resumed: 0, crashed: 1 });
    const [after] = await kernel.db
      .select()
      .from(workflowExecutions)
      .where(eq(workflowExecutions.id, id));
    expect(after).toMatchObject({
      status: 'crashed',
      recoveries: 1,
      error: { message: expect.stringContaining('stopped twice') },
    });
  });
});

const FAILING = {
  name: 'fails',
  nodes: [
    {
      name: 'Start',
      type: 'n8n-nodes-base.manualTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    {
      name: 'Boom',
      type: 'n8n-nodes-base.stopAndError',
      typeVersion: 1,
      position: [200, 0],
      parameters: { errorMessage: 'the invoice total is negative' },
    },
  ],
  connections: { Start: { main: [[{ node: 'Boom', type: 'main', index: 0 }]] } },
};

const ON_ERROR = {
  name: 'on error',
  id: 'n8nErrorHandler01',
  nodes: [
    {
      name: 'Error Trigger',
      type: 'n8n-nodes-base.errorTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    {
      name: 'Report',
      type: 'n8n-nodes-base.set',
      typeVersion: 3.4,
      position: [200, 0],
      parameters: {
        assignments: {
          assignments: [
            {
              id: 'a',
              name: 'report',
              value: '={{ $json.workflow.name }}: {{ $json.execution.error.message }}',
              type: 'string',
            },
          ],
        },
        options: {},
      },
    },
  ],
  connections: { 'Error Trigger': { main: [[{ node: 'Report', type: 'main', index: 0 }]] } },
};

describe.each(storages)('error workflows on $name', { timeout: 60_000 }, (storage) => {
  let kernel: Kernel;
  let drop: () => Promise<void>;
  let module: WorkflowsModule;
  let orgId: string;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    kernel = await createTestKernel({
      target: created.target,
      workJobs: true,
      env: { IZA_JOBS_POLL_SECONDS: '0.5' },
    });
    const access = createAccess(kernel);
    orgId = (
      await access.users.createAdmin({
        organisation: 'Errors',
        email: 'errors@example.test',
        name: 'Errors',
        password: 'correct horse battery staple 42',
      })
    ).organisation.id;
    module = createWorkflowsModule({ kernel, access });
    await module.queues();
  });
  afterAll(async () => {
    await module?.runner.close();
    await kernel?.close();
    await drop?.();
  });

  it('runs the workflow named by settings.errorWorkflow (by its n8n id) with the failure', async () => {
    const handler = await module.service.create(orgId, ON_ERROR);
    const failing = await module.service.create(orgId, {
      ...FAILING,
      settings: { errorWorkflow: 'n8nErrorHandler01' },
    });
    const run = await module.runner.execute({
      row: failing.row,
      mode: 'manual',
      checkpointAfterMs: 0,
    });
    expect(run.status).toBe('error');
    // The error workflow goes through the run queue, like any queued run.
    await expect
      .poll(
        async () =>
          (
            await module.service.executions(orgId, {
              workflowId: handler.row.id,
              limit: 10,
              offset: 0,
            })
          ).executions.map((e) => [e.mode, e.status]),
        { timeout: 30_000, interval: 200 },
      )
      .toEqual([['error', 'succeeded']]);
    const [execution] = (
      await module.service.executions(orgId, { workflowId: handler.row.id, limit: 1, offset: 0 })
    ).executions;
    const detail = await module.service.execution(orgId, execution!.id);
    const report = detail.nodes.find((n) => n.node === 'Report');
    expect(JSON.stringify(report?.output)).toContain('fails: the invoice total is negative');
  });

  it('does nothing for a workflow without an error workflow, or one naming a missing one', async () => {
    const plain = await module.service.create(orgId, { ...FAILING, name: 'plain' });
    const dangling = await module.service.create(orgId, {
      ...FAILING,
      name: 'dangling',
      settings: { errorWorkflow: 'nowhere' },
    });
    for (const { row } of [plain, dangling]) {
      expect(
        (await module.runner.execute({ row, mode: 'manual', checkpointAfterMs: 0 })).status,
      ).toBe('error');
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const all = await module.service.executions(orgId, { mode: 'error', limit: 10, offset: 0 });
    expect(all.executions).toHaveLength(1);
  });
});
