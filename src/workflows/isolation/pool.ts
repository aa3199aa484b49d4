import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../kernel/log.ts';
import { cpuLimitMessage } from '../engine/meter.ts';
import type { Workflow } from '../model/workflow.types.ts';
import type {
  ExecutorSetup,
  FinishedExecution,
  FromExecutor,
  RunRequest,
  ToExecutor,
} from './protocol.ts';

export interface PoolOptions {
  /** Most executor processes at once. */
  maxExecutors: number;
  /** Most executor processes one organisation's executions may occupy at once. */
  maxExecutorsPerOrg: number;
  /** Heap limit of each executor process, in megabytes. */
  heapMb: number;
  /** Synchronous work one execution may do, in milliseconds. */
  budgetMs: number;
  /** An executor idle this long is stopped (one is kept). */
  idleMs: number;
  setup: ExecutorSetup;
  /** Loads a workflow of `orgId` for an Execute Workflow node. */
  loadWorkflow: (orgId: string, reference: unknown) => Promise<Workflow>;
  log: Logger;
}

/** One execution handed to the pool. */
export interface PoolRun {
  orgId: string;
  request: RunRequest;
  /** Send the resumable state after every node from the start (else from `record()`). */
  record: boolean;
  /** After every node; `state` (JSON text) when recording. */
  onNode?: (node: string, state: string | undefined) => void;
}

interface Job extends PoolRun {
  slot: number;
  resolve: (finished: FinishedExecution) => void;
  /** The last resumable state received (while recording), as JSON text. */
  latest?: string;
  /** The last node that finished. */
  lastNode?: string;
  /** Times the job was started (an executor ended under it and it started again). */
  starts: number;
  /** Run alone in an executor (after one ended under it and others without naming the cause). */
  solo: boolean;
  lane?: Lane;
}

interface Lane {
  id: number;
  child: ChildProcess;
  /** The organisation whose executions it runs or last ran. */
  orgId?: string;
  jobs: Map<number, Job>;
  solo: boolean;
  ready: boolean;
  /** When the process last showed that its thread turns (a beat, any message, a start). */
  lastSign: number;
  /** Why the pool ended it, if it did. */
  stopped?: 'stuck' | 'idle' | 'close';
  outOfMemory: boolean;
  idleSince: number;
  /** The end of what the process printed on stderr. */
  stderr: string;
}

/** Executions one process runs at once (they wait on I/O most of the time). */
const MAX_JOBS_PER_LANE = 256;
/** A process silent this long takes no new executions for now. */
const BUSY_MS = 200;
/** Past a whole budget of silence, this much more before the process is stopped. */
const GRACE_MS = 1000;
/** A job that has started this many times is failed rather than started again. */
const MAX_STARTS = 3;

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/**
 * Runs workflow executions in executor processes, so that no execution can stall the server,
 * exhaust its memory or reach another organisation's: a process serves one organisation at a
 * time (its expression isolate is rebuilt when it changes hands); each execution has a budget
 * of synchronous work, enforced inside the process and, for a section that never returns, by
 * the pool, which stops a process silent for longer than a whole budget; each process has a
 * heap limit. When a process ends under several executions without naming the cause, each
 * starts again alone (from its last recorded state when it has one), so the next failure
 * names the execution to blame. See the workflows README, "Isolation".
 */
