import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { createLedgerService, type LedgerService } from '../ledger/index.ts';
import type { Scope } from '../portfolio/index.ts';
import { createPortfolioWorld, type PortfolioWorld } from '../portfolio/portfolio.test-support.ts';
import { planDemo, resetDemo, runDemo } from './demo.ts';
import { localDemoPorts } from './demo.local.ts';

describe.each(storages)('iza demo flow on $name', { timeout: 120_000 }, (storage) => {
  let w: PortfolioWorld;
  let drop: () => Promise<void>;
  let ledger: LedgerService;
  let second: Scope;
  const today = '2026-03-15';

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createPortfolioWorld(created.target);
    ledger = createLedgerService({ db: w.kernel.db, clock: w.clock, audit: w.access.audit });
    const other = await w.access.users.createAdmin({
      organisation: 'Delta Studio',
      email: 'admin@delta.test',
      name: 'Dee',
      password: 'correct horse battery staple',
    });
    second = { orgId: other.organisation.id, ventureIds: null };
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  const snapshot = async (scope: Scope) => {
    const page = await w.portfolio.listVentures(scope, { sort: 'slug', limit: 500 });
    return Promise.all(
      page.ventures.map(async (v) => ({
        slug: v.slug,
        name: v.name,
        category: v.category,
        stage: v.stage,
        tags: v.tags,
        demo: v.demo,
        kpis: (await w.portfolio.series(scope, v.id)).kpis.map((k) => [
          k.metric,
          k.day,
          k.value,
          k.currency,
        ]),
      })),
    );
  };

  it('plans the same portfolio from the same seed, and another from another seed', () => {
    expect(planDemo(7, 20, today)).toEqual(planDemo(7, 20, today));
    expect(planDemo(8, 20, today)).not.toEqual(planDemo(7, 20, today));
    const plan = planDemo(7, 12, today);
    expect(new Set(plan.map((p) => p.input.category)).size).toBe(6);
    expect(plan.every((p) => p.input.demo && p.input.tags!.includes('demo'))).toBe(true);
    expect(plan.every((p) => p.input.name.endsWith('(demo)'))).toBe(true);
  });

  it('fills two organisations identically from one seed, with ledger entities and books', async () => {
    const first = await runDemo(localDemoPorts(w.portfolio, ledger, w.scope), {
      seed: 7,
      ventures: 6,
      today,
    });
    expect(first).toMatchObject({
      seed: 7,
      ventures: 6,
      months: { from: '2025-03', to: '2026-02' },
      ledger: { entities: 7, reused: 0, alreadyBooked: 0 },
    });
    expect(first.ledger.transfers).toBeGreaterThan(0);
    await runDemo(localDemoPorts(w.portfolio, ledger, second), { seed: 7, ventures: 6, today });
    const a = await snapshot(w.scope);
    expect(a).toHaveLength(6);
    expect(a[0]!.kpis.length).toBeGreaterThanOrEqual(36);
    expect(await snapshot(second)).toEqual(a);
    const entities = await ledger.listEntities(w.scope.orgId);
    expect(entities.map((e) => e.code).sort()).toEqual([
      'DEMO-001',
      'DEMO-002',
      'DEMO-003',
      'DEMO-004',
      'DEMO-005',
      'DEMO-006',
      'DEMO-HOLDING',
    ]);
    const rollup = await w.portfolio.rollup(w.scope, {});
    expect(rollup.month).toBe('2026-02');
    expect(rollup.portfolio.ventures.total).toBe(6);
    // monthly demo rates into the holding's currency, so the demo books consolidate
    expect(first.ledger.fxRates).toBe(26);
    const rates = await ledger.listFxRates(w.scope.orgId, { quote: 'GBP' });
    expect(rates).toHaveLength(13);
    expect(rates.every((r) => r.source === 'demo' && /^0\.\d{1,4}$/.test(r.rate))).toBe(true);
    expect(await ledger.lookupFxRate(w.scope.orgId, 'USD', 'EUR', today)).toMatchObject({
      effectiveOn: '2026-03-01',
      inverted: true,
    });
  });

  it('refuses a non-empty installation unless forced', async () => {
    await expect(
      runDemo(localDemoPorts(w.portfolio, ledger, w.scope), { seed: 1, ventures: 2, today }),
    ).rejects.toMatchObject({ code: 'not_empty', status: 409 });
  });

  it('resets exactly what it created, keeps the books, and reuses them on the next run', async () => {
    const own = await w.portfolio.createVenture(w.scope, {
      slug: 'real-one',
      name: 'Real One',
      category: 'community',
    });
    const reset = await resetDemo(localDemoPorts(w.portfolio, ledger, w.scope));
    expect(reset.ventures).toBe(6);
    expect(reset.note).toMatch(/ledger entities .* stay/);
    const left = await w.portfolio.listVentures(w.scope, { includeArchived: true });
    expect(left.ventures.map((v) => v.id)).toEqual([own.id]);
    expect(await ledger.listEntities(w.scope.orgId)).toHaveLength(7);
    const again = await runDemo(localDemoPorts(w.portfolio, ledger, w.scope), {
      seed: 7,
      ventures: 6,
      today,
      force: true,
    });
    expect(again.ledger).toMatchObject({ entities: 0, reused: 7, transfers: 0 });
    expect(again.ledger.alreadyBooked).toBeGreaterThan(0);
    const after = (await snapshot(w.scope)).filter((v) => v.demo);
    expect(after).toEqual(await snapshot(second));
  });
});
