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
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createAccess } from '../src/access/index.ts';
import { demoUuid, localDemoPorts, runDemo, seededRandom } from '../src/flows/index.ts';
import {
  createKernel,
  createLogger,
  loadConfig,
  type Database,
  type StorageTarget,
} from '../src/kernel/index.ts';
import {
  MAX_BATCH,
  createLedgerService,
  type LedgerService,
  type TransferInput,
} from '../src/ledger/index.ts';
import { addMonths, portfolioServiceFor } from '../src/portfolio/index.ts';
import { createNodeRegistry } from '../src/workflows/index.ts';
import { createWorkflowsService } from '../src/workflows/workflows.service.ts';
import { signIn, startIza, type IzaProcess } from './web.server.ts';

/** Bump when what the data set holds changes: a new key, so caches of the old one are ignored. */
export const DATASET_VERSION = 'web-dataset-1';
// Smaller sizes only to try the benchmark itself out; the figures in RESULTS.md use the defaults.
export const VENTURES = Number(process.env.BENCH_WEB_VENTURES ?? 1_000);
export const POSTINGS = Number(process.env.BENCH_WEB_POSTINGS ?? 1_000_000);
/** Months of ledger history, ending today. */
export const LEDGER_MONTHS = 24;
const SEED = 42;
const BATCH = 8_000;
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

const FOREIGN = ['USD', 'EUR', 'GBP', 'CHF', 'JPY'] as const;
/** Units of each currency per euro where the rates start; a walk of at most 1.5% a month. */
const RATE_LEVELS: Record<string, number> = { USD: 1.05, GBP: 0.84, CHF: 0.95, JPY: 158 };
/** The demo records EUR->USD/GBP for its own months: the data set adds only what it lacks. */
const DEMO_PAIRS = new Set(['USD', 'GBP']);
const DEMO_RATE_MONTHS = 12;

/** What one kind of everyday transfer moves, with its share of all of them (percent). */
const KINDS: { weight: number; debit: string; credit: string; scale: number; text: string }[] = [
  { weight: 30, debit: '1100', credit: '4100', scale: 400, text: 'Subscription receipts' },
  { weight: 10, debit: '1200', credit: '4200', scale: 900, text: 'Product invoice' },
  { weight: 8, debit: '1100', credit: '1200', scale: 900, text: 'Invoice paid' },
  { weight: 15, debit: '6300', credit: '1100', scale: 120, text: 'Hosting and tools' },
  { weight: 5, debit: '6100', credit: '1100', scale: 2_500, text: 'Payroll' },
  { weight: 4, debit: '6200', credit: '1100', scale: 900, text: 'Rent' },
  { weight: 6, debit: '6400', credit: '1100', scale: 300, text: 'Campaign' },
  { weight: 3, debit: '6500', credit: '2000', scale: 600, text: 'Adviser invoice' },
  { weight: 3, debit: '2000', credit: '1100', scale: 600, text: 'Supplier paid' },
  { weight: 4, debit: '5000', credit: '1100', scale: 250, text: 'Cost of sales' },
  { weight: 2, debit: '6600', credit: '1100', scale: 8, text: 'Bank fees' },
  { weight: 7, debit: '1110', credit: '4110', scale: 700, text: 'Export receipts' },
  { weight: 3, debit: '6610', credit: '1110', scale: 10, text: 'Foreign bank fees' },
];

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
    const books = await fillLedger(kernel.db, ledger, orgId, today);
    const ledgerSeconds = seconds(t);
    log(`ledger filled in ${ledgerSeconds} s`);
    const counts = await verifyLedger(kernel.db, orgId);
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
    const activity = await addActivity(server);
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

type Db = Parameters<typeof verifyLedger>[0];

