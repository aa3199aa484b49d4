import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

const webhook = (name: string, parameters: Record<string, unknown>, typeVersion = 2) => ({
  id: `id-${name}`,
  name,
  type: 'n8n-nodes-base.webhook',
  typeVersion,
  position: [0, 0],
  webhookId: `hook-${name}`,
  parameters,
});
const setNode = (name: string, field: string, value: string) => ({
  name,
  type: 'n8n-nodes-base.set',
  typeVersion: 3.4,
  position: [200, 0],
  parameters: {
    assignments: { assignments: [{ id: field, name: field, value, type: 'string' }] },
    options: {},
  },
});
const manualStart = {
  name: 'Start',
  type: 'n8n-nodes-base.manualTrigger',
  typeVersion: 1,
  position: [0, 0],
  parameters: {},
};
/** Organisation A's webhook URLs (two organisations: no un-prefixed default). */
const hooks = '/o/alpha-studio';

const link = (from: string, to: string) => ({
  [from]: { main: [[{ node: to, type: 'main', index: 0 }]] },
});

/** The benchmark's workflow shape: Webhook -> Set -> Respond to Webhook. */
const respondWorkflow = (path: string) => ({
  name: `respond ${path}`,
  settings: { executionOrder: 'v1' },
  nodes: [
    webhook('Webhook', { httpMethod: 'GET', path, responseMode: 'responseNode', options: {} }),
    setNode('Set', 'msg', "=hello {{ $json.query.name || 'world' }}"),
    {
      name: 'Respond to Webhook',
      type: 'n8n-nodes-base.respondToWebhook',
      typeVersion: 1.1,
      position: [400, 0],
      parameters: { respondWith: 'firstIncomingItem', options: {} },
    },
  ],
  connections: { ...link('Webhook', 'Set'), ...link('Set', 'Respond to Webhook') },
  pinData: {},
});

const lastNodeWorkflow = (path: string, method = 'POST') => ({
  name: `last ${path}`,
  nodes: [
    webhook('Hook', { httpMethod: method, path, responseMode: 'lastNode', options: {} }),
    setNode('Shape', 'got', '={{ $json.body.value }}'),
  ],
  connections: link('Hook', 'Shape'),
});

const unsupportedWorkflow = {
  name: 'slack',
  nodes: [
    webhook('Hook', { httpMethod: 'GET', path: 'slack', options: {} }),
    {
      name: 'Slack',
      type: 'n8n-nodes-base.slack',
      typeVersion: 2,
      position: [200, 0],
      parameters: {},
    },
  ],
  connections: link('Hook', 'Slack'),
};

const httpWorkflow = (url: string) => ({
  name: 'fetch loopback',
  nodes: [
    {
      name: 'Start',
      type: 'n8n-nodes-base.manualTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    {
      name: 'Fetch',
      type: 'n8n-nodes-base.httpRequest',
      typeVersion: 4.2,
      position: [200, 0],
      parameters: { url, options: {} },
    },
  ],
  connections: link('Start', 'Fetch'),
});

