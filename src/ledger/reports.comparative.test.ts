import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId } from '../kernel/index.ts';
import { ledgerFxRates } from './ledger.schema.ts';
import type { Account, TransferInput } from './ledger.types.ts';
import { createBook, createLedgerWorld, type LedgerWorld } from './ledger.test-support.ts';
import { lastPeriods } from './reports.period.ts';
import { createReportsService, type ReportsService } from './reports.service.ts';
import type { CashFlowSection, ComparativeKind, ReportHeader, Section } from './reports.types.ts';

describe('the calendar periods of comparative statements', () => {
  it('ends with the period holding `to`, cut at `to`, the others whole', () => {
    expect(lastPeriods('month', 3, '2026-03-15')).toEqual([
      { from: '2026-01-01', to: '2026-01-31', partial: false },
      { from: '2026-02-01', to: '2026-02-28', partial: false },
      { from: '2026-03-01', to: '2026-03-15', partial: true },
    ]);
    expect(lastPeriods('month', 2, '2024-03-31')).toEqual([
      { from: '2024-02-01', to: '2024-02-29', partial: false },
      { from: '2024-03-01', to: '2024-03-31', partial: false },
    ]);
    expect(lastPeriods('quarter', 4, '2026-02-10')).toEqual([
      { from: '2025-04-01', to: '2025-06-30', partial: false },
      { from: '2025-07-01', to: '2025-09-30', partial: false },
      { from: '2025-10-01', to: '2025-12-31', partial: false },
      { from: '2026-01-01', to: '2026-02-10', partial: true },
    ]);
    expect(lastPeriods('year', 3, '2026-12-31')).toEqual([
      { from: '2024-01-01', to: '2024-12-31', partial: false },
      { from: '2025-01-01', to: '2025-12-31', partial: false },
      { from: '2026-01-01', to: '2026-12-31', partial: false },
    ]);
    expect(lastPeriods('month', 13, '2026-01-01').map((p) => p.from)).toContain('2025-01-01');
    expect(lastPeriods('month', 1, '2026-01-01')).toEqual([
      { from: '2026-01-01', to: '2026-01-01', partial: true },
    ]);
  });
});

/**
 * One EUR entity (ACME) with transfers from December 2025 to April 2026, every figure worked
 * out by hand below; a second organisation with an entity of the same code, whose books must
 * never show in the first one's statements; and a EUR holding with a USD venture and an
 * intercompany loan, whose consolidated columns must each equal the one-period statement.
 */
