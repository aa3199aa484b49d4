import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { createPortfolioWorld, type PortfolioWorld } from './portfolio.test-support.ts';
import type { Scope } from './portfolio.types.ts';
import { normaliseViewQuery } from './views.service.ts';

describe('normaliseViewQuery', () => {
  it('keeps the keys the list understands, in one order, and names a bad value', () => {
    expect(normaliseViewQuery('?sort=mrr&order=desc&category=financial&evil=1&search=')).toBe(
      'category=financial&sort=mrr&order=desc',
    );
    expect(() => normaliseViewQuery('sort=drop table')).toThrow(/query.sort/);
    expect(() => normaliseViewQuery('currency=eur')).toThrow(/query.currency/);
  });
});

describe.each(storages)('saved views on $name', { timeout: 60_000 }, (storage) => {
  let w: PortfolioWorld;
  let drop: () => Promise<void>;
  let colleague: string;
  let other: { scope: Scope; userId: string };

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createPortfolioWorld(created.target);
    colleague = (
      await w.access.users.addMember(
        w.scope.orgId,
        {
          email: 'viewer@gamma.test',
          name: 'Vi Ewer',
          password: 'viewer password 123',
          role: 'viewer',
        },
        'admin',
      )
    ).id;
    const admin = await w.access.users.createAdmin({
      organisation: 'Other Studio',
      email: 'admin@other.test',
      name: 'Oto Admin',
      password: 'correct horse battery staple',
    });
    other = { scope: { orgId: admin.organisation.id, ventureIds: null }, userId: admin.user.id };
  });

  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  it('keeps a person’s views to them, shares the shared ones, replaces by name', async () => {
    const mine = await w.portfolio.saveView(w.scope, colleague, {
      name: 'Fintech by MRR',
      query: 'category=financial&sort=mrr&order=desc',
    });
    expect(mine).toMatchObject({ shared: false, mine: true });
    const team = await w.portfolio.saveView(w.scope, w.ownerId, {
      name: 'Stale first',
      query: 'sort=lastKpi&order=asc',
      shared: true,
    });
    expect((await w.portfolio.listViews(w.scope, colleague)).map((v) => [v.name, v.mine])).toEqual([
      ['Fintech by MRR', true],
      ['Stale first', false],
    ]);
    // The admin does not see the viewer's personal view.
    expect((await w.portfolio.listViews(w.scope, w.ownerId)).map((v) => v.name)).toEqual([
      'Stale first',
    ]);
    const replaced = await w.portfolio.saveView(w.scope, colleague, {
      name: 'Fintech by MRR',
      query: 'category=financial&sort=health',
    });
    expect(replaced.id).toBe(mine.id);
    expect(replaced.query).toBe('category=financial&sort=health');
    // Another organisation sees none of them, and cannot delete them.
    expect(await w.portfolio.listViews(other.scope, other.userId)).toEqual([]);
    await expect(
      w.portfolio.deleteView(other.scope, other.userId, true, team.id),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lets only the author, or an administrator for a shared view, delete one', async () => {
    const [personal] = await w.portfolio.listViews(w.scope, colleague);
    const shared = (await w.portfolio.listViews(w.scope, colleague)).find((v) => v.shared)!;
    await expect(
      w.portfolio.deleteView(w.scope, colleague, false, shared.id),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      w.portfolio.deleteView(w.scope, w.ownerId, true, personal!.id),
    ).rejects.toMatchObject({ code: 'not_found' });
    await w.portfolio.deleteView(w.scope, w.ownerId, true, shared.id);
    await w.portfolio.deleteView(w.scope, colleague, false, personal!.id);
    expect(await w.portfolio.listViews(w.scope, colleague)).toEqual([]);
    const audited = (await w.kernel.db.execute(
      sql`select action from audit_log where org_id = ${w.scope.orgId}
          and action like 'portfolio.view.%' order by seq`,
    )) as { rows: { action: string }[] };
    expect(audited.rows.map((r) => r.action)).toEqual([
      'portfolio.view.save',
      'portfolio.view.save',
      'portfolio.view.save',
      'portfolio.view.delete',
      'portfolio.view.delete',
    ]);
  });
});
