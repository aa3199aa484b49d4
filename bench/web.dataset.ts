// The dashboard benchmark's data set, built once per version and month and cached:
//   - `iza demo` (seed 42): 1,000 ventures with a year of monthly KPIs, their ledger entities under
//     a EUR holding (each venture's base currency EUR, USD or GBP), the demo's three months of books
//     and EUR->USD/GBP rates, and the three sample workflows;
//   - per venture a foreign-currency bank account with its export-revenue and bank-fee accounts
//     (USD, EUR, GBP, CHF or JPY, never the venture's own), monthly rates for every pair over the
//     whole span, share capital, an intercompany loan from the holding (two linked legs, in each
//     entity's currency), then ordinary transfers spread over the 24 months up to today until the
//     ledger holds exactly 500,000 transfers, that is 1,000,000 postings;
//   - over HTTP on `iza start`: workflow executions (manual runs and webhook calls) and agents
//     with tasks (some waiting for approval), as the dashboard's pages list them.
// Everything goes through the services' own calls (createTransfers in batches of 8,000, the same
// checks, locks and audit entries as any client's), so balances equal the sums of postings by
// construction; `verifyLedger` checks it and the counts afterwards.
//
// The result is cached under $TMPDIR/iza-bench-web/<key>/ (key: DATASET_VERSION, size, seed and
// month): the PGlite data folder as a tar, the PostgreSQL database as a pg_dump.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createAccess } from '../src/access/index.ts';
import { localDemoPorts, runDemo } from '../src/flows/index.ts';
import { createKernel, createLogger, loadConfig, type StorageTarget } from '../src/kernel/index.ts';
import { createLedgerService } from '../src/ledger/index.ts';
import { portfolioServiceFor } from '../src/portfolio/index.ts';
import { createNodeRegistry } from '../src/workflows/index.ts';
import { createWorkflowsService } from '../src/workflows/workflows.service.ts';
import { addActivity } from './web.dataset.activity.ts';
import { fillLedger, verifyLedger } from './web.dataset.ledger.ts';
import { startIza } from './web.server.ts';

/** Bump when what the data set holds changes: a new key, so caches of the old one are ignored. */
export const DATASET_VERSION = 'web-dataset-1';
// Smaller sizes only to try the benchmark itself out; the figures in RESULTS.md use the defaults.
export const VENTURES = Number(process.env.BENCH_WEB_VENTURES ?? 1_000);
export const POSTINGS = Number(process.env.BENCH_WEB_POSTINGS ?? 1_000_000);
/** Months of ledger history, ending today. */
export const LEDGER_MONTHS = 24;
const SEED = 42;
/** The master key the data set's secrets are sealed with: fixed, so a restored dump opens. */
export const BENCH_MASTER_KEY = Buffer.alloc(32, 42).toString('base64');
export const ADMIN = {
  organisation: 'Northwind Studio',
  email: 'operator@studio.test',
  name: 'Olivia Operator',
  password: 'correct horse battery staple',
};

/** What the data set holds and how long it took to build, kept beside the cache. */
export interface DatasetFacts {
  key: string;
  storage: 'PGlite' | 'PostgreSQL';
  builtAt: string;
  seconds: { demo: number; ledger: number; activity: number; total: number };
  ventures: number;
  kpis: number;
  entities: number;
  accounts: number;
  fxRates: number;
  transfers: number;
  postings: number;
  currencies: string[];
  firstDay: string;
  lastDay: string;
  workflows: number;
  executions: number;
  agents: number;
  tasks: number;
}

export const cacheDir = (key: string) => join(tmpdir(), 'iza-bench-web', key);

export function datasetKey(today: string): string {
  return `${DATASET_VERSION}-v${VENTURES}-p${POSTINGS}-s${SEED}-${today.slice(0, 7)}`;
}

