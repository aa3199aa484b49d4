import { eq, sql } from 'drizzle-orm';
import {
  OutboundRefusedError,
  type Clock,
  type Config,
  type Database,
  type EventBus,
  type Logger,
} from '../kernel/index.ts';
import type { Agent, AgentHealth, HealthState } from './agents.dto.ts';
import { AGENTS_CHANGED, type AgentsChanged, type Registry } from './agents.registry.ts';
import type { Scheduler } from './agents.scheduler.ts';
import { agentsAgents } from './agents.schema.ts';
import { rowsOf } from './agents.store.ts';

/** The longest a probe waits for an answer, whatever the agent's `timeout`. */
const PROBE_TIMEOUT_MS = 5000;
/** Probes in flight at once in one round. */
const CONCURRENCY = 8;

export interface HealthDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  events: EventBus;
  config: Pick<Config['agents'], 'healthIntervalMs'>;
  registry: Pick<Registry, 'get' | 'changed'>;
  /** This process's scheduler: unhealthy agents get no slots, waiting tasks are woken. */
  scheduler: Pick<Scheduler, 'unhealthy' | 'pump'>;
  /** The guarded fetch probes go through (`AgentsOutbound.probe`). */
  fetch: typeof fetch;
}

/** What one probe found. */
export interface ProbeResult {
  state: Exclude<HealthState, 'unknown'>;
  detail: string;
}

/** An agent's health check to probe, as stored. */
interface Target {
  id: string;
  orgId: string;
  botId: string;
  url: string;
  timeoutMs: number;
}

const isUrlCheck = (healthCheck: string | undefined): healthCheck is string =>
  healthCheck !== undefined && /^https?:\/\//.test(healthCheck);

/**
 * GETs a health check URL with `probe` (the outbound guard's fetch): healthy on a 2xx answer
 * within `timeoutMs`, otherwise unhealthy with the status, the error, the guard's refusal or the
 * timeout. The body is never read. Throws only when `signal` aborts (shutdown).
 */
export async function probeUrl(
  probe: typeof fetch,
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await probe(url, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: { accept: 'application/json, text/plain, */*' },
    });
    await res.body?.cancel().catch(() => undefined);
    return { state: res.ok ? 'healthy' : 'unhealthy', detail: `HTTP ${res.status} in ${ms()} ms` };
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout.aborted) return { state: 'unhealthy', detail: `no answer within ${timeoutMs} ms` };
    if (error instanceof OutboundRefusedError) return { state: 'unhealthy', detail: error.message };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    return { state: 'unhealthy', detail: `${why} after ${ms()} ms` };
  }
}

/**
 * Health probing (see README.md, "Health"): every `healthIntervalMs` a working process GETs
 * the `healthCheck` URL of every enabled agent (all organisations, `CONCURRENCY` at a time)
 * and stores the result on the agent's row. A change of state is published with
 * `AGENTS_CHANGED`, so every process drops its registry cache and updates its scheduler: an
 * unhealthy agent gets no new work, and tasks waiting for it are woken when it is healthy.
 */
