// Transfers per second through the ledger (in-process service calls, no HTTP): single-transfer
// calls from 1 and 8 concurrent callers, and batches of 1,000 and 8,000, on embedded PGlite and
// on a PostgreSQL server; and, on that same server, PostgreSQL's own pgbench TPC-B (three
// balance updates and an insert per transaction, like a transfer) for the ratio.
//
//   npm run bench:ledger   (BENCH_DURATION seconds per measurement, default 5; the server is
//                           BENCH_DATABASE_URL, or a throwaway one from scripts/pg-test-server.sh)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
      await measure('batches of 1,000', 1, 1000),
      await measure('batches of 8,000', 1, 8000),
    ];
  } finally {
    await kernel.close();
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