describe.each(storages)('comparative statements on $name', { timeout: 60_000 }, (storage) => {
  let world: LedgerWorld;
  let reports: ReportsService;
  let drop: () => Promise<void>;
  let a: Awaited<ReturnType<typeof createBooks>>;
  let b: Awaited<ReturnType<typeof createBooks>>;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    world = await createLedgerWorld(created.target);
    reports = createReportsService({ db: world.kernel.db, clock: world.clock });
    a = await createBooks(world, 1n);
    // The other organisation: the same chart and dates, ten times the amounts.
    b = await createBooks(world, 10n);
  });
  afterAll(async () => {
    await world.close();
    await drop();
  });

  const months = (extra: Record<string, unknown> = {}) => ({
    entityId: a.entity.id,
    period: 'month' as const,
    count: 4,
    to: '2026-04-15',
    ...extra,
  });

  it('profit and loss per month, with the total over them', async () => {
    const pl = await reports.comparative(a.orgId, 'profit-and-loss', months());
    expect(pl).toMatchObject({
      kind: 'profit-and-loss',
      period: 'month',
      from: '2026-01-01',
      to: '2026-04-15',
      currency: 'EUR',
      consolidated: false,
      entity: { code: 'ACME' },
    });
    expect(pl.periods.map((p) => [p.from, p.to, p.partial])).toEqual([
      ['2026-01-01', '2026-01-31', false],
      ['2026-02-01', '2026-02-28', false],
      ['2026-03-01', '2026-03-31', false],
      ['2026-04-01', '2026-04-15', true],
    ]);
    const figures = pl.periods.map(({ statement: s }) => [
      s.revenue.total,
      s.expenses.total,
      s.netIncome,
    ]);
    expect(figures).toEqual([
      [250_000n, 0n, 250_000n],
      // rent 800.00 paid, a product sold for 150.00
      [15_000n, 80_000n, -65_000n],
      // a sale at the last millisecond of March is March's; software bought on credit
      [1_000n, 9_999n, -8_999n],
      // rent at the first instant of April; the sale of 20 April is after `to`
      [0n, 80_000n, -80_000n],
    ]);
    expect(totals(pl.periods[1]!.statement.expenses)).toMatchObject({ '6000': 80_000n });
    expect(pl.total).toMatchObject({
      from: '2026-01-01',
      to: '2026-04-15',
      revenue: { total: 266_000n },
      expenses: { total: 169_999n },
      netIncome: 96_001n,
    });
    expect(pl.total!.netIncome).toBe(sum(pl.periods.map((p) => p.statement.netIncome)));
  });

  it('balance sheets as of each month end: assets = liabilities + equity in every column', async () => {
    const bs = await reports.comparative(a.orgId, 'balance-sheet', months());
    expect(bs.total).toBeNull();
    const columns = bs.periods.map(({ statement: s }) => ({
      from: s.from,
      to: s.to,
      cash: amounts(s.assets)['1000'],
      bank: amounts(s.assets)['1100'],
      assets: s.assets.total,
      liabilities: s.liabilities.total,
      earnings: s.equity.unclosedEarnings,
      total: s.liabilitiesAndEquity,
    }));
    expect(columns).toEqual([
      {
        from: null,
        to: '2026-01-31',
        cash: 0n,
        bank: 1_200_000n,
        assets: 1_250_000n,
        liabilities: 0n,
        earnings: 250_000n,
        total: 1_250_000n,
      },
      {
        from: null,
        to: '2026-02-28',
        cash: 15_000n,
        bank: 1_120_000n,
        assets: 1_185_000n,
        liabilities: 0n,
        earnings: 185_000n,
        total: 1_185_000n,
      },
      {
        from: null,
        to: '2026-03-31',
        cash: 15_000n,
        bank: 1_121_000n,
        assets: 1_186_000n,
        liabilities: 9_999n,
        earnings: 176_001n,
        total: 1_186_000n,
      },
      {
        from: null,
        to: '2026-04-15',
        cash: 15_000n,
        bank: 1_541_000n,
        assets: 1_606_000n,
        liabilities: 509_999n,
        earnings: 96_001n,
        total: 1_606_000n,
      },
    ]);
    for (const { statement: s } of bs.periods) {
      expect(s.equity.accounts).toBe(1_000_000n);
      expect(s.assets.total).toBe(s.liabilitiesAndEquity);
    }
  });

  it('cash flow per month: each opening is the closing before it, and the total spans them', async () => {
    const cf = await reports.comparative(a.orgId, 'cash-flow', months());
    const columns = cf.periods.map(({ statement: s }) => [
      s.openingCash,
      s.operating.net,
      s.investing.net,
      s.financing.net,
      s.closingCash,
    ]);
    expect(columns).toEqual([
      [1_000_000n, 200_000n, 0n, 0n, 1_200_000n],
      [1_200_000n, -65_000n, 0n, 0n, 1_135_000n],
      [1_135_000n, 1_000n, 0n, 0n, 1_136_000n],
      [1_136_000n, -80_000n, 0n, 500_000n, 1_556_000n],
    ]);
    expect(flows(cf.periods[1]!.statement.operating)).toEqual({
      '4200': [15_000n, 0n],
      '6200': [0n, 80_000n],
    });
    expect(cf.total).toMatchObject({
      openingCash: 1_000_000n,
      operating: { inflows: 216_000n, outflows: 160_000n, net: 56_000n },
      financing: { net: 500_000n },
      netChange: 556_000n,
      closingCash: 1_556_000n,
      exchangeRateEffect: 0n,
    });
  });

  it('quarters and years: whole calendar periods before the one holding `to`', async () => {
    const quarters = await reports.comparative(a.orgId, 'profit-and-loss', {
      entityId: a.entity.id,
      period: 'quarter',
      count: 3,
      to: '2026-04-15',
    });
    expect(quarters.periods.map((p) => [p.from, p.to, p.partial, p.statement.netIncome])).toEqual([
      ['2025-10-01', '2025-12-31', false, 0n],
      ['2026-01-01', '2026-03-31', false, 176_001n],
      ['2026-04-01', '2026-04-15', true, -80_000n],
    ]);
    const years = await reports.comparative(a.orgId, 'balance-sheet', {
      entityId: a.entity.id,
      period: 'year',
      count: 2,
      to: '2026-04-15',
    });
    expect(years.periods.map((p) => [p.to, p.statement.assets.total])).toEqual([
      ['2025-12-31', 1_000_000n],
      ['2026-04-15', 1_606_000n],
    ]);
  });

  it('every column equals the one-period statement of its dates, also in another currency', async () => {
    await rates(world, a.orgId, [
      ['EUR', 'USD', '1.1', '2025-12-01'],
      ['EUR', 'USD', '1.2', '2026-02-01'],
      ['USD', 'EUR', '0.8', '2026-03-15'],
    ]);
    for (const currency of [undefined, 'USD']) {
      for (const kind of ['balance-sheet', 'profit-and-loss', 'cash-flow'] as const) {
        const query = months(currency ? { currency } : {});
        await expectColumnsAsOnePeriod(reports, a.orgId, kind, query);
      }
    }
    const usd = await reports.comparative(a.orgId, 'profit-and-loss', months({ currency: 'USD' }));
    // every rate any column used, once: 1.1 (January), 1.2 (February, March to the 14th) and
    // the inverse of 0.8 (from 15 March)
    expect(usd.rates).toHaveLength(1);
    expect(usd.rates[0]!.movements.map((m) => [m.rate, m.inverted])).toEqual([
      ['1.1', false],
      ['1.2', false],
      ['0.8', true],
    ]);
  });

  it('consolidated columns: the tree translated and intercompany balances eliminated', async () => {
    const group = await createGroup(world);
    for (const kind of ['balance-sheet', 'profit-and-loss', 'cash-flow'] as const) {
      await expectColumnsAsOnePeriod(reports, group.orgId, kind, {
        entityId: group.holding.id,
        consolidated: true,
        period: 'month',
        count: 3,
        to: '2026-03-31',
      });
    }
    const bs = await reports.comparative(group.orgId, 'balance-sheet', {
      entityId: group.holding.id,
      consolidated: true,
      period: 'month',
      count: 3,
      to: '2026-03-31',
    });
    expect(bs.entities.map((e) => e.code)).toEqual(['GRP', 'GRP-US']);
    for (const { statement: s } of bs.periods) {
      expect(s.assets.lines.find((l) => l.code === '1300-US')?.amount ?? 0n).toBe(0n);
      expect(s.assets.total).toBe(s.liabilitiesAndEquity);
    }
    expect(bs.periods[1]!.statement.eliminations).toHaveLength(1);
  });

  it("keeps each organisation's books to itself", async () => {
    const own = await reports.comparative(b.orgId, 'profit-and-loss', {
      ...months(),
      entityId: b.entity.id,
    });
    expect(own.periods.map((p) => p.statement.netIncome)).toEqual([
      2_500_000n,
      -650_000n,
      -89_990n,
      -800_000n,
    ]);
    for (const kind of ['balance-sheet', 'profit-and-loss', 'cash-flow'] as const) {
      await expect(reports.comparative(b.orgId, kind, months()), kind).rejects.toMatchObject({
        code: 'not_found',
        status: 404,
      });
    }
  });

  it('refuses a bad count or day (400) and names a missing rate (422)', async () => {
    for (const extra of [{ count: 0 }, { count: 25 }, { count: 1.5 }, { to: '2026-02-30' }]) {
      await expect(
        reports.comparative(a.orgId, 'profit-and-loss', months(extra)),
        JSON.stringify(extra),
      ).rejects.toMatchObject({ code: 'validation_failed', status: 400 });
    }
    await expect(
      reports.comparative(a.orgId, 'balance-sheet', months({ currency: 'CHF' })),
    ).rejects.toMatchObject({ code: 'ledger_fx_rate_missing', status: 422 });
  });
});

