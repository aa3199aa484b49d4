import type { Access, AuditLog } from '../access/index.ts';
import type { Clock, Config, Database, EventBus, Jobs, Logger } from '../kernel/index.ts';
import type { Agent, AgentJson, Decision, TaskState } from './agents.dto.ts';
import { createConnections } from './agents.connections.ts';
import { createExecutor } from './agents.executor.ts';
import { readAgentFiles } from './agents.files.ts';
import { createHealth } from './agents.health.ts';
import { createAgentsOutbound } from './agents.outbound.ts';
import { createAgentMetrics } from './agents.metrics.ts';
import { createRegistry } from './agents.registry.ts';
import { BUILTIN_HANDLERS, type CodeHandler } from './agents.runtime.ts';
import {
  agentStats,
  listTasks,
  loadTask,
  resolveTaskId,
  taskJson,
  taskLog,
  taskMessages,
  trace,
} from './agents.store.ts';
import { createEndpoints, operatorEndpoint, type ProviderFetch } from './agents.provider.ts';
import { platformTools, type PlatformToolDeps } from './agents.tools.ts';
import { dict } from '../kernel/dict.ts';

export interface AgentsServiceDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  audit: Pick<AuditLog, 'record' | 'recordMany'>;
  events: EventBus;
  jobs: Jobs;
  config: Config['agents'];
  /** The outbound guard's settings, for health checks and webhook agents. */
  outbound: Config['outbound'];
  /** Embedded storage (PGlite): this process owns the data. */
  embedded: boolean;
  /** Where provider connections' keys are sealed: the access module's secrets service. */
  secrets: Pick<Access['secrets'], 'put' | 'reveal' | 'remove'>;
  /**
   * The `fetch` of LLM provider calls (default: global `fetch` for both): `tenant` for URLs an
   * organisation set (the place of an SSRF guard), `operator` for the configured base URLs.
   */
  providerFetch?: Partial<ProviderFetch>;
  /** Code agents' handlers beside the built-in `noop` and `echo`. */
  handlers?: Record<string, CodeHandler>;
  tools?: PlatformToolDeps;
  /** An organisation's id from an id or slug, or the only one when `ref` is undefined. */
  resolveOrganisation?: (ref: string | undefined) => Promise<string | undefined>;
}

const bigintText = (v: bigint | undefined) => (v === undefined ? undefined : v.toString());

/**
 * The agents module's service: the registry, tasks (dispatch, cancel, approvals), the executor
 * that runs them, messages by correlation id and metrics. Build it with `createAgentsService`,
 * then `start()` in processes that work jobs.
 */
