import { mkdirSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  SHOTS,
  dbRows,
  eventually,
  expectAccessible,
  launchBrowser,
  visitPage,
} from '../helpers/browser.ts';
import {
  buildDashboard,
  startDashboardServer,
  type DashboardServer,
} from '../helpers/web-server.ts';

/**
 * Transfer approvals in a real browser, each step checked in the database: an administrator adds
 * a policy in Settings, an editor books a transfer above its threshold from the Financial page's
 * dialog and is told it went to approval (nothing posts), the administrator sees it in "Waiting
 * for you" and approves it from the Financial page's panel (it posts, the balances move), and
 * rejects another with a reason from Home. Pages are checked with axe-core.
 */

let server: DashboardServer;
let browser: Browser;
let context: BrowserContext;
/** The administrator's page. */
let page: Page;
/** The editor's, in a context of their own. */
let editorContext: BrowserContext;
let editor: Page;

const EDITOR = { email: 'editor@studio.test', password: 'editor password 123' };
const rows = <T>(query: SQL) => dbRows<T>(server.kernel, query);

async function signIn(target: Page, email: string, password: string): Promise<void> {
  await target.goto(`${server.url}/login`);
  await target.getByLabel('E-mail').fill(email);
  await target.getByLabel('Password', { exact: true }).fill(password);
  await target.getByRole('button', { name: /sign in/i }).click();
  await target.waitForURL(`${server.url}/`);
}

const visit = (target: Page, path: string, heading: string | RegExp) =>
  visitPage(target, `${server.url}${path}`, heading);

/** A demo venture's entity, and its bank (1100) and rent (6200) accounts. */
let entity: { id: string; code: string; currency: string };
let bank: string;
let rentAccount: string;

const bankCredits = async () =>
  (
    await rows<{ credits: string }>(
      sql`select credits_posted::text as credits from ledger_accounts where id = ${bank}`,
    )
  )[0]!.credits;

const bankDebits = async () =>
  (
    await rows<{ debits: string }>(
      sql`select debits_posted::text as debits from ledger_accounts where id = ${bank}`,
    )
  )[0]!.debits;

/**
 * Chooses an entity in an entity picker by typing its code: Enter once the tree's active item
 * is that entity (the filter applies a frame later), then the box shows it.
 */
async function chooseEntity(picker: Locator, target: { id: string; code: string }) {
  await picker.fill(target.code);
  await eventually(async () => {
    const active = await picker.getAttribute('aria-activedescendant');
    return active ? picker.page().locator(`[id="${active}"]`).getAttribute('data-entity') : null;
  }).toBe(target.id);
  await picker.press('Enter');
  await eventually(() => picker.inputValue()).toMatch(new RegExp(`^${target.code} · `));
}

/** Books a transfer from the editor's dialog; answers the outcome notice's result. */
async function bookAsEditor(amount: string, description: string): Promise<string | null> {
  await visit(editor, `/financial?entity=${entity.id}`, 'Financial');
  await editor.getByRole('button', { name: 'New transfer' }).click();
  const form = editor.getByTestId('transfer-form');
  await form.getByLabel('Debit account').selectOption(rentAccount);
  await form.getByLabel('Credit account').selectOption(bank);
  await form.getByLabel(/^Amount/).fill(amount);
  await form.getByLabel('Description').fill(description);
  await form.getByRole('button', { name: 'Book transfer' }).click();
  const outcome = form.getByTestId('transfer-outcome');
  await outcome.waitFor();
  return outcome.getAttribute('data-result');
}

