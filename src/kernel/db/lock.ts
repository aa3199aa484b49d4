import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  linkSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, UserError } from '../errors.ts';

/**
 * An exclusive lock on a data folder, in the manner of PostgreSQL's `postmaster.pid`.
 *
 * PGlite has no lock of its own and two processes on one folder silently lose writes, so the
 * first process to open a folder writes `iza.lock` with O_EXCL. A second process fails at once
 * naming the holder; a lock whose process is gone (checked by pid and process start time, so a
 * recycled pid is not mistaken for the holder) is taken over.
 */
export interface LockHolder {
  pid: number;
  /** Process start time from /proc, to tell a live holder from a recycled pid. */
  startTime: string | null;
  hostname: string;
  command: string;
  startedAt: string;
  /** Where a running server answers, once it listens. The CLI talks to it there. */
  apiUrl?: string;
}

export const LOCK_FILE = 'iza.lock';

export class DataDirLockedError extends UserError {
  readonly dataDir: string;
  readonly holder: LockHolder;

  constructor(dataDir: string, holder: LockHolder) {
    const serving = holder.apiUrl ? `, serving ${holder.apiUrl}` : '';
    super(
      ErrorCodes.dataDirLocked,
      `The data folder ${dataDir} is in use by process ${holder.pid} (${holder.command}${serving}, ` +
        `since ${holder.startedAt}, host ${holder.hostname}). Only one process may open an ` +
        `embedded database; stop that process, use another data folder (IZA_DATA_DIR), or point ` +
        `both at a PostgreSQL server (DATABASE_URL).`,
      { status: 409, details: holder },
    );
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Adds facts to the lock file (for example the URL a server listens on). */
  update(facts: Partial<Pick<LockHolder, 'apiUrl'>>): void;
  release(): void;
}

export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    hostname: hostname(),
    command,
    startedAt: new Date().toISOString(),
  };

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeFileSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      return lockHandle(path, me);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLockHolder(dataDir);
    if (holder && isAlive(holder)) throw new DataDirLockedError(dataDir, holder);
    takeOverStale(path, holder);
  }
  throw new UserError(
    ErrorCodes.dataDirLocked,
    `Could not lock the data folder ${dataDir}: other processes keep racing for it`,
    { status: 409 },
  );
}

/** The current holder of a data folder, or undefined when none holds it (or it died). */
export function readLiveLockHolder(dataDir: string): LockHolder | undefined {
  const holder = readLockHolder(dataDir);
  return holder && isAlive(holder) ? holder : undefined;
}

function readLockHolder(dataDir: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as LockHolder).pid === 'number'
    ) {
      return parsed as LockHolder;
    }
  } catch {
    // missing, half-written or garbage: treated as no holder
  }
  return undefined;
}

/**
 * Moves a dead holder's lock aside. Renaming is atomic, so when two processes race to take over
 * the same stale lock, the one that renamed a fresh lock (not the stale one) puts it back.
 */
function takeOverStale(path: string, stale: LockHolder | undefined): void {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let moved: LockHolder | undefined;
  try {
    moved = JSON.parse(readFileSync(aside, 'utf8')) as LockHolder;
  } catch {
    moved = undefined;
  }
  const sameAsStale =
    moved === undefined ||
    stale === undefined ||
    (moved.pid === stale.pid && moved.startedAt === stale.startedAt);
  if (!sameAsStale && moved && isAlive(moved)) {
    try {
      linkSync(aside, path);
    } catch {
      // someone holds it already; they will report the conflict to whoever loses
    }
  }
  unlinkSync(aside);
}

function lockHandle(path: string, me: LockHolder): DataDirLock {
  let released = false;
  const holder: LockHolder = { ...me };
  return {
    path,
    update(facts) {
      Object.assign(holder, facts);
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify(holder), { mode: 0o600 });
      renameSync(tmp, path);
    },
    release() {
      if (released) return;
      released = true;
      try {
        const current = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
        if (current.pid === me.pid && current.startedAt === me.startedAt) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}

function isAlive(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true; // cannot check another host: assume alive
  if (holder.pid === process.pid && holder.startTime === processStartTime(process.pid)) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const startTime = processStartTime(holder.pid);
  return holder.startTime === null || startTime === null || startTime === holder.startTime;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and parentheses: split after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
