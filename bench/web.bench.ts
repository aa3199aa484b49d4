// The dashboard as a user's browser meets it, on `iza start` holding the benchmark's data set
// (web.dataset.ts: 1,000 ventures from `iza demo`, 1,000,000 ledger postings over 24 months in
// five currencies, workflow executions, agents and tasks), on embedded PGlite and, when
// BENCH_DATABASE_URL names a PostgreSQL server, on a new database there:
//   1. the JavaScript index.html loads before the first render (entry + modulepreloads), gzip
//      and brotli (goal: under 300 KB gzip), and the CSS;
//   2. p50/p99 of every API call the pages make, over HTTP with the session cookie, the two
//      storages taking turns (goal: p99 under 100 ms; web.api.ts);
//   3. Lighthouse (performance, accessibility, best practices, SEO; goal 90+ each) on every page,
//      mobile and desktop, on PGlite (web.lighthouse.ts).
//
//   node bench/web.bench.ts   (BENCH_REQUESTS per API call and storage, default 300, after
//                              BENCH_WARMUPS, default 20, within BENCH_CALL_SECONDS, default 120;
//                              BENCH_LIGHTHOUSE_RUNS per page and setting, default 3;
//                              BENCH_DATABASE_URL; CHROMIUM_PATH; BENCH_SKIP=api,lighthouse;
//                              BENCH_CALLS="Home: overview|Financial" to time only those calls;
//                              BENCH_PAGES="Financial|Settings" for Lighthouse on those pages)
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { DEFAULT_WEB_ROOT } from '../src/server/index.ts';
import { buildDashboard } from '../test/helpers/web-server.ts';
import { machineLine } from './lib.ts';
import { measureCalls, retried, type Call, type CallRow, type Target } from './web.api.ts';
import {
  ADMIN,
  cacheDir,
  datasetKey,
  pgliteDataset,
  postgresDataset,
  serverEnv,
  type DatasetFacts,
} from './web.dataset.ts';
import { CATEGORIES, median, runLighthouse, type Page, type PageResult } from './web.lighthouse.ts';
import { signIn, startIza, type IzaProcess, type Session } from './web.server.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const WARMUPS = Number(process.env.BENCH_WARMUPS ?? 20);
const CALL_SECONDS = Number(process.env.BENCH_CALL_SECONDS ?? 120);
const LIGHTHOUSE_RUNS = Math.max(1, Number(process.env.BENCH_LIGHTHOUSE_RUNS ?? 3));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const POSTGRES = process.env.BENCH_DATABASE_URL;
const PAGES = (process.env.BENCH_PAGES ?? '').split('|').filter(Boolean);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const say = (line: string) => console.error(line);
const began = new Date();
const today = began.toISOString().slice(0, 10);