/** Accounts, rates, capital, intercompany loans and everyday transfers up to POSTINGS. */
async function fillLedger(
  db: Db,
  ledger: LedgerService,
  orgId: string,
  today: string,
): Promise<{ currencies: string[]; firstDay: string }> {
  const random = seededRandom(SEED * 7 + 1);
  const thisMonth = today.slice(0, 7);
  const firstMonth = addMonths(thisMonth, -(LEDGER_MONTHS - 1));
  const firstDay = `${firstMonth}-01`;
  const entities = await ledger.listEntities(orgId);
  const holding = entities.find((e) => e.kind === 'holding')!;
  const ventures = entities.filter((e) => e.kind === 'venture');

  // Rates: the first of every month from a month before the books start, for each pair from
  // the holding's EUR, less those the demo recorded.
  const rates: {
    base: string;
    quote: string;
    rate: string;
    effectiveOn: string;
    source: string;
  }[] = [];
  for (const [quote, level] of Object.entries(RATE_LEVELS)) {
    let value = level;
    for (let m = LEDGER_MONTHS; m >= 0; m--) {
      value *= 1 + (random() - 0.5) * 0.03;
      if (DEMO_PAIRS.has(quote) && m <= DEMO_RATE_MONTHS) continue;
      rates.push({
        base: 'EUR',
        quote,
        // A generated figure fixed to a decimal string once: a rate, never money.
        rate: value.toFixed(quote === 'JPY' ? 2 : 4),
        effectiveOn: `${addMonths(thisMonth, -m)}-01`,
        source: 'bench',
      });
    }
  }
  await ledger.recordFxRates(orgId, rates);

  // Each venture's foreign-currency accounts, under the template's parents.
  const accounts = new Map<string, Map<string, string>>();
  const currencyOf = new Map<string, string>();
  const foreignOf = new Map<string, string>();
  for (const entity of entities) {
    const rows = await ledger.listAccounts(orgId, { entityId: entity.id });
    accounts.set(entity.id, new Map(rows.map((a) => [a.code, a.id])));
    currencyOf.set(entity.id, entity.baseCurrency);
  }
  await inParallel(ventures, 4, async (entity, i) => {
    const choices = FOREIGN.filter((c) => c !== entity.baseCurrency);
    const foreign = choices[i % choices.length]!;
    foreignOf.set(entity.id, foreign);
    const codes = accounts.get(entity.id)!;
    for (const [code, name, type, parent, cash] of [
      ['1110', `Bank (${foreign})`, 'asset', '1100', true],
      ['4110', `Export revenue (${foreign})`, 'revenue', '4000', false],
      ['6610', `Bank fees (${foreign})`, 'expense', '6000', false],
    ] as const) {
      const account = await ledger.createAccount(orgId, {
        entityId: entity.id,
        code,
        name,
        type,
        currency: foreign,
        parentAccountId: codes.get(parent)!,
        cash,
      });
      codes.set(code, account.id);
    }
  });

  const at = (day: string, ms: number) => new Date(new Date(`${day}T00:00:00.000Z`).getTime() + ms);
  const submit = async (transfers: TransferInput[]) => {
    for (let i = 0; i < transfers.length; i += MAX_BATCH) {
      const results = await ledger.createTransfers(orgId, transfers.slice(i, i + MAX_BATCH));
      const refused = results.find((r) => r.result !== 'ok');
      if (refused) throw new Error(`a data-set transfer was refused: ${refused.result}`);
    }
  };
  // Share capital: the holding's, then each venture's, on the first day.
  const capital = (entityId: string, amount: bigint): TransferInput => ({
    id: demoUuid(`bench/${SEED}/capital/${entityId}`),
    debitAccountId: accounts.get(entityId)!.get('1100')!,
    creditAccountId: accounts.get(entityId)!.get('3000')!,
    amount,
    currency: currencyOf.get(entityId)!,
    effectiveAt: at(firstDay, 9 * 3_600_000),
    description: 'Share capital',
  });
  await submit([
    capital(holding.id, 500_000_000n),
    ...ventures.map((v) => capital(v.id, BigInt(2_000_000 + Math.floor(random() * 8_000_000)))),
  ]);
  // An intercompany loan from the holding to each venture in its second month, in EUR
  // (converted into the venture's currency at that day's rate): two linked legs each.
  const loanDay = `${addMonths(firstMonth, 1)}-03`;
  await inParallel(ventures, 4, async (venture) => {
    const result = await ledger.createIntercompanyTransfer(orgId, {
      id: demoUuid(`bench/${SEED}/loan/${venture.id}`),
      kind: 'loan',
      fromEntityId: holding.id,
      toEntityId: venture.id,
      amount: BigInt(1_000_000 + Math.floor(random() * 4_000_000)),
      currency: 'EUR',
      effectiveAt: at(loanDay, 10 * 3_600_000),
      description: 'Working capital loan',
    });
    if (result.result !== 'ok') throw new Error(`a data-set loan was refused: ${result.result}`);
  });

  // Everyday transfers until the ledger holds POSTINGS / 2 transfers, spread evenly over the
  // ventures and uniformly over the days from the first day to now.
  const [{ count }] = (
    (await db.execute(
      sql`select count(*)::int as count from ledger_transfers where org_id = ${orgId}`,
    )) as { rows: [{ count: number }] }
  ).rows;
  const remaining = POSTINGS / 2 - count;
  const span = Date.now() - new Date(`${firstDay}T00:00:00.000Z`).getTime();
  const total = KINDS.reduce((s, k) => s + k.weight, 0);
  const started = performance.now();
  for (let done = 0; done < remaining; done += BATCH) {
    const batch: TransferInput[] = [];
    for (let i = done; i < Math.min(remaining, done + BATCH); i++) {
      const venture = ventures[i % ventures.length]!;
      let r = random() * total;
      const kind = KINDS.find((k) => (r -= k.weight) < 0) ?? KINDS[0]!;
      const foreign = kind.debit.startsWith('1110') || kind.credit === '1110';
      const currency = foreign ? foreignOf.get(venture.id)! : currencyOf.get(venture.id)!;
      // Whole units of about `scale` (JPY has no minor unit, and a yen is worth little).
      const major = kind.scale * (0.2 + random() * 1.6) * (currency === 'JPY' ? 150 : 1);
      const codes = accounts.get(venture.id)!;
      batch.push({
        id: demoUuid(`bench/${SEED}/t/${i}`),
        debitAccountId: codes.get(kind.debit)!,
        creditAccountId: codes.get(kind.credit)!,
        amount: BigInt(Math.max(1, Math.round(major * (currency === 'JPY' ? 1 : 100)))),
        currency,
        effectiveAt: new Date(Date.now() - Math.floor(random() * span) - 60_000),
        description: kind.text,
      });
    }
    await submit(batch);
    const n = Math.min(remaining, done + BATCH);
    if ((done / BATCH) % 10 === 0 || n === remaining) {
      log(
        `${n} of ${remaining} everyday transfers (${Math.round(n / ((performance.now() - started) / 1000))}/s)`,
      );
    }
  }
  return {
    currencies: [...new Set([...currencyOf.values(), ...foreignOf.values()])].sort(),
    firstDay,
  };
}

