import dns from 'node:dns';
import { createServer, type Server } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServerStore } from '../../src/mcp/index.ts';
import { createAgentsWorld, type AgentsWorld } from '../fixtures/llm-agents-world.ts';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

/**
 * Outbound HTTP a tenant drives (agents' health checks and webhooks, MCP servers, workflow
 * nodes), from the attacker's side: an administrator of organisation A points the server at its
 * own network. Every attempt is refused with a clear reason, at save time (400) and again at
 * connection time, and the internal service never sees a request.
 */

/** The server's own network: a loopback service recording every request that reaches it. */
async function internalService() {
  const reached: string[] = [];
  const server: Server = createServer((req, res) => {
    reached.push(req.url ?? '');
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ messageType: 'response', payload: 'x'.repeat(2 * 1024 * 1024) }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ secret: 'internal' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    reached,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Addresses of the server's network, in the spellings an attacker would try. */
const privateUrls = (port: number) => [
  `http://127.0.0.1:${port}/`,
  `http://localhost:${port}/`,
  `http://[::1]:${port}/`,
  `http://[::ffff:127.0.0.1]:${port}/`,
  `http://[::127.0.0.1]:${port}/`,
  `http://[64:ff9b::7f00:1]:${port}/`,
  `http://[2002:7f00:1::]:${port}/`,
  `http://0x7f000001:${port}/`,
  `http://2130706433:${port}/`,
  `http://127.1:${port}/`,
  `http://0:${port}/`,
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://10.0.0.1/',
  'http://100.64.0.1/',
];

/**
 * DNS rebinding, with the system resolver patched: `name` answers a public address the first
 * time, loopback every time after. Returns the function that restores the resolver.
 */
function rebinding(name: string): () => void {
  const realLookup = dns.lookup;
  const realPromises = dns.promises.lookup;
  let calls = 0;
  const next = () => (calls++ === 0 ? '93.184.216.34' : '127.0.0.1');
  dns.lookup = ((host: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (...a: unknown[]) => void;
    if (host !== name) return (realLookup as (...a: unknown[]) => void)(host, options, callback);
    const address = next();
    if (typeof options === 'object' && (options as { all?: boolean }).all) {
      cb(null, [{ address, family: 4 }]);
    } else cb(null, address, 4);
  }) as typeof dns.lookup;
  dns.promises.lookup = (async (host: string, options: dns.LookupAllOptions) =>
    host === name
      ? [{ address: next(), family: 4 }]
      : realPromises(host, options)) as typeof dns.promises.lookup;
  syncBuiltinESMExports();
  return () => {
    dns.lookup = realLookup;
    dns.promises.lookup = realPromises;
    syncBuiltinESMExports();
  };
}

const workflow = (type: string, parameters: Record<string, unknown>) => ({
  name: `reach ${type}`,
  nodes: [
    {
      name: 'Start',
      type: 'n8n-nodes-base.manualTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    { name: 'Reach', type, typeVersion: 1, position: [200, 0], parameters },
  ],
  connections: { Start: { main: [[{ node: 'Reach', type: 'main', index: 0 }]] } },
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`gave up waiting; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

describe.each(storages)(
  'outbound requests a tenant drives, on $name',
  { timeout: 120_000 },
  (storage) => {
    let internal: Awaited<ReturnType<typeof internalService>>;
    let w: AccessWorld;
    let drop: () => Promise<void>;
    const as = (role: string) => ({
      authorization: w.callers.find((c) => c.name === role)!.authorization!,
    });
    const agent = (extra: Record<string, unknown>) => ({
      name: 'Probe target',
      kind: 'code',
      handler: 'echo',
      capabilities: ['x'],
      ...extra,
    });
    const agentsOf = async (role: string): Promise<string[]> => {
      const res = await w.inject({ method: 'GET', url: '/api/v1/agents', headers: as(role) });
      return (res.json().data as { botId: string }[]).map((a) => a.botId);
    };

    beforeAll(async () => {
      internal = await internalService();
      const created = await storage.create();
      drop = created.drop;
      // The production set-up: no allow-list.
      w = await createAccessWorld(created.target, { IZA_MCP_HEALTH_INTERVAL_MS: '150' });
    });
    afterAll(async () => {
      await w?.close();
      await drop?.();
      await internal?.close();
    });

    it('refuses, when saved, a health check or webhook URL on the server network (400 naming the field; nothing stored)', async () => {
      for (const url of privateUrls(internal.port)) {
        const health = await w.inject({
          method: 'POST',
          url: '/api/v1/agents',
          headers: as('admin'),
          payload: agent({ botId: 'prober', healthCheck: url }),
        });
        expect(health.statusCode, url).toBe(400);
        expect(health.json(), url).toMatchObject({
          success: false,
          error: {
            code: 'validation_failed',
            message: expect.stringMatching(
              /^healthCheck points to an address the server may not reach: requests to .* are refused: /,
            ),
          },
        });
        const hook = await w.inject({
          method: 'POST',
          url: '/api/v1/agents',
          headers: as('admin'),
          payload: { ...agent({ botId: 'hook' }), kind: 'webhook', webhookUrl: url },
        });
        expect(hook.statusCode, url).toBe(400);
        expect(hook.json().error.message, url).toMatch(/^webhookUrl points to an address/);
      }
      const fine = await w.inject({
        method: 'POST',
        url: '/api/v1/agents',
        headers: as('admin'),
        payload: agent({ botId: 'fine' }),
      });
      expect(fine.statusCode, fine.body).toBe(201);
      const patched = await w.inject({
        method: 'PATCH',
        url: '/api/v1/agents/by/fine',
        headers: as('admin'),
        payload: { healthCheck: 'http://169.254.169.254/latest/meta-data/iam/' },
      });
      expect(patched.statusCode).toBe(400);
      expect(patched.json().error.message).toMatch(/169\.254\.169\.254 are refused: link-local/);
      const shown = await w.inject({
        method: 'GET',
        url: '/api/v1/agents/by/fine',
        headers: as('viewer'),
      });
      expect(shown.json().data.healthCheck).toBe('none');
      expect(await agentsOf('admin')).toEqual(['fine']);
      expect(await agentsOf('admin of another organisation')).toEqual([]);
      expect(internal.reached).toEqual([]);
    });

    it('refuses, when saved, an LLM base URL or provider connection on the server network', async () => {
      for (const url of privateUrls(internal.port)) {
        const llm = await w.inject({
          method: 'POST',
          url: '/api/v1/agents',
          headers: as('admin'),
          payload: {
            ...agent({ botId: 'talker' }),
            kind: 'llm',
            llm: { provider: 'openai-compatible', model: 'any', baseUrl: url },
          },
        });
        expect(llm.statusCode, url).toBe(400);
        expect(llm.json().error.message, url).toMatch(/^llm\.baseUrl points to an address/);
        const connection = await w.inject({
          method: 'POST',
          url: '/api/v1/agents/connections',
          headers: as('admin'),
          payload: {
            name: 'inside',
            kind: 'openai-compatible',
            baseUrl: url,
            models: [{ id: 'any' }],
          },
        });
        expect(connection.statusCode, url).toBe(400);
        expect(connection.json().error.message, url).toMatch(/baseUrl points to an address/);
      }
      // The operator's configured endpoint (a public one here) is not the tenant's to choose,
      // and a public base URL is accepted.
      const outside = await w.inject({
        method: 'POST',
        url: '/api/v1/agents',
        headers: as('admin'),
        payload: {
          ...agent({ botId: 'outside' }),
          kind: 'llm',
          llm: {
            provider: 'openai-compatible',
            model: 'any',
            baseUrl: 'https://api.openai.com/v1',
          },
        },
      });
      expect(outside.statusCode, outside.body).toBe(201);
      const connections = await w.inject({
        method: 'GET',
        url: '/api/v1/agents/connections',
        headers: as('admin'),
      });
      expect(connections.json().data).toEqual([]);
      expect(internal.reached).toEqual([]);
    });

    it('refuses, when registered, an MCP server on the server network (400; nothing registered)', async () => {
      for (const url of privateUrls(internal.port)) {
        const res = await w.inject({
          method: 'POST',
          url: '/api/v1/mcp/servers',
          headers: as('admin'),
          payload: { name: 'internal', transport: 'http', url: `${url}mcp` },
        });
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error, url).toMatchObject({
          code: 'validation_failed',
          message: expect.stringMatching(/^url points to an address the server may not reach: /),
        });
      }
      const listed = await w.inject({
        method: 'GET',
        url: '/api/v1/mcp/servers',
        headers: as('admin'),
      });
      expect(listed.json().data).toEqual([]);
      expect(internal.reached).toEqual([]);
    });

    it('probes the address it checked: a health check name that rebinds to loopback after the save is unhealthy, loopback never reached', async () => {
      const restore = rebinding('rebind.attacker.test');
      try {
        const created = await w.inject({
          method: 'POST',
          url: '/api/v1/agents',
          headers: as('admin'),
          payload: agent({
            botId: 'rebinder',
            healthCheck: `http://rebind.attacker.test:${internal.port}/health`,
          }),
        });
        expect(created.statusCode, created.body).toBe(201);
        const probed = await w.inject({
          method: 'POST',
          url: '/api/v1/agents/by/rebinder/health-check',
          headers: as('admin'),
        });
        expect(probed.json().data.health).toMatchObject({
          state: 'unhealthy',
          detail: expect.stringMatching(
            /requests to rebind\.attacker\.test \(127\.0\.0\.1\) are refused: loopback/,
          ),
        });
      } finally {
        restore();
      }
      expect(internal.reached).toEqual([]);
    });

    it('refuses at connection an agent URL saved before the guard (or under a wider allow-list)', async () => {
      const created = await w.inject({
        method: 'POST',
        url: '/api/v1/agents',
        headers: as('admin'),
        payload: agent({ botId: 'legacy' }),
      });
      expect(created.statusCode).toBe(201);
      const url = `http://127.0.0.1:${internal.port}/legacy`;
      await w.kernel.db.execute(
        sql`update agents_agents set definition = jsonb_set(definition, '{healthCheck}', to_jsonb(${url}::text)) where bot_id = 'legacy'`,
      );
      const probed = await w.inject({
        method: 'POST',
        url: '/api/v1/agents/by/legacy/health-check',
        headers: as('admin'),
      });
      expect(probed.json().data.health).toMatchObject({
        state: 'unhealthy',
        detail: expect.stringMatching(/requests to 127\.0\.0\.1 are refused: loopback address/),
      });
      expect(internal.reached).toEqual([]);
    });

    it('fails to connect, with the reason, to an MCP server registered under a wider allow-list', async () => {
      const store = createMcpServerStore({
        db: w.kernel.db,
        clock: w.kernel.clock,
        audit: w.access.audit,
        secrets: w.access.secrets,
        stdioCommands: [],
        allowPrivate: ['127.0.0.1'],
      });
      const record = await store.create(
        w.orgA,
        { name: 'legacy', transport: 'http', url: `http://127.0.0.1:${internal.port}/mcp` },
        { actorId: null, trusted: true },
      );
      const server = await until(
        async () =>
          (
            await w.inject({
              method: 'GET',
              url: `/api/v1/mcp/servers/${record.id}`,
              headers: as('viewer'),
            })
          ).json().data as { status: string; health: { lastError: string | null } | null },
        (s) => s.status === 'unhealthy',
      );
      expect(server.health?.lastError).toMatch(/requests to 127\.0\.0\.1 are refused: loopback/);
      expect(internal.reached).toEqual([]);
    });

    it('fails an HTTP Request, RSS Read or GraphQL node aimed at the server network, with the reason', async () => {
      const base = `http://127.0.0.1:${internal.port}`;
      for (const [type, parameters] of [
        ['n8n-nodes-base.httpRequest', { url: `${base}/data`, options: {} }],
        ['n8n-nodes-base.httpRequest', { url: 'http://[::ffff:a9fe:a9fe]/latest/meta-data/' }],
        ['n8n-nodes-base.rssFeedRead', { url: `http://localhost:${internal.port}/feed` }],
        [
          'n8n-nodes-base.graphql',
          { endpoint: `http://0x7f000001:${internal.port}/gql`, query: '{a}' },
        ],
      ] as const) {
        const saved = await w.inject({
          method: 'POST',
          url: '/api/v1/workflows',
          headers: as('admin'),
          payload: workflow(type, parameters),
        });
        expect(saved.statusCode, saved.body).toBe(201);
        const run = await w.inject({
          method: 'POST',
          url: `/api/v1/workflows/${saved.json().data.id}/run`,
          headers: as('admin'),
          payload: {},
        });
        expect(run.json().data, type).toMatchObject({
          status: 'failed',
          error: { message: expect.stringMatching(/ are refused: .*(loopback|link-local)/) },
        });
      }
      expect(internal.reached).toEqual([]);
    });
  },
);

