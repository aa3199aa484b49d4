import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel } from '../../test/helpers/kernel.ts';
import { createLogger, newId, systemClock, type Kernel } from '../kernel/index.ts';
import { Scheduler } from './agents.scheduler.ts';
import { createSlotLeases, type SlotLeases } from './agents.slots.ts';
import { rowsOf } from './agents.store.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The slot leases of one process against a database that refuses their writes for a while (a
 * trigger raising, as a server out of connections would): the grant the scheduler uses and the
 * one the leases remember must agree again once the writes succeed, or a task waits forever.
 */
describe('agent slot leases when their writes fail', { timeout: 30_000 }, () => {
  let kernel: Kernel;
  let scheduler: Scheduler;
  let slots: SlotLeases;
  const agent = { id: newId(), maxConcurrentTasks: 1 };

  beforeAll(async () => {
    kernel = await createTestKernel({ target: { kind: 'memory' }, workJobs: false });
    scheduler = new Scheduler({
      breaker: { failureThreshold: 5, resetMs: 10_000 },
      clock: systemClock,
      shared: true,
      onShortage: () => void slots.nudge(),
    });
    slots = createSlotLeases({
      db: kernel.db,
      clock: systemClock,
      log: createLogger({ level: 'silent' }),
      owner: 'this-process',
      leaseMs: 30_000,
      scheduler: () => scheduler,
    });
    await kernel.db.execute(sql`create function refuse_leases() returns trigger
      language plpgsql as $$ begin raise exception 'slot leases unavailable'; end $$`);
  });
  afterAll(async () => {
    await slots?.stop();
    scheduler?.stop();
    await kernel?.close();
  });

  it('gives a waiting task its slot once the database takes writes again', async () => {
    slots.start();
    scheduler.live(agent);
    await slots.want([agent.id]);
    expect(slots.granted().get(agent.id)).toBe(1);
    const first = scheduler.tryAcquire([[agent]], 0);
    expect(first).toBe(agent.id);
    scheduler.release(agent.id);

    // Every write fails while the idle grant would linger and then shrink.
    await kernel.db.execute(sql`create trigger refuse before insert or update or delete
      on agents_slot_leases for each row execute function refuse_leases()`);
    await sleep(2_600);
    expect(scheduler.peek(agent.id)!.granted).toBe(0);
    await kernel.db.execute(sql`drop trigger refuse on agents_slot_leases`);

    const got = await Promise.race([
      scheduler.acquire([[agent]], 0),
      sleep(3_000).then(() => 'still waiting'),
    ]);
    expect(got).toBe(agent.id);
    const [lease] = await rowsOf<{ held: number }>(
      kernel.db,
      sql`select held from agents_slot_leases where agent_id = ${agent.id}`,
    );
    expect(lease).toEqual({ held: 1 });
  });
});
