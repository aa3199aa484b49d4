import { sql } from 'drizzle-orm';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import { agentsServiceFor, rowsOf } from '../../src/agents/index.ts';
import { createTestKernel } from '../helpers/kernel.ts';
import { spawnNode } from '../helpers/process.ts';
import { durableStorage, durableStorages } from '../helpers/durable.ts';

const WORKER = fileURLToPath(new URL('../fixtures/llm-agent-worker.ts', import.meta.url));
const TASKS = 3;
const LEASE_MS = 1000;

describe.each(durableStorages)(
  'an agent worker killed with SIGKILL on $name',
  { timeout: 90_000 },
  ({ storage }) => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it('leaves no task running: each is retried or failed with a reason after the restart', async () => {
      const target = await durableStorage(storage, 'iza-agents-crash-');
      cleanup = target.drop;
      const worker = spawnNode([WORKER], {
        ...target.env,
        TASKS: String(TASKS),
        IZA_LOG_LEVEL: 'warn',
        IZA_AGENTS_LEASE_MS: String(LEASE_MS),
        IZA_JOBS_POLL_SECONDS: '0.5',
      });
      const deadline = Date.now() + 60_000;
      while (!/running \S+\n/.test(worker.output()) && Date.now() < deadline) {
        if (worker.child.exitCode !== null) throw new Error(worker.output());
        await new Promise((r) => setTimeout(r, 20));
      }
      const orgId = /running (\S+)\n/.exec(worker.output())![1]!;
      worker.child.kill('SIGKILL');
      await worker.exited;

      // On a server other workers may be alive: only lapsed leases are taken over.
      if (storage !== 'pglite') await new Promise((r) => setTimeout(r, LEASE_MS + 200));
      const kernel = await createTestKernel({
        target: target.target,
        workJobs: true,
        env: { IZA_AGENTS_LEASE_MS: String(LEASE_MS) },
      });
      try {
        const rows = async () =>
          ({
            rows: await rowsOf<{
              input: string;
              state: string;
              reason: string | null;
              attempts: number;
              error: string;
            }>(
              kernel.db,
              sql`select input #>> '{}' as input, state, reason, attempts, error from agents_tasks order by input #>> '{}'`,
            ),
          }).rows;
        expect((await rows()).every((r) => r.state === 'running')).toBe(true);

        const access = createAccess(kernel);
        // The restarted worker's handler finishes at once.
        const agents = agentsServiceFor(kernel, access, {
          handlers: { forever: async () => 'done after restart' },
        });
        await agents.start();
        const until = Date.now() + 30_000;
        let now = await rows();
        while (now.some((r) => !['succeeded', 'failed'].includes(r.state)) && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 50));
          now = await rows();
        }
        expect(now).toHaveLength(2 * TASKS);
        for (const row of now.filter((r) => r.input.startsWith('retrying'))) {
          expect(row).toMatchObject({ state: 'succeeded', attempts: 2 });
        }
        for (const row of now.filter((r) => r.input.startsWith('once'))) {
          expect(row).toMatchObject({ state: 'failed', reason: 'worker_lost', attempts: 1 });
          expect(row.error).toMatch(
            /stopped while running the task \(lease lapsed\); no attempt left/,
          );
        }
        const task = (await agents.listTasks(orgId, { state: 'failed', limit: 1 }))[0]!;
        const trace = await agents.trace(orgId, task.correlationId);
        expect(trace.map((m) => m.messageType)).toEqual(['task', 'error']);
        await agents.stop();
      } finally {
        await kernel.close();
      }
    });
  },
);
