import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/kernel/index.ts';
import { convertMinor, parseRate, type Fraction } from '../../src/ledger/fx.ts';
import { ledgerFxRates } from '../../src/ledger/ledger.schema.ts';
import { createReportsService, type ReportsService } from '../../src/ledger/index.ts';
import type { Account, BalanceSheet, TransferInput } from '../../src/ledger/index.ts';
import { createLedgerWorld, type LedgerWorld } from '../../src/ledger/ledger.test-support.ts';
import { storages } from '../helpers/storage.ts';

/**
 * A EUR holding (HOLD) with a EUR venture (VEUR) and a USD venture (VUSD) under it, and one
 * entity outside the tree (OUT). The holding lends to both ventures (to VUSD across currencies,
 * at a rate other than the one recorded for the day, and VUSD repays part later); OUT lends to
 * VEUR. Every expected figure is computed here from the raw amounts and the recorded rates.
 */

/** EUR/USD as recorded: one euro in dollars, from the day given. */
const EUR_USD: [string, string][] = [
  ['2026-01-01', '1.1'],
  ['2026-01-15', '1.095'],
  ['2026-02-01', '1.08'],
  ['2026-03-01', '1.2'],
];
const AS_OF = '2026-03-31';

/** USD minor units in EUR at the rate in force on `day` (the inverse of the EUR/USD rate). */
function eur(usd: bigint, day: string): bigint {
  const [, rate] = EUR_USD.filter(([from]) => from <= day).at(-1)!;
  const f = parseRate(rate);
  const inverse: Fraction = { numerator: f.denominator, denominator: f.numerator };
  return convertMinor(usd, 'USD', 'EUR', inverse);
}

const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);