export function createExecutionPool(options: PoolOptions) {
  const { log } = options;
  const lanes = new Set<Lane>();
  const queue: Job[] = [];
  let nextSlot = 0;
  let nextLane = 0;
  let closed = false;

  const watchdog = setInterval(() => {
    watch(Date.now());
    // A process that was busy may take work again.
    if (queue.length > 0) pump();
  }, 50);
  watchdog.unref();

  function spawn(): Lane {
    const child = fork(CHILD, [], {
      // Only what Node needs: no database URL, keys or other secrets of the server.
      env: { TZ: Intl.DateTimeFormat().resolvedOptions().timeZone },
      execArgv: ['--no-node-snapshot', `--max-old-space-size=${options.heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const lane: Lane = {
      id: ++nextLane,
      child,
      jobs: new Map(),
      solo: false,
      ready: false,
      lastSign: Date.now(),
      outOfMemory: false,
      idleSince: Date.now(),
      stderr: '',
    };
    lanes.add(lane);
    // What the process prints (V8's last words when it runs out of memory) goes to the log
    // with its end, not to the server's output.
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      if (/heap out of memory|Reached heap limit/.test(text)) lane.outOfMemory = true;
      lane.stderr = (lane.stderr + text).slice(-2000);
    });
    child.on('message', (message: FromExecutor) => onMessage(lane, message));
    child.on('error', (error) => log.error({ err: error, lane: lane.id }, 'executor failed'));
    child.on('exit', (code, signal) => onExit(lane, code, signal));
    send(lane, { type: 'setup', setup: options.setup });
    return lane;
  }

  function send(lane: Lane, message: ToExecutor): void {
    if (lanes.has(lane) && lane.child.connected) lane.child.send(message);
  }

  function onMessage(lane: Lane, message: FromExecutor): void {
    lane.lastSign = Date.now();
    if (message.type === 'ready') {
      lane.ready = true;
      return;
    }
    if (message.type === 'beat') return;
    const job = lane.jobs.get(message.slot);
    if (!job) return;
    switch (message.type) {
      case 'node':
        if (message.state !== undefined) job.latest = message.state;
        job.lastNode = message.node;
        job.onNode?.(message.node, message.state);
        return;
      case 'done':
        lane.jobs.delete(job.slot);
        release(lane);
        job.resolve(message.finished);
        pump();
        return;
      case 'call':
        options.loadWorkflow(job.orgId, message.args[0]).then(
          (value) => send(lane, { type: 'reply', call: message.call, value }),
          (error: unknown) =>
            send(lane, {
              type: 'reply',
              call: message.call,
              error: error instanceof Error ? error.message : String(error),
            }),
        );
        return;
    }
  }

  function release(lane: Lane): void {
    if (lane.jobs.size === 0) {
      lane.solo = false;
      lane.idleSince = Date.now();
    }
  }

  function onExit(lane: Lane, code: number | null, signal: NodeJS.Signals | null): void {
    lanes.delete(lane);
    const jobs = [...lane.jobs.values()];
    lane.jobs.clear();
    if (jobs.length > 0 && !closed) {
      log.warn(
        {
          lane: lane.id,
          code,
          signal,
          executions: jobs.map((j) => j.request.executionId),
          outOfMemory: lane.outOfMemory,
          stopped: lane.stopped,
          stderr: lane.stderr
            .split('\n')
            .filter((l) => /FATAL|Error/.test(l))
            .slice(-3),
        },
        'an executor process ended with executions in it',
      );
    }
    // Who is to blame: the only execution in it; with several, each starts again alone, so
    // the next failure names the one.
    for (const job of jobs) {
      job.lane = undefined;
      const blamed = jobs.length === 1 || job.solo;
      if (closed || lane.stopped === 'close') {
        fail(job, 'Canceled', 'the server stopped before the execution finished');
      } else if (blamed && lane.outOfMemory) {
        fail(
          job,
          'ExecutionLimit',
          `the execution needed more than ${options.heapMb} MB of memory (IZA_WORKFLOWS_EXECUTOR_MEMORY_MB) and was stopped`,
        );
      } else if (blamed && lane.stopped === 'stuck') {
        fail(job, 'ExecutionLimit', cpuLimitMessage(options.budgetMs));
      } else if (job.starts >= MAX_STARTS) {
        fail(job, 'Crashed', 'the execution was interrupted too often and was not started again');
      } else {
        job.solo = jobs.length > 1;
        queue.unshift(job);
      }
    }
    pump();
  }

  function fail(job: Job, name: string, message: string): void {
    job.resolve({
      outcome: {
        executionId: job.request.executionId ?? '',
        status: 'error',
        lastNodeOutput: [],
        staticData: {},
        ...(job.lastNode ? { lastNodeExecuted: job.lastNode } : {}),
        error: { name, message },
      },
      nodes: [],
    });
  }

  function watch(now: number): void {
    for (const lane of lanes) {
      if (!lane.ready || lane.stopped || lane.jobs.size === 0) continue;
      // Silent for longer than a whole budget: one section is running past any execution's
      // limit (the process's own meter ends everything else), so the process is stopped.
      if (now - lane.lastSign > options.budgetMs + GRACE_MS) {
        lane.stopped = 'stuck';
        log.warn({ lane: lane.id }, 'stopping an executor process silent past the budget');
        lane.child.kill('SIGKILL');
      }
    }
    if (lanes.size <= 1) return;
    for (const lane of lanes) {
      if (lanes.size <= 1) return;
      if (lane.jobs.size === 0 && !lane.stopped && now - lane.idleSince > options.idleMs) {
        lane.stopped = 'idle';
        lanes.delete(lane);
        lane.child.kill();
      }
    }
  }

  /** The process for `job` now, or undefined when it must wait. */
  function laneFor(job: Job, now: number): Lane | undefined {
    let best: Lane | undefined;
    let idleSameOrg: Lane | undefined;
    let idleOther: Lane | undefined;
    let busyOfOrg = 0;
    for (const lane of lanes) {
      if (lane.stopped) continue;
      if (lane.jobs.size === 0) {
        if (lane.orgId === job.orgId) idleSameOrg ??= lane;
        else idleOther ??= lane;
        continue;
      }
      if (lane.orgId !== job.orgId) continue;
      busyOfOrg++;
      const silent = lane.ready && now - lane.lastSign > BUSY_MS;
      if (job.solo || lane.solo || lane.jobs.size >= MAX_JOBS_PER_LANE || silent) continue;
      if (!best || lane.jobs.size < best.jobs.size) best = lane;
    }
    if (best) return best;
    if (busyOfOrg >= options.maxExecutorsPerOrg) return undefined;
    const idle = idleSameOrg ?? idleOther;
    if (idle) return idle;
    if (lanes.size < options.maxExecutors) return spawn();
    return undefined;
  }

  function start(lane: Lane, job: Job): void {
    if (lane.jobs.size === 0) lane.lastSign = Date.now();
    lane.orgId = job.orgId;
    lane.solo = job.solo;
    lane.jobs.set(job.slot, job);
    job.lane = lane;
    job.starts++;
    const request: RunRequest = job.latest
      ? { ...job.request, resumeFrom: undefined, resumeFromJson: job.latest }
      : job.request;
    send(lane, {
      type: 'run',
      slot: job.slot,
      orgId: job.orgId,
      request,
      now: Date.now(),
      budgetMs: options.budgetMs,
      record: job.record,
    });
  }

  /** Starts waiting jobs where they may run; a job that must wait keeps its place. */
  function pump(): void {
    if (closed) return;
    const now = Date.now();
    for (let i = 0; i < queue.length;) {
      const job = queue[i]!;
      const lane = laneFor(job, now);
      if (!lane) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      start(lane, job);
    }
  }

  return {
    /**
     * Runs one execution in an executor process. The promise always resolves: the end of a
     * process is an execution that failed with the reason.
     */
    run(run: PoolRun): { result: Promise<FinishedExecution>; record: () => void } {
      let job!: Job;
      const result = new Promise<FinishedExecution>((resolve) => {
        job = { ...run, slot: ++nextSlot, resolve, starts: 0, solo: false };
      });
      if (closed) fail(job, 'Canceled', 'the server is stopping');
      else {
        queue.push(job);
        pump();
      }
      return {
        result,
        record: () => {
          job.record = true;
          if (job.lane) send(job.lane, { type: 'record', slot: job.slot });
        },
      };
    },

    /** Starts an executor now when none runs, so the first execution does not wait for one. */
    warm(): void {
      if (!closed && lanes.size === 0) spawn();
    },

    /** Executor processes and the executions in them, for metrics and tests. */
    stats(): { executors: number; running: number; waiting: number } {
      let running = 0;
      for (const lane of lanes) running += lane.jobs.size;
      return { executors: lanes.size, running, waiting: queue.length };
    },

    async close(): Promise<void> {
      closed = true;
      clearInterval(watchdog);
      for (const job of queue.splice(0)) fail(job, 'Canceled', 'the server is stopping');
      await Promise.all(
        [...lanes].map(
          (lane) =>
            new Promise<void>((resolve) => {
              lane.stopped = 'close';
              if (lane.child.exitCode !== null || lane.child.signalCode !== null) resolve();
              else {
                lane.child.once('exit', () => resolve());
                lane.child.kill();
              }
            }),
        ),
      );
    },
  };
}

export type ExecutionPool = ReturnType<typeof createExecutionPool>;
