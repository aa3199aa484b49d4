import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import { createPortfolioModule } from '../../src/portfolio/index.ts';
import { buildApp } from '../../src/server/index.ts';
import { createAccessWorld, LOCAL_TOKEN, type AccessWorld } from '../helpers/access.ts';
import { createTestKernel } from '../helpers/kernel.ts';
import { storages } from '../helpers/storage.ts';

/** Reads a Server-Sent Events stream until `done(text so far)` or the stream ends. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  done: (text: string) => boolean,
  seen = { text: '' },
): Promise<{ text: string; ended: boolean }> {
  const decoder = new TextDecoder();
  while (!done(seen.text)) {
    const chunk = await reader.read();
    if (chunk.done) return { text: seen.text, ended: true };
    seen.text += decoder.decode(chunk.value, { stream: true });
  }
  return { text: seen.text, ended: false };
}

describe.each(storages)('portfolio over HTTP on $name', { timeout: 120_000 }, (storage) => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let admin: Record<string, string>;
  let otherAdmin: Record<string, string>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
    admin = { authorization: w.callers.find((c) => c.role === 'admin')!.authorization! };
    otherAdmin = {
      authorization: w.callers.find((c) => c.role === 'other-org-admin')!.authorization!,
    };
    for (const [slug, category] of [
      ['alpha', 'financial'],
      ['bravo', 'ecommerce'],
    ] as const) {
      const res = await w.inject({
        method: 'POST',
        url: '/api/v1/portfolio/ventures',
        headers: admin,
        payload: {
          slug,
          name: `Venture ${slug}`,
          category,
          stage: 'launched',
          tags: ['demo-free'],
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      ids[slug] = res.json().data.id;
    }
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  it('creates, lists, updates and archives ventures', async () => {
    const list = await w.inject({
      method: 'GET',
      url: '/api/v1/portfolio/ventures?sort=name&order=desc&limit=1',
      headers: admin,
    });
    expect(list.json().data).toMatchObject({ total: 2, ventures: [{ slug: 'bravo' }] });
    const page2 = await w.inject({
      method: 'GET',
      url: `/api/v1/portfolio/ventures?sort=name&order=desc&limit=1&cursor=${list.json().data.nextCursor}`,
      headers: admin,
    });
    expect(page2.json().data.ventures[0].slug).toBe('alpha');
    const patch = await w.inject({
      method: 'PATCH',
      url: '/api/v1/portfolio/ventures/bravo',
      headers: admin,
      payload: { stage: 'growing', siteUrl: 'https://bravo.example' },
    });
    expect(patch.json().data).toMatchObject({ stage: 'growing', siteUrl: 'https://bravo.example' });
    const bad = await w.inject({
      method: 'PATCH',
      url: '/api/v1/portfolio/ventures/bravo',
      headers: admin,
      payload: { siteUrl: 'javascript:alert(1)' },
    });
    expect(bad.statusCode).toBe(400);
    const hidden = await w.inject({
      method: 'GET',
      url: '/api/v1/portfolio/ventures/bravo',
      headers: otherAdmin,
    });
    expect(hidden.statusCode).toBe(404);
  });

  it('limits an API key with ventureIds to those ventures', async () => {
    const key = await w.access.apiKeys.create(
      w.orgA,
      { name: 'alpha only', role: 'editor', ventureIds: [ids.alpha!] },
      { role: 'system', userId: null },
    );
    const headers = { authorization: `Bearer ${key.key}` };
    const list = await w.inject({ method: 'GET', url: '/api/v1/portfolio/ventures', headers });
    expect(list.json().data.ventures.map((v: { slug: string }) => v.slug)).toEqual(['alpha']);
    expect(
      (await w.inject({ method: 'GET', url: '/api/v1/portfolio/ventures/bravo', headers }))
        .statusCode,
    ).toBe(404);
    expect(
      (
        await w.inject({
          method: 'PATCH',
          url: `/api/v1/portfolio/ventures/${ids.bravo}`,
          headers,
          payload: { name: 'Mine now' },
        })
      ).statusCode,
    ).toBe(404);
    const create = await w.inject({
      method: 'POST',
      url: '/api/v1/portfolio/ventures',
      headers,
      payload: { slug: 'charlie', name: 'Charlie', category: 'community' },
    });
    expect(create.statusCode).toBe(403);
    expect(create.json().error.code).toBe('venture_scope');
    const post = (ventureId: string) =>
      w.inject({
        method: 'POST',
        url: '/api/v1/portfolio/kpis',
        headers,
        payload: { kpis: [{ ventureId, metric: 'customers', day: '2026-01', value: '7' }] },
      });
    expect((await post(ids.bravo!)).statusCode).toBe(400);
    expect((await post(ids.alpha!)).json().data).toMatchObject({ written: 1 });
    const csv = await w.inject({
      method: 'POST',
      url: '/api/v1/portfolio/kpis/import',
      headers: { ...headers, 'content-type': 'text/csv' },
      payload: 'venture,metric,date,value\nbravo,customers,2026-01,3\n',
    });
    expect(csv.json().data.errors).toEqual([
      { row: 2, column: 'venture', reason: 'no open venture "bravo"' },
    ]);
    const rollup = await w.inject({ method: 'GET', url: '/api/v1/portfolio/rollups', headers });
    expect(rollup.json().data.portfolio.ventures.total).toBe(1);
  });

  it('imports CSV as text/csv or JSON, with a dry run', async () => {
    const csv =
      'venture,metric,date,value,currency\nalpha,revenue,2026-02,99.95,EUR\nalpha,mrr,2026-02,abc,EUR\n';
    const dry = await w.inject({
      method: 'POST',
      url: '/api/v1/portfolio/kpis/import?dryRun=true',
      headers: { ...admin, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json().data).toEqual({
      dryRun: true,
      rows: 2,
      valid: 1,
      applied: 0,
      errors: [{ row: 3, column: 'value', reason: '"abc" is not a number' }],
    });
    const real = await w.inject({
      method: 'POST',
      url: '/api/v1/portfolio/kpis/import',
      headers: admin,
      payload: { csv },
    });
    expect(real.json().data).toMatchObject({ applied: 1 });
    const series = await w.inject({
      method: 'GET',
      url: '/api/v1/portfolio/ventures/alpha/kpis?metrics=revenue',
      headers: admin,
    });
    expect(series.json().data.kpis).toEqual([
      {
        ventureId: ids.alpha,
        metric: 'revenue',
        day: '2026-02-01',
        period: 'month',
        value: '9995',
        currency: 'EUR',
      },
    ]);
    const health = await w.inject({
      method: 'GET',
      url: '/api/v1/portfolio/ventures/alpha/health?asOf=2026-02-10',
      headers: admin,
    });
    expect(health.json().data).toMatchObject({ slug: 'alpha', asOf: '2026-02-10' });
    expect(health.json().data.components).toHaveLength(5);
  });

  it('streams KPI events of the caller’s organisation only, and ends on shutdown', async () => {
    const url = await w.app.listen({ port: 0, host: '127.0.0.1' });
    const notSse = await w.inject({
      method: 'GET',
      url: '/api/v1/portfolio/events',
      headers: admin,
    });
    expect(notSse.statusCode).toBe(400);
    const response = await fetch(`${url}/api/v1/portfolio/events`, {
      headers: { ...admin, accept: 'text/event-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const reader = response.body!.getReader();
    const seen = { text: '' };
    await readUntil(reader, (t) => t.includes(': connected'), seen);

    // Another organisation's KPIs are not relayed.
    const beta = await w.inject({
      method: 'POST',
      url: '/api/v1/portfolio/ventures',
      headers: otherAdmin,
      payload: { slug: 'zulu', name: 'Zulu', category: 'technology' },
    });
    await w.inject({
      method: 'POST',
      url: '/api/v1/portfolio/kpis',
      headers: otherAdmin,
      payload: {
        kpis: [{ ventureId: beta.json().data.id, metric: 'customers', day: '2026-03', value: '1' }],
      },
    });
    const posted = await w.inject({
      method: 'POST',
      url: '/api/v1/portfolio/kpis',
      headers: admin,
      payload: {
        kpis: [
          { ventureId: ids.alpha, metric: 'mrr', day: '2026-03', value: '1200', currency: 'EUR' },
          { ventureId: ids.alpha, metric: 'customers', day: '2026-03', value: '12' },
        ],
      },
    });
    expect(posted.statusCode, posted.body).toBe(200);
    const { text } = await readUntil(
      reader,
      (t) => t.includes('event: ') && t.includes('\n\n', t.indexOf('event: ')),
      seen,
    );
    const block = text.slice(text.indexOf('event: ')).split('\n\n')[0]!;
    expect(block).toMatch(/^event: portfolio\.kpi\.posted\nid: [0-9a-f-]{36}\ndata: /);
    const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Record<string, unknown>;
    expect(data).toMatchObject({
      ventureId: ids.alpha,
      metrics: ['customers', 'mrr'],
      from: '2026-03-01',
      to: '2026-03-01',
      count: 2,
    });
    expect(data).not.toHaveProperty('orgId');
    expect(text).not.toContain(beta.json().data.id);

    const closing = w.app.close();
    const end = await readUntil(reader, () => false, seen);
    expect(end.ended).toBe(true);
    await closing;
  });
});

describe('portfolio event stream heartbeat', () => {
  it('sends a comment line at the heartbeat interval', { timeout: 60_000 }, async () => {
    const kernel = await createTestKernel({ target: { kind: 'memory' }, workJobs: false });
    const access = createAccess(kernel);
    const { organisation } = await access.users.createAdmin({
      organisation: 'Heartbeat Studio',
      email: 'admin@heartbeat.test',
      name: 'Hal',
      password: 'correct horse battery staple',
    });
    const app = await buildApp({
      kernel,
      access,
      localAdminToken: LOCAL_TOKEN,
      modules: [createPortfolioModule({ kernel, access }, { heartbeatMs: 50 })],
    });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const response = await fetch(`${url}/api/v1/portfolio/events`, {
        headers: {
          authorization: `Bearer ${LOCAL_TOKEN}`,
          'x-iza-org': organisation.slug,
          accept: 'text/event-stream',
        },
      });
      const reader = response.body!.getReader();
      const { text } = await readUntil(reader, (t) => t.includes(': heartbeat'));
      expect(text).toContain(': connected');
      await reader.cancel();
    } finally {
      await app.close();
      await kernel.close();
    }
  });
});
