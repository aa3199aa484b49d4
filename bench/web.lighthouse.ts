// Lighthouse on the dashboard's pages (Debian's Chromium), in its mobile and desktop settings:
// the four categories per run, the runs interleaved (run 1 of every page and setting, then run
// 2, ...) so a change in the machine's load spreads over all pages, and for a median under 90
// the audits that cost the points.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

export const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
export type Category = (typeof CATEGORIES)[number];
export type Preset = 'mobile' | 'desktop';

export interface Page {
  name: string;
  path: string;
  signedIn: boolean;
}

/** An audit that cost points in a run, or (unweighted) one Lighthouse says would save time. */
export interface CostlyAudit {
  id: string;
  title: string;
  /** Points of the category's 100 it cost (weighted audits only). */
  points: number | null;
  displayValue: string | null;
  /** Lighthouse's estimate of what fixing it saves, per metric (ms; CLS unitless). */
  savings: Record<string, number>;
  /** Where it comes from: the shifting elements, the LCP element, the long tasks' scripts. */
  detail: string | null;
}

export interface PageResult {
  page: string;
  preset: Preset;
  /** Per category, each run's score (0-100), in run order. */
  runs: Record<Category, number[]>;
  /** The median run's key metrics (ms; CLS unitless). */
  metrics: Record<string, number>;
  /** For each category whose median is under 90: the median run's costly audits. */
  costly: Partial<Record<Category, CostlyAudit[]>>;
}

interface Lhr {
  finalDisplayedUrl: string;
  runtimeError?: { code: string; message: string };
  categories: Record<string, { score: number | null; auditRefs: { id: string; weight: number }[] }>;
  audits: Record<
    string,
    {
      id: string;
      title: string;
      score: number | null;
      scoreDisplayMode: string;
      displayValue?: string;
      numericValue?: number;
      metricSavings?: Record<string, number>;
      details?: { items?: Item[] };
    }
  >;
}

interface Item {
  type?: string;
  node?: { type: string; selector?: string; value?: string };
  score?: number;
  url?: string;
  duration?: number;
  wastedBytes?: number;
  label?: string;
  items?: Item[];
}

const file = (url: string | undefined) => (url ?? '').replace(/^https?:\/\/[^/]+/, '') || '?';

/** A short account of where an audit's cost comes from, read from the run's own details. */
function detailOf(lhr: Lhr, id: string): string | null {
  const items = (audit: string) => lhr.audits[audit]?.details?.items ?? [];
  switch (id) {
    case 'cumulative-layout-shift':
    case 'layout-shifts':
      return (
        items('layout-shifts')
          .slice(0, 3)
          .map((i) => `${i.node?.selector ?? '?'} (${(i.score ?? 0).toFixed(3)})`)
          .join('; ') || null
      );
    case 'largest-contentful-paint': {
      const parts = items('lcp-breakdown-insight');
      const element = parts.find((i) => i.type === 'node') as { selector?: string } | undefined;
      const phases = (parts.find((i) => i.type === 'table')?.items ?? [])
        .map((i) => `${i.label} ${Math.round(i.duration ?? 0)} ms`)
        .join(', ');
      return `${element?.selector ?? '?'}: ${phases}`;
    }
    case 'total-blocking-time':
    case 'mainthread-work-breakdown':
      return (
        items('long-tasks')
          .slice(0, 3)
          .map((i) => `${file(i.url)} ${Math.round(i.duration ?? 0)} ms`)
          .join('; ') || null
      );
    case 'unused-javascript':
      return (
        items(id)
          .slice(0, 3)
          .map((i) => `${file(i.url)} ${Math.round((i.wastedBytes ?? 0) / 1024)} KiB`)
          .join('; ') || null
      );
    default:
      return null;
  }
}

const METRICS = [
  'first-contentful-paint',
  'largest-contentful-paint',
  'total-blocking-time',
  'cumulative-layout-shift',
  'speed-index',
];

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** What cost points in `category` in this run, worst first. */
export function costlyAudits(lhr: Lhr, category: Category): CostlyAudit[] {
  const refs = lhr.categories[category]?.auditRefs ?? [];
  const total = refs.reduce((s, r) => s + r.weight, 0) || 1;
  const out: CostlyAudit[] = [];
  for (const ref of refs) {
    const audit = lhr.audits[ref.id];
    if (!audit || audit.score === null || audit.score >= 1) continue;
    if (audit.scoreDisplayMode === 'notApplicable' || audit.scoreDisplayMode === 'manual') continue;
    const savings = audit.metricSavings ?? {};
    const saves = Object.values(savings).some((v) => v > 0);
    if (ref.weight === 0 && !saves) continue;
    out.push({
      id: audit.id,
      title: audit.title,
      points:
        ref.weight > 0 ? Math.round((ref.weight * (1 - audit.score) * 1000) / total) / 10 : null,
      displayValue: audit.displayValue ?? null,
      savings,
      detail: detailOf(lhr, audit.id),
    });
  }
  const saved = (a: CostlyAudit) => Object.values(a.savings).reduce((s, v) => s + v, 0);
  return out.sort((a, b) => (b.points ?? -1) - (a.points ?? -1) || saved(b) - saved(a)).slice(0, 8);
}