/** Counts, and every account's totals equal to the sums of its postings (the ledger's invariant). */
export async function verifyLedger(
  db: Database,
  orgId: string,
): Promise<{
  entities: number;
  accounts: number;
  fxRates: number;
  transfers: number;
  postings: number;
}> {
  const one = async (query: ReturnType<typeof sql>) =>
    Number(((await db.execute(query)) as { rows: { n: number | string }[] }).rows[0]!.n);
  const counts = {
    entities: await one(sql`select count(*) as n from ledger_entities where org_id = ${orgId}`),
    accounts: await one(sql`select count(*) as n from ledger_accounts where org_id = ${orgId}`),
    fxRates: await one(sql`select count(*) as n from ledger_fx_rates where org_id = ${orgId}`),
    transfers: await one(
      sql`select count(*) as n from ledger_transfers where org_id = ${orgId} and status = 'posted'`,
    ),
    postings: await one(sql`select count(*) as n from ledger_postings where org_id = ${orgId}`),
  };
  const unbalanced = await one(sql`
    select count(*) as n from ledger_accounts a
    left join (
      select account_id,
        sum(case when side = 'debit' then amount else 0 end) as debits,
        sum(case when side = 'credit' then amount else 0 end) as credits
      from ledger_postings where org_id = ${orgId} and not pending group by account_id
    ) p on p.account_id = a.id
    where a.org_id = ${orgId}
      and (a.debits_posted <> coalesce(p.debits, 0) or a.credits_posted <> coalesce(p.credits, 0))`);
  const sides = await one(sql`
    select count(*) as n from (
      select transfer_id from ledger_postings where org_id = ${orgId}
      group by transfer_id
      having sum(case when side = 'debit' then amount else -amount end) <> 0) t`);
  if (counts.postings !== POSTINGS || unbalanced !== 0 || sides !== 0) {
    throw new Error(
      `the data set is not what it should be: ${JSON.stringify({ ...counts, unbalanced, unbalancedTransfers: sides })}`,
    );
  }
  log(`verified: ${JSON.stringify(counts)}, every account's totals equal its postings' sums`);
  return counts;
}

