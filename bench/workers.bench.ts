// Queued workflow executions on PostgreSQL worked by 1, 2 and 3 `iza worker` processes: how the
// execution throughput grows with worker processes. Two workflows, imported unchanged: one that
// waits on the network (an HTTP Request to a loopback server answering after 100 ms, as most
// automations wait on an API) and one that computes (a Code node summing 3,000,000 numbers).
// Each run starts the workers, lets them start their executor processes on a warm-up batch, then
// queues BENCH_RUNS executions of one workflow on the run queue (as schedules, error workflows
// and resumed waits do), all due at one instant once queued; the throughput is the runs over the
// time from that instant to the last one recorded as finished. The variants take turns (every worker count once per round),
// BENCH_ROUNDS rounds.
//
//   BENCH_DATABASE_URL=postgres://… npm run bench:workers
//   (a new database is made on that server and dropped afterwards; BENCH_RUNS default 300,
//   BENCH_ROUNDS default 2, BENCH_WORKERS default "1,2,3")
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createKernel, createLogger, loadConfig, newId } from '../src/kernel/index.ts';
import { RUN_QUEUE, type RunJob } from '../src/workflows/workflows.runner.ts';
import { createBenchAdmin, izaCommand, machineLine } from './lib.ts';

const serverUrl = process.env.BENCH_DATABASE_URL;
if (!serverUrl) {
  console.error('BENCH_DATABASE_URL must name a PostgreSQL server (workers share a database)');
  process.exit(2);
}
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2,3').split(',').map(Number);
const bin = fileURLToPath(new URL('../bin/iza.mjs', import.meta.url));
const began = new Date();

// --- a loopback API that answers after 100 ms ------------------------------------------------
const api = createServer((_req, res) => {
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  }, 100);
});
api.listen(0, '127.0.0.1');
await once(api, 'listening');
const apiPort = (api.address() as { port: number }).port;

// --- a new database on the server --------------------------------------------------------------
const dbName = `iza_bench_workers_${process.pid}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);
const url = new URL(serverUrl);
url.pathname = `/${dbName}`;
const dataDir = mkdtempSync(join(tmpdir(), 'iza-bench-workers-'));
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  DATABASE_URL: url.toString(),
  IZA_DATA_DIR: dataDir,
  IZA_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  IZA_LOG_LEVEL: 'info',
  // The HTTP Request node may call the loopback API (private addresses are refused by default).
  IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32',
  // Workers look for due jobs every half second (a job queued for later wakes nobody).
  IZA_JOBS_POLL_SECONDS: '0.5',
};

const iza = izaCommand(env);

const workflow = (name: string, node: Record<string, unknown>) => ({
  name,
  nodes: [
    {
      id: newId(),
      name: 'Start',
      type: 'n8n-nodes-base.manualTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    { id: newId(), name: 'Work', position: [220, 0], ...node },
  ],
  connections: { Start: { main: [[{ node: 'Work', type: 'main', index: 0 }]] } },
  settings: { executionOrder: 'v1' },
});
const workloads = {
  'waits 100 ms on an API': workflow('Bench: network', {
    type: 'n8n-nodes-base.httpRequest',
    typeVersion: 4.2,
    parameters: { url: `http://127.0.0.1:${apiPort}/slow`, options: {} },
  }),
  'computes (Code node)': workflow('Bench: compute', {
    type: 'n8n-nodes-base.code',
    typeVersion: 2,
    parameters: {
      jsCode: 'let x = 0;\nfor (let i = 0; i < 3e6; i++) x += i % 7;\nreturn [{ json: { x } }];',
    },
  }),
};

interface Row {
  workload: string;
  workers: number;
  round: number;
  perSecond: number;
  failed: number;
}
const rows: Row[] = [];

const kernel = await createKernel({
  config: loadConfig({ env }),
  command: 'bench',
  workJobs: false,
  log: createLogger({ level: 'warn' }),
});
const rowsOf = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => {
  const result: unknown = await kernel.db.execute(query);
  return (result as { rows: T[] }).rows;
};

