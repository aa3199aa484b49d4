// Consolidated statements of the web bench's data set (1,000 ventures, 1,000,000 postings), in
// process, on PGlite and on PostgreSQL: the first computation, a kept answer, and an answer
// brought up to date after one cent is moved between two of the holding's cash accounts (the
// write untimed), for the four statements as the dashboard asks for them; then the query that
// finds the accounts changed since a snapshot, with its index and without it (the index dropped
// in a transaction that is rolled back).
//
//   npm run bench:reports   (BENCH_ROUNDS writes per statement, default 10; PostgreSQL
//                                  when BENCH_DATABASE_URL names a server to restore into; the
//                                  heap each kept statement holds is measured with the script's
//                                  --expose-gc)
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import {
  createKernel,
  createLogger,
  loadConfig,
  newId,
  type StorageTarget,
} from '../src/kernel/index.ts';
import { createReportsService } from '../src/ledger/reports.service.ts';
import { createTransfersService } from '../src/ledger/transfers.service.ts';
import { machineLine } from './lib.ts';
import { pgliteDataset, postgresDataset } from './web.dataset.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const today = new Date().toISOString().slice(0, 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ms = (x: number) => x.toFixed(1);

async function benchStorage(name: string, target: StorageTarget, dataDir: string) {
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
  const { db } = kernel;
  const rows = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => {
    const result: unknown = await db.execute(query);
    return (result as { rows: T[] }).rows;
  };
  const [holding] = await rows<{ org_id: string; id: string; d: string; c: string }>(sql`
    select e.org_id, e.id,
      (select id from ledger_accounts where entity_id = e.id and code = '1000') as d,
      (select id from ledger_accounts where entity_id = e.id and code = '1100') as c
    from ledger_entities e where e.parent_id is null`);
  const orgId = holding!.org_id;
  const reports = createReportsService({ db, clock: kernel.clock });
  const audit = { record: async () => undefined, recordMany: async () => undefined };
  const transfers = createTransfersService({ db, clock: kernel.clock, audit } as never);
  const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
  const base = { entityId: holding!.id, consolidated: true, rates: 'currencies' as const };
  const statements = [
    ['balance sheet', () => reports.balanceSheet(orgId, { ...base, asOf: today })],
    [
      'profit and loss, 12 months',
      () => reports.profitAndLoss(orgId, { ...base, from: yearAgo, to: today }),
    ],
    ['trial balance', () => reports.trialBalance(orgId, { ...base, asOf: today })],
    [
      'cash flow, year to date',
      () => reports.cashFlow(orgId, { ...base, from: `${today.slice(0, 4)}-01-01`, to: today }),
    ],
  ] as const;
  // The heap a kept statement holds (with `node --expose-gc`: collected before each reading).
  const gc = (globalThis as { gc?: () => void }).gc;
  const heapMb = () => {
    gc?.();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };
  for (const [label, statement] of statements) {
    const heapBefore = heapMb();
    let t = performance.now();
    await statement();
    const first = performance.now() - t;
    const kept = gc ? `${ms(heapMb() - heapBefore)} MB` : 'run with --expose-gc';
    const keptTimes: number[] = [];
    const updated: number[] = [];
    for (let i = 0; i < rounds; i++) {
      t = performance.now();
      await statement();
      keptTimes.push(performance.now() - t);
      await transfers.createTransfers(orgId, [
        {
          id: newId(),
          debitAccountId: holding!.d,
          creditAccountId: holding!.c,
          amount: 1n,
          currency: 'EUR',
        },
      ]);
      t = performance.now();
      await statement();
      updated.push(performance.now() - t);
    }
    console.log(
      `| ${name} | ${label} | ${ms(first)} | ${ms(median(keptTimes))} | ${ms(median(updated))} | ${ms(Math.max(...updated))} | ${kept} |`,
    );
  }
  // The changed accounts' query (reports.cache.ts), with and without its index.
  const [snapshot] = await rows<{ s: string }>(sql`select pg_current_snapshot()::text as s`);
  const s = snapshot!.s;
  const changes = sql`select count(*) from ledger_accounts where org_id = ${orgId}
    and changed_xid >= pg_snapshot_xmin(${s}::pg_snapshot)
    and not pg_visible_in_snapshot(changed_xid, ${s}::pg_snapshot)`;
  const timeChanges = async (run: (q: typeof changes) => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      await run(changes);
      times.push(performance.now() - t);
    }
    return `${ms(median(times))} (worst ${ms(Math.max(...times))})`;
  };
  const indexed = await timeChanges((q) => db.execute(q));
  let unindexed = '';
  await db
    .transaction(async (tx) => {
      await tx.execute(sql`drop index ledger_accounts_org_changed_idx`);
      unindexed = await timeChanges((q) => tx.execute(q));
      throw new Error('rollback');
    })
    .catch((error: Error) => {
      if (error.message !== 'rollback') throw error;
    });
  console.log(
    `| ${name} | changed accounts' query, ms: indexed ${indexed}, without the index ${unindexed} |`,
  );
  await kernel.close();
}

console.log(`${machineLine(0)}; ${rounds} writes per statement`);
console.log(
  '| storage | statement | first ms | kept median ms | updated median ms | updated max ms | heap kept |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
const pglite = await pgliteDataset(today);
try {
  await benchStorage('PGlite', { kind: 'pglite', dataDir: pglite.dir }, pglite.dir);
} finally {
  rmSync(pglite.dir, { recursive: true, force: true });
}
if (process.env.BENCH_DATABASE_URL) {
  const pgData = await postgresDataset(process.env.BENCH_DATABASE_URL, today);
  try {
    await benchStorage(
      'PostgreSQL',
      { kind: 'postgres', url: pgData.url, poolMax: 10 },
      pgData.dataDir,
    );
  } finally {
    await pgData.drop();
  }
}
