import { hostname } from 'node:os';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { AuditLog } from '../access/index.ts';
import { CANCEL_EVENT, createTaskControl } from './agents.control.ts';
import { createTaskWrites, type LogRow, type MessageRow } from './agents.writes.ts';
import {
  ErrorCodes,
  UserError,
  currentActor,
  currentCorrelationId,
  newId,
  type Clock,
  type Config,
  type Database,
  type EventBus,
  type Jobs,
  type Logger,
} from '../kernel/index.ts';
import {
  priorityRank,
  type Agent,
  type Priority,
  type TaskInput,
  type TaskState,
  taskInputSchema,
} from './agents.dto.ts';
import { resumeFrom, ToolPause, type ToolCheckpoint } from './agents.approval.ts';
import { callCost, releaseCall, reserveCall } from './agents.budget.ts';
import type { AgentMetrics } from './agents.metrics.ts';
import { runLlm } from './agents.llm.ts';
import type { Registry } from './agents.registry.ts';
import { AgentRunError, backoffMs } from './agents.retry.ts';
import {
  runBuiltin,
  runCode,
  runWebhook,
  type CodeHandler,
  type RunContext,
} from './agents.runtime.ts';
import { failoverTiers, tiersFor } from './agents.routing.ts';
import { Scheduler, type SlotAgent, type Verdict } from './agents.scheduler.ts';
import { createSlotLeases } from './agents.slots.ts';
import { createCooldowns, DEFAULT_COOLDOWN_MS, endpointKey } from './agents.cooldowns.ts';
import { agentsTasks } from './agents.schema.ts';
import type { EndpointFor } from './agents.provider.ts';
import {
  insertMessage,
  loadTask,
  nextLogSeq,
  requireParent,
  type TaskRow,
} from './agents.store.ts';
import type { PlatformTool } from './agents.tools.ts';

export const AGENT_TASK_QUEUE = 'agents.task';
const LOG_FLUSH_MS = 250;
/** Queued tasks a working process holds for its own slots before leaving them to pg-boss. */
const LOCAL_BACKLOG = 512;
/** Places free in the backlog before a process takes more queued tasks from the table. */
const REFILL_STEP = 64;
/** How often a working process looks for queued tasks no process holds. */
const REFILL_MS = 1_000;
/** 429s a task may meet before it fails `rate_limited` (they do not count as attempts). */
const MAX_RATE_LIMITED = 20;

export interface ExecutorDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  audit: Pick<AuditLog, 'record' | 'recordMany'>;
  events: EventBus;
  jobs: Jobs;
  config: Config['agents'];
  registry: Registry;
  handlers: Map<string, CodeHandler>;
  tools: Record<string, PlatformTool>;
  /** Where an LLM agent's calls go, with which key (agents.provider.ts). */
  endpoints: EndpointFor;
  metrics: AgentMetrics;
  /** Embedded storage: one process owns the data, so any lease not ours is a dead process's. */
  embedded: boolean;
  /** The outbound guard's fetch webhook agents are called with (`AgentsOutbound.webhook`). */
  webhookFetch: typeof fetch;
}

type ParsedTaskInput = ReturnType<typeof taskInputSchema.parse>;

