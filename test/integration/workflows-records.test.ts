import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import type { Kernel } from '../../src/kernel/index.ts';
import {
  workflowExecutionNodes,
  workflowExecutions,
} from '../../src/workflows/workflows.schema.ts';
import {
  createWorkflowsModule,
  type WorkflowsModule,
} from '../../src/workflows/workflows.module.ts';
import { createTestKernel } from '../helpers/kernel.ts';
import { storages } from '../helpers/storage.ts';

const TOKEN = 'Bearer caller-secret-token-6f1d2a';
const COOKIE = 'iza_at=iza_at_caller-session-cookie-99';

/** Webhook -> If (checks the caller's token) -> Set (copies it, as careless workflows do). */
const GUARDED = {
  name: 'guarded hook',
  nodes: [
    {
      name: 'Hook',
      type: 'n8n-nodes-base.webhook',
      typeVersion: 2,
      position: [0, 0],
      parameters: { httpMethod: 'POST', path: 'guarded', responseMode: 'lastNode', options: {} },
    },
    {
      name: 'Check',
      type: 'n8n-nodes-base.if',
      typeVersion: 1,
      position: [200, 0],
      parameters: {
        conditions: {
          string: [{ value1: '={{ $json.headers.authorization }}', value2: TOKEN }],
        },
      },
    },
    {
      name: 'Copy',
      type: 'n8n-nodes-base.set',
      typeVersion: 3.4,
      position: [400, 0],
      parameters: {
        assignments: {
          assignments: [
            { id: 'a', name: 'allowed', value: true, type: 'boolean' },
            { id: 'b', name: 'seen', value: '={{ $json.headers.authorization }}', type: 'string' },
            { id: 'c', name: 'cookie', value: '=got {{ $json.headers.cookie }}', type: 'string' },
          ],
        },
        options: {},
      },
    },
  ],
  connections: {
    Hook: { main: [[{ node: 'Check', type: 'main', index: 0 }]] },
    Check: { main: [[{ node: 'Copy', type: 'main', index: 0 }]] },
  },
};

describe.each(storages)('what an execution keeps on $name', { timeout: 120_000 }, (storage) => {
  let kernel: Kernel;
  let drop: () => Promise<void>;
  let module: WorkflowsModule;
  let orgId: string;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    kernel = await createTestKernel({ target: created.target, workJobs: false });
    const access = createAccess(kernel);
    orgId = (
      await access.users.createAdmin({
        organisation: 'Records',
        email: 'records@example.test',
        name: 'Rec',
        password: 'correct horse battery staple 42',
      })
    ).organisation.id;
    module = createWorkflowsModule({ kernel, access });
  });
  afterAll(async () => {
    await module?.runner.close();
    await kernel?.close();
    await drop?.();
  });

  it("uses the caller's Authorization and Cookie during the run, and never stores them", async () => {
    const { row } = await module.service.create(orgId, GUARDED);
    const outcome = await module.runner.execute({
      row,
      mode: 'webhook',
      startNode: 'Hook',
      // What the webhook route gives the trigger (see workflows.webhooks.ts).
      triggerItems: [
        {
          json: {
            headers: { authorization: TOKEN, cookie: COOKIE, 'content-type': 'application/json' },
            params: {},
            query: {},
            body: { note: `the token ${TOKEN} pasted in the body too` },
          },
        },
      ],
      // Checkpointed from the start: the states written while it runs are checked too.
      checkpointAfterMs: 0,
    });
    expect(outcome.status).toBe('success');
    // The run itself saw the real values.
    expect(outcome.lastNodeOutput[0]?.json).toMatchObject({
      allowed: true,
      seen: TOKEN,
      cookie: `got ${COOKIE}`,
    });
    const [execution] = await kernel.db
      .select()
      .from(workflowExecutions)
      .where(eq(workflowExecutions.id, outcome.executionId));
    const nodes = await kernel.db
      .select()
      .from(workflowExecutionNodes)
      .where(eq(workflowExecutionNodes.executionId, outcome.executionId));
    expect(nodes.map((n) => n.node).sort()).toEqual(['Check', 'Copy', 'Hook']);
    const stored = JSON.stringify({ execution, nodes });
    expect(stored).not.toContain('caller-secret-token-6f1d2a');
    expect(stored).not.toContain('caller-session-cookie-99');
    expect(stored).toContain('[redacted]');
    const copy = nodes.find((n) => n.node === 'Copy')!;
    expect(copy.output).toEqual([
      [
        {
          json: expect.objectContaining({
            allowed: true,
            seen: '[redacted]',
            cookie: 'got [redacted]',
          }),
          pairedItem: { item: 0 },
        },
      ],
    ]);
  });

  it('records a run whose data holds NUL and lone surrogates (PostgreSQL refuses them), replaced', async () => {
    const { row } = await module.service.create(orgId, { ...GUARDED, name: 'hostile text' });
    const outcome = await module.runner.execute({
      row,
      mode: 'webhook',
      startNode: 'Hook',
      triggerItems: [
        {
          json: {
            headers: { authorization: TOKEN },
            params: {},
            query: {},
            body: { text: 'a\u0000b', lone: 'x\ud800y', ['key\u0000']: 1 },
          },
        },
      ],
      checkpointAfterMs: 0,
    });
    expect(outcome.status).toBe('success');
    const [execution] = await kernel.db
      .select()
      .from(workflowExecutions)
      .where(eq(workflowExecutions.id, outcome.executionId));
    expect(execution?.status).toBe('succeeded');
    const nodes = await kernel.db
      .select()
      .from(workflowExecutionNodes)
      .where(eq(workflowExecutionNodes.executionId, outcome.executionId));
    const hook = nodes.find((n) => n.node === 'Hook')!;
    const body = (hook.output as { json: { body: Record<string, unknown> } }[][])[0]![0]!.json.body;
    expect(body).toEqual({ text: 'a\ufffdb', lone: 'x\ufffdy', ['key\ufffd']: 1 });
  });
});
