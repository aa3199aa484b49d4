import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Logger } from '../log.ts';
import { ErrorCodes, OperationalError } from '../errors.ts';
import { narrowDataDir, protectDataDir } from './data-dir.ts';
import { acquireDataDirLock, type DataDirLock } from './lock.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** The Drizzle database every module queries; the same type on PGlite and on PostgreSQL. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction, as `db.transaction(async (tx) => ...)` hands it to its callback. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either: services take this so callers can enlist them in their own transaction. */
export type DbOrTx = Database | Transaction;

export type StorageTarget =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'memory' }
  | { kind: 'postgres'; url: string; poolMax?: number };

export interface DatabaseHandle {
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, safe to show (a folder, or a URL without its password). */
  readonly location: string;
  readonly db: Database;
  /** The embedded instance, when embedded: pg-boss and LISTEN use it directly. */
  readonly pglite: PGlite | undefined;
  /** The server pool, when on a server. */
  readonly pool: pg.Pool | undefined;
  /** The data-folder lock, when embedded on files. */
  readonly lock: DataDirLock | undefined;
  /** Round-trips a trivial query; throws an `OperationalError` when the database is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  target: StorageTarget;
  log: Logger;
  /** What holds the data-folder lock (shown to a second process): e.g. "iza start". */
  command?: string;
}

/** Chooses the storage from configuration: a server when `databaseUrl` is set, else files. */
export function storageFromConfig(config: {
  databaseUrl?: string | undefined;
  dataDir: string;
  databasePoolMax: number;
}): StorageTarget {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl, poolMax: config.databasePoolMax }
    : { kind: 'pglite', dataDir: config.dataDir };
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const { target, log } = options;
  switch (target.kind) {
    case 'postgres':
      return openPostgres(target.url, target.poolMax ?? 10, log);
    case 'memory':
      return openPglite(new PGlite(), 'memory', undefined);
    case 'pglite': {
      // Before anything is written there: the folder and its files for this user only.
      protectDataDir(target.dataDir, log);
      const lock = acquireDataDirLock(target.dataDir, options.command ?? 'iza');
      try {
        const pglite = await PGlite.create(join(target.dataDir, 'pgdata'));
        // PGlite writes a new database's files 0666 whatever the umask: narrowed at once.
        narrowDataDir(target.dataDir);
        return openPglite(pglite, target.dataDir, lock);
      } catch (error) {
        lock.release();
        throw new OperationalError(
          ErrorCodes.databaseUnavailable,
          `Cannot open the embedded database in ${target.dataDir}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  }
}

function openPglite(
  pglite: PGlite,
  location: string,
  lock: DataDirLock | undefined,
): DatabaseHandle {
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Database;
  let closed = false;
  return {
    kind: 'pglite',
    location,
    db,
    pglite,
    pool: undefined,
    lock,
    async ping() {
      await pglite.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string, poolMax: number, log: Logger): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, application_name: 'iza-os' });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection failed'));
  const location = redactUrl(url);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new OperationalError(
      ErrorCodes.databaseUnavailable,
      `Cannot connect to PostgreSQL at ${location}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const db = drizzlePg({ client: pool, schema }) as unknown as Database;
  let closed = false;
  return {
    kind: 'postgres',
    location,
    db,
    pglite: undefined,
    pool,
    lock: undefined,
    async ping() {
      try {
        await db.execute(sql`select 1`);
      } catch (error) {
        throw new OperationalError(ErrorCodes.databaseUnavailable, (error as Error).message, {
          cause: error,
        });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** `postgres://user:secret@host/db` -> `postgres://user:***@host/db`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}
