import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { BREAKER_STATE_VALUE } from './agents.breaker.ts';
import type { HealthState } from './agents.dto.ts';
import type { Scheduler } from './agents.scheduler.ts';

/** `iza_agent_healthy`: 1 healthy, 0 unhealthy, -1 unknown (never probed). */
const HEALTH_VALUE: Record<HealthState, number> = { healthy: 1, unhealthy: 0, unknown: -1 };

/**
 * Prometheus metrics per agent (label `agent` = botId, so series stay as few as agents):
 * tasks by outcome, execution latency, failed attempts by code, dispatch latency, tokens,
 * cost, and (collected on scrape) running tasks, breaker state, local queue depth and the
 * stored health of every agent.
 *
 * These are every organisation's figures: the module registers them in the server's
 * `metricsRegistry`, which only the operator's `/metrics` shows (`IZA_METRICS_TOKEN` or the
 * local administrator token), never `/api/v1/server/metrics`. An organisation's own figures
 * reach its members through `GET /api/v1/agents/metrics`.
 */
export function createAgentMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const tasks = new Counter({
    name: 'iza_agent_tasks_total',
    help: 'Agent tasks ended, by agent and outcome (succeeded, failed, cancelled, timed_out)',
    labelNames: ['agent', 'outcome'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'iza_agent_task_duration_seconds',
    help: 'Duration of the last execution of ended agent tasks, by agent',
    labelNames: ['agent'] as const,
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 15, 60, 300],
    registers,
  });
  const attempts = new Counter({
    name: 'iza_agent_attempt_failures_total',
    help: 'Failed executions (before retries), by agent and error code',
    labelNames: ['agent', 'code'] as const,
    registers,
  });
  const dispatch = new Histogram({
    name: 'iza_agent_dispatch_latency_seconds',
    help: 'From dispatch to the start of the first execution',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 5, 30],
    registers,
  });
  const tokens = new Counter({
    name: 'iza_agent_tokens_total',
    help: 'Model tokens, by agent and direction (input, output)',
    labelNames: ['agent', 'direction'] as const,
    registers,
  });
  const cost = new Counter({
    name: 'iza_agent_cost_micro_total',
    help: 'Cost of model calls in millionths of a minor unit, by agent and currency',
    labelNames: ['agent', 'currency'] as const,
    registers,
  });
  let source: { scheduler: Scheduler; botIdOf: (agentId: string) => string } | undefined;
  const breaker = new Gauge({
    name: 'iza_agent_breaker_state',
    help: 'Circuit breaker per agent in this process: 0 closed, 1 half-open, 2 open',
    labelNames: ['agent'] as const,
    registers,
    collect() {
      this.reset();
      for (const live of source?.scheduler.liveAgents ?? []) {
        this.set({ agent: source!.botIdOf(live.id) }, BREAKER_STATE_VALUE[live.breaker.state]);
      }
    },
  });
  const running = new Gauge({
    name: 'iza_agent_running_tasks',
    help: 'Tasks executing in this process, by agent',
    labelNames: ['agent'] as const,
    registers,
    collect() {
      this.reset();
      for (const live of source?.scheduler.liveAgents ?? []) {
        this.set({ agent: source!.botIdOf(live.id) }, live.running);
      }
    },
  });
  const waiting = new Gauge({
    name: 'iza_agent_waiting_tasks',
    help: 'Tasks waiting in this process for a free agent slot',
    registers,
    collect() {
      this.set(source?.scheduler.waiting ?? 0);
    },
  });
  const limited = new Counter({
    name: 'iza_agent_rate_limited_total',
    help: 'Answers 429 (rate limited) by agent: each cools its endpoint down, not a failure',
    labelNames: ['agent'] as const,
    registers,
  });
  let coolingTasks = 0;
  const cooling = new Gauge({
    name: 'iza_agent_cooldown_waiting_tasks',
    help: "Tasks waiting in this process for their endpoint's cooldown (rate limited) to end",
    registers,
    collect() {
      this.set(coolingTasks);
    },
  });
  const coolingEndpoints = new Gauge({
    name: 'iza_agent_cooling_endpoints',
    help: 'Provider endpoints this process holds back because they answered 429',
    registers,
    collect() {
      this.set(source?.scheduler.coolingEndpoints ?? 0);
    },
  });
  let healthOf: (() => Promise<{ botId: string; state: HealthState }[]>) | undefined;
  const healthy = new Gauge({
    name: 'iza_agent_healthy',
    help: 'Last health probe per agent: 1 healthy, 0 unhealthy, -1 unknown (not probed)',
    labelNames: ['agent'] as const,
    registers,
    async collect() {
      // A failed read (the database is away) keeps the last values rather than fail the scrape.
      const states = await healthOf?.().catch(() => undefined);
      if (!states) return;
      this.reset();
      for (const { botId, state } of states) this.set({ agent: botId }, HEALTH_VALUE[state]);
    },
  });
  const all: Metric[] = [
    tasks,
    latency,
    attempts,
    dispatch,
    tokens,
    cost,
    breaker,
    running,
    waiting,
    limited,
    cooling,
    coolingEndpoints,
    healthy,
  ];
  return {
    registry,
    /** Every metric, to register in the server's registry too. */
    all,
    attach(s: NonNullable<typeof source>) {
      source = s;
    },
    /** Where `iza_agent_healthy` reads the agents' health on each scrape. */
    attachHealth(read: NonNullable<typeof healthOf>) {
      healthOf = read;
    },
    finished(agent: string, outcome: string, ms: number) {
      tasks.inc({ agent, outcome });
      latency.observe({ agent }, ms / 1000);
    },
    attemptFailed(agent: string, code: string) {
      attempts.inc({ agent, code });
    },
    rateLimited(agent: string) {
      limited.inc({ agent });
    },
    /** A task starts (+1) or stops (-1) waiting for a cooldown. */
    cooling(delta: number) {
      coolingTasks += delta;
    },
    dispatchLatency(ms: number) {
      dispatch.observe(ms / 1000);
    },
    usage(agent: string, input: number, output: number, micro: bigint, currency: string) {
      tokens.inc({ agent, direction: 'input' }, input);
      tokens.inc({ agent, direction: 'output' }, output);
      if (micro > 0n) cost.inc({ agent, currency }, Number(micro));
    },
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
