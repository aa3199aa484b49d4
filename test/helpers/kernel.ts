import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  createKernel,
  createLogger,
  loadConfig,
  type Clock,
  type Config,
  type Kernel,
  type Logger,
  type StorageTarget,
} from '../../src/kernel/index.ts';

/** A configuration from defaults plus `env`, ignoring the real environment and any config file. */
export function testConfig(env: Record<string, string> = {}): Config {
  const cwd = mkdtempSync(join(tmpdir(), 'iza-config-'));
  try {
    return loadConfig({
      env: {
        IZA_PROFILE: 'testing',
        IZA_LOG_LEVEL: 'warn',
        // A key per test kernel: nothing is written to a key file.
        IZA_MASTER_KEY: randomBytes(32).toString('base64'),
        ...env,
      },
      cwd,
    });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** A logger whose JSON lines are kept in memory for assertions. */
export function captureLogs(level: 'info' | 'debug' | 'warn' = 'info'): {
  log: Logger;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const log = createLogger({ level, destination });
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export async function createTestKernel(options: {
  target: StorageTarget;
  env?: Record<string, string>;
  log?: Logger;
  clock?: Clock;
  workJobs?: boolean;
}): Promise<Kernel> {
  return createKernel({
    config: testConfig({ IZA_JOBS_POLL_SECONDS: '0.5', ...options.env }),
    command: 'test',
    storage: options.target,
    log: options.log ?? createLogger({ level: 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
    workJobs: options.workJobs ?? true,
  });
}

export function tempDir(prefix = 'iza-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
