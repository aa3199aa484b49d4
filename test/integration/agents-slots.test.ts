import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import {
  agentsServiceFor,
  rowsOf,
  type AgentsService,
  type CodeHandler,
} from '../../src/agents/index.ts';
import type { Kernel } from '../../src/kernel/index.ts';
import { createAgentsWorld, type AgentsWorld } from '../fixtures/llm-agents-world.ts';
import { createTestKernel } from '../helpers/kernel.ts';
import { postgresStorage } from '../helpers/storage.ts';

/**
 * `maxConcurrentTasks` across processes: two kernels working tasks on one PostgreSQL database
 * (as two worker processes would), with agents whose code counts how many of their tasks run
 * at once anywhere. Embedded PGlite has a single process, so these run on PostgreSQL only.
 */
describe.skipIf(!postgresStorage)(
  'agent slots across worker processes',
  { timeout: 90_000 },
  () => {
    let a: AgentsWorld;
    let b: { kernel: Kernel; agents: AgentsService };
    let drop: () => Promise<void>;
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const ranBy = new Map<string, number>();
    const gate = Promise.withResolvers<void>();

    /** A code agent that holds its slot for `ms` and counts concurrency by agent. */
    const counted =
      (worker: string, ms: number): CodeHandler =>
      async ({ input }) => {
        const agent = String((input as { agent: string }).agent);
        const now = (running.get(agent) ?? 0) + 1;
        running.set(agent, now);
        peak.set(agent, Math.max(peak.get(agent) ?? 0, now));
        ranBy.set(`${agent}:${worker}`, (ranBy.get(`${agent}:${worker}`) ?? 0) + 1);
        await (agent === 'gated'
          ? gate.promise
          : new Promise((resolve) => setTimeout(resolve, agent === 'fenced' ? 5 * ms : ms)));
        running.set(agent, running.get(agent)! - 1);
        return worker;
      };

    beforeAll(async () => {
      const created = await postgresStorage!.create();
      drop = created.drop;
      a = await createAgentsWorld(created.target, { handlers: { counted: counted('a', 30) } });
      const kernel = await createTestKernel({ target: created.target, workJobs: true });
      const agents = agentsServiceFor(kernel, createAccess(kernel), {
        handlers: { counted: counted('b', 30) },
      });
      await agents.start();
      b = { kernel, agents };
      for (const [botId, max] of [
        ['three', 3],
        ['solo', 1],
        ['fenced', 3],
        ['gated', 3],
      ] as const) {
        await a.agents.createAgent(a.orgId, {
          botId,
          name: botId,
          kind: 'code',
          handler: 'counted',
          capabilities: [botId],
          maxConcurrentTasks: max,
        });
      }
    });

    afterAll(async () => {
      await b?.agents.stop();
      await b?.kernel.close();
      await a?.close();
      await drop?.();
    });

    const dispatchOn = (service: AgentsService, agent: string) =>
      service.dispatch(a.orgId, { capabilities: [agent], input: { agent } });

    it('never runs more of an agent than its limit across both processes, and shares them', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        const service = i % 2 === 0 ? a.agents : b.agents;
        ids.push((await dispatchOn(service, i % 3 === 0 ? 'solo' : 'three')).id);
      }
      const tasks = await a.waitForAll(ids, 60_000);
      expect(tasks.every((t) => t.state === 'succeeded')).toBe(true);
      expect(peak.get('three')).toBeLessThanOrEqual(3);
      expect(peak.get('solo')).toBe(1);
      // Both processes got work: neither kept all the slots while the other's tasks waited.
      expect(ranBy.get('three:a')).toBeGreaterThan(0);
      expect(ranBy.get('three:b')).toBeGreaterThan(0);
      expect(ranBy.get('three:a')! + ranBy.get('three:b')!).toBe(40);
    });

    it('fills an agent to its limit from both processes, and no further', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++)
        ids.push((await dispatchOn(i % 2 ? a.agents : b.agents, 'gated')).id);
      const deadline = Date.now() + 20_000;
      while ((running.get('gated') ?? 0) < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(running.get('gated')).toBe(3);
      // Both processes keep asking for slots meanwhile (they have waiting tasks): none is given.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(peak.get('gated')).toBe(3);
      const held = await rowsOf<{ held: number }>(
        a.kernel.db,
        sql`select coalesce(sum(l.held), 0)::int as held from agents_slot_leases l
        join agents_agents g on g.id = l.agent_id where g.bot_id = 'gated'`,
      );
      expect(Number(held[0]!.held)).toBe(3);
      gate.resolve();
      const tasks = await a.waitForAll(ids, 30_000);
      expect(tasks.every((t) => t.state === 'succeeded')).toBe(true);
      expect(peak.get('gated')).toBe(3);
    });

    it('counts the slots another live process holds, and frees those of one whose lease passed', async () => {
      const [fenced] = await rowsOf<{ id: string }>(
        a.kernel.db,
        sql`select id::text as id from agents_agents where bot_id = 'fenced'`,
      );
      // Another process holds 2 of 3 slots (renewed: its lease is in the future), and a dead one
      // held 3 with a lease that has passed.
      await a.kernel.db
        .execute(sql`insert into agents_slot_leases (agent_id, owner, held, wanted, lease_until)
      values (${fenced!.id}::uuid, 'other-live', 2, 2, now() + interval '1 hour'),
             (${fenced!.id}::uuid, 'other-dead', 3, 3, now() - interval '1 second')`);
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await dispatchOn(a.agents, 'fenced')).id);
      const first = await a.waitForAll(ids.slice(0, 4), 30_000);
      expect(first.every((t) => t.state === 'succeeded')).toBe(true);
      expect(peak.get('fenced')).toBe(1);
      const dead = await rowsOf<{ n: number }>(
        a.kernel.db,
        sql`select count(*)::int as n from agents_slot_leases where owner = 'other-dead'`,
      );
      expect(Number(dead[0]!.n)).toBe(0);

      // The other process stops holding them: the rest may use all three.
      await a.kernel.db.execute(sql`delete from agents_slot_leases where owner = 'other-live'`);
      const more: string[] = [];
      for (let i = 0; i < 12; i++) more.push((await dispatchOn(b.agents, 'fenced')).id);
      const rest = await a.waitForAll([...ids, ...more], 30_000);
      expect(rest.every((t) => t.state === 'succeeded')).toBe(true);
      expect(peak.get('fenced')).toBeLessThanOrEqual(3);
      expect(peak.get('fenced')).toBeGreaterThan(1);
    });

    it('gives its grants back when a process stops working tasks', async () => {
      const owner = b.agents.executor.owner;
      await b.agents.stop();
      const rows = await rowsOf<{ n: number }>(
        a.kernel.db,
        sql`select count(*)::int as n from agents_slot_leases where owner = ${owner}`,
      );
      expect(Number(rows[0]!.n)).toBe(0);
    });
  },
);
