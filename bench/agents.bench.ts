// Agent task dispatch: latency from `dispatch()` (the call that records the task) to the start
// of a no-op code agent, p50/p99, and tasks/s end to end, in-process on embedded PGlite and on a
// PostgreSQL server. Three measures:
//   sequential  one dispatch at a time, each waited for: the fast path (a free local slot).
//   burst       BENCH_TASKS dispatched at once on agents with few slots: most wait (queued).
//   worker      (PostgreSQL only) dispatched by a process that works no jobs; a separate
//               worker process takes them from pg-boss: the cross-process path.
//   provider    60 LLM agents (one slot each) on a loopback OpenAI-format server answering in
//               50 ms, then in 3 s; a backlog of BENCH_BACKLOG tasks (default 2000) dispatched
//               at once: tasks/s and slot use (running / 60, sampled every 100 ms) once the
//               tasks queued past the local backlog (512) run, for at most BENCH_WINDOW_S
//               seconds (default 30) or until the backlog drains.
//
//   node bench/agents.bench.ts   (BENCH_TASKS, default 2000; BENCH_SLOTS per agent, default 8;
//                                 BENCH_DATABASE_URL for the server; BENCH_ONLY=provider)
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createAccess } from '../src/access/index.ts';
import { sql } from 'drizzle-orm';
import { agentsServiceFor, rowsOf } from '../src/agents/index.ts';
import { createKernel, createLogger, loadConfig, type StorageTarget } from '../src/kernel/index.ts';
import { startLlmServer } from '../test/fixtures/llm-server.ts';
import { machineLine } from './lib.ts';

const TASKS = Number(process.env.BENCH_TASKS ?? 2000);
/** Slots per no-op agent (two agents). */
const SLOTS = Number(process.env.BENCH_SLOTS ?? 8);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const ms = (v: number) => `${v.toFixed(2)} ms`;

async function setup(target: StorageTarget, workJobs: boolean) {
  const config = loadConfig({
    env: {
      IZA_MASTER_KEY: randomBytes(32).toString('base64'),
      IZA_LOG_LEVEL: 'warn',
      IZA_JOBS_POLL_SECONDS: '0.5',
      // The fake model server of the provider run is on loopback.
      IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1',
    },
  });
  const kernel = await createKernel({
    config,
    command: 'agents-bench',
    storage: target,
    log: createLogger({ level: 'warn' }),
    workJobs,
  });
  const access = createAccess(kernel);
  const starts = new Map<string, number>();
  const agents = agentsServiceFor(kernel, access, {
    handlers: {
      mark: async ({ taskId }) => {
        starts.set(taskId, performance.now());
        return null;
      },
    },
  });
  await agents.start();
  return { kernel, access, agents, starts };
}

async function run(name: string, target: StorageTarget) {
  const { kernel, access, agents, starts } = await setup(target, true);
  const { organisation } = await access.users.createAdmin({
    organisation: 'Bench',
    email: 'bench@bench.test',
    name: 'Bench',
    password: 'bench password long enough',
  });
  const orgId = organisation.id;
  for (const botId of ['noop-a', 'noop-b']) {
    await agents.createAgent(orgId, {
      botId,
      name: botId,
      kind: 'code',
      handler: 'mark',
      capabilities: ['noop'],
      maxConcurrentTasks: SLOTS,
    });
  }
  // Warm-up.
  for (let i = 0; i < 50; i++) await agents.dispatch(orgId, { capabilities: ['noop'], input: i });
  await agents.executor.idle();

  const latencies: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < TASKS; i++) {
    const before = performance.now();
    const task = await agents.dispatch(orgId, { capabilities: ['noop'], input: i });
    await agents.executor.idle();
    latencies.push(starts.get(task.id)! - before);
  }
  const seqSeconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `${name} sequential: dispatch->start p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}; ${Math.round(TASKS / seqSeconds)} tasks/s (dispatch, run, record; one at a time)`,
  );

  t0 = performance.now();
  const dispatchedAt = new Map<string, number>();
  const ids = await Promise.all(
    Array.from({ length: TASKS }, async (_, i) => {
      const before = performance.now();
      const task = await agents.dispatch(orgId, { capabilities: ['noop'], input: i });
      dispatchedAt.set(task.id, before);
      return task.id;
    }),
  );
  await agents.executor.idle();
  const burstSeconds = (performance.now() - t0) / 1000;
  const burst = ids.map((id) => starts.get(id)! - dispatchedAt.get(id)!).sort((a, b) => a - b);
  console.log(
    `${name} burst of ${TASKS} (2 agents x ${SLOTS} slots): dispatch->start p50 ${ms(percentile(burst, 50))}, p99 ${ms(percentile(burst, 99))}; ${Math.round(TASKS / burstSeconds)} tasks/s`,
  );
  await agents.stop();
  await kernel.close();
  return orgId;
}