export function createAgentsService(deps: AgentsServiceDeps) {
  const handlers = new Map<string, CodeHandler>(
    Object.entries({ ...BUILTIN_HANDLERS, ...deps.handlers }),
  );
  const outbound = createAgentsOutbound(deps.outbound);
  // A base URL an organisation sets is checked by the guard when saved, unless it is one the
  // operator configured (which may be private: a local model).
  const checkLlmUrl = async (url: string) => {
    if (operatorEndpoint(deps.config, url)) return;
    await outbound.checkUrl(url);
  };
  const connections = createConnections({
    db: deps.db,
    clock: deps.clock,
    log: deps.log,
    audit: deps.audit,
    secrets: deps.secrets,
    agents: (orgId) => registry.list(orgId),
    checkUrl: checkLlmUrl,
  });
  const registry = createRegistry({
    db: deps.db,
    clock: deps.clock,
    audit: deps.audit,
    events: deps.events,
    hasHandler: (name) => handlers.has(name),
    connections,
    checkUrl: outbound.checkUrl,
    checkLlmUrl,
    pricesFor: async (orgId, llm) => {
      if (llm.connection === undefined) return deps.config.prices;
      const connection = await connections.find(orgId, llm.connection);
      return Object.fromEntries(
        (connection?.models ?? []).flatMap((m) => (m.price ? [[m.id, m.price]] : [])),
      );
    },
  });
  const metrics = createAgentMetrics();
  const executor = createExecutor({
    db: deps.db,
    clock: deps.clock,
    log: deps.log,
    audit: deps.audit,
    events: deps.events,
    jobs: deps.jobs,
    config: deps.config,
    registry,
    handlers,
    tools: platformTools(deps.tools ?? {}),
    endpoints: createEndpoints({
      config: deps.config,
      connections,
      fetch: {
        operator: deps.providerFetch?.operator ?? ((input, init) => fetch(input, init)),
        // Every URL an organisation set goes through the outbound guard.
        tenant: deps.providerFetch?.tenant ?? outbound.llm,
      },
    }),
    metrics,
    embedded: deps.embedded,
    webhookFetch: outbound.webhook,
  });
  const health = createHealth({
    db: deps.db,
    clock: deps.clock,
    log: deps.log,
    events: deps.events,
    config: deps.config,
    registry,
    scheduler: executor.scheduler,
    fetch: outbound.probe,
  });
  metrics.attachHealth(health.states);
  const botIds = new Map<string, string>();
  metrics.attach({ scheduler: executor.scheduler, botIdOf: (id) => botIds.get(id) ?? id });
  const remember = (agents: Agent[]) => {
    for (const a of agents) botIds.set(a.id, a.botId);
    return agents;
  };

  function agentJson(agent: Agent): AgentJson {
    const live = executor.scheduler.peek(agent.id);
    const { orgId: _org, budget, llm, ...rest } = agent;
    return {
      ...rest,
      ...(llm ? { llm: { ...llm, offlineDemo: llm.provider === 'builtin' } } : {}),
      ...(budget
        ? {
            budget: {
              ...(budget.tokens === undefined ? {} : { tokens: bigintText(budget.tokens) }),
              ...(budget.amount === undefined ? {} : { amount: bigintText(budget.amount) }),
              ...(budget.currency === undefined ? {} : { currency: budget.currency }),
            },
          }
        : {}),
      live: { running: live?.running ?? 0, breaker: live?.breaker.state ?? 'closed' },
    };
  }

  /** Loads the agents folder: creates or updates file-defined agents (idempotent). */
  async function loadFolder(folder: string): Promise<{ loaded: string[]; problems: string[] }> {
    const { files, problems } = readAgentFiles(folder);
    const loaded: string[] = [];
    for (const file of files) {
      const orgId = await deps.resolveOrganisation?.(file.organisation);
      if (!orgId) {
        problems.push(
          `${file.file}: ${file.organisation ? `no organisation "${file.organisation}"` : 'name an organisation (several exist, or none yet)'}`,
        );
        continue;
      }
      for (const agent of file.agents) {
        try {
          const result = await registry.upsertFromFile(orgId, agent);
          if (result === 'conflict')
            problems.push(
              `${file.file}: ${agent.botId} exists and was created by the API; left alone`,
            );
          else loaded.push(`${agent.botId} (${result})`);
        } catch (error) {
          problems.push(`${file.file}: ${agent.botId}: ${(error as Error).message}`);
        }
      }
    }
    if (problems.length) deps.log.warn({ folder, problems }, 'some agent files were not loaded');
    if (loaded.length) deps.log.info({ folder, loaded }, 'agent files loaded');
    return { loaded, problems };
  }

  return {
    registry,
    connections,
    executor,
    metrics,
    handlers,
    agentJson,
    listAgents: async (orgId: string) => remember(await registry.list(orgId)),
    getAgent: (orgId: string, ref: string) => registry.get(orgId, ref),
    createAgent: registry.create,
    updateAgent: registry.update,
    deleteAgent: registry.remove,
    listConnections: connections.list,
    getConnection: connections.get,
    createConnection: connections.create,
    updateConnection: connections.update,
    deleteConnection: connections.remove,
    connectionJson: connections.json,
    /** Probes an agent's health check now; answers the agent with the result. */
    checkHealth: health.probe,
    /** Probes every enabled agent with a URL health check now (all organisations). */
    probeHealth: health.probeAll,
    /** Registers a code agent's handler in this process (before agents name it). */
    registerHandler(name: string, handler: CodeHandler) {
      handlers.set(name, handler);
    },
    dispatch: executor.dispatch,
    /** Tasks are named by id or by the unambiguous start of it (`resolveTaskId`). */
    cancel: async (orgId: string, ref: string) =>
      executor.cancel(orgId, await resolveTaskId(deps.db, orgId, ref)),
    approve: async (orgId: string, ref: string, note?: string, options?: Omit<Decision, 'note'>) =>
      executor.decide(orgId, await resolveTaskId(deps.db, orgId, ref), true, note, options),
    reject: async (orgId: string, ref: string, note?: string, options?: Omit<Decision, 'note'>) =>
      executor.decide(orgId, await resolveTaskId(deps.db, orgId, ref), false, note, options),
    async getTask(orgId: string, ref: string) {
      const id = await resolveTaskId(deps.db, orgId, ref);
      const row = await loadTask(deps.db, orgId, id);
      return {
        ...taskJson(row),
        log: await taskLog(deps.db, id),
        messages: await taskMessages(deps.db, orgId, id),
      };
    },
    async listTasks(
      orgId: string,
      query: {
        state?: TaskState | undefined;
        agent?: string | undefined;
        correlationId?: string | undefined;
        limit: number;
      },
    ) {
      const agentId = query.agent ? (await registry.get(orgId, query.agent)).id : undefined;
      const rows = await listTasks(deps.db, orgId, { ...query, agentId });
      return rows.map(taskJson);
    },
    trace: (orgId: string, correlationId: string) => trace(deps.db, orgId, correlationId),
    loadFolder,
    /** Per agent: tasks by state, completion and error rates, latency, tokens and cost. */
    async stats(orgId: string) {
      const agents = remember(await registry.list(orgId));
      const { states, latency, usage } = await agentStats(deps.db, orgId);
      let queued = 0;
      let orgTokens = 0n;
      let orgCost = 0n;
      const rows = agents.map((agent) => {
        const tasks = dict<number>();
        for (const s of states) if (s.agentId === agent.id) tasks[s.state] = Number(s.n);
        const ended = (tasks.succeeded ?? 0) + (tasks.failed ?? 0) + (tasks.timed_out ?? 0);
        const lat = latency.find((l) => l.agentId === agent.id);
        const use = usage.find((u) => u.agentId === agent.id);
        const live = executor.scheduler.peek(agent.id);
        const round = (v: number | null | undefined) =>
          v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10;
        orgTokens += BigInt(use?.tokens ?? '0');
        orgCost += BigInt(use?.cost ?? '0');
        return {
          agentId: agent.id,
          botId: agent.botId,
          tasks,
          completionRate: ended ? (tasks.succeeded ?? 0) / ended : null,
          errorRate: ended ? ((tasks.failed ?? 0) + (tasks.timed_out ?? 0)) / ended : null,
          latencyMsP50: round(lat?.p50),
          latencyMsP95: round(lat?.p95),
          tokens: use?.tokens ?? '0',
          costMicro: use?.cost ?? '0',
          breaker: live?.breaker.state ?? ('closed' as const),
          running: live?.running ?? 0,
        };
      });
      for (const s of states) if (s.state === 'queued') queued += Number(s.n);
      return {
        agents: rows,
        organisation: { tokens: orgTokens.toString(), costMicro: orgCost.toString(), queued },
      };
    },
    /** Works tasks in this process, probes health, loads the agents folder (when configured). */
    async start() {
      if (deps.config.folder) await loadFolder(deps.config.folder);
      await executor.start();
      if (executor.working) await health.start();
    },
    async stop(options?: { abort?: boolean }) {
      await health.stop();
      await executor.stop(options);
    },
  };
}

export type AgentsService = ReturnType<typeof createAgentsService>;