interface Execution {
  controller: AbortController;
  agentId: string;
  orgId: string;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(asError(signal.reason));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(asError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

const asError = (reason: unknown): Error =>
  reason instanceof Error ? reason : new Error(String(reason));

/** How an execution ended; a pause for tool approvals carries its checkpoint. */
interface Outcome {
  state: TaskState;
  reason: string | null;
  error: string | null;
  output: unknown;
  checkpoint?: ToolCheckpoint;
}

class Cancelled extends Error {}

/** The breaker's verdict on an execution: only an agent's own fault counts against it. */
function verdictOf(
  result: { ok: true; output: unknown } | { ok: false; error: AgentRunError | Cancelled },
): Verdict {
  if (result.ok) return 'success';
  return result.error instanceof AgentRunError && result.error.agentFault ? 'failure' : 'abandon';
}
/** This process stops: the task is left running; its lease lapses and recovery requeues it. */
class Stopping extends Cancelled {}

/**
 * Runs tasks: the dispatch fast path, the queue's slow path, retries with failover, timeouts,
 * budgets, leases and recovery. See README.md ("Durability") for why both paths exist.
 */
export function createExecutor(deps: ExecutorDeps) {
  const { db, clock, config, registry, metrics } = deps;
  const log = deps.log.child({ module: 'agents' });
  const owner = `${hostname()}:${process.pid}:${newId().slice(-8)}`;
  // On a database server several processes may work tasks: slots are granted across them.
  const shared = !deps.embedded;
  const slots = createSlotLeases({
    db,
    clock,
    log,
    owner,
    leaseMs: config.leaseMs,
    scheduler: () => scheduler,
  });
  const scheduler = new Scheduler({
    breaker: { failureThreshold: config.breakerFailures, resetMs: config.breakerResetMs },
    clock,
    shared,
    onShortage: () => void slots.nudge(),
    endpointOf: (agent) => endpointKey(config, agent as Agent),
  });
  const cooldowns = createCooldowns({
    db,
    clock,
    events: deps.events,
    log,
    apply: (endpoint, until) => scheduler.coolDown(endpoint, until),
  });
  const executions = new Map<string, Execution>();

  const leaseUntil = () => new Date(clock.now().getTime() + config.leaseMs);
  const slotsOf = (tiers: Agent[][]): SlotAgent[][] => tiers;
  const inFlight = new Set<Promise<unknown>>();
  let working = false;
  let timers: NodeJS.Timeout[] = [];
  let stopping = new AbortController();
  const { claimer, pull, recorder, finisher, traceWriter, callWriter } = createTaskWrites({
    db,
    clock,
    audit: deps.audit,
    owner,
    leaseUntil,
  });

  deps.events.subscribe(CANCEL_EVENT, (event) => {
    const { taskId } = event.payload as { taskId: string };
    executions.get(taskId)?.controller.abort(new Cancelled('cancelled'));
  });

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  function actorLabel(): string {
    const actor = currentActor();
    if (!actor || actor.type === 'system') return 'system';
    return `${actor.type}:${actor.id ?? ''}`;
  }

  let queueDefined: Promise<void> | undefined;
  /** The queue (its workers start only in a process working jobs), declared once. */
  function defineQueue(): Promise<void> {
    queueDefined ??= deps.jobs
      .define<{ taskId: string }>({
        name: AGENT_TASK_QUEUE,
        concurrency: config.workerConcurrency,
        retryLimit: 3,
        retryDelaySeconds: 1,
        // A job only wakes this process to take queued tasks; a second delivery is harmless.
        expireInSeconds: 3600,
        handler: async (job) => handleJob(job.data.taskId, job.signal),
      })
      .catch((error: unknown) => {
        queueDefined = undefined;
        throw error;
      });
    return queueDefined;
  }

  async function send(taskId: string, priority: number): Promise<void> {
    await defineQueue();
    await deps.jobs.send(AGENT_TASK_QUEUE, { taskId }, { priority });
  }

  /**
   * A free slot now, or undefined. With limits across processes, an agent that has room under
   * its limit but none granted here is asked for once (one round trip) before giving up.
   */
  async function slotNow(tiers: SlotAgent[][], rank: number): Promise<string | undefined> {
    if (shared) {
      // The preferred tier is short of grants here: ask first, rather than take a later tier
      // (a backup) that has a grant.
      const short = scheduler.short(tiers);
      if (short.length > 0) await slots.want(short);
    }
    return scheduler.tryAcquire(tiers, rank);
  }

  /** Records a task; runs it at once on a free local slot, else queues it on pg-boss. */
  async function dispatch(orgId: string, raw: TaskInput | ParsedTaskInput): Promise<TaskRow> {
    const t0 = performance.now();
    const input = taskInputSchema.parse(raw);
    if (input.parentId !== undefined) await requireParent(db, orgId, input.parentId);
    const agents = await registry.list(orgId);
    let requestedAgentId: string | null = null;
    if (input.agent) requestedAgentId = (await registry.get(orgId, input.agent)).id;
    else if (input.capabilities.length === 0) {
      throw new UserError(
        ErrorCodes.validationFailed,
        'capabilities must name at least one capability, or agent must name an agent',
        { details: [{ path: 'capabilities', message: 'is empty and no agent is named' }] },
      );
    }
    if (input.budget?.amount !== undefined && input.budget.currency === undefined) {
      throw new UserError(ErrorCodes.validationFailed, 'budget.amount needs budget.currency', {
        details: [
          { path: 'budget.currency', message: 'is required with budget.amount (ISO 4217)' },
        ],
      });
    }
    const deadline = input.deadline ? new Date(input.deadline) : null;
    if (deadline && deadline.getTime() <= clock.now().getTime()) {
      throw new UserError(ErrorCodes.validationFailed, 'deadline is in the past', {
        details: [{ path: 'deadline', message: 'must be in the future' }],
      });
    }
    const { tiers, reason } = tiersFor(agents, {
      capabilities: input.capabilities,
      requestedAgentId,
    });
    const rank = priorityRank(input.priority);
    const requiresApproval =
      input.requiresApproval || (tiers[0] ?? []).some((a) => a.requiresApproval);
    const slot =
      !reason && !requiresApproval && working ? await slotNow(slotsOf(tiers), rank) : undefined;
    // A working process keeps a backlog of its own under a lease (no queue round trip); past
    // LOCAL_BACKLOG waiting tasks, they stay in the table for whichever process has room.
    const heldHere =
      !reason && !requiresApproval && !slot && working && pendingLocal.size < LOCAL_BACKLOG;
    const now = clock.now();
    const state: TaskState = reason
      ? 'failed'
      : requiresApproval
        ? 'waiting'
        : slot
          ? 'running'
          : 'queued';
    const row: TaskRow = {
      id: newId(),
      orgId,
      correlationId: input.correlationId ?? currentCorrelationId() ?? newId(),
      parentId: input.parentId ?? null,
      priority: input.priority,
      priorityRank: rank,
      capabilities: input.capabilities,
      requestedAgentId,
      agentId: slot ?? null,
      state,
      reason: reason ? 'no_capable_agent' : requiresApproval ? 'approval' : null,
      error: reason ?? null,
      input: input.input ?? null,
      output: null,
      deadline,
      budgetTokens: input.budget?.tokens ?? null,
      budgetAmount: input.budget?.amount ?? null,
      budgetCurrency: input.budget?.currency ?? null,
      tokensUsed: 0n,
      costMicro: 0n,
      attempts: slot ? 1 : 0,
      requiresApproval,
      approvedBy: null,
      checkpoint: null,
      leaseOwner: slot || heldHere ? owner : null,
      leaseUntil: slot || heldHere ? leaseUntil() : null,
      createdBy: actorLabel(),
      createdAt: now,
      startedAt: slot ? now : null,
      finishedAt: reason ? now : null,
      updatedAt: now,
    };
    const recipient = slot
      ? (agents.find((a) => a.id === slot)?.botId ?? 'router')
      : requestedAgentId
        ? (agents.find((a) => a.id === requestedAgentId)?.botId ?? 'router')
        : 'router';
    // The fast path starts the agent while the task is being recorded (see README.md,
    // "Dispatch"): its writes, and the end of the task, wait for the record to commit, and a
    // record that fails aborts the execution.
    const message = (
      m: Omit<MessageRow, 'id' | 'orgId' | 'taskId' | 'correlationId' | 'priority' | 'at'>,
    ): MessageRow => ({
      id: newId(),
      orgId,
      taskId: row.id,
      correlationId: row.correlationId,
      priority: row.priority,
      at: now,
      ...m,
    });
    const recording = recorder.add({
      row,
      messages: [
        message({
          senderAgent: row.createdBy,
          recipientAgent: recipient,
          messageType: 'task',
          payload: { capabilities: row.capabilities, input: row.input },
        }),
        ...(reason
          ? [
              message({
                senderAgent: 'router',
                recipientAgent: row.createdBy,
                messageType: 'error',
                payload: { reason: 'no_capable_agent', message: reason },
              }),
            ]
          : []),
      ],
      // Resolved now: the batch is written outside this caller's context.
      audit: {
        action: 'agents.task.dispatch',
        entityType: 'agent_task',
        entityId: row.id,
        orgId,
        actor: currentActor() ?? { type: 'system', id: null, orgId: null },
        requestId: row.correlationId,
        after: {
          state,
          priority: row.priority,
          capabilities: row.capabilities,
          agentId: row.agentId,
        },
      },
    });
    if (slot) {
      metrics.dispatchLatency(performance.now() - t0);
      void track(execute(row, slot, tiers, agents, 1, recording));
    }
    await recording;
    if (reason) metrics.finished('router', 'failed', 0);
    if (state === 'queued') {
      if (heldHere) void runLocally(row);
      else {
        more = true;
        // Other processes hear of it through the job queue; alone, this one takes it on room.
        if (shared || !working) await send(row.id, rank);
      }
    }
    return row;
  }

  /**
   * Tasks this process waits to run, by id: a queued task waits here for a local slot at once,
   * and the queue's job for it (the durable copy) joins the same wait instead of a second one.
   */
  const pendingLocal = new Map<string, Promise<void>>();

  function runLocally(task: TaskRow, signal?: AbortSignal): Promise<void> {
    let pending = pendingLocal.get(task.id);
    if (!pending) {
      pending = track(runQueued(task, signal)).finally(() => {
        pendingLocal.delete(task.id);
        if (more) void refill(REFILL_STEP);
      });
      pendingLocal.set(task.id, pending);
    }
    return pending;
  }

  /**
   * The queue's path: a job is a wake-up. The table is the queue: `refill` takes as many queued
   * tasks no process holds as this process's backlog has room for (under its lease), so what a
   * process takes scales with what its slots can use, not with the job queue's workers or its
   * polling.
   */
  async function handleJob(taskId: string, signal: AbortSignal): Promise<void> {
    if (pendingLocal.has(taskId)) return;
    if (!working) {
      // Jobs reach a process whose executor was not started (no heartbeat to hold leases):
      // this task waits for its slot within its job, and the job ends once it runs.
      const task = await loadTask(db, null, taskId).catch(() => undefined);
      if (task?.state === 'queued') await runLocally(task, signal);
      return;
    }
    await refill(1);
  }

  let refilling: Promise<void> | undefined;
  let refillAgain = false;
  /** Queued tasks no process holds may be left in the table (the last pull filled its room). */
  let more = true;

  /** Takes queued tasks into the local backlog when it has at least `minRoom` free places. */
  function refill(minRoom: number): Promise<void> {
    if (!working) return Promise.resolve();
    if (refilling) {
      refillAgain = true;
      return refilling;
    }
    refilling = track(
      (async () => {
        do {
          refillAgain = false;
          const room = LOCAL_BACKLOG - pendingLocal.size;
          if (room < minRoom) break;
          const rows = await pull(room);
          more = rows.length === room;
          for (const row of rows) void runLocally(row);
        } while (refillAgain && working);
      })(),
    )
      .catch((error: unknown) => log.warn({ err: error }, 'taking queued agent tasks failed'))
      .finally(() => (refilling = undefined));
    return refilling;
  }

  /** Waits for a slot (priority order), claims the task (one process wins), runs it. */
  async function runQueued(task: TaskRow, signal?: AbortSignal): Promise<void> {
    const agents = await registry.list(task.orgId);
    const { tiers, reason } = tiersFor(agents, task);
    if (reason) {
      await finishQueued(task, 'failed', 'no_capable_agent', reason);
      return;
    }
    const waits: AbortSignal[] = signal ? [signal, stopping.signal] : [stopping.signal];
    if (task.deadline) {
      waits.push(AbortSignal.timeout(Math.max(0, task.deadline.getTime() - clock.now().getTime())));
    }
    let agentId: string;
    try {
      agentId = await scheduler.acquire(slotsOf(tiers), task.priorityRank, AbortSignal.any(waits));
    } catch (error) {
      if (task.deadline && task.deadline.getTime() <= clock.now().getTime()) {
        await finishQueued(
          task,
          'timed_out',
          'deadline',
          'The deadline passed while the task waited for an agent',
        );
        return;
      }
      // Stopping, or the job expired: the task stays queued for the queue to deliver again.
      if (signal) throw error;
      return;
    }
    const claimed = await claimer.add({ task, agentId });
    if (!claimed) {
      scheduler.release(agentId, 'abandon');
      return;
    }
    metrics.dispatchLatency(clock.now().getTime() - claimed.createdAt.getTime());
    // Started, not awaited: a job waiting here for its slot ends once the task runs.
    void track(execute(claimed, agentId, tiers, agents, claimed.attempts));
  }

  async function finishQueued(task: TaskRow, state: TaskState, reason: string, error: string) {
    const now = clock.now();
    await db.transaction(async (tx) => {
      const [done] = await tx
        .update(agentsTasks)
        .set({ state, reason, error, finishedAt: now, updatedAt: now })
        .where(and(eq(agentsTasks.id, task.id), eq(agentsTasks.state, 'queued')))
        .returning();
      if (!done) return;
      await insertMessage(tx, {
        orgId: task.orgId,
        taskId: task.id,
        correlationId: task.correlationId,
        senderAgent: 'router',
        recipientAgent: task.createdBy,
        messageType: 'error',
        priority: task.priority,
        payload: { reason, message: error },
        at: now,
      });
    });
    metrics.finished('router', state, 0);
  }

  /**
   * One task from its first execution to its end: retries with backoff (honouring
   * `Retry-After`), failover to backups, per-execution timeouts, the breaker's verdicts.
   * The task holds a lease the heartbeat renews; the slot is held only while executing.
   */
  async function execute(
    first: TaskRow,
    firstAgentId: string,
    tiers: Agent[][],
    agents: Agent[],
    attemptNo: number,
    recorded: Promise<unknown> = Promise.resolve(),
  ): Promise<void> {
    const task = { ...first };
    const controller = new AbortController();
    let unrecorded = false;
    recorded.catch(() => {
      unrecorded = true;
      controller.abort(new Stopping('the task could not be recorded'));
    });
    let agent = agents.find((a) => a.id === firstAgentId)!;
    const policy = agent.retryPolicy;
    executions.set(task.id, { controller, agentId: agent.id, orgId: task.orgId });
    const logBuffer: { kind: string; text: string; at: Date }[] = [];
    /** The task's trace so far: every attempt, failover, model and tool call as a message. */
    const traceBuffer: MessageRow[] = [];
    const say = (
      sender: string,
      recipient: string,
      messageType: 'status' | 'error',
      payload: Record<string, unknown>,
    ) =>
      traceBuffer.push({
        id: newId(),
        orgId: task.orgId,
        taskId: task.id,
        correlationId: task.correlationId,
        senderAgent: sender,
        recipientAgent: recipient,
        messageType,
        priority: task.priority,
        payload,
        at: clock.now(),
      });
    let outputChunk = '';
    let seq = attemptNo > 1 || task.checkpoint !== null ? await nextLogSeq(db, task.id) : 1;
    const takeLogs = () => {
      if (outputChunk) {
        logBuffer.push({ kind: 'output', text: outputChunk, at: clock.now() });
        outputChunk = '';
      }
      return logBuffer.splice(0).map((l) => ({
        taskId: task.id,
        orgId: task.orgId,
        seq: seq++,
        kind: l.kind,
        text: l.text.slice(0, 10_000),
        at: l.at,
      }));
    };
    const flush = async () => {
      await recorded;
      const rows = takeLogs();
      const messages = traceBuffer.splice(0);
      if (rows.length > 0 || messages.length > 0) await traceWriter.add({ logs: rows, messages });
    };
    let flushing: Promise<void> = Promise.resolve();
    const flushTimer = setInterval(() => {
      flushing = flushing
        .then(flush)
        .catch((error: unknown) => log.warn({ err: error }, 'task log flush failed'));
    }, LOG_FLUSH_MS);
    flushTimer.unref();
    const note = (kind: string, text: string) => logBuffer.push({ kind, text, at: clock.now() });

    let attempt = attemptNo;
    /** Executions that met a 429: the endpoint's cooldown, not a failed attempt. */
    let rateLimited = 0;
    let outcome: Outcome;
    for (;;) {
      const started = performance.now();
      note('attempt', `attempt ${attempt} on ${agent.botId}`);
      say('router', agent.botId, 'status', { event: 'attempt', attempt, agent: agent.botId });
      const remaining = task.deadline ? task.deadline.getTime() - clock.now().getTime() : Infinity;
      const timeoutMs = Math.min(agent.timeout, remaining);
      const runController = new AbortController();
      const onOuterAbort = () => runController.abort(controller.signal.reason);
      controller.signal.addEventListener('abort', onOuterAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(
        () => {
          timedOut = true;
          runController.abort(
            new AgentRunError(
              'timeout',
              `${agent.botId} did not finish within ${Math.round(timeoutMs)} ms`,
              {
                retryable: timeoutMs === agent.timeout,
              },
            ),
          );
        },
        Math.max(0, timeoutMs),
      );
      let result: { ok: true; output: unknown } | { ok: false; error: AgentRunError | Cancelled };
      try {
        const output = await runOn(
          agent,
          task,
          runController.signal,
          note,
          (t) => (outputChunk += t),
          recorded,
          (recipient, payload, type = 'status') => say(agent.botId, recipient, type, payload),
        );
        result = { ok: true, output };
      } catch (error) {
        const reason: unknown = runController.signal.aborted ? runController.signal.reason : error;
        result = {
          ok: false,
          error:
            reason instanceof Cancelled || reason instanceof AgentRunError
              ? reason
              : new AgentRunError('agent_error', String((reason as Error)?.message ?? reason), {
                  retryable: true,
                }),
        };
      } finally {
        clearTimeout(timer);
        controller.signal.removeEventListener('abort', onOuterAbort);
      }
      const ms = performance.now() - started;
      // The breaker's verdict goes with the slot: recorded before waiting tasks are served.
      scheduler.release(agent.id, verdictOf(result));
      if (result.ok && result.output instanceof ToolPause) {
        outcome = {
          state: 'waiting',
          reason: 'tool_approval',
          error: null,
          output: null,
          checkpoint: result.output.checkpoint,
        };
        break;
      }
      if (result.ok) {
        metrics.finished(agent.botId, 'succeeded', ms);
        outcome = { state: 'succeeded', reason: null, error: null, output: result.output };
        break;
      }
      const failure = result.error;
      if (failure instanceof Cancelled) {
        outcome = { state: 'cancelled', reason: 'cancelled', error: 'Cancelled', output: null };
        break;
      }
      metrics.attemptFailed(agent.botId, failure.code);
      note('error', `${agent.botId}: ${failure.code}: ${failure.message}`);
      say(agent.botId, 'router', 'error', {
        event: 'attempt_failed',
        attempt,
        agent: agent.botId,
        code: failure.code,
        message: failure.message,
        retryable: failure.retryable,
        ms: Math.round(ms),
      });
      const limited = failure.code === 'rate_limited';
      if (limited) {
        rateLimited += 1;
        await coolDown(task, agent, failure, note, say);
      }
      const deadlinePassed =
        task.deadline !== null && task.deadline.getTime() <= clock.now().getTime();
      const exhausted = limited
        ? rateLimited >= MAX_RATE_LIMITED
        : attempt - rateLimited >= policy.maxAttempts;
      if (!failure.retryable || exhausted || deadlinePassed) {
        const state: TaskState = timedOut || failure.code === 'timeout' ? 'timed_out' : 'failed';
        metrics.finished(agent.botId, state, ms);
        const after = failure.retryable && !deadlinePassed ? ` (after ${attempt} attempts)` : '';
        outcome = {
          state,
          reason: deadlinePassed && timedOut ? 'deadline' : failure.code,
          error: `${failure.message}${after}`,
          output: null,
        };
        break;
      }
      // Fail over at once to a backup with a free slot; otherwise wait, then any candidate.
      const next = failoverTiers(tiers, agent, agents);
      let nextId: string | undefined;
      try {
        nextId = await slotNow(slotsOf(next.slice(0, -1)), task.priorityRank);
        if (nextId) {
          const to = agents.find((a) => a.id === nextId)?.botId ?? nextId;
          note('failover', `failing over from ${agent.botId} to ${to}`);
          say('router', to, 'status', {
            event: 'failover',
            from: agent.botId,
            to,
            reason: failure.code,
          });
        } else if (limited && scheduler.live(agent).endpoint !== undefined) {
          // No backoff of our own: the scheduler holds back every agent on the endpoint until
          // its cooldown ends and serves this task then (or at once on another endpoint).
          await recorded.catch(() => undefined);
          await markCooling(task);
          try {
            nextId = await scheduler.acquire(slotsOf(next), task.priorityRank, controller.signal);
          } finally {
            metrics.cooling(-1);
          }
        } else {
          const wait = backoffMs(policy, attempt, failure.retryAfterMs);
          say('router', agent.botId, 'status', {
            event: 'retry',
            waitMs: wait,
            ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
          });
          note(
            'retry',
            `retrying in ${wait} ms${failure.retryAfterMs === undefined ? '' : ` (Retry-After ${failure.retryAfterMs} ms)`}`,
          );
          await sleep(wait, controller.signal);
          nextId = await scheduler.acquire(slotsOf(next), task.priorityRank, controller.signal);
        }
      } catch {
        outcome = { state: 'cancelled', reason: 'cancelled', error: 'Cancelled', output: null };
        break;
      }
      agent = agents.find((a) => a.id === nextId)!;
      attempt += 1;
      executions.set(task.id, { controller, agentId: agent.id, orgId: task.orgId });
      await recorded.catch(() => undefined);
      await db
        .update(agentsTasks)
        .set({
          agentId: agent.id,
          attempts: attempt,
          state: 'running',
          reason: null,
          leaseUntil: leaseUntil(),
          updatedAt: clock.now(),
        })
        .where(and(eq(agentsTasks.id, task.id), eq(agentsTasks.leaseOwner, owner)));
    }
    clearInterval(flushTimer);
    executions.delete(task.id);
    await flushing;
    if (controller.signal.reason instanceof Stopping) {
      if (!unrecorded) await flush().catch(() => undefined);
      return;
    }
    note('state', outcome.state + (outcome.reason ? ` (${outcome.reason})` : ''));
    if (
      await recorded.then(
        () => false,
        () => true,
      )
    )
      return;
    await finish(task, agent, outcome, takeLogs(), traceBuffer.splice(0));
  }

  /**
   * A 429: the agent's endpoint cools down for `Retry-After` (or DEFAULT_COOLDOWN_MS), for
   * every agent using it and in every process (stored, published). Not a failure of the agent.
   */
  async function coolDown(
    task: TaskRow,
    agent: Agent,
    failure: AgentRunError,
    note: (kind: string, text: string) => void,
    say: (
      sender: string,
      recipient: string,
      type: 'status',
      payload: Record<string, unknown>,
    ) => void,
  ): Promise<void> {
    const endpoint = scheduler.live(agent).endpoint;
    const ms = failure.retryAfterMs ?? DEFAULT_COOLDOWN_MS;
    metrics.rateLimited(agent.botId);
    say('router', agent.botId, 'status', {
      event: 'cooldown',
      agent: agent.botId,
      ms,
      retryAfter: failure.retryAfterMs !== undefined,
    });
    note(
      'cooldown',
      `${agent.botId}'s endpoint is rate limited: no call to it for ${ms} ms${failure.retryAfterMs === undefined ? '' : ' (Retry-After)'}, from any agent using it`,
    );
    if (endpoint === undefined) return;
    await cooldowns
      .record(
        endpoint,
        endpoint.startsWith('installation:') ? null : task.orgId,
        clock.now().getTime() + ms,
        `429 from ${agent.botId}${failure.retryAfterMs === undefined ? '' : `, Retry-After ${ms} ms`}`,
      )
      .catch((error: unknown) => log.warn({ err: error }, 'could not store a cooldown'));
  }

  /** The task waits for an endpoint's cooldown: `queued` (reason `cooldown`) until it runs again. */
  async function markCooling(task: TaskRow): Promise<void> {
    metrics.cooling(1);
    await db
      .update(agentsTasks)
      .set({ state: 'queued', reason: 'cooldown', updatedAt: clock.now() })
      .where(
        and(
          eq(agentsTasks.id, task.id),
          eq(agentsTasks.state, 'running'),
          eq(agentsTasks.leaseOwner, owner),
        ),
      )
      .catch((error: unknown) => log.warn({ err: error }, 'could not mark a task cooling down'));
  }

  /** Ends a task, or records its pause for tool approvals (`outcome.checkpoint`): one batch. */
  async function finish(
    task: TaskRow,
    agent: Agent,
    outcome: Outcome,
    logs: LogRow[],
    trace: MessageRow[],
  ): Promise<void> {
    const now = clock.now();
    const paused = outcome.checkpoint;
    try {
      await finisher.add({
        taskId: task.id,
        state: outcome.state,
        reason: outcome.reason,
        error: outcome.error,
        output: outcome.output ?? null,
        at: now,
        logs,
        trace,
        ...(paused ? { checkpoint: paused } : {}),
        message: {
          id: newId(),
          orgId: task.orgId,
          taskId: task.id,
          correlationId: task.correlationId,
          senderAgent: agent.botId,
          recipientAgent: task.createdBy,
          messageType: paused ? 'status' : outcome.state === 'succeeded' ? 'response' : 'error',
          priority: task.priority,
          payload: paused
            ? { state: outcome.state, reason: outcome.reason, pendingToolCalls: paused.pending }
            : outcome.state === 'succeeded'
              ? (outcome.output ?? null)
              : { state: outcome.state, reason: outcome.reason, message: outcome.error },
          at: now,
        },
      });
    } catch (error) {
      log.error({ err: error, taskId: task.id }, 'could not record the end of an agent task');
    }
  }

  async function runOn(
    agent: Agent,
    task: TaskRow,
    signal: AbortSignal,
    note: (kind: string, text: string) => void,
    stream: (text: string) => void,
    recorded: Promise<unknown>,
    trace: RunContext['trace'],
  ): Promise<unknown> {
    const checkpoint = resumeFrom(task);
    /** The reserved call in flight (agents.budget.ts), settled by `recordCall`. */
    let reserved: string | undefined;
    const ctx: RunContext = {
      taskId: task.id,
      orgId: task.orgId,
      correlationId: task.correlationId,
      priority: task.priority as Priority,
      input: task.input,
      agent,
      signal,
      log: note,
      stream,
      trace,
      tools: deps.tools,
      maxSteps: agent.llm?.maxSteps ?? config.maxSteps,
      ...(checkpoint ? { checkpoint } : {}),
      saveCheckpoint: async (saved) => {
        task.checkpoint = saved;
        await recorded;
        await db
          .update(agentsTasks)
          .set({ checkpoint: saved })
          .where(and(eq(agentsTasks.id, task.id), eq(agentsTasks.leaseOwner, owner)));
      },
      endpointReady: async () => {
        const endpoint = scheduler.live(agent).endpoint;
        if (endpoint === undefined) return;
        let ms = scheduler.coolingMs(agent);
        // Another process's cooldown it may not have heard of yet: the stored one.
        if (ms === 0 && shared) ms = (await cooldowns.until(endpoint)) - clock.now().getTime();
        if (ms <= 0) return;
        note('cooldown', `waiting ${ms} ms for the endpoint's cooldown (rate limited)`);
        await sleep(ms, signal);
      },
      beforeCall: async (estimate) => {
        await recorded;
        reserved = await reserveCall({ db, clock, config }, task, agent, estimate, note);
      },
      recordCall: async (call) => {
        await recorded;
        const prices = call.prices ?? config.prices;
        const cost = callCost(prices, call.model, call.inputTokens, call.outputTokens);
        const tokens = BigInt(call.inputTokens + call.outputTokens);
        task.tokensUsed += tokens;
        task.costMicro += cost.micro;
        metrics.usage(agent.botId, call.inputTokens, call.outputTokens, cost.micro, cost.currency);
        trace(
          `${call.provider}:${call.model}`,
          {
            event: 'model_call',
            provider: call.provider,
            model: call.model,
            ok: call.ok,
            ...(call.error ? { error: call.error } : {}),
            inputTokens: call.inputTokens,
            outputTokens: call.outputTokens,
            costMicro: cost.micro.toString(),
            currency: cost.currency,
            ms: call.ms,
          },
          call.ok ? 'status' : 'error',
        );
        const settling = reserved;
        reserved = undefined;
        const row = {
          provider: call.provider,
          model: call.model,
          inputTokens: call.inputTokens,
          outputTokens: call.outputTokens,
          costMicro: cost.micro,
          currency: cost.currency,
          ms: call.ms,
          ok: call.ok,
          error: call.error ?? null,
          at: clock.now(),
        };
        // Group-committed with other tasks' calls; a reserved call is settled with what it
        // used (its reservation given back).
        await callWriter.add({
          row: {
            id: settling ?? newId(),
            orgId: task.orgId,
            taskId: task.id,
            agentId: agent.id,
            ...row,
            reservedTokens: 0n,
            reservedMicro: 0n,
          },
          settles: settling !== undefined,
          tokens,
          costMicro: cost.micro,
        });
      },
    };
    try {
      switch (agent.kind) {
        case 'code':
          return await runCode(ctx, deps.handlers.get(agent.handler ?? ''));
        case 'webhook':
          return await runWebhook(ctx, () => clock.now(), deps.webhookFetch);
        case 'llm':
          return agent.llm?.provider === 'builtin'
            ? await runBuiltin(ctx)
            : await runLlm(ctx, deps.endpoints, () => clock.now());
        default: {
          const never: never = agent.kind;
          throw new AgentRunError('misconfigured', `unknown kind ${String(never)}`, {
            retryable: false,
          });
        }
      }
    } finally {
      // A call reserved but never settled (aborted, timed out): its reservation is given back.
      if (reserved) {
        await releaseCall(db, reserved).catch((error: unknown) =>
          log.warn({ err: error }, 'could not release a budget reservation'),
        );
      }
    }
  }

  const { cancel, decide, recover } = createTaskControl({
    db,
    clock,
    log,
    audit: deps.audit,
    events: deps.events,
    owner,
    actorLabel,
    abortLocal: (taskId) => executions.get(taskId)?.controller.abort(new Cancelled('cancelled')),
    send,
    runLocally: (task) => void runLocally(task),
    isWorking: () => working,
  });

  async function heartbeat(): Promise<void> {
    if (shared) await slots.renew();
    if (executions.size === 0 && pendingLocal.size === 0) return;
    await db
      .update(agentsTasks)
      .set({ leaseUntil: leaseUntil() })
      .where(
        and(
          eq(agentsTasks.leaseOwner, owner),
          inArray(agentsTasks.state, ['running', 'queued']),
          isNotNull(agentsTasks.leaseUntil),
        ),
      );
  }

  return {
    owner,
    scheduler,
    slots,
    dispatch,
    handleJob,
    cancel,
    decide,
    recover,
    heartbeat,
    get working() {
      return working;
    },
    /** Works tasks in this process: the queue, the heartbeat, the recovery sweep. */
    async start(): Promise<void> {
      await defineQueue();
      await cooldowns.load();
      if (working || !deps.jobs.working) return;
      working = true;
      stopping = new AbortController();
      if (shared) slots.start();
      await recover({ everyForeignLease: deps.embedded });
      const beat = setInterval(
        () => {
          heartbeat().catch((error: unknown) =>
            log.warn({ err: error }, 'agent lease heartbeat failed'),
          );
        },
        Math.max(200, Math.floor(config.leaseMs / 3)),
      );
      const sweep = setInterval(() => {
        recover({ everyForeignLease: false }).catch((error: unknown) =>
          log.warn({ err: error }, 'agent recovery sweep failed'),
        );
      }, config.leaseMs);
      const tick = setInterval(() => void refill(1), REFILL_MS);
      beat.unref();
      sweep.unref();
      tick.unref();
      timers = [beat, sweep, tick];
      void refill(1);
    },
    /** Stops timers and aborts running executions (their leases lapse; recovery requeues them). */
    async stop(options: { abort?: boolean } = {}): Promise<void> {
      for (const timer of timers) clearInterval(timer);
      timers = [];
      working = false;
      stopping.abort(new Stopping('stopping'));
      if (options.abort)
        for (const e of executions.values()) e.controller.abort(new Stopping('stopping'));
      scheduler.stop();
      await Promise.allSettled([...inFlight]);
      if (shared) {
        await slots
          .stop()
          .catch((error: unknown) => log.warn({ err: error }, 'agent slot leases: release failed'));
      }
    },
    /** Resolves when every task this process is executing has ended (tests, bench). */
    async idle(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    get executing(): number {
      return executions.size;
    },
  };
}

export type Executor = ReturnType<typeof createExecutor>;