const AGENTS = 60;
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 2000);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 30);

/**
 * 60 LLM agents of one slot each on a fake provider answering in `delayMs`: BACKLOG tasks are
 * dispatched at once, then finished tasks and running slots are sampled every 100 ms while the
 * backlog stays above BACKLOG - 60 ... until it drains or WINDOW_S seconds pass.
 */
async function provider(name: string, target: StorageTarget, delayMs: number) {
  const llm = await startLlmServer();
  llm.script([{ type: 'text', text: 'ok', usage: { input: 10, output: 5 }, delayMs }]);
  const { kernel, access, agents } = await setup(target, true);
  try {
    const { organisation } = await access.users.createAdmin({
      organisation: 'Bench',
      email: 'bench@bench.test',
      name: 'Bench',
      password: 'bench password long enough',
    });
    const orgId = organisation.id;
    for (let i = 0; i < AGENTS; i++) {
      await agents.createAgent(orgId, {
        botId: `model-${i}`,
        name: `model ${i}`,
        kind: 'llm',
        capabilities: ['answer'],
        maxConcurrentTasks: 1,
        timeout: 60_000,
        llm: {
          provider: 'openai-compatible',
          model: 'bench-model',
          baseUrl: llm.url,
          stream: false,
        },
      });
    }
    const t0 = performance.now();
    for (let i = 0; i < BACKLOG; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, BACKLOG - i) }, (_, j) =>
          agents.dispatch(orgId, { capabilities: ['answer'], input: `question ${i + j}` }),
        ),
      );
    }
    const dispatchS = (performance.now() - t0) / 1000;
    const count = async () =>
      Number(
        (
          await rowsOf<{ n: number }>(
            kernel.db,
            sql`select count(*)::int as n from agents_tasks where state = 'succeeded'`,
          )
        )[0]!.n,
      );
    const running = () =>
      agents.executor.scheduler.liveAgents.reduce((n, live) => n + live.running, 0);
    // Measured once the tasks dispatched past the local backlog (512) run: those that used to
    // wait for the job queue's workers.
    const skipS = (performance.now() - t0) / 1000;
    while ((await count()) < Math.min(BACKLOG - AGENTS, 512 + AGENTS)) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const warmS = (performance.now() - t0) / 1000 - skipS;
    const doneAtStart = await count();
    const start = performance.now();
    const samples: number[] = [];
    let done = doneAtStart;
    while ((performance.now() - start) / 1000 < WINDOW_S && done < BACKLOG) {
      await new Promise((r) => setTimeout(r, 100));
      samples.push(running());
      if (samples.length % 10 === 0) done = await count();
    }
    done = await count();
    const seconds = (performance.now() - start) / 1000;
    const [spans] = await rowsOf<{ run: number; wait: number }>(
      kernel.db,
      sql`select avg(extract(epoch from (finished_at - started_at)))::float as run,
        avg(extract(epoch from (started_at - created_at)))::float as wait
        from agents_tasks where state = 'succeeded'`,
    );
    const mean = samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length);
    const sorted = [...samples].sort((a, b) => a - b);
    console.log(
      `${name} provider ${delayMs} ms, ${AGENTS} agents x 1 slot, backlog ${BACKLOG} (dispatched in ${dispatchS.toFixed(1)} s; window from ${doneAtStart} done, ${(skipS + warmS).toFixed(1)} s in): ${Math.round(((done - doneAtStart) / seconds) * 10) / 10} tasks/s over ${seconds.toFixed(1)} s (${done - doneAtStart} tasks); slots in use mean ${mean.toFixed(1)}/${AGENTS} (${Math.round((mean / AGENTS) * 100)}%), p10 ${percentile(sorted, 10)}, min ${sorted[0] ?? 0}; ideal ${Math.round((AGENTS / (delayMs / 1000)) * 10) / 10} tasks/s; started->finished mean ${Number(spans?.run ?? 0).toFixed(2)} s`,
    );
  } finally {
    await agents.stop({ abort: true });
    await kernel.close();
    await llm.close();
  }
}

