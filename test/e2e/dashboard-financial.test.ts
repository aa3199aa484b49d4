import { mkdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/kernel/index.ts';
import { createLedgerService, type Account, type Entity } from '../../src/ledger/index.ts';
import {
  DESKTOP,
  PHONE,
  SHOTS,
  dbRows,
  eventually,
  expectAccessible as accessible,
  expectNoOverflow as expectNoOverflowIn,
  launchBrowser,
  visitPage,
} from '../helpers/browser.ts';
import {
  buildDashboard,
  startDashboardServer,
  type DashboardServer,
} from '../helpers/web-server.ts';

/**
 * Financial in a real browser over a seeded demo portfolio, with a sub-holding and a GBP
 * venture under it added here (three levels: holding -> subsidiary -> venture): choose an entity
 * in the tree picker by typing and with the keyboard alone, switch to quarterly columns, and
 * compare every figure shown (each period, the Total, the change) with what the ledger's
 * one-period report routes answer for that period's dates, and one line with the postings in
 * the database. Checked with axe-core in both themes and for horizontal overflow from 360 to
 * 1440 px; photographed light and dark, desktop and phone, into test-results/screenshots/.
 */

let server: DashboardServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let holding: Entity;
let subsidiary: Entity;
let venture: Entity;

const visit = (path: string) => visitPage(page, `${server.url}${path}`, 'Financial');
const expectAccessible = (name: string) => accessible(page, name);

/** A ledger route's `data`, read with the administrator's API key. */
async function ledgerApi<T>(path: string, query: Record<string, string>): Promise<T> {
  const url = new URL(`${server.url}/api/v1/ledger/${path}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const res = await fetch(url, { headers: { authorization: `Bearer ${server.apiKey}` } });
  const body = (await res.json()) as { data: T };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.data;
}

/** Minor units as an en-US browser shows money, computed exactly (`signed`: "+" too). */
function money(minor: string, currency: string, signed = false): string {
  const format = new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    ...(signed ? { signDisplay: 'exceptZero' as const } : {}),
  });
  const digits = format.resolvedOptions().maximumFractionDigits!;
  const value = BigInt(minor);
  const abs = value < 0n ? -value : value;
  const scale = 10n ** BigInt(digits);
  const fraction = digits ? `.${String(abs % scale).padStart(digits, '0')}` : '';
  return format.format(`${value < 0n ? '-' : ''}${abs / scale}${fraction}` as `${number}`);
}

/** The change of `last` against `previous` in percent, one decimal, as the page shows it. */
function percent(last: string, previous: string): string {
  const base = BigInt(previous);
  if (base === 0n) return 'n/a';
  const diff = BigInt(last) - base;
  const size = base < 0n ? -base : base;
  const magnitude = ((diff < 0n ? -diff : diff) * 20_000n + size) / (2n * size);
  const bp = diff < 0n ? -magnitude : magnitude;
  const sign = bp < 0n ? '-' : '';
  const abs = bp < 0n ? -bp : bp;
  const text = `${sign}0.${String(abs).padStart(4, '0')}`.replace(
    /^(-?)0\.(\d+)(\d{4})$/,
    '$1$2.$3',
  );
  return new Intl.NumberFormat('en-US', {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  }).format(text as `${number}`);
}

/** The calendar quarter that starts on `from`, cut at today for the current one. */
function quarterEnd(from: string, today: string): string {
  const start = new Date(`${from}T00:00:00.000Z`);
  start.setUTCMonth(start.getUTCMonth() + 3);
  start.setUTCDate(0);
  const end = start.toISOString().slice(0, 10);
  return end < today ? end : today;
}

const cell = (row: string, column: string) =>
  page.locator(`#statement-table ${row} td[data-column="${column}"]`);
const text = async (row: string, column: string) => (await cell(row, column).textContent()) ?? '';

/** What the tests read of an element in the page (the tests are typed without the DOM's types). */
interface Attributed {
  getAttribute(name: string): string | null;
}

/** Each column's first day, as the table's head names them. */
async function columns(): Promise<string[]> {
  return page
    .locator('#statement-table thead th[data-column]')
    .evaluateAll((ths: Attributed[]) => ths.map((th) => th.getAttribute('data-column') ?? ''));
}

/** No overflow at any width, with the elements that stick out named (see the shared helper). */
const expectNoOverflow = (name: string) => expectNoOverflowIn(page, name);

/** Light and dark, desktop and phone. */
async function photograph(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [size, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      await page.setViewportSize(viewport);
      await page.waitForTimeout(150);
      await page.screenshot({ path: `${SHOTS}/${name}-${scheme}-${size}.png`, fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP);
}

describe('Financial in a browser', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    buildDashboard();
    mkdirSync(SHOTS, { recursive: true });
    server = await startDashboardServer({ ventures: 8, mfa: false, seed: 17 });
    const ledger = createLedgerService({
      db: server.kernel.db,
      clock: server.kernel.clock,
      audit: server.access.audit,
    });
    holding = (await ledger.listEntities(server.orgId)).find((e) => e.kind === 'holding')!;
    subsidiary = (
      await ledger.createEntity(server.orgId, {
        code: 'NW-EU',
        name: 'Northwind Europe',
        kind: 'holding',
        baseCurrency: 'EUR',
        parentId: holding.id,
      })
    ).entity;
    const made = await ledger.createEntity(server.orgId, {
      code: 'NW-EU-TEA',
      name: 'Zephyrine Tea House',
      kind: 'venture',
      baseCurrency: 'GBP',
      parentId: subsidiary.id,
    });
    venture = made.entity;
    const code = (c: string): Account => made.accounts.find((a) => a.code === c)!;
    // Sales and costs on the 2nd of each of the last eight months (a different amount each).
    const now = server.kernel.clock.now();
    const transfers = [];
    for (let k = 1; k <= 8; k++) {
      const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 2, 11));
      const t = (debit: string, credit: string, amount: bigint) => ({
        id: newId(),
        debitAccountId: code(debit).id,
        creditAccountId: code(credit).id,
        amount,
        currency: 'GBP',
        effectiveAt: at,
        description: `Tea ${debit}/${credit} ${k}`,
      });
      transfers.push(
        t('1100', '4100', 100_000n + BigInt(k) * 12_345n),
        t('6200', '1100', 40_000n + BigInt(k % 3) * 5_000n),
        t('1100', '4200', BigInt(k) * 999n),
      );
    }
    transfers.push({
      id: newId(),
      debitAccountId: code('1100').id,
      creditAccountId: code('3000').id,
      amount: 2_500_000n,
      currency: 'GBP',
      effectiveAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 9, 1, 9)),
      description: 'Share capital',
    });
    const results = await ledger.createTransfers(server.orgId, transfers);
    expect(results.map((r) => r.result)).toEqual(transfers.map(() => 'ok'));
    ({ browser, context, page } = await launchBrowser());
    await page.goto(`${server.url}/login`);
    await page.getByLabel('E-mail').fill(server.email);
    await page.getByLabel('Password', { exact: true }).fill(server.password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL(`${server.url}/`);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  const picker = () => page.getByRole('combobox', { name: 'Entity' });
  const tree = () => page.getByRole('tree', { name: 'Entities' });
  const item = (entity: Entity) => page.locator(`[role=treeitem][data-entity="${entity.id}"]`);
  const activeItem = async () => {
    const id = await picker().getAttribute('aria-activedescendant');
    return id ? page.locator(`[id="${id}"]`).getAttribute('data-code') : null;
  };

  it('picks an entity by typing part of its name: the tree shows the match under its parents', async () => {
    await visit(`/financial?entity=${holding.id}`);
    await picker().click();
    await eventually(() => tree().isVisible()).toBe(true);
    await picker().fill('zephyr');
    // The match with the entities above it, opened; its matched text marked.
    await eventually(() =>
      tree()
        .locator('[role=treeitem]')
        .evaluateAll((items: Attributed[]) => items.map((i) => i.getAttribute('data-code'))),
    ).toEqual([holding.code, 'NW-EU', 'NW-EU-TEA']);
    expect(await item(venture).locator('mark').allTextContents()).toEqual(['Zephyr']);
    expect(await item(venture).getAttribute('aria-level')).toBe('3');
    expect(await item(venture).textContent()).toContain('GBP');
    expect(await activeItem()).toBe('NW-EU-TEA');
    await expectAccessible('entity picker, filtered');
    await page.screenshot({ path: `${SHOTS}/financial-picker-filtered.png` });
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`entity=${venture.id}`));
    await eventually(() => picker().inputValue()).toBe('NW-EU-TEA · Zephyrine Tea House (GBP)');
    expect(await picker().getAttribute('aria-expanded')).toBe('false');

    // Nothing matches: said so; Escape gives back the entity shown.
    await picker().fill('no such entity');
    await eventually(() => page.locator('.picker-empty').textContent()).toMatch(
      /No entity matches/,
    );
    expect(await picker().getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('Escape');
    expect(await picker().inputValue()).toBe('NW-EU-TEA · Zephyrine Tea House (GBP)');
  });

  it('picks an entity with the keyboard alone: arrows through the tree, Enter chooses', async () => {
    await visit(`/financial?entity=${holding.id}&report=profit-and-loss`);
    // Tab from the page's heading area to the picker, as a keyboard user would.
    await page.getByRole('heading', { level: 1 }).click();
    const focused = () =>
      page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document
            .activeElement?.id,
      );
    for (let i = 0; i < 10 && (await focused()) !== 'fin-entity'; i++) {
      await page.keyboard.press('Tab');
    }
    expect(await focused()).toBe('fin-entity');
    await page.keyboard.press('ArrowDown');
    await eventually(() => tree().isVisible()).toBe(true);
    // Opened on the entity shown; the sub-holding sorts first among its children, closed.
    expect(await activeItem()).toBe(holding.code);
    await page.keyboard.press('ArrowDown');
    expect(await activeItem()).toBe('NW-EU');
    expect(await item(subsidiary).getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('ArrowRight');
    await eventually(() => item(subsidiary).getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('ArrowRight');
    expect(await activeItem()).toBe('NW-EU-TEA');
    await page.keyboard.press('ArrowLeft');
    expect(await activeItem()).toBe('NW-EU');
    await page.keyboard.press('ArrowLeft');
    await eventually(() => item(subsidiary).getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('ArrowLeft');
    expect(await activeItem()).toBe(holding.code);
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    expect(await activeItem()).toBe(holding.code);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`entity=${subsidiary.id}`));
    // The other parameters stay; consolidated follows the new entity (it has a descendant).
    expect(new URL(page.url()).searchParams.get('report')).toBe('profit-and-loss');
    await eventually(() => page.getByLabel('Consolidated with descendants').isChecked()).toBe(true);
  });

  it("shows quarterly columns whose every figure is the ledger's for that quarter", async () => {
    await visit(`/financial?entity=${venture.id}&report=profit-and-loss`);
    await page.getByLabel('Periods').selectOption('quarter:4');
    await eventually(() => columns()).toHaveLength(4);
    const today = server.kernel.clock.now().toISOString().slice(0, 10);
    const froms = await columns();
    const periods = froms.map((from) => ({ from, to: quarterEnd(from, today) }));
    expect(periods.at(-1)!.to).toBe(today);
    await eventually(() => page.locator('.stale').count()).toBe(0);
    const one = (from: string, to: string) =>
      ledgerApi<{
        revenue: { total: string; lines: { code: string; total: string }[] };
        expenses: { total: string };
        netIncome: string;
      }>('reports/profit-and-loss', { entityId: venture.id, from, to });
    const answers = await Promise.all(periods.map((p) => one(p.from, p.to)));
    const gbp = (minor: string) => money(minor, 'GBP');
    for (const [i, p] of periods.entries()) {
      const a = answers[i]!;
      expect(await text('tr.total:has(th:text("Net income"))', p.from), p.from).toBe(
        gbp(a.netIncome),
      );
      expect(await text('tr.total:has(th:text("Total revenue"))', p.from)).toBe(
        gbp(a.revenue.total),
      );
      expect(await text('tr.total:has(th:text("Total expenses"))', p.from)).toBe(
        gbp(a.expenses.total),
      );
      const sales = a.revenue.lines.find((l) => l.code === '4100')!.total;
      expect(await text('tr[data-account="4100"]', p.from)).toBe(gbp(sales));
      // and the sales line against the postings in the database
      const [row] = await dbRows<{ sales: string }>(
        server.kernel,
        sql`select coalesce(sum(case when p.side = 'credit' then p.amount else -p.amount end), 0)::text as sales
            from ledger_postings p join ledger_transfers t on t.id = p.transfer_id
            join ledger_accounts a on a.id = p.account_id
            where a.entity_id = ${venture.id} and a.code = '4100' and not p.pending
              and t.effective_at >= ${`${p.from}T00:00:00Z`}::timestamptz
              and t.effective_at < (${p.to}::date + 1)::timestamptz`,
      );
      expect(row!.sales).toBe(sales);
    }
    const total = await one(periods[0]!.from, today);
    expect(await text('tr.total:has(th:text("Net income"))', 'total')).toBe(gbp(total.netIncome));
    const [last, previous] = [answers.at(-1)!.netIncome, answers.at(-2)!.netIncome];
    expect(await text('tr.total:has(th:text("Net income"))', 'change')).toBe(
      money(String(BigInt(last) - BigInt(previous)), 'GBP', true),
    );
    expect(await text('tr.total:has(th:text("Net income"))', 'change-percent')).toBe(
      percent(last, previous),
    );
    // the head names the quarters
    expect(
      await page.locator('#statement-table thead th[data-column]').first().textContent(),
    ).toMatch(/^Q[1-4] \d{4}/);
    // An account's line opens its postings over the columns' dates.
    await page.getByRole('button', { name: /^Postings of 4100 / }).click();
    const postings = page.getByTestId('account-postings');
    const [{ n }] = (await dbRows<{ n: number }>(
      server.kernel,
      sql`select count(*)::int as n from ledger_postings p
          join ledger_transfers t on t.id = p.transfer_id
          join ledger_accounts a on a.id = p.account_id
          where a.entity_id = ${venture.id} and a.code = '4100'
            and t.effective_at >= ${`${periods[0]!.from}T00:00:00Z`}::timestamptz`,
    )) as [{ n: number }];
    expect(n).toBeGreaterThan(0);
    await eventually(() => postings.locator('tr[data-transfer]').count()).toBe(n);
    await page.keyboard.press('Escape');
    await expectAccessible('quarterly profit and loss');
    await photograph('financial-quarters');
  });

  it("consolidated monthly balance sheets and cash flow: each column is the ledger's", async () => {
    await visit(`/financial?entity=${holding.id}&period=month&count=6`);
    await eventually(() => columns()).toHaveLength(6);
    const froms = await columns();
    const monthEnd = (from: string) => {
      const end = new Date(`${from}T00:00:00.000Z`);
      end.setUTCMonth(end.getUTCMonth() + 1);
      end.setUTCDate(0);
      const today = server.kernel.clock.now().toISOString().slice(0, 10);
      const day = end.toISOString().slice(0, 10);
      return day < today ? day : today;
    };
    for (const from of froms) {
      const bs = await ledgerApi<{
        currency: string;
        assets: { total: string };
        liabilitiesAndEquity: string;
      }>('reports/balance-sheet', {
        entityId: holding.id,
        consolidated: 'true',
        asOf: monthEnd(from),
      });
      expect(await text('tr.total:has(th:text("Total assets"))', from), from).toBe(
        money(bs.assets.total, bs.currency),
      );
      expect(await text('tr.total:has(th:text("Liabilities and equity"))', from)).toBe(
        money(bs.liabilitiesAndEquity, bs.currency),
      );
    }
    // No Total column for balances.
    expect(await page.locator('#statement-table td[data-column="total"]').count()).toBe(0);

    await page.getByRole('button', { name: 'Cash flow' }).click();
    await eventually(() =>
      page.locator('#statement-table tr:has(th:text("Closing cash"))').count(),
    ).toBe(1);
    await eventually(() => page.locator('.stale').count()).toBe(0);
    for (const from of froms) {
      const cf = await ledgerApi<{ currency: string; openingCash: string; closingCash: string }>(
        'reports/cash-flow',
        { entityId: holding.id, consolidated: 'true', from, to: monthEnd(from) },
      );
      expect(await text('tr:has(th:text("Opening cash"))', from), from).toBe(
        money(cf.openingCash, cf.currency),
      );
      expect(await text('tr:has(th:text("Closing cash"))', from)).toBe(
        money(cf.closingCash, cf.currency),
      );
    }
    await expectAccessible('consolidated cash flow by month');
    await photograph('financial-cash-flow-months');
  });

  it('fits every width from 360 to 1440 px with twelve months, in both themes, accessibly', async () => {
    await visit(`/financial?entity=${holding.id}&report=profit-and-loss&period=month&count=12`);
    await eventually(() => columns()).toHaveLength(12);
    await expectNoOverflow('twelve months of profit and loss');
    // The account column stays in view while the table scrolls sideways on a phone.
    await page.setViewportSize(PHONE);
    const scroller = page.locator('.table-scroll:has(#statement-table)');
    const firstColumn = page.locator('#statement-table tbody tr.total th').first();
    // Measured once the page has laid itself out at the new width (a busy machine may take a
    // few frames), scrolled sideways each time.
    await eventually(async () => {
      await scroller.evaluate((el: { scrollTo(to: { left: number }): void }) =>
        el.scrollTo({ left: 400 }),
      );
      const box = (await firstColumn.boundingBox())!;
      const frame = (await scroller.boundingBox())!;
      return Math.abs(box.x - frame.x);
    }).toBeLessThan(2);
    // Figures never wrap: the text of every figure's cell lies on one line.
    const lines = await page.locator('#statement-table td.num').evaluateAll((cells) =>
      cells.map((cell) => {
        const range = cell.ownerDocument.createRange();
        range.selectNodeContents(cell);
        return new Set(
          Array.from(range.getClientRects(), (r: { top: number }) => Math.round(r.top)),
        ).size;
      }),
    );
    expect(lines.length).toBeGreaterThan(12 * 5);
    expect(Math.max(...lines)).toBe(1);
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await eventually(() => columns()).toHaveLength(12);
    await expectAccessible('twelve months, dark');
    await picker().click();
    await picker().fill('demo');
    await eventually(() => tree().isVisible()).toBe(true);
    await expectAccessible('entity picker, dark');
    await expectNoOverflow('the entity picker open');
    await page.screenshot({ path: `${SHOTS}/financial-picker-dark-desktop.png` });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: `${SHOTS}/financial-picker-dark-phone.png` });
    await page.keyboard.press('Escape');
    await page.emulateMedia({ colorScheme: 'light' });
    await photograph('financial-twelve-months');
  });

  it('folds an account with more than twenty sub-accounts until asked, its figures whole', async () => {
    const ledger = createLedgerService({
      db: server.kernel.db,
      clock: server.kernel.clock,
      audit: server.access.audit,
    });
    const [rent] = await dbRows<{ id: string }>(
      server.kernel,
      sql`select id::text from ledger_accounts where entity_id = ${venture.id} and code = '6200'`,
    );
    const [bank] = await dbRows<{ id: string }>(
      server.kernel,
      sql`select id::text from ledger_accounts where entity_id = ${venture.id} and code = '1100'`,
    );
    const now = server.kernel.clock.now();
    const transfers = [];
    for (let n = 1; n <= 22; n++) {
      const shop = await ledger.createAccount(server.orgId, {
        entityId: venture.id,
        code: `6200-${String(n).padStart(2, '0')}`,
        name: `Shop ${n} rent`,
        type: 'expense',
        parentAccountId: rent!.id,
      });
      transfers.push({
        id: newId(),
        debitAccountId: shop.id,
        creditAccountId: bank!.id,
        amount: 1_000n * BigInt(n),
        currency: 'GBP',
        effectiveAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 5, 10)),
        description: `Shop ${n} rent`,
      });
    }
    const results = await ledger.createTransfers(server.orgId, transfers);
    expect(results.map((r) => r.result)).toEqual(transfers.map(() => 'ok'));

    await visit(`/financial?entity=${venture.id}&report=profit-and-loss&period=month&count=3`);
    const fold = page.locator('button[data-fold="6200"]');
    await eventually(() => fold.textContent()).toBe('Show its 22 accounts');
    expect(await fold.getAttribute('aria-expanded')).toBe('false');
    const shops = page.locator('#statement-table tr[data-account^="6200-"]');
    expect(await shops.count()).toBe(0);
    await expectAccessible('a folded account');
    await fold.click();
    await eventually(() => shops.count()).toBe(22);
    expect(await fold.getAttribute('aria-expanded')).toBe('true');
    expect(await fold.textContent()).toBe('Hide its accounts');
    await photograph('financial-unfolded');
    await fold.press('Enter');
    await eventually(() => shops.count()).toBe(0);
  });
});
