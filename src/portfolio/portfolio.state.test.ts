import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { createPortfolioStates, type PortfolioState } from './portfolio.state.ts';
import { createPortfolioWorld, type PortfolioWorld } from './portfolio.test-support.ts';
import type { KpiInput } from './portfolio.types.ts';

/**
 * The kept state of an organisation's ventures is brought up to date from what changed, whoever
 * wrote it: here the writes go through the service while the states are asked separately (as
 * another process's would be, with no event between them), and after every round the kept state
 * must equal one read afresh, with the ventures that did not change kept as the same objects.
 */
describe.each(storages)('portfolio state on $name', { timeout: 120_000 }, (storage) => {
  let w: PortfolioWorld;
  let drop: () => Promise<void>;
  const window = ['2025-09', '2026-03', '2026-03-15'] as const;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createPortfolioWorld(created.target);
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  const fresh = () => createPortfolioStates(w.kernel.db).state(w.scope.orgId, ...window);
  /** The state as plain data, ventures ordered by id. */
  const plain = (state: PortfolioState) =>
    [...state.ventures.values()].sort((a, b) => (a.id < b.id ? -1 : 1));

  it('equals a fresh read after every round of random writes, and re-reads only what changed', async () => {
    // A seeded generator, so a failure can be replayed.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push(
        (
          await w.portfolio.createVenture(w.scope, {
            slug: `v${i}`,
            name: `Venture ${i}`,
            category: pick(['financial', 'technology']),
            stage: 'growing',
            demo: i >= 6,
          })
        ).id,
      );
    }
    const kept = createPortfolioStates(w.kernel.db);
    const state = () => kept.state(w.scope.orgId, ...window);
    let before = await state();
    expect(plain(before)).toEqual(plain(await fresh()));

    for (let round = 0; round < 12; round++) {
      const open = plain(before).map((v) => v.id);
      const touched = new Set<string>();
      const action =
        round === 9 ? 'delete' : pick(['kpis', 'kpis', 'kpis', 'update', 'archive', 'create']);
      if (action === 'kpis') {
        const items: KpiInput[] = [];
        for (let i = 0; i < 1 + Math.floor(random() * 6); i++) {
          const ventureId = pick(open);
          touched.add(ventureId);
          const metric = pick(['mrr', 'revenue', 'customers', 'churn']);
          // Days inside the window, after its day (2026-03-15) and before the window.
          const day = pick([
            '2025-06-10',
            '2025-10',
            '2025-12-31',
            '2026-02-03',
            '2026-03-02',
            '2026-03-20',
          ]);
          items.push({
            ventureId,
            metric,
            day,
            value: String(Math.floor(random() * 100_000)),
            ...(metric === 'mrr' || metric === 'revenue' ? { currency: pick(['EUR', 'USD']) } : {}),
            ...(metric === 'churn' ? { value: String(Math.floor(random() * 2_000)) } : {}),
          });
        }
        // One value per venture, metric and day in a batch.
        const unique = [
          ...new Map(items.map((i) => [`${i.ventureId}${i.metric}${i.day}`, i])).values(),
        ];
        await w.portfolio.postKpis(w.scope, unique);
      } else if (action === 'update') {
        const id = pick(open);
        touched.add(id);
        await w.portfolio.updateVenture(w.scope, id, {
          category: pick(['financial', 'technology']),
        });
      } else if (action === 'archive') {
        await w.portfolio.archiveVenture(w.scope, pick(open));
      } else if (action === 'create') {
        ids.push(
          (
            await w.portfolio.createVenture(w.scope, {
              slug: `n${round}`,
              name: `New ${round}`,
              category: 'technology',
              stage: 'idea',
            })
          ).id,
        );
      } else {
        await w.portfolio.deleteDemoVentures(w.scope);
      }
      const after = await state();
      expect(plain(after), `round ${round} (${action})`).toEqual(plain(await fresh()));
      if (action === 'kpis' || action === 'update') {
        // Only the ventures written to were read again.
        for (const [id, venture] of after.ventures) {
          if (touched.has(id)) continue;
          expect(venture, `round ${round}: ${id} kept`).toBe(before.ventures.get(id));
        }
      }
      before = after;
    }
    // Every kind of venture state showed up: future KPIs kept apart, and churn.
    const months = plain(before).flatMap((v) => v.months);
    expect(months.some((m) => m.future)).toBe(true);
    expect(months.some((m) => m.metric === 'churn')).toBe(true);
    expect(months.some((m) => m.month < window[0])).toBe(false);
  });

  it('lets batches posting to the same venture at once all succeed, one after the other', async () => {
    const venture = await w.portfolio.createVenture(w.scope, {
      slug: 'busy',
      name: 'Busy',
      category: 'technology',
      stage: 'growing',
    });
    for (let round = 0; round < 5; round++) {
      // New days: each insert takes a key-share lock on the venture (its foreign key) before
      // the batch records the change on it.
      const results = await Promise.allSettled(
        [1, 2, 3].map((n) =>
          w.portfolio.postKpis(w.scope, [
            {
              ventureId: venture.id,
              metric: 'customers',
              day: `2024-0${n}-1${round}`,
              value: String(round * 10 + n),
            },
          ]),
        ),
      );
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
        'ok',
        'ok',
        'ok',
      ]);
    }
  });

  it('keeps the same state while nothing changed, and a value equal to the stored one is no change', async () => {
    const kept = createPortfolioStates(w.kernel.db);
    const first = await kept.state(w.scope.orgId, ...window);
    expect(await kept.state(w.scope.orgId, ...window)).toBe(first);
    const [venture] = [...first.ventures.values()];
    const kpi = { ventureId: venture!.id, metric: 'customers', day: '2026-03-01', value: '77' };
    await w.portfolio.postKpis(w.scope, [kpi]);
    const posted = await kept.state(w.scope.orgId, ...window);
    expect(posted).not.toBe(first);
    expect(posted.ventures.get(venture!.id)).not.toBe(venture);
    await w.portfolio.postKpis(w.scope, [kpi]);
    const again = await kept.state(w.scope.orgId, ...window);
    expect(again.ventures.get(venture!.id)).toBe(posted.ventures.get(venture!.id));
  });
});