describe.each(storages)('consolidation on $name', { timeout: 120_000 }, (storage) => {
  let world: LedgerWorld;
  let reports: ReportsService;
  let drop: () => Promise<void>;
  let w: Awaited<ReturnType<typeof createGroup>>;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    world = await createLedgerWorld(created.target);
    reports = createReportsService({ db: world.kernel.db, clock: world.clock });
    w = await createGroup(world);
  });
  afterAll(async () => {
    await world.close();
    await drop();
  });

  // VUSD in USD minor units, and each movement's own day
  const vusd = {
    cash: 5_500_000n + 1_234_567n - 321_099n + 100_001n - 600_000n,
    payable: 5_500_000n - 600_000n,
    revenue: [
      [1_234_567n, '2026-02-05'],
      [100_001n, '2026-03-10'],
    ] as const,
    expenses: [[321_099n, '2026-02-20']] as const,
  };
  const vusdEarnings =
    sum(vusd.revenue.map(([a, d]) => eur(a, d))) - sum(vusd.expenses.map(([a, d]) => eur(a, d)));
  const hold = { cash: 100_000_000n - 10_000_000n - 5_000_000n - 123_456n + 500_000n };
  const veur = { cash: 10_000_000n + 2_000_000n - 750_000n + 500_000n };

  it('each entity balances in its own currency', async () => {
    for (const [code, currency] of [
      ['HOLD', 'EUR'],
      ['VEUR', 'EUR'],
      ['VUSD', 'USD'],
    ] as const) {
      const entityId = w.entity[code].id;
      const bs = await reports.balanceSheet(w.orgId, { entityId, asOf: AS_OF });
      expect(bs.currency).toBe(currency);
      expect(bs.equity.translationDifferences, code).toBe(0n);
      expect(bs.liabilitiesAndEquity, code).toBe(bs.assets.total);
      const tb = await reports.trialBalance(w.orgId, { entityId, from: '2026-01-01', to: AS_OF });
      expect(tb.totals, code).toMatchObject({ opening: 0n, translation: 0n, closing: 0n });
      expect(tb.totals.debits, code).toBe(tb.totals.credits);
      const cf = await reports.cashFlow(w.orgId, { entityId, from: '2026-01-01', to: AS_OF });
      expect(cf.exchangeRateEffect, code).toBe(0n);
      expect(cf.operating.net + cf.investing.net + cf.financing.net, code).toBe(cf.netChange);
      expect(cf.openingCash + cf.netChange, code).toBe(cf.closingCash);
    }
    const usdBooks = await reports.balanceSheet(w.orgId, {
      entityId: w.entity.VUSD.id,
      asOf: AS_OF,
    });
    expect(usdBooks.assets.lines.find((l) => l.code === '1100')!.amount).toBe(vusd.cash);
  });

  describe('consolidated balance sheet', () => {
    let bs: BalanceSheet;
    beforeAll(async () => {
      bs = await reports.balanceSheet(w.orgId, {
        entityId: w.entity.HOLD.id,
        consolidated: true,
        asOf: AS_OF,
      });
    });

    it('covers the tree, in the root currency, and says which rate each entity used', () => {
      expect(bs.entities.map((e) => e.code)).toEqual(['HOLD', 'VEUR', 'VUSD']);
      expect(bs.currency).toBe('EUR');
      const byEntity = Object.fromEntries(bs.rates.map((r) => [r.entityCode, r]));
      expect(byEntity.HOLD).toMatchObject({ currency: 'EUR', sameCurrency: true });
      expect(byEntity.VEUR).toMatchObject({ currency: 'EUR', sameCurrency: true });
      expect(byEntity.VUSD).toMatchObject({
        currency: 'USD',
        sameCurrency: false,
        closing: { day: AS_OF, rate: '1.2', effectiveOn: '2026-03-01', inverted: true },
      });
      expect(byEntity.VUSD!.movements.map((m) => [m.rate, m.firstDay, m.lastDay])).toEqual([
        ['1.08', '2026-02-05', '2026-02-20'],
        ['1.2', '2026-03-10', '2026-03-10'],
      ]);
    });

    it('gives the rates per currency, and only so when asked (rates=currencies)', async () => {
      const compact = await reports.balanceSheet(w.orgId, {
        entityId: w.entity.HOLD.id,
        consolidated: true,
        asOf: AS_OF,
        rates: 'currencies',
      });
      expect(compact.rates).toEqual([]);
      expect(compact.ratesByCurrency).toEqual(bs.ratesByCurrency);
      expect({ ...compact, rates: bs.rates }).toEqual(bs);
      expect(bs.ratesByCurrency).toEqual([
        expect.objectContaining({ currency: 'EUR', sameCurrency: true, entities: 2 }),
        {
          currency: 'USD',
          sameCurrency: false,
          entities: 1,
          closing: [{ day: AS_OF, rate: '1.2', effectiveOn: '2026-03-01', inverted: true }],
          opening: [],
          movements: bs.rates.find((r) => r.entityCode === 'VUSD')!.movements,
        },
      ]);
    });

    it('balances exactly, with intercompany lines at zero and outside ones kept', () => {
      expect(bs.liabilitiesAndEquity).toBe(bs.assets.total);
      const line = (code: string) =>
        [...bs.assets.lines, ...bs.liabilities.lines].find((l) => l.code === code)!;
      expect(line('1300-VEUR')).toMatchObject({ amount: 0n, eliminated: 10_000_000n });
      expect(line('1300-VUSD')).toMatchObject({ amount: 0n, eliminated: 4_500_000n });
      expect(line('2100-HOLD')).toMatchObject({
        amount: 0n,
        eliminated: 10_000_000n + eur(vusd.payable, AS_OF),
      });
      expect(line('1300')).toMatchObject({ amount: 0n, total: 0n });
      // OUT is not in the tree: VEUR's debt to it stays
      expect(line('2100-OUT')).toMatchObject({ amount: 500_000n, eliminated: 0n });
      expect(line('1100').amount).toBe(hold.cash + veur.cash + eur(vusd.cash, AS_OF));
    });

    it('shows each elimination with the translated balances it removes', () => {
      expect(bs.eliminations).toEqual([
        {
          first: {
            entityId: w.entity.HOLD.id,
            entityCode: 'HOLD',
            accounts: [expect.objectContaining({ id: w.ic.holdVeur.id, code: '1300-VEUR' })],
            amount: 10_000_000n,
          },
          second: {
            entityId: w.entity.VEUR.id,
            entityCode: 'VEUR',
            accounts: [expect.objectContaining({ id: w.ic.veurHold.id, code: '2100-HOLD' })],
            amount: -10_000_000n,
          },
          difference: 0n,
        },
        {
          first: expect.objectContaining({ entityCode: 'HOLD', amount: 4_500_000n }),
          second: expect.objectContaining({
            entityCode: 'VUSD',
            accounts: [expect.objectContaining({ id: w.ic.vusdHold.id })],
            amount: -eur(vusd.payable, AS_OF),
          }),
          difference: 4_500_000n - eur(vusd.payable, AS_OF),
        },
      ]);
    });

    it('puts the translation and elimination differences on their own equity line', () => {
      const assets = hold.cash + veur.cash + eur(vusd.cash, AS_OF);
      const liabilities = 500_000n;
      const capital = 100_000_000n;
      const earnings = -123_456n + (2_000_000n - 750_000n) + vusdEarnings;
      expect(bs.assets.total).toBe(assets);
      expect(bs.liabilities.total).toBe(liabilities);
      expect(bs.equity.accounts).toBe(capital);
      expect(bs.equity.unclosedEarnings).toBe(earnings);
      const expected = assets - liabilities - capital - earnings;
      expect(bs.equity.translationDifferences).toBe(expected);
      // the same line, seen as its causes: what the eliminations did not cancel, and VUSD's
      // net assets at the closing rate against its earnings at the daily rates
      const differences = sum(bs.eliminations.map((e) => e.difference));
      expect(expected).toBe(
        -differences + eur(vusd.cash, AS_OF) - eur(vusd.payable, AS_OF) - vusdEarnings,
      );
      expect(expected).not.toBe(0n);
    });
  });

  it('consolidated profit and loss and trial balance agree with the balance sheet', async () => {
    const query = { entityId: w.entity.HOLD.id, consolidated: true };
    const pl = await reports.profitAndLoss(w.orgId, { ...query, from: '2026-01-01', to: AS_OF });
    expect(pl.netIncome).toBe(-123_456n + 1_250_000n + vusdEarnings);
    expect(pl.revenue.lines.find((l) => l.code === '4100')!.amount).toBe(
      2_000_000n + sum(vusd.revenue.map(([a, d]) => eur(a, d))),
    );
    const tb = await reports.trialBalance(w.orgId, { ...query, asOf: AS_OF });
    expect(tb.totals).toMatchObject({ opening: 0n, translation: 0n, closing: 0n });
    expect(tb.totals.debits).toBe(tb.totals.credits);
    expect(tb.lines.find((l) => l.code === '2100-HOLD')).toMatchObject({
      debits: 0n,
      credits: 0n,
      closing: 0n,
    });
    const bs = await reports.balanceSheet(w.orgId, { ...query, asOf: AS_OF });
    expect(-tb.translationDifferences.closing).toBe(bs.equity.translationDifferences);
    // over a range: openings at the rate of 31 January, movements at each day's rate
    const range = await reports.trialBalance(w.orgId, { ...query, from: '2026-02-01', to: AS_OF });
    expect(range.totals).toMatchObject({ opening: 0n, translation: 0n, closing: 0n });
    expect(range.totals.debits).toBe(range.totals.credits);
    const cash = range.lines.find((l) => l.code === '1100')!;
    expect(cash.opening).toBe(
      100_000_000n - 15_000_000n + 10_500_000n + eur(5_500_000n, '2026-01-31'),
    );
    expect(cash.closing).toBe(hold.cash + veur.cash + eur(vusd.cash, AS_OF));
    expect(cash.opening + cash.debits - cash.credits + cash.translation).toBe(cash.closing);
    expect(range.rates.find((r) => r.entityCode === 'VUSD')?.opening).toMatchObject({
      day: '2026-01-31',
      rate: '1.095',
    });
  });

  it('consolidated cash flow: intercompany flows eliminated, opening + change = closing', async () => {
    const cf = await reports.cashFlow(w.orgId, {
      entityId: w.entity.HOLD.id,
      consolidated: true,
      from: '2026-01-01',
      to: AS_OF,
    });
    const codes = (s: typeof cf.operating) => s.lines.map((l) => l.code);
    expect(codes(cf.investing)).toEqual([]);
    expect(codes(cf.financing)).toEqual(['2100-OUT', '3000']);
    expect(codes(cf.operating)).toEqual(['4100', '6200', '6300', '6500']);
    expect(cf.financing.net).toBe(100_000_000n + 500_000n);
    // HOLD -> VEUR cancels exactly; HOLD <-> VUSD leaves what the day's rates make of 55,000 USD
    // booked at 1.10 on a day whose recorded rate is 1.095
    const vusdIc = eur(5_500_000n, '2026-01-15') - eur(600_000n, '2026-03-15');
    expect(cf.eliminations.map((e) => [e.first.amount, e.second.amount, e.difference])).toEqual([
      [-10_000_000n, 10_000_000n, 0n],
      [-4_500_000n, vusdIc, vusdIc - 4_500_000n],
    ]);
    expect(cf.eliminationDifferences).toBe(vusdIc - 4_500_000n);
    expect(cf.openingCash).toBe(0n);
    expect(cf.closingCash).toBe(hold.cash + veur.cash + eur(vusd.cash, AS_OF));
    const vusdFlows =
      vusdIc +
      sum(vusd.revenue.map(([a, d]) => eur(a, d))) -
      sum(vusd.expenses.map(([a, d]) => eur(a, d)));
    expect(cf.exchangeRateEffect).toBe(eur(vusd.cash, AS_OF) - vusdFlows);
    expect(
      cf.openingCash +
        cf.operating.net +
        cf.investing.net +
        cf.financing.net +
        cf.exchangeRateEffect +
        cf.eliminationDifferences,
    ).toBe(cf.closingCash);
    expect(cf.openingCash + cf.netChange).toBe(cf.closingCash);
  });

  it('keeps intercompany balances with entities outside the subtree', async () => {
    const bs = await reports.balanceSheet(w.orgId, {
      entityId: w.entity.VEUR.id,
      consolidated: true,
      asOf: AS_OF,
    });
    expect(bs.entities.map((e) => e.code)).toEqual(['VEUR']);
    expect(bs.eliminations).toEqual([]);
    expect(bs.liabilities.lines.find((l) => l.code === '2100-HOLD')!.amount).toBe(10_000_000n);
    expect(bs.liabilitiesAndEquity).toBe(bs.assets.total);
  });

  it('in another currency, and refuses one without rates (422 naming the pair and day)', async () => {
    const usd = await reports.balanceSheet(w.orgId, {
      entityId: w.entity.HOLD.id,
      consolidated: true,
      asOf: AS_OF,
      currency: 'USD',
    });
    expect(usd.liabilitiesAndEquity).toBe(usd.assets.total);
    expect(usd.rates.find((r) => r.entityCode === 'VUSD')).toMatchObject({ sameCurrency: true });
    await expect(
      reports.balanceSheet(w.orgId, {
        entityId: w.entity.HOLD.id,
        consolidated: true,
        asOf: AS_OF,
        currency: 'GBP',
      }),
    ).rejects.toMatchObject({
      status: 422,
      code: 'ledger_fx_rate_missing',
      message: expect.stringMatching(/EUR\/GBP .*2026-03-31/),
    });
  });
});