describe('transfer approvals in the dashboard', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    buildDashboard();
    mkdirSync(SHOTS, { recursive: true });
    server = await startDashboardServer({ ventures: 3, mfa: false, seed: 5 });
    await server.access.users.addMember(
      server.orgId,
      { email: EDITOR.email, name: 'Eda Editor', password: EDITOR.password, role: 'editor' },
      'system',
    );
    entity = (
      await rows<{ id: string; code: string; currency: string }>(
        sql`select id::text, code, base_currency as currency from ledger_entities
            where org_id = ${server.orgId} and parent_id is not null order by code limit 1`,
      )
    )[0]!;
    const accounts = await rows<{ id: string; code: string }>(
      sql`select id::text, code from ledger_accounts
          where entity_id = ${entity.id} and code in ('1100', '6200') order by code`,
    );
    [bank, rentAccount] = [accounts[0]!.id, accounts[1]!.id];
    ({ browser, context, page } = await launchBrowser());
    await signIn(page, server.email, server.password);
    editorContext = await browser.newContext({
      viewport: DESKTOP,
      locale: 'en-US',
      timezoneId: 'UTC',
      reducedMotion: 'reduce',
    });
    editor = await editorContext.newPage();
    await signIn(editor, EDITOR.email, EDITOR.password);
  }, 240_000);

  afterAll(async () => {
    await editorContext?.close();
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('lets an administrator add a policy in Settings, which editors see but cannot change', async () => {
    await visit(page, '/settings', 'Settings');
    const section = page.locator('section[aria-labelledby="approval-policies-title"]');
    await section.getByLabel('From (amount)').fill('1000');
    await section.getByLabel('Currency', { exact: true }).fill(entity.currency);
    await section.getByLabel('Description').fill('Large payments');
    await section.getByRole('button', { name: 'Add policy' }).click();
    await eventually(() => section.locator('tr[data-policy]').count()).toBe(1);
    await expectAccessible(page, 'settings with an approval policy');
    const [policy] = await rows<Record<string, unknown>>(
      sql`select threshold_amount::text as amount, threshold_currency as currency,
            currency as only, approvals_required as approvals, approver_role as role,
            entity_id as entity
          from ledger_approval_policies where org_id = ${server.orgId} and removed_at is null`,
    );
    expect(policy).toEqual({
      amount: '100000',
      currency: entity.currency,
      only: null,
      approvals: 1,
      role: 'admin',
      entity: null,
    });

    // A policy for one entity, chosen in the entity tree, then removed (confirmed).
    await section.getByLabel('Applies to').selectOption('one');
    await chooseEntity(section.getByRole('combobox', { name: 'Entity' }), entity);
    await section.getByLabel('From (amount)').fill('50000');
    await section.getByLabel('Description').fill('One venture, very large');
    await section.getByRole('button', { name: 'Add policy' }).click();
    await eventually(() => section.locator('tr[data-policy]').count()).toBe(2);
    const scoped = section.locator('tr[data-policy]', { hasText: 'One venture, very large' });
    expect(await scoped.textContent()).toContain(entity.code);
    expect(
      await rows(sql`select 1 from ledger_approval_policies where org_id = ${server.orgId}
                     and entity_id = ${entity.id} and removed_at is null`),
    ).toHaveLength(1);
    await expectAccessible(page, 'settings with a policy for one entity');
    page.once('dialog', (confirm) => void confirm.accept());
    await scoped.getByRole('button', { name: /Remove/ }).click();
    await eventually(() => section.locator('tr[data-policy]').count()).toBe(1);
    expect(
      await rows(sql`select 1 from ledger_approval_policies where org_id = ${server.orgId}
                     and entity_id = ${entity.id} and removed_at is not null`),
    ).toHaveLength(1);

    await visit(editor, '/settings', 'Settings');
    const seen = editor.locator('section[aria-labelledby="approval-policies-title"]');
    await eventually(() => seen.locator('tr[data-policy]').count()).toBe(1);
    expect(await seen.getByRole('button', { name: /Remove/ }).count()).toBe(0);
    expect(await seen.getByRole('button', { name: 'Add policy' }).count()).toBe(0);
  });

  it('tells an editor their transfer went to approval; nothing posts', async () => {
    const before = await bankCredits();
    expect(await bookAsEditor('999.99', 'Desk chairs')).toBe('ok');
    expect(await bankCredits()).toBe(String(BigInt(before) + 99_999n));

    const result = await bookAsEditor('1500', 'Office rent, April');
    expect(result).toBe('awaiting_approval');
    const form = editor.getByTestId('transfer-form');
    expect(await form.getByTestId('transfer-outcome').textContent()).toMatch(
      /Sent for approval: 1500 .* posts once approved \(0 of 1 approval \(administrators\)\)/,
    );
    await expectAccessible(editor, 'transfer dialog, sent for approval');
    await editor.screenshot({ path: `${SHOTS}/approvals-sent.png` });
    const [request] = await rows<{ id: string; status: string; amount: string }>(
      sql`select id::text, status, amount::text from ledger_transfer_requests
          where org_id = ${server.orgId} and transfer->>'description' = 'Office rent, April'`,
    );
    expect(request).toMatchObject({ status: 'awaiting_approval', amount: '150000' });
    expect(
      await rows(sql`select 1 from ledger_transfers where org_id = ${server.orgId}
                     and id = ${request!.id}`),
    ).toHaveLength(0);
    expect(await bankCredits()).toBe(String(BigInt(before) + 99_999n));
    await form.getByRole('button', { name: 'Cancel' }).click();

    // The editor sees it waiting on Financial, and may withdraw it but not approve it.
    const panel = editor.getByTestId('transfer-approvals');
    const item = panel.locator(`li[data-request="${request!.id}"]`);
    await eventually(() => item.textContent()).toMatch(/Asked by you/);
    expect(await item.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
    expect(await item.getByRole('button', { name: /^Reject/ }).count()).toBe(1);
  });

  it('shows the administrator what waits, and posts the transfer when they approve it', async () => {
    const [request] = await rows<{ id: string }>(
      sql`select id::text from ledger_transfer_requests
          where org_id = ${server.orgId} and status = 'awaiting_approval'`,
    );
    const before = await bankCredits();
    await visit(page, '/', 'Portfolio');
    const waiting = page.getByTestId('waiting');
    await eventually(() =>
      waiting.locator(`li[data-transfer-request="${request!.id}"]`).textContent(),
    ).toMatch(/Transfer of .*1,500\.00/);
    await expectAccessible(page, 'home with a transfer waiting');

    await visit(page, `/financial?entity=${entity.id}`, 'Financial');
    const item = page
      .getByTestId('transfer-approvals')
      .locator(`li[data-request="${request!.id}"]`);
    await eventually(() => item.textContent()).toMatch(/Asked by Eda Editor/);
    await expectAccessible(page, 'financial with transfers waiting for approval');
    await page.screenshot({ path: `${SHOTS}/approvals-panel.png` });
    await item.getByRole('button', { name: /^Approve/ }).click();
    await eventually(
      async () =>
        (
          await rows<{ status: string; posted: string | null }>(
            sql`select status, posted_transfer_id::text as posted from ledger_transfer_requests
                where id = ${request!.id}`,
          )
        )[0],
    ).toEqual({ status: 'posted', posted: request!.id });
    const [transfer] = await rows<Record<string, unknown>>(
      sql`select status, amount::text as amount, debit_account_id::text as debit,
            credit_account_id::text as credit, description
          from ledger_transfers where org_id = ${server.orgId} and id = ${request!.id}`,
    );
    expect(transfer).toEqual({
      status: 'posted',
      amount: '150000',
      debit: rentAccount,
      credit: bank,
      description: 'Office rent, April',
    });
    expect(await bankCredits()).toBe(String(BigInt(before) + 150_000n));
    // the panel empties once nothing waits
    await eventually(() => page.getByTestId('transfer-approvals').count()).toBe(0);
  });

  it('rejects a transfer with a reason from Home', async () => {
    expect(await bookAsEditor('2000', 'Team offsite')).toBe('awaiting_approval');
    const [request] = await rows<{ id: string }>(
      sql`select id::text from ledger_transfer_requests
          where org_id = ${server.orgId} and status = 'awaiting_approval'`,
    );
    await visit(page, '/', 'Portfolio');
    const item = page.getByTestId('waiting').locator(`li[data-transfer-request="${request!.id}"]`);
    await item.getByRole('button', { name: /^Reject/ }).click();
    const reason = item.getByLabel(/^Why reject/);
    await reason.fill('Not in this quarter’s budget');
    await expectAccessible(page, 'home, rejecting a transfer');
    await item.getByRole('button', { name: 'Reject transfer' }).click();
    await eventually(
      async () =>
        (
          await rows<{ status: string; reason: string | null }>(
            sql`select status, rejection_reason as reason from ledger_transfer_requests
                where id = ${request!.id}`,
          )
        )[0],
    ).toEqual({ status: 'rejected', reason: 'Not in this quarter’s budget' });
    expect(await rows(sql`select 1 from ledger_transfers where id = ${request!.id}`)).toHaveLength(
      0,
    );
    await eventually(() => page.getByTestId('waiting').count()).toBe(0);
  });

  it('reverses a posted transfer from its account’s postings, with approval above the threshold', async () => {
    const [chairs, rent] = await rows<{ id: string }>(
      sql`select id::text from ledger_transfers where org_id = ${server.orgId}
          and description in ('Desk chairs', 'Office rent, April') order by description`,
    );
    const before = await bankDebits();
    const reverse = async (description: string) => {
      await visit(editor, `/financial?entity=${entity.id}`, 'Financial');
      await editor.getByRole('button', { name: /^Postings of 1100 / }).click();
      const postings = editor.getByTestId('account-postings');
      const line = postings.locator('tr[data-transfer]', { hasText: description });
      await line.getByRole('button', { name: /^Reverse / }).click();
      const form = postings.getByTestId('reverse-form');
      expect(await form.getByLabel('Description').inputValue()).toBe(`Reversal of ${description}`);
      await form.getByRole('button', { name: 'Reverse transfer' }).click();
      const outcome = form.getByTestId('reverse-outcome');
      await outcome.waitFor();
      return { form, result: await outcome.getAttribute('data-result') };
    };

    // Under the threshold: the opposite movement posts at once, the original stays.
    const { form } = await reverse('Desk chairs');
    await expectAccessible(editor, 'postings, a transfer reversed');
    await editor.screenshot({ path: `${SHOTS}/approvals-reversed.png` });
    const [reversal] = await rows<Record<string, unknown>>(
      sql`select status, amount::text as amount, debit_account_id::text as debit,
            credit_account_id::text as credit, description
          from ledger_transfers where org_id = ${server.orgId} and reverses_id = ${chairs!.id}`,
    );
    expect(reversal).toEqual({
      status: 'posted',
      amount: '99999',
      debit: bank,
      credit: rentAccount,
      description: 'Reversal of Desk chairs',
    });
    expect(await bankDebits()).toBe(String(BigInt(before) + 99_999n));
    // Back in the list, the line says it is reversed and offers no second reversal.
    await form.getByRole('button', { name: 'Back to the postings' }).click();
    const postings = editor.getByTestId('account-postings');
    const line = postings.locator(`tr[data-transfer="${chairs!.id}"]`);
    await eventually(() => line.textContent()).toMatch(/Reversed/);
    expect(await line.getByRole('button', { name: /^Reverse / }).count()).toBe(0);

    // Above it: the reversal waits for an administrator, who sees it as a reversal.
    const held = await reverse('Office rent, April');
    expect(held.result).toBe('awaiting_approval');
    expect(await bankDebits()).toBe(String(BigInt(before) + 99_999n));
    const [request] = await rows<{ id: string }>(
      sql`select id::text from ledger_transfer_requests where org_id = ${server.orgId}
          and status = 'awaiting_approval' and transfer->>'reversesId' = ${rent!.id}`,
    );
    await visit(page, '/', 'Portfolio');
    await eventually(() =>
      page
        .getByTestId('waiting')
        .locator(`li[data-transfer-request="${request!.id}"]`)
        .textContent(),
    ).toMatch(/Reversal/);
    await visit(page, `/financial?entity=${entity.id}`, 'Financial');
    const item = page
      .getByTestId('transfer-approvals')
      .locator(`li[data-request="${request!.id}"]`);
    await item.getByRole('button', { name: /^Approve/ }).click();
    await eventually(async () =>
      (
        await rows<{ status: string }>(
          sql`select status from ledger_transfers where org_id = ${server.orgId}
              and id = ${request!.id} and reverses_id = ${rent!.id}`,
        )
      ).map((t) => t.status),
    ).toEqual(['posted']);
    expect(await bankDebits()).toBe(String(BigInt(before) + 99_999n + 150_000n));
  });

  it('books an intercompany loan from the dialog: both legs under the threshold, one request above', async () => {
    const [other] = await rows<{ id: string; code: string; currency: string }>(
      sql`select id::text, code, base_currency as currency from ledger_entities
          where org_id = ${server.orgId} and id <> ${entity.id}
          order by (base_currency = ${entity.currency}) desc, code limit 1`,
    );
    /** Books a loan to the other entity from the editor's dialog; answers the outcome. */
    const lend = async (amount: string, description: string) => {
      await visit(editor, `/financial?entity=${entity.id}`, 'Financial');
      await editor.getByRole('button', { name: 'Intercompany transfer' }).click();
      const form = editor.getByTestId('intercompany-form');
      await form.getByLabel('Kind').selectOption('loan');
      await chooseEntity(form.getByLabel('To entity'), other!);
      await form.getByLabel('Amount').fill(amount);
      await form.getByLabel('Currency').selectOption(entity.currency);
      await form.getByLabel('Description').fill(description);
      await form.getByRole('button', { name: 'Book transfer' }).click();
      const outcome = form.getByTestId('intercompany-outcome');
      await outcome.waitFor();
      return { form, outcome };
    };

    const small = await lend('250', 'Working capital');
    expect(await small.outcome.getAttribute('data-result')).toBe('ok');
    expect(await small.outcome.textContent()).toMatch(
      new RegExp(`Booked .*250\\.00 in ${entity.code} and .* in ${other!.code}`),
    );
    await expectAccessible(editor, 'intercompany dialog, booked');
    await editor.screenshot({ path: `${SHOTS}/intercompany-booked.png` });
    const legs = await rows<{ entity: string; status: string; amount: string }>(
      sql`select a.entity_id::text as entity, t.status, t.amount::text as amount
          from ledger_transfers t join ledger_accounts a on a.id = t.debit_account_id
          where t.org_id = ${server.orgId} and t.description = 'Working capital'
          order by (a.entity_id = ${entity.id}) desc`,
    );
    expect(legs.map((l) => [l.entity, l.status])).toEqual([
      [entity.id, 'posted'],
      [other!.id, 'posted'],
    ]);
    if (other!.currency === entity.currency)
      expect(legs.map((l) => l.amount)).toEqual(['25000', '25000']);
    await small.form.getByRole('button', { name: 'Cancel' }).click();

    const large = await lend('3000', 'Bridge loan');
    expect(await large.outcome.getAttribute('data-result')).toBe('awaiting_approval');
    await large.form.getByRole('button', { name: 'Cancel' }).click();
    const [request] = await rows<{ id: string; linked: { id: string }[] }>(
      sql`select id::text, linked from ledger_transfer_requests
          where org_id = ${server.orgId} and status = 'awaiting_approval'
            and transfer->>'description' = 'Bridge loan'`,
    );
    const id = request!.id;
    const secondLeg = request!.linked[0]!.id;
    expect(
      await rows(sql`select 1 from ledger_transfers where id in (${id}, ${secondLeg})`),
    ).toHaveLength(0);

    await visit(page, '/', 'Portfolio');
    await eventually(() =>
      page.getByTestId('waiting').locator(`li[data-transfer-request="${id}"]`).textContent(),
    ).toMatch(/Intercompany transfer of .*3,000\.00/);
    await visit(page, `/financial?entity=${entity.id}`, 'Financial');
    const item = page.getByTestId('transfer-approvals').locator(`li[data-request="${id}"]`);
    await eventually(() => item.textContent()).toMatch(/Intercompany/);
    expect(await item.textContent()).toMatch(new RegExp(`with .*3,000\\.00 in ${other!.code}`));
    await expectAccessible(page, 'financial with an intercompany transfer waiting');
    await page.screenshot({ path: `${SHOTS}/approvals-intercompany.png` });
    await item.getByRole('button', { name: /^Approve/ }).click();
    await eventually(async () =>
      (
        await rows<{ id: string; status: string; amount: string }>(
          sql`select id::text, status, amount::text from ledger_transfers
              where org_id = ${server.orgId} and id in (${id}, ${secondLeg}) order by amount, id`,
        )
      ).map((t) => t.status),
    ).toEqual(['posted', 'posted']);
    const [done] = await rows<{ status: string }>(
      sql`select status from ledger_transfer_requests where id = ${id}`,
    );
    expect(done).toEqual({ status: 'posted' });
  });
});
