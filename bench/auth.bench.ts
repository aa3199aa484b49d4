// What authentication costs: requests/s of one route without and with a credential (access
// token, API key), as ratios, and sign-ins per second (argon2id-bound). autocannon on loopback
// against a real server process on a fresh embedded database.
//
//   npm run bench:auth    (BENCH_DURATION seconds per run, default 10; BENCH_REPEAT, default 3)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { machineLine, waitForServerUrl } from './lib.ts';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const dataDir = mkdtempSync(join(tmpdir(), 'iza-bench-auth-'));
const env = {
  ...process.env,
  IZA_LOG_LEVEL: 'warn',
  IZA_DATA_DIR: dataDir,
  IZA_PORT: '0',
  IZA_RATE_LIMIT_MAX: '10000000',
  IZA_LOGIN_RATE_LIMIT_PER_MINUTE: '10000',
};
const password = 'benchmark password 1';
const email = 'bench@bench.test';

const bin = fileURLToPath(new URL('../bin/iza.mjs', import.meta.url));
const created = spawnSync(
  process.execPath,
  [
    bin,
    'user',
    'create-admin',
    '--org',
    'Bench',
    '--email',
    email,
    '--name',
    'Bench',
    '--password-stdin',
  ],
  { env, input: `${password}\n` },
);
if (created.status !== 0) throw new Error(`create-admin failed: ${created.stderr.toString()}`);
const key = spawnSync(
  process.execPath,
  [bin, 'apikey', 'create', '--org', 'bench', '--name', 'bench', '--role', 'viewer', '--json'],
  { env },
);
const apiKey = (JSON.parse(key.stdout.toString()) as { key: string }).key;

const fixture = fileURLToPath(new URL('./fixtures/auth-server.ts', import.meta.url));
const server = spawn(process.execPath, [fixture], { env, stdio: ['ignore', 'inherit', 'inherit'] });

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function once(r: autocannon.Result): Run {
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
}

function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Runs every variant once per round, `repeat` rounds, and keeps each variant's median: variants
 * measured side by side in each round share whatever else the machine is doing.
 */
async function interleaved(variants: [string, autocannon.Options][]): Promise<[string, Run][]> {
  const runs = new Map<string, Run[]>(variants.map(([label]) => [label, []]));
  for (let round = 0; round < repeat; round++) {
    for (const [label, options] of variants) {
      runs.get(label)!.push(once(await autocannon({ duration, ...options })));
    }
  }
  return variants.map(([label]) => [label, median(runs.get(label)!)]);
}

try {
  const url = await waitForServerUrl(dataDir, server.pid);
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const { accessToken } = ((await login.json()) as { data: { accessToken: string } }).data;

  await autocannon({ url: `${url}/bench/open`, connections: 10, duration: 3 }); // warm-up
  const rows: [string, Run][] = [];
  for (const connections of [1, 20]) {
    rows.push(
      ...(await interleaved([
        [`public, c=${connections}`, { url: `${url}/bench/open`, connections }],
        [
          `access token, c=${connections}`,
          {
            url: `${url}/bench/guarded`,
            connections,
            headers: { authorization: `Bearer ${accessToken}` },
          },
        ],
        [
          `API key, c=${connections}`,
          {
            url: `${url}/bench/guarded`,
            connections,
            headers: { authorization: `Bearer ${apiKey}` },
          },
        ],
      ])),
    );
  }
  const [[, signIn]] = (await interleaved([
    [
      'sign-in',
      {
        url: `${url}/api/v1/auth/login`,
        connections: 4,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      },
    ],
  ])) as [[string, Run]];

  console.log(`\n${machineLine(duration, repeat)}\n`);
  console.log('| GET one route | requests/s | vs public | p50 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [label, r] of rows) {
    const base = rows.find(([l]) => l === `public, c=${label.split('c=')[1]}`)![1];
    console.log(
      `| ${label} | ${r.rps} | ${(r.rps / base.rps).toFixed(2)} | ${r.p50} | ${r.p99} | ${r.errors} |`,
    );
  }
  console.log(
    `\nSign-in (POST /api/v1/auth/login, argon2id, c=4): ${signIn.rps} requests/s, p50 ${signIn.p50} ms, p99 ${signIn.p99} ms, errors ${signIn.errors}`,
  );
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