describe.each(storages)('webhook agents at run time, on $name', { timeout: 120_000 }, (storage) => {
  let internal: Awaited<ReturnType<typeof internalService>>;
  let w: AgentsWorld;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    internal = await internalService();
    const created = await storage.create();
    drop = created.drop;
    // The operator allows one internal host by name; the literal address stays refused.
    w = await createAgentsWorld(created.target, {
      env: { IZA_OUTBOUND_ALLOW_PRIVATE: 'localhost' },
    });
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
    await internal?.close();
  });

  const webhookAgent = (botId: string, webhookUrl: string) =>
    w.agents.createAgent(w.orgId, {
      botId,
      name: botId,
      kind: 'webhook',
      webhookUrl,
      capabilities: [botId],
      retryPolicy: { maxAttempts: 1 },
    });

  it('refuses a webhook stored before the guard, without retrying, and never reaches it', async () => {
    await webhookAgent('legacy-hook', `http://localhost:${internal.port}/hook`);
    const url = `http://127.0.0.1:${internal.port}/hook`;
    await w.kernel.db.execute(
      sql`update agents_agents set definition = jsonb_set(definition, '{webhookUrl}', to_jsonb(${url}::text)) where bot_id = 'legacy-hook'`,
    );
    await w.agents.registry.changed(w.orgId);
    const task = await w.waitFor(
      (await w.agents.dispatch(w.orgId, { capabilities: ['legacy-hook'], input: 'steal' })).id,
    );
    expect(task).toMatchObject({ state: 'failed' });
    expect(task.error).toMatch(/requests to 127\.0\.0\.1 are refused: loopback/);
    expect(internal.reached).toEqual([]);
  });

  it('refuses an LLM base URL stored before the guard, without retrying, and never reaches it', async () => {
    await w.agents.createAgent(w.orgId, {
      botId: 'legacy-llm',
      name: 'legacy-llm',
      kind: 'llm',
      llm: {
        provider: 'openai-compatible',
        model: 'any',
        baseUrl: `http://localhost:${internal.port}/v1`,
      },
      capabilities: ['legacy-llm'],
      retryPolicy: { maxAttempts: 3 },
    });
    const url = `http://127.0.0.1:${internal.port}/v1`;
    await w.kernel.db.execute(
      sql`update agents_agents set definition = jsonb_set(definition, '{llm,baseUrl}', to_jsonb(${url}::text)) where bot_id = 'legacy-llm'`,
    );
    await w.agents.registry.changed(w.orgId);
    const task = await w.waitFor(
      (await w.agents.dispatch(w.orgId, { capabilities: ['legacy-llm'], input: 'hello' })).id,
    );
    expect(task).toMatchObject({ state: 'failed' });
    expect(task.error).toMatch(/requests to 127\.0\.0\.1 are refused: loopback/);
    expect(internal.reached).toEqual([]);
  });

  it('fails a webhook whose answer passes the size limit, naming the limit and the setting', async () => {
    await webhookAgent('big-hook', `http://localhost:${internal.port}/big`);
    const task = await w.waitFor(
      (await w.agents.dispatch(w.orgId, { capabilities: ['big-hook'], input: null })).id,
    );
    expect(task).toMatchObject({ state: 'failed' });
    expect(task.error).toMatch(
      /larger than 1 MiB \(1048576 bytes\), the limit set by IZA_OUTBOUND_AGENT_MAX_RESPONSE_BYTES/,
    );
    expect(internal.reached).toEqual(['/big']);
  });
});