// --- 1. what index.html loads ------------------------------------------------------------------
buildDashboard();
const html = readFileSync(join(DEFAULT_WEB_ROOT, 'index.html'), 'utf8');
const referenced = (pattern: RegExp) => [...html.matchAll(pattern)].map((m) => m[1]!);
const scripts = [
  ...referenced(/<script[^>]+src="([^"]+)"/g),
  ...referenced(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g),
];
const styles = referenced(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g);
const sizes = (files: string[]) =>
  files.reduce(
    (sum, file) => {
      const bytes = readFileSync(join(DEFAULT_WEB_ROOT, file.replace(/^\//, '')));
      return {
        raw: sum.raw + bytes.length,
        gzip: sum.gzip + gzipSync(bytes, { level: 9 }).length,
        brotli: sum.brotli + brotliCompressSync(bytes).length,
      };
    },
    { raw: 0, gzip: 0, brotli: 0 },
  );
const js = sizes(scripts);
const css = sizes(styles);
say(`initial JS: ${scripts.length} files, ${kb(js.raw)}, gzip ${kb(js.gzip)}`);

// --- the servers ---------------------------------------------------------------------------------
interface Running {
  storage: 'PGlite' | 'PostgreSQL';
  server: IzaProcess;
  session: Session;
  facts: DatasetFacts;
  cleanup(): Promise<void>;
}
const running: Running[] = [];
const stopAll = async () => {
  for (const r of running.splice(0)) {
    await r.server.stop().catch(() => undefined);
    await r.cleanup().catch(() => undefined);
  }
};
let latency: { rows: CallRow[]; load: number[] } = { rows: [], load: [] };
let lighthouse: Awaited<ReturnType<typeof runLighthouse>> | undefined;
let pages: Page[];
try {
  {
    const { dir, facts } = await pgliteDataset(today);
    const server = await startIza(serverEnv(dir, undefined));
    running.push({
      storage: 'PGlite',
      server,
      session: await signIn(server.url, ADMIN.email, ADMIN.password),
      facts,
      cleanup: async () => rmSync(join(dir, '..'), { recursive: true, force: true }),
    });
  }
  if (POSTGRES) {
    const db = await postgresDataset(POSTGRES, today);
    const server = await startIza(serverEnv(db.dataDir, db.url));
    running.push({
      storage: 'PostgreSQL',
      server,
      session: await signIn(server.url, ADMIN.email, ADMIN.password),
      facts: db.facts,
      cleanup: () => db.drop(),
    });
  }
  const main = running[0]!.session;

  // What the pages show first: the first venture by name (its slug is the same on every
  // storage) with its ledger entity, the holding, and the newest execution and its workflow
  // (ids differ per storage).
  const venture = (
    await main.get<{ ventures: { slug: string }[] }>(
      '/api/v1/portfolio/ventures?sort=name&order=asc&limit=1',
    )
  ).ventures[0]!;
  const ids = new Map<
    string,
    {
      entity: string;
      holding: string;
      workflow: string;
      execution: string;
      /** Two of the holding's EUR accounts, for a transfer that makes a statement stale. */
      bank: { debit: string; credit: string };
    }
  >();
  for (const r of running) {
    const list =
      await r.session.get<{ id: string; kind: string; code: string }[]>('/api/v1/ledger/entities');
    const v = await r.session.get<{ ledgerEntityId: string }>(
      `/api/v1/portfolio/ventures/${venture.slug}`,
    );
    const e = (
      await r.session.get<{ executions: { id: string; workflowId: string }[] }>(
        '/api/v1/workflows/executions?limit=1',
      )
    ).executions[0]!;
    const holding = list.find((x) => x.kind === 'holding')!.id;
    const accounts = await r.session.get<{ id: string; code: string; currency: string }[]>(
      `/api/v1/ledger/accounts?entityId=${holding}`,
    );
    const eur = (code: string) => accounts.find((a) => a.code === code && a.currency === 'EUR')!.id;
    ids.set(r.storage, {
      entity: v.ledgerEntityId,
      holding,
      bank: { debit: eur('1000'), credit: eur('1100') },
      workflow: e.workflowId,
      execution: e.id,
    });
  }
  const kpis = await main.get<{
    kpis: { metric: string; day: string; period: string; value: string }[];
  }>(`/api/v1/portfolio/ventures/${venture.slug}/kpis?metrics=customers`);
  const lastCustomers = kpis.kpis.filter((k) => k.metric === 'customers').at(-1)!;
  const yearAgo = new Date(began.getTime() - 364 * 86_400_000).toISOString().slice(0, 10);
  const failedSince = new Date(began.getTime() - 7 * 86_400_000).toISOString();

  // --- 2. API latency --------------------------------------------------------------------------
  if (!SKIP.has('api')) {
    // A portfolio write drops the organisation's cached overview (in every process), and the
    // venture it changed is read again: the venture's latest customer count, one more and back
    // again in turn, makes the next overview a computation of the same month.
    let flip = 0;
    const dropCache = async (session: Session) => {
      const ventureId = (
        await session.get<{ id: string }>(`/api/v1/portfolio/ventures/${venture.slug}`)
      ).id;
      await session.post('/api/v1/portfolio/kpis', {
        kpis: [
          {
            ventureId,
            metric: 'customers',
            day:
              lastCustomers.period === 'month' ? lastCustomers.day.slice(0, 7) : lastCustomers.day,
            value: String(BigInt(lastCustomers.value) + BigInt(flip++ % 2)),
          },
        ],
      });
    };
    const per = (storage: string) => ids.get(storage)!;
    // One cent moved between two of the holding's cash accounts, today: every statement of the
    // organisation is computed afresh by the next request (the holding's figures barely move).
    const storageOf = new Map(running.map((r) => [r.session, r.storage]));
    const staleStatements = async (session: Session) => {
      const { debit, credit } = per(storageOf.get(session)!).bank;
      await session.post('/api/v1/ledger/transfers', {
        transfers: [
          {
            id: randomUUID(),
            debitAccountId: debit,
            creditAccountId: credit,
            amount: '1',
            currency: 'EUR',
          },
        ],
      });
    };
    const calls: Call[] = [
      { page: 'all', name: 'who is signed in', path: '/api/v1/auth/me' },
      { page: 'Home', name: 'overview (cached)', path: '/api/v1/portfolio/overview' },
      {
        page: 'Home',
        name: 'overview in USD (cached)',
        path: '/api/v1/portfolio/overview?currency=USD',
      },
      {
        page: 'Home',
        name: 'overview, computed',
        path: '/api/v1/portfolio/overview',
        before: dropCache,
      },
      {
        page: 'Home',
        name: 'overview in USD, computed',
        path: '/api/v1/portfolio/overview?currency=USD',
        before: dropCache,
      },
      {
        page: 'Home',
        name: 'failed executions, 7 days',
        path: `/api/v1/workflows/executions?status=failed&from=${encodeURIComponent(failedSince)}&limit=5`,
      },
      { page: 'Home', name: 'tasks waiting', path: '/api/v1/agents/tasks?state=waiting&limit=100' },
      { page: 'Businesses', name: 'categories', path: '/api/v1/portfolio/categories' },
      {
        page: 'Businesses',
        name: 'first 50 by name',
        path: '/api/v1/portfolio/ventures?sort=name&order=asc&limit=50',
      },
      {
        page: 'Businesses',
        name: 'by MRR, highest first',
        path: '/api/v1/portfolio/ventures?sort=mrr&order=desc&limit=50',
      },
      {
        page: 'Businesses',
        name: 'by health',
        path: '/api/v1/portfolio/ventures?sort=health&order=asc&limit=50',
      },
      {
        page: 'Businesses',
        name: 'by latest KPI',
        path: '/api/v1/portfolio/ventures?sort=lastKpi&order=desc&limit=50',
      },
      {
        page: 'Businesses',
        name: 'search + category',
        path: '/api/v1/portfolio/ventures?search=a&category=technology&sort=name&order=asc&limit=50',
      },
      {
        page: 'Businesses',
        name: 'CSV export (500 a page)',
        path: '/api/v1/portfolio/ventures?sort=name&order=asc&limit=500',
      },
      { page: 'Venture', name: 'venture', path: `/api/v1/portfolio/ventures/${venture.slug}` },
      {
        page: 'Venture',
        name: 'health',
        path: `/api/v1/portfolio/ventures/${venture.slug}/health`,
      },
      {
        page: 'Venture',
        name: 'KPI series',
        path: `/api/v1/portfolio/ventures/${venture.slug}/kpis`,
      },
      { page: 'Venture', name: 'metrics', path: '/api/v1/portfolio/metrics' },
      { page: 'Venture', name: 'members', path: '/api/v1/users' },
      {
        page: 'Venture',
        name: 'ledger entity',
        path: (s) => `/api/v1/ledger/entities/${per(s).entity}`,
      },
      { page: 'Financial', name: 'entities', path: '/api/v1/ledger/entities' },
      ...(
        [
          ['balance sheet', 'balance-sheet', `asOf=${today}`],
          ['profit and loss, 12 months', 'profit-and-loss', `from=${yearAgo}&to=${today}`],
          ['trial balance', 'trial-balance', `asOf=${today}`],
          ['cash flow, year to date', 'cash-flow', `from=${today.slice(0, 4)}-01-01&to=${today}`],
        ] as const
      ).flatMap(([name, kind, range]) => [
        {
          page: 'Financial',
          name: `${name}: a venture`,
          path: (s: string) =>
            `/api/v1/ledger/reports/${kind}?entityId=${per(s).entity}&detail=summary&${range}`,
        },
        {
          page: 'Financial',
          name: `${name}: holding, consolidated`,
          path: (s: string) =>
            `/api/v1/ledger/reports/${kind}?entityId=${per(s).holding}&consolidated=true&detail=summary&${range}`,
        },
        {
          page: 'Financial',
          name: `${name}: holding, consolidated, computed`,
          path: (s: string) =>
            `/api/v1/ledger/reports/${kind}?entityId=${per(s).holding}&consolidated=true&detail=summary&${range}`,
          before: staleStatements,
        },
        // What an API client asking for every detail reads (the dashboard does not).
        ...(kind === 'trial-balance'
          ? [
              {
                page: 'Financial',
                name: `${name}: holding, consolidated, every detail`,
                path: (s: string) =>
                  `/api/v1/ledger/reports/${kind}?entityId=${per(s).holding}&consolidated=true&rates=currencies&${range}`,
              },
            ]
          : []),
      ]),
      {
        page: 'Financial',
        name: "a venture's accounts",
        path: (s) => `/api/v1/ledger/accounts?entityId=${per(s).entity}`,
      },
      { page: 'Workflows', name: 'workflows', path: '/api/v1/workflows?limit=100' },
      {
        page: 'Workflows',
        name: 'executions, newest 25',
        path: '/api/v1/workflows/executions?limit=25',
      },
      { page: 'Workflow', name: 'workflow', path: (s) => `/api/v1/workflows/${per(s).workflow}` },
      {
        page: 'Workflow',
        name: 'versions',
        path: (s) => `/api/v1/workflows/${per(s).workflow}/versions`,
      },
      {
        page: 'Workflow',
        name: 'its executions, newest 20',
        path: (s) => `/api/v1/workflows/executions?workflow=${per(s).workflow}&limit=20`,
      },
      {
        page: 'Execution',
        name: 'execution',
        path: (s) => `/api/v1/workflows/executions/${per(s).execution}`,
      },
      { page: 'Agents', name: 'agents', path: '/api/v1/agents' },
      { page: 'Agents', name: 'metrics', path: '/api/v1/agents/metrics' },
      { page: 'Agents', name: 'tasks, newest 25', path: '/api/v1/agents/tasks?limit=25' },
      { page: 'Agents', name: 'tasks, newest 50', path: '/api/v1/agents/tasks?limit=50' },
      { page: 'Monitoring', name: 'MCP servers', path: '/api/v1/mcp/servers' },
      { page: 'Settings', name: 'sessions', path: '/api/v1/auth/sessions' },
      { page: 'Settings', name: 'API keys', path: '/api/v1/api-keys' },
    ];
    // BENCH_CALLS: parts of "<page>: <call>" separated by "|", to measure only those again.
    const only = (process.env.BENCH_CALLS ?? '').split('|').filter(Boolean);
    const chosen =
      only.length > 0
        ? calls.filter((c) => only.some((o) => `${c.page}: ${c.name}`.includes(o)))
        : calls;
    const rows: CallRow[] = [];
    const load: number[] = [];
    const targets: Target[] = running.map((r) => ({ storage: r.storage, session: r.session }));
    for (const call of chosen) {
      const measured = await measureCalls(
        [call],
        targets,
        { requests: REQUESTS, warmups: WARMUPS, rounds: 3, budgetSeconds: CALL_SECONDS },
        say,
      );
      rows.push(...measured.rows);
      load.push(...measured.load);
    }
    latency = { rows, load };
    for (const r of running) {
      const n = retried.get(r.server.url);
      if (n) say(`${r.storage}: ${n} request(s) sent again after the server closed the connection`);
    }
  }

  // --- 3. Lighthouse -----------------------------------------------------------------------------
  const first = ids.get(running[0]!.storage)!;
  pages = [
    { name: 'Sign-in', path: '/login', signedIn: false },
    { name: 'Home', path: '/', signedIn: true },
    { name: 'Businesses', path: '/businesses', signedIn: true },
    { name: 'Venture', path: `/businesses/${venture.slug}`, signedIn: true },
    { name: 'Financial', path: '/financial', signedIn: true },
    { name: 'Workflows', path: '/workflows', signedIn: true },
    { name: 'Workflow', path: `/workflows/${first.workflow}`, signedIn: true },
    { name: 'Execution', path: `/workflows/executions/${first.execution}`, signedIn: true },
    { name: 'Agents', path: '/agents', signedIn: true },
    { name: 'Monitoring', path: '/monitoring', signedIn: true },
    { name: 'Settings', path: '/settings', signedIn: true },
  ].filter((page) => PAGES.length === 0 || PAGES.includes(page.name));
  if (!SKIP.has('lighthouse')) {
    lighthouse = await runLighthouse({
      baseUrl: running[0]!.server.url,
      cookie: running[0]!.session.cookie,
      pages,
      runs: LIGHTHOUSE_RUNS,
      chromium: CHROMIUM,
      settle: async () => {
        const t = performance.now();
        await running[0]!.session.get('/api/v1/ledger/entities');
        return performance.now() - t;
      },
      reportDir: join(
        cacheDir(datasetKey(today)),
        'lighthouse',
        began.toISOString().replace(/[:.]/g, '-'),
      ),
      progress: say,
    });
  }
} finally {
  await stopAll();
}

// --- report ----------------------------------------------------------------------------------------
const ended = new Date();
const loads = [...latency.load, ...(lighthouse?.load ?? [])];
console.log(
  `${machineLine(0)}; ${began.toISOString().slice(0, 16).replace('T', ' ')} to ${ended.toISOString().slice(11, 16)} UTC; load average (1 min) ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} while measuring`,
);
console.log('');
console.log('| what index.html loads | files | raw | gzip -9 | brotli |');
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(
  `| JavaScript | ${scripts.length} | ${kb(js.raw)} | ${kb(js.gzip)} | ${kb(js.brotli)} |`,
);
console.log(`| CSS | ${styles.length} | ${kb(css.raw)} | ${kb(css.gzip)} | ${kb(css.brotli)} |`);
if (latency.rows.length > 0) {
  const storages = [...new Set(latency.rows.map((r) => r.storage))];
  console.log('');
  console.log(
    `| API call (HTTP, session cookie) | ${storages.map((s) => `${s} p50 ms | ${s} p99 ms`).join(' | ')} |`,
  );
  console.log(`| --- | ${storages.map(() => '---: | ---:').join(' | ')} |`);
  const keys = [...new Set(latency.rows.map((r) => `${r.page}: ${r.call}`))];
  for (const key of keys) {
    const cells = storages.map((s) => {
      const r = latency.rows.find((x) => `${x.page}: ${x.call}` === key && x.storage === s);
      if (!r) return '- | -';
      const n = r.n < REQUESTS ? ` (n ${r.n})` : '';
      const p99 = r.p99 >= 100 ? `**${r.p99}**` : String(r.p99);
      return `${r.p50} | ${p99}${n}`;
    });
    console.log(`| ${key} | ${cells.join(' | ')} |`);
  }
}
if (lighthouse) {
  const table = (rs: PageResult[], preset: string) => rs.find((r) => r.preset === preset);
  console.log('');
  console.log(
    `| Lighthouse ${CATEGORIES.join(' / ')} (median of ${LIGHTHOUSE_RUNS}; performance range) | mobile | desktop |`,
  );
  console.log('| --- | --- | --- |');
  for (const page of pages) {
    const of = (preset: string) => {
      const r = table(
        lighthouse.results.filter((x) => x.page === page.name),
        preset,
      );
      if (!r) return '-';
      const medians = CATEGORIES.map((c) => {
        const m = median(r.runs[c]);
        return m < 90 ? `**${m}**` : String(m);
      });
      const perf = [...r.runs.performance].sort((a, b) => a - b);
      const range = perf.length > 1 ? ` (${perf[0]}-${perf[perf.length - 1]})` : '';
      return `${medians.join(' / ')}${range}`;
    };
    console.log(`| ${page.name} | ${of('mobile')} | ${of('desktop')} |`);
  }
  if (lighthouse.failedRuns.length > 0) {
    console.log('');
    console.log(
      `Lighthouse runs that ended in an error and were run again: ${lighthouse.failedRuns.join(', ')}`,
    );
  }
  if (lighthouse.leftovers.length > 0) {
    console.log('');
    console.log(
      `Pages after which the server was still busy for more than a second (waited for before the next): ${lighthouse.leftovers.join(', ')}`,
    );
  }
  for (const r of lighthouse.results) {
    for (const [category, audits] of Object.entries(r.costly)) {
      console.log('');
      console.log(
        `${r.page}, ${r.preset}, ${category} ${median(r.runs[category as keyof typeof r.runs])}: ${JSON.stringify(r.metrics)}`,
      );
      for (const a of audits) {
        console.log(
          `- ${a.id}${a.points !== null ? ` (-${a.points})` : ''}: ${a.title}${a.displayValue ? `, ${a.displayValue}` : ''}${Object.keys(a.savings).length ? ` ${JSON.stringify(a.savings)}` : ''}${a.detail ? `; ${a.detail}` : ''}`,
        );
      }
    }
  }
}
const out = join(tmpdir(), `iza-bench-web-${began.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  out,
  JSON.stringify({ began, ended, js, css, latency, lighthouse, loadNow: loadavg() }, null, 2),
);
say(`raw results: ${out}`);
