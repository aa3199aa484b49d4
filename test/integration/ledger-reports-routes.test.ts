import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/kernel/index.ts';
import { createLedgerService, type Account, type Entity } from '../../src/ledger/index.ts';
import { ledgerFxRates } from '../../src/ledger/ledger.schema.ts';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

const BASE = '/api/v1/ledger';

describe.each(storages)('ledger report routes on $name', { timeout: 120_000 }, (storage) => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let entity: Entity;
  let bank: Account;
  let equity: Account;
  const who: Record<'viewer' | 'other' | 'anonymous', string | undefined> = {
    viewer: undefined,
    other: undefined,
    anonymous: undefined,
  };

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
    who.viewer = w.callers.find((c) => c.role === 'viewer')!.authorization;
    who.other = w.callers.find((c) => c.role === 'other-org-admin')!.authorization;
    const ledger = createLedgerService({
      db: w.kernel.db,
      clock: w.kernel.clock,
      audit: w.access.audit,
    });
    const made = await ledger.createEntity(w.orgA, {
      code: 'ACME',
      name: 'Acme Holding',
      kind: 'holding',
      baseCurrency: 'EUR',
    });
    entity = made.entity;
    const child = await ledger.createEntity(w.orgA, {
      code: 'SUB',
      name: 'Acme US',
      kind: 'venture',
      baseCurrency: 'USD',
      parentId: entity.id,
    });
    const code = (c: string, accounts = made.accounts) => accounts.find((a) => a.code === c)!;
    bank = code('1100');
    equity = code('3000');
    const at = new Date('2026-01-10T08:00:00.000Z');
    const results = await ledger.createTransfers(w.orgA, [
      {
        id: newId(),
        debitAccountId: bank.id,
        creditAccountId: code('3000').id,
        amount: 500_000n,
        currency: 'EUR',
        effectiveAt: at,
      },
      {
        id: newId(),
        debitAccountId: code('6200').id,
        creditAccountId: bank.id,
        amount: 12_345n,
        currency: 'EUR',
        effectiveAt: at,
      },
      {
        id: newId(),
        debitAccountId: code('1100', child.accounts).id,
        creditAccountId: code('4100', child.accounts).id,
        amount: 99_999n,
        currency: 'USD',
        effectiveAt: at,
      },
    ]);
    expect(results.map((r) => r.result)).toEqual(['ok', 'ok', 'ok']);
    await w.kernel.db.insert(ledgerFxRates).values({
      id: newId(),
      orgId: w.orgA,
      base: 'EUR',
      quote: 'USD',
      rate: '1.25',
      effectiveOn: '2026-01-01',
      createdAt: new Date(),
    });
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  const get = (url: string, as: keyof typeof who = 'viewer') => {
    const authorization = who[as];
    return w.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
  };
  const report = (kind: string, query: string, as: keyof typeof who = 'viewer') =>
    get(`${BASE}/reports/${kind}?entityId=${entity.id}&${query}`, as);

  it('serves the four statements to a viewer, amounts as strings of minor units', async () => {
    const tb = await report('trial-balance', 'asOf=2026-01-31');
    expect(tb.statusCode, tb.body).toBe(200);
    const data = tb.json().data;
    expect(data.totals).toEqual({
      opening: '0',
      debits: '512345',
      credits: '512345',
      translation: '0',
      closing: '0',
    });
    expect(data.lines.find((l: { code: string }) => l.code === '1100')).toMatchObject({
      closing: '487655',
    });

    const bs = await report('balance-sheet', 'asOf=2026-01-31');
    expect(bs.statusCode, bs.body).toBe(200);
    expect(bs.json().data).toMatchObject({
      currency: 'EUR',
      liabilitiesAndEquity: '487655',
      assets: { total: '487655' },
      equity: { unclosedEarnings: '-12345', translationDifferences: '0' },
    });

    const pl = await report('profit-and-loss', 'from=2026-01-01&to=2026-01-31');
    expect(pl.statusCode, pl.body).toBe(200);
    expect(pl.json().data.netIncome).toBe('-12345');

    const cf = await report('cash-flow', 'from=2026-01-01&to=2026-01-31');
    expect(cf.statusCode, cf.body).toBe(200);
    expect(cf.json().data).toMatchObject({
      openingCash: '0',
      closingCash: '487655',
      financing: { net: '500000' },
      operating: { net: '-12345' },
    });
  });

  it('consolidates the tree and translates with the recorded rates', async () => {
    const res = await report('balance-sheet', 'asOf=2026-01-31&consolidated=true');
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data.entities.map((e: { code: string }) => e.code)).toEqual(['ACME', 'SUB']);
    // 999.99 USD at 1/1.25: 799.992 EUR
    expect(data.assets.total).toBe(String(487_655 + 79_999));
    expect(data.liabilitiesAndEquity).toBe(data.assets.total);
    expect(data.rates.find((r: { entityCode: string }) => r.entityCode === 'SUB')).toMatchObject({
      currency: 'USD',
      closing: { rate: '1.25', inverted: true, effectiveOn: '2026-01-01', day: '2026-01-31' },
    });
    const usd = await report('trial-balance', 'asOf=2026-01-31&currency=USD&consolidated=true');
    expect(usd.statusCode, usd.body).toBe(200);
    expect(usd.json().data.currency).toBe('USD');
  });

  it('serves statements for several periods side by side, in one answer', async () => {
    const periods = (kind: string, query: string, as: keyof typeof who = 'viewer') =>
      get(`${BASE}/reports/${kind}/periods?entityId=${entity.id}&${query}`, as);
    const pl = await periods('profit-and-loss', 'period=month&count=2&to=2026-02-10');
    expect(pl.statusCode, pl.body).toBe(200);
    const data = pl.json().data;
    expect(data).toMatchObject({
      kind: 'profit-and-loss',
      period: 'month',
      from: '2026-01-01',
      to: '2026-02-10',
      currency: 'EUR',
      entity: { code: 'ACME' },
      periods: [
        {
          from: '2026-01-01',
          to: '2026-01-31',
          partial: false,
          statement: { netIncome: '-12345' },
        },
        { from: '2026-02-01', to: '2026-02-10', partial: true, statement: { netIncome: '0' } },
      ],
      total: { from: '2026-01-01', to: '2026-02-10', netIncome: '-12345' },
    });
    // the header once, not in every column
    expect(data.periods[0].statement).not.toHaveProperty('entities');

    const bs = await periods('balance-sheet', 'period=quarter&consolidated=true&to=2026-01-31');
    expect(bs.statusCode, bs.body).toBe(200);
    expect(bs.json().data.periods.map((p: { to: string }) => p.to)).toEqual([
      '2025-09-30',
      '2025-12-31',
      '2026-01-31',
    ]);
    expect(bs.json().data.periods[2].statement.assets.total).toBe(String(487_655 + 79_999));
    expect(bs.json().data.total).toBeNull();

    const cf = await periods('cash-flow', 'period=year&count=1&to=2026-01-31&currency=USD');
    expect(cf.statusCode, cf.body).toBe(200);
    expect(cf.json().data.currency).toBe('USD');

    for (const query of [
      'period=week',
      'period=month&count=0',
      'period=month&count=25',
      'count=2',
      'period=month&asOf=2026-01-31',
      'period=month&to=2026-02-30',
    ]) {
      const res = await periods('profit-and-loss', query);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
    }
    expect((await periods('trial-balance', 'period=month')).statusCode).toBe(404);
    const other = await periods('balance-sheet', 'period=month', 'other');
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('not_found');
    expect((await periods('balance-sheet', 'period=month', 'anonymous')).statusCode).toBe(401);
  });

  it("answers an account's balance at a point in time and over a range", async () => {
    const day = await get(`${BASE}/accounts/${bank.id}/balance?asOf=2026-01-10`);
    expect(day.statusCode, day.body).toBe(200);
    expect(day.json().data).toMatchObject({
      asOf: '2026-01-10',
      currency: 'EUR',
      closing: { debits: '500000', credits: '12345', balance: '487655' },
    });
    const before = await get(`${BASE}/accounts/${bank.id}/balance?asOf=2026-01-10T07:59:59Z`);
    expect(before.json().data.closing.balance).toBe('0');
    const range = await get(`${BASE}/accounts/${bank.id}/balance?from=2026-01-11&to=2026-01-31`);
    expect(range.json().data).toMatchObject({
      from: '2026-01-11',
      opening: { balance: '487655' },
      debits: '0',
      credits: '0',
    });
  });

  it("answers 404 for another organisation's entity or account", async () => {
    for (const kind of ['trial-balance', 'balance-sheet', 'profit-and-loss', 'cash-flow']) {
      const res = await report(kind, 'consolidated=true', 'other');
      expect(res.statusCode, `${kind} ${res.body}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const account = await get(`${BASE}/accounts/${bank.id}/balance`, 'other');
    expect(account.statusCode).toBe(404);
    const anonymous = await report('balance-sheet', '', 'anonymous');
    expect(anonymous.statusCode).toBe(401);
  });

  it('gives the figures only with detail=summary', async () => {
    const queries: [string, string][] = [
      ['trial-balance', 'asOf=2026-01-31&consolidated=true'],
      ['balance-sheet', 'asOf=2026-01-31&consolidated=true'],
      ['profit-and-loss', 'from=2026-01-01&to=2026-01-31&consolidated=true'],
      ['cash-flow', 'from=2026-01-01&to=2026-01-31&consolidated=true'],
      ['balance-sheet/periods', 'period=month&count=2&to=2026-02-10&consolidated=true'],
    ];
    for (const [kind, query] of queries) {
      const full = await report(kind, query);
      const summary = await report(kind, `${query}&detail=summary`);
      expect([full.statusCode, summary.statusCode], `${kind}: ${summary.body}`).toEqual([200, 200]);
      const [f, s] = [full.json().data, summary.json().data];
      expect(f.entityCount).toBe(2);
      expect(s.entityCount).toBe(2);
      expect(f.entities).toHaveLength(2);
      for (const left of ['"entities":[', '"rates":[', '"accountIds":[', '"eliminations":[']) {
        // the profit and loss eliminates nothing: it has no entries to leave out
        if (!(kind === 'profit-and-loss' && left === '"eliminations":[')) {
          expect(full.body, kind).toContain(left);
        }
        expect(summary.body, kind).not.toContain(left);
      }
      expect(s.ratesByCurrency).toEqual(f.ratesByCurrency);
      expect(summary.body.length).toBeLessThan(full.body.length);
    }
    // the same figures, line for line
    const tb = (detail: string) =>
      report('trial-balance', `asOf=2026-01-31&consolidated=true&detail=${detail}`);
    const [full, summary] = [(await tb('full')).json().data, (await tb('summary')).json().data];
    const figures = (lines: Record<string, unknown>[]) =>
      lines.map(({ accountIds: _ids, ...line }) => line);
    expect(summary.lines).toEqual(figures(full.lines));
    expect(full.lines.find((l: { code: string }) => l.code === '1100').accountIds).toHaveLength(2);
    expect(summary.totals).toEqual(full.totals);
    expect((await report('balance-sheet', 'detail=brief')).statusCode).toBe(400);
  });

  it('refuses bad dates, currencies and flags with 400, and a missing rate with 422', async () => {
    for (const [kind, query] of [
      ['balance-sheet', 'asOf=2026-02-30'],
      ['balance-sheet', 'asOf=31.01.2026'],
      ['balance-sheet', 'from=2026-01-01'],
      ['profit-and-loss', 'from=2026-02-01&to=2026-01-01'],
      ['profit-and-loss', 'asOf=2026-01-31'],
      ['trial-balance', 'asOf=2026-01-31&to=2026-01-31'],
      ['cash-flow', 'currency=eur'],
      ['cash-flow', 'consolidated=maybe'],
      ['cash-flow', 'unknown=1'],
    ]) {
      const res = await report(kind!, query!);
      expect(res.statusCode, `${kind}?${query}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    const noEntity = await get(`${BASE}/reports/balance-sheet?asOf=2026-01-31`);
    expect(noEntity.statusCode).toBe(400);
    const badAsOf = await get(`${BASE}/accounts/${bank.id}/balance?asOf=yesterday`);
    expect(badAsOf.statusCode).toBe(400);

    const missing = await report('balance-sheet', 'asOf=2026-01-31&currency=GBP');
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error).toMatchObject({
      code: 'ledger_fx_rate_missing',
      message: expect.stringContaining('EUR/GBP'),
    });
    expect(missing.json().error.message).toContain('2026-01-31');
  });

  // Last: it posts to the books the tests above read.
  it('answers a kept statement in a fresh envelope, and a changed one anew', async () => {
    const query = 'asOf=2026-01-31&consolidated=true&rates=currencies';
    const first = await report('balance-sheet', query);
    const again = await report('balance-sheet', query);
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(again.json().data).toEqual(first.json().data);
    expect(again.json()).toMatchObject({
      success: true,
      metadata: { version: expect.any(String) },
    });
    expect(again.json().metadata.requestId).not.toBe(first.json().metadata.requestId);
    expect(first.json().data.rates).toEqual([]);
    expect(first.json().data.ratesByCurrency.map((r: { currency: string }) => r.currency)).toEqual([
      'EUR',
      'USD',
    ]);
    // the same answer as the serializer's, property for property, whatever the path
    const full = await report('balance-sheet', 'asOf=2026-01-31&consolidated=true');
    expect({ ...full.json().data, rates: [] }).toEqual(first.json().data);
    // a posting dated in the statement's days: the next answer is computed and sent anew
    const ledger = createLedgerService({
      db: w.kernel.db,
      clock: w.kernel.clock,
      audit: w.access.audit,
    });
    const [posted] = await ledger.createTransfers(w.orgA, [
      {
        id: newId(),
        debitAccountId: bank.id,
        creditAccountId: equity.id,
        amount: 1_000n,
        currency: 'EUR',
        effectiveAt: new Date('2026-01-20T08:00:00.000Z'),
      },
    ]);
    expect(posted!.result).toBe('ok');
    const after = await report('balance-sheet', query);
    expect(after.json().data.assets.total).toBe(
      String(BigInt(first.json().data.assets.total) + 1_000n),
    );
  });

  it('documents the routes in OpenAPI', async () => {
    const res = await w.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json<{ paths: Record<string, unknown> }>().paths);
    for (const kind of ['trial-balance', 'balance-sheet', 'profit-and-loss', 'cash-flow']) {
      expect(paths).toContain(`${BASE}/reports/${kind}`);
    }
    for (const kind of ['balance-sheet', 'profit-and-loss', 'cash-flow']) {
      expect(paths).toContain(`${BASE}/reports/${kind}/periods`);
    }
    expect(paths).toContain(`${BASE}/accounts/{id}/balance`);
  });
});
