// Requests/s and latency of /health and /health/live on loopback, with autocannon against a real
// `iza start` process on a fresh embedded database. Prints a Markdown table for RESULTS.md.
//
//   npm run bench:health    (BENCH_DURATION seconds per run, default 10; BENCH_REPEAT runs per
//                            row, default 3: the table shows the median run by requests/s)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { machineLine, waitForServerUrl } from './lib.ts';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const dataDir = mkdtempSync(join(tmpdir(), 'iza-bench-'));
const bin = fileURLToPath(new URL('../bin/iza.mjs', import.meta.url));
const server = spawn(process.execPath, [bin, 'start', '--port', '0', '--data-dir', dataDir], {
  env: { ...process.env, IZA_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
});

interface Row {
  path: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function run(url: string, path: string, connections: number, seconds: number): Promise<Row> {
  const result = await autocannon({ url: `${url}${path}`, connections, duration: seconds });
  return {
    path,
    connections,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

try {
  const url = await waitForServerUrl(dataDir, server.pid);
  await run(url, '/health', 10, 3); // warm-up
  // Every configuration runs once per round, `repeat` rounds; each keeps its median run, so
  // configurations compared in one table share whatever else the machine was doing.
  const configs = ['/health', '/health/live'].flatMap((path) =>
    [1, 20].map((c) => [path, c] as const),
  );
  const runs = configs.map(() => [] as Row[]);
  for (let round = 0; round < repeat; round++) {
    for (const [i, [path, connections]] of configs.entries()) {
      runs[i]!.push(await run(url, path, connections, duration));
    }
  }
  const rows = runs.map((r) => [...r].sort((a, b) => a.rps - b.rps)[Math.floor(r.length / 2)]!);
  console.log(`\n${machineLine(duration, repeat)}\n`);
  console.log('| route | connections | requests/s | p50 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.path} | ${r.connections} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
