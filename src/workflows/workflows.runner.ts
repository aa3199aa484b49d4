import { and, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import {
  newId,
  notFound,
  type Clock,
  type Config,
  type Database,
  type EventBus,
  type Jobs,
  type Logger,
} from '../kernel/index.ts';
import type { Item } from './expressions/expression.types.ts';
import type { ExecutionState, NodeRegistry } from './engine/engine.types.ts';
import { createExecutionPool } from './isolation/pool.ts';
import type { ExecutionOutcome } from './isolation/protocol.ts';
import { secretsOfHeaders, type NodeRecord } from './isolation/records.ts';
import { createSweeps } from './workflows.sweeps.ts';
import { createExecutionWrites } from './workflows.writes.ts';
import { workflowOf, type WorkflowRow } from './workflows.service.ts';

export { dueRuns, keyedId } from './workflows.sweeps.ts';
import { workflowExecutions, workflows } from './workflows.schema.ts';

export const RUN_QUEUE = 'workflows.run';
export const TICK_QUEUE = 'workflows.tick';

export type ExecutionMode = 'manual' | 'webhook' | 'schedule' | 'error' | 'subworkflow';

/** A job of the run queue: a new execution, or one to resume from its recorded state. */
export interface RunJob {
  executionId: string;
  orgId: string;
  workflowId: string;
  /** Resume the recorded execution (a finished Wait, a crashed process). */
  resume?: boolean;
  mode?: ExecutionMode;
  startNode?: string;
  triggerItems?: Item[];
}

export interface WorkflowRunnerDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  events: EventBus;
  jobs: Jobs;
  config: Config['workflows'];
  /** The outbound guard's settings (the HTTP nodes' answer size limit). */
  outbound: Pick<Config['outbound'], 'maxResponseBytes'>;
  env: Record<string, string>;
  registry: NodeRegistry;
}

interface ExecuteOptions {
  row: WorkflowRow;
  mode: ExecutionMode;
  executionId?: string;
  startNode?: string;
  triggerItems?: Item[];
  resumeFrom?: ExecutionState;
  startedAt?: Date;
  /**
   * Milliseconds before the execution is first written (0: at once). Webhook runs that finish
   * sooner are written once, at the end; longer ones are checkpointed after each node.
   */
  checkpointAfterMs: number;
}

const STATUS: Record<ExecutionOutcome['status'], string> = {
  success: 'succeeded',
  error: 'failed',
  waiting: 'waiting',
  canceled: 'cancelled',
};

/**
 * Runs workflow executions and records them: webhooks (inside the request, from an in-memory
 * cache of active workflows), manual runs, the run queue (schedules, resumes), the per-minute
 * schedule tick, leases with a heartbeat, and recovery of executions a dead process left.
 */