/** Starts `n` workers; resolves once each says it is running. */
async function startWorkers(n: number): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const child = spawn(process.execPath, ['--no-node-snapshot', bin, 'worker'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const seen = (d: Buffer) => {
          out += d.toString();
          if (out.includes('IZA OS worker is running')) resolve();
        };
        child.stdout.on('data', seen);
        child.stderr.on('data', seen);
        child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${out}`)));
      });
      return child;
    }),
  );
}

async function stopWorkers(children: ChildProcess[]) {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    }),
  );
}

createBenchAdmin(iza);
const ids = new Map<string, string>();
for (const [label, definition] of Object.entries(workloads)) {
  const file = join(dataDir, `${label.replace(/\W+/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(definition));
  const report = JSON.parse(iza(['workflow', 'import', file, '--json']).replace(/^[^{]*/, '')) as {
    files: { id?: string }[];
  };
  ids.set(label, report.files[0]!.id!);
}
const [org] = await rowsOf<{ id: string }>(sql`select id from organisations limit 1`);
const orgId = org!.id;

/**
 * Queues `runs` executions of the workflow, all due at one instant a little later (once queued),
 * and waits for them: the seconds from that instant to the last one recorded as finished.
 */
async function batch(workflowId: string, runs: number) {
  const finishedOf = async () => {
    const [count] = await rowsOf<{ finished: number; failed: number; last: string | null }>(sql`
      select count(*) filter (where finished_at is not null)::int as finished,
        count(*) filter (where status = 'failed')::int as failed,
        max(finished_at)::text as last
      from workflow_executions where workflow_id = ${workflowId}`);
    return count!;
  };
  const before = await finishedOf();
  const due = new Date(Date.now() + 2_000 + runs * 10);
  await Promise.all(
    Array.from({ length: runs }, () =>
      kernel.jobs.send<RunJob>(
        RUN_QUEUE,
        { executionId: newId(), orgId, workflowId },
        { startAfter: due },
      ),
    ),
  );
  if (Date.now() >= due.getTime()) throw new Error('queueing took longer than planned');
  for (;;) {
    const now = await finishedOf();
    if (now.finished - before.finished >= runs) {
      return {
        seconds: (new Date(now.last!).getTime() - due.getTime()) / 1000,
        failed: now.failed - before.failed,
      };
    }
    if (Date.now() - due.getTime() > 600_000) throw new Error('runs did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
}

try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [label, workflowId] of ids) {
      for (const workers of WORKERS) {
        const children = await startWorkers(workers);
        try {
          // Warm-up: each worker starts its executor processes (a second or more each on
          // two cores) before the batch that is measured.
          await batch(workflowId, 12 * workers);
          const { seconds, failed } = await batch(workflowId, RUNS);
          rows.push({ workload: label, workers, round, perSecond: RUNS / seconds, failed });
          console.error(
            `round ${round}, ${label}, ${workers} worker(s): ${(RUNS / seconds).toFixed(1)} executions/s (${failed} failed)`,
          );
        } finally {
          await stopWorkers(children);
        }
      }
    }
  }
} finally {
  await kernel.close();
  api.close();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`\n${machineLine(0)}; ${began.toISOString()}; ${RUNS} executions per run\n`);
console.log('| workflow | workers | executions/s per round | median | vs 1 worker | failed |');
console.log('| --- | ---: | --- | ---: | ---: | ---: |');
for (const label of ids.keys()) {
  const one = median(
    rows.filter((r) => r.workload === label && r.workers === WORKERS[0]).map((r) => r.perSecond),
  );
  for (const workers of WORKERS) {
    const mine = rows.filter((r) => r.workload === label && r.workers === workers);
    const m = median(mine.map((r) => r.perSecond));
    console.log(
      `| ${label} | ${workers} | ${mine.map((r) => r.perSecond.toFixed(1)).join(', ')} | ${m.toFixed(1)} | ${(m / one).toFixed(2)}x | ${mine.reduce((s, r) => s + r.failed, 0)} |`,
    );
  }
}
