import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import { newId, type Kernel } from '../../src/kernel/index.ts';
import { buildApp } from '../../src/server/index.ts';
import { createTestKernel } from '../helpers/kernel.ts';
import { storages } from '../helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';
const BASE = '/api/v1/ledger';

describe.each(storages)('ledger HTTP API on $name', { timeout: 120_000 }, (storage) => {
  let kernel: Kernel;
  let app: FastifyInstance;
  let drop: () => Promise<void>;
  const auth: Record<'admin' | 'editor' | 'viewer' | 'other', string> = {
    admin: '',
    editor: '',
    viewer: '',
    other: '',
  };

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    kernel = await createTestKernel({
      target: created.target,
      workJobs: false,
      env: { IZA_RATE_LIMIT_MAX: '100000', IZA_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' },
    });
    const access = createAccess(kernel);
    // The server mounts the ledger's routes itself (src/server/modules.ts).
    app = await buildApp({ kernel, access });
    const a = await access.users.createAdmin({
      organisation: 'Alpha Studio',
      email: 'admin@alpha.test',
      name: 'Ada Admin',
      password: PASSWORD,
    });
    await access.users.createAdmin({
      organisation: 'Beta Studio',
      email: 'admin@beta.test',
      name: 'Bea Admin',
      password: PASSWORD,
    });
    for (const role of ['editor', 'viewer'] as const) {
      await access.users.addMember(
        a.organisation.id,
        { email: `${role}@alpha.test`, name: role, password: PASSWORD, role },
        'system',
      );
    }
    const login = async (email: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: PASSWORD },
      });
      expect(res.statusCode).toBe(200);
      return `Bearer ${res.json().data.accessToken as string}`;
    };
    auth.admin = await login('admin@alpha.test');
    auth.editor = await login('editor@alpha.test');
    auth.viewer = await login('viewer@alpha.test');
    auth.other = await login('admin@beta.test');
  });
  afterAll(async () => {
    await app?.close();
    await kernel?.close();
    await drop?.();
  });

  const call = (
    who: keyof typeof auth,
    method: 'GET' | 'POST',
    url: string,
    payload?: Record<string, unknown>,
  ) =>
    app.inject({
      method,
      url,
      headers: { authorization: auth[who] },
      ...(payload ? { payload } : {}),
    });

  async function book(who: keyof typeof auth = 'admin') {
    const res = await call(who, 'POST', `${BASE}/entities`, {
      code: `E${newId().slice(-8)}`,
      name: 'Acme Ventures',
      kind: 'venture',
      baseCurrency: 'EUR',
    });
    expect(res.statusCode).toBe(201);
    const entity = res.json().data;
    const account = async (code: string, extra: Record<string, unknown> = {}) => {
      const created = await call(who, 'POST', `${BASE}/accounts`, {
        entityId: entity.id,
        code,
        name: code,
        type: 'asset',
        ...extra,
      });
      expect(created.statusCode).toBe(201);
      return created.json().data as { id: string };
    };
    return { entity, account };
  }

  const transfer = (debit: string, credit: string, amount: string, extra = {}) => ({
    id: newId(),
    debitAccountId: debit,
    creditAccountId: credit,
    amount,
    currency: 'EUR',
    ...extra,
  });

  it('documents every ledger route in the OpenAPI description', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths as Record<string, unknown>);
    const documented = paths.filter((p) => p.startsWith(BASE)).sort();
    const registered = app.registeredRoutes
      .filter((r) => r.url.startsWith(BASE))
      .map((r) => r.url.replace(/:(\w+)/g, '{$1}'));
    expect(documented).toEqual([...new Set(registered)].sort());
    expect(documented).toEqual(
      expect.arrayContaining([
        `${BASE}/accounts`,
        `${BASE}/accounts/{id}`,
        `${BASE}/accounts/{id}/close`,
        `${BASE}/accounts/{id}/postings`,
        `${BASE}/entities`,
        `${BASE}/entities/{id}`,
        `${BASE}/entities/{id}/close-period`,
        `${BASE}/entities/{id}/periods`,
        `${BASE}/fx-rates`,
        `${BASE}/fx-rates/lookup`,
        `${BASE}/intercompany-transfers`,
        `${BASE}/transfers`,
        `${BASE}/transfers/{id}`,
        `${BASE}/transfers/{id}/reverse`,
      ]),
    );
  });

  it('creates an entity with its chart and reads it back', async () => {
    const { entity } = await book();
    expect(entity.accounts.length).toBeGreaterThan(10);
    expect(entity.accounts[0]).toMatchObject({ code: '1000', debitsPosted: '0', balance: '0' });
    const one = await call('viewer', 'GET', `${BASE}/entities/${entity.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().data).toMatchObject({ id: entity.id, baseCurrency: 'EUR' });
    const list = await call('viewer', 'GET', `${BASE}/accounts?entityId=${entity.id}`);
    expect(list.json().data).toHaveLength(entity.accounts.length);
  });

  it('round-trips amounts as strings, beyond what a JSON number holds exactly', async () => {
    const { account } = await book();
    const [a, b] = [await account('A'), await account('B')];
    const big = '9007199254740993'; // 2^53 + 1
    const posted = await call('editor', 'POST', `${BASE}/transfers`, {
      transfers: [transfer(a.id, b.id, big), transfer(a.id, b.id, '7', { kind: 'pending' })],
    });
    expect(posted.statusCode).toBe(200);
    expect(posted.json().data.results.map((r: { result: string }) => r.result)).toEqual([
      'ok',
      'ok',
    ]);
    const read = (await call('viewer', 'GET', `${BASE}/accounts/${a.id}`)).json().data;
    expect(read).toMatchObject({
      debitsPosted: big,
      debitsPending: '7',
      balance: big,
    });
    const id = posted.json().data.results[0].id as string;
    const one = (await call('viewer', 'GET', `${BASE}/transfers/${id}`)).json().data;
    expect(one).toMatchObject({ amount: big, status: 'posted', result: 'ok' });
    const postings = (
      await call('viewer', 'GET', `${BASE}/accounts/${a.id}/postings?limit=1`)
    ).json().data;
    expect(postings.postings).toMatchObject([{ amount: big, after: { debitsPosted: big } }]);
    const next = await call(
      'viewer',
      'GET',
      `${BASE}/accounts/${a.id}/postings?after=${postings.nextAfter as number}`,
    );
    expect(next.json().data.postings).toMatchObject([{ amount: '7', pending: true }]);
  });

  it('refuses amounts that are not strings of digits, and unknown fields', async () => {
    const { account } = await book();
    const [a, b] = [await account('A'), await account('B')];
    for (const bad of [
      { ...transfer(a.id, b.id, '1'), amount: 5 },
      transfer(a.id, b.id, '1.5'),
      transfer(a.id, b.id, '-3'),
      transfer(a.id, b.id, '12345678901234567890'),
      { ...transfer(a.id, b.id, '1'), surprise: true },
    ]) {
      const res = await call('admin', 'POST', `${BASE}/transfers`, { transfers: [bad] });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    // in range for the pattern, too large for the ledger: a result, not a 400
    const tooLarge = await call('admin', 'POST', `${BASE}/transfers`, {
      transfers: [transfer(a.id, b.id, '9999999999999999999')],
    });
    expect(tooLarge.json().data.results[0].result).toBe('amount_too_large');
  });

  it('lets a viewer read but not write', async () => {
    const { account } = await book();
    const [a, b] = [await account('A'), await account('B')];
    const post = await call('viewer', 'POST', `${BASE}/transfers`, {
      transfers: [transfer(a.id, b.id, '1')],
    });
    expect(post.statusCode).toBe(403);
    const entity = await call('viewer', 'POST', `${BASE}/entities`, {
      code: 'NOPE',
      name: 'Nope',
      kind: 'holding',
      baseCurrency: 'EUR',
    });
    expect(entity.statusCode).toBe(403);
    expect((await call('viewer', 'POST', `${BASE}/accounts/${a.id}/close`)).statusCode).toBe(403);
    expect((await call('viewer', 'GET', `${BASE}/accounts/${a.id}`)).json().data.debitsPosted).toBe(
      '0',
    );
  });

  it("keeps another organisation out of this one's books", async () => {
    const { entity, account } = await book();
    const [a, b] = [await account('A'), await account('B')];
    const t = transfer(a.id, b.id, '5');
    await call('admin', 'POST', `${BASE}/transfers`, { transfers: [t] });
    for (const url of [
      `${BASE}/entities/${entity.id}`,
      `${BASE}/accounts/${a.id}`,
      `${BASE}/accounts/${a.id}/postings`,
      `${BASE}/transfers/${t.id}`,
    ]) {
      expect((await call('other', 'GET', url)).statusCode, url).toBe(404);
    }
    expect((await call('other', 'GET', `${BASE}/transfers?ids=${t.id}`)).json().data).toEqual([]);
    const entities = (await call('other', 'GET', `${BASE}/entities`)).json().data;
    expect(entities.map((e: { id: string }) => e.id)).not.toContain(entity.id);
    expect((await call('other', 'POST', `${BASE}/accounts/${a.id}/close`)).statusCode).toBe(404);
    const move = await call('other', 'POST', `${BASE}/transfers`, {
      transfers: [transfer(a.id, b.id, '5')],
    });
    expect(move.json().data.results[0].result).toBe('debit_account_not_found');
    expect((await call('admin', 'GET', `${BASE}/accounts/${a.id}`)).json().data.debitsPosted).toBe(
      '5',
    );
  });

  it('looks transfers up, reverses one and closes an account', async () => {
    const { account } = await book();
    const [a, b] = [await account('A'), await account('B')];
    const t = transfer(a.id, b.id, '30');
    await call('editor', 'POST', `${BASE}/transfers`, { transfers: [t] });
    const reversal = newId();
    const reversed = await call('editor', 'POST', `${BASE}/transfers/${t.id}/reverse`, {
      id: reversal,
    });
    expect(reversed.json().data).toMatchObject({ id: reversal, result: 'ok' });
    const found = await call(
      'viewer',
      'GET',
      `${BASE}/transfers?ids=${t.id},${reversal.toUpperCase()}`,
    );
    expect(found.json().data.map((x: { id: string }) => x.id)).toEqual([t.id, reversal]);
    const closed = await call('editor', 'POST', `${BASE}/accounts/${a.id.toUpperCase()}/close`);
    expect(closed.statusCode).toBe(200);
    expect(closed.json().data.closedAt).not.toBeNull();
    const late = await call('editor', 'POST', `${BASE}/transfers`, {
      transfers: [transfer(a.id, b.id, '1')],
    });
    expect(late.json().data.results[0].result).toBe('account_closed');
  });

  it('takes a full batch of 8,190 transfers over HTTP', async () => {
    const { account } = await book();
    const [a, b] = [await account('A'), await account('B')];
    const transfers = Array.from({ length: 8_190 }, () =>
      transfer(a.id, b.id, '1', { description: 'a description to make the body realistic' }),
    );
    const res = await call('admin', 'POST', `${BASE}/transfers`, { transfers });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.results).toHaveLength(8_190);
    expect((await call('admin', 'GET', `${BASE}/accounts/${a.id}`)).json().data.debitsPosted).toBe(
      '8190',
    );
    const tooMany = await call('admin', 'POST', `${BASE}/transfers`, {
      transfers: [...transfers, transfer(a.id, b.id, '1')],
    });
    expect(tooMany.statusCode).toBe(400);
  });
});
