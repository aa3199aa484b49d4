import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { createLedgerService } from '../ledger/index.ts';
import { createPortfolioWorld, type PortfolioWorld } from './portfolio.test-support.ts';
import type { KpiInput, Scope } from './portfolio.types.ts';

/**
 * Home's overview and the ventures list's figures, with every figure computed by hand below.
 * Today is 2026-03-15 (the world's clock), so the default month is 2026-02, the last complete
 * one. EUR is the reporting currency (the top holding's); EUR/USD is 1.25 from 2026-01-01 and
 * 1.1 from 2026-02-15 (so 1 USD = 0.8 EUR in January, 1/1.1 EUR at February's end); GBP has
 * no rate.
 */
describe.each(storages)('portfolio overview on $name', { timeout: 60_000 }, (storage) => {
  let w: PortfolioWorld;
  let drop: () => Promise<void>;
  let other: Scope;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createPortfolioWorld(created.target);
    const ledger = createLedgerService({ db: w.kernel.db, clock: w.clock, audit: w.access.audit });
    await ledger.createEntity(w.scope.orgId, {
      code: 'HOLD',
      name: 'Holding',
      kind: 'holding',
      baseCurrency: 'EUR',
    });
    await ledger.recordFxRates(w.scope.orgId, [
      { base: 'EUR', quote: 'USD', rate: '1.25', effectiveOn: '2026-01-01' },
      { base: 'EUR', quote: 'USD', rate: '1.1', effectiveOn: '2026-02-15' },
    ]);
    for (const [slug, category] of [
      ['a', 'financial'],
      ['b', 'technology'],
      ['c', 'technology'],
      ['d', 'technology'],
      ['e', 'financial'],
    ] as const) {
      ids[slug] = (
        await w.portfolio.createVenture(w.scope, {
          slug,
          name: slug.toUpperCase(),
          category,
          stage: 'growing',
        })
      ).id;
    }
    const k = (slug: string, metric: string, day: string, value: string, currency?: string) =>
      ({
        ventureId: ids[slug]!,
        metric,
        day,
        value,
        ...(currency ? { currency } : {}),
      }) satisfies KpiInput;
    await w.portfolio.postKpis(w.scope, [
      k('a', 'mrr', '2026-01', '10000', 'EUR'),
      k('a', 'mrr', '2026-02', '12000', 'EUR'),
      k('a', 'revenue', '2026-02', '20000', 'EUR'),
      k('a', 'customers', '2026-01', '10'),
      k('a', 'customers', '2026-02', '12'),
      k('b', 'mrr', '2026-01', '20000', 'USD'),
      k('b', 'mrr', '2026-02', '15000', 'USD'),
      k('c', 'mrr', '2026-02', '5000', 'GBP'),
      k('e', 'mrr', '2025-12', '7000', 'EUR'),
    ]);
    const admin = await w.access.users.createAdmin({
      organisation: 'Other Studio',
      email: 'admin@other.test',
      name: 'Oto Admin',
      password: 'correct horse battery staple',
    });
    other = { orgId: admin.organisation.id, ventureIds: null };
    await w.portfolio.createVenture(other, { slug: 'z', name: 'Z', category: 'financial' });
  });

  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  it('adds up MRR in the reporting currency at month-end rates, naming what has no rate', async () => {
    const o = await w.portfolio.overview(w.scope);
    expect(o).toMatchObject({ month: '2026-02', previousMonth: '2026-01', currency: 'EUR' });
    // February: A 12000 + B 15000 USD / 1.1 = 13636.36 -> 13636; C's GBP has no rate.
    expect(o.mrr.current).toBe('25636');
    // January at January's rate: A 10000 + B 20000 / 1.25 = 16000.
    expect(o.mrr.previous).toBe('26000');
    // December: E's 7000 EUR only.
    expect(o.mrr.series.map((s) => s.value).slice(-3)).toEqual(['7000', '26000', '25636']);
    expect(o.mrr.series).toHaveLength(12);
    // Like for like at February's rates: (12000 + 13636) / (10000 + 18182) - 1 = -9.034 %.
    expect(o.mrr).toMatchObject({ growthBp: -903, compared: 2, reporting: 2 });
    expect(o.rates).toEqual([
      { currency: 'USD', base: 'EUR', quote: 'USD', rate: '1.1', effectiveOn: '2026-02-15' },
    ]);
    expect(o.unconverted).toEqual([{ currency: 'GBP', ventures: 1 }]);
    expect(o.revenue).toMatchObject({ current: '20000', growthBp: null, compared: 0 });
    expect(o.customers).toMatchObject({ current: '12', previous: '10', growthBp: 2000 });
    expect(o.ventures.total).toBe(5);
  });

  it('ranks categories by MRR with their share, and the ventures that moved', async () => {
    const o = await w.portfolio.overview(w.scope);
    expect(o.categories.map((c) => [c.key, c.ventures, c.mrr.current, c.shareBp])).toEqual([
      ['technology', 3, '13636', 5319],
      ['financial', 2, '12000', 4680],
    ]);
    expect(o.movers.up.map((m) => [m.slug, m.change])).toEqual([['a', '2000']]);
    // B at February's rate: 13636 against 18182.
    expect(o.movers.down.map((m) => [m.slug, m.change, m.growthBp])).toEqual([
      ['b', '-4546', -2500],
    ]);
  });

  it('lists what needs attention: drops, stale data, ventures that never reported', async () => {
    const { attention } = await w.portfolio.overview(w.scope);
    expect(attention.drops.map((d) => [d.slug, d.growthBp])).toEqual([['b', -2500]]);
    // E's December value covers the month to its 31st: 74 days before 2026-03-15.
    expect(attention.stale).toEqual([
      expect.objectContaining({
        slug: 'e',
        lastKpiDay: '2025-12-31',
        reason: 'no KPI for 74 days',
      }),
    ]);
    expect(attention).toMatchObject({ staleCount: 1, neverReported: 1 });
    for (const low of attention.lowestHealth) expect(low.score).toBeLessThan(50);
  });

  it('converts to another currency when asked, and leaves out what it cannot', async () => {
    const o = await w.portfolio.overview(w.scope, { currency: 'USD' });
    // A 12000 EUR * 1.1 = 13200 USD + B 15000 USD.
    expect(o.mrr.current).toBe('28200');
    expect(o.unconverted).toEqual([{ currency: 'GBP', ventures: 1 }]);
  });

  it('sorts the ventures list on figures in the reporting currency, no figure last', async () => {
    const page = await w.portfolio.listVentures(w.scope, { sort: 'mrr', order: 'desc' });
    expect(page.figures).toEqual({ month: '2026-02', currency: 'EUR' });
    expect(page.ventures.map((v) => [v.slug, v.figures?.mrrReporting?.current ?? null])).toEqual([
      ['b', '13636'],
      ['a', '12000'],
      ['c', null],
      ['d', null],
      ['e', null],
    ]);
    const b = page.ventures[0]!.figures!;
    expect(b.mrr).toEqual({
      currency: 'USD',
      current: '15000',
      previous: '20000',
      growthBp: -2500,
    });
    expect(b.lastKpiDay).toBe('2026-02-28');
    const byChange = await w.portfolio.listVentures(w.scope, { sort: 'change', order: 'asc' });
    expect(byChange.ventures.map((v) => v.slug).slice(0, 2)).toEqual(['b', 'a']);
    const stale = await w.portfolio.listVentures(w.scope, { sort: 'lastKpi', order: 'asc' });
    expect(stale.ventures.map((v) => v.slug)).toEqual(['e', 'a', 'b', 'c', 'd']);
    // Pages by offset across a figure sort.
    const first = await w.portfolio.listVentures(w.scope, { sort: 'mrr', order: 'desc', limit: 2 });
    expect(first.nextCursor).toBe('o:2');
    const second = await w.portfolio.listVentures(w.scope, {
      sort: 'mrr',
      order: 'desc',
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(second.ventures.map((v) => v.slug)).toEqual(['c', 'd']);
    expect(second.total).toBe(5);
  });

  it('takes a month of daily values as one, in the currency the venture reported last', async () => {
    // Another organisation, so the figures above stay as they are.
    const delta = (
      await w.access.users.createAdmin({
        organisation: 'Delta Studio',
        email: 'admin@delta.test',
        name: 'Dee Admin',
        password: 'correct horse battery staple',
      })
    ).organisation.id;
    const scope = { orgId: delta, ventureIds: null };
    const ledger = createLedgerService({ db: w.kernel.db, clock: w.clock, audit: w.access.audit });
    await ledger.createEntity(delta, {
      code: 'HOLD',
      name: 'Holding',
      kind: 'holding',
      baseCurrency: 'EUR',
    });
    await ledger.recordFxRates(delta, [
      { base: 'EUR', quote: 'USD', rate: '1.25', effectiveOn: '2026-01-01' },
    ]);
    const own: Record<string, string> = {};
    for (const [slug, category] of [
      ['p', 'financial'],
      ['q', 'technology'],
      ['s', 'technology'],
    ] as const) {
      own[slug] = (
        await w.portfolio.createVenture(scope, { slug, name: slug.toUpperCase(), category })
      ).id;
    }
    const k = (slug: string, metric: string, day: string, value: string, currency?: string) =>
      ({
        ventureId: own[slug]!,
        metric,
        day,
        value,
        ...(currency ? { currency } : {}),
      }) satisfies KpiInput;
    await w.portfolio.postKpis(scope, [
      // P reports MRR and revenue on days: February's MRR is its last, its revenue their sum.
      k('p', 'mrr', '2026-01', '1000', 'EUR'),
      k('p', 'mrr', '2026-02-03', '1000', 'EUR'),
      k('p', 'mrr', '2026-02-20', '1500', 'EUR'),
      k('p', 'revenue', '2026-02-03', '300', 'EUR'),
      k('p', 'revenue', '2026-02-20', '200', 'EUR'),
      k('p', 'customers', '2026-03-02', '7'),
      // Q moved from USD to EUR in February: its MRR counts in EUR, the later currency, and
      // its revenue in both (what it earned in each).
      k('q', 'mrr', '2026-01', '1600', 'USD'),
      k('q', 'mrr', '2026-02-05', '2000', 'USD'),
      k('q', 'mrr', '2026-02-25', '1000', 'EUR'),
      k('q', 'revenue', '2026-02-05', '400', 'USD'),
      k('q', 'revenue', '2026-02-25', '100', 'EUR'),
      k('q', 'revenue', '2026-02-26', '50', 'EUR'),
      k('q', 'churn', '2026-03', '200'),
      // S last reported long before the months the health score reads.
      k('s', 'customers', '2025-01', '5'),
    ]);
    const o = await w.portfolio.overview(scope);
    expect(o.month).toBe('2026-02');
    // February: P 1500 + Q 1000 (EUR); January: P 1000 + Q 1600 USD / 1.25 = 1280.
    expect(o.mrr).toMatchObject({ current: '2500', previous: '2280', reporting: 2 });
    // Like for like: only P reported in the same currency both months, 1000 -> 1500.
    expect(o.mrr).toMatchObject({ growthBp: 5000, compared: 1 });
    // P 300 + 200, Q 100 + 50 EUR and 400 USD / 1.25 = 320; Q reported in two currencies.
    expect(o.revenue).toMatchObject({ current: '970', reporting: 3 });
    expect(o.unconverted).toEqual([]);
    expect(o.rates.map((r) => r.currency)).toEqual(['USD']);
    expect(o.movers.up.map((m) => [m.slug, m.change])).toEqual([['p', '500']]);
    expect(o.movers.down).toEqual([]);
    expect(o.categories.map((c) => [c.key, c.ventures, c.mrr.current])).toEqual([
      ['financial', 1, '1500'],
      ['technology', 2, '1000'],
    ]);
    // A month's value covers the month, up to today; S's only KPI is the fallback's.
    expect(o.attention).toMatchObject({ staleCount: 1, neverReported: 0 });
    expect(o.attention.stale.map((v) => [v.slug, v.lastKpiDay])).toEqual([['s', '2025-01-31']]);
    const page = await w.portfolio.listVentures(scope, { sort: 'lastKpi', order: 'asc' });
    expect(page.ventures.map((v) => [v.slug, v.figures?.lastKpiDay])).toEqual([
      ['s', '2025-01-31'],
      ['p', '2026-03-02'],
      ['q', '2026-03-15'],
    ]);
    const figures = new Map(page.ventures.map((v) => [v.slug, v.figures!]));
    expect(figures.get('p')!.mrr).toEqual({
      currency: 'EUR',
      current: '1500',
      previous: '1000',
      growthBp: 5000,
    });
    expect(figures.get('q')!.mrr).toEqual({
      currency: 'EUR',
      current: '1000',
      previous: null,
      growthBp: null,
    });
    expect(figures.get('s')!.mrr).toBeNull();
  });

  it('keeps organisations and venture-limited keys to their own ventures', async () => {
    const theirs = await w.portfolio.overview(other);
    expect(theirs.ventures.total).toBe(1);
    expect(theirs.mrr.current).toBe('0');
    const list = await w.portfolio.listVentures(other, { sort: 'health' });
    expect(list.ventures.map((v) => v.slug)).toEqual(['z']);
    const limited = await w.portfolio.overview({ orgId: w.scope.orgId, ventureIds: [ids.a!] });
    expect(limited.mrr.current).toBe('12000');
    expect(limited.movers.down).toEqual([]);
    expect(limited.ventures.total).toBe(1);
  });
});
