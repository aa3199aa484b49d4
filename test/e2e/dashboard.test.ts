import { mkdirSync, readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  PHONE,
  SHOTS,
  dbRows,
  eventually,
  expectAccessible as accessible,
  launchBrowser,
  visitPage,
} from '../helpers/browser.ts';
import {
  buildDashboard,
  startDashboardServer,
  totpCode,
  type DashboardServer,
} from '../helpers/web-server.ts';

/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against a real
 * server on loopback with a seeded portfolio: sign in with a password and an authenticator
 * code, compare the home figures with the database, filter the businesses table, open a
 * venture, post a KPI through the API and watch it appear without a reload, sign out. Every
 * page is checked with axe-core and photographed at desktop and phone sizes into
 * test-results/screenshots/ (not committed).
 */

let server: DashboardServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** What the browser reported refusing under the server's Content-Security-Policy. */
const cspViolations: string[] = [];

const rows = <T>(query: ReturnType<typeof sql>) => dbRows<T>(server.kernel, query);

async function one<T>(query: ReturnType<typeof sql>): Promise<T> {
  const [row] = await rows<T>(query);
  if (row === undefined) throw new Error('the query found no row');
  return row;
}

/** Integer minor units as money text the way an en-US browser shows it, computed exactly. */
function money(minor: bigint, currency: string): string {
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits!;
  const scale = 10n ** BigInt(digits);
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  const fraction = digits ? `.${String(abs % scale).padStart(digits, '0')}` : '';
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(
    `${sign}${abs / scale}${fraction}` as `${number}`,
  );
}

const metric = (key: string) => page.locator(`[data-metric="${key}"]`);

const expectAccessible = (name: string) => accessible(page, name);

