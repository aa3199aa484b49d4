import { mkdirSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  PHONE,
  SHOTS,
  dbRows,
  eventually,
  expectAccessible,
  expectNoOverflow,
  launchBrowser,
  manualReportWorkflow,
  visitPage,
} from '../helpers/browser.ts';
import {
  buildDashboard,
  startDashboardServer,
  type DashboardServer,
} from '../helpers/web-server.ts';

/**
 * Every page of the dashboard, as a person meets it: no horizontal overflow at 360, 390, 768,
 * 1024 and 1440 px, axe-core clean in the light and the dark theme, photographed at desktop and
 * phone sizes in both (test-results/screenshots/tour-*.png); and the main flows walked with the
 * keyboard alone: sign in, jump to a venture, edit it, create one, record a KPI.
 */

let server: DashboardServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const rows = <T>(query: SQL) => dbRows<T>(server.kernel, query);

async function one<T>(query: SQL): Promise<T> {
  const [row] = await rows<T>(query);
  if (row === undefined) throw new Error('the query found no row');
  return row;
}

const TOUR_WORKFLOW = manualReportWorkflow('Tour report');

/** Loaded: the heading is there and no spinner is left. */
async function settle(target: Page): Promise<void> {
  await eventually(() => target.locator('p.loading').count()).toBe(0);
}

