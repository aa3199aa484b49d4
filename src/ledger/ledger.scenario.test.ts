import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId } from '../kernel/index.ts';
import type { Account, Entity, TransferInput } from './ledger.types.ts';
import { createReportsService, type ReportsService } from './reports.service.ts';
import type { Section } from './reports.types.ts';
import { createLedgerWorld, type LedgerWorld } from './ledger.test-support.ts';

/**
 * One group in three currencies, every figure worked out by hand:
 *
 * - HOLD (EUR, the root) puts 10,000.00 EUR of capital in its bank on 1 January and lends
 *   1,000.00 EUR to US on 5 January (HOLD: Dr 1310 loan to US, Cr 1100 bank).
 * - US (USD) receives the loan in a EUR bank account (Dr 1110 EUR bank, Cr 2110 loan from HOLD,
 *   both in EUR) and spends it on 10 January on travel booked in EUR (Dr 6150, Cr 1110).
 * - UK (GBP) earns 500.00 GBP on 20 January (Dr 1100 bank, Cr 4000 revenue).
 * - Rates: EUR/USD 1.10 from 1 January and 1.20 from 31 January; EUR/GBP 0.85 from 1 January
 *   and 0.80 from 31 January. No GBP/USD rate is recorded.
 *
 * US revalues on 31 January: the EUR loan (a monetary liability) of 1,000.00 EUR is carried at
 * 1,100.00 USD (its day's rate) and re-measured at 1,200.00 USD: a loss of 100.00 USD to 6900
 * (Dr 6900, Cr 2110.FX). The EUR bank is at zero (1,100.00 in and out): nothing to post.
 */
