import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId } from '../kernel/index.ts';
import { convertMinor, parseRate, rateOn } from './fx.ts';
import { ledgerFxRates } from './ledger.schema.ts';
import type { Account } from './ledger.types.ts';
import { createReportsService, type ReportsService } from './reports.service.ts';
import { loadRateBook } from './reports.rates.ts';
import type { Section, TrialBalance } from './reports.types.ts';
import { createBook, createLedgerWorld, single, type LedgerWorld } from './ledger.test-support.ts';

/**
 * Each statement on one small set of books (EUR, January to March 2026), with every figure
 * worked out by hand below.
 */
describe.each(storages)('ledger reports on $name', { timeout: 60_000 }, (storage) => {
  let world: LedgerWorld;
  let reports: ReportsService;
  let drop: () => Promise<void>;
  let books: Awaited<ReturnType<typeof createBooks>>;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    world = await createLedgerWorld(created.target);
    reports = createReportsService({ db: world.kernel.db, clock: world.clock });
    books = await createBooks(world);
  });
  afterAll(async () => {
    await world.close();
    await drop();
  });

  const q = (extra: Record<string, string | boolean> = {}) => ({
    entityId: books.entity.id,
    ...extra,
  });

  it('trial balance as of a day: every account, debits = credits, balances sum to zero', async () => {
    const tb = await reports.trialBalance(books.orgId, q({ asOf: '2026-03-31' }));
    expect(tb).toMatchObject({
      from: null,
      to: '2026-03-31',
      currency: 'EUR',
      consolidated: false,
    });
    expect(tb.lines.map((l) => l.code)).toEqual([...books.chart.map((a) => a.code), '1500'].sort());
    const line = lineOf(tb);
    expect(line('1100')).toMatchObject({
      opening: 0n,
      debits: 1_700_000n,
      credits: 230_000n,
      closing: 1_470_000n,
      translation: 0n,
    });
    expect(line('1000').closing).toBe(45_000n);
    expect(line('4100').closing).toBe(-250_000n);
    expect(line('6300').closing).toBe(9_999n);
    // the pending hold and the April transfer are not in it
    expect(line('6400')).toMatchObject({ debits: 0n, credits: 0n, closing: 0n });
    expect(tb.totals).toEqual({
      opening: 0n,
      debits: 2_204_999n,
      credits: 2_204_999n,
      translation: 0n,
      closing: 0n,
    });
    expect(tb.translationDifferences).toEqual({
      opening: 0n,
      debits: 0n,
      credits: 0n,
      translation: 0n,
      closing: 0n,
    });
    expect(tb.rates).toEqual([
      expect.objectContaining({ currency: 'EUR', sameCurrency: true, closing: null }),
    ]);
  });

  it('trial balance over a range: opening before it, movements in it', async () => {
    const tb = await reports.trialBalance(books.orgId, q({ from: '2026-02-01', to: '2026-03-31' }));
    const line = lineOf(tb);
    expect(line('1100')).toMatchObject({
      opening: 1_200_000n,
      debits: 500_000n,
      credits: 230_000n,
      closing: 1_470_000n,
    });
    expect(line('3000')).toMatchObject({ opening: -1_000_000n, debits: 0n, credits: 0n });
    expect(line('4100')).toMatchObject({ opening: -250_000n, debits: 0n, credits: 0n });
    expect(tb.totals.opening).toBe(0n);
    expect(tb.totals.closing).toBe(0n);
    expect(tb.totals.debits).toBe(tb.totals.credits);
    expect(tb.totals.debits).toBe(30_000n + 80_000n + 15_000n + 500_000n + 120_000n + 9_999n);
  });

  it('balance sheet: assets = liabilities + equity, with the unclosed earnings', async () => {
    const bs = await reports.balanceSheet(books.orgId, q({ asOf: '2026-03-31' }));
    expect(amounts(bs.assets)).toMatchObject({
      '1000': 45_000n,
      '1100': 1_470_000n,
      '1200': 50_000n,
      '1300': 0n,
      '1500': 120_000n,
    });
    expect(bs.assets.total).toBe(1_685_000n);
    expect(amounts(bs.liabilities)).toMatchObject({ '2000': 9_999n, '2200': 500_000n });
    expect(bs.liabilities.total).toBe(509_999n);
    expect(bs.equity).toMatchObject({
      accounts: 1_000_000n,
      unclosedEarnings: 175_001n,
      translationDifferences: 0n,
      total: 1_175_001n,
    });
    expect(bs.liabilitiesAndEquity).toBe(bs.assets.total);
    // as of the end of January: only the capital, the sale and its collection
    const january = await reports.balanceSheet(books.orgId, q({ asOf: '2026-01-31' }));
    expect(january.assets.total).toBe(1_250_000n);
    expect(january.equity.unclosedEarnings).toBe(250_000n);
    expect(january.liabilitiesAndEquity).toBe(1_250_000n);
  });

  it('profit and loss: revenue and expenses with sub-accounts, and net income', async () => {
    const pl = await reports.profitAndLoss(
      books.orgId,
      q({ from: '2026-01-01', to: '2026-03-31' }),
    );
    const revenue = pl.revenue.lines.find((l) => l.code === '4000')!;
    expect(revenue).toMatchObject({ amount: 0n, total: 265_000n, depth: 0 });
    expect(pl.revenue.lines.find((l) => l.code === '4100')).toMatchObject({
      amount: 250_000n,
      total: 250_000n,
      depth: 1,
      parentCode: '4000',
    });
    expect(pl.revenue.total).toBe(265_000n);
    expect(pl.expenses.lines.find((l) => l.code === '6000')!.total).toBe(89_999n);
    expect(pl.expenses.total).toBe(89_999n);
    expect(pl.netIncome).toBe(175_001n);
    // the parents come before their sub-accounts
    expect(pl.expenses.lines.map((l) => l.code)).toEqual([
      '5000',
      '6000',
      '6100',
      '6200',
      '6300',
      '6400',
      '6500',
      '6600',
      '6900',
    ]);
    const february = await reports.profitAndLoss(
      books.orgId,
      q({ from: '2026-02-01', to: '2026-02-28' }),
    );
    expect(february).toMatchObject({ from: '2026-02-01', to: '2026-02-28', netIncome: -65_000n });
    expect(february.revenue.total).toBe(15_000n);
  });

  it('cash flow: classified by the counterpart, cash-to-cash left out, opening + change = closing', async () => {
    const cf = await reports.cashFlow(books.orgId, q({ from: '2026-01-01', to: '2026-03-31' }));
    const flows = (s: typeof cf.operating) =>
      Object.fromEntries(s.lines.map((l) => [l.code, [l.inflows, l.outflows]]));
    expect(flows(cf.operating)).toEqual({
      '1200': [200_000n, 0n],
      '4200': [15_000n, 0n],
      '6200': [0n, 80_000n],
    });
    expect(flows(cf.investing)).toEqual({ '1500': [0n, 120_000n] });
    expect(flows(cf.financing)).toEqual({ '2200': [500_000n, 0n], '3000': [1_000_000n, 0n] });
    expect(cf).toMatchObject({
      openingCash: 0n,
      closingCash: 1_515_000n,
      netChange: 1_515_000n,
      exchangeRateEffect: 0n,
      eliminationDifferences: 0n,
    });
    expect(cf.operating.net + cf.investing.net + cf.financing.net).toBe(cf.netChange);
    const later = await reports.cashFlow(books.orgId, q({ from: '2026-02-01', to: '2026-03-31' }));
    expect(later.openingCash).toBe(1_200_000n);
    expect(later.openingCash + later.netChange).toBe(later.closingCash);
    expect(later.operating.net + later.investing.net + later.financing.net).toBe(315_000n);
  });

  it("an account's balance at an instant, at the end of a day, and over a range", async () => {
    const bank = books.code('1100');
    const at = (asOf: string) => reports.accountBalance(books.orgId, bank.id, { asOf });
    expect((await at('2026-01-20')).closing.balance).toBe(1_200_000n);
    expect((await at('2026-01-20T09:59:59.999Z')).closing.balance).toBe(1_000_000n);
    expect((await at('2026-01-20T10:00:00.000Z')).closing.balance).toBe(1_200_000n);
    const range = await reports.accountBalance(books.orgId, bank.id, {
      from: '2026-02-01',
      to: '2026-02-28',
    });
    expect(range).toMatchObject({
      from: '2026-02-01',
      asOf: '2026-02-28',
      opening: { debits: 1_200_000n, credits: 0n, balance: 1_200_000n },
      debits: 500_000n,
      credits: 230_000n,
      closing: { balance: 1_470_000n },
    });
    const loan = await reports.accountBalance(books.orgId, books.code('2200').id, {
      asOf: '2026-03-31',
    });
    expect(loan.closing).toEqual({ debits: 0n, credits: 500_000n, balance: 500_000n });
    await expect(reports.accountBalance(newId(), bank.id)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('translates into another currency: balances at the closing rate, P&L at daily rates', async () => {
    await rates(world, books.orgId, [
      ['EUR', 'USD', '1.1', '2026-01-01'],
      ['EUR', 'USD', '1.2', '2026-02-01'],
      ['USD', 'EUR', '0.8', '2026-03-15'],
    ]);
    const usd = (minor: bigint, rate: string, inverse = false) =>
      convertMinor(minor, 'EUR', 'USD', inverse ? { ...invertRate(rate) } : parseRate(rate));
    const bs = await reports.balanceSheet(books.orgId, q({ asOf: '2026-03-31', currency: 'USD' }));
    expect(bs.currency).toBe('USD');
    // closing rate: the inverse of 0.8 recorded on 15 March
    expect(amounts(bs.assets)['1100']).toBe(usd(1_470_000n, '0.8', true));
    expect(bs.rates).toEqual([
      expect.objectContaining({
        currency: 'EUR',
        sameCurrency: false,
        closing: { day: '2026-03-31', rate: '0.8', effectiveOn: '2026-03-15', inverted: true },
      }),
    ]);
    // earnings: January at 1.1, February at 1.2, March (software on 5 March) at 1.2
    const earnings =
      usd(250_000n, '1.1') + usd(15_000n, '1.2') - usd(80_000n, '1.2') - usd(9_999n, '1.2');
    expect(bs.equity.unclosedEarnings).toBe(earnings);
    expect(bs.equity.translationDifferences).toBe(
      bs.assets.total - bs.liabilities.total - bs.equity.accounts - earnings,
    );
    expect(bs.equity.translationDifferences).not.toBe(0n);
    expect(bs.liabilitiesAndEquity).toBe(bs.assets.total);

    const tb = await reports.trialBalance(books.orgId, q({ from: '2026-02-01', currency: 'USD' }));
    expect(tb.to).toBe('2026-03-01');
    expect(tb.totals).toMatchObject({ opening: 0n, translation: 0n, closing: 0n });
    expect(tb.totals.debits).toBe(tb.totals.credits);
    const cf = await reports.cashFlow(
      books.orgId,
      q({ from: '2026-02-01', to: '2026-03-31', currency: 'USD' }),
    );
    const kept = cf.operating.net + cf.investing.net + cf.financing.net;
    expect(cf.openingCash + kept + cf.exchangeRateEffect).toBe(cf.closingCash);
    expect(cf.openingCash).toBe(usd(1_200_000n, '1.1')); // 31 January: the rate of 1 January
    expect(cf.exchangeRateEffect).not.toBe(0n);
  });

  it('names the missing pair and day (422), and refuses bad periods and currencies', async () => {
    await expect(
      reports.balanceSheet(books.orgId, q({ asOf: '2026-03-31', currency: 'CHF' })),
    ).rejects.toMatchObject({
      code: 'ledger_fx_rate_missing',
      status: 422,
      message: expect.stringMatching(/EUR\/CHF.*2026-03-31/),
    });
    for (const [kind, query] of [
      ['balance-sheet', { asOf: '2026-02-30' }],
      ['balance-sheet', { from: '2026-01-01' }],
      ['profit-and-loss', { from: '2026-03-01', to: '2026-02-01' }],
      ['profit-and-loss', { asOf: '2026-03-01' }],
      ['trial-balance', { asOf: '2026-03-01', to: '2026-03-02' }],
      ['cash-flow', { currency: 'eur' }],
    ] as const) {
      await expect(reports.report(books.orgId, kind, q(query)), kind).rejects.toMatchObject({
        code: 'validation_failed',
        status: 400,
      });
    }
    await expect(reports.trialBalance(newId(), q())).rejects.toMatchObject({ code: 'not_found' });
    await expect(reports.trialBalance(books.orgId, { entityId: 'ACME' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('picks the same rate as rateOn on every day, direct or inverse', async () => {
    const orgId = newId();
    await rates(world, orgId, [
      ['USD', 'JPY', '150', '2026-01-01'],
      ['JPY', 'USD', '0.0065', '2026-01-05'],
      ['USD', 'JPY', '149.5', '2026-01-05'],
      ['JPY', 'USD', '0.0066', '2026-01-07'],
    ]);
    const book = await loadRateBook(world.kernel.db, orgId, 'JPY', ['USD'], '2026-01-09');
    for (const day of ['2026-01-01', '2026-01-04', '2026-01-05', '2026-01-06', '2026-01-08']) {
      const expected = await rateOn(world.kernel.db, orgId, 'USD', 'JPY', day);
      expect(book.on('USD', day), day).toEqual(expected);
    }
    expect(() => book.on('USD', '2025-12-31')).toThrow(/USD\/JPY.*2025-12-31/);
  });

  it('keeps a statement until the ledger changes, whichever process changes it', async () => {
    const { orgId, entity, chart, account } = await createBook(world.ledger);
    const code = (c: string) => chart.find((a) => a.code === c)!;
    const asOf = { entityId: entity.id, asOf: '2026-02-28' };
    const first = await reports.balanceSheet(orgId, asOf);
    expect(await reports.balanceSheet(orgId, { asOf: '2026-02-28', entityId: entity.id })).toBe(
      first,
    );
    // every write below goes through the ledger service, as another process would: this
    // service's answers are told nothing and must still follow
    const posted = await world.ledger.createTransfers(orgId, [
      single(code('1100'), code('3000'), 70_000n, {
        effectiveAt: new Date('2026-02-10T12:00:00Z'),
      }),
    ]);
    expect(posted[0]!.result).toBe('ok');
    const second = await reports.balanceSheet(orgId, asOf);
    expect(first.assets.total).toBe(0n);
    expect(second.assets.total).toBe(70_000n);
    // a hold changes no statement; its post does
    const hold = single(code('1100'), code('3000'), 5_000n, {
      kind: 'pending',
      effectiveAt: new Date('2026-02-11T12:00:00Z'),
    });
    await world.ledger.createTransfers(orgId, [hold]);
    expect((await reports.balanceSheet(orgId, asOf)).assets.total).toBe(70_000n);
    await world.ledger.createTransfers(orgId, [
      { ...single(code('1100'), code('3000'), 5_000n), kind: 'post_pending', pendingId: hold.id },
    ]);
    // posted on the day the clock shows (1 March): after the balance sheet's day
    expect((await reports.balanceSheet(orgId, asOf)).assets.total).toBe(70_000n);
    expect((await reports.balanceSheet(orgId, { entityId: entity.id })).assets.total).toBe(75_000n);
    // a rate recorded: the statement in USD is found where it was missing
    const usd = { ...asOf, currency: 'USD' };
    await expect(reports.balanceSheet(orgId, usd)).rejects.toMatchObject({
      code: 'ledger_fx_rate_missing',
    });
    await world.ledger.recordFxRates(orgId, [
      { base: 'EUR', quote: 'USD', rate: '1.25', effectiveOn: '2026-01-01' },
    ]);
    expect((await reports.balanceSheet(orgId, usd)).assets.total).toBe(87_500n);
    // a new account, then a period close: new answers with the same figures
    const before = await reports.trialBalance(orgId, asOf);
    const added = await account({ code: '1900', name: 'Deposits' });
    const withAccount = await reports.trialBalance(orgId, asOf);
    expect(withAccount.lines.map((l) => l.code)).toContain(added.code);
    expect(before.lines.map((l) => l.code)).not.toContain(added.code);
    await world.ledger.closePeriod(orgId, entity.id, { through: '2026-02-28' });
    const closed = await reports.trialBalance(orgId, asOf);
    expect(closed).not.toBe(withAccount);
    expect(closed.totals).toEqual(withAccount.totals);
    // and every answer equals what a process that never saw the organisation computes
    const fresh = createReportsService({ db: world.kernel.db, clock: world.clock });
    expect(await fresh.trialBalance(orgId, asOf)).toEqual(closed);
  });
});

/** The books every test reads (see the figures in the tests). */
async function createBooks(world: LedgerWorld) {
  const { orgId, entity, chart, account } = await createBook(world.ledger);
  const equipment = await account({ code: '1500', name: 'Equipment', cashFlow: 'investing' });
  const all = [...chart, equipment];
  const code = (c: string): Account => all.find((a) => a.code === c)!;
  const on = (day: string) => ({ effectiveAt: new Date(`${day}T10:00:00.000Z`) });
  const book = (debit: string, credit: string, amount: bigint, day: string) =>
    single(code(debit), code(credit), amount, on(day));
  const results = await world.ledger.createTransfers(orgId, [
    book('1100', '3000', 1_000_000n, '2026-01-05'),
    book('1200', '4100', 250_000n, '2026-01-10'),
    book('1100', '1200', 200_000n, '2026-01-20'),
    book('6200', '1100', 80_000n, '2026-02-01'),
    book('1000', '1100', 30_000n, '2026-02-03'),
    book('1000', '4200', 15_000n, '2026-02-10'),
    book('1100', '2200', 500_000n, '2026-02-15'),
    book('1500', '1100', 120_000n, '2026-02-20'),
    book('6300', '2000', 9_999n, '2026-03-05'),
    { ...book('6400', '1100', 5_000n, '2026-03-06'), kind: 'pending' },
    book('1100', '4100', 10_000n, '2026-04-02'),
  ]);
  expect(results.map((r) => r.result)).toEqual(Array(11).fill('ok'));
  return { orgId, entity, chart, code };
}

async function rates(world: LedgerWorld, orgId: string, rows: [string, string, string, string][]) {
  await world.kernel.db.insert(ledgerFxRates).values(
    rows.map(([base, quote, rate, effectiveOn]) => ({
      id: newId(),
      orgId,
      base,
      quote,
      rate,
      effectiveOn,
      createdAt: new Date(),
    })),
  );
}

function invertRate(rate: string) {
  const f = parseRate(rate);
  return { numerator: f.denominator, denominator: f.numerator };
}

function lineOf(tb: TrialBalance) {
  return (code: string) => tb.lines.find((l) => l.code === code)!;
}

function amounts(section: Section): Record<string, bigint> {
  return Object.fromEntries(section.lines.map((l) => [l.code, l.amount]));
}