describe.each(storages)('workflows over HTTP on $name', { timeout: 120_000 }, (storage) => {
  let w: AccessWorld;
  let strict: AccessWorld;
  let drops: (() => Promise<void>)[] = [];
  let admin: Record<string, string>;
  let viewer: Record<string, string>;
  let strictAdmin: Record<string, string>;
  let loopback: Server;
  let loopbackUrl: string;

  const headersOf = (world: AccessWorld, role: string) => ({
    authorization: world.callers.find((c) => c.role === role)!.authorization!,
  });
  const create = async (body: unknown, headers = admin, world = w) => {
    const res = await world.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers,
      payload: body as object,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { id: string; version: number; unsupported: unknown[] };
  };

  beforeAll(async () => {
    loopback = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ secret: 'internal' }));
    });
    await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
    loopbackUrl = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}/data`;
    const a = await storage.create();
    const b = await storage.create();
    drops = [a.drop, b.drop];
    w = await createAccessWorld(a.target);
    strict = await createAccessWorld(b.target, {
      IZA_WORKFLOWS_KEEP_ONLY_FAILURES: 'true',
      IZA_WORKFLOWS_ALLOW_PRIVATE_NETWORKS: '127.0.0.1',
    });
    admin = headersOf(w, 'admin');
    viewer = headersOf(w, 'viewer');
    strictAdmin = headersOf(strict, 'admin');
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await strict?.close();
    for (const drop of drops) await drop();
    loopback?.close();
  });

  it('imports many files with a report per file', async () => {
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/workflows/import',
      headers: admin,
      payload: {
        files: [
          { file: 'good.json', content: JSON.stringify(respondWorkflow('import-good')) },
          { file: 'slack.json', content: unsupportedWorkflow },
          { file: 'broken.json', content: '{"nodes": [' },
          { file: 'empty.json', content: { name: 'no nodes' } },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data).toMatchObject({ imported: 1, importedUnsupported: 1, refused: 2 });
    expect(data.files[0]).toMatchObject({ file: 'good.json', status: 'imported' });
    expect(data.files[1]).toMatchObject({
      status: 'imported_unsupported',
      unsupported: [{ type: 'n8n-nodes-base.slack', nodes: ['Slack'] }],
    });
    expect(data.files[2]).toMatchObject({ status: 'refused', code: 'malformed_json' });
    expect(data.files[3]).toMatchObject({ status: 'refused', code: 'missing_nodes' });

    const bad = await w.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: admin,
      payload: { nodes: 'nope' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ success: false, error: { code: 'validation_failed' } });
    const denied = await w.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: viewer,
      payload: respondWorkflow('viewer'),
    });
    expect(denied.statusCode).toBe(403);
  });

  it('imports, activates and runs what current n8n writes: newer minor versions, nulls', async () => {
    const current = respondWorkflow('n8n-current');
    const nodes = current.nodes.map((node) => ({
      ...node,
      // n8n 2.41's versions of these nodes, and a field it leaves null.
      typeVersion: { Webhook: 2.1, Set: 3.5, 'Respond to Webhook': 1.5 }[node.name],
      notes: null,
    }));
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/workflows/import',
      headers: admin,
      payload: {
        files: [{ file: 'current.json', content: JSON.stringify({ ...current, nodes }) }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [file] = res.json().data.files;
    expect(file).toMatchObject({ status: 'imported' });
    expect(file.warnings).toEqual([
      'n8n-nodes-base.set v3.5 is newer than this build knows: runs as v3.4 ("Set")',
      'n8n-nodes-base.respondToWebhook v1.5 is newer than this build knows: runs as v1.4 ("Respond to Webhook")',
    ]);
    const activated = await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${file.id}/activate`,
      headers: admin,
    });
    expect(activated.statusCode, activated.body).toBe(200);
    const answer = await w.inject({ method: 'GET', url: `${hooks}/webhook/n8n-current?name=ada` });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ msg: 'hello ada' });
  });

  it("finds workflows by part of their name, in the caller's organisation only", async () => {
    await create({ ...respondWorkflow('search-a'), name: 'Invoice 100% sync' });
    await create({ ...respondWorkflow('search-b'), name: 'invoice_reminder' });
    const other = headersOf(w, 'other-org-admin');
    await create({ ...respondWorkflow('search-c'), name: 'Invoice of beta' }, other);
    const names = async (search: string, headers = admin) => {
      const res = await w.inject({
        method: 'GET',
        url: `/api/v1/workflows?search=${encodeURIComponent(search)}`,
        headers,
      });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().data.workflows as { name: string }[]).map((x) => x.name).sort();
    };
    expect(await names('INVOICE')).toEqual(['Invoice 100% sync', 'invoice_reminder']);
    // LIKE wildcards in the text are plain characters.
    expect(await names('100%')).toEqual(['Invoice 100% sync']);
    expect(await names('e_r')).toEqual(['invoice_reminder']);
    expect(await names('invoice', other)).toEqual(['Invoice of beta']);
  });

  it('keeps every save as a version and exports n8n JSON that round-trips', async () => {
    const original = respondWorkflow('versions');
    const { id } = await create(original);
    const changed = { ...original, name: 'renamed' };
    const put = await w.inject({
      method: 'PUT',
      url: `/api/v1/workflows/${id}`,
      headers: admin,
      payload: changed,
    });
    expect(put.json().data).toMatchObject({ version: 2, name: 'renamed' });
    const versions = await w.inject({
      method: 'GET',
      url: `/api/v1/workflows/${id}/versions`,
      headers: viewer,
    });
    expect(versions.json().data.versions.map((v: { version: number }) => v.version)).toEqual([
      2, 1,
    ]);
    const v1 = await w.inject({
      method: 'GET',
      url: `/api/v1/workflows/${id}/versions/1`,
      headers: viewer,
    });
    expect(v1.json().data.name).toBe(original.name);
    const exported = (
      await w.inject({ method: 'GET', url: `/api/v1/workflows/${id}/export`, headers: viewer })
    ).json().data;
    expect(exported).toMatchObject({ name: 'renamed', settings: original.settings });
    expect(exported.nodes).toEqual(original.nodes);
    expect(exported.connections).toEqual(original.connections);
    // Re-importing the export gives the same definition.
    const again = await create(exported);
    const reexported = (
      await w.inject({
        method: 'GET',
        url: `/api/v1/workflows/${again.id}/export`,
        headers: viewer,
      })
    ).json().data;
    expect({ ...reexported, id: undefined }).toEqual({ ...exported, id: undefined });
    // Other organisations do not see it.
    const other = await w.inject({
      method: 'GET',
      url: `/api/v1/workflows/${id}`,
      headers: headersOf(w, 'other-org-admin'),
    });
    expect(other.statusCode).toBe(404);
  });

  it('refuses to activate a workflow with unsupported node types, listing them', async () => {
    const { id } = await create(unsupportedWorkflow);
    const res = await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${id}/activate`,
      headers: admin,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toContain('n8n-nodes-base.slack');
    expect(res.json().error.details.unsupported[0].nodes).toEqual(['Slack']);
  });

  it('answers webhooks in every response mode, on production and test paths', async () => {
    const respond = await create(respondWorkflow('hello'));
    // Saved but inactive: only the test URL answers.
    const inactive = await w.inject({ method: 'GET', url: `${hooks}/webhook/hello?name=x` });
    expect(inactive.statusCode).toBe(404);
    expect(inactive.json()).toMatchObject({ success: false, error: { code: 'not_found' } });
    const test = await w.inject({
      method: 'GET',
      url: `${hooks}/webhook-test/hello?name=t`,
      headers: admin,
    });
    expect(test.statusCode, test.body).toBe(200);
    expect(test.json()).toMatchObject({ msg: 'hello t' });

    const act = await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${respond.id}/activate`,
      headers: admin,
    });
    expect(act.statusCode, act.body).toBe(200);
    expect(act.json().data.webhooks[0]).toEqual({
      method: 'GET',
      path: 'hello',
      node: 'Webhook',
      url: 'http://localhost:80/o/alpha-studio/webhook/hello',
      testUrl: 'http://localhost:80/o/alpha-studio/webhook-test/hello',
    });
    const prod = await w.inject({ method: 'GET', url: `${hooks}/webhook/hello?name=x` });
    expect(prod.statusCode).toBe(200);
    expect(prod.json()).toEqual({ msg: 'hello x' });

    const last = await create(lastNodeWorkflow('last'));
    await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${last.id}/activate`,
      headers: admin,
    });
    const posted = await w.inject({
      method: 'POST',
      url: `${hooks}/webhook/last`,
      payload: { value: 42 },
    });
    expect(posted.statusCode, posted.body).toBe(200);
    expect(posted.json()).toMatchObject({ got: '42' });
    const wrongMethod = await w.inject({ method: 'GET', url: `${hooks}/webhook/last` });
    expect(wrongMethod.statusCode).toBe(404);
    expect(wrongMethod.json().error.message).toContain('Did you mean to make a POST request?');

    const received = await create({
      name: 'on received',
      nodes: [webhook('Hook', { httpMethod: 'POST', path: 'received', options: {} })],
      connections: {},
    });
    await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${received.id}/activate`,
      headers: admin,
    });
    const ack = await w.inject({ method: 'POST', url: `${hooks}/webhook/received`, payload: {} });
    expect(ack.json()).toEqual({ message: 'Workflow was started' });

    const unknown = await w.inject({ method: 'GET', url: `${hooks}/webhook/nothing-here` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toContain('nothing-here');

    // A second active workflow cannot take the same method and path.
    const clash = await create(respondWorkflow('hello'));
    const refused = await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${clash.id}/activate`,
      headers: admin,
    });
    expect(refused.statusCode).toBe(409);

    // Deactivated: the production URL stops answering at once (cache invalidated).
    await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${respond.id}/deactivate`,
      headers: admin,
    });
    expect((await w.inject({ method: 'GET', url: `${hooks}/webhook/hello` })).statusCode).toBe(404);

    // Executions were recorded with their node data.
    const list = await w.inject({
      method: 'GET',
      url: `/api/v1/workflows/executions?workflow=${respond.id}&mode=webhook`,
      headers: viewer,
    });
    expect(list.json().data.total).toBe(2);
    const one = list.json().data.executions[0];
    expect(one).toMatchObject({
      status: 'succeeded',
      mode: 'webhook',
      lastNode: 'Respond to Webhook',
    });
    const detail = await w.inject({
      method: 'GET',
      url: `/api/v1/workflows/executions/${one.id}`,
      headers: viewer,
    });
    expect(detail.json().data.nodes.map((n: { node: string }) => n.node)).toEqual([
      'Webhook',
      'Set',
      'Respond to Webhook',
    ]);
  });

  it('runs a workflow manually and filters executions', async () => {
    const { id } = await create({
      name: 'manual',
      nodes: [manualStart, setNode('Set', 'x', '={{ 1 + 2 }}')],
      connections: link('Start', 'Set'),
    });
    const run = await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${id}/run`,
      headers: admin,
      payload: {},
    });
    expect(run.statusCode, run.body).toBe(200);
    expect(run.json().data).toMatchObject({
      status: 'succeeded',
      finished: true,
      output: [{ x: '3' }],
    });
    const failing = await create({
      name: 'failing',
      nodes: [
        manualStart,
        {
          name: 'Stop',
          type: 'n8n-nodes-base.stopAndError',
          typeVersion: 1,
          position: [200, 0],
          parameters: { errorMessage: 'boom' },
        },
      ],
      connections: link('Start', 'Stop'),
    });
    const failed = await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${failing.id}/run`,
      headers: admin,
      payload: {},
    });
    expect(failed.json().data).toMatchObject({
      status: 'failed',
      error: { message: 'boom', node: 'Stop' },
    });
    const byStatus = await w.inject({
      method: 'GET',
      url: '/api/v1/workflows/executions?status=failed&mode=manual',
      headers: viewer,
    });
    expect(
      byStatus.json().data.executions.map((e: { workflowId: string }) => e.workflowId),
    ).toEqual([failing.id]);
    const future = await w.inject({
      method: 'GET',
      url: '/api/v1/workflows/executions?from=2999-01-01T00:00:00Z',
      headers: viewer,
    });
    expect(future.json().data.total).toBe(0);
    const paged = await w.inject({
      method: 'GET',
      url: '/api/v1/workflows/executions?limit=1&offset=1',
      headers: viewer,
    });
    expect(paged.json().data.executions).toHaveLength(1);
    const badFilter = await w.inject({
      method: 'GET',
      url: '/api/v1/workflows/executions?status=exploded',
      headers: viewer,
    });
    expect(badFilter.statusCode).toBe(400);
  });

  it("saves custom data with an execution and finds executions by it, in the caller's organisation only", async () => {
    const tagged = (name: string) => ({
      name,
      nodes: [
        manualStart,
        {
          name: 'Execution Data',
          type: 'n8n-nodes-base.executionData',
          typeVersion: 1.1,
          position: [200, 0],
          parameters: {
            dataToSave: {
              values: [
                { key: 'orderId', value: '={{ $json.order }}' },
                { key: 'source', value: 'shop' },
              ],
            },
          },
        },
      ],
      connections: link('Start', 'Execution Data'),
    });
    const other = headersOf(w, 'other-org-admin');
    const mine = await create(tagged('tagged'));
    const theirs = await create(tagged('tagged elsewhere'), other);
    const run = async (id: string, order: string, headers = admin) => {
      const res = await w.inject({
        method: 'POST',
        url: `/api/v1/workflows/${id}/run`,
        headers,
        payload: { items: [{ order }] },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data as { id: string; customData: Record<string, string> };
    };
    const first = await run(mine.id, 'A-17');
    expect(first.customData).toEqual({ orderId: 'A-17', source: 'shop' });
    await run(mine.id, 'A-18');
    await run(theirs.id, 'A-17', other);

    const detail = await w.inject({
      method: 'GET',
      url: `/api/v1/workflows/executions/${first.id}`,
      headers: viewer,
    });
    expect(detail.json().data.customData).toEqual({ orderId: 'A-17', source: 'shop' });
    const found = async (filter: string, headers = viewer) => {
      const res = await w.inject({
        method: 'GET',
        url: `/api/v1/workflows/executions?customData=${encodeURIComponent(filter)}`,
        headers,
      });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().data.executions as { workflowId: string; customData: object }[]).map(
        (e) => [e.workflowId, e.customData],
      );
    };
    expect(await found('orderId:A-17')).toEqual([[mine.id, { orderId: 'A-17', source: 'shop' }]]);
    expect(await found('orderId')).toHaveLength(2);
    expect(await found('orderId:A-1')).toEqual([]);
    expect(await found('orderId:A-17', other)).toEqual([
      [theirs.id, { orderId: 'A-17', source: 'shop' }],
    ]);
    const bad = await w.inject({
      method: 'GET',
      url: `/api/v1/workflows/executions?customData=${encodeURIComponent('order id:1')}`,
      headers: viewer,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/customData/);
  });

  it('refuses loopback HTTP from a workflow unless the configuration allows it', async () => {
    const blocked = await create(httpWorkflow(loopbackUrl));
    const res = await w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${blocked.id}/run`,
      headers: admin,
      payload: {},
    });
    expect(res.json().data.status).toBe('failed');
    expect(res.json().data.error.message).toMatch(/private|loopback|not allowed|refused/i);

    const allowed = await create(httpWorkflow(loopbackUrl), strictAdmin, strict);
    const ok = await strict.inject({
      method: 'POST',
      url: `/api/v1/workflows/${allowed.id}/run`,
      headers: strictAdmin,
      payload: {},
    });
    expect(ok.json().data).toMatchObject({ status: 'succeeded', output: [{ secret: 'internal' }] });
  });

  it('keeps per-node data only for failures when configured', async () => {
    const good = await create(httpWorkflow(loopbackUrl), strictAdmin, strict);
    const bad = await create(httpWorkflow('http://127.0.0.2:1/none'), strictAdmin, strict);
    const okRun = (
      await strict.inject({
        method: 'POST',
        url: `/api/v1/workflows/${good.id}/run`,
        headers: strictAdmin,
        payload: {},
      })
    ).json().data;
    const badRun = (
      await strict.inject({
        method: 'POST',
        url: `/api/v1/workflows/${bad.id}/run`,
        headers: strictAdmin,
        payload: {},
      })
    ).json().data;
    expect(badRun.status).toBe('failed');
    const okDetail = (
      await strict.inject({
        method: 'GET',
        url: `/api/v1/workflows/executions/${okRun.id}`,
        headers: strictAdmin,
      })
    ).json().data;
    const badDetail = (
      await strict.inject({
        method: 'GET',
        url: `/api/v1/workflows/executions/${badRun.id}`,
        headers: strictAdmin,
      })
    ).json().data;
    expect(okDetail.nodes).toEqual([]);
    expect(badDetail.nodes.map((n: { node: string }) => n.node)).toEqual(['Start', 'Fetch']);
  });
});
