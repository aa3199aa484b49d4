import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentsWorld, type AgentsWorld } from '../fixtures/llm-agents-world.ts';
import { storages } from '../helpers/storage.ts';

/**
 * Nothing waits on an idle, healthy agent: waiting tasks are woken when a breaker closes again,
 * and the queue's path uses every free slot however long the backlog.
 */
describe.each(storages)(
  'agent slots are never left idle on $name',
  { timeout: 120_000 },
  (storage) => {
    let w: AgentsWorld;
    let drop: () => Promise<void>;
    let failing = true;
    const wide = { now: 0, late: 0 };
    const gate = Promise.withResolvers<void>();

    beforeAll(async () => {
      const created = await storage.create();
      drop = created.drop;
      w = await createAgentsWorld(created.target, {
        // Two queue workers: a queue that ran its tasks inside its jobs would run two at a time.
        config: { breakerFailures: 1, breakerResetMs: 300, workerConcurrency: 2 },
        handlers: {
          flip: async () => {
            if (failing) throw new Error('down');
            await new Promise((r) => setTimeout(r, 50));
            return 'up';
          },
          wide: async ({ input }) => {
            await gate.promise;
            // Tasks queued past the local backlog: how many run at once.
            const late = Number(input) >= 532;
            if (late) wide.now += 1;
            wide.late = Math.max(wide.late, wide.now);
            await new Promise((r) => setTimeout(r, 60));
            if (late) wide.now -= 1;
            return null;
          },
        },
      });
    });
    afterAll(async () => {
      await w?.close();
      await drop?.();
    });

    it('wakes the tasks waiting on an agent as soon as its half-open probe succeeds', async () => {
      await w.agents.createAgent(w.orgId, {
        botId: 'probed',
        name: 'Probed',
        kind: 'code',
        handler: 'flip',
        capabilities: ['probe'],
        maxConcurrentTasks: 2,
        retryPolicy: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 10 },
      });
      const broken = await w.agents.dispatch(w.orgId, { capabilities: ['probe'], input: 0 });
      expect(await w.waitFor(broken.id)).toMatchObject({ state: 'failed' });
      failing = false;
      // The breaker is open: both wait; after 300 ms one goes through as the probe, the other
      // waits for the probe's verdict.
      const probe = await w.agents.dispatch(w.orgId, { capabilities: ['probe'], input: 1 });
      const behind = await w.agents.dispatch(w.orgId, { capabilities: ['probe'], input: 2 });
      expect([probe.state, behind.state]).toEqual(['queued', 'queued']);
      expect(await w.waitFor(probe.id, undefined, 5_000)).toMatchObject({ state: 'succeeded' });
      expect(await w.waitFor(behind.id, undefined, 2_000)).toMatchObject({ state: 'succeeded' });
    });

    it('fills every free slot with tasks queued past the local backlog', async () => {
      await w.agents.createAgent(w.orgId, {
        botId: 'wide',
        name: 'Wide',
        kind: 'code',
        handler: 'wide',
        capabilities: ['wide'],
        maxConcurrentTasks: 20,
      });
      // 20 start (and wait at the gate), 512 wait in this process's backlog, the last 60 stay
      // queued for whichever process has room.
      const ids: string[] = [];
      const send = async (from: number, to: number) => {
        const batch = [];
        for (let i = from; i < to; i++) {
          batch.push(w.agents.dispatch(w.orgId, { capabilities: ['wide'], input: i }));
        }
        ids.push(...(await Promise.all(batch)).map((t) => t.id));
      };
      for (let i = 0; i < 532; i += 50) await send(i, Math.min(532, i + 50));
      while (w.agents.executor.scheduler.waiting < 512) await new Promise((r) => setTimeout(r, 20));
      await send(532, 592);
      gate.resolve();
      const tasks = await w.waitForAll(ids, 60_000);
      expect(tasks.every((t) => t.state === 'succeeded')).toBe(true);
      expect(wide.late).toBeGreaterThanOrEqual(15);
    });
  },
);
