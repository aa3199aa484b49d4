import { sql } from 'drizzle-orm';
import type { Clock, Database, Logger } from '../kernel/index.ts';
import type { Scheduler } from './agents.scheduler.ts';
import { rowsOf } from './agents.store.ts';

/** How long granted slots stay with a process after it last needed them. */
const LINGER_MS = 2_000;
/** How often a process with grants or waiting work reconsiders them. */
const TICK_MS = 250;

interface Holding {
  granted: number;
  wanted: number;
  /** When this process last needed all its grant (`performance.now()`). */
  lastNeeded: number;
}

/**
 * `maxConcurrentTasks` across processes: each working process holds a lease row per agent in
 * `agents_slot_leases` saying how many of the agent's slots it may use (`held`) and how many it
 * could use now (`wanted`). Grants are changed one agent at a time under an advisory lock, so
 * the live `held` of all processes never sum past the limit. A process asks when work waits
 * (the scheduler's shortage signal, then every tick while it waits), keeps idle grants for
 * LINGER_MS so a steady stream of tasks starts without a round trip, and, when another process
 * wants slots it cannot get, shrinks to its fair share (the limit split evenly among the
 * processes that want some) as its running tasks end. The heartbeat renews the leases; a dead
 * process's grants count until its lease passes (`leaseMs`).
 */
export function createSlotLeases(deps: {
  db: Database;
  clock: Clock;
  log: Logger;
  owner: string;
  leaseMs: number;
  scheduler: () => Scheduler;
}) {
  const { db, clock, owner } = deps;
  const holdings = new Map<string, Holding>();
  /** Slots dispatches are about to need (their tasks are not waiting yet): counted once. */
  let extra = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  /** A sync requested while one runs: it starts when that one ends. */
  let next: PromiseWithResolvers<void> | undefined;
  let stopped = true;

  const leaseUntil = () => new Date(clock.now().getTime() + deps.leaseMs).toISOString();

  /**
   * Reconsiders the grants soon (from the scheduler's shortage signal: never re-enters it);
   * resolves when a sync that started after the call has ended.
   */
  function nudge(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (syncing) {
      next ??= Promise.withResolvers<void>();
      return next.promise;
    }
    const run = Promise.resolve()
      .then(sync)
      .catch((error: unknown) => deps.log.warn({ err: error }, 'agent slot leases: sync failed'))
      .finally(() => {
        syncing = undefined;
        const waiting = next;
        next = undefined;
        if (waiting) void nudge().then(waiting.resolve);
      });
    syncing = run;
    return run;
  }

  /** Asks for one more slot of each agent at once (a dispatch that found none granted). */
  function want(agentIds: string[]): Promise<void> {
    for (const id of agentIds) extra.set(id, (extra.get(id) ?? 0) + 1);
    return nudge();
  }

  /** Compares what each agent could use here with what is granted, and changes the grants. */
  async function sync(): Promise<void> {
    const scheduler = deps.scheduler();
    const demand = scheduler.demand();
    for (const [id, n] of extra) demand.set(id, (demand.get(id) ?? 0) + n);
    extra = new Map();
    const now = performance.now();
    const ids = [...new Set([...demand.keys(), ...holdings.keys()])];
    if (ids.length === 0) return;
    const starving = await othersStarving(ids.filter((id) => (holdings.get(id)?.granted ?? 0) > 0));
    for (const id of ids) {
      const live = scheduler.peek(id);
      if (!live) continue;
      const holding = holdings.get(id) ?? { granted: 0, wanted: 0, lastNeeded: now };
      const wanted = Math.min(live.max, demand.get(id) ?? live.running);
      if (wanted >= holding.granted) holding.lastNeeded = now;
      let target =
        wanted > holding.granted
          ? wanted
          : now - holding.lastNeeded >= LINGER_MS
            ? wanted
            : holding.granted;
      const others = starving.get(id);
      if (others) target = Math.min(target, Math.ceil(live.max / (others + 1)));
      // Slots in use are never given back: a grant only shrinks as running tasks end.
      target = Math.max(live.running, Math.min(target, live.max));
      // The scheduler's grant is compared too: a shrink applied there before its write failed
      // (the database refusing for a while) is written again, or the slot would stay lost.
      if (target === holding.granted && wanted === holding.wanted && live.granted === target) {
        holdings.set(id, holding);
        continue;
      }
      // Shrink here before telling the others, grow only once they have been told: the slots
      // this process may fill are never more than its row says.
      if (target < holding.granted) scheduler.setGranted(id, target);
      holding.granted = await setGrant(id, live.max, target, wanted);
      holding.wanted = wanted;
      if (holding.granted === 0 && wanted === 0) holdings.delete(id);
      else holdings.set(id, holding);
      scheduler.setGranted(id, holding.granted);
    }
  }

  /** Agents we hold slots of for which other live processes want more than they hold. */
  async function othersStarving(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await rowsOf<{ agent_id: string; wanting: number }>(
      db,
      sql`select agent_id::text as agent_id, count(*)::int as wanting from agents_slot_leases
        where agent_id = any(${`{${ids.join(',')}}`}::uuid[]) and owner <> ${owner}
          and lease_until > ${clock.now().toISOString()}::timestamptz and wanted > held
        group by agent_id`,
    );
    return new Map(rows.map((r) => [r.agent_id, Number(r.wanting)]));
  }

  /** Sets this process's grant for an agent: at most what the other live holders left free. */
  async function setGrant(agentId: string, max: number, target: number, wanted: number) {
    const now = clock.now().toISOString();
    return db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`agents.slots:${agentId}`}))`);
      await tx.execute(
        sql`delete from agents_slot_leases where agent_id = ${agentId}::uuid and lease_until <= ${now}::timestamptz`,
      );
      const [others] = await rowsOf<{ held: number }>(
        tx,
        sql`select coalesce(sum(held), 0)::int as held from agents_slot_leases
          where agent_id = ${agentId}::uuid and owner <> ${owner}`,
      );
      const granted = Math.max(0, Math.min(target, max - Number(others?.held ?? 0)));
      if (granted === 0 && wanted === 0) {
        await tx.execute(
          sql`delete from agents_slot_leases where agent_id = ${agentId}::uuid and owner = ${owner}`,
        );
      } else {
        await tx.execute(sql`insert into agents_slot_leases (agent_id, owner, held, wanted, lease_until)
          values (${agentId}::uuid, ${owner}, ${granted}, ${wanted}, ${leaseUntil()}::timestamptz)
          on conflict (agent_id, owner) do update
            set held = excluded.held, wanted = excluded.wanted, lease_until = excluded.lease_until`);
      }
      return granted;
    });
  }

  return {
    nudge,
    want,
    start(): void {
      stopped = false;
      timer = setInterval(() => {
        if (holdings.size > 0 || deps.scheduler().waiting > 0) void nudge();
      }, TICK_MS);
      timer.unref();
    },
    /** Renews this process's leases (with the tasks' heartbeat). */
    async renew(): Promise<void> {
      if (holdings.size === 0) return;
      await db.execute(
        sql`update agents_slot_leases set lease_until = ${leaseUntil()}::timestamptz where owner = ${owner}`,
      );
    },
    /** Gives every grant back (the process stops working tasks). */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await syncing;
      holdings.clear();
      await db.execute(sql`delete from agents_slot_leases where owner = ${owner}`);
    },
    /** Grants held here, by agent id (tests, metrics). */
    granted(): Map<string, number> {
      return new Map([...holdings].map(([id, h]) => [id, h.granted]));
    },
  };
}

export type SlotLeases = ReturnType<typeof createSlotLeases>;