/** Each column of the comparative answer deep-equals the one-period statement of its dates. */
async function expectColumnsAsOnePeriod(
  reports: ReportsService,
  orgId: string,
  kind: ComparativeKind,
  query: Parameters<ReportsService['comparative']>[2],
): Promise<void> {
  const answer = await reports.comparative(orgId, kind, query);
  const scope = {
    entityId: query.entityId,
    ...(query.consolidated ? { consolidated: true } : {}),
    ...(query.currency ? { currency: query.currency } : {}),
  };
  const dates = (from: string, to: string) =>
    kind === 'balance-sheet' ? { asOf: to } : { from, to };
  for (const column of answer.periods) {
    const one = await reports.report(orgId, kind, { ...scope, ...dates(column.from, column.to) });
    expect(column.statement, `${kind} ${column.from}`).toEqual(withoutHeader(one));
  }
  if (answer.total) {
    const one = await reports.report(orgId, kind, { ...scope, ...dates(answer.from, answer.to) });
    expect(answer.total, `${kind} total`).toEqual(withoutHeader(one));
  }
}

function withoutHeader(statement: ReportHeader): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...statement };
  const shared = ['entity', 'consolidated', 'entities', 'entityCount', 'currency', 'rates'];
  for (const key of [...shared, 'ratesByCurrency']) delete copy[key];
  return copy;
}

/**
 * The books (amounts times `scale`), in a fresh organisation:
 * capital in December 2025; January: a sale on credit of 2,500.00 and 2,000.00 collected;
 * February: rent 800.00 paid, a product sold for 150.00 cash, a hold of 50.00 (never counts);
 * March: software 99.99 on credit, a sale of 10.00 at 23:59:59.999 on the 31st;
 * April: rent at 00:00 on the 1st, a loan of 5,000.00 on the 10th, a sale on the 20th.
 */