export function createHealth(deps: HealthDeps) {
  const { db, clock, scheduler } = deps;
  const log = deps.log.child({ module: 'agents.health' });
  let timer: NodeJS.Timeout | undefined;
  let stopping = new AbortController();
  let round: Promise<unknown> | undefined;

  /** This process's scheduler follows a health state. */
  function apply(agentId: string, state: HealthState): void {
    if (state === 'unhealthy') scheduler.unhealthy.add(agentId);
    else if (scheduler.unhealthy.delete(agentId)) scheduler.pump();
  }

  deps.events.subscribe(AGENTS_CHANGED, (event) => {
    const { health } = event.payload as Partial<AgentsChanged>;
    if (health) apply(health.agentId, health.state);
  });

  /**
   * Probes one target and stores the result, unless its health check changed meanwhile; the
   * update answers the state it replaced, so a change is published once whoever probed before.
   */
  async function check(target: Target, signal?: AbortSignal): Promise<AgentHealth> {
    const result = await probeUrl(deps.fetch, target.url, target.timeoutMs, signal);
    const now = clock.now().toISOString();
    const [stored] = await rowsOf<{ before: string }>(
      db,
      sql`update agents_agents a
        set health_state = ${result.state}, health_checked_at = ${now}::timestamptz,
          health_detail = ${result.detail}
        from (select id, health_state from agents_agents where id = ${target.id} for update) b
        where a.id = b.id and a.definition->>'healthCheck' = ${target.url}
        returning b.health_state as before`,
    );
    const health = { state: result.state, checkedAt: now, detail: result.detail };
    if (!stored) return health;
    apply(target.id, result.state);
    if (result.state !== stored.before) {
      log.info(
        { agent: target.botId, state: result.state, detail: result.detail },
        'agent health changed',
      );
      await deps.registry.changed(target.orgId, { agentId: target.id, state: result.state });
    }
    return health;
  }

  /** The enabled agents with a URL health check, in every organisation. */
  async function targets(): Promise<Target[]> {
    const rows = await db
      .select({
        id: agentsAgents.id,
        orgId: agentsAgents.orgId,
        botId: agentsAgents.botId,
        definition: agentsAgents.definition,
      })
      .from(agentsAgents)
      .where(eq(agentsAgents.enabled, true));
    return rows.flatMap((row) => {
      const { healthCheck, timeout } = row.definition as { healthCheck?: string; timeout?: number };
      if (!isUrlCheck(healthCheck)) return [];
      return [
        {
          id: row.id,
          orgId: row.orgId,
          botId: row.botId,
          url: healthCheck,
          timeoutMs: Math.min(timeout ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS),
        },
      ];
    });
  }

  /** Probes every enabled agent with a URL health check now; answers each result by agent id. */
  async function probeAll(): Promise<Map<string, AgentHealth>> {
    const signal = stopping.signal;
    const queue = await targets();
    const results = new Map<string, AgentHealth>();
    const worker = async () => {
      for (let target = queue.shift(); target && !signal.aborted; target = queue.shift()) {
        try {
          results.set(target.id, await check(target, signal));
        } catch (error) {
          if (!signal.aborted) log.warn({ err: error, agent: target.botId }, 'health probe failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    return results;
  }

  /**
   * Probes one agent now (id or botId) and answers it with the result; an agent whose health
   * check is `none` is answered as it is, never probed.
   */
  async function probe(orgId: string, ref: string): Promise<Agent> {
    const agent = await deps.registry.get(orgId, ref);
    if (!isUrlCheck(agent.healthCheck)) return agent;
    const health = await check({
      id: agent.id,
      orgId,
      botId: agent.botId,
      url: agent.healthCheck,
      timeoutMs: Math.min(agent.timeout, PROBE_TIMEOUT_MS),
    });
    return { ...agent, health };
  }

  /** Every agent's stored health state (all organisations), for `/metrics`. */
  async function states(): Promise<{ botId: string; state: HealthState }[]> {
    const rows = await db
      .select({ botId: agentsAgents.botId, state: agentsAgents.healthState })
      .from(agentsAgents);
    return rows.map((r) => ({ botId: r.botId, state: r.state as HealthState }));
  }

  /** Follows the stored states, one `probeAll` round now, then one every `healthIntervalMs`. */
  async function start(): Promise<void> {
    if (timer) return;
    stopping = new AbortController();
    const rows = await db
      .select({ id: agentsAgents.id })
      .from(agentsAgents)
      .where(eq(agentsAgents.healthState, 'unhealthy'));
    for (const row of rows) apply(row.id, 'unhealthy');
    const every = deps.config.healthIntervalMs;
    if (every <= 0) return;
    const tick = () => {
      if (round) return;
      round = probeAll()
        .catch((error: unknown) => log.warn({ err: error }, 'agent health round failed'))
        .finally(() => (round = undefined));
    };
    tick();
    timer = setInterval(tick, every);
    timer.unref();
  }

  /** Stops probing; probes in flight are aborted and store nothing. */
  async function stop(): Promise<void> {
    if (timer) clearInterval(timer);
    timer = undefined;
    stopping.abort(new Error('stopping'));
    await round;
  }

  return { probe, probeAll, states, start, stop };
}

export type Health = ReturnType<typeof createHealth>;