/**
 * Runs Lighthouse `runs` times on every page in both settings and returns the scores, the
 * median run's metrics, and what cost the points where a median is under 90. Each report's
 * JSON is written to `reportDir`.
 */
export async function runLighthouse(options: {
  baseUrl: string;
  cookie: string;
  pages: Page[];
  runs: number;
  chromium: string;
  reportDir: string;
  progress: (line: string) => void;
  /**
   * Called after each run; resolves once the server has finished what the page left it (on
   * PGlite one slow query holds every other), with how long that took (ms), so the next page
   * is not measured against the last one's leftovers.
   */
  settle?: () => Promise<number>;
}): Promise<{ results: PageResult[]; failedRuns: string[]; load: number[]; leftovers: string[] }> {
  const { baseUrl, cookie, pages, runs, chromium, reportDir, progress } = options;
  const leftovers: string[] = [];
  mkdirSync(reportDir, { recursive: true });
  const presets: Preset[] = ['mobile', 'desktop'];
  const lhrs = new Map<string, Lhr[]>();
  const failedRuns: string[] = [];
  const load: number[] = [loadavg()[0]!];
  const chrome = await launch({
    chromePath: chromium,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    for (let run = 0; run < runs; run++) {
      for (const page of pages) {
        for (const preset of presets) {
          const key = `${page.name}|${preset}`;
          for (let attempt = 0; ; attempt++) {
            const result = await lighthouse(
              `${baseUrl}${page.path}`,
              {
                port: chrome.port,
                output: 'json',
                logLevel: 'error',
                onlyCategories: [...CATEGORIES],
                ...(page.signedIn ? { extraHeaders: { Cookie: cookie } } : {}),
              },
              preset === 'desktop' ? desktopConfig : undefined,
            );
            const lhr = result?.lhr as unknown as Lhr | undefined;
            if (!lhr) throw new Error(`Lighthouse gave no result for ${page.path}`);
            if (page.signedIn && lhr.finalDisplayedUrl.includes('/login')) {
              throw new Error(`${page.path}: the session cookie did not sign Lighthouse in`);
            }
            // A run Lighthouse itself could not complete scores 0 everywhere: it is reported,
            // counted, and run again rather than taken as a score.
            if (lhr.runtimeError) {
              failedRuns.push(`${preset} ${page.name}: ${lhr.runtimeError.code}`);
              progress(`${preset} ${page.name} (run ${run + 1}): error ${lhr.runtimeError.code}`);
              if (failedRuns.length > 8 || attempt >= 2) {
                throw new Error(`Lighthouse failed: ${failedRuns.join(', ')}`);
              }
              continue;
            }
            const file = `${page.name.toLowerCase().replace(/\W+/g, '-')}-${preset}-${run + 1}.json`;
            writeFileSync(join(reportDir, file), JSON.stringify(lhr));
            lhrs.set(key, [...(lhrs.get(key) ?? []), lhr]);
            const values = CATEGORIES.map((c) => Math.round((lhr.categories[c]?.score ?? 0) * 100));
            progress(`${preset} ${page.name} (run ${run + 1}): ${values.join(' / ')}`);
            const busy = (await options.settle?.()) ?? 0;
            if (busy > 1000) {
              leftovers.push(`${preset} ${page.name} ${Math.round(busy / 100) / 10} s`);
              progress(`  the server was busy for ${Math.round(busy)} ms more after it`);
            }
            break;
          }
        }
      }
      load.push(loadavg()[0]!);
    }
  } finally {
    chrome.kill();
  }
  const results: PageResult[] = [];
  for (const page of pages) {
    for (const preset of presets) {
      const all = lhrs.get(`${page.name}|${preset}`) ?? [];
      const score = (lhr: Lhr, c: Category) => Math.round((lhr.categories[c]?.score ?? 0) * 100);
      const runsOf = Object.fromEntries(
        CATEGORIES.map((c) => [c, all.map((lhr) => score(lhr, c))]),
      ) as Record<Category, number[]>;
      // The run at the median performance score gives the metrics.
      const perf = median(runsOf.performance);
      const typical = all.find((lhr) => score(lhr, 'performance') === perf)!;
      const costly: PageResult['costly'] = {};
      for (const c of CATEGORIES) {
        const m = median(runsOf[c]);
        if (m >= 90) continue;
        const at = all.find((lhr) => score(lhr, c) === m)!;
        costly[c] = costlyAudits(at, c);
      }
      results.push({
        page: page.name,
        preset,
        runs: runsOf,
        metrics: Object.fromEntries(
          METRICS.map((id) => [
            id,
            Math.round((typical.audits[id]?.numericValue ?? 0) * 1000) / 1000,
          ]),
        ),
        costly,
      });
    }
  }
  return { results, failedRuns, load, leftovers };
}