/** Photographs the current page at desktop and phone sizes, then returns to desktop. */
async function photograph(name: string): Promise<void> {
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(150);
    await page.screenshot({ path: `${SHOTS}/${name}-${size}.png`, fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

const visit = (path: string, heading: string | RegExp) =>
  visitPage(page, `${server.url}${path}`, heading);

describe('the dashboard in a browser', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    buildDashboard();
    mkdirSync(SHOTS, { recursive: true });
    server = await startDashboardServer({ ventures: 120, mfa: true, seed: 11 });
    ({ browser, context, page } = await launchBrowser());
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('sends a visitor to sign-in and signs in with a password and an authenticator code', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/login/);
    await expectAccessible('login');
    await photograph('login');

    await page.getByLabel('E-mail').fill(server.email);
    await page.getByLabel('Password', { exact: true }).fill(server.password);
    await page.getByRole('button', { name: /sign in/i }).click();
    // MFA is on: the form asks for the authenticator code.
    const code = page.getByLabel('Authenticator code');
    await code.waitFor();
    await code.fill(totpCode(server.totpSecret!));
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL(`${server.url}/`);
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBeTruthy();
  });

  it('loads the locale data of its figures in a worker the CSP allows', async () => {
    const started = page.waitForEvent('worker', {
      predicate: (worker) => worker.url().includes('/intl-warm.worker-'),
    });
    await visit('/', 'Portfolio');
    const worker = await started;
    expect(new URL(worker.url()).pathname).toMatch(/^\/assets\/intl-warm\.worker-[\w-]+\.js$/);
    expect(cspViolations).toEqual([]);
  });

  it('shows home figures equal to the database', async () => {
    const { month } = await one<{ month: string }>(
      // Home shows the last complete month by default.
      sql`select to_char(max(day), 'YYYY-MM') as month from portfolio_kpis
          where org_id = ${server.orgId} and metric = 'revenue'
            and day < date_trunc('month', current_date)`,
    );
    const { total } = await one<{ total: number }>(
      sql`select count(*)::int as total from portfolio_ventures
          where org_id = ${server.orgId} and archived_at is null`,
    );
    // Revenue in the reporting currency (the top holding's), each currency converted at the
    // ledger's latest rate on or before the month's end (recorded either way round), half to even.
    const { reporting } = await one<{ reporting: string }>(
      sql`select base_currency as reporting from ledger_entities
          where org_id = ${server.orgId} and parent_id is null
          order by (kind = 'holding') desc, code limit 1`,
    );
    const revenue = await rows<{ currency: string; minor: string }>(
      sql`select currency, sum(value)::text as minor from portfolio_kpis
          where org_id = ${server.orgId} and metric = 'revenue'
            and to_char(day, 'YYYY-MM') = ${month}
          group by currency`,
    );
    const monthEnd = `${month}-${new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)), 0)).getUTCDate()}`;
    let expected = 0n;
    for (const r of revenue) {
      const minor = BigInt(r.minor.split('.')[0]!);
      if (r.currency === reporting) {
        expected += minor;
        continue;
      }
      const { base, rate } = await one<{ base: string; rate: string }>(
        sql`select base, rate::text as rate from ledger_fx_rates
            where org_id = ${server.orgId} and effective_on <= ${monthEnd}::date
              and ((base = ${r.currency} and quote = ${reporting})
                or (base = ${reporting} and quote = ${r.currency}))
            order by effective_on desc, (base = ${r.currency}) desc limit 1`,
      );
      const [whole, fraction = ''] = rate.split('.');
      const numerator = BigInt(`${whole}${fraction}`);
      const denominator = 10n ** BigInt(fraction.length);
      // Same minor-unit exponent for the demo's currencies (EUR, USD, GBP).
      const [n, d] = base === r.currency ? [numerator, denominator] : [denominator, numerator];
      const q = (minor * n) / d;
      const rest = minor * n - q * d;
      expected += 2n * rest > d || (2n * rest === d && q % 2n === 1n) ? q + 1n : q;
    }
    const perCategory = await rows<{ category: string; n: number }>(
      sql`select category, count(*)::int as n from portfolio_ventures
          where org_id = ${server.orgId} and archived_at is null group by category`,
    );
    expect(revenue.length).toBeGreaterThan(0);

    await eventually(() => metric('portfolio.ventures').textContent()).toBe(
      total.toLocaleString('en-US'),
    );
    expect(await metric('portfolio.revenue').textContent()).toBe(money(expected, reporting));
    expect(await page.getByTestId('rates-note').textContent()).toContain(
      `Converted to ${reporting}`,
    );
    for (const c of perCategory) {
      expect(await metric(`category.${c.category}.ventures`).textContent()).toBe(
        c.n.toLocaleString('en-US'),
      );
    }
    await expectAccessible('home');
    await photograph('home');
  });

  it('filters the businesses table by search and category, as the database counts', async () => {
    await visit('/businesses', /businesses/i);
    const { total } = await one<{ total: number }>(
      sql`select count(*)::int as total from portfolio_ventures
          where org_id = ${server.orgId} and archived_at is null`,
    );
    await eventually(() => metric('ventures.total').textContent()).toBe(
      total.toLocaleString('en-US'),
    );
    await expectAccessible('businesses');
    await photograph('businesses');

    const { category } = await one<{ category: string }>(
      sql`select category from portfolio_ventures where org_id = ${server.orgId}
          group by category order by count(*) desc limit 1`,
    );
    const { n } = await one<{ n: number }>(
      sql`select count(*)::int as n from portfolio_ventures
          where org_id = ${server.orgId} and archived_at is null and category = ${category}
            and (name ilike '%an%' or slug ilike '%an%')`,
    );
    await page.getByLabel('Category').selectOption(category);
    await page.getByLabel(/search/i).fill('an');
    await eventually(() => metric('ventures.total').textContent()).toBe(n.toLocaleString('en-US'));
    expect(page.url()).toContain(`category=${category}`);
    expect(page.url()).toContain('search=an');
    const shown = await page.locator('table tbody tr').count();
    expect(shown).toBe(Math.min(n, shown));
    expect(shown).toBeGreaterThan(0);
  });

  it('sorts businesses on MRR in the reporting currency, and exports the whole view as CSV', async () => {
    await visit('/businesses?sort=mrr&order=desc&limit=25', /businesses/i);
    const cells = page.locator('td[data-metric^="venture."]');
    await eventually(() => cells.count()).toBe(25);
    // Display text to numbers for the order only (the API sorts exact minor units).
    const shown = (await cells.allTextContents()).map((t) => Number(t.replace(/[^0-9.]/g, '')));
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    const { total } = await one<{ total: number }>(
      sql`select count(*)::int as total from portfolio_ventures
          where org_id = ${server.orgId} and archived_at is null`,
    );
    const first = await page.locator('tbody tr').first().getAttribute('data-venture');
    const download = page.waitForEvent('download');
    await page.getByTestId('export-csv').click();
    const csv = readFileSync(await (await download).path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^name,slug,category,stage,owner,mrr_currency,mrr,/);
    // Every venture, across pages, in the same order as the table.
    expect(lines).toHaveLength(total + 1);
    expect(lines[1]!.split(',')[1]).toBe(first);
    const { value, currency } = await one<{ value: string; currency: string }>(
      sql`select k.value::text as value, k.currency from portfolio_kpis k
          join portfolio_ventures v on v.id = k.venture_id
          where v.org_id = ${server.orgId} and v.slug = ${first} and k.metric = 'mrr'
          order by k.day desc limit 1`,
    );
    const minor = value.split('.')[0]!.padStart(3, '0');
    // The demo's currencies (EUR, USD, GBP) have two minor digits.
    expect(lines[1]!.split(',').slice(5, 7)).toEqual([
      currency,
      `${minor.slice(0, -2)}.${minor.slice(-2)}`,
    ]);
  });

  it('opens a venture, and a KPI posted through the API appears there without a reload', async () => {
    const link = page.locator('table tbody tr a').first();
    const name = (await link.textContent())!.trim();
    await link.click();
    await page.waitForURL(/\/businesses\/[^/?]+$/);
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toContain(name);
    const slug = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const { id } = await one<{ id: string }>(
      sql`select id from portfolio_ventures where org_id = ${server.orgId} and slug = ${slug}`,
    );
    await eventually(() => metric('venture.health.score').textContent()).toMatch(/^\d+/);
    await expectAccessible('venture');
    await photograph('venture');

    const marker = '987654';
    expect(await page.getByText('987,654').count()).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    const posted = await fetch(`${server.url}/api/v1/portfolio/kpis`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kpis: [{ ventureId: id, metric: 'customers', day: today, value: marker }],
      }),
    });
    expect(posted.status, await posted.clone().text()).toBeLessThan(300);
    // The server pushes the event; the page refetches and shows the new latest value.
    await eventually(() => page.getByText('987,654').count()).toBeGreaterThan(0);
  });

  it('lists the agents and their tasks as the API recorded them', async () => {
    const call = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return ((await res.json()) as { data: Record<string, unknown> }).data;
    };
    await call('POST', '/api/v1/agents', {
      botId: 'echoer',
      name: 'Echoer',
      kind: 'code',
      handler: 'echo',
      capabilities: ['echo'],
    });
    const task = await call('POST', '/api/v1/agents/tasks', {
      capabilities: ['echo'],
      input: { hello: 'world' },
      correlationId: 'e2e-agents',
    });
    await visit('/agents', /agents/i);
    await eventually(() => page.locator('tr[data-agent="echoer"]').count()).toBe(1);
    // The echo agent answers at once; the page shows what the database then holds.
    await eventually(
      async () =>
        (
          await one<{ state: string }>(
            sql`select state from agents_tasks where id = ${String(task.id)}`,
          )
        ).state,
    ).toBe('succeeded');
    await eventually(() =>
      page.locator(`tr[data-task="${String(task.id)}"]`).getAttribute('data-state'),
    ).toBe('succeeded');
    await eventually(() => metric('agent.echoer.succeeded').textContent()).toBe('1');
  });

  it('lists the workflows and the executions a webhook call recorded', async () => {
    const definition = JSON.parse(
      readFileSync(new URL('../fixtures/workflows/wf-respond.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const headers = {
      authorization: `Bearer ${server.apiKey}`,
      'content-type': 'application/json',
    };
    const created = await fetch(`${server.url}/api/v1/workflows`, {
      method: 'POST',
      headers,
      body: JSON.stringify(definition),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const workflow = ((await created.json()) as { data: { id: string } }).data;
    const activated = await fetch(`${server.url}/api/v1/workflows/${workflow.id}/activate`, {
      method: 'POST',
      headers,
      body: '{}',
    });
    expect(activated.status, await activated.clone().text()).toBe(200);
    const answer = await fetch(`${server.url}/webhook/bench-respond?name=e2e`);
    expect(answer.status).toBe(200);

    await visit('/workflows', /workflows/i);
    await eventually(() => page.locator(`tr[data-workflow="${workflow.id}"]`).count()).toBe(1);
    const { id, status } = await one<{ id: string; status: string }>(
      sql`select id, status from workflow_executions where workflow_id = ${workflow.id}`,
    );
    expect(status).toBe('succeeded');
    await eventually(() =>
      page.locator(`tr[data-execution="${id}"]`).getAttribute('data-status'),
    ).toBe('succeeded');
  });

  it('shows the other pages, honestly and accessibly', async () => {
    for (const [path, heading, name] of [
      ['/financial', /financ/i, 'financial'],
      ['/workflows', /workflow/i, 'workflows'],
      ['/agents', /agent/i, 'agents'],
      ['/monitoring', /monitor/i, 'monitoring'],
      ['/settings', /settings/i, 'settings'],
    ] as const) {
      await visit(path, heading);
      // Loaded: no spinner left (the live event stream keeps a request open, so the network
      // never goes idle).
      await eventually(() => page.locator('p.loading').count()).toBe(0);
      if (name === 'monitoring') {
        // The server's own request counter, read from /metrics: the pages above made requests.
        await eventually(async () =>
          Number((await metric('metrics.requests').textContent())?.replace(/\D/g, '')),
        ).toBeGreaterThan(10);
        expect(await page.locator('[data-route="/api/v1/portfolio/ventures"]').count()).toBe(1);
      }
      await expectAccessible(name);
      await photograph(name);
    }
  });

  it('installs its service worker and opens its shell offline', async () => {
    await page.goto(`${server.url}/`);
    // Registered a few seconds after load (see web/src/main.tsx), then installed with the
    // build's precache list.
    const scope = await page.evaluate(async () => {
      const browserNavigator = navigator as unknown as {
        serviceWorker: { ready: Promise<{ scope: string }> };
      };
      return (await browserNavigator.serviceWorker.ready).scope;
    });
    expect(scope).toBe(`${server.url}/`);
    await context.setOffline(true);
    try {
      await page.reload();
      await eventually(() => page.getByTestId('offline-banner').count()).toBe(1);
      // The banner can show before the shell's navigation has rendered: wait for both.
      await eventually(() => page.locator('nav').first().isVisible()).toBe(true);
      await photograph('offline');
    } finally {
      await context.setOffline(false);
    }
  });

  it('signs out: the session ends and pages send back to sign-in', async () => {
    await page.goto(`${server.url}/`);
    await page
      .getByRole('button', { name: /sign out|log out/i })
      .first()
      .click();
    await page.waitForURL(/\/login/);
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    expect(me).toBe(401);
    await page.goto(`${server.url}/businesses`);
    await page.waitForURL(/\/login/);
    // Nothing any page did in this run was refused by the Content-Security-Policy.
    expect(cspViolations).toEqual([]);
  });
});
