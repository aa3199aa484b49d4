import { PgBoss, fromPglite, type Job } from 'pg-boss';
import type { DatabaseHandle } from './db/client.ts';
import { currentCorrelationId, runWithContext } from './context.ts';
import { ErrorCodes, UserError } from './errors.ts';
import { newId } from './ids.ts';
import type { Logger } from './log.ts';

/**
 * Durable background work on pg-boss, in the same PostgreSQL as everything else (embedded or a
 * server), so any number of `iza worker` processes share the queues.
 *
 * A job carries the correlation id of the request that queued it; its handler runs with it, so
 * the job's log lines join the request's. Workers are woken at once by `send` in this process and
 * by NOTIFY from others; polling remains the safety net for anything a crash left behind.
 */
export interface JobContext<T> {
  id: string;
  queue: string;
  data: T;
  /** 0 on the first attempt. */
  retryCount: number;
  /** Aborted when the job expires or the worker stops. */
  signal: AbortSignal;
}

export interface QueueDefinition<T> {
  name: string;
  handler: (job: JobContext<T>) => Promise<unknown>;
  /** Retries after the first failure (default 3). */
  retryLimit?: number;
  /** Seconds before the first retry (default 2); doubled each time when `retryBackoff`. */
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** A running job that has not finished after this many seconds is failed (default 15 min). */
  expireInSeconds?: number;
  /** Jobs of this queue worked at once by this process (default 2). */
  concurrency?: number;
}

export interface SendOptions {
  /** Higher runs first. */
  priority?: number;
  /** Only one queued job per key. */
  singletonKey?: string;
  startAfter?: Date;
}

export interface QueueDepth {
  queue: string;
  queued: number;
  active: number;
  failed: number;
  deferred: number;
}

interface Envelope<T> {
  correlationId: string;
  payload: T;
}

export interface Jobs {
  /** Declares a queue (idempotent) and, when this process works jobs, starts its worker. */
  define<T>(definition: QueueDefinition<T>): Promise<void>;
  send<T>(queue: string, data: T, options?: SendOptions): Promise<string>;
  /** Queues `data` on `queue` on a cron schedule (UTC unless `tz`). */
  schedule<T>(queue: string, cron: string, data: T, options?: { tz?: string }): Promise<void>;
  unschedule(queue: string): Promise<void>;
  schedules(): Promise<{ queue: string; cron: string; tz: string }[]>;
  depth(): Promise<QueueDepth[]>;
  /** Stops taking jobs, waits up to `timeoutMs` for running ones, then stops. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  readonly working: boolean;
}

export interface CreateJobsOptions {
  database: DatabaseHandle;
  log: Logger;
  /** Whether this process works jobs (a server with jobs disabled only queues them). */
  work: boolean;
  pollingIntervalSeconds: number;
}

