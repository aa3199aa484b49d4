import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readLiveLockHolder } from '../../src/kernel/index.ts';

export const IZA_BIN = fileURLToPath(new URL('../../bin/iza.mjs', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a script (the `iza` command by default) under this Node.js with a clean environment. */
export function spawnNode(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Spawned {
  // --no-node-snapshot: what bin/iza.mjs would re-run itself with (isolated-vm needs it).
  const child = spawn(process.execPath, ['--no-node-snapshot', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      IZA_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin?.end(input);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

export function spawnIza(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Spawned {
  return spawnNode([IZA_BIN, ...args], env, input);
}

/** Runs `iza` to completion, with `input` on its standard input. */
export async function runIza(args: string[], env: Record<string, string> = {}, input?: string) {
  const run = spawnIza(args, env, input);
  const { code } = await run.exited;
  return { code, output: run.output() };
}

/** Waits until the server on `dataDir` has written its URL into the lock file. */
export async function waitForServer(
  dataDir: string,
  spawned: Spawned,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) {
      throw new Error(
        `server exited (${spawned.child.exitCode}) before listening:\n${spawned.output()}`,
      );
    }
    const holder = readLiveLockHolder(dataDir);
    if (holder && holder.pid === spawned.child.pid && holder.apiUrl) return holder.apiUrl;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not listen within ${timeoutMs} ms:\n${spawned.output()}`);
}

/**
 * Processes and folders a test file starts, ended (SIGKILL) and removed after each test:
 * `const t = trackProcesses(); afterEach(t.cleanup)`.
 */
export function trackProcesses() {
  const running: Spawned[] = [];
  const dirs: { remove(): void }[] = [];
  return {
    process<T extends Spawned>(spawned: T): T {
      running.push(spawned);
      return spawned;
    },
    dir<T extends { remove(): void }>(dir: T): T {
      dirs.push(dir);
      return dir;
    },
    async cleanup(): Promise<void> {
      for (const p of running.splice(0)) {
        if (p.child.exitCode === null) {
          p.child.kill('SIGKILL');
          await p.exited;
        }
      }
      for (const d of dirs.splice(0)) d.remove();
    },
  };
}
