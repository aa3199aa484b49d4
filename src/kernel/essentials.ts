/**
 * The kernel's light surface: configuration, errors, ids, the version and the data-folder lock,
 * without the database, jobs or events (and so without drizzle, PGlite, pg or pg-boss). The `iza`
 * command imports only this before it knows what it has to do: a command answered by a running
 * server never loads the rest. Everything here is also exported by `index.ts`.
 */
export * from './config.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './version.ts';
export { DataDirLockedError, LOCK_FILE, readLiveLockHolder, type LockHolder } from './db/lock.ts';