/** The group's entities, intercompany accounts, rates and bookings. */
async function createGroup(world: LedgerWorld) {
  const { ledger } = world;
  const orgId = newId();
  const make = async (code: string, currency: string, parentId: string | null) =>
    ledger.createEntity(orgId, {
      code,
      name: code,
      kind: parentId === null ? 'holding' : 'venture',
      baseCurrency: currency,
      parentId,
    });
  const HOLD = await make('HOLD', 'EUR', null);
  const VEUR = await make('VEUR', 'EUR', HOLD.entity.id);
  const VUSD = await make('VUSD', 'USD', HOLD.entity.id);
  const OUT = await make('OUT', 'EUR', null);
  const chart = (e: typeof HOLD, code: string): Account => e.accounts.find((a) => a.code === code)!;
  const due = (e: typeof HOLD, other: typeof HOLD, side: 'from' | 'to') =>
    ledger.createAccount(orgId, {
      entityId: e.entity.id,
      code: `${side === 'from' ? '1300' : '2100'}-${other.entity.code}`,
      name: `Due ${side} ${other.entity.code}`,
      type: side === 'from' ? 'asset' : 'liability',
      cashFlow: side === 'from' ? 'investing' : 'financing',
      parentAccountId: chart(e, side === 'from' ? '1300' : '2100').id,
      counterpartyEntityId: other.entity.id,
    });
  const ic = {
    holdVeur: await due(HOLD, VEUR, 'from'),
    veurHold: await due(VEUR, HOLD, 'to'),
    holdVusd: await due(HOLD, VUSD, 'from'),
    vusdHold: await due(VUSD, HOLD, 'to'),
    outVeur: await due(OUT, VEUR, 'from'),
    veurOut: await due(VEUR, OUT, 'to'),
  };
  await world.kernel.db.insert(ledgerFxRates).values(
    EUR_USD.map(([effectiveOn, rate]) => ({
      id: newId(),
      orgId,
      base: 'EUR',
      quote: 'USD',
      rate,
      effectiveOn,
      createdAt: new Date(),
    })),
  );

  const t = (
    debit: Account,
    credit: Account,
    amount: bigint,
    day: string,
    extra: Partial<TransferInput> = {},
  ): TransferInput => ({
    id: newId(),
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    amount,
    currency: debit.currency,
    effectiveAt: new Date(`${day}T12:00:00.000Z`),
    ...extra,
  });
  /** Money between two entities: one transfer in each one's books, applied together or not at all. */
  const pair = (first: TransferInput, second: TransferInput) => [
    { ...first, linked: true },
    second,
  ];
  const bank = (e: typeof HOLD) => chart(e, '1100');
  const batch: TransferInput[] = [
    t(bank(HOLD), chart(HOLD, '3000'), 100_000_000n, '2026-01-02'),
    t(bank(OUT), chart(OUT, '3000'), 1_000_000n, '2026-01-02'),
    ...pair(
      t(ic.holdVeur, bank(HOLD), 10_000_000n, '2026-01-10'),
      t(bank(VEUR), ic.veurHold, 10_000_000n, '2026-01-10'),
    ),
    // 50,000 EUR lent at 1.10: 55,000 USD, on a day whose recorded rate is 1.095
    ...pair(
      t(ic.holdVusd, bank(HOLD), 5_000_000n, '2026-01-15'),
      t(bank(VUSD), ic.vusdHold, 5_500_000n, '2026-01-15'),
    ),
    ...pair(
      t(ic.outVeur, bank(OUT), 500_000n, '2026-01-20'),
      t(bank(VEUR), ic.veurOut, 500_000n, '2026-01-20'),
    ),
    t(bank(VUSD), chart(VUSD, '4100'), 1_234_567n, '2026-02-05'),
    t(bank(VEUR), chart(VEUR, '4100'), 2_000_000n, '2026-02-10'),
    t(chart(VUSD, '6300'), bank(VUSD), 321_099n, '2026-02-20'),
    t(chart(HOLD, '6500'), bank(HOLD), 123_456n, '2026-03-01'),
    t(chart(VEUR, '6200'), bank(VEUR), 750_000n, '2026-03-03'),
    t(bank(VUSD), chart(VUSD, '4100'), 100_001n, '2026-03-10'),
    // VUSD repays 6,000 USD, which HOLD receives as 5,000 EUR
    ...pair(
      t(ic.vusdHold, bank(VUSD), 600_000n, '2026-03-15'),
      t(bank(HOLD), ic.holdVusd, 500_000n, '2026-03-15'),
    ),
    // after the report date
    t(bank(VUSD), chart(VUSD, '4100'), 999_999n, '2026-04-01'),
  ];
  const results = await ledger.createTransfers(orgId, batch);
  expect(results.map((r) => r.result)).toEqual(batch.map(() => 'ok'));
  return {
    orgId,
    entity: { HOLD: HOLD.entity, VEUR: VEUR.entity, VUSD: VUSD.entity, OUT: OUT.entity },
    ic,
  };
}