async function createBooks(world: LedgerWorld, scale: bigint) {
  const { orgId, entity, chart } = await createBook(world.ledger);
  const code = (c: string): Account => chart.find((x) => x.code === c)!;
  const at = (instant: string) => ({ effectiveAt: new Date(instant) });
  const t = (debit: string, credit: string, amount: bigint, instant: string): TransferInput => ({
    id: newId(),
    debitAccountId: code(debit).id,
    creditAccountId: code(credit).id,
    amount: amount * scale,
    currency: 'EUR',
    ...at(instant.length === 10 ? `${instant}T10:00:00.000Z` : instant),
  });
  const batch: TransferInput[] = [
    t('1100', '3000', 1_000_000n, '2025-12-20'),
    t('1200', '4100', 250_000n, '2026-01-10'),
    t('1100', '1200', 200_000n, '2026-01-20'),
    t('6200', '1100', 80_000n, '2026-02-01'),
    t('1000', '4200', 15_000n, '2026-02-10'),
    { ...t('6400', '1100', 5_000n, '2026-02-15'), kind: 'pending' },
    t('6300', '2000', 9_999n, '2026-03-05'),
    t('1100', '4100', 1_000n, '2026-03-31T23:59:59.999Z'),
    t('6200', '1100', 80_000n, '2026-04-01T00:00:00.000Z'),
    t('1100', '2200', 500_000n, '2026-04-10'),
    t('1100', '4100', 7_000n, '2026-04-20'),
  ];
  const results = await world.ledger.createTransfers(orgId, batch);
  expect(results.map((r) => r.result)).toEqual(batch.map(() => 'ok'));
  return { orgId, entity };
}

/** A EUR holding lending to its USD venture, which earns and spends in dollars. */
async function createGroup(world: LedgerWorld) {
  const { ledger } = world;
  const orgId = newId();
  const holding = await ledger.createEntity(orgId, {
    code: 'GRP',
    name: 'Group',
    kind: 'holding',
    baseCurrency: 'EUR',
  });
  const venture = await ledger.createEntity(orgId, {
    code: 'GRP-US',
    name: 'Group US',
    kind: 'venture',
    baseCurrency: 'USD',
    parentId: holding.entity.id,
  });
  const of = (e: typeof holding, c: string) => e.accounts.find((x) => x.code === c)!;
  const lent = await ledger.createAccount(orgId, {
    entityId: holding.entity.id,
    code: '1300-US',
    name: 'Due from Group US',
    type: 'asset',
    cashFlow: 'investing',
    counterpartyEntityId: venture.entity.id,
  });
  const owed = await ledger.createAccount(orgId, {
    entityId: venture.entity.id,
    code: '2100-GRP',
    name: 'Due to Group',
    type: 'liability',
    cashFlow: 'financing',
    counterpartyEntityId: holding.entity.id,
  });
  await rates(world, orgId, [
    ['EUR', 'USD', '1.1', '2026-01-01'],
    ['EUR', 'USD', '1.08', '2026-02-01'],
    ['EUR', 'USD', '1.2', '2026-03-01'],
  ]);
  const t = (debit: Account, credit: Account, amount: bigint, day: string): TransferInput => ({
    id: newId(),
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    amount,
    currency: debit.currency,
    effectiveAt: new Date(`${day}T12:00:00.000Z`),
  });
  const batch: TransferInput[] = [
    t(of(holding, '1100'), of(holding, '3000'), 10_000_000n, '2026-01-02'),
    { ...t(lent, of(holding, '1100'), 1_000_000n, '2026-01-15'), linked: true },
    t(of(venture, '1100'), owed, 1_100_000n, '2026-01-15'),
    t(of(venture, '1100'), of(venture, '4100'), 345_678n, '2026-02-05'),
    t(of(venture, '6300'), of(venture, '1100'), 12_345n, '2026-02-20'),
    t(of(holding, '6500'), of(holding, '1100'), 50_000n, '2026-03-01'),
    t(of(venture, '1100'), of(venture, '4100'), 99_999n, '2026-03-10'),
  ];
  const results = await ledger.createTransfers(orgId, batch);
  expect(results.map((r) => r.result)).toEqual(batch.map(() => 'ok'));
  return { orgId, holding: holding.entity };
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

const sum = (values: bigint[]) => values.reduce((x, y) => x + y, 0n);

function amounts(section: Section): Record<string, bigint> {
  return Object.fromEntries(section.lines.map((l) => [l.code, l.amount]));
}

function totals(section: Section): Record<string, bigint> {
  return Object.fromEntries(section.lines.map((l) => [l.code, l.total]));
}

function flows(section: CashFlowSection): Record<string, [bigint, bigint]> {
  return Object.fromEntries(section.lines.map((l) => [l.code, [l.inflows, l.outflows]]));
}