/** The environment an `iza start` of the data set runs with (a fast-moving bench client). */
export function serverEnv(dataDir: string, databaseUrl?: string): Record<string, string> {
  return {
    IZA_DATA_DIR: dataDir,
    IZA_MASTER_KEY: BENCH_MASTER_KEY,
    IZA_LOG_LEVEL: 'warn',
    // One bench client makes thousands of requests a minute and Lighthouse signs in many times.
    IZA_RATE_LIMIT_MAX: '10000000',
    IZA_RATE_LIMIT_AUTHENTICATED_MAX: '100000000',
    IZA_LOGIN_RATE_LIMIT_PER_MINUTE: '10000',
    // Lighthouse carries one session cookie for the whole run (it cannot refresh it).
    IZA_ACCESS_TOKEN_TTL_SECONDS: String(24 * 3600),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
}

const log = (line: string) => console.error(`dataset: ${line}`);
const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

/**
 * A PGlite data folder holding the data set, fresh from the cache (built first when missing).
 * The caller removes `dir` when done.
 */
export async function pgliteDataset(today: string): Promise<{ dir: string; facts: DatasetFacts }> {
  const key = datasetKey(today);
  const cache = cacheDir(key);
  const tar = join(cache, 'pglite.tar');
  const factsFile = join(cache, 'pglite.json');
  const dir = mkdtempSync(join(tmpdir(), 'iza-bench-web-pglite-'));
  if (!existsSync(tar) || !existsSync(factsFile)) {
    const started = performance.now();
    const build = join(dir, 'data');
    const facts = await build_(
      key,
      'PGlite',
      { kind: 'pglite', dataDir: build },
      build,
      undefined,
      today,
      started,
    );
    mkdirSync(cache, { recursive: true });
    execFileSync('tar', ['-cf', `${tar}.part`, '-C', dir, 'data']);
    execFileSync('mv', [`${tar}.part`, tar]);
    writeFileSync(factsFile, JSON.stringify(facts, null, 2));
    return { dir: build, facts };
  }
  const t = performance.now();
  execFileSync('tar', ['-xf', tar, '-C', dir]);
  log(`PGlite data folder restored from ${tar} in ${seconds(t)} s`);
  return {
    dir: join(dir, 'data'),
    facts: JSON.parse(readFileSync(factsFile, 'utf8')) as DatasetFacts,
  };
}

/**
 * A new database on the PostgreSQL server `serverUrl` holding the data set, restored from the
 * cached dump (built first when missing); `drop()` removes it.
 */
export async function postgresDataset(
  serverUrl: string,
  today: string,
): Promise<{ url: string; dataDir: string; facts: DatasetFacts; drop(): Promise<void> }> {
  const key = datasetKey(today);
  const cache = cacheDir(key);
  const dump = join(cache, 'postgres.dump');
  const factsFile = join(cache, 'postgres.json');
  const name = `iza_bench_web_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'iza-bench-web-pg-'));
  const drop = async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    let facts: DatasetFacts;
    if (!existsSync(dump) || !existsSync(factsFile)) {
      const started = performance.now();
      facts = await build_(
        key,
        'PostgreSQL',
        { kind: 'postgres', url, poolMax: 10 },
        dataDir,
        url,
        today,
        started,
      );
      mkdirSync(cache, { recursive: true });
      execFileSync('pg_dump', ['-Fc', '-Z1', '-f', `${dump}.part`, url]);
      execFileSync('mv', [`${dump}.part`, dump]);
      writeFileSync(factsFile, JSON.stringify(facts, null, 2));
    } else {
      const t = performance.now();
      execFileSync('pg_restore', ['--no-owner', '-j', '2', '-d', url, dump]);
      log(`PostgreSQL database ${name} restored from ${dump} in ${seconds(t)} s`);
      facts = JSON.parse(readFileSync(factsFile, 'utf8')) as DatasetFacts;
    }
    // Fresh planner statistics either way, as a server's autovacuum would have them.
    await new pg.Client({ connectionString: url }).connect().then(async (c) => {
      await c.query('analyze');
      await c.end();
    });
    return { url, dataDir, facts, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}

async function build_(
  key: string,
  storage: DatasetFacts['storage'],
  target: StorageTarget,
  dataDir: string,
  databaseUrl: string | undefined,
  today: string,
  started: number,
): Promise<DatasetFacts> {
  log(`building ${key} on ${storage} (cached afterwards)`);
  const config = loadConfig({
    env: { IZA_DATA_DIR: dataDir, IZA_MASTER_KEY: BENCH_MASTER_KEY, IZA_LOG_LEVEL: 'warn' },
  });
  const kernel = await createKernel({
    config,
    command: 'bench',
    storage: target,
    workJobs: false,
    log: createLogger({ level: 'warn' }),
  });
  let facts: Omit<DatasetFacts, 'seconds' | 'executions' | 'agents' | 'tasks'> & {
    seconds: Omit<DatasetFacts['seconds'], 'activity' | 'total'>;
  };
  try {
    const access = createAccess(kernel);
    const { organisation } = await access.users.createAdmin(ADMIN);
    const orgId = organisation.id;
    const scope = { orgId, ventureIds: null };
    const ledger = createLedgerService({ db: kernel.db, clock: kernel.clock, audit: access.audit });
    // `iza demo` on the services, as it runs when no server holds the data folder.
    const workflows = createWorkflowsService({
      db: kernel.db,
      clock: kernel.clock,
      audit: access.audit,
      events: kernel.events,
      registry: createNodeRegistry(),
    });
    let t = performance.now();
    const demo = await runDemo(
      localDemoPorts(portfolioServiceFor(kernel, access), ledger, scope, workflows),
      { seed: SEED, ventures: VENTURES, today },
    );
    const demoSeconds = seconds(t);
    log(
      `demo: ${demo.ventures} ventures, ${demo.kpis} KPI values, ${demo.ledger.transfers} transfers, ${demo.workflows} workflows in ${demoSeconds} s`,
    );
    t = performance.now();
    const books = await fillLedger(kernel.db, ledger, orgId, {
      seed: SEED,
      postings: POSTINGS,
      months: LEDGER_MONTHS,
      today,
      log,
    });
    const ledgerSeconds = seconds(t);
    log(`ledger filled in ${ledgerSeconds} s`);
    const counts = await verifyLedger(kernel.db, orgId, { postings: POSTINGS, log });
    facts = {
      key,
      storage,
      builtAt: new Date().toISOString(),
      seconds: { demo: demoSeconds, ledger: ledgerSeconds },
      ventures: demo.ventures,
      kpis: demo.kpis,
      ...counts,
      currencies: books.currencies,
      firstDay: books.firstDay,
      lastDay: today,
      workflows: demo.workflows,
    };
  } finally {
    await kernel.close();
  }
  const t = performance.now();
  const server = await startIza(serverEnv(dataDir, databaseUrl));
  try {
    const activity = await addActivity(server, ADMIN);
    const total = seconds(started);
    log(`activity added in ${seconds(t)} s; data set built in ${total} s`);
    return {
      ...facts,
      seconds: { ...facts.seconds, activity: seconds(t), total },
      ...activity,
    };
  } finally {
    await server.stop();
  }
}
