// The dashboard as a user's browser meets it, on a server holding 1,000 ventures with a year of
// KPIs (embedded PGlite, a real HTTP server on loopback):
//   1. the JavaScript index.html loads before the first render (entry + modulepreloads), gzip
//      and brotli (goal: under 300 KB gzip), and the CSS;
//   2. Lighthouse (performance, accessibility, best practices, SEO; goal 90+ each) on the
//      sign-in page and, signed in with a session cookie, on Home, Businesses and a venture, with
//      Lighthouse's mobile (throttled) and desktop settings, Debian's Chromium;
//   3. p50/p99 of the API calls Home and Businesses make, over HTTP with the session cookie
//      (goal: p99 under 100 ms).
//
//   node bench/web.bench.ts   (BENCH_REQUESTS per API call, default 300; BENCH_LIGHTHOUSE_RUNS
//                              per page and setting, default 5, the median reported; CHROMIUM_PATH)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { DEFAULT_WEB_ROOT } from '../src/server/index.ts';
import { buildDashboard, startDashboardServer } from '../test/helpers/web-server.ts';
import { machineLine } from './lib.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const LIGHTHOUSE_RUNS = Math.max(1, Number(process.env.BENCH_LIGHTHOUSE_RUNS ?? 5));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

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
console.error(`initial JS: ${scripts.length} files, ${kb(js.raw)}, gzip ${kb(js.gzip)}`);

// --- a server with 1,000 ventures ------------------------------------------------------------------
const started = Date.now();
const server = await startDashboardServer({ ventures: 1_000, mfa: false, seed: 42 });
console.error(
  `server with 1,000 ventures ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
try {
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: server.email, password: server.password, mode: 'cookie' }),
  });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const api = async (path: string) => {
    const res = await fetch(`${server.url}${path}`, {
      headers: { cookie, 'accept-encoding': 'gzip, br' },
    });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return (await res.json()) as { data: Record<string, unknown> };
  };
  const slug = (
    (await api('/api/v1/portfolio/ventures?limit=1')).data.ventures as {
      slug: string;
    }[]
  )[0]!.slug;

  // --- 3. API latency ------------------------------------------------------------------------------
  const calls: [string, string][] = [
    ['Home: roll-ups', '/api/v1/portfolio/rollups'],
    ['Home: 12-month history', '/api/v1/portfolio/rollups/history?months=12'],
    ['Businesses: first 50 by name', '/api/v1/portfolio/ventures?limit=50'],
    [
      'Businesses: search + category, by name desc',
      '/api/v1/portfolio/ventures?search=a&category=technology&sort=name&order=desc&limit=50',
    ],
    ['Venture: KPI series', `/api/v1/portfolio/ventures/${slug}/kpis`],
    ['Venture: health', `/api/v1/portfolio/ventures/${slug}/health`],
  ];
  const latency: { call: string; p50: number; p99: number }[] = [];
  for (const [call, path] of calls) {
    for (let i = 0; i < 20; i++) await api(path);
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now();
      await api(path);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const row = {
      call,
      p50: Math.round(percentile(times, 50) * 10) / 10,
      p99: Math.round(percentile(times, 99) * 10) / 10,
    };
    console.error(`  ${call}: p50 ${row.p50} ms, p99 ${row.p99} ms`);
    latency.push(row);
  }

  // --- 2. Lighthouse ---------------------------------------------------------------------------------
  const pages: [string, string, boolean][] = [
    ['Sign-in', '/login', false],
    ['Home', '/', true],
    ['Businesses', '/businesses', true],
    ['Venture', `/businesses/${slug}`, true],
  ];
  /** Lighthouse runs that ended in an error (not scores): listed under the table. */
  const failedRuns: string[] = [];
  /** Per page and setting: each category's scores over the runs. */
  const scores: { page: string; preset: string; runs: number[][] }[] = [];
  const chrome = await launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    for (const preset of ['mobile', 'desktop'] as const) {
      for (const [page, path, signedIn] of pages) {
        const entry = { page, preset, runs: CATEGORIES.map((): number[] => []) };
        scores.push(entry);
        for (let run = 0; run < LIGHTHOUSE_RUNS; run++) {
          const result = await lighthouse(
            `${server.url}${path}`,
            {
              port: chrome.port,
              output: 'json',
              logLevel: 'error',
              onlyCategories: [...CATEGORIES],
              ...(signedIn ? { extraHeaders: { Cookie: cookie } } : {}),
            },
            preset === 'desktop' ? desktopConfig : undefined,
          );
          const lhr = result?.lhr;
          if (!lhr) throw new Error(`Lighthouse gave no result for ${path}`);
          if (lhr.finalDisplayedUrl.endsWith('/login') && signedIn) {
            throw new Error(`${path}: the session cookie did not sign Lighthouse in`);
          }
          // A run Lighthouse itself could not complete scores 0 everywhere: it is reported,
          // counted, and run again rather than averaged in.
          if (lhr.runtimeError) {
            console.error(
              `  ${preset} ${page} (run ${run + 1}): Lighthouse error ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`,
            );
            failedRuns.push(`${preset} ${page}: ${lhr.runtimeError.code}`);
            if (failedRuns.length > 5)
              throw new Error(`Lighthouse failed: ${failedRuns.join(', ')}`);
            run -= 1;
            continue;
          }
          const values = CATEGORIES.map((c) => Math.round((lhr.categories[c]?.score ?? 0) * 100));
          console.error(`  ${preset} ${page} (run ${run + 1}): ${values.join(' / ')}`);
          values.forEach((value, i) => entry.runs[i]!.push(value));
        }
      }
    }
  } finally {
    chrome.kill();
  }

  // --- report ----------------------------------------------------------------------------------------
  console.log(
    machineLine(0).replace(', 0 s per run', `, ${REQUESTS} sequential requests per API call`),
  );
  console.log('');
  console.log('| what index.html loads | files | raw | gzip -9 | brotli |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(
    `| JavaScript | ${scripts.length} | ${kb(js.raw)} | ${kb(js.gzip)} | ${kb(js.brotli)} |`,
  );
  console.log(`| CSS | ${styles.length} | ${kb(css.raw)} | ${kb(css.gzip)} | ${kb(css.brotli)} |`);
  console.log('');
  console.log(
    `| Lighthouse ${CATEGORIES.join(' / ')}: median of ${LIGHTHOUSE_RUNS} (performance min-max) | mobile | desktop |`,
  );
  console.log('| --- | --- | --- |');
  for (const [page] of pages) {
    const of = (preset: string) => {
      const entry = scores.find((s) => s.page === page && s.preset === preset);
      if (!entry) return '-';
      const medians = entry.runs.map((runs) =>
        percentile(
          [...runs].sort((a, b) => a - b),
          50,
        ),
      );
      const performance = [...entry.runs[0]!].sort((a, b) => a - b);
      const range =
        performance.length > 1 ? ` (${performance[0]}-${performance[performance.length - 1]})` : '';
      return `${medians.join(' / ')}${range}`;
    };
    console.log(`| ${page} | ${of('mobile')} | ${of('desktop')} |`);
  }
  if (failedRuns.length > 0) {
    console.log('');
    console.log(
      `Lighthouse runs that ended in an error and were run again: ${failedRuns.join(', ')}`,
    );
  }
  console.log('');
  console.log('| API call (HTTP, session cookie) | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: |');
  for (const r of latency) console.log(`| ${r.call} | ${r.p50} | ${r.p99} |`);
} finally {
  await server.close();
}
