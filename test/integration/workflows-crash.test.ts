import { afterEach, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import type { StorageTarget } from '../../src/kernel/index.ts';
import { createWorkflowsModule } from '../../src/workflows/workflows.module.ts';
import { workflowExecutions } from '../../src/workflows/workflows.schema.ts';
import { createTestKernel, tempDir } from '../helpers/kernel.ts';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnIza, trackProcesses, type Spawned } from '../helpers/process.ts';
import { durableStorages } from '../helpers/durable.ts';

const wait = (name: string, seconds: number, x: number) => ({
  name,
  type: 'n8n-nodes-base.wait',
  typeVersion: 1.1,
  position: [x, 0],
  parameters: { resume: 'timeInterval', amount: seconds, unit: 'seconds' },
});
const set = (name: string, x: number) => ({
  name,
  type: 'n8n-nodes-base.set',
  typeVersion: 3.4,
  position: [x, 0],
  parameters: {
    assignments: { assignments: [{ id: name, name, value: 'done', type: 'string' }] },
    options: {},
  },
});
const chain = (names: string[]) =>
  Object.fromEntries(
    names
      .slice(0, -1)
      .map((n, i) => [n, { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] }]),
  );

/** Webhook -> Wait 1 s -> A -> Wait 4 s -> B: killed during the second wait. */
const SLOW = {
  name: 'slow',
  settings: { executionOrder: 'v1' },
  nodes: [
    {
      name: 'Webhook',
      type: 'n8n-nodes-base.webhook',
      typeVersion: 2,
      position: [0, 0],
      parameters: { httpMethod: 'GET', path: 'slow', responseMode: 'lastNode', options: {} },
    },
    wait('Wait 1', 1, 200),
    set('A', 400),
    wait('Wait 2', 4, 600),
    set('B', 800),
  ],
  connections: chain(['Webhook', 'Wait 1', 'A', 'Wait 2', 'B']),
};

async function executions(target: StorageTarget) {
  const kernel = await createTestKernel({ target, workJobs: false });
  try {
    return await kernel.db.select().from(workflowExecutions);
  } finally {
    await kernel.close();
  }
}

/**
 * The executions while a server runs: read from the database itself on a server (shared), else
 * as the running server answers them through its local administrator token (it holds the
 * embedded database's folder).
 */
async function runningExecutions(
  url: string,
  dataDir: string,
  orgId: string,
  target: StorageTarget,
): Promise<{ status: string; lastNode: string | null }[]> {
  if (target.kind === 'postgres') return executions(target);
  let token: string;
  try {
    token = readFileSync(join(dataDir, 'local-admin.token'), 'utf8');
  } catch {
    return []; // the server has not written it yet
  }
  const res = await fetch(`${url}/api/v1/workflows/executions`, {
    headers: { authorization: `Bearer ${token}`, 'x-iza-org': orgId },
  }).catch(() => undefined);
  if (!res?.ok) return [];
  return (
    (await res.json()) as { data: { executions: { status: string; lastNode: string | null }[] } }
  ).data.executions;
}

async function until(check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(url: string, spawned: Spawned): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) throw new Error(spawned.output());
    if (
      await fetch(`${url}/health/live`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not listen:\n${spawned.output()}`);
}

describe.each(durableStorages)(
  'a server killed with SIGKILL in the middle of a workflow execution on $name',
  ({ storage }) => {
    const t = trackProcesses();
    afterEach(() => t.cleanup());

    it(
      'resumes the execution after the restart from its last recorded node',
      { timeout: 120_000 },
      async () => {
        const dir = t.dir(tempDir('iza-wf-crash-'));
        let target = { kind: 'pglite', dataDir: dir.path } as StorageTarget;
        const extraEnv: Record<string, string> = {};
        if (storage !== 'pglite') {
          const created = await storage.create();
          t.dir({ remove: () => void created.drop() });
          target = created.target;
          if (target.kind === 'postgres') extraEnv.DATABASE_URL = target.url;
        }
        // Set up an organisation and the workflow before the server owns the data folder.
        let orgId = '';
        {
          const kernel = await createTestKernel({ target, workJobs: false });
          const access = createAccess(kernel);
          const { organisation } = await access.users.createAdmin({
            organisation: 'Crash Co',
            email: 'crash@example.test',
            name: 'Crash Admin',
            password: 'correct horse battery staple 42',
          });
          const module = createWorkflowsModule({ kernel, access });
          const { row } = await module.service.create(organisation.id, SLOW);
          await module.service.setActive(organisation.id, row.id, true);
          orgId = organisation.id;
          await module.runner.close();
          await kernel.close();
        }
        const env = {
          IZA_DATA_DIR: dir.path,
          IZA_PORT: String(await freePort()),
          ...extraEnv,
          IZA_HOST: '127.0.0.1',
          IZA_LOG_LEVEL: 'warn',
          IZA_WORKFLOWS_LEASE_MS: '1000',
          IZA_JOBS_POLL_SECONDS: '0.5',
        };
        const url = `http://127.0.0.1:${env.IZA_PORT}`;
        const first = t.process(spawnIza(['start'], env));
        await listening(url, first);
        // The webhook runs the workflow inside the request; the answer never comes.
        void fetch(`${url}/webhook/slow`).catch(() => undefined);
        // Past Wait 1 and A (recorded), inside Wait 2.
        await until(async () => {
          const list = await runningExecutions(url, dir.path, orgId, target);
          return list.some((e) => e.status === 'running' && e.lastNode === 'A');
        });
        first.child.kill('SIGKILL');
        await first.exited;

        const before = await executions(target);
        expect(before).toHaveLength(1);
        expect(before[0]).toMatchObject({ status: 'running', lastNode: 'A' });

        const second = t.process(spawnIza(['start'], env));
        await listening(url, second);
        // The lease runs out, recovery resumes it from A, Wait 2 again, then B.
        await until(async () => {
          const list = await runningExecutions(url, dir.path, orgId, target);
          return list.some((e) => e.status === 'succeeded');
        });
        second.child.kill('SIGTERM');
        await second.exited;

        const [after] = await executions(target);
        expect(after, JSON.stringify(after)).toMatchObject({ status: 'succeeded', lastNode: 'B' });
        expect(after!.finishedAt).not.toBeNull();
      },
    );
  },
);
