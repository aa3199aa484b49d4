// Latency of the portfolio's read API with 1,000 ventures and a year of monthly KPIs (4 metrics:
// 48,000 values), on embedded PGlite and on a PostgreSQL server: the ventures list (first page,
// a filtered and searched page, a deep keyset page), the roll-ups (whole portfolio and one
// category) and a health score. Requests go through the whole HTTP stack in-process
// (`app.inject`: access hook with an API key, validation, envelope), one at a time.
//
//   node bench/portfolio.bench.ts   (BENCH_REQUESTS per route, default 300; the server is
//                                    BENCH_DATABASE_URL, skipped when unset)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createAccess } from '../src/access/index.ts';
import { createKernel, createLogger, loadConfig, type StorageTarget } from '../src/kernel/index.ts';
import { createLedgerService } from '../src/ledger/index.ts';
import { localDemoPorts, runDemo } from '../src/flows/index.ts';
import { portfolioServiceFor } from '../src/portfolio/index.ts';
import { buildApp } from '../src/server/index.ts';
import { machineLine } from './lib.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const VENTURES = 1_000;

interface Row {
  storage: string;
  route: string;
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

async function benchStorage(name: string, target: StorageTarget): Promise<Row[]> {
  const config = loadConfig({
    env: {
      IZA_MASTER_KEY: randomBytes(32).toString('base64'),
      IZA_LOG_LEVEL: 'warn',
      IZA_RATE_LIMIT_MAX: '1000000',
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
      organisation: 'Bench Studio',
      email: 'bench@bench.test',
      name: 'Bench',
      password: 'correct horse battery staple',
    });
    const scope = { orgId: organisation.id, ventureIds: null };
    const started = Date.now();
    const ledger = createLedgerService({ db: kernel.db, clock: kernel.clock, audit: access.audit });
    const report = await runDemo(
      localDemoPorts(portfolioServiceFor(kernel, access), ledger, scope),
      {
        seed: 42,
        ventures: VENTURES,
        today: new Date().toISOString().slice(0, 10),
      },
    );
    console.error(
      `${name}: ${report.ventures} ventures, ${report.kpis} KPI values, ${report.ledger.transfers} transfers in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const key = await access.apiKeys.create(
      organisation.id,
      { name: 'bench', role: 'viewer' },
      { role: 'system', userId: null },
    );
    const app = await buildApp({ kernel, access });
    const headers = { authorization: `Bearer ${key.key}` };
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json<{ data: Record<string, unknown> }>().data;
    };
    // A cursor 600 ventures deep.
    let cursor = '';
    for (let i = 0; i < 3; i++) {
      const page = await get(
        `/api/v1/portfolio/ventures?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      cursor = String(page.nextCursor);
    }
    const slug = (
      (await get('/api/v1/portfolio/ventures?limit=1')).ventures as { slug: string }[]
    )[0]!.slug;
    const routes: [string, string][] = [
      ['ventures list, first 50 by name', '/api/v1/portfolio/ventures?limit=50'],
      [
        'ventures list, category + stage + search',
        '/api/v1/portfolio/ventures?category=technology&stage=growing&search=a&limit=50',
      ],
      [
        'ventures list, 50 after 600 (cursor)',
        `/api/v1/portfolio/ventures?limit=50&cursor=${cursor}`,
      ],
      [
        'ventures list, tag, newest first',
        '/api/v1/portfolio/ventures?tag=core&sort=createdAt&order=desc&limit=50',
      ],
      ['roll-ups, whole portfolio', '/api/v1/portfolio/rollups'],
      ['roll-ups, one category', '/api/v1/portfolio/rollups?category=financial'],
      ['health of one venture', `/api/v1/portfolio/ventures/${slug}/health`],
    ];
    const rows: Row[] = [];
    for (const [route, url] of routes) {
      for (let i = 0; i < 20; i++) await get(url);
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const t = performance.now();
        await get(url);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const row = {
        storage: name,
        route,
        p50: Math.round(percentile(times, 50) * 10) / 10,
        p99: Math.round(percentile(times, 99) * 10) / 10,
      };
      console.error(`  ${route}: p50 ${row.p50} ms, p99 ${row.p99} ms`);
      rows.push(row);
    }
    await app.close();
    return rows;
  } finally {
    await kernel.close();
  }
}

async function withServerDatabase(url: string, run: (target: StorageTarget) => Promise<Row[]>) {
  const db = `iza_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${db}`);
  const target = new URL(url);
  target.pathname = `/${db}`;
  try {
    return await run({ kind: 'postgres', url: target.toString(), poolMax: 10 });
  } finally {
    await admin.query(`drop database if exists ${db} with (force)`);
    await admin.end();
  }
}

const rows = await benchStorage('PGlite', { kind: 'memory' });
const serverUrl = process.env.BENCH_DATABASE_URL;
if (serverUrl)
  rows.push(...(await withServerDatabase(serverUrl, (t) => benchStorage('PostgreSQL', t))));
console.log(`${machineLine(0)}, ${REQUESTS} sequential requests per route`);
console.log('| storage | route | p50 ms | p99 ms |');
console.log('| --- | --- | ---: | ---: |');
for (const r of rows) console.log(`| ${r.storage} | ${r.route} | ${r.p50} | ${r.p99} |`);
