import { AxeBuilder } from '@axe-core/playwright';
import type { SQL } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Kernel } from '../../src/kernel/index.ts';

/**
 * What the dashboard's browser tests share: Debian's Chromium driven by playwright-core, the
 * window sizes, reading the server's database, waiting for what a page shows, axe-core and the
 * overflow check.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = 'test-results/screenshots';
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function launchBrowser(): Promise<{
  browser: Browser;
  context: BrowserContext;
  page: Page;
}> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({
    viewport: DESKTOP,
    locale: 'en-US',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return { browser, context, page };
}

/** Rows of a query on a server's own database. */
export async function dbRows<T>(kernel: Kernel, query: SQL): Promise<T[]> {
  return ((await kernel.db.execute(query)) as { rows: T[] }).rows;
}

/** Polls until the page shows what is expected (a browser renders asynchronously). */
export const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });

/** Opens `url` and waits for its first heading to match. */
export async function visitPage(page: Page, url: string, heading: string | RegExp): Promise<void> {
  await page.goto(url);
  await eventually(() => page.getByRole('heading', { level: 1 }).first().textContent()).toMatch(
    heading,
  );
}

/** axe-core on the current page: no serious or critical violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target).join(', ')}`),
  ).toEqual([]);
}

/** The widths people use, from a small phone to a laptop. */
export const WIDTHS = [360, 390, 768, 1024, 1440];

/** No page is wider than the window at any of the widths people use. */
export async function expectNoOverflow(page: Page, name: string): Promise<void> {
  const wide: string[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(100);
    // Runs in the page: the widest elements that stick out, named by tag and class.
    const { overflow, culprits } = await page.evaluate(() => {
      interface Node {
        tagName: string;
        className: unknown;
        children: ArrayLike<Node>;
        getBoundingClientRect(): { right: number };
      }
      const { document } = globalThis as unknown as {
        document: { documentElement: Node & { scrollWidth: number; clientWidth: number } };
      };
      const root = document.documentElement;
      const limit = root.clientWidth;
      const out: string[] = [];
      const walk = (node: Node) => {
        const sticking = Array.from(node.children).filter(
          (child) => child.getBoundingClientRect().right > limit + 1,
        );
        if (sticking.length === 0 && node !== root) {
          out.push(`${node.tagName.toLowerCase()}.${String(node.className).split(' ').join('.')}`);
        }
        sticking.forEach(walk);
      };
      walk(root);
      if (out.length === 0) {
        // Nothing in the tree's boxes sticks out (a scrolled or transformed ancestor): name the
        // innermost elements that do, wherever they are.
        const all = Array.from(
          (root as unknown as { querySelectorAll(s: string): ArrayLike<Node> }).querySelectorAll(
            '*',
          ),
        );
        for (const node of all) {
          const right = node.getBoundingClientRect().right;
          const inner = Array.from(node.children).some(
            (child) => child.getBoundingClientRect().right > limit + 1,
          );
          if (right > limit + 1 && !inner) {
            out.push(
              `${node.tagName.toLowerCase()}.${String(node.className).split(' ').join('.')} (right ${Math.round(right)})`,
            );
          }
        }
      }
      return { overflow: root.scrollWidth - root.clientWidth, culprits: out.slice(0, 3) };
    });
    if (overflow > 0) {
      wide.push(`${name} at ${width}px: ${overflow}px too wide (${culprits.join(', ')})`);
    }
  }
  await page.setViewportSize(DESKTOP);
  expect(wide).toEqual([]);
}

/** An n8n workflow to import, open and run: a manual trigger and a Set node writing `report`. */
export function manualReportWorkflow(name: string) {
  return {
    name,
    nodes: [
      {
        id: 'a',
        name: 'Start',
        type: 'n8n-nodes-base.manualTrigger',
        typeVersion: 1,
        position: [0, 0],
        parameters: {},
      },
      {
        id: 'b',
        name: 'Set',
        type: 'n8n-nodes-base.set',
        typeVersion: 3.4,
        position: [200, 0],
        parameters: {
          assignments: {
            assignments: [{ id: 'x', name: 'report', value: 'ready', type: 'string' }],
          },
        },
      },
    ],
    connections: { Start: { main: [[{ node: 'Set', type: 'main', index: 0 }]] } },
  };
}
