import { spawnSync } from 'node:child_process';
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
/** The machine and, when timed runs (`durationSeconds` > 0), how long each ran. */
export function machineLine(durationSeconds: number, repeat?: number): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const runs = durationSeconds > 0 ? `, ${durationSeconds} s per run` : '';
  return `Node ${process.version}, ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB${runs}${repeat ? `, median of ${repeat} interleaved rounds` : ''}`;
}

/**
 * `../shared` beside the project root (the corpus, the side-by-side workflow), found from the
 * project's own location, or `IZA_SHARED_DIR` when set; `parts` are joined to it.
 */
export function sharedPath(...parts: string[]): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  return join(process.env.IZA_SHARED_DIR ?? resolve(root, '../shared'), ...parts);
}

const IZA = fileURLToPath(new URL('../bin/iza.mjs', import.meta.url));

/**
 * The `iza` command with `env` (its storage, data folder and master key): runs it with `args`
 * and `input` on stdin, and answers its output, or throws with it when the command fails.
 */
export function izaCommand(
  env: Record<string, string>,
): (args: string[], input?: string) => string {
  return (args, input) => {
    const r = spawnSync(process.execPath, ['--no-node-snapshot', IZA, ...args], {
      env,
      encoding: 'utf8',
      ...(input === undefined ? {} : { input }),
    });
    if (r.status !== 0) throw new Error(`iza ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
}

/** The benchmark's organisation and its administrator, made with `iza user create-admin`. */
export function createBenchAdmin(iza: (args: string[], input?: string) => string): void {
  iza(
    [
      'user',
      'create-admin',
      '--org',
      'Bench',
      '--email',
      'bench@example.test',
      '--name',
      'Bench',
      '--password-stdin',
    ],
    'correct horse battery staple 42\n',
  );
}
