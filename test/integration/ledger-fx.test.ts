import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import { ManualClock, newId, type Kernel } from '../../src/kernel/index.ts';
import { buildApp } from '../../src/server/index.ts';
import { createTestKernel } from '../helpers/kernel.ts';
import { storages } from '../helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';
const BASE = '/api/v1/ledger';

/** FX rates, intercompany transfers and period close over HTTP. */
describe.each(storages)(
  'ledger FX, intercompany and periods over HTTP on $name',
  { timeout: 120_000 },
  (storage) => {
    let kernel: Kernel;
    let app: FastifyInstance;
    let drop: () => Promise<void>;
    const clock = new ManualClock('2026-03-10T12:00:00.000Z');
    const auth: Record<'admin' | 'viewer' | 'other', string> = { admin: '', viewer: '', other: '' };

    beforeAll(async () => {
      const created = await storage.create();
      drop = created.drop;
      kernel = await createTestKernel({
        target: created.target,
        clock,
        workJobs: false,
        env: { IZA_RATE_LIMIT_MAX: '100000', IZA_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' },
      });
      const access = createAccess(kernel);
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
      await access.users.addMember(
        a.organisation.id,
        { email: 'viewer@alpha.test', name: 'viewer', password: PASSWORD, role: 'viewer' },
        'system',
      );
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

    async function entity(baseCurrency: string) {
      const res = await call('admin', 'POST', `${BASE}/entities`, {
        code: `E${newId().slice(-8)}`,
        name: `Venture in ${baseCurrency}`,
        kind: 'venture',
        baseCurrency,
      });
      expect(res.statusCode).toBe(201);
      return res.json().data as {
        id: string;
        code: string;
        accounts: { id: string; code: string }[];
      };
    }

    it('records, lists and looks up rates; a different rate for a recorded day is a 409', async () => {
      const rates = [
        { base: 'EUR', quote: 'USD', rate: '1.0825', effectiveOn: '2026-03-02', source: 'ECB' },
        { base: 'EUR', quote: 'USD', rate: '1.0900', effectiveOn: '2026-03-09' },
      ];
      const recorded = await call('admin', 'POST', `${BASE}/fx-rates`, { rates });
      expect(recorded.statusCode).toBe(200);
      expect(recorded.json().data).toMatchObject({
        recorded: 2,
        unchanged: 0,
        rates: [
          { rate: '1.0825', source: 'ECB' },
          { rate: '1.09', source: null },
        ],
      });
      const again = await call('admin', 'POST', `${BASE}/fx-rates`, { rates });
      expect(again.json().data).toMatchObject({ recorded: 0, unchanged: 2 });

      const conflict = await call('admin', 'POST', `${BASE}/fx-rates`, {
        rates: [{ ...rates[0], rate: '1.1' }],
      });
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json().error).toMatchObject({ code: 'ledger_fx_rate_conflict' });
      expect(conflict.json().error.message).toContain('EUR/USD on 2026-03-02');

      const list = await call(
        'viewer',
        'GET',
        `${BASE}/fx-rates?base=EUR&quote=USD&from=2026-03-05`,
      );
      expect(list.statusCode).toBe(200);
      expect(list.json().data.map((r: { effectiveOn: string }) => r.effectiveOn)).toEqual([
        '2026-03-09',
      ]);
      const lookup = await call(
        'viewer',
        'GET',
        `${BASE}/fx-rates/lookup?base=USD&quote=EUR&on=2026-03-05`,
      );
      expect(lookup.statusCode).toBe(200);
      expect(lookup.json().data).toEqual({
        base: 'USD',
        quote: 'EUR',
        on: '2026-03-05',
        rate: '1.0825',
        effectiveOn: '2026-03-02',
        inverted: true,
        numerator: '10000',
        denominator: '10825',
      });
      const missing = await call(
        'viewer',
        'GET',
        `${BASE}/fx-rates/lookup?base=EUR&quote=USD&on=2026-03-01`,
      );
      expect(missing.statusCode).toBe(422);
      expect(missing.json().error.code).toBe('ledger_fx_rate_missing');

      // rates are per organisation, writing them needs `write`, and rates are decimal strings
      expect((await call('other', 'GET', `${BASE}/fx-rates`)).json().data).toEqual([]);
      expect((await call('viewer', 'POST', `${BASE}/fx-rates`, { rates })).statusCode).toBe(403);
      for (const bad of [
        { ...rates[0], rate: 1.08 },
        { ...rates[0], effectiveOn: '2026-02-30' },
      ]) {
        const res = await call('admin', 'POST', `${BASE}/fx-rates`, { rates: [bad] });
        expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      }
    });

    it('books an intercompany loan across currencies and answers a replay the same', async () => {
      const lender = await entity('EUR');
      const borrower = await entity('GBP');
      await call('admin', 'POST', `${BASE}/fx-rates`, {
        rates: [{ base: 'GBP', quote: 'EUR', rate: '1.17', effectiveOn: '2026-03-01' }],
      });
      const bank = (e: typeof lender) => e.accounts.find((a) => a.code === '1100')!.id;
      const equity = (e: typeof lender) => e.accounts.find((a) => a.code === '3000')!.id;
      await call('admin', 'POST', `${BASE}/transfers`, {
        transfers: [
          {
            id: newId(),
            debitAccountId: bank(lender),
            creditAccountId: equity(lender),
            amount: '1000000',
            currency: 'EUR',
          },
        ],
      });
      const body = {
        id: newId(),
        fromEntityId: lender.id,
        toEntityId: borrower.id,
        amount: '117000',
        currency: 'EUR',
        metadata: { agreement: 'L-7' },
      };
      const res = await call('admin', 'POST', `${BASE}/intercompany-transfers`, body);
      expect(res.statusCode, res.body).toBe(200);
      const answer = res.json().data;
      expect(answer).toMatchObject({
        id: body.id,
        kind: 'loan',
        result: 'ok',
        rate: {
          base: 'EUR',
          quote: 'GBP',
          rate: '1.17',
          effectiveOn: '2026-03-01',
          inverted: true,
        },
      });
      expect(
        answer.legs.map((l: Record<string, string>) => [l.result, l.amount, l.currency]),
      ).toEqual([
        ['ok', '117000', 'EUR'],
        ['ok', '100000', 'GBP'],
      ]);
      const replay = await call('admin', 'POST', `${BASE}/intercompany-transfers`, body);
      expect(replay.json().data.legs.map((l: { result: string }) => l.result)).toEqual([
        'exists',
        'exists',
      ]);
      expect(replay.json().data.rate).toEqual(answer.rate);
      const leg = await call('viewer', 'GET', `${BASE}/transfers/${answer.legs[1].id as string}`);
      expect(leg.json().data.metadata).toMatchObject({
        agreement: 'L-7',
        intercompany: { id: body.id, sourceAmount: '117000', sourceCurrency: 'EUR', rate: '1.17' },
      });

      const bad = [
        [{ ...body, id: newId(), toEntityId: lender.id }, 400, 'validation_failed'],
        [{ ...body, id: newId(), currency: 'USD' }, 400, 'validation_failed'],
        [{ ...body, id: newId(), toEntityId: newId() }, 404, 'not_found'],
        [{ ...body, id: newId(), amount: 117000 }, 400, 'validation_failed'],
      ] as const;
      for (const [payload, status, code] of bad) {
        const refused = await call('admin', 'POST', `${BASE}/intercompany-transfers`, payload);
        expect([refused.statusCode, refused.json().error?.code], JSON.stringify(payload)).toEqual([
          status,
          code,
        ]);
      }
      // another organisation does not see these entities
      const other = await call('other', 'POST', `${BASE}/intercompany-transfers`, {
        ...body,
        id: newId(),
      });
      expect(other.statusCode).toBe(404);
    });

    it('closes a period, refuses transfers dated inside it and lists the closes', async () => {
      const e = await entity('EUR');
      const close = await call('admin', 'POST', `${BASE}/entities/${e.id}/close-period`, {
        through: '2026-02-28',
        note: 'February',
      });
      expect(close.statusCode, close.body).toBe(201);
      expect(close.json().data).toMatchObject({
        entityId: e.id,
        closedThrough: '2026-02-28',
        previousClosedThrough: null,
        note: 'February',
      });
      expect(
        (await call('viewer', 'GET', `${BASE}/entities/${e.id}`)).json().data.closedThrough,
      ).toBe('2026-02-28');
      const [bank, equity] = ['1100', '3000'].map((c) => e.accounts.find((a) => a.code === c)!.id);
      const transfer = (effectiveAt: string) => ({
        id: newId(),
        debitAccountId: bank,
        creditAccountId: equity,
        amount: '100',
        currency: 'EUR',
        effectiveAt,
      });
      const batch = await call('admin', 'POST', `${BASE}/transfers`, {
        transfers: [transfer('2026-02-28T20:00:00.000Z'), transfer('2026-03-01T00:00:00.000Z')],
      });
      expect(batch.json().data.results.map((r: { result: string }) => r.result)).toEqual([
        'period_closed',
        'ok',
      ]);

      const refusals = [
        [{ through: '2026-02-28' }, 409, 'ledger_period_already_closed'],
        [{ through: '2026-03-11' }, 422, 'ledger_period_not_over'],
        [{ through: '2026-02-30' }, 400, 'validation_failed'],
        [{}, 400, 'validation_failed'],
      ] as const;
      for (const [payload, status, code] of refusals) {
        const res = await call('admin', 'POST', `${BASE}/entities/${e.id}/close-period`, payload);
        expect([res.statusCode, res.json().error?.code], JSON.stringify(payload)).toEqual([
          status,
          code,
        ]);
      }
      expect(
        (
          await call('viewer', 'POST', `${BASE}/entities/${e.id}/close-period`, {
            through: '2026-03-01',
          })
        ).statusCode,
      ).toBe(403);
      await call('admin', 'POST', `${BASE}/entities/${e.id}/close-period`, {
        through: '2026-03-10',
      });

      const history = await call('viewer', 'GET', `${BASE}/entities/${e.id}/periods`);
      expect(history.statusCode).toBe(200);
      expect(
        history
          .json()
          .data.map((p: Record<string, string | null>) => [
            p.previousClosedThrough,
            p.closedThrough,
          ]),
      ).toEqual([
        [null, '2026-02-28'],
        ['2026-02-28', '2026-03-10'],
      ]);
      expect((await call('other', 'GET', `${BASE}/entities/${e.id}/periods`)).statusCode).toBe(404);
    });
  },
);
