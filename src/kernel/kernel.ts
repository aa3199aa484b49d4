import type { Config } from './config.ts';
import { systemClock, type Clock } from './clock.ts';
import {
  openDatabase,
  storageFromConfig,
  type Database,
  type DatabaseHandle,
  type StorageTarget,
} from './db/client.ts';
import { migrateDatabase, type MigrationReport } from './db/migrate.ts';
import { createEventBus, type EventBus } from './events.ts';
import { createJobs, type Jobs } from './jobs.ts';
import { createLogger, type Logger } from './log.ts';

/** What every module is built from. `server/` and `cli/` create one per process. */
export interface Kernel {
  readonly config: Config;
  readonly log: Logger;
  readonly clock: Clock;
  readonly database: DatabaseHandle;
  readonly db: Database;
  readonly events: EventBus;
  readonly jobs: Jobs;
  readonly migrations: MigrationReport;
  /** Stops jobs (gracefully), the event bus, then the database, releasing the data-folder lock. */
  close(): Promise<void>;
}

export interface CreateKernelOptions {
  config: Config;
  /** Names this process in the data-folder lock, e.g. "iza start". */
  command: string;
  log?: Logger;
  clock?: Clock;
  /** Overrides the storage chosen by the configuration (tests use `{ kind: 'memory' }`). */
  storage?: StorageTarget;
  /** Whether this process works background jobs. */
  workJobs: boolean;
}

export async function createKernel(options: CreateKernelOptions): Promise<Kernel> {
  const { config } = options;
  const log = options.log ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const database = await openDatabase({
    target: options.storage ?? storageFromConfig(config),
    log,
    command: options.command,
  });
  try {
    const migrations = await migrateDatabase(database);
    if (migrations.applied.length > 0) {
      log.info({ applied: migrations.applied }, 'database migrations applied');
    }
    const events = await createEventBus({ database, log, clock });
    const jobs = await createJobs({
      database,
      log,
      work: options.workJobs,
      pollingIntervalSeconds: config.jobs.pollingIntervalSeconds,
    }).catch(async (error: unknown) => {
      await events.close();
      throw error;
    });
    let closing: Promise<void> | undefined;
    return {
      config,
      log,
      clock,
      database,
      db: database.db,
      events,
      jobs,
      migrations,
      close() {
        closing ??= (async () => {
          try {
            await jobs.stop({ timeoutMs: config.shutdownTimeoutMs });
            await events.close();
          } finally {
            await database.close();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
