import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { createLedgerService, type LedgerService } from '../ledger/index.ts';
import type { Scope } from '../portfolio/index.ts';
import { createPortfolioWorld, type PortfolioWorld } from '../portfolio/portfolio.test-support.ts';
import {
  createNodeRegistry,
  ExpressionEvaluator,
  importWorkflow,
  runWorkflow,
  webhookAnswer,
} from '../workflows/index.ts';
import { createWorkflowsService, type WorkflowsService } from '../workflows/workflows.service.ts';
import { demoWorkflows, planDemo, resetDemo, runDemo } from './demo.ts';
import { localDemoPorts } from './demo.local.ts';

describe('sample workflows of iza demo', () => {
  const registry = createNodeRegistry();
  const samples = demoWorkflows();

  it('are three fictional, tagged, natively supported n8n workflows calling nothing outside', () => {
    expect(samples.map((s) => s.name)).toEqual([
      'Demo: daily portfolio digest',
      'Demo: failed payment alert',
      'Demo: venture KPI webhook',
    ]);
    for (const sample of samples) {
      expect(sample.name.startsWith('Demo:')).toBe(true);
      expect(sample.tags).toEqual([{ name: 'demo' }]);
      expect(importWorkflow(sample, { isSupported: registry.isSupported }).status).toBe('imported');
      for (const node of sample.nodes) {
        expect(registry.get(node.type, node.typeVersion), node.name).toBeDefined();
      }
      expect(JSON.stringify(sample)).not.toMatch(/https?:\/\//);
    }
  });

  it('run: the KPI webhook normalises and answers, the alert branches, the digest summarises', async () => {
    const evaluator = new ExpressionEvaluator({ timeoutMs: 1_000 });
    const deps = {
      registry,
      evaluator,
      clock: { now: () => new Date('2026-03-15T07:30:00.000Z') },
      sleep: async () => undefined,
      http: { allowList: [] },
    };
    const load = (name: string) => {
      const report = importWorkflow(
        samples.find((s) => s.name === name)!,
        {
          isSupported: registry.isSupported,
        },
      );
      if (report.status === 'refused') throw new Error(report.reason);
      return report.workflow;
    };
    const hook = (body: object) => [
      { json: { headers: {}, params: {}, query: {}, body, executionMode: 'production' } },
    ];
    try {
      const kpi = load('Demo: venture KPI webhook');
      const kpiRun = await runWorkflow(deps, {
        workflow: kpi,
        mode: 'webhook',
        startNode: 'KPI Webhook',
        triggerItems: hook({
          venture: ' Tiny-Otter ',
          metric: 'MRR',
          value: '1250',
          month: '2026-02',
        }),
      });
      expect(kpiRun.status).toBe('success');
      expect(webhookAnswer(kpi.nodes[0]!, kpiRun)?.body).toEqual({
        venture: 'tiny-otter',
        metric: 'mrr',
        value: 1250,
        currency: 'EUR',
        month: '2026-02',
        received: true,
        summary: 'tiny-otter mrr 2026-02: 1250 EUR (demo, not stored)',
      });

      const alert = load('Demo: failed payment alert');
      for (const [amount, severity] of [
        [900, 'high'],
        [40, 'low'],
      ] as const) {
        const r = await runWorkflow(deps, {
          workflow: alert,
          mode: 'webhook',
          startNode: 'Payment failed',
          triggerItems: hook({ amount, currency: 'EUR', customer: 'Fictional Ltd' }),
        });
        expect(r.status).toBe('success');
        expect(webhookAnswer(alert.nodes[0]!, r)?.body).toMatchObject({ severity });
      }

      const digest = await runWorkflow(deps, {
        workflow: load('Demo: daily portfolio digest'),
        mode: 'manual',
        triggerItems: [{ json: { venture: 'a', mrr: 10 } }, { json: { venture: 'b', mrr: 30 } }],
      });
      expect(digest.status).toBe('success');
      expect(digest.lastNodeOutput.map((i) => i.json)).toEqual([
        {
          generatedAt: null,
          ventures: 2,
          totalMrr: 40,
          top: ['b', 'a'],
          subject: 'Demo portfolio digest: 2 venture(s), MRR 40',
          fictional: true,
        },
      ]);
    } finally {
      evaluator.dispose();
    }
  });
});

describe.each(storages)('iza demo flow on $name', { timeout: 120_000 }, (storage) => {
  let w: PortfolioWorld;
  let drop: () => Promise<void>;
  let ledger: LedgerService;
  let second: Scope;
  let workflows: WorkflowsService;
  const today = '2026-03-15';

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createPortfolioWorld(created.target);
    ledger = createLedgerService({ db: w.kernel.db, clock: w.clock, audit: w.access.audit });
    workflows = createWorkflowsService({
      db: w.kernel.db,
      clock: w.clock,
      audit: w.access.audit,
      events: w.kernel.events,
      registry: createNodeRegistry(),
    });
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

  it('books every month of the KPI history, each month at its revenue KPI', () => {
    const plan = planDemo(7, 6, today);
    for (const venture of plan) {
      const revenue = venture.kpis.filter((k) => k.metric === 'revenue' && k.value !== '0');
      expect(venture.books.map((b) => [b.month, String(b.revenue)])).toEqual(
        revenue.map((k) => [k.day, k.value]),
      );
      for (const b of venture.books) {
        expect(b.expenses).toBeGreaterThanOrEqual((b.revenue * 2n) / 5n);
        expect(b.expenses).toBeLessThanOrEqual((b.revenue * 9n) / 10n + 1n);
      }
    }
    expect(plan.filter((p) => p.books.length === 12)).toHaveLength(5);
    // The last three months are what earlier versions booked under the same ids: a second
    // run on an installation holding those books finds them booked (`exists`).
    expect(plan[0]!.books.slice(-3).map((b) => `${b.month} ${b.revenue} ${b.expenses}`)).toEqual([
      '2025-12 619663 419422',
      '2026-01 718689 634599',
      '2026-02 780425 635121',
    ]);
    expect(plan[4]!.books.slice(-3).map((b) => `${b.month} ${b.revenue} ${b.expenses}`)).toEqual([
      '2025-12 240557 148702',
      '2026-01 255206 139503',
      '2026-02 298430 266504',
    ]);
  });

  it('fills two organisations identically from one seed, with ledger entities and books', async () => {
    const first = await runDemo(localDemoPorts(w.portfolio, ledger, w.scope, workflows), {
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
    // two transfers (revenue, expenses) per month of revenue, over the twelve months
    const planned = planDemo(7, 6, today);
    expect(first.ledger.transfers).toBe(2 * planned.reduce((n, p) => n + p.books.length, 0));
    expect(first.ledger.transfers).toBe(2 * 5 * 12);
    expect(first).toMatchObject({ workflows: 3, workflowWarnings: [] });
    const other = await runDemo(localDemoPorts(w.portfolio, ledger, second, workflows), {
      seed: 7,
      ventures: 6,
      today,
    });
    // each organisation has its own webhook paths: the second organisation's demo webhooks
    // are active too, on its own URLs
    expect(other.workflows).toBe(3);
    expect(other.workflowWarnings).toEqual([]);
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
    // the first venture's books: each month of its KPIs, revenue booked as its revenue KPI
    const journal = await ledger.listTransfers(w.scope.orgId, {
      entityId: entities.find((e) => e.code === 'DEMO-001')!.id,
      limit: 100,
    });
    const revenue = journal.transfers.filter((t) => t.description?.startsWith('Demo revenue'));
    const kpis = a[0]!.kpis.filter(([metric]) => metric === 'revenue');
    expect(revenue.map((t) => [t.effectiveAt.toISOString().slice(0, 7), String(t.amount)])).toEqual(
      kpis.map(([, day, value]) => [String(day).slice(0, 7), value]),
    );
    expect(journal.transfers).toHaveLength(24);
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

  it('imports the sample workflows once, the webhook ones active, every one activatable', async () => {
    const list = async () =>
      (await workflows.list(w.scope.orgId, { limit: 100, offset: 0 })).workflows;
    const rows = await list();
    expect(rows.map((r) => [r.name, r.active, r.tags])).toEqual([
      ['Demo: daily portfolio digest', false, ['demo']],
      ['Demo: failed payment alert', true, ['demo']],
      ['Demo: venture KPI webhook', true, ['demo']],
    ]);
    expect(rows.every((r) => (r.unsupported as unknown[]).length === 0)).toBe(true);
    const digest = rows.find((r) => !r.active)!;
    expect((await workflows.setActive(w.scope.orgId, digest.id, true)).active).toBe(true);
    await workflows.setActive(w.scope.orgId, digest.id, false);

    // a second run (--force, same seed) adds no workflow twice
    await w.portfolio.deleteDemoVentures(w.scope);
    const again = await runDemo(localDemoPorts(w.portfolio, ledger, w.scope, workflows), {
      seed: 7,
      ventures: 6,
      today,
      force: true,
    });
    expect(again).toMatchObject({ ventures: 6, workflows: 0, workflowWarnings: [] });
    expect((await list()).map((r) => r.id)).toEqual(rows.map((r) => r.id));
  });

  it('completes an interrupted run when run again, without --force', async () => {
    const org = await w.access.users.createAdmin({
      organisation: 'Resume Studio',
      email: 'admin@resume.test',
      name: 'Res',
      password: 'correct horse battery staple',
    });
    const scope: Scope = { orgId: org.organisation.id, ventureIds: null };
    const ports = localDemoPorts(w.portfolio, ledger, scope, workflows);
    // The run stops after its fourth venture (a stopped command, a refused request).
    let created = 0;
    const interrupted = {
      ...ports,
      createVenture: async (input: Parameters<typeof ports.createVenture>[0]) => {
        if (++created > 4) throw new Error('connection lost');
        return ports.createVenture(input);
      },
    };
    await expect(runDemo(interrupted, { seed: 7, ventures: 6, today })).rejects.toThrow(
      'connection lost',
    );
    expect((await w.portfolio.listVentures(scope, {})).total).toBe(4);

    const resumed = await runDemo(ports, { seed: 7, ventures: 6, today });
    expect(resumed).toMatchObject({ ventures: 6, venturesThere: 4, workflows: 3 });
    const again = await runDemo(ports, { seed: 7, ventures: 6, today });
    expect(again).toMatchObject({ ventures: 6, venturesThere: 6, workflows: 0 });
    expect(again.ledger).toMatchObject({ entities: 0, reused: 7, transfers: 0 });
    const page = await w.portfolio.listVentures(scope, { sort: 'slug' });
    expect(page.ventures.map((v) => v.slug)).toEqual(
      planDemo(7, 6, today)
        .map((p) => p.input.slug)
        .sort(),
    );
    for (const v of page.ventures) {
      expect((await w.portfolio.series(scope, v.id)).kpis.length).toBeGreaterThanOrEqual(36);
    }
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
    await workflows.create(w.scope.orgId, {
      name: 'Demo: not from the demo (no tag)',
      nodes: [
        {
          name: 'Start',
          type: 'n8n-nodes-base.manualTrigger',
          typeVersion: 1,
          position: [0, 0],
          parameters: {},
        },
      ],
      connections: {},
    });
    const reset = await resetDemo(localDemoPorts(w.portfolio, ledger, w.scope, workflows));
    expect(reset.ventures).toBe(6);
    expect(reset.workflows).toBe(3);
    expect(reset.note).toMatch(/ledger entities .* stay/);
    const kept = await workflows.list(w.scope.orgId, { limit: 100, offset: 0 });
    expect(kept.workflows.map((r) => r.name)).toEqual(['Demo: not from the demo (no tag)']);
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
    // without the workflows port (bench, the web-server helper) the demo skips them
    expect(again.workflows).toBe(0);
    expect(again.ledger.alreadyBooked).toBeGreaterThan(0);
    const after = (await snapshot(w.scope)).filter((v) => v.demo);
    expect(after).toEqual(await snapshot(second));
  });
});
