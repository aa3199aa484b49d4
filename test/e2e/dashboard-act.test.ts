import { mkdirSync, readFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  SHOTS,
  dbRows,
  eventually,
  expectAccessible as accessible,
  expectNoOverflow as noOverflow,
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
 * Acting from the dashboard in a real browser, each write checked in the database afterwards:
 * create, edit and archive a venture, record a KPI as people type it, import a KPI CSV with its
 * row report, import n8n files with a report per file, activate and run workflows, and decide a
 * task that waits for approval from Home's "Waiting for you". A viewer
 * sees none of the write actions. Pages are checked with axe-core and for horizontal overflow
 * at phone and desktop widths.
 */

let server: DashboardServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const rows = <T>(query: SQL) => dbRows<T>(server.kernel, query);

async function signIn(target: Page, email: string, password: string): Promise<void> {
  await target.goto(`${server.url}/login`);
  await target.getByLabel('E-mail').fill(email);
  await target.getByLabel('Password', { exact: true }).fill(password);
  await target.getByRole('button', { name: /sign in/i }).click();
  await target.waitForURL(`${server.url}/`);
}

const visit = (path: string, heading: string | RegExp, target: Page = page) =>
  visitPage(target, `${server.url}${path}`, heading);

const expectAccessible = (name: string) => accessible(page, name);

const expectNoOverflow = (name: string) => noOverflow(page, name);

const dialog = (id: string) => page.getByTestId(id);

describe('acting from the dashboard', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    buildDashboard();
    mkdirSync(SHOTS, { recursive: true });
    server = await startDashboardServer({ ventures: 6, mfa: false, seed: 5 });
    ({ browser, context, page } = await launchBrowser());
    await signIn(page, server.email, server.password);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('creates a venture from Businesses, naming each refused field', async () => {
    await visit('/businesses', 'Businesses');
    await page.getByRole('button', { name: 'New venture' }).click();
    const form = dialog('venture-form');
    await form.getByLabel('Name').fill('Blue Harbor Tea');
    // The slug follows the name until it is typed.
    expect(await form.getByLabel('Slug').inputValue()).toBe('blue-harbor-tea');
    await form.getByLabel('Category').selectOption({ index: 1 });
    await form.getByLabel('Stage').selectOption('building');
    await form.getByLabel('Site').fill('not a url');
    await expectAccessible('venture form');
    await page.screenshot({ path: `${SHOTS}/act-venture-form.png` });
    await form.getByRole('button', { name: 'Create venture' }).click();
    // The server refuses the site; the problem shows beside that field, nothing is written.
    await eventually(() => form.locator('#venture-site-problem').textContent()).toBeTruthy();
    expect(
      await rows(sql`select 1 from portfolio_ventures where slug = 'blue-harbor-tea'`),
    ).toHaveLength(0);

    await form.getByLabel('Site').fill('https://blueharbor.example');
    await form.getByLabel('Tags').fill('tea, retail');
    await form.getByLabel('Description').fill('Loose-leaf tea, sold online.');
    await form.getByRole('button', { name: 'Create venture' }).click();
    await page.waitForURL(/\/businesses\/blue-harbor-tea$/);
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Blue Harbor Tea',
    );
    const [row] = await rows<Record<string, unknown>>(
      sql`select name, stage, site_url, tags, description from portfolio_ventures
          where org_id = ${server.orgId} and slug = 'blue-harbor-tea'`,
    );
    expect(row).toEqual({
      name: 'Blue Harbor Tea',
      stage: 'building',
      site_url: 'https://blueharbor.example',
      tags: ['tea', 'retail'],
      description: 'Loose-leaf tea, sold online.',
    });
  });

  it('edits the venture: stage, tags and ledger entity', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = dialog('venture-form');
    await form.getByLabel('Stage').selectOption('launched');
    await form.getByLabel('Tags').fill('tea');
    await form.getByLabel('Ledger entity').selectOption({ index: 1 });
    await form.getByRole('button', { name: 'Save changes' }).click();
    await eventually(() => page.locator('[data-field="stage"]').textContent()).toBe('launched');
    const [row] = await rows<{ stage: string; tags: string[]; entity: string | null }>(
      sql`select stage, tags, ledger_entity_id::text as entity from portfolio_ventures
          where org_id = ${server.orgId} and slug = 'blue-harbor-tea'`,
    );
    expect(row).toMatchObject({ stage: 'launched', tags: ['tea'] });
    expect(row!.entity).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records a KPI typed as people write it, stored exactly in minor units', async () => {
    await page.getByRole('button', { name: 'Record KPI' }).click();
    const form = dialog('kpi-form');
    await form.getByLabel('Metric').selectOption('mrr');
    await form.getByLabel('Month').fill('2026-11');
    await form.getByLabel('Value').fill('1250.5');
    await form.getByLabel('Currency').fill('EUR');
    await expectAccessible('KPI form');
    await form.getByRole('button', { name: 'Record' }).click();
    await eventually(() => form.getByRole('status').textContent()).toMatch(/recorded/);
    // Too many decimals for JPY: refused, named on the value.
    await form.getByLabel('Value').fill('10.5');
    await form.getByLabel('Currency').fill('JPY');
    await form.getByRole('button', { name: 'Record' }).click();
    await eventually(() => form.locator('#kpi-value-problem').textContent()).toMatch(/decimals/);
    await form.getByRole('button', { name: 'Close' }).first().click();
    const kpis = await rows<{ value: string; currency: string; day: string }>(
      sql`select trim_scale(k.value)::text as value, k.currency, to_char(k.day, 'YYYY-MM-DD') as day
          from portfolio_kpis k join portfolio_ventures v on v.id = k.venture_id
          where v.slug = 'blue-harbor-tea' and k.metric = 'mrr'`,
    );
    expect(kpis).toEqual([{ value: '125050', currency: 'EUR', day: '2026-11-01' }]);
  });

  it('imports a KPI CSV: checks, then writes the valid rows and reports the others by line', async () => {
    await visit('/businesses', 'Businesses');
    await page.getByRole('button', { name: 'Import KPIs' }).click();
    const form = dialog('kpi-import');
    await form
      .getByLabel('Or paste it')
      .fill(
        [
          'venture,metric,date,value,currency',
          'blue-harbor-tea,customers,2026-11,42,',
          'blue-harbor-tea,churn,2026-11,2.5,',
          'no-such-venture,customers,2026-11,1,',
        ].join('\n'),
      );
    await form.getByRole('button', { name: 'Check' }).click();
    const report = form.getByTestId('kpi-import-report');
    await eventually(() => report.textContent()).toMatch(/3 rows, 2 valid: nothing written yet/);
    expect(
      await rows(sql`select 1 from portfolio_kpis k join portfolio_ventures v on v.id = k.venture_id
                     where v.slug = 'blue-harbor-tea' and k.metric in ('customers', 'churn')`),
    ).toHaveLength(0);
    await form.getByRole('button', { name: 'Import valid rows' }).click();
    await eventually(() => report.textContent()).toMatch(/2 written/);
    expect(await report.locator('tr[data-row="4"]').textContent()).toMatch(/venture/);
    await expectAccessible('KPI import');
    await page.screenshot({ path: `${SHOTS}/act-kpi-import.png` });
    const written = await rows<{ metric: string; value: string }>(
      sql`select k.metric, trim_scale(k.value)::text as value from portfolio_kpis k
          join portfolio_ventures v on v.id = k.venture_id
          where v.slug = 'blue-harbor-tea' and k.metric in ('customers', 'churn') order by 1`,
    );
    expect(written).toEqual([
      { metric: 'churn', value: '250' },
      { metric: 'customers', value: '42' },
    ]);
    await form.getByRole('button', { name: 'Close' }).first().click();
  });

  it('archives the venture after a confirmation', async () => {
    await visit('/businesses/blue-harbor-tea', 'Blue Harbor Tea');
    await page.getByRole('button', { name: 'Archive' }).click();
    await dialog('archive-venture').getByRole('button', { name: 'Keep it' }).click();
    expect(
      await rows(sql`select 1 from portfolio_ventures
                     where slug = 'blue-harbor-tea' and archived_at is not null`),
    ).toHaveLength(0);
    await page.getByRole('button', { name: 'Archive' }).click();
    await dialog('archive-venture').getByRole('button', { name: 'Archive venture' }).click();
    await eventually(() => page.getByRole('status').first().textContent()).toMatch(/Archived on/);
    expect(
      await rows(sql`select 1 from portfolio_ventures
                     where slug = 'blue-harbor-tea' and archived_at is not null`),
    ).toHaveLength(1);
  });

  it('decides a task waiting for approval from Home', async () => {
    const api = (method: string, url: string, body: unknown) =>
      fetch(`${server.url}${url}`, {
        method,
        headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as { data: { id: string; state: string } },
      }));
    const agent = await api('POST', '/api/v1/agents', {
      botId: 'payer',
      name: 'Payer',
      kind: 'code',
      handler: 'echo',
      capabilities: ['payments'],
    });
    expect(agent.status).toBe(201);
    const tasks: string[] = [];
    for (const input of ['pay supplier 1', 'pay supplier 2']) {
      const res = await api('POST', '/api/v1/agents/tasks', {
        capabilities: ['payments'],
        input,
        requiresApproval: true,
      });
      expect(res.body.data).toMatchObject({ state: 'waiting' });
      tasks.push(res.body.data.id);
    }
    await visit('/', 'Portfolio');
    const waiting = page.getByTestId('waiting');
    await eventually(() => waiting.locator('[data-metric="waiting.count"]').textContent()).toBe(
      '2',
    );
    await expectAccessible('home with waiting tasks');
    await page.screenshot({ path: `${SHOTS}/act-waiting.png` });
    await waiting
      .locator(`li[data-task="${tasks[0]}"]`)
      .getByRole('button', { name: 'Approve' })
      .click();
    await waiting
      .locator(`li[data-task="${tasks[1]}"]`)
      .getByRole('button', { name: 'Reject' })
      .click();
    await eventually(async () =>
      (
        await rows<{ id: string; state: string; approved: boolean }>(
          sql`select id::text, state, approved_by is not null as approved from agents_tasks
              where id in (${tasks[0]}, ${tasks[1]}) order by input::text`,
        )
      ).map((t) => [t.state === 'waiting', t.approved]),
    ).toEqual([
      [false, true],
      [false, false],
    ]);
    await eventually(() => waiting.count()).toBe(0);
  });

  it('imports n8n files with a report per file, activates one and runs another', async () => {
    const manual = manualReportWorkflow('Daily report');
    await visit('/workflows', 'Workflows');
    await page.getByRole('button', { name: 'Import workflows' }).first().click();
    const form = dialog('workflow-import');
    await form.getByLabel('Choose files').setInputFiles([
      {
        name: 'daily-report.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(manual)),
      },
      {
        name: 'respond.json',
        mimeType: 'application/json',
        buffer: readFileSync('test/fixtures/workflows/wf-respond.json'),
      },
      { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{ "nodes": [') },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a workflow') },
    ]);
    await eventually(() => form.getByTestId('workflow-picked').textContent()).toMatch(
      /3 files ready \(1 not \.json, left out\)/,
    );
    await form.getByRole('button', { name: 'Import 3 files' }).click();
    const report = form.getByTestId('workflow-import-report');
    await eventually(() => report.locator('tr[data-status]').count()).toBe(3);
    expect(await report.locator('tr[data-file="broken.json"]').getAttribute('data-status')).toBe(
      'refused',
    );
    await expectAccessible('workflow import');
    await page.screenshot({ path: `${SHOTS}/act-workflow-import.png` });
    const imported = await rows<{ name: string }>(
      sql`select name from workflows where org_id = ${server.orgId} order by name`,
    );
    expect(imported.map((w) => w.name)).toEqual(['Daily report', 'bench webhook-set-respond']);
    await form.getByRole('button', { name: 'Close' }).first().click();

    await page.getByRole('button', { name: 'Activate bench webhook-set-respond' }).click();
    await eventually(
      async () =>
        (
          await rows<{ active: boolean }>(
            sql`select active from workflows where org_id = ${server.orgId}
                and name = 'bench webhook-set-respond'`,
          )
        )[0]?.active,
    ).toBe(true);
    await page.getByRole('button', { name: 'Run Daily report' }).click();
    await eventually(() => page.getByTestId('run-result').textContent()).toBe('succeeded');
    const runs = await rows<{ status: string; mode: string }>(
      sql`select e.status, e.mode from workflow_executions e join workflows w on w.id = e.workflow_id
          where w.org_id = ${server.orgId} and w.name = 'Daily report'`,
    );
    expect(runs).toEqual([{ status: 'succeeded', mode: 'manual' }]);
  });

  it('creates an API key limited to one venture with an expiry date; the key reaches nothing else', async () => {
    const [inside, outside] = await rows<{ id: string; slug: string }>(
      sql`select id::text, slug from portfolio_ventures where org_id = ${server.orgId}
          and archived_at is null order by slug limit 2`,
    );
    await visit('/settings', 'Settings');
    await page.locator('#key-name').fill('Shop robot');
    await page.getByLabel('Only these ventures').fill(inside!.slug);
    await page.getByLabel('Expires on').fill('2099-12-31');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('api-key-secret').locator('code').textContent();
    expect(secret).toMatch(/^iza_/);
    const [key] = await rows<{ ventures: string[]; expires: string }>(
      sql`select venture_ids::text[] as ventures, to_char(expires_at, 'YYYY') as expires
          from api_keys where org_id = ${server.orgId} and name = 'Shop robot'`,
    );
    expect(key).toEqual({ ventures: [inside!.id], expires: '2099' });
    const get = (path: string) =>
      fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await get(`/api/v1/portfolio/ventures/${inside!.slug}`)).status).toBe(200);
    expect((await get(`/api/v1/portfolio/ventures/${outside!.slug}`)).status).toBe(404);
    expect((await get('/api/v1/ledger/entities')).status).toBe(403);
    // A slug that does not exist stops the key, named.
    await page.locator('#key-name').fill('Typo robot');
    await page.getByLabel('Only these ventures').fill('no-such-venture');
    await page.getByRole('button', { name: 'Create key' }).click();
    await eventually(() => page.getByRole('alert').first().textContent()).toMatch(
      /no-such-venture/,
    );
    expect(await rows(sql`select 1 from api_keys where name = 'Typo robot'`)).toHaveLength(0);
  });

  it('invites someone by link: they set their own password in the browser and join', async () => {
    await visit('/settings', 'Settings');
    await page.getByLabel('E-mail', { exact: true }).fill('ines@studio.test');
    await page.locator('#member-name').fill('Ines Invited');
    await page.locator('#member-role').selectOption('editor');
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = await page.getByTestId('invitation-link').locator('code').textContent();
    expect(link).toMatch(new RegExp(`^${server.url}/invite#iza_iv_`));
    // No account can sign in before the invitee has chosen a password.
    const [row] = await rows<{ hash: string | null }>(
      sql`select password_hash as hash from users where email = 'ines@studio.test'`,
    );
    expect(row).toEqual({ hash: null });

    const theirs = await context.browser()!.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const invitee = await theirs.newPage();
    try {
      await invitee.goto(link!);
      await eventually(() => invitee.getByTestId('invitation-offer').textContent()).toMatch(
        /As editor, with ines@studio\.test/,
      );
      await invitee.getByLabel('Choose a password').fill('ines chose this one');
      await invitee.getByLabel('The password again').fill('ines chose this one');
      await invitee.getByRole('button', { name: /^Join / }).click();
      await invitee.waitForURL(`${server.url}/`);
      await eventually(() => invitee.getByTestId('user-role').textContent()).toMatch(
        /Ines Invited · editor/,
      );
      // The link is spent.
      await invitee.goto(link!);
      await eventually(() => invitee.getByRole('heading', { level: 1 }).textContent()).toBe(
        'This link does not work',
      );
    } finally {
      await theirs.close();
    }
    const [member] = await rows<{ role: string; status: string }>(
      sql`select m.role, m.status from memberships m join users u on u.id = m.user_id
          where u.email = 'ines@studio.test' and m.org_id = ${server.orgId}`,
    );
    expect(member).toEqual({ role: 'editor', status: 'active' });
  });

  it('ends all other sessions of the signed-in person', async () => {
    const signIn = async () => {
      const res = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: server.email, password: server.password }),
      });
      return ((await res.json()) as { data: { accessToken: string } }).data.accessToken;
    };
    const elsewhere = await signIn();
    const me = (token: string) =>
      fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me(elsewhere)).status).toBe(200);
    await visit('/settings', 'Settings');
    await page.getByRole('button', { name: 'End all other sessions' }).click();
    await eventually(() => page.getByText(/other sessions? ended/).textContent()).toMatch(/ended/);
    expect((await me(elsewhere)).status).toBe(401);
    // This browser's session goes on.
    await visit('/businesses', 'Businesses');
  });

  it('opens a workflow on its canvas and inspects an execution node by node, failing node first', async () => {
    const failing = {
      name: 'Fragile sync',
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
          name: 'Shape',
          type: 'n8n-nodes-base.code',
          typeVersion: 2,
          position: [220, 0],
          parameters: {
            jsCode:
              "$execution.customData.set('customer', 'Ada');\nreturn [{ json: { customer: 'Ada', total: 12 } }];",
          },
        },
        {
          id: 'c',
          name: 'Check',
          type: 'n8n-nodes-base.code',
          typeVersion: 2,
          position: [440, 0],
          parameters: { jsCode: "throw new Error('total below minimum');" },
        },
      ],
      connections: {
        Start: { main: [[{ node: 'Shape', type: 'main', index: 0 }]] },
        Shape: { main: [[{ node: 'Check', type: 'main', index: 0 }]] },
      },
    };
    const created = await fetch(`${server.url}/api/v1/workflows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(failing),
    });
    expect(created.status).toBe(201);
    const { id } = ((await created.json()) as { data: { id: string } }).data;
    await visit('/workflows', 'Workflows');
    await page.getByRole('link', { name: 'Fragile sync' }).click();
    await page.waitForURL(new RegExp(`/workflows/${id}$`));
    const canvas = page.getByTestId('workflow-canvas');
    await eventually(() => canvas.locator('.react-flow__node').count()).toBe(3);
    await page.getByRole('button', { name: 'Run Fragile sync' }).click();
    await eventually(() => page.getByTestId('run-result').textContent()).toMatch(/^failed/);
    await expectAccessible('workflow page');
    await page.screenshot({ path: `${SHOTS}/act-workflow.png` });
    await eventually(() => page.locator('li[data-execution] a').count()).toBe(1);
    await page.locator('li[data-execution] a').click();
    await page.waitForURL(/\/workflows\/executions\//);
    await eventually(() => page.getByTestId('execution-error').textContent()).toMatch(
      /total below minimum/,
    );
    // What the workflow saved to be found by shows, and the list finds the execution by it.
    expect(
      await page
        .locator(
          'section[aria-labelledby="execution-custom-data-title"] [data-custom-key="customer"]',
        )
        .textContent(),
    ).toBe('customerAda');
    await page
      .locator('section[aria-labelledby="execution-custom-data-title"]')
      .screenshot({ path: `${SHOTS}/act-execution-custom-data.png` });
    // The failing node is chosen first and drawn as failed on the canvas.
    await eventually(() =>
      page.locator('button[data-node="Check"]').getAttribute('aria-pressed'),
    ).toBe('true');
    expect(await page.locator('.react-flow__node.wf-node-failed').getAttribute('data-id')).toBe(
      'Check',
    );
    await page.locator('button[data-node="Shape"]').click();
    const output = page.getByRole('region', { name: 'Output of Shape' });
    await eventually(async () => (await output.locator('td').allTextContents()).sort()).toEqual([
      '1',
      '12',
      'Ada',
    ]);
    await page.getByRole('button', { name: 'JSON' }).click();
    await eventually(() => page.getByLabel('Output of Shape as JSON').textContent()).toMatch(
      /"customer": "Ada"/,
    );
    await expectAccessible('execution page');
    await page.screenshot({ path: `${SHOTS}/act-execution.png` });
    const [row] = await rows<{ status: string; customData: unknown }>(
      sql`select status, custom_data as "customData" from workflow_executions
          where workflow_id = ${id}`,
    );
    expect(row).toEqual({ status: 'failed', customData: { customer: 'Ada' } });
  });

  it('registers and edits an agent, dispatches a task and opens it with its log', async () => {
    await visit('/agents', 'Agents');
    await page.getByRole('button', { name: 'Register agent' }).first().click();
    const form = dialog('agent-form');
    await form.getByLabel('Name').fill('Summariser');
    await form.getByLabel('Bot id').fill('summariser');
    await form.getByLabel('Kind').selectOption('code');
    await form.getByLabel('Handler').fill('echo');
    await form.getByLabel('Capabilities').fill('summaries, notes');
    await form.getByLabel('Tasks at once').fill('0');
    await expectAccessible('agent form');
    await form.getByRole('button', { name: 'Register agent' }).click();
    // Zero tasks at once is refused, named on its field; nothing is registered.
    await eventually(() => form.locator('#agent-parallel-problem').textContent()).toBeTruthy();
    expect(await rows(sql`select 1 from agents_agents where bot_id = 'summariser'`)).toHaveLength(
      0,
    );
    await form.getByLabel('Tasks at once').fill('2');
    await form.getByRole('button', { name: 'Register agent' }).click();
    await eventually(() => page.locator('tr[data-agent="summariser"]').count()).toBe(1);
    await page.getByRole('button', { name: 'Edit Summariser' }).click();
    await dialog('agent-form').getByLabel('Tasks at once').fill('4');
    await dialog('agent-form').getByRole('button', { name: 'Save changes' }).click();
    await eventually(
      async () =>
        (
          await rows<{ n: number; caps: string[] }>(
            sql`select (definition->>'maxConcurrentTasks')::int as n,
                       array(select jsonb_array_elements_text(definition->'capabilities')) as caps
                from agents_agents where org_id = ${server.orgId} and bot_id = 'summariser'`,
          )
        )[0],
    ).toEqual({ n: 4, caps: ['summaries', 'notes'] });

    await page.getByRole('button', { name: 'Dispatch task' }).click();
    const dispatch = dialog('dispatch-form');
    await dispatch.getByLabel('Capabilities needed').fill('summaries');
    await dispatch.getByLabel('Input').fill('{"text": "quarterly notes"}');
    await dispatch.getByRole('button', { name: 'Dispatch' }).click();
    const drawer = dialog('task-drawer');
    await eventually(() => drawer.getByTestId('task-output').textContent()).toMatch(
      /quarterly notes/,
    );
    expect(await drawer.getByTestId('task-log').locator('li').count()).toBeGreaterThan(0);
    await expectAccessible('task drawer');
    await page.screenshot({ path: `${SHOTS}/act-task.png` });
    const [task] = await rows<{ state: string; input: unknown }>(
      sql`select t.state, t.input from agents_tasks t join agents_agents a on a.id = t.agent_id
          where a.bot_id = 'summariser'`,
    );
    expect(task).toEqual({ state: 'succeeded', input: { text: 'quarterly notes' } });
    await page.keyboard.press('Escape');
  });

  it('books a transfer, records a rate and closes a period from Financial', async () => {
    const [entity] = await rows<{ id: string; currency: string }>(
      sql`select id::text, base_currency as currency from ledger_entities
          where org_id = ${server.orgId} and parent_id is not null order by code limit 1`,
    );
    const accounts = await rows<{ id: string; code: string }>(
      sql`select id::text, code from ledger_accounts
          where entity_id = ${entity!.id} and closed_at is null
            and currency = ${entity!.currency} order by code limit 2`,
    );
    await visit(`/financial?entity=${entity!.id}`, 'Financial');
    await page.getByRole('button', { name: 'New transfer' }).click();
    const form = dialog('transfer-form');
    await form.getByLabel('Debit account').selectOption(accounts[0]!.id);
    await form.getByLabel('Credit account').selectOption(accounts[1]!.id);
    await form.getByLabel(/^Amount/).fill('12.555');
    await form.getByLabel('Description').fill('Stationery');
    await form.getByRole('button', { name: 'Book transfer' }).click();
    // Too many decimals: the ledger refuses it, named on the amount; the id stays usable.
    await eventually(() => form.locator('#transfer-amount-problem').textContent()).toBeTruthy();
    await form.getByLabel(/^Amount/).fill('12.5');
    await form.getByRole('button', { name: 'Book transfer' }).click();
    await eventually(() => form.getByRole('status').textContent()).toMatch(/Booked 12.5/);
    await expectAccessible('transfer form');
    const booked = await rows<{ amount: string; description: string }>(
      sql`select amount::text, description from ledger_transfers
          where org_id = ${server.orgId} and description = 'Stationery'`,
    );
    expect(booked).toEqual([{ amount: '1250', description: 'Stationery' }]);
    await form.getByRole('button', { name: 'Cancel' }).click();

    // Drill down from the trial balance to the account's postings; zero lines hidden by default.
    await visit(`/financial?entity=${entity!.id}&report=trial-balance`, 'Financial');
    const shown = page.locator('[aria-labelledby="statement-title"] tr[data-account]');
    await eventually(() => shown.count()).toBeGreaterThan(0);
    const withoutZero = await shown.count();
    await page.getByLabel('Hide zero lines').uncheck();
    await eventually(() => shown.count()).toBeGreaterThanOrEqual(withoutZero);
    await page.getByLabel('Hide zero lines').check();
    await page
      .getByRole('button', { name: new RegExp(`^Postings of ${accounts[0]!.code} `) })
      .click();
    const postings = dialog('account-postings');
    await eventually(() => postings.locator('tr[data-transfer]').allTextContents()).toContainEqual(
      expect.stringContaining('Stationery'),
    );
    await expectAccessible('account postings');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Record rate' }).click();
    const rate = dialog('fx-rate-form');
    await rate.getByLabel('One unit of').fill('CHF');
    await rate.getByLabel('is worth, in').fill('EUR');
    await rate.getByLabel('Rate').fill('1.0625');
    await rate.getByLabel('In force from').fill('2026-01-05');
    await rate.getByRole('button', { name: 'Record rate' }).click();
    await eventually(() => rate.isVisible()).toBe(false);
    expect(
      await rows(sql`select 1 from ledger_fx_rates where org_id = ${server.orgId}
                     and base = 'CHF' and quote = 'EUR' and rate = 1.0625`),
    ).toHaveLength(1);

    await page.getByRole('button', { name: 'Close period' }).click();
    const close = dialog('close-period-form');
    await close.getByLabel('Close through').fill('2026-01-31');
    await close.getByRole('button', { name: 'Close period' }).click();
    await eventually(
      async () =>
        (
          await rows<{ through: string | null }>(
            sql`select to_char(closed_through, 'YYYY-MM-DD') as through from ledger_entities
              where id = ${entity!.id}`,
          )
        )[0]?.through,
    ).toBe('2026-01-31');
  });

  it('jumps anywhere and starts actions from the keyboard (Ctrl-K)', async () => {
    const [venture] = await rows<{ name: string; slug: string }>(
      sql`select name, slug from portfolio_ventures where org_id = ${server.orgId}
          and archived_at is null order by slug desc limit 1`,
    );
    await visit('/agents', 'Agents');
    await page.keyboard.press('Control+k');
    const palette = page.getByTestId('command-palette');
    const input = palette.getByRole('combobox');
    await input.waitFor();
    await expectAccessible('command palette');
    await input.fill(venture!.name.slice(0, 8));
    await eventually(() =>
      palette.locator('[role=option][aria-selected=true]').getAttribute('data-command'),
    ).toMatch(/^venture:/);
    await page.screenshot({ path: `${SHOTS}/act-palette.png` });
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/businesses/${venture!.slug}$`));
    await page.keyboard.press('Control+k');
    await input.fill('daily rep');
    await eventually(async () =>
      (await palette.locator('[data-command^="workflow:"]').allTextContents()).join(' | '),
    ).toMatch(/Daily report/);
    await input.fill('import n8n');
    await eventually(() =>
      palette.locator('[role=option][aria-selected=true]').getAttribute('data-command'),
    ).toBe('act:workflows');
    await page.keyboard.press('Enter');
    await eventually(() => dialog('workflow-import').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await eventually(() => dialog('workflow-import').isVisible()).toBe(false);
  });

  it('creates a ledger entity under the holding from Financial', async () => {
    await visit('/financial', 'Financial');
    await page.getByRole('button', { name: 'New entity' }).click();
    const form = dialog('entity-form');
    await form.getByLabel('Name').fill('Harbor Tea Ltd');
    await form.getByLabel('Code').fill('HARBOR');
    await form.getByLabel('Kind').selectOption('venture');
    await form.getByLabel('Base currency').fill('gbp');
    const [holding] = await rows<{ id: string; code: string; name: string }>(
      sql`select id, code, name from ledger_entities where org_id = ${server.orgId}
          and kind = 'holding' order by code limit 1`,
    );
    await form.getByLabel('Parent').selectOption(holding!.id);
    await expectAccessible('entity form');
    await form.getByRole('button', { name: 'Create entity' }).click();
    await page.waitForURL(/\/financial\?entity=/);
    const [entity] = await rows<Record<string, unknown>>(
      sql`select id, name, kind, base_currency, parent_id from ledger_entities
          where org_id = ${server.orgId} and code = 'HARBOR'`,
    );
    expect(entity).toMatchObject({
      name: 'Harbor Tea Ltd',
      kind: 'venture',
      base_currency: 'GBP',
      parent_id: holding!.id,
    });
    expect(new URL(page.url()).searchParams.get('entity')).toBe(entity!.id);
    const accounts = await rows<{ n: number }>(
      sql`select count(*)::int as n from ledger_accounts where entity_id = ${entity!.id as string}`,
    );
    expect(accounts[0]!.n).toBeGreaterThan(0);
  });

  it('saves a view of Businesses, shares it, and opens it again', async () => {
    await visit('/businesses?category=financial&sort=mrr&order=desc', 'Businesses');
    await page.getByRole('button', { name: 'Save view' }).click();
    const form = dialog('save-view');
    await form.getByLabel('Name').fill('Fintech by MRR');
    await form.getByLabel('Share with the organisation').check();
    await expectAccessible('save view');
    await form.getByRole('button', { name: 'Save view' }).click();
    await eventually(() => form.isVisible()).toBe(false);
    const saved = await rows<{ name: string; query: string; shared: boolean }>(
      sql`select name, query, shared from portfolio_saved_views where org_id = ${server.orgId}`,
    );
    expect(saved).toEqual([
      { name: 'Fintech by MRR', query: 'category=financial&sort=mrr&order=desc', shared: true },
    ]);
    await visit('/businesses', 'Businesses');
    await page
      .getByLabel('View', { exact: true })
      .selectOption({ label: 'Fintech by MRR (shared)' });
    await page.waitForURL(/sort=mrr/);
    expect(new URL(page.url()).searchParams.get('category')).toBe('financial');
    await eventually(() => page.getByLabel('View', { exact: true }).inputValue()).not.toBe('');
  });

  it('shows a viewer no write action', async () => {
    const { id } = await server.access.users.addMember(
      server.orgId,
      {
        email: 'viewer@studio.test',
        name: 'Vic Viewer',
        password: 'viewer password 123',
        role: 'viewer',
      },
      'system',
    );
    expect(id).toBeTruthy();
    const viewer = await context.browser()!.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const other = await viewer.newPage();
    try {
      // Once an administrator exists, no first-run hint; after the setup form, a confirmation.
      await other.goto(`${server.url}/login?setup=done`);
      await other.getByTestId('setup-done').waitFor();
      expect(await other.getByTestId('first-run-hint').count()).toBe(0);
      // The sign-in card sits in the middle of the window.
      await other.goto(`${server.url}/login`);
      const card = (await other.locator('.login-card').boundingBox())!;
      expect(Math.abs(card.x + card.width / 2 - DESKTOP.width / 2)).toBeLessThan(2);
      await signIn(other, 'viewer@studio.test', 'viewer password 123');
      await visit('/businesses', 'Businesses', other);
      // The administrator's shared view is offered to the viewer too.
      await eventually(() =>
        other.getByLabel('View', { exact: true }).locator('option').allTextContents(),
      ).toContain('Fintech by MRR (shared)');
      const slug = (
        await rows<{ slug: string }>(
          sql`select slug from portfolio_ventures where org_id = ${server.orgId}
              and archived_at is null order by slug limit 1`,
        )
      )[0]!.slug;
      expect(await other.getByRole('button', { name: 'New venture' }).count()).toBe(0);
      expect(await other.getByRole('button', { name: 'Import KPIs' }).count()).toBe(0);
      await visit(`/businesses/${slug}`, /./, other);
      await other.locator('[data-field="stage"]').waitFor();
      for (const name of ['Record KPI', 'Edit', 'Archive']) {
        expect(await other.getByRole('button', { name }).count()).toBe(0);
      }
    } finally {
      await viewer.close();
    }
  });

  it('fits every width from 360 to 1440 px on the pages it acts on', async () => {
    for (const [path, heading] of [
      ['/', 'Portfolio'],
      ['/businesses', 'Businesses'],
      ['/agents', 'Agents'],
      ['/workflows', 'Workflows'],
    ] as const) {
      await visit(path, heading);
      await expectNoOverflow(path);
    }
    const slug = (
      await rows<{ slug: string }>(
        sql`select slug from portfolio_ventures where org_id = ${server.orgId}
            and archived_at is null order by slug limit 1`,
      )
    )[0]!.slug;
    await visit(`/businesses/${slug}`, /./);
    await page.locator('[data-field="stage"]').waitFor();
    await expectNoOverflow('venture');
    await page.getByRole('button', { name: 'Edit' }).click();
    await expectNoOverflow('venture form');
  });
});
