/**
 * How long the `iza` command takes, as a person types it: `node bin/iza.mjs status` and
 * `node bin/iza.mjs venture list`, through a running server and with none running (the command
 * opens the database itself). Each run is a new process, timed from spawn to exit.
 *
 *   node bench/cli.bench.ts [--up 15] [--down 5] [--compare <other checkout>]
 *
 * `--compare` measures another checkout of IZA OS (e.g. an older commit in a `git worktree`)
 * in the same rounds, interleaved with this one, each on its own data folder and server.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine, waitForServerUrl } from './lib.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const UP_RUNS = Number(flag('--up', '15'));
const DOWN_RUNS = Number(flag('--down', '5'));
const here = fileURLToPath(new URL('..', import.meta.url));
const checkouts = [
  { name: 'this checkout', root: here },
  ...(args.includes('--compare')
    ? [{ name: 'compared', root: resolve(flag('--compare', '')) }]
    : []),
];
const COMMANDS = [['status'], ['venture', 'list']];

interface Setup {
  name: string;
  root: string;
  dataDir: string;
  env: Record<string, string>;
  server?: ReturnType<typeof spawn>;
}

function run(setup: Setup, argv: string[], input = ''): Promise<{ ms: number; code: number }> {
  const began = performance.now();
  const child = spawn(process.execPath, [join(setup.root, 'bin/iza.mjs'), ...argv], {
    cwd: setup.root,
    env: setup.env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${argv.join(' ')} (${setup.name}) failed: ${err}`));
      else resolve({ ms: performance.now() - began, code: code ?? 0 });
    }),
  );
}

async function startServer(setup: Setup): Promise<void> {
  setup.server = spawn(process.execPath, [join(setup.root, 'bin/iza.mjs'), 'start'], {
    cwd: setup.root,
    env: { ...setup.env, IZA_PORT: '0' },
    stdio: 'ignore',
  });
  await waitForServerUrl(setup.dataDir, setup.server.pid);
}

async function stopServer(setup: Setup): Promise<void> {
  const server = setup.server!;
  const exited = new Promise((r) => server.on('exit', r));
  server.kill('SIGTERM');
  await exited;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function measure(setups: Setup[], runs: number) {
  const times = new Map<string, number[]>();
  for (let round = 0; round < runs; round++) {
    for (const setup of setups) {
      for (const argv of COMMANDS) {
        const key = `${setup.name}|${argv.join(' ')}`;
        const { ms } = await run(setup, [...argv, '--data-dir', setup.dataDir]);
        times.set(key, [...(times.get(key) ?? []), ms]);
      }
    }
  }
  return times;
}

const setups: Setup[] = checkouts.map((c) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'iza-cli-bench-'));
  return {
    ...c,
    dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      IZA_DATA_DIR: dataDir,
      IZA_LOG_LEVEL: 'warn',
    },
  };
});
const began = Date.now();
try {
  for (const setup of setups) {
    await startServer(setup);
    await run(
      setup,
      ['user', 'create-admin', '--org', 'Bench', '--email', 'a@bench.test', '--name', 'A'],
      'correct horse battery staple\n',
    );
  }
  const up = await measure(setups, UP_RUNS);
  for (const setup of setups) await stopServer(setup);
  const down = await measure(setups, DOWN_RUNS);

  const seconds = Math.round((Date.now() - began) / 1000);
  console.log(machineLine(seconds).replace(` ${seconds} s per run`, ` ${seconds} s in all`));
  console.log('');
  console.log('| checkout | command | server | runs | p50 ms | p90 ms |');
  console.log('| -------- | ------- | ------ | ---: | -----: | -----: |');
  for (const [label, times] of [
    ['running', up],
    ['none', down],
  ] as const) {
    for (const [key, values] of times) {
      const [name, command] = key.split('|');
      console.log(
        `| ${name} | iza ${command} | ${label} | ${values.length} | ${Math.round(percentile(values, 50))} | ${Math.round(percentile(values, 90))} |`,
      );
    }
  }
} finally {
  for (const setup of setups) {
    if (setup.server && setup.server.exitCode === null) setup.server.kill('SIGKILL');
    rmSync(setup.dataDir, { recursive: true, force: true });
  }
}