/** Overflow at every width, axe in both themes, and photographs of both at both sizes. */
async function tour(target: Page, name: string): Promise<void> {
  await settle(target);
  await expectNoOverflow(target, name);
  for (const scheme of ['light', 'dark'] as const) {
    await target.emulateMedia({ colorScheme: scheme });
    await eventually(() => target.locator('html').getAttribute('data-theme')).toBe(scheme);
    await expectAccessible(target, `${name} (${scheme})`);
    for (const [size, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      await target.setViewportSize(viewport);
      await target.waitForTimeout(150);
      await target.screenshot({
        path: `${SHOTS}/tour-${name}-${scheme}-${size}.png`,
        fullPage: true,
      });
    }
  }
  await target.setViewportSize(DESKTOP);
  await target.emulateMedia({ colorScheme: 'light' });
}

/** A layout shift the page recorded: how much of the window moved, and what moved. */
interface Shift {
  value: number;
  moved: string[];
}

/**
 * Runs in the page before its scripts: records every layout shift not caused by the person's
 * input (what Cumulative Layout Shift adds up), naming the elements that moved.
 */
function watchLayoutShifts(): void {
  interface Source {
    node?: { nodeName: string; className?: unknown; parentElement?: { nodeName: string } | null };
  }
  interface Entry {
    value: number;
    hadRecentInput: boolean;
    sources?: Source[];
  }
  const scope = globalThis as unknown as {
    iza_shifts: Shift[];
    PerformanceObserver: new (callback: (list: { getEntries(): Entry[] }) => void) => {
      observe(options: { type: string; buffered: boolean }): void;
    };
  };
  scope.iza_shifts = [];
  new scope.PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      scope.iza_shifts.push({
        value: entry.value,
        moved: (entry.sources ?? []).map(({ node }) => {
          if (!node) return '?';
          const name = typeof node.className === 'string' ? node.className : '';
          return `${node.parentElement?.nodeName.toLowerCase() ?? ''} > ${node.nodeName.toLowerCase()}.${name}`;
        }),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
}

/**
 * Presses Tab until the focused element matches a CSS selector, or is a button with that text
 * (`{ button }`), at most `limit` times.
 */
async function tabTo(target: Page, want: string | { button: string }, limit = 60): Promise<void> {
  const goal =
    typeof want === 'string' ? { selector: want, button: '' } : { selector: '', ...want };
  for (let i = 0; i < limit; i++) {
    await target.keyboard.press('Tab');
    const reached = await target.evaluate(({ selector, button }) => {
      interface Focused {
        matches(selector: string): boolean;
        tagName: string;
        textContent: string | null;
      }
      const { document } = globalThis as unknown as {
        document: { activeElement: Focused | null };
      };
      const active = document.activeElement;
      if (!active) return false;
      if (selector) return active.matches(selector);
      return active.tagName === 'BUTTON' && active.textContent?.trim() === button;
    }, goal);
    if (reached) return;
  }
  throw new Error(`Tab never reached ${JSON.stringify(want)}`);
}

describe(
  'every page of the dashboard, and its main flows by keyboard',
  { timeout: 180_000 },
  () => {
    beforeAll(async () => {
      buildDashboard();
      mkdirSync(SHOTS, { recursive: true });
      server = await startDashboardServer({ ventures: 12, mfa: false, seed: 7 });
      ({ browser, context, page } = await launchBrowser());
    }, 240_000);

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await server?.close();
    });

    it('signs in with the keyboard alone', async () => {
      await page.goto(`${server.url}/login`);
      await tour(page, 'login');
      await page.goto(`${server.url}/login`);
      await tabTo(page, 'input[type=email], input[autocomplete=username]');
      await page.keyboard.type(server.email);
      await tabTo(page, 'input[type=password]');
      await page.keyboard.type(server.password);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${server.url}/`);
      await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Portfolio',
      );
    });

    it('shows every page without overflow, accessibly, in both themes', async () => {
      const api = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const imported = await api('/api/v1/workflows/import', {
        files: [{ file: 'tour.json', content: TOUR_WORKFLOW }],
      });
      expect(imported.status).toBe(200);
      const workflow = await one<{ id: string }>(
        sql`select id from workflows where org_id = ${server.orgId} and name = 'Tour report'`,
      );
      const run = await fetch(`${server.url}/api/v1/workflows/${workflow.id}/run`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(run.status).toBeLessThan(300);
      const execution = await one<{ id: string }>(
        sql`select id from workflow_executions where org_id = ${server.orgId}
          and workflow_id = ${workflow.id} limit 1`,
      );
      const venture = await one<{ slug: string }>(
        sql`select slug from portfolio_ventures where org_id = ${server.orgId} order by slug limit 1`,
      );
      for (const [path, heading, name] of [
        ['/', 'Portfolio', 'home'],
        ['/businesses', 'Businesses', 'businesses'],
        [`/businesses/${venture.slug}`, /./, 'venture'],
        ['/financial', /financ/i, 'financial'],
        ['/workflows', 'Workflows', 'workflows'],
        [`/workflows/${workflow.id}`, /./, 'workflow'],
        [`/workflows/executions/${execution.id}`, /./, 'execution'],
        ['/agents', 'Agents', 'agents'],
        ['/monitoring', /monitor/i, 'monitoring'],
        ['/settings', /settings/i, 'settings'],
        ['/no-such-page', /./, 'not-found'],
      ] as const) {
        await visitPage(page, `${server.url}${path}`, heading);
        await tour(page, name);
        if (name === 'settings') {
          // Sessions name their device, not a raw user agent.
          expect(await page.locator('[data-session] th').first().textContent()).toMatch(
            /^Chrome\b.* on Linux/,
          );
        }
      }
    });

    it(
      'draws every page without moving what it drew, its answers late and in any order',
      { timeout: 300_000 },
      async () => {
        // As on a big data set, where the requests of a page answer after its first paint and
        // one after the other: each API answer is held back 150 to 900 ms, in turn.
        const workflow = await one<{ id: string }>(
          sql`select id from workflows where org_id = ${server.orgId} and name = 'Tour report'`,
        );
        const execution = await one<{ id: string }>(
          sql`select id from workflow_executions where org_id = ${server.orgId}
          and workflow_id = ${workflow.id} limit 1`,
        );
        const venture = await one<{ slug: string }>(
          sql`select slug from portfolio_ventures where org_id = ${server.orgId} order by slug limit 1`,
        );
        // A session of its own (signed in over HTTP), so this one's refreshes touch no other.
        const login = await fetch(`${server.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: server.email, password: server.password, mode: 'cookie' }),
        });
        expect(login.status).toBe(200);
        const cookies = login.headers.getSetCookie().map((line) => {
          const pair = line.split(';')[0]!;
          const at = pair.indexOf('=');
          return { name: pair.slice(0, at), value: pair.slice(at + 1), url: server.url };
        });
        const moved: string[] = [];
        for (const [size, viewport] of [
          ['desktop', DESKTOP],
          ['phone', PHONE],
        ] as const) {
          const slow = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' });
          await slow.addCookies(cookies);
          await slow.addInitScript(watchLayoutShifts);
          let held = 0;
          let answered = 0;
          await slow.route(
            (url) =>
              (url.pathname.startsWith('/api/') && !url.pathname.endsWith('/events')) ||
              url.pathname === '/health',
            async (route) => {
              held++;
              await new Promise((resolve) =>
                setTimeout(resolve, [150, 600, 300, 900][answered++ % 4]),
              );
              await route.continue().catch(() => undefined);
              held--;
            },
          );
          const tab = await slow.newPage();
          for (const [path, name] of [
            ['/', 'home'],
            ['/businesses', 'businesses'],
            [`/businesses/${venture.slug}`, 'venture'],
            ['/financial', 'financial'],
            ['/workflows', 'workflows'],
            [`/workflows/${workflow.id}`, 'workflow'],
            [`/workflows/executions/${execution.id}`, 'execution'],
            ['/agents', 'agents'],
            ['/monitoring', 'monitoring'],
            ['/settings', 'settings'],
          ] as const) {
            await tab.goto(`${server.url}${path}`);
            await settle(tab);
            await eventually(async () => held).toBe(0);
            await tab.waitForTimeout(300);
            const shifts = await tab.evaluate(
              () => (globalThis as unknown as { iza_shifts: Shift[] }).iza_shifts,
            );
            const total = shifts.reduce((sum, shift) => sum + shift.value, 0);
            // Less than a hundredth of the window in all (Lighthouse counts 0.1 as good).
            if (total >= 0.01) {
              moved.push(
                `${name} (${size}): ${total.toFixed(3)} ${shifts.map((shift) => shift.moved.join(', ')).join(' | ')}`,
              );
            }
          }
          await slow.close();
        }
        expect(moved).toEqual([]);
      },
    );

    it('jumps to a venture and edits it with the keyboard alone', async () => {
      const venture = await one<{ name: string; slug: string }>(
        sql`select name, slug from portfolio_ventures where org_id = ${server.orgId}
          order by slug desc limit 1`,
      );
      await visitPage(page, `${server.url}/`, 'Portfolio');
      await page.keyboard.press('Control+k');
      await page.keyboard.type(venture.name.slice(0, 10));
      await eventually(() =>
        page
          .getByTestId('command-palette')
          .locator('[role=option][aria-selected=true]')
          .getAttribute('data-command'),
      ).toMatch(/^venture:/);
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`/businesses/${venture.slug}$`));
      await page.locator('[data-field="stage"]').waitFor();
      await tabTo(page, { button: 'Edit' });
      await page.keyboard.press('Enter');
      const form = page.getByTestId('venture-form');
      await eventually(() => form.isVisible()).toBe(true);
      // Focus is inside the dialog; Tab reaches the description and typing changes it.
      await tabTo(page, '#venture-description');
      await page.keyboard.press('Control+a');
      await page.keyboard.type('Edited without a mouse.');
      await tabTo(page, 'button[type=submit]');
      await page.keyboard.press('Enter');
      await eventually(() => form.isVisible()).toBe(false);
      await eventually(
        async () =>
          (
            await one<{ description: string | null }>(
              sql`select description from portfolio_ventures
              where org_id = ${server.orgId} and slug = ${venture.slug}`,
            )
          ).description,
      ).toBe('Edited without a mouse.');
    });

    it('creates a venture from the palette with the keyboard alone', async () => {
      await page.keyboard.press('Control+k');
      await page.keyboard.type('new venture');
      await eventually(() =>
        page
          .getByTestId('command-palette')
          .locator('[role=option][aria-selected=true]')
          .getAttribute('data-command'),
      ).toBe('act:venture');
      await page.keyboard.press('Enter');
      const form = page.getByTestId('venture-form');
      await eventually(() => form.isVisible()).toBe(true);
      await tabTo(page, '#venture-name');
      await page.keyboard.type('Keyboard Kettle');
      await tabTo(page, '#venture-category-input');
      // A native select changes with the arrow keys.
      await page.keyboard.press('ArrowDown');
      await tabTo(page, 'button[type=submit]');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/businesses\/keyboard-kettle$/);
      const created = await rows<{ name: string }>(
        sql`select name from portfolio_ventures
          where org_id = ${server.orgId} and slug = 'keyboard-kettle'`,
      );
      expect(created).toEqual([{ name: 'Keyboard Kettle' }]);
    });
  },
);
