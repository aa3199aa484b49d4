import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, newId } from '../../src/kernel/index.ts';
import { LEDGER, createLedgerHttpWorld } from '../helpers/ledger-http.ts';
import { storages } from '../helpers/storage.ts';

/**
 * What the ledger's API refuses, and how: currencies outside ISO 4217, single transfers that are
 * not applied (4xx, the id not used up), accounts closed with a balance, dates beyond the
 * horizon; and the journal listing, kept within its organisation.
 */
describe.each(storages)('ledger input on $name', { timeout: 120_000 }, (storage) => {
  let w: Awaited<ReturnType<typeof createLedgerHttpWorld>>;
  const clock = new ManualClock('2026-03-01T09:00:00.000Z');

  beforeAll(async () => {
    w = await createLedgerHttpWorld(storage, { clock });
  });
  afterAll(async () => {
    await w?.close();
  });

  const put = (id: string, body: Record<string, unknown>, who: 'admin' | 'other' = 'admin') =>
    w.call(who, 'PUT', `${LEDGER}/transfers/${id}`, body);

  it('refuses currencies that are not active ISO 4217 codes, naming the field', async () => {
    const { entity, account } = await w.book();
    const [a, b] = [await account('A'), await account('B')];
    for (const code of ['QQQ', 'XXX', 'XTS', 'XAU']) {
      const cases: [string, string, Record<string, unknown>, string][] = [
        [
          'POST',
          `${LEDGER}/entities`,
          { code: 'X', name: 'X', kind: 'venture', baseCurrency: code },
          'baseCurrency',
        ],
        [
          'POST',
          `${LEDGER}/accounts`,
          { entityId: entity.id, code: 'Z', name: 'Z', type: 'asset', currency: code },
          'currency',
        ],
        [
          'POST',
          `${LEDGER}/fx-rates`,
          { rates: [{ base: code, quote: 'EUR', rate: '1', effectiveOn: '2026-01-01' }] },
          'rates.0.base',
        ],
        [
          'POST',
          `${LEDGER}/transfers`,
          {
            transfers: [
              {
                id: newId(),
                debitAccountId: a.id,
                creditAccountId: b.id,
                amount: '1',
                currency: code,
              },
            ],
          },
          'transfers.0.currency',
        ],
        [
          'PUT',
          `${LEDGER}/transfers/${newId()}`,
          { debitAccountId: a.id, creditAccountId: b.id, amount: '1', currency: code },
          'currency',
        ],
        [
          'GET',
          `${LEDGER}/reports/profit-and-loss?entityId=${entity.id}&currency=${code}`,
          {},
          'currency',
        ],
      ];
      for (const [method, url, body, field] of cases) {
        const res = await w.call(
          'admin',
          method as 'GET',
          url,
          method === 'GET' ? undefined : body,
        );
        expect(res.statusCode, `${code} ${url}`).toBe(400);
        expect(res.json().error.code).toBe('validation_failed');
        expect(res.json().error.message, url).toContain(field);
      }
    }
    // Exponents come from the same table: JPY has none, BHD three.
    const yen = await w.book('admin', 'JPY');
    expect((await w.call('admin', 'GET', `${LEDGER}/entities/${yen.entity.id}`)).statusCode).toBe(
      200,
    );
  });

  it('answers a single transfer that is not applied with a 4xx naming why, and keeps its id', async () => {
    const { account } = await w.book();
    const [a, b] = [await account('A'), await account('B')];
    const other = await w.book();
    const elsewhere = await other.account('C');
    const foreign = await (await w.book('other')).account('D');
    const id = newId();
    const good = { debitAccountId: a.id, creditAccountId: b.id, amount: '700', currency: 'EUR' };
    for (const [body, status, code] of [
      [{ ...good, amount: '0' }, 400, 'amount_must_be_positive'],
      [{ ...good, amount: '9223372036854775808' }, 400, 'amount_too_large'],
      [{ ...good, creditAccountId: newId() }, 404, 'credit_account_not_found'],
      [{ ...good, creditAccountId: foreign.id }, 404, 'credit_account_not_found'],
      [{ ...good, creditAccountId: elsewhere.id }, 400, 'accounts_must_have_the_same_entity'],
      [{ ...good, creditAccountId: a.id }, 400, 'accounts_must_be_different'],
      [{ ...good, currency: undefined }, 400, 'currency_required'],
      [{ ...good, effectiveAt: '2999-01-01T00:00:00Z' }, 400, 'effective_at_too_late'],
    ] as const) {
      const res = await put(id, body);
      expect(res.statusCode, code).toBe(status);
      expect(res.json()).toMatchObject({ success: false, error: { code } });
      expect(res.json().error.message).toContain(id);
    }
    // The corrected request under the same id is applied.
    const ok = await put(id, good);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().data).toMatchObject({
      id,
      result: 'ok',
      transfer: { id, amount: '700', status: 'posted', effectiveAt: '2026-03-01T09:00:00.000Z' },
    });
    expect((await put(id, good)).json().data.result).toBe('exists');
    const replay = await put(id, { ...good, amount: '701' });
    expect(replay.statusCode).toBe(409);
    expect(replay.json().error.code).toBe('exists_with_different_amount');
    // A state failure is a conflict, and is stored like in a batch.
    const wallet = await account('W', { type: 'liability', debitsMustNotExceedCredits: true });
    const spend = await put(newId(), { ...good, debitAccountId: wallet.id });
    expect(spend.statusCode).toBe(409);
    expect(spend.json().error.code).toBe('exceeds_credits');
    // The batch keeps one result per transfer.
    const batch = await w.call('admin', 'POST', `${LEDGER}/transfers`, {
      transfers: [{ id: newId(), ...good, amount: '0' }],
    });
    expect(batch.statusCode).toBe(200);
    expect(batch.json().data.results[0].result).toBe('amount_must_be_positive');
  });

  it('refuses to close an account that holds a balance, posted or pending', async () => {
    const { account } = await w.book();
    const [a, b] = [await account('A'), await account('B')];
    const t = newId();
    await put(t, { debitAccountId: a.id, creditAccountId: b.id, amount: '1250', currency: 'EUR' });
    const close = await w.call('admin', 'POST', `${LEDGER}/accounts/${a.id}/close`);
    expect(close.statusCode).toBe(409);
    expect(close.json().error).toMatchObject({
      code: 'account_has_balance',
      details: { balance: '1250', side: 'debit', currency: 'EUR' },
    });
    expect(close.json().error.message).toContain('12.50 EUR');
    const hold = newId();
    await put(hold, {
      kind: 'pending',
      debitAccountId: b.id,
      creditAccountId: a.id,
      amount: '1250',
      currency: 'EUR',
    });
    const pending = await w.call('admin', 'POST', `${LEDGER}/accounts/${a.id}/close`);
    expect(pending.json().error.code).toBe('account_has_pending_transfers');
    await put(newId(), { kind: 'post_pending', pendingId: hold });
    const closed = await w.call('admin', 'POST', `${LEDGER}/accounts/${a.id}/close`);
    expect(closed.statusCode).toBe(200);
  });

  it('dates reversals, shows accounting dates, lists the journal within the organisation', async () => {
    const { entity, account } = await w.book();
    const [a, b] = [await account('A'), await account('B')];
    const ids: string[] = [];
    for (const day of ['2026-01-10', '2026-01-20', '2026-02-05', '2026-02-25']) {
      const id = newId();
      ids.push(id);
      const res = await put(id, {
        debitAccountId: a.id,
        creditAccountId: b.id,
        amount: '100',
        currency: 'EUR',
        effectiveAt: `${day}T10:00:00Z`,
      });
      expect(res.statusCode).toBe(200);
    }
    const reversal = newId();
    const reversed = await w.call('admin', 'POST', `${LEDGER}/transfers/${ids[0]}/reverse`, {
      id: reversal,
      effectiveAt: '2026-02-28T12:00:00Z',
    });
    expect(reversed.statusCode).toBe(200);
    expect(reversed.json().data.transfer).toMatchObject({
      reversesId: ids[0],
      effectiveAt: '2026-02-28T12:00:00.000Z',
    });
    const again = await w.call('admin', 'POST', `${LEDGER}/transfers/${ids[0]}/reverse`, {
      id: newId(),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('transfer_already_reversed');
    const postings = (await w.call('admin', 'GET', `${LEDGER}/accounts/${a.id}/postings`)).json();
    expect(postings.data.postings.map((p: { effectiveAt: string }) => p.effectiveAt)).toEqual([
      '2026-01-10T10:00:00.000Z',
      '2026-01-20T10:00:00.000Z',
      '2026-02-05T10:00:00.000Z',
      '2026-02-25T10:00:00.000Z',
      '2026-02-28T12:00:00.000Z',
    ]);
    // By account and date range, two at a time.
    const seen: string[] = [];
    let url = `${LEDGER}/journal?accountId=${a.id}&from=2026-01-15&to=2026-02-28&limit=2`;
    for (;;) {
      const page = (await w.call('admin', 'GET', url)).json().data;
      seen.push(...page.transfers.map((t: { id: string }) => t.id));
      if (page.next === null) break;
      url = `${LEDGER}/journal?accountId=${a.id}&from=2026-01-15&to=2026-02-28&limit=2&after=${page.next}`;
    }
    expect(seen).toEqual([ids[1], ids[2], ids[3], reversal]);
    const byEntity = await w.call(
      'admin',
      'GET',
      `${LEDGER}/journal?entityId=${entity.id}&to=2026-01-31`,
    );
    expect(byEntity.json().data.transfers.map((t: { id: string }) => t.id)).toEqual([
      ids[0],
      ids[1],
    ]);
    // Another organisation names this one's account or entity: not found; unfiltered: nothing.
    for (const query of [`accountId=${a.id}`, `entityId=${entity.id}`]) {
      const res = await w.call('other', 'GET', `${LEDGER}/journal?${query}`);
      expect(res.statusCode, query).toBe(404);
    }
    const theirs = (await w.call('other', 'GET', `${LEDGER}/journal`)).json().data.transfers;
    expect(theirs.map((t: { id: string }) => t.id)).not.toContain(ids[0]);
    expect(
      (await w.call('admin', 'GET', `${LEDGER}/journal?from=2026-02-01&to=2026-01-01`)).statusCode,
    ).toBe(400);
  });

  it('revalues on demand over HTTP, once', async () => {
    const { entity, account } = await w.book('admin', 'USD');
    const [bank, loan] = [
      await account('1110', { currency: 'EUR' }),
      await account('2110', { type: 'liability', currency: 'EUR' }),
    ];
    await w.call('admin', 'POST', `${LEDGER}/fx-rates`, {
      rates: [
        { base: 'EUR', quote: 'USD', rate: '1.10', effectiveOn: '2026-01-01' },
        { base: 'EUR', quote: 'USD', rate: '1.25', effectiveOn: '2026-02-01' },
      ],
    });
    await put(newId(), {
      debitAccountId: bank.id,
      creditAccountId: loan.id,
      amount: '100000',
      currency: 'EUR',
      effectiveAt: '2026-01-15T00:00:00Z',
    });
    // 1,000.00 EUR in the bank and owed: +150.00 USD on the bank, -150.00 on the loan.
    const run = await w.call('admin', 'POST', `${LEDGER}/entities/${entity.id}/revalue`, {
      on: '2026-02-28',
    });
    expect(run.statusCode).toBe(200);
    expect(run.json().data).toMatchObject({ posted: 2, currency: 'USD' });
    expect(run.json().data.lines.map((l: { difference: string }) => l.difference)).toEqual([
      '15000',
      '-15000',
    ]);
    const again = await w.call('admin', 'POST', `${LEDGER}/entities/${entity.id}/revalue`, {
      on: '2026-02-28',
    });
    expect(again.json().data.posted).toBe(0);
    const foreign = await w.call('other', 'POST', `${LEDGER}/entities/${entity.id}/revalue`, {});
    expect(foreign.statusCode).toBe(404);
  });
});
