import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLiveLockHolder } from '../src/kernel/index.ts';

/** Waits until the server process `pid` has written the URL it listens on into the lock file. */
export async function waitForServerUrl(dataDir: string, pid: number | undefined): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const holder = readLiveLockHolder(dataDir);
    if (holder && holder.pid === pid && holder.apiUrl) return holder.apiUrl;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start within 60 s');
}

/** One line describing this machine and run, for RESULTS.md. */
export function machineLine(durationSeconds: number, repeat?: number): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `Node ${process.version}, ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${durationSeconds} s per run${repeat ? `, median of ${repeat} interleaved rounds` : ''}`;
}

/**
 * `../shared` beside the project root (the corpus, the side-by-side workflow), found from the
 * project's own location, or `IZA_SHARED_DIR` when set; `parts` are joined to it.
 */
export function sharedPath(...parts: string[]): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  return join(process.env.IZA_SHARED_DIR ?? resolve(root, '../shared'), ...parts);
}