/**
 * Over HTTP, on a running server: executions of the sample workflows (manual runs of the
 * scheduled one, calls of the webhook ones) and agents with tasks, a few waiting for approval.
 */
async function addActivity(
  server: IzaProcess,
): Promise<{ executions: number; agents: number; tasks: number }> {
  const session = await signIn(server.url, ADMIN.email, ADMIN.password);
  const { workflows } = await session.get<{
    workflows: { id: string; name: string; active: boolean }[];
  }>('/api/v1/workflows?limit=100');
  const { slug } = (await session.get<{ organisation: { slug: string } }>('/api/v1/auth/me'))
    .organisation;
  let executions = 0;
  for (const workflow of workflows) {
    const { definition } = await session.get<{
      definition: { nodes: { type: string; parameters: { path?: string } }[] };
    }>(`/api/v1/workflows/${workflow.id}`);
    const hook = definition.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
    for (let i = 0; i < 100; i++) {
      if (hook?.parameters.path && workflow.active) {
        const res = await fetch(`${server.url}/o/${slug}/webhook/${hook.parameters.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            venture: `demo-${i}`,
            amount: i * 10,
            status: i % 7 ? 'ok' : 'failed',
          }),
        });
        await res.arrayBuffer();
      } else {
        await session.post(`/api/v1/workflows/${workflow.id}/run`, {});
      }
      executions++;
    }
  }
  const agents = [
    {
      botId: 'echo-1',
      name: 'Echo one',
      kind: 'code',
      handler: 'echo',
      capabilities: ['echo', 'summarise'],
    },
    { botId: 'echo-2', name: 'Echo two', kind: 'code', handler: 'echo', capabilities: ['echo'] },
    {
      botId: 'noop-1',
      name: 'Quiet worker',
      kind: 'code',
      handler: 'noop',
      capabilities: ['noop'],
    },
    {
      botId: 'analyst',
      name: 'Portfolio analyst',
      kind: 'llm',
      capabilities: ['summarise', 'analyse'],
      llm: { provider: 'builtin', model: 'builtin' },
    },
    {
      botId: 'gatekeeper',
      name: 'Payments gatekeeper',
      kind: 'code',
      handler: 'echo',
      capabilities: ['payments'],
      requiresApproval: true,
    },
  ];
  for (const agent of agents) await session.post('/api/v1/agents', agent);
  let tasks = 0;
  for (let i = 0; i < 300; i++) {
    const capability = ['echo', 'summarise', 'noop', 'analyse'][i % 4]!;
    await session.post('/api/v1/agents/tasks', {
      capabilities: [capability],
      input: { prompt: `Task ${i}: ${capability} the week`, n: i },
      correlationId: `bench-${i}`,
    });
    tasks++;
  }
  for (let i = 0; i < 5; i++) {
    await session.post('/api/v1/agents/tasks', {
      capabilities: ['payments'],
      input: { payout: i },
    });
    tasks++;
  }
  // Until the queue has run everything that is not waiting for a person.
  for (let i = 0; i < 600; i++) {
    const open = await session.get<{ state: string }[]>(
      '/api/v1/agents/tasks?state=queued&limit=100',
    );
    const running = await session.get<{ state: string }[]>(
      '/api/v1/agents/tasks?state=running&limit=100',
    );
    if (open.length === 0 && running.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { executions, agents: agents.length, tasks };
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}
