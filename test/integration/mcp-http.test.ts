import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/access/index.ts';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

const TOOLS = [
  'audit_verify',
  'ledger_create_transfer',
  'ledger_create_transfers',
  'ledger_fx_rate',
  'ledger_get_account_balance',
  'ledger_get_transfer',
  'ledger_intercompany_transfer',
  'ledger_list_accounts',
  'ledger_list_entities',
  'ledger_list_postings',
  'ledger_list_transfer_requests',
  'ledger_list_transfers',
  'ledger_report',
  'ledger_revalue',
  'ledger_reverse_transfer',
  'portfolio_add_kpi',
  'portfolio_create_venture',
  'portfolio_get_venture',
  'portfolio_list_ventures',
];

/** IZA OS as an MCP server over Streamable HTTP, driven by the SDK's own client. */
describe.each(storages)('MCP over HTTP on $name', { timeout: 120_000 }, (storage) => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let url: string;
  const keys = {} as Record<Role, { id: string; key: string }>;
  const clients: Client[] = [];
  let entityId: string;
  let cash: string;
  let revenue: string;

  const connect = async (role: Role) => {
    const client = new Client({ name: 'iza-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${keys[role].key}` } },
      }),
    );
    clients.push(client);
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const errorOf = (result: CallToolResult) => {
    expect(result.isError, JSON.stringify(result)).toBe(true);
    const text = (result.content[0] as { text: string }).text;
    return text;
  };

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
    for (const role of ['admin', 'editor', 'viewer', 'bot'] as const) {
      const k = await w.access.apiKeys.create(
        w.orgA,
        { name: `mcp ${role}`, role },
        { role: 'system', userId: null },
      );
      keys[role] = { id: k.id, key: k.key };
    }
    const admin = w.callers.find((c) => c.role === 'admin')!.authorization!;
    const entity = await w.inject({
      method: 'POST',
      url: '/api/v1/ledger/entities',
      headers: { authorization: admin },
      payload: { code: 'ACME', name: 'Acme Apps', kind: 'venture', baseCurrency: 'EUR' },
    });
    expect(entity.statusCode, entity.body).toBe(201);
    const data = entity.json().data;
    entityId = data.id;
    cash = data.accounts.find((a: { code: string }) => a.code === '1000').id;
    revenue = data.accounts.find((a: { code: string }) => a.code === '4000').id;
    url = await w.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await w?.close();
    await drop?.();
  });

  it('lists every tool with input and output schemas, resources and prompts', async () => {
    const client = await connect('viewer');
    expect(client.getServerVersion()).toMatchObject({ name: 'iza-os' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.description, tool.name).toMatch(/permission/);
    }
    const { resources } = await client.listResources();
    expect(resources).toContainEqual(
      expect.objectContaining({ uri: `iza://ledger/entities/${entityId}`, name: 'ACME Acme Apps' }),
    );
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      'iza://ledger/accounts/{id}',
      'iza://ledger/entities/{id}',
      'iza://ledger/reports/{statement}/{entityId}',
      'iza://portfolio/ventures/{id}',
    ]);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual([
      'reconcile_account',
      'weekly_portfolio_review',
    ]);
  });

  it('calls each ledger tool, and audits writes as the API key', async () => {
    const client = await connect('editor');
    const entities = await call(client, 'ledger_list_entities');
    expect(entities.structuredContent).toEqual({
      entities: [expect.objectContaining({ id: entityId, code: 'ACME', baseCurrency: 'EUR' })],
    });
    expect(JSON.parse((entities.content[0] as { text: string }).text)).toEqual(
      entities.structuredContent,
    );

    const accounts = await call(client, 'ledger_list_accounts', { entityId });
    const list = (accounts.structuredContent as { accounts: { id: string }[] }).accounts;
    expect(list.length).toBeGreaterThan(10);
    expect(list.map((a) => a.id)).toContain(cash);

    const id = randomUUID();
    const transfers = [
      { id, debitAccountId: cash, creditAccountId: revenue, amount: '12500', currency: 'EUR' },
    ];
    const booked = await call(client, 'ledger_create_transfers', { transfers });
    expect(booked.structuredContent).toEqual({ results: [{ id, index: 0, result: 'ok' }] });
    const again = await call(client, 'ledger_create_transfers', { transfers });
    expect(again.structuredContent).toEqual({ results: [{ id, index: 0, result: 'exists' }] });

    const balance = await call(client, 'ledger_get_account_balance', { accountId: cash });
    expect(balance.structuredContent).toMatchObject({
      id: cash,
      code: '1000',
      currency: 'EUR',
      balance: '12500',
      debitsPosted: '12500',
    });

    const transfer = await call(client, 'ledger_get_transfer', { id });
    expect(transfer.structuredContent).toMatchObject({
      transfer: { id, amount: '12500', status: 'posted', result: 'ok' },
    });

    const postings = await call(client, 'ledger_list_postings', { accountId: cash });
    expect(postings.structuredContent).toMatchObject({
      postings: [{ transferId: id, side: 'debit', amount: '12500' }],
      nextAfter: null,
    });

    const reversalId = randomUUID();
    const reversed = await call(client, 'ledger_reverse_transfer', {
      id,
      reversalId,
      description: 'booked twice',
    });
    expect(reversed.structuredContent).toMatchObject({
      id: reversalId,
      index: 0,
      result: 'ok',
      transfer: { id: reversalId, reversesId: id, description: 'booked twice' },
    });
    const journal = await call(client, 'ledger_list_transfers', { accountId: cash });
    const listed = journal.structuredContent as { transfers: { id: string }[] };
    expect(listed.transfers.map((t) => t.id)).toEqual([id, reversalId]);
    const refusedOne = await call(client, 'ledger_create_transfer', {
      id: randomUUID(),
      debitAccountId: cash,
      creditAccountId: cash,
      amount: '1',
      currency: 'EUR',
    });
    expect(errorOf(refusedOne)).toMatch(/accounts_must_be_different/);
    const after = await call(client, 'ledger_get_account_balance', { accountId: cash });
    expect(after.structuredContent).toMatchObject({ balance: '0' });

    // the audit log names the API key that acted, as for the REST API
    const admin = w.callers.find((c) => c.role === 'admin')!.authorization!;
    const audit = await w.inject({
      method: 'GET',
      url: '/api/v1/audit?action=ledger.transfers.create',
      headers: { authorization: admin },
    });
    const entries = audit.json().data.entries;
    expect(entries.length).toBeGreaterThanOrEqual(1);
    for (const entry of entries) {
      expect(entry).toMatchObject({ actorType: 'apikey', actorId: keys.editor.id });
    }
  });

  it('lends across currencies and reports the consolidated books, viewers only reading', async () => {
    const admin = w.callers.find((c) => c.role === 'admin')!.authorization!;
    const child = await w.inject({
      method: 'POST',
      url: '/api/v1/ledger/entities',
      headers: { authorization: admin },
      payload: {
        code: 'ACUS',
        name: 'Acme US',
        kind: 'venture',
        baseCurrency: 'USD',
        parentId: entityId,
      },
    });
    expect(child.statusCode, child.body).toBe(201);
    const childId = child.json().data.id as string;
    const rates = await w.inject({
      method: 'POST',
      url: '/api/v1/ledger/fx-rates',
      headers: { authorization: admin },
      payload: { rates: [{ base: 'EUR', quote: 'USD', rate: '1.25', effectiveOn: '2026-01-01' }] },
    });
    expect(rates.statusCode, rates.body).toBe(200);

    const viewer = await connect('viewer');
    const rate = await call(viewer, 'ledger_fx_rate', {
      base: 'USD',
      quote: 'EUR',
      on: '2026-02-01',
    });
    expect(rate.structuredContent).toMatchObject({
      rate: '1.25',
      inverted: true,
      numerator: '100',
      denominator: '125',
    });
    const loan = {
      id: randomUUID(),
      fromEntityId: entityId,
      toEntityId: childId,
      amount: '10000',
      currency: 'EUR',
      effectiveAt: '2026-02-01T12:00:00.000Z',
    };
    expect(errorOf(await call(viewer, 'ledger_intercompany_transfer', loan))).toMatch(/forbidden/);

    const editor = await connect('editor');
    // the lender's bank account (the default one an intercompany transfer pays from) gets money
    const accounts = await call(editor, 'ledger_list_accounts', { entityId });
    const bank = (
      accounts.structuredContent as { accounts: { id: string; code: string }[] }
    ).accounts.find((a) => a.code === '1100')!.id;
    const funded = await call(editor, 'ledger_create_transfers', {
      transfers: [
        {
          id: randomUUID(),
          debitAccountId: bank,
          creditAccountId: revenue,
          amount: '50000',
          currency: 'EUR',
          effectiveAt: '2026-01-15T12:00:00.000Z',
        },
      ],
    });
    expect(funded.structuredContent).toMatchObject({ results: [{ result: 'ok' }] });
    const lent = await call(editor, 'ledger_intercompany_transfer', loan);
    expect(lent.isError, JSON.stringify(lent)).toBeFalsy();
    expect(lent.structuredContent).toMatchObject({
      result: 'ok',
      legs: [
        { entityId, amount: '10000', currency: 'EUR', result: 'ok' },
        { entityId: childId, amount: '12500', currency: 'USD', result: 'ok' },
      ],
    });
    // a policy on the borrower's books holds the next loan: both legs wait as one request
    const policy = await w.inject({
      method: 'POST',
      url: '/api/v1/ledger/approval-policies',
      headers: { authorization: admin },
      payload: { entityId: childId, thresholdAmount: '1000', thresholdCurrency: 'USD' },
    });
    expect(policy.statusCode, policy.body).toBe(201);
    const held = await call(editor, 'ledger_intercompany_transfer', { ...loan, id: randomUUID() });
    expect(held.isError, JSON.stringify(held)).toBeFalsy();
    expect(held.structuredContent).toMatchObject({
      result: 'awaiting_approval',
      request: {
        status: 'awaiting_approval',
        entityId,
        linked: [{ entityId: childId, amount: '12500', currency: 'USD' }],
      },
    });
    const removed = await w.inject({
      method: 'DELETE',
      url: `/api/v1/ledger/approval-policies/${policy.json().data.id as string}`,
      headers: { authorization: admin },
    });
    expect(removed.statusCode).toBeLessThan(300);

    const sheet = await call(viewer, 'ledger_report', {
      statement: 'balance-sheet',
      entityId,
      consolidated: true,
      asOf: '2026-03-31',
    });
    expect(sheet.isError, JSON.stringify(sheet)).toBeFalsy();
    const report = (sheet.structuredContent as { report: Record<string, unknown> }).report;
    expect(report).toMatchObject({ currency: 'EUR', consolidated: true });
    const { assets, liabilitiesAndEquity, eliminations } = report as {
      assets: { total: string };
      liabilitiesAndEquity: string;
      eliminations: unknown[];
    };
    expect(assets.total).toBe(liabilitiesAndEquity);
    expect(eliminations).toHaveLength(1);
    // the figures only: the same totals, without the elimination entries and the entity list
    const summary = await call(viewer, 'ledger_report', {
      statement: 'balance-sheet',
      entityId,
      consolidated: true,
      asOf: '2026-03-31',
      detail: 'summary',
    });
    expect(summary.isError, JSON.stringify(summary)).toBeFalsy();
    const brief = (summary.structuredContent as { report: Record<string, unknown> }).report;
    expect(brief).toMatchObject({ liabilitiesAndEquity, entityCount: 2 });
    expect(brief).not.toHaveProperty('eliminations');
    expect(brief).not.toHaveProperty('entities');
    const bad = await call(viewer, 'ledger_report', {
      statement: 'balance-sheet',
      entityId,
      asOf: '2026-02-30',
    });
    expect(errorOf(bad)).toMatch(/asOf/);

    // the same books as a resource: today's consolidated balance sheet
    const resource = await viewer.readResource({
      uri: `iza://ledger/reports/balance-sheet+consolidated/${entityId}`,
    });
    const today = JSON.parse((resource.contents[0] as { text: string }).text);
    expect(today).toMatchObject({ consolidated: true, currency: 'EUR' });
    expect(today.assets.total).toBe(today.liabilitiesAndEquity);
    await expect(
      viewer.readResource({ uri: `iza://ledger/reports/forecast/${entityId}` }),
    ).rejects.toThrow(/No statement "forecast"/);
  });

  it('verifies the audit log for an administrator key only', async () => {
    const admin = await connect('admin');
    const report = await call(admin, 'audit_verify');
    expect(report.isError).toBeFalsy();
    expect(report.structuredContent).toMatchObject({ ok: true, chains: [{ ok: true }] });
    const editor = await connect('editor');
    expect(errorOf(await call(editor, 'audit_verify'))).toMatch(/"code":"forbidden".*manage_users/);
  });

  it('refuses writing tools to a viewer and a bot key, as the REST API does', async () => {
    for (const role of ['viewer', 'bot'] as const) {
      const client = await connect(role);
      const id = randomUUID();
      const result = await call(client, 'ledger_create_transfers', {
        transfers: [
          { id, debitAccountId: cash, creditAccountId: revenue, amount: '1', currency: 'EUR' },
        ],
      });
      expect(errorOf(result)).toMatch(
        /"code":"forbidden".*write.*permission, which the role (viewer|bot)/,
      );
      const reverse = await call(client, 'ledger_reverse_transfer', {
        id,
        reversalId: randomUUID(),
      });
      expect(errorOf(reverse)).toMatch(/forbidden/);
      // nothing was booked
      const lookup = await call(client, 'ledger_get_transfer', { id });
      expect(errorOf(lookup)).toMatch(/not_found/);
    }
  });

  it('answers bad arguments as tool errors, never as failures', async () => {
    const client = await connect('editor');
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['ledger_list_accounts', {}, /entityId/],
      ['ledger_list_accounts', { entityId: 'not-a-uuid' }, /entityId/],
      ['ledger_list_accounts', { entityId: randomUUID() }, /not_found/],
      ['ledger_get_account_balance', { accountId: randomUUID(), extra: 1 }, /extra|Unrecognized/i],
      ['ledger_create_transfers', { transfers: [{ id: randomUUID(), amount: 12.5 }] }, /amount/],
      ['ledger_create_transfers', { transfers: [] }, /transfers/],
      ['ledger_get_transfer', { id: randomUUID() }, /not_found/],
      ['ledger_list_postings', { accountId: cash, limit: 100_000 }, /limit/],
      ['no_such_tool', {}, /not found/],
    ];
    for (const [name, args, pattern] of cases) {
      const result = await call(client, name, args);
      expect(errorOf(result), `${name} ${JSON.stringify(args)}`).toMatch(pattern);
    }
    // a result the ledger refuses is a result, not an error
    const refused = await call(client, 'ledger_create_transfers', {
      transfers: [
        {
          id: randomUUID(),
          debitAccountId: revenue,
          creditAccountId: cash,
          amount: '999999',
          currency: 'EUR',
        },
      ],
    });
    expect(refused.isError).toBeFalsy();
    expect(refused.structuredContent).toMatchObject({ results: [{ result: 'exceeds_debits' }] });
    // the connection still works
    expect((await call(client, 'ledger_list_entities')).isError).toBeFalsy();
  });

  it('reads resources and prompts', async () => {
    const client = await connect('viewer');
    const entity = await client.readResource({ uri: `iza://ledger/entities/${entityId}` });
    const body = JSON.parse((entity.contents[0] as { text: string }).text);
    expect(body).toMatchObject({ id: entityId, code: 'ACME' });
    expect(body.accounts).toContainEqual(
      expect.objectContaining({ id: cash, uri: `iza://ledger/accounts/${cash}` }),
    );
    const account = await client.readResource({ uri: `iza://ledger/accounts/${cash}` });
    expect(JSON.parse((account.contents[0] as { text: string }).text)).toMatchObject({
      id: cash,
      code: '1000',
      entity: `iza://ledger/entities/${entityId}`,
    });
    await expect(
      client.readResource({ uri: `iza://ledger/accounts/${randomUUID()}` }),
    ).rejects.toThrow(/not found/i);

    const review = await client.getPrompt({
      name: 'weekly_portfolio_review',
      arguments: { weekEnding: '2026-03-06' },
    });
    const text = (review.messages[0]!.content as { text: string }).text;
    expect(text).toContain('week ending 2026-03-06');
    expect(text).toContain(`ACME: Acme Apps (venture, EUR, id ${entityId})`);
    expect(text).toContain('ledger_list_accounts');

    const reconcile = await client.getPrompt({
      name: 'reconcile_account',
      arguments: { accountId: cash, statementBalance: '100' },
    });
    expect((reconcile.messages[0]!.content as { text: string }).text).toMatch(
      /Difference \(ledger - statement\): -100 minor units/,
    );
    await expect(
      client.getPrompt({
        name: 'reconcile_account',
        arguments: { accountId: cash, statementBalance: '1.5' },
      }),
    ).rejects.toThrow(/statementBalance/);
  });

  it('answers 401 with WWW-Authenticate without a valid key', async () => {
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const anonymous = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="IZA OS"');
    const wrong = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer iza_key_abcdefgh_nothing' },
      body: JSON.stringify(body),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    const client = new Client({ name: 'iza-test', version: '1.0.0' });
    await expect(
      client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`))),
    ).rejects.toThrow();
  });

  it('refuses a foreign Origin or Host (DNS rebinding), and GET or DELETE', async () => {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${keys.viewer.key}`,
    };
    const payload = { jsonrpc: '2.0', id: 1, method: 'ping' };
    const post = (extra: Record<string, string>) =>
      w.inject({ method: 'POST', url: '/mcp', headers: { ...headers, ...extra }, payload });

    expect((await post({})).statusCode).toBe(200);
    expect((await post({ origin: 'http://localhost:5173' })).statusCode).toBe(200);
    const origin = await post({ origin: 'https://evil.example.com' });
    expect(origin.statusCode).toBe(403);
    expect(origin.json().error.message).toMatch(/origin/i);
    const host = await post({ host: 'evil.example.com', origin: 'http://evil.example.com' });
    expect(host.statusCode).toBe(403);
    expect(host.json().error.message).toMatch(/Host/);

    for (const method of ['GET', 'DELETE'] as const) {
      const res = await w.inject({
        method,
        url: '/mcp',
        headers: { accept: 'text/event-stream', authorization: headers.authorization },
      });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
    }
  });

  it('reports the hub in /health', async () => {
    const res = await w.inject({ method: 'GET', url: '/health' });
    expect(res.json().data.components.mcp).toEqual({
      status: 'up',
      detail: '0 external servers: 0 healthy, 0 unhealthy, 0 connecting',
    });
  });
});
