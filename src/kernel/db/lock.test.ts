import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/kernel.ts';
import { DataDirLockedError, LOCK_FILE, acquireDataDirLock, readLiveLockHolder } from './lock.ts';

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('data folder lock', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());

  it('is exclusive, and the refusal names the holder', () => {
    const lock = acquireDataDirLock(dir.path, 'iza start');
    lock.update({ apiUrl: 'http://127.0.0.1:3999' });
    let refusal: unknown;
    try {
      acquireDataDirLock(dir.path, 'iza status');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataDirLockedError);
    const message = (refusal as Error).message;
    expect(message).toContain(`in use by process ${process.pid}`);
    expect(message).toContain('iza start');
    expect(message).toContain('http://127.0.0.1:3999');
    expect(readLiveLockHolder(dir.path)?.apiUrl).toBe('http://127.0.0.1:3999');
    lock.release();
    expect(existsSync(join(dir.path, LOCK_FILE))).toBe(false);
    acquireDataDirLock(dir.path, 'again').release();
  });

  it('takes over the lock of a process that died', () => {
    const pid = deadPid();
    writeFileSync(
      join(dir.path, LOCK_FILE),
      JSON.stringify({
        pid,
        startTime: '1',
        hostname: hostname(),
        command: 'iza start',
        startedAt: '2026-01-01T00:00:00Z',
      }),
    );
    expect(readLiveLockHolder(dir.path)).toBeUndefined();
    const lock = acquireDataDirLock(dir.path, 'iza start');
    const holder = JSON.parse(readFileSync(join(dir.path, LOCK_FILE), 'utf8')) as { pid: number };
    expect(holder.pid).toBe(process.pid);
    lock.release();
  });

  it('does not mistake a recycled pid for the holder', () => {
    // A live pid (this process's parent) but a different start time: the holder is gone.
    writeFileSync(
      join(dir.path, LOCK_FILE),
      JSON.stringify({
        pid: process.ppid,
        startTime: '0',
        hostname: hostname(),
        command: 'iza start',
        startedAt: 'x',
      }),
    );
    acquireDataDirLock(dir.path, 'iza start').release();
  });

  it('takes over a lock file that is empty or garbage', () => {
    writeFileSync(join(dir.path, LOCK_FILE), '');
    acquireDataDirLock(dir.path, 'iza start').release();
    writeFileSync(join(dir.path, LOCK_FILE), 'not json');
    acquireDataDirLock(dir.path, 'iza start').release();
  });
});