export function createWorkflowRunner(deps: WorkflowRunnerDeps) {
  const { db, clock, log, config } = deps;
  const bootId = newId();
  const pool = createExecutionPool({
    maxExecutors: config.executors,
    maxExecutorsPerOrg: config.executorsPerOrg ?? Math.max(1, config.executors - 1),
    heapMb: config.executorMemoryMb,
    budgetMs: config.executionCpuMs,
    idleMs: 5 * 60_000,
    setup: {
      http: {
        allowList: config.allowPrivateNetworks,
        maxResponseBytes: deps.outbound.maxResponseBytes,
      },
      code: { timeoutMs: config.codeTimeoutMs, memoryLimitMb: config.codeMemoryMb },
      files: { dir: config.filesDir, maxFileBytes: config.maxFileBytes },
      ...(config.executeCommand === 'sandbox'
        ? {
            commands: {
              timeoutMs: config.commandTimeoutMs,
              memoryMb: config.commandMemoryMb,
              processes: config.commandProcesses,
              network: config.commandNetwork,
            },
          }
        : {}),
      ...(config.allowEnv.length > 0 ? { env: deps.env } : {}),
      expressionTimeoutMs: config.expressionTimeoutMs,
      maxNodeDataBytes: config.maxNodeDataBytes,
      maxStateBytes: config.maxStateBytes,
      keepOnlyFailures: config.keepOnlyFailures,
    },
    loadWorkflow: async (orgId, reference) => {
      const ref = reference as { workflowId?: unknown } | undefined;
      const raw = ref?.workflowId;
      const value = typeof raw === 'object' && raw !== null && 'value' in raw ? raw.value : raw;
      const id = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
      const [target] = uuidLike(id)
        ? await db
            .select()
            .from(workflows)
            .where(and(eq(workflows.orgId, orgId), eq(workflows.id, id)))
        : [];
      if (!target) throw new Error(`workflow ${id} was not found`);
      return workflowOf(target);
    },
    log,
  });
  const records = createExecutionWrites(db, log);
  const inFlight = new Set<string>();
  let heartbeat: NodeJS.Timeout | undefined;
  let recoveryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const leaseUntil = () => new Date(clock.now().getTime() + config.leaseMs);

  /** Node records (JSON text from the worker) as rows; jsonb is built by the database. */
  const nodeRows = (executionId: string, records: NodeRecord[]) =>
    records.map((r) => ({
      executionId,
      node: r.node,
      runIndex: r.runIndex,
      status: r.status,
      startedAt: new Date(r.startedAt),
      executionMs: r.executionMs,
      items: r.items,
      input: r.input === null ? null : sql`${r.input}::jsonb`,
      output: r.output === null ? null : sql`${r.output}::jsonb`,
      error: r.error,
      truncated: r.truncated,
    }));
  const jsonb = (text: string | undefined) => (text === undefined ? null : sql`${text}::jsonb`);

  /** Executions running in this process, awaited (with their records) before it closes. */
  const running = new Set<Promise<unknown>>();

  /** Runs one execution and records it; never throws for a workflow failure. */
  function execute(options: ExecuteOptions): Promise<ExecutionOutcome> {
    const run = executeAndRecord(options);
    running.add(run);
    void run.catch(() => undefined).finally(() => running.delete(run));
    return run;
  }

  async function executeAndRecord(options: ExecuteOptions): Promise<ExecutionOutcome> {
    const { row } = options;
    const executionId = options.executionId ?? newId();
    const startedAt = options.startedAt ?? clock.now();
    const base = {
      id: executionId,
      orgId: row.orgId,
      workflowId: row.id,
      workflowVersion: row.version,
      mode: options.mode,
      startNode: options.startNode ?? null,
      startedAt,
    };
    inFlight.add(executionId);
    startHeartbeat();
    // Checkpoints are written one after another, never blocking the engine.
    let writes: Promise<unknown> = Promise.resolve();
    let latest: { state: string | undefined; lastNode: string | undefined } | undefined;
    let recording = options.checkpointAfterMs === 0;
    const checkpoint = () => {
      const snapshot = latest;
      const set = {
        status: 'running',
        state: jsonb(snapshot?.state),
        lastNode: snapshot?.lastNode ?? null,
        owner: bootId,
        leaseUntil: leaseUntil(),
      };
      writes = writes
        .then(() =>
          db
            .insert(workflowExecutions)
            .values({ ...base, ...set })
            .onConflictDoUpdate({ target: workflowExecutions.id, set }),
        )
        .catch((error: unknown) => log.warn({ err: error, executionId }, 'checkpoint failed'));
    };
    if (recording) checkpoint();
    const run = pool.run({
      orgId: row.orgId,
      request: {
        workflow: workflowOf(row),
        mode:
          options.mode === 'schedule'
            ? 'trigger'
            : options.mode === 'subworkflow'
              ? 'integrated'
              : options.mode,
        executionId,
        ...(options.startNode === undefined ? {} : { startNode: options.startNode }),
        ...(options.triggerItems === undefined ? {} : { triggerItems: options.triggerItems }),
        ...(options.resumeFrom === undefined ? {} : { resumeFrom: options.resumeFrom }),
        // The caller's credentials are the caller's: never in the records.
        secrets:
          options.mode === 'webhook'
            ? secretsOfHeaders(options.triggerItems?.[0]?.json.headers as Record<string, unknown>)
            : [],
      },
      record: recording,
      onNode(node, state) {
        if (!recording) return;
        // A state too large to record keeps the previous checkpoint.
        latest = { state: state ?? latest?.state, lastNode: node };
        checkpoint();
      },
    });
    const timer = recording
      ? undefined
      : setTimeout(() => {
          recording = true;
          run.record();
          checkpoint();
        }, options.checkpointAfterMs);
    let finished;
    try {
      finished = await run.result;
    } finally {
      clearTimeout(timer);
    }
    await writes;
    const result = finished.outcome;
    const status = STATUS[result.status];
    const final = {
      status,
      finishedAt: status === 'waiting' ? null : clock.now(),
      error: result.error
        ? {
            message: result.error.message,
            name: result.error.name,
            ...(result.error.node === undefined ? {} : { node: result.error.node }),
            ...(result.error.description === undefined
              ? {}
              : { description: result.error.description }),
          }
        : null,
      lastNode: result.lastNodeExecuted ?? null,
      customData: result.customData ?? null,
      state: status === 'waiting' ? jsonb(finished.state) : null,
      waitUntil: result.waitUntil ?? null,
      owner: null,
      leaseUntil: null,
    };
    const rows = nodeRows(executionId, finished.nodes);
    try {
      await records.write({
        execution: { ...base, ...final },
        nodes: rows,
        replaceNodes: recording,
      });
      if (row.staticData && JSON.stringify(result.staticData) !== JSON.stringify(row.staticData)) {
        await db
          .update(workflows)
          .set({ staticData: result.staticData })
          .where(eq(workflows.id, row.id));
      }
    } catch (error) {
      log.error({ err: error, executionId }, 'recording an execution failed');
    } finally {
      inFlight.delete(executionId);
    }
    if (status === 'waiting' && result.waitUntil) {
      await sendRun(
        { executionId, orgId: row.orgId, workflowId: row.id, resume: true },
        result.waitUntil,
      );
    }
    if (status === 'failed' && options.mode !== 'error') {
      await runErrorWorkflow(row, {
        execution: {
          id: executionId,
          error: final.error,
          ...(result.lastNodeExecuted === undefined
            ? {}
            : { lastNodeExecuted: result.lastNodeExecuted }),
          mode: options.mode,
        },
        workflow: { id: row.id, name: row.name },
      });
    }
    return result;
  }

  /**
   * n8n's error workflows: when a workflow whose `settings.errorWorkflow` names another one of
   * the organisation (by id, or by the id it had in n8n) fails, that workflow is queued from its
   * Error Trigger with the failure as its one item. Its own failures trigger nothing further.
   */
  async function runErrorWorkflow(row: WorkflowRow, payload: Record<string, unknown>) {
    const target = workflowOf(row).settings?.errorWorkflow;
    if (!target) return;
    const [handler] = await db
      .select()
      .from(workflows)
      .where(
        and(
          eq(workflows.orgId, row.orgId),
          or(
            eq(workflows.sourceId, target),
            uuidLike(target) ? eq(workflows.id, target) : sql`false`,
          ),
        ),
      )
      .limit(1);
    const trigger = handler
      ? workflowOf(handler).nodes.find(
          (n) => n.type === 'n8n-nodes-base.errorTrigger' && !n.disabled,
        )
      : undefined;
    if (!handler || !trigger) {
      log.warn(
        { workflowId: row.id, errorWorkflow: target },
        'the error workflow does not exist or has no Error Trigger',
      );
      return;
    }
    await sendRun({
      executionId: newId(),
      orgId: row.orgId,
      workflowId: handler.id,
      mode: 'error',
      startNode: trigger.name,
      triggerItems: [{ json: payload }],
    });
  }

  async function sendRun(job: RunJob, startAfter?: Date): Promise<boolean> {
    try {
      await deps.jobs.send(RUN_QUEUE, job, {
        singletonKey: `${job.resume ? 'resume' : 'run'}:${job.executionId}`,
        ...(startAfter ? { startAfter } : {}),
      });
      return true;
    } catch (error) {
      log.warn({ err: error, executionId: job.executionId }, 'cannot queue a workflow run');
      return false;
    }
  }

  function startHeartbeat(): void {
    if (heartbeat || closed) return;
    heartbeat = setInterval(
      () => {
        if (inFlight.size === 0) return;
        // Rows locked in id order, skipping those a final write holds (they are finishing):
        // the heartbeat never waits on, nor deadlocks with, a batch of final records.
        void db
          .execute(
            sql`update workflow_executions set lease_until = ${leaseUntil()}
                where id in (select id from workflow_executions
                             where owner = ${bootId} and status = 'running'
                             order by id for no key update skip locked)`,
          )
          .catch((error: unknown) => log.warn({ err: error }, 'execution heartbeat failed'));
      },
      Math.max(100, Math.floor(config.leaseMs / 3)),
    );
    heartbeat.unref();
  }

  const loadRow = async (orgId: string, workflowId: string): Promise<WorkflowRow> => {
    const [row] = await db
      .select()
      .from(workflows)
      .where(and(eq(workflows.orgId, orgId), eq(workflows.id, workflowId)));
    if (!row) throw notFound(`Workflow ${workflowId}`);
    return row;
  };

  /** The run queue's handler: a queued execution, or one to resume from its state. */
  async function runJob(job: RunJob): Promise<void> {
    const row = await loadRow(job.orgId, job.workflowId);
    if (!job.resume) {
      await execute({
        row,
        mode: job.mode ?? 'manual',
        executionId: job.executionId,
        ...(job.startNode === undefined ? {} : { startNode: job.startNode }),
        ...(job.triggerItems === undefined ? {} : { triggerItems: job.triggerItems }),
        checkpointAfterMs: 0,
      });
      return;
    }
    // Claim it: only an execution still waiting or queued for resumption.
    const [claimed] = await db
      .update(workflowExecutions)
      .set({ status: 'running', owner: bootId, leaseUntil: leaseUntil() })
      .where(
        and(
          eq(workflowExecutions.id, job.executionId),
          inArray(workflowExecutions.status, ['waiting', 'new']),
          isNotNull(workflowExecutions.state),
        ),
      )
      .returning();
    if (!claimed) return;
    await execute({
      row,
      mode: claimed.mode as ExecutionMode,
      executionId: claimed.id,
      startedAt: claimed.startedAt,
      resumeFrom: claimed.state as ExecutionState,
      ...(claimed.startNode === null ? {} : { startNode: claimed.startNode }),
      checkpointAfterMs: 0,
    });
  }

  const { recover, tick } = createSweeps({ db, clock, log, sendRun });

  return {
    bootId,
    pool,
    execute,
    runJob,
    recover,
    tick,
    sendRun,

    startRecovery(): void {
      if (recoveryTimer || closed) return;
      const run = () =>
        void recover().catch((error: unknown) =>
          log.warn({ err: error }, 'workflow execution recovery failed'),
        );
      run();
      recoveryTimer = setInterval(run, config.leaseMs);
      recoveryTimer.unref();
    },

    /** Stops the executors, then waits for the executions they ended to be recorded. */
    async close(): Promise<void> {
      closed = true;
      clearInterval(heartbeat);
      clearInterval(recoveryTimer);
      await pool.close();
      await Promise.allSettled([...running]);
      await records.flush();
    },
  };
}

export type WorkflowRunner = ReturnType<typeof createWorkflowRunner>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidLike = (value: string): boolean => UUID.test(value);
