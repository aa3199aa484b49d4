import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

/** The portfolio's MCP tools and resource over Streamable HTTP, driven by the SDK's client. */
describe.each(storages)('portfolio over MCP on $name', { timeout: 120_000 }, (storage) => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let url: string;
  const clients: Client[] = [];
  const ids: Record<string, string> = {};
  let keyCount = 0;

  const key = async (role: 'editor' | 'viewer', ventureIds?: string[]) =>
    (
      await w.access.apiKeys.create(
        w.orgA,
        { name: `mcp ${role} ${++keyCount}`, role, ...(ventureIds ? { ventureIds } : {}) },
        { role: 'system', userId: null },
      )
    ).key;
  const connect = async (apiKey: string) => {
    const client = new Client({ name: 'iza-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
      }),
    );
    clients.push(client);
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const errorCode = (result: CallToolResult) => {
    expect(result.isError, JSON.stringify(result)).toBe(true);
    return (JSON.parse((result.content[0] as { text: string }).text) as { error: { code: string } })
      .error.code;
  };

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
    url = await w.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await w?.close();
    await drop?.();
  });

  it('offers the four portfolio tools with input and output schemas, and the venture resource', async () => {
    const client = await connect(await key('viewer'));
    const { tools } = await client.listTools();
    const mine = tools.filter((t) => t.name.startsWith('portfolio_'));
    expect(mine.map((t) => t.name).sort()).toEqual([
      'portfolio_add_kpi',
      'portfolio_create_venture',
      'portfolio_get_venture',
      'portfolio_list_ventures',
    ]);
    for (const tool of mine) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('iza://portfolio/ventures/{id}');
  });

  it('creates, lists and reads ventures and records KPIs, with the REST permissions', async () => {
    const editor = await connect(await key('editor'));
    for (const slug of ['alpha', 'bravo']) {
      const created = await call(editor, 'portfolio_create_venture', {
        slug,
        name: `Venture ${slug}`,
        category: 'technology',
        stage: 'launched',
      });
      expect(created.isError, JSON.stringify(created)).toBeFalsy();
      ids[slug] = (created.structuredContent as { id: string }).id;
    }
    const added = await call(editor, 'portfolio_add_kpi', {
      kpis: [
        { ventureId: ids.alpha, metric: 'mrr', day: '2026-01', value: '1000', currency: 'EUR' },
        { ventureId: ids.alpha, metric: 'mrr', day: '2026-02', value: '1500', currency: 'EUR' },
      ],
    });
    expect(added.structuredContent).toEqual({
      written: 2,
      ventureIds: [ids.alpha],
      metrics: ['mrr'],
    });
    expect(
      errorCode(
        await call(editor, 'portfolio_add_kpi', {
          kpis: [{ ventureId: ids.alpha, metric: 'mrr', day: '2026-03', value: '10' }],
        }),
      ),
    ).toBe('validation_failed');

    const viewer = await connect(await key('viewer'));
    const list = await call(viewer, 'portfolio_list_ventures', { sort: 'name' });
    expect(list.structuredContent).toMatchObject({
      total: 2,
      ventures: [{ slug: 'alpha' }, { slug: 'bravo' }],
    });
    const got = await call(viewer, 'portfolio_get_venture', { venture: 'alpha' });
    const content = got.structuredContent as {
      venture: { id: string };
      health: { components: unknown[] };
    };
    expect(content.venture.id).toBe(ids.alpha);
    expect(content.health.components).toHaveLength(5);
    expect(
      errorCode(
        await call(viewer, 'portfolio_create_venture', {
          slug: 'charlie',
          name: 'Charlie',
          category: 'technology',
        }),
      ),
    ).toBe('forbidden');

    const resource = await viewer.readResource({ uri: `iza://portfolio/ventures/${ids.alpha}` });
    const json = JSON.parse((resource.contents[0] as { text: string }).text) as {
      slug: string;
      kpis: unknown[];
    };
    expect(json.slug).toBe('alpha');
    expect(json.kpis).toHaveLength(2);
  });

  it('keeps a venture-scoped key to its ventures', async () => {
    const scoped = await connect(await key('editor', [ids.alpha!]));
    const list = await call(scoped, 'portfolio_list_ventures');
    expect(
      (list.structuredContent as { ventures: { slug: string }[] }).ventures.map((v) => v.slug),
    ).toEqual(['alpha']);
    expect(errorCode(await call(scoped, 'portfolio_get_venture', { venture: 'bravo' }))).toBe(
      'not_found',
    );
    expect(
      errorCode(
        await call(scoped, 'portfolio_add_kpi', {
          kpis: [{ ventureId: ids.bravo, metric: 'customers', day: '2026-01', value: '3' }],
        }),
      ),
    ).toBe('validation_failed');
    expect(
      errorCode(
        await call(scoped, 'portfolio_create_venture', {
          slug: 'delta',
          name: 'D',
          category: 'technology',
        }),
      ),
    ).toBe('venture_scope');
    const { resources } = await scoped.listResources();
    expect(
      resources.filter((r) => r.uri.startsWith('iza://portfolio/')).map((r) => r.name),
    ).toEqual(['alpha']);
    // The other modules' tools act on every venture: out of the key's reach.
    expect(errorCode(await call(scoped, 'ledger_list_entities'))).toBe('venture_scope');
    expect(errorCode(await call(scoped, 'audit_verify'))).toBe('venture_scope');
    expect(resources.filter((r) => !r.uri.startsWith('iza://portfolio/'))).toEqual([]);
  });
});
