// Transfers per second through the ledger, on embedded PGlite and on a PostgreSQL server:
// in-process service calls (single-transfer calls from 1, 8 and 64 concurrent callers, batches
// of 1,000 and 8,000), and single-transfer HTTP requests (POST /api/v1/ledger/transfers with an
// API key, autocannon with 8 and 64 connections) against a real server process
// (fixtures/ledger-server.ts). On that same PostgreSQL server, its own pgbench TPC-B (three
// balance updates and an insert per transaction, like a transfer) gives the ratio.
//
//   npm run bench:ledger   (BENCH_DURATION seconds per measurement, default 5; the server is
//                           BENCH_DATABASE_URL, or a throwaway one from scripts/pg-test-server.sh)
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { createAccess } from '../src/access/index.ts';
import {
  createKernel,
  createLogger,
  loadConfig,
  newId,
  type StorageTarget,
} from '../src/kernel/index.ts';
import { createLedgerService, type TransferInput } from '../src/ledger/index.ts';
import { machineLine } from './lib.ts';

const duration = Number(process.env.BENCH_DURATION ?? 5) * 1000;
const ACCOUNTS = 200;

interface Row {
  storage: string;
  mode: string;
  transfersPerSecond: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function benchStorage(name: string, target: StorageTarget, dataDir: string): Promise<Row[]> {
  const config = loadConfig({
    env: {
      IZA_DATA_DIR: dataDir,
      IZA_MASTER_KEY: randomBytes(32).toString('base64'),
      IZA_LOG_LEVEL: 'warn',
    },
  });
  const kernel = await createKernel({
    config,
    command: 'bench',
    storage: target,
    workJobs: false,
    log: createLogger({ level: 'warn' }),
  });
  try {
    const access = createAccess(kernel);
    const { organisation } = await access.users.createAdmin({
      organisation: `Bench ${name}`,
      email: `bench-${name}@bench.test`,
      name: 'Bench',
      password: 'benchmark password',
    });
    const orgId = organisation.id;
    const ledger = createLedgerService({ db: kernel.db, clock: kernel.clock, audit: access.audit });
    const { entity } = await ledger.createEntity(orgId, {
      code: 'B',
      name: 'Bench',
      kind: 'venture',
      baseCurrency: 'USD',
    });
    const accounts: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const a = await ledger.createAccount(orgId, {
        entityId: entity.id,
        code: `B${i}`,
        name: `bench ${i}`,
        type: 'asset',
      });
      accounts.push(a.id);
    }
    const transfer = (): TransferInput => {
      const d = Math.floor(Math.random() * ACCOUNTS);
      const c = (d + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
      return {
        id: newId(),
        debitAccountId: accounts[d],
        creditAccountId: accounts[c],
        amount: 1n,
        currency: 'USD',
      };
    };

    const measure = async (mode: string, callers: number, batch: number): Promise<Row> => {
      const latencies: number[] = [];
      let done = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: callers }, async () => {
          while (performance.now() - started < duration) {
            const t0 = performance.now();
            const results = await ledger.createTransfers(
              orgId,
              Array.from({ length: batch }, transfer),
            );
            latencies.push(performance.now() - t0);
            if (results.some((r) => r.result !== 'ok'))
              throw new Error(
                `unexpected result ${JSON.stringify(results.find((r) => r.result !== 'ok'))}`,
              );
            done += batch;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        storage: name,
        mode,
        transfersPerSecond: Math.round(done / seconds),
        p50: Math.round(percentile(latencies, 50) * 10) / 10,
        p99: Math.round(percentile(latencies, 99) * 10) / 10,
      };
    };

    await measure('warm-up', 1, 100);
    return [
      await measure('single transfer, 1 caller', 1, 1),
      await measure('single transfer, 8 callers', 8, 1),
      await measure('single transfer, 64 callers', 64, 1),
      await measure('batches of 1,000', 1, 1000),
      await measure('batches of 8,000', 1, 8000),
    ];
  } finally {
    await kernel.close();
  }
}

/** The fixture's `ready` line; whatever else the server prints is passed on. */
async function readyLine(server: ChildProcessByStdio<null, Readable, null>): Promise<string> {
  const exited = once(server, 'exit').then(([code]) => {
    throw new Error(`the ledger server exited (${String(code)})`);
  });
  const ready = (async () => {
    for await (const line of createInterface({ input: server.stdout })) {
      if (line.startsWith(READY)) return line.slice(READY.length);
      process.stderr.write(`${line}\n`);
    }
    throw new Error('the ledger server closed its output');
  })();
  return Promise.race([ready, exited]);
}

/**
 * Single-transfer requests over HTTP against a server process on the storage `env` selects:
 * every request a new transfer between two random accounts, authenticated with an API key.
 */
async function benchHttp(name: string, env: Record<string, string>): Promise<Row[]> {
  const server = spawn(process.execPath, [fixture], {
    env: {
      ...process.env,
      IZA_LOG_LEVEL: 'warn',
      IZA_PORT: '0',
      IZA_RATE_LIMIT_MAX: '10000000',
      IZA_MASTER_KEY: randomBytes(32).toString('base64'),
      BENCH_ACCOUNTS: String(ACCOUNTS),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await readyLine(server);
    const { url, apiKey, accounts } = JSON.parse(line) as {
      url: string;
      apiKey: string;
      accounts: string[];
    };
    const body = () => {
      const d = Math.floor(Math.random() * accounts.length);
      const c = (d + 1 + Math.floor(Math.random() * (accounts.length - 1))) % accounts.length;
      return JSON.stringify({
        transfers: [
          {
            id: randomUUID(),
            debitAccountId: accounts[d],
            creditAccountId: accounts[c],
            amount: '1',
            currency: 'USD',
          },
        ],
      });
    };
    const run = (connections: number, seconds: number) =>
      autocannon({
        url: `${url}/api/v1/ledger/transfers`,
        method: 'POST',
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
      });
    await run(8, 2); // warm-up
    const rows: Row[] = [];
    for (const connections of [8, 64]) {
      const result = await run(connections, duration / 1000);
      const failed = result.errors + result.timeouts + result.non2xx;
      if (failed > 0) throw new Error(`${failed} requests failed at ${connections} connections`);
      rows.push({
        storage: name,
        mode: `HTTP, single transfer, ${connections} connections`,
        transfersPerSecond: Math.round(result['2xx'] / result.duration),
        p50: result.latency.p50,
        p99: result.latency.p99,
      });
    }
    return rows;
  } finally {
    server.kill('SIGTERM');
    if (server.exitCode === null) await new Promise((r) => server.once('exit', r));
  }
}

function pgbenchTps(url: string, bin: string): number {
  const env = { ...process.env, PGCONNECT_TIMEOUT: '10' };
  execFileSync(join(bin, 'pgbench'), ['-i', '-s', '10', '-q', url], { env, stdio: 'ignore' });
  const out = execFileSync(
    join(bin, 'pgbench'),
    ['-c', '8', '-j', '2', '-T', String(duration / 1000), '-M', 'prepared', '-n', url],
    { env },
  ).toString();
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  if (!match) throw new Error(`cannot read pgbench output:\n${out}`);
  return Math.round(Number(match[1]));
}

async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`drop database if exists ${name} with (force)`);
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const fixture = fileURLToPath(new URL('./fixtures/ledger-server.ts', import.meta.url));
/** How the fixture's line with its URL, key and accounts starts. */
const READY = 'ledger-server ready ';
const work = mkdtempSync(join(tmpdir(), 'iza-bench-ledger-'));
// Its own folder under /tmp: the server runs as the postgres user, who cannot enter `work`.
const pgDir = mkdtempSync(join(tmpdir(), 'iza-bench-pg-'));
const script = fileURLToPath(new URL('../scripts/pg-test-server.sh', import.meta.url));
let serverUrl = process.env.BENCH_DATABASE_URL;
const ownServer = !serverUrl;
try {
  if (ownServer) serverUrl = execFileSync('bash', [script, 'start', pgDir]).toString().trim();
  const pgBin = join(
    '/usr/lib/postgresql',
    readdirSync('/usr/lib/postgresql').sort().at(-1)!,
    'bin',
  );
  const rows = [
    ...(await benchStorage(
      'PGlite',
      { kind: 'pglite', dataDir: join(work, 'pglite') },
      join(work, 'pglite'),
    )),
    ...(await benchStorage(
      'PostgreSQL',
      { kind: 'postgres', url: await freshDatabase(serverUrl!, 'iza_bench_ledger'), poolMax: 10 },
      join(work, 'pgdata'),
    )),
    ...(await benchHttp('PGlite', { IZA_DATA_DIR: join(work, 'http-pglite') })),
    ...(await benchHttp('PostgreSQL', {
      IZA_DATA_DIR: join(work, 'http-pgdata'),
      DATABASE_URL: await freshDatabase(serverUrl!, 'iza_bench_ledger_http'),
      IZA_DB_POOL_MAX: '10',
    })),
  ];
  const tps = pgbenchTps(await freshDatabase(serverUrl!, 'iza_bench_pgbench'), pgBin);
  console.log(`\n${machineLine(duration / 1000)}\n`);
  console.log(
    `pgbench TPC-B on the same PostgreSQL server (scale 10, 8 clients, prepared): ${tps} transactions/s\n`,
  );
  console.log(
    '| storage | mode | transfers/s | vs pgbench TPS | p50 ms per call | p99 ms per call |',
  );
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.storage} | ${r.mode} | ${r.transfersPerSecond} | ${(r.transfersPerSecond / tps).toFixed(2)} | ${r.p50} | ${r.p99} |`,
    );
  }
} finally {
  if (ownServer) execFileSync('bash', [script, 'stop', pgDir]);
  rmSync(pgDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