async function main() {
  console.log(machineLine(0));
  const only = process.env.BENCH_ONLY;
  if (only !== 'provider') await run('pglite', { kind: 'memory' });
  if (only === 'provider') {
    for (const delayMs of (process.env.BENCH_DELAYS ?? '50,3000').split(',').map(Number)) {
      await provider('pglite', { kind: 'memory' }, delayMs);
    }
  }
  const server = process.env.BENCH_DATABASE_URL;
  if (!server) {
    console.log('postgres: skipped (set BENCH_DATABASE_URL)');
    return;
  }
  const fresh = async (work: (url: string) => Promise<void>) => {
    const dbName = `iza_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    const url = new URL(server);
    url.pathname = `/${dbName}`;
    try {
      await work(url.toString());
    } finally {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  };
  if (only === 'provider') {
    for (const delayMs of (process.env.BENCH_DELAYS ?? '50,3000').split(',').map(Number)) {
      await fresh((url) => provider('postgres', { kind: 'postgres', url, poolMax: 10 }, delayMs));
    }
    return;
  }
  await fresh(async (url) => {
    await run('postgres', { kind: 'postgres', url, poolMax: 10 });
    await crossProcess(url);
  });
}

/** A dispatcher that works no jobs, and a worker process running the tasks from pg-boss. */
async function crossProcess(url: string) {
  const { kernel, agents } = await setup({ kind: 'postgres', url, poolMax: 10 }, false);
  const orgs = await rowsOf<{ id: string }>(
    kernel.db,
    sql`select id::text as id from organisations`,
  );
  const orgId = orgs[0]!.id;
  const worker = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_ROLE: 'worker', BENCH_WORKER_URL: url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) =>
    worker.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()),
  );
  const n = Math.min(TASKS, 1000);
  const t0 = performance.now();
  const created: string[] = [];
  for (let i = 0; i < n; i++)
    created.push((await agents.dispatch(orgId, { capabilities: ['noop'], input: i })).id);
  for (;;) {
    const r = {
      rows: await rowsOf<{ n: number }>(
        kernel.db,
        sql.raw(
          `select count(*)::int as n, max(extract(epoch from (started_at - created_at)) * 1000)::float as worst from agents_tasks where state = 'succeeded' and id = any('{${created.join(',')}}'::uuid[])`,
        ),
      ),
    };
    if (Number(r.rows[0]!.n) === n) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const seconds = (performance.now() - t0) / 1000;
  const lat = {
    rows: await rowsOf<{ p50: number; p99: number }>(
      kernel.db,
      sql.raw(
        `select percentile_cont(0.5) within group (order by extract(epoch from (started_at - created_at)) * 1000) as p50, percentile_cont(0.99) within group (order by extract(epoch from (started_at - created_at)) * 1000) as p99 from agents_tasks where id = any('{${created.join(',')}}'::uuid[])`,
      ),
    ),
  };
  console.log(
    `postgres separate worker: ${n} tasks dispatched one at a time by a process working no jobs; created->started p50 ${ms(Number(lat.rows[0]!.p50))}, p99 ${ms(Number(lat.rows[0]!.p99))}; ${Math.round(n / seconds)} tasks/s`,
  );
  const exited = new Promise((resolve) => worker.on('exit', resolve));
  worker.kill('SIGTERM');
  await exited;
  await agents.stop();
  await kernel.close();
}

if (process.env.BENCH_ROLE === 'worker') {
  const { agents } = await setup(
    { kind: 'postgres', url: process.env.BENCH_WORKER_URL!, poolMax: 10 },
    true,
  );
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void agents.stop().then(() => process.exit(0));
  });
} else {
  await main();
}
