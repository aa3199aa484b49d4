import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { createLedgerService } from '../ledger/index.ts';
import { newId } from '../kernel/index.ts';
import { KPI_POSTED } from './kpis.service.ts';
import { portfolioServiceFor } from './portfolio.module.ts';
import { HISTORY_TTL_MS } from './portfolio.cache.ts';
import { createPortfolioWorld, type PortfolioWorld } from './portfolio.test-support.ts';
import type { KpiInput, Scope } from './portfolio.types.ts';

describe.each(storages)('portfolio service on $name', { timeout: 60_000 }, (storage) => {
  let w: PortfolioWorld;
  let drop: () => Promise<void>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createPortfolioWorld(created.target);
    const make = async (slug: string, category: string, stage: 'growing' | 'launched' | 'idea') =>
      (ids[slug] = (
        await w.portfolio.createVenture(w.scope, {
          slug,
          name: slug.toUpperCase(),
          category,
          stage,
        })
      ).id);
    await make('alpha', 'financial', 'growing');
    await make('bravo', 'financial', 'launched');
    await make('charlie', 'technology', 'idea');
    await make('delta', 'technology', 'growing');
    const k = (
      slug: string,
      metric: string,
      day: string,
      value: string,
      currency?: string,
    ): KpiInput => ({
      ventureId: ids[slug]!,
      metric,
      day,
      value,
      ...(currency ? { currency } : {}),
    });
    await w.portfolio.postKpis(w.scope, [
      k('alpha', 'revenue', '2026-01', '10000', 'EUR'),
      k('alpha', 'revenue', '2026-02', '12000', 'EUR'),
      k('alpha', 'mrr', '2026-01', '5000', 'EUR'),
      k('alpha', 'mrr', '2026-02', '6000', 'EUR'),
      k('alpha', 'customers', '2026-01', '100'),
      k('alpha', 'customers', '2026-02', '110'),
      k('alpha', 'churn', '2026-01', '300'),
      k('alpha', 'churn', '2026-02', '200'),
      k('bravo', 'revenue', '2026-01', '4000', 'USD'),
      k('bravo', 'revenue', '2026-02-10', '2000', 'USD'),
      k('bravo', 'revenue', '2026-02-20', '3000', 'USD'),
      k('bravo', 'mrr', '2026-02', '1000', 'USD'),
      k('bravo', 'customers', '2026-01', '50'),
      k('bravo', 'customers', '2026-02', '50'),
      k('bravo', 'churn', '2026-02', '500'),
      k('charlie', 'revenue', '2026-01', '1000', 'EUR'),
      k('charlie', 'revenue', '2026-02', '3000', 'EUR'),
      k('charlie', 'customers', '2026-02', '10'),
      k('delta', 'revenue', '2026-02', '99999', 'EUR'),
    ]);
    await w.portfolio.archiveVenture(w.scope, 'delta');
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  const actions = async (orgId: string) =>
    (await w.access.audit.list(orgId, { limit: 500 })).entries.map((e) => e.action);

  describe('ventures', () => {
    it('creates, reads, updates and archives, auditing each write', async () => {
      const ledger = createLedgerService({
        db: w.kernel.db,
        clock: w.clock,
        audit: w.access.audit,
      });
      const { entity } = await ledger.createEntity(w.scope.orgId, {
        code: 'ECHO',
        name: 'Echo Ltd',
        kind: 'venture',
        baseCurrency: 'EUR',
      });
      const created = await w.portfolio.createVenture(w.scope, {
        slug: 'echo',
        name: 'Echo',
        category: 'education',
        ownerId: w.ownerId,
        siteUrl: 'https://echo.example',
        tags: ['b2b', 'b2b', 'ai'],
        ledgerEntityId: entity.id,
      });
      expect(created).toMatchObject({
        stage: 'idea',
        tags: ['b2b', 'ai'],
        ledgerEntityId: entity.id,
      });
      expect((await w.portfolio.getVenture(w.scope, 'echo')).id).toBe(created.id);
      const updated = await w.portfolio.updateVenture(w.scope, created.id, {
        stage: 'building',
        name: 'Echo Learning',
      });
      expect(updated).toMatchObject({ stage: 'building', name: 'Echo Learning', slug: 'echo' });
      const archived = await w.portfolio.archiveVenture(w.scope, 'echo');
      expect(archived.archivedAt).not.toBeNull();
      const log = await w.access.audit.list(w.scope.orgId, { entityId: created.id });
      expect(log.entries.map((e) => e.action)).toEqual([
        'portfolio.venture.archive',
        'portfolio.venture.update',
        'portfolio.venture.create',
      ]);
      expect(log.entries[1]!.before).toMatchObject({ stage: 'idea', name: 'Echo' });
      expect(log.entries[1]!.after).toMatchObject({ stage: 'building', name: 'Echo Learning' });
    });

    it('refuses bad references, duplicates and other organisations', async () => {
      const base = { slug: 'foxtrot', name: 'Foxtrot', category: 'financial' };
      await expect(
        w.portfolio.createVenture(w.scope, { ...base, category: 'space' }),
      ).rejects.toThrow(/category/);
      await expect(
        w.portfolio.createVenture(w.scope, { ...base, ownerId: newId() }),
      ).rejects.toThrow(/ownerId/);
      await expect(
        w.portfolio.createVenture(w.scope, { ...base, ledgerEntityId: newId() }),
      ).rejects.toThrow(/ledgerEntityId/);
      await expect(
        w.portfolio.createVenture(w.scope, { ...base, slug: 'Not A Slug' }),
      ).rejects.toThrow(/slug/);
      await expect(
        w.portfolio.createVenture(w.scope, { ...base, slug: 'alpha' }),
      ).rejects.toMatchObject({ status: 409 });
      await w.portfolio.createCategory(w.scope, { key: 'space', label: 'Space' });
      expect(
        (await w.portfolio.createVenture(w.scope, { ...base, category: 'space' })).category,
      ).toBe('space');
      const other: Scope = { orgId: newId(), ventureIds: null };
      await expect(w.portfolio.getVenture(other, 'alpha')).rejects.toMatchObject({ status: 404 });
      expect((await w.portfolio.listVentures(other)).total).toBe(0);
    });

    it('limits a scope to its ventures', async () => {
      const scoped: Scope = { orgId: w.scope.orgId, ventureIds: [ids.alpha!] };
      expect((await w.portfolio.listVentures(scoped)).ventures.map((v) => v.slug)).toEqual([
        'alpha',
      ]);
      await expect(w.portfolio.getVenture(scoped, 'bravo')).rejects.toMatchObject({ status: 404 });
      await expect(
        w.portfolio.createVenture(scoped, { slug: 'x', name: 'X', category: 'financial' }),
      ).rejects.toMatchObject({ status: 403 });
      await expect(
        w.portfolio.postKpis(scoped, [
          { ventureId: ids.bravo!, metric: 'customers', day: '2026-03-01', value: '1' },
        ]),
      ).rejects.toThrow(/ventureId/);
      const rollup = await w.portfolio.rollup(scoped, { month: '2026-02' });
      expect(rollup.portfolio.ventures.total).toBe(1);
    });

    it('lists with filters, sorting and keyset pages', async () => {
      const all = await w.portfolio.listVentures(w.scope, { sort: 'name', limit: 2 });
      expect(all.total).toBe(4);
      expect(all.ventures.map((v) => v.slug)).toEqual(['alpha', 'bravo']);
      const next = await w.portfolio.listVentures(w.scope, {
        sort: 'name',
        limit: 2,
        cursor: all.nextCursor!,
      });
      expect(next.ventures.map((v) => v.slug)).toEqual(['charlie', 'foxtrot']);
      expect(next.nextCursor).toBeNull();
      const desc = await w.portfolio.listVentures(w.scope, {
        sort: 'createdAt',
        order: 'desc',
        limit: 3,
      });
      const rest = await w.portfolio.listVentures(w.scope, {
        sort: 'createdAt',
        order: 'desc',
        limit: 3,
        cursor: desc.nextCursor!,
      });
      expect([...desc.ventures, ...rest.ventures]).toHaveLength(4);
      expect((await w.portfolio.listVentures(w.scope, { category: 'financial' })).total).toBe(2);
      expect(
        (await w.portfolio.listVentures(w.scope, { stage: 'idea' })).ventures.map((v) => v.slug),
      ).toEqual(['charlie', 'foxtrot']);
      expect(
        (await w.portfolio.listVentures(w.scope, { search: 'RAV' })).ventures.map((v) => v.slug),
      ).toEqual(['bravo']);
      expect((await w.portfolio.listVentures(w.scope, { includeArchived: true })).total).toBe(6);
      await w.portfolio.updateVenture(w.scope, 'charlie', { tags: ['saas'] });
      expect(
        (await w.portfolio.listVentures(w.scope, { tag: 'saas' })).ventures.map((v) => v.slug),
      ).toEqual(['charlie']);
      await expect(w.portfolio.listVentures(w.scope, { cursor: 'nonsense' })).rejects.toThrow(
        /cursor/,
      );
    });
  });

  describe('KPIs', () => {
    it('upserts by venture, metric and day, and reads series by range', async () => {
      const events: unknown[] = [];
      const off = w.kernel.events.subscribe(KPI_POSTED, (e) => void events.push(e.payload));
      const post = (value: string) =>
        w.portfolio.postKpis(w.scope, [
          { ventureId: ids.charlie!, metric: 'mrr', day: '2026-03-05', value, currency: 'EUR' },
        ]);
      expect((await post('700')).written).toBe(1);
      expect((await post('700')).written).toBe(0);
      expect((await post('750')).written).toBe(1);
      const series = await w.portfolio.series(w.scope, 'charlie', {
        metrics: ['mrr', 'revenue'],
        from: '2026-02',
        to: '2026-03',
      });
      expect(series.kpis.map((k) => [k.metric, k.day, k.period, k.value, k.currency])).toEqual([
        ['mrr', '2026-03-05', 'day', '750', 'EUR'],
        ['revenue', '2026-02-01', 'month', '3000', 'EUR'],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      off();
      expect(events).toContainEqual({
        orgId: w.scope.orgId,
        ventureId: ids.charlie,
        metrics: ['mrr'],
        from: '2026-03-05',
        to: '2026-03-05',
        count: 1,
      });
      expect(await actions(w.scope.orgId)).toContain('portfolio.kpi.post');
      await w.portfolio.postKpis(w.scope, [
        { ventureId: ids.charlie!, metric: 'mrr', day: '2026-03-05', value: '0', currency: 'EUR' },
      ]);
    });

    it('refuses a batch with any invalid item, naming each problem', async () => {
      const error = await w.portfolio
        .postKpis(w.scope, [
          { ventureId: ids.alpha!, metric: 'revenue', day: '2026-03-01', value: '1' },
          { ventureId: ids.alpha!, metric: 'customers', day: '2026-02-30', value: '1.5' },
          { ventureId: ids.alpha!, metric: 'nope', day: '2026-03-01', value: '1' },
          {
            ventureId: ids.alpha!,
            metric: 'churn',
            day: '2026-03-01',
            value: '1',
            currency: 'EUR',
          },
        ])
        .catch((e: unknown) => e);
      expect((error as { details: { path: string }[] }).details.map((d) => d.path)).toEqual([
        'items.0.currency',
        'items.1.day',
        'items.1.value',
        'items.2.metric',
        'items.3.currency',
      ]);
    });

    it('takes values as people write them (major units, percent) and converts them exactly', async () => {
      await w.portfolio.postKpis(w.scope, [
        {
          ventureId: ids.bravo!,
          metric: 'revenue',
          day: '2026-04',
          displayValue: '1234.56',
          currency: 'EUR',
        },
        { ventureId: ids.bravo!, metric: 'churn', day: '2026-04', displayValue: '2.5' },
      ]);
      const series = await w.portfolio.series(w.scope, 'bravo', {
        metrics: ['revenue', 'churn'],
        from: '2026-04',
        to: '2026-04',
      });
      expect(series.kpis.map((k) => [k.metric, k.value, k.currency]).sort()).toEqual([
        ['churn', '250', null],
        ['revenue', '123456', 'EUR'],
      ]);
      const error = await w.portfolio
        .postKpis(w.scope, [
          {
            ventureId: ids.bravo!,
            metric: 'mrr',
            day: '2026-04',
            displayValue: '12.5',
            currency: 'JPY',
          },
          { ventureId: ids.bravo!, metric: 'churn', day: '2026-04', value: '1', displayValue: '1' },
          { ventureId: ids.bravo!, metric: 'churn', day: '2026-04' },
        ])
        .catch((e: unknown) => e);
      expect((error as { details: { path: string }[] }).details.map((d) => d.path)).toEqual([
        'items.0.displayValue',
        'items.1.value',
        'items.2.value',
      ]);
    });

    it('takes custom metrics with their unit', async () => {
      await w.portfolio.defineMetric(w.scope, {
        key: 'conversion',
        label: 'Conversion',
        unit: 'ratio',
      });
      await w.portfolio.postKpis(w.scope, [
        { ventureId: ids.bravo!, metric: 'conversion', day: '2026-03', value: '0.125' },
      ]);
      const series = await w.portfolio.series(w.scope, 'bravo', { metrics: ['conversion'] });
      expect(series.kpis.map((k) => k.value)).toEqual(['0.125']);
    });

    it('imports CSV with a row-by-row report, nothing on a dry run', async () => {
      const csv = [
        'venture,metric,date,value,currency',
        'alpha,revenue,2026-03,150.25,EUR',
        'alpha,revenue,2026-13-01,1,EUR',
        'nobody,customers,2026-03,5,',
        'alpha,customers,2026-03,abc,',
        'alpha,visitors,2026-03,5,',
        'alpha,mrr,2026-03,100,',
        '"alpha",churn,2026-03,2.5,',
      ].join('\r\n');
      const dry = await w.portfolio.importCsv(w.scope, csv, { dryRun: true });
      expect(dry).toEqual({
        dryRun: true,
        rows: 7,
        valid: 2,
        applied: 0,
        errors: [
          {
            row: 3,
            column: 'date',
            reason: '"2026-13-01" is not a date YYYY-MM-DD or a month YYYY-MM',
          },
          { row: 4, column: 'venture', reason: 'no open venture "nobody"' },
          { row: 5, column: 'value', reason: '"abc" is not a number' },
          { row: 6, column: 'metric', reason: expect.stringMatching(/^unknown metric "visitors"/) },
          { row: 7, column: 'currency', reason: 'is required for mrr (money)' },
        ],
      });
      expect((await w.portfolio.series(w.scope, 'alpha', { from: '2026-03' })).kpis).toEqual([]);
      const real = await w.portfolio.importCsv(w.scope, csv);
      expect(real).toMatchObject({ dryRun: false, valid: 2, applied: 2 });
      const series = await w.portfolio.series(w.scope, 'alpha', { from: '2026-03' });
      expect(series.kpis.map((k) => [k.metric, k.value, k.currency])).toEqual([
        ['churn', '250', null],
        ['revenue', '15025', 'EUR'],
      ]);
      await expect(w.portfolio.importCsv(w.scope, 'venture,metric\nalpha,revenue')).rejects.toThrow(
        /date, value/,
      );
    });
  });

  describe('roll-ups', () => {
    it('sums per currency and category, with growth, churn and stages, exactly', async () => {
      const r = await w.portfolio.rollup(w.scope, { month: '2026-02' });
      expect(r.month).toBe('2026-02');
      expect(r.previousMonth).toBe('2026-01');
      expect(r.portfolio.ventures).toEqual({
        total: 4,
        byStage: { idea: 2, building: 0, launched: 1, growing: 1, mature: 0, sunset: 0 },
      });
      // foxtrot (space, idea) has no KPIs; delta is archived.
      expect(r.portfolio.revenue).toEqual([
        {
          currency: 'EUR',
          current: '15000',
          previous: '11000',
          growthBp: 3636,
          reporting: 2,
          compared: 2,
        },
        {
          currency: 'USD',
          current: '5000',
          previous: '4000',
          growthBp: 2500,
          reporting: 1,
          compared: 1,
        },
      ]);
      expect(r.portfolio.mrr).toEqual([
        {
          currency: 'EUR',
          current: '6000',
          previous: '5000',
          growthBp: 2000,
          reporting: 1,
          compared: 1,
        },
        // bravo's first MRR: nothing to compare it with.
        {
          currency: 'USD',
          current: '1000',
          previous: '0',
          growthBp: null,
          reporting: 1,
          compared: 0,
        },
      ]);
      // charlie reports customers for the first time: like for like, 160 against 150.
      expect(r.portfolio.customers).toEqual({
        current: '170',
        previous: '150',
        growthBp: 667,
        reporting: 3,
        compared: 2,
      });
      expect(r.portfolio.churn).toEqual({
        averageBp: '350',
        previousAverageBp: '300',
        ventures: 2,
      });
      const financial = r.categories.find((c) => c.category === 'financial')!;
      expect(financial.ventures.total).toBe(2);
      expect(financial.customers).toMatchObject({ current: '160', previous: '150', growthBp: 667 });
      const technology = r.categories.find((c) => c.category === 'technology')!;
      expect(technology.ventures.total).toBe(1);
      expect(technology.revenue).toEqual([
        {
          currency: 'EUR',
          current: '3000',
          previous: '1000',
          growthBp: 20000,
          reporting: 1,
          compared: 1,
        },
      ]);
      expect(technology.customers).toEqual({
        current: '10',
        previous: '0',
        growthBp: null,
        reporting: 1,
        compared: 0,
      });
      expect(r.categories.map((c) => c.category)).toEqual([
        'financial',
        'ecommerce',
        'technology',
        'education',
        'community',
        'emerging',
        'space',
      ]);
      // The clock says 2026-03-15 and March has KPIs already: a month in progress is not the
      // default, the last complete one is.
      expect((await w.portfolio.rollup(w.scope, {})).month).toBe('2026-02');
      const only = await w.portfolio.rollup(w.scope, { month: '2026-02', category: 'technology' });
      expect(only.portfolio.revenue).toEqual(technology.revenue);
      expect(only.categories).toHaveLength(1);
    });

    it('gives the same figures month by month, with empty months present', async () => {
      const h = await w.portfolio.rollupHistory(w.scope, { to: '2026-02', months: 3 });
      expect(h).toMatchObject({ from: '2025-12', to: '2026-02' });
      expect(h.months.map((m) => m.month)).toEqual(['2025-12', '2026-01', '2026-02']);
      expect(h.months[0]).toEqual({
        month: '2025-12',
        revenue: [],
        mrr: [],
        customers: '0',
        reporting: 0,
      });
      const grid = await w.portfolio.rollup(w.scope, { month: '2026-02' });
      for (const [month, key] of [
        [h.months[1]!, 'previous'],
        [h.months[2]!, 'current'],
      ] as const) {
        const money = (list: { currency: string; current: string; previous: string }[]) =>
          list.filter((m) => m[key] !== '0').map((m) => ({ currency: m.currency, total: m[key] }));
        expect(month.revenue).toEqual(money(grid.portfolio.revenue));
        expect(month.mrr).toEqual(money(grid.portfolio.mrr));
        expect(month.customers).toBe(grid.portfolio.customers[key]);
      }
      // Kept per query; a KPI posted through any service instance sharing the event bus (as
      // every process does) drops it at once; a change it was not told of shows after the TTL.
      const other = portfolioServiceFor(w.kernel, w.access);
      const alpha = (await w.portfolio.getVenture(w.scope, 'alpha')).id;
      await other.postKpis(w.scope, [
        { ventureId: alpha, metric: 'customers', day: '2025-12', value: '7' },
      ]);
      await expect
        .poll(async () => {
          const again = await w.portfolio.rollupHistory(w.scope, { to: '2026-02', months: 3 });
          return again.months[0]!.customers;
        })
        .toBe('7');
      await w.kernel.db.execute(
        sql`delete from portfolio_kpis where venture_id = ${alpha} and day = '2025-12-01'`,
      );
      const stale = await w.portfolio.rollupHistory(w.scope, { to: '2026-02', months: 3 });
      expect(stale.months[0]!.customers).toBe('7');
      w.clock.advance(HISTORY_TTL_MS);
      const fresh = await w.portfolio.rollupHistory(w.scope, { to: '2026-02', months: 3 });
      expect(fresh.months[0]!.customers).toBe('0');

      const technology = await w.portfolio.rollupHistory(w.scope, {
        to: '2026-02',
        months: 1,
        category: 'technology',
      });
      expect(technology.months).toEqual([
        {
          month: '2026-02',
          revenue: [{ currency: 'EUR', total: '3000' }],
          mrr: expect.any(Array),
          customers: '10',
          reporting: 1,
        },
      ]);
    });
  });

  it('keeps the grid until the portfolio changes, in this process or another', async () => {
    const before = await w.portfolio.rollup(w.scope, { month: '2026-02' });
    const alpha = await w.portfolio.getVenture(w.scope, 'alpha');
    // A change made behind the service's back is not seen while the answer is kept...
    await w.kernel.db.execute(
      sql`update portfolio_ventures set stage = 'mature' where id = ${alpha.id}`,
    );
    expect((await w.portfolio.rollup(w.scope, { month: '2026-02' })).portfolio.ventures).toEqual(
      before.portfolio.ventures,
    );
    // ...but a venture written through another instance (another process: they share only the
    // event bus) drops it everywhere.
    const other = portfolioServiceFor(w.kernel, w.access);
    await other.updateVenture(w.scope, 'alpha', { stage: alpha.stage });
    await other.updateVenture(w.scope, 'alpha', { stage: 'mature' });
    await expect
      .poll(async () => {
        const grid = await w.portfolio.rollup(w.scope, { month: '2026-02' });
        return grid.portfolio.ventures.byStage.mature;
      })
      .toBe(before.portfolio.ventures.byStage.mature + 1);
    await other.updateVenture(w.scope, 'alpha', { stage: alpha.stage });
    await expect
      .poll(async () => (await w.portfolio.rollup(w.scope, { month: '2026-02' })).portfolio)
      .toEqual(before.portfolio);
  });

  describe('health', () => {
    it('scores from stored KPIs, explains every point, and leaves missing data out', async () => {
      const alpha = await w.portfolio.health(w.scope, 'alpha', { asOf: '2026-02-28' });
      expect(alpha.components.map((c) => [c.key, c.points, c.max, c.measured])).toEqual([
        ['recency', 20, 20, true],
        ['revenue', 25, 25, true],
        // One month-to-month change of MRR: a rise, but not a trend yet (8 = 25 x 1/3).
        ['trend', 8, 25, true],
        ['churn', 20, 20, true],
        ['customers', 10, 10, true],
      ]);
      expect([alpha.score, alpha.measuredOf]).toEqual([83, 100]);
      expect(alpha.components[1]!.reason).toBe(
        'revenue +20.00 % in Feb 2026 (120.00 EUR vs 100.00 EUR)',
      );
      expect(alpha.components[2]!.reason).toBe(
        'MRR rose in 1 of 1 month-to-month changes (Jan 2026 to Feb 2026); full points need 3 changes',
      );
      const bravo = await w.portfolio.health(w.scope, 'bravo', { asOf: '2026-02-28' });
      expect(bravo.components.map((c) => [c.key, c.points])).toEqual([
        ['recency', 20],
        ['revenue', 25],
        ['trend', 8],
        ['churn', 13],
        ['customers', 5],
      ]);
      expect(bravo.score).toBe(71);
      expect(bravo.components[3]!.reason).toMatch(/^churn 5.00 % in Feb 2026/);
      // No churn data and no customer count to compare: neither counts against charlie.
      const charlie = await w.portfolio.health(w.scope, 'charlie', { asOf: '2026-06-15' });
      expect(charlie.components.map((c) => [c.key, c.points, c.measured])).toEqual([
        ['recency', 0, true],
        ['revenue', 25, true],
        ['trend', 8, true],
        ['churn', 0, false],
        ['customers', 0, false],
      ]);
      // 33 of the 70 points that could be measured.
      expect([charlie.score, charlie.measuredOf]).toEqual([47, 70]);
      expect(charlie.components[0]!.reason).toBe(
        'latest KPI covers up to Mar 5, 2026, 102 days before Jun 15, 2026',
      );
      expect(charlie.components[3]!.reason).toBe('no churn data in the last 7 months');
    });
  });
});