export async function createJobs(options: CreateJobsOptions): Promise<Jobs> {
  const log = options.log.child({ module: 'jobs' });
  const { database } = options;
  const boss = database.pglite
    ? new PgBoss({ db: fromPglite(database.pglite), backend: 'pglite', useListenNotify: true })
    : new PgBoss({
        connectionString: database.pool?.options.connectionString ?? '',
        max: 4,
        application_name: 'iza-os jobs',
        useListenNotify: true,
      });
  boss.on('error', (error) => log.error({ err: error }, 'job queue error'));
  boss.on('warning', (warning: unknown) => log.warn({ warning }, 'job queue warning'));
  await boss.start();

  const defined = new Map<string, QueueDefinition<unknown>>();
  const workerIds = new Map<string, string[]>();
  let stopped = false;

  const run = async (definition: QueueDefinition<unknown>, job: Job<Envelope<unknown>>) => {
    const correlationId = job.data?.correlationId ?? job.id;
    return runWithContext({ correlationId }, async () => {
      const started = performance.now();
      try {
        const result = await definition.handler({
          id: job.id,
          queue: definition.name,
          data: job.data?.payload,
          retryCount: job.retryCount,
          signal: job.signal,
        });
        log.info(
          { queue: definition.name, jobId: job.id, ms: Math.round(performance.now() - started) },
          'job done',
        );
        return result;
      } catch (error) {
        log.warn(
          { queue: definition.name, jobId: job.id, retryCount: job.retryCount, err: error },
          'job failed',
        );
        throw error;
      }
    });
  };

  return {
    get working() {
      return options.work && !stopped;
    },
    async define(definition) {
      validateQueueName(definition.name);
      await boss.createQueue(definition.name, {
        retryLimit: definition.retryLimit ?? 3,
        retryDelay: definition.retryDelaySeconds ?? 2,
        retryBackoff: definition.retryBackoff ?? true,
        expireInSeconds: definition.expireInSeconds ?? 15 * 60,
        notify: true,
      });
      defined.set(definition.name, definition as QueueDefinition<unknown>);
      if (!options.work) return;
      const concurrency = definition.concurrency ?? 2;
      const ids: string[] = [];
      for (let i = 0; i < concurrency; i++) {
        // Read by the handler, which may run before `work` answers (then it stays undefined).
        let id: string | undefined = undefined;
        id = await boss.work<Envelope<unknown>>(
          definition.name,
          {
            batchSize: 1,
            pollingIntervalSeconds: options.pollingIntervalSeconds,
            // NOTIFY wakes workers for new jobs; retries and deferred jobs still need the poll.
            notifyPollingIntervalSeconds: options.pollingIntervalSeconds,
          },
          async ([job]) => {
            if (!job) return undefined;
            try {
              return await run(definition as QueueDefinition<unknown>, job);
            } finally {
              // A worker that found a job fetches again at once rather than after its polling
              // interval: a backlog (a minute's schedules, a burst of error workflows) drains
              // at the speed of its jobs, not at one job per worker per interval. The first
              // fetch that finds nothing waits the interval again.
              if (id !== undefined) boss.notifyWorker(id);
            }
          },
        );
        ids.push(id);
      }
      workerIds.set(definition.name, ids);
    },
    async send(queue, data, sendOptions = {}) {
      if (!defined.has(queue) && !(await boss.getQueue(queue))) {
        throw new UserError(ErrorCodes.notFound, `No job queue named "${queue}"`, { status: 404 });
      }
      const envelope: Envelope<unknown> = {
        correlationId: currentCorrelationId() ?? newId(),
        payload: data,
      };
      const id = await boss.send(queue, envelope, {
        ...(sendOptions.priority === undefined ? {} : { priority: sendOptions.priority }),
        ...(sendOptions.singletonKey === undefined
          ? {}
          : { singletonKey: sendOptions.singletonKey }),
        ...(sendOptions.startAfter === undefined ? {} : { startAfter: sendOptions.startAfter }),
      });
      if (id === null) {
        throw new UserError(
          ErrorCodes.conflict,
          `A job with key "${sendOptions.singletonKey ?? ''}" is already queued on "${queue}"`,
          { status: 409 },
        );
      }
      for (const workerId of workerIds.get(queue) ?? []) boss.notifyWorker(workerId);
      return id;
    },
    async schedule(queue, cron, data, scheduleOptions = {}) {
      if (!defined.has(queue) && !(await boss.getQueue(queue))) {
        throw new UserError(ErrorCodes.notFound, `No job queue named "${queue}"`, { status: 404 });
      }
      const envelope: Envelope<unknown> = { correlationId: `schedule:${queue}`, payload: data };
      await boss.schedule(queue, cron, envelope, { tz: scheduleOptions.tz ?? 'UTC' });
    },
    async unschedule(queue) {
      await boss.unschedule(queue);
    },
    async schedules() {
      const all = await boss.getSchedules();
      return all.map((s) => ({ queue: s.name, cron: s.cron, tz: s.timezone }));
    },
    async depth() {
      const queues = (await boss.getQueues()).filter((q) => !q.name.startsWith('__'));
      return Promise.all(
        queues.map(async (q) => {
          // Live counts (getQueues reports the last monitor pass, which may be minutes old).
          const stats = await boss.getQueueStats(q.name);
          const sum = (pick: (s: (typeof stats)[number]) => number) =>
            stats.reduce((n, s) => n + pick(s), 0);
          return {
            queue: q.name,
            queued: sum((s) => s.queuedCount),
            active: sum((s) => s.activeCount),
            failed: sum((s) => s.failedCount),
            deferred: sum((s) => s.deferredCount),
          };
        }),
      );
    },
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      await boss.stop({ graceful: true, timeout: stopOptions.timeoutMs ?? 30_000, close: true });
    },
  };
}

function validateQueueName(name: string): void {
  if (!/^[a-z][a-z0-9._-]{0,99}$/.test(name)) {
    throw new UserError(
      ErrorCodes.validationFailed,
      `Queue name "${name}" must start with a letter and use only a-z, 0-9, ".", "_" and "-"`,
    );
  }
}