describe.each(storages)('a group in EUR, USD and GBP on $name', { timeout: 60_000 }, (storage) => {
  let world: LedgerWorld;
  let reports: ReportsService;
  let drop: () => Promise<void>;
  const orgId = newId();
  let hold: Entity;
  let us: Entity;
  let uk: Entity;
  const accounts = new Map<string, Account>();
  const acct = (entity: Entity, code: string) => accounts.get(`${entity.code}:${code}`)!;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    world = await createLedgerWorld(created.target);
    reports = createReportsService({ db: world.kernel.db, clock: world.clock });
    const { ledger } = world;
    const entity = async (code: string, baseCurrency: string, parentId?: string) => {
      const made = await ledger.createEntity(orgId, {
        code,
        name: code,
        kind: parentId ? 'venture' : 'holding',
        baseCurrency,
        ...(parentId ? { parentId } : {}),
      });
      for (const a of made.accounts) accounts.set(`${code}:${a.code}`, a);
      return made.entity;
    };
    hold = await entity('HOLD', 'EUR');
    us = await entity('US', 'USD', hold.id);
    uk = await entity('UK', 'GBP', hold.id);
    const add = async (e: Entity, code: string, input: Record<string, unknown>) => {
      const a = await ledger.createAccount(orgId, {
        entityId: e.id,
        code,
        name: code,
        type: 'asset',
        ...input,
      });
      accounts.set(`${e.code}:${code}`, a);
    };
    await add(hold, '1310', { counterpartyEntityId: us.id });
    await add(us, '1110', { currency: 'EUR', cash: true });
    await add(us, '2110', { type: 'liability', currency: 'EUR', counterpartyEntityId: hold.id });
    await add(us, '6150', { type: 'expense', currency: 'EUR' });
    await ledger.recordFxRates(orgId, [
      { base: 'EUR', quote: 'USD', rate: '1.10', effectiveOn: '2026-01-01' },
      { base: 'EUR', quote: 'USD', rate: '1.20', effectiveOn: '2026-01-31' },
      { base: 'EUR', quote: 'GBP', rate: '0.85', effectiveOn: '2026-01-01' },
      { base: 'EUR', quote: 'GBP', rate: '0.80', effectiveOn: '2026-01-31' },
    ]);
    const t = (debit: Account, credit: Account, amount: bigint, day: string): TransferInput => ({
      id: newId(),
      debitAccountId: debit.id,
      creditAccountId: credit.id,
      amount,
      currency: debit.currency,
      effectiveAt: new Date(`${day}T12:00:00.000Z`),
    });
    const results = await ledger.createTransfers(orgId, [
      t(acct(hold, '1100'), acct(hold, '3000'), 1_000_000n, '2026-01-01'),
      t(acct(hold, '1310'), acct(hold, '1100'), 100_000n, '2026-01-05'),
      t(acct(us, '1110'), acct(us, '2110'), 100_000n, '2026-01-05'),
      t(acct(us, '6150'), acct(us, '1110'), 100_000n, '2026-01-10'),
      t(acct(uk, '1100'), acct(uk, '4000'), 50_000n, '2026-01-20'),
    ]);
    expect(results.map((r) => r.result)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
  afterAll(async () => {
    await world?.close();
    await drop?.();
  });

  it('revalues the EUR loan of the USD entity into P&L, once per day', async () => {
    const run = await world.ledger.revalue(orgId, us.id, { on: '2026-01-31' });
    expect(run).toMatchObject({ entityId: us.id, on: '2026-01-31', currency: 'USD', posted: 1 });
    const line = (code: string) => run.lines.find((l) => l.code === code)!;
    expect(line('1110')).toMatchObject({
      balance: 0n,
      carrying: 0n,
      remeasured: 0n,
      difference: 0n,
      transferId: null,
    });
    expect(line('2110')).toMatchObject({
      balance: -100_000n,
      carrying: -110_000n,
      remeasured: -120_000n,
      difference: -10_000n,
      result: 'ok',
    });
    expect(line('2110').rate).toMatchObject({ rate: '1.2', effectiveOn: '2026-01-31' });
    // An ordinary transfer: balanced, its own id, in USD, dated the end of the day.
    const entry = await world.ledger.getTransfer(orgId, line('2110').transferId!);
    expect(entry).toMatchObject({
      debitAccountId: acct(us, '6900').id,
      creditAccountId: line('2110').revaluationAccountId,
      amount: 10_000n,
      currency: 'USD',
      status: 'posted',
      effectiveAt: new Date('2026-01-31T23:59:59.999Z'),
    });
    const companion = await world.ledger.getAccount(orgId, line('2110').revaluationAccountId!);
    expect(companion).toMatchObject({
      code: '2110.FX',
      type: 'liability',
      currency: 'USD',
      parentAccountId: acct(us, '2110').id,
      counterpartyEntityId: hold.id,
      balance: 10_000n,
    });
    // Twice: nothing new.
    const again = await world.ledger.revalue(orgId, us.id, { on: '2026-01-31' });
    expect(again.posted).toBe(0);
    expect(again.lines.map((l) => l.difference)).toEqual([0n, 0n]);
  });

  it("shows the loss in the entity's P&L and nothing in its translation line", async () => {
    const pl = await reports.profitAndLoss(orgId, {
      entityId: us.id,
      from: '2026-01-01',
      to: '2026-01-31',
    });
    expect(amounts(pl.expenses)).toMatchObject({ '6150': 110_000n, '6900': 10_000n });
    expect(pl.netIncome).toBe(-120_000n);
    const bs = await reports.balanceSheet(orgId, { entityId: us.id, asOf: '2026-01-31' });
    expect(bs.liabilities.total).toBe(120_000n);
    expect(bs.assets.total).toBe(0n);
    expect(bs.equity).toMatchObject({ unclosedEarnings: -120_000n, translationDifferences: 0n });
  });

  it('consolidates in EUR with the exchange loss in profit, the elimination difference in equity', async () => {
    const range = { entityId: hold.id, consolidated: true, from: '2026-01-01', to: '2026-01-31' };
    const pl = await reports.profitAndLoss(orgId, range);
    // UK 500.00 GBP / 0.85 = 588.24; travel 1,000.00 EUR; US's loss 100.00 USD / 1.20 = 83.33.
    expect(amounts(pl.revenue)).toMatchObject({ '4000': 58_824n });
    expect(amounts(pl.expenses)).toMatchObject({ '6150': 100_000n, '6900': 8_333n });
    expect(pl.netIncome).toBe(58_824n - 100_000n - 8_333n);
    const bs = await reports.balanceSheet(orgId, {
      entityId: hold.id,
      consolidated: true,
      asOf: '2026-01-31',
    });
    // HOLD's bank 9,000.00 + UK's 500.00 GBP / 0.80 = 625.00; the loan and its revaluation
    // eliminated. Translation: UK's 625.00 - 588.24 = 36.76, plus the loan's elimination
    // difference 83.33 (HOLD's receivable 1,000.00 against US's payable 1,083.33).
    expect(bs.assets.total).toBe(962_500n);
    expect(bs.liabilities.total).toBe(0n);
    expect(bs.equity).toMatchObject({
      accounts: 1_000_000n,
      unclosedEarnings: -49_509n,
      translationDifferences: 3_676n + 8_333n,
    });
    expect(bs.eliminations).toMatchObject([{ difference: -8_333n }]);
  });

  it('derives GBP to USD through EUR and says so', async () => {
    const pl = await reports.profitAndLoss(orgId, {
      entityId: uk.id,
      from: '2026-01-01',
      to: '2026-01-31',
      currency: 'USD',
    });
    // 500.00 GBP on 20 January: / 0.85 * 1.10 = 647.0588… = 647.06 USD.
    expect(amounts(pl.revenue)).toMatchObject({ '4000': 64_706n });
    const [used] = pl.rates;
    expect(used).toMatchObject({ entityCode: 'UK', currency: 'GBP' });
    expect(used!.movements).toEqual([
      {
        rate: '1.294117647059',
        effectiveOn: '2026-01-01',
        inverted: false,
        firstDay: '2026-01-20',
        lastDay: '2026-01-20',
        derived: {
          via: 'EUR',
          legs: [
            { base: 'EUR', quote: 'GBP', rate: '0.85', effectiveOn: '2026-01-01', inverted: true },
            { base: 'EUR', quote: 'USD', rate: '1.1', effectiveOn: '2026-01-01', inverted: false },
          ],
        },
      },
    ]);
    const bs = await reports.balanceSheet(orgId, {
      entityId: hold.id,
      consolidated: true,
      asOf: '2026-01-31',
      currency: 'USD',
    });
    // UK's bank: 500.00 GBP / 0.80 * 1.20 = 750.00 USD; HOLD's 9,000.00 EUR * 1.20 = 10,800.00.
    expect(bs.assets.total).toBe(1_080_000n + 75_000n);
  });

  it('keeps a closed January as it was when a rate dated inside it is recorded later', async () => {
    const january = { entityId: uk.id, from: '2026-01-01', to: '2026-01-31' };
    const before = await reports.profitAndLoss(orgId, january);
    expect(before.netIncome).toBe(50_000n);
    const inEur = { ...january, currency: 'EUR' };
    const translated = await reports.profitAndLoss(orgId, inEur);
    expect(translated.netIncome).toBe(58_824n);
    await world.ledger.closePeriod(orgId, uk.id, { through: '2026-01-31' });
    world.clock.advance(1000);
    // Recorded after the close: one dated inside January, one dated before it.
    await world.ledger.recordFxRates(orgId, [
      { base: 'EUR', quote: 'GBP', rate: '0.90', effectiveOn: '2026-01-15' },
      { base: 'GBP', quote: 'EUR', rate: '1.25', effectiveOn: '2025-12-31' },
    ]);
    const after = await reports.profitAndLoss(orgId, inEur);
    expect(after.netIncome).toBe(58_824n);
    expect(after.rates[0]!.movements).toMatchObject([{ rate: '0.85', effectiveOn: '2026-01-01' }]);
    const bs = await reports.balanceSheet(orgId, {
      entityId: uk.id,
      asOf: '2026-01-31',
      currency: 'EUR',
    });
    expect(bs.assets.total).toBe(62_500n);
    // The rate is recorded and in force for anything not frozen by a close.
    const recorded = await world.ledger.lookupFxRate(orgId, 'EUR', 'GBP', '2026-01-20');
    expect(recorded.rate).toBe('0.9');
    const consolidated = await reports.profitAndLoss(orgId, {
      ...january,
      entityId: hold.id,
      consolidated: true,
    });
    // UK's revenue is frozen by UK's own close, whichever tree it is reported in.
    expect(amounts(consolidated.revenue)).toMatchObject({ '4000': 58_824n });
  });
});

function amounts(section: Section): Record<string, bigint> {
  return Object.fromEntries(section.lines.map((l) => [l.code, l.total]));
}
