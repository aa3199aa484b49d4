import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentsWorld, type AgentsWorld } from '../fixtures/llm-agents-world.ts';
import { createAccessWorld, LOCAL_TOKEN, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

/**
 * A loopback health endpoint: `/<name>` answers the status the test sets (200 by default);
 * `/silent` never answers.
 */
async function healthServer() {
  const status = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    if (name === 'silent') return;
    res.writeHead(status.get(name) ?? 200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (name: string) => `${base}/${name}`,
    set: (name: string, code: number) => status.set(name, code),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(storages)('agent health probing on $name', { timeout: 60_000 }, (storage) => {
  let hs: Awaited<ReturnType<typeof healthServer>>;
  let w: AgentsWorld;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    hs = await healthServer();
    const created = await storage.create();
    drop = created.drop;
    // A short interval: the prober itself notices every flip of the endpoint. The fake
    // endpoint is on loopback, which the outbound guard reaches only when allow-listed.
    w = await createAgentsWorld(created.target, {
      config: { healthIntervalMs: 100 },
      env: { IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1' },
    });
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
    await hs?.close();
  });

  const healthOf = async (botId: string) => (await w.agents.getAgent(w.orgId, botId)).health;
  const becomes = (botId: string, state: string) =>
    until(`${botId} ${state}`, async () => (await healthOf(botId)).state === state);

  it('routes around unhealthy agents, waits while all are, and runs once one recovers', async () => {
    const primary = await w.agents.createAgent(w.orgId, {
      botId: 'primary',
      name: 'Primary',
      kind: 'code',
      handler: 'echo',
      capabilities: ['report'],
      healthCheck: hs.url('primary'),
      backupAgents: ['backup'],
    });
    const backup = await w.agents.createAgent(w.orgId, {
      botId: 'backup',
      name: 'Backup',
      kind: 'code',
      handler: 'echo',
      capabilities: ['archive'],
      healthCheck: hs.url('backup'),
    });
    await becomes('primary', 'healthy');
    await becomes('backup', 'healthy');
    expect(await healthOf('primary')).toMatchObject({
      detail: expect.stringMatching(/^HTTP 200 in \d+ ms$/),
    });
    const first = await w.waitFor(
      (await w.agents.dispatch(w.orgId, { capabilities: ['report'], input: 1 })).id,
    );
    expect(first).toMatchObject({ state: 'succeeded', agentId: primary.id });

    hs.set('primary', 503);
    await becomes('primary', 'unhealthy');
    const health = await healthOf('primary');
    expect(health.detail).toMatch(/^HTTP 503 in \d+ ms$/);
    expect(Date.parse(health.checkedAt!)).toBeGreaterThan(0);
    expect(w.agents.agentJson(await w.agents.getAgent(w.orgId, 'primary')).health).toEqual(health);
    const metrics = await w.agents.metrics.registry.metrics();
    expect(metrics).toContain('iza_agent_healthy{agent="primary"} 0');
    expect(metrics).toContain('iza_agent_healthy{agent="backup"} 1');

    const ids = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await w.agents.dispatch(w.orgId, { capabilities: ['report'], input: i })).id);
    }
    for (const task of await w.waitForAll(ids)) {
      expect(task).toMatchObject({ state: 'succeeded', agentId: backup.id });
    }

    hs.set('backup', 503);
    await becomes('backup', 'unhealthy');
    const waiting = await w.agents.dispatch(w.orgId, { capabilities: ['report'], input: 'later' });
    expect(waiting.state).toBe('queued');
    await new Promise((r) => setTimeout(r, 400));
    expect((await w.agents.getTask(w.orgId, waiting.id)).state).toBe('queued');

    hs.set('primary', 200);
    const done = await w.waitFor(waiting.id);
    expect(done).toMatchObject({ state: 'succeeded', agentId: primary.id, output: 'later' });
    expect((await healthOf('primary')).state).toBe('healthy');
    expect(await w.agents.metrics.registry.metrics()).toContain(
      'iza_agent_healthy{agent="primary"} 1',
    );
    hs.set('backup', 200);
    await becomes('backup', 'healthy');
  });

  it('probes on demand, leaves `none` unprobed and fails only when no agent is capable', async () => {
    await w.agents.createAgent(w.orgId, {
      botId: 'plain',
      name: 'Plain',
      kind: 'code',
      handler: 'echo',
      capabilities: ['plain'],
    });
    const plain = await w.agents.checkHealth(w.orgId, 'plain');
    expect(plain.health).toEqual({ state: 'unknown', checkedAt: null, detail: null });
    expect(await w.agents.metrics.registry.metrics()).toContain(
      'iza_agent_healthy{agent="plain"} -1',
    );

    hs.set('primary', 500);
    const probed = await w.agents.probeHealth();
    const primary = await w.agents.getAgent(w.orgId, 'primary');
    expect(probed.get(primary.id)).toMatchObject({
      state: 'unhealthy',
      detail: expect.stringMatching(/^HTTP 500/),
    });
    expect(probed.has(plain.id)).toBe(false);
    hs.set('primary', 200);
    expect((await w.agents.checkHealth(w.orgId, 'primary')).health.state).toBe('healthy');

    const none = await w.agents.dispatch(w.orgId, { capabilities: ['nobody'], input: null });
    expect(none).toMatchObject({ state: 'failed', reason: 'no_capable_agent' });
  });
});

describe.each(storages)('agent health over HTTP on $name', { timeout: 60_000 }, (storage) => {
  let hs: Awaited<ReturnType<typeof healthServer>>;
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let admin: Record<string, string>;
  let viewer: Record<string, string>;

  beforeAll(async () => {
    hs = await healthServer();
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target, { IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1' });
    const auth = (role: string) => ({
      authorization: w.callers.find((c) => c.role === role)!.authorization!,
    });
    admin = auth('admin');
    viewer = auth('viewer');
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
    await hs?.close();
  });

  const define = (botId: string, extra: Record<string, unknown>) =>
    w.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: admin,
      payload: { botId, name: botId, kind: 'code', handler: 'echo', capabilities: ['x'], ...extra },
    });
  const probe = (botId: string, headers = admin) =>
    w.inject({ method: 'POST', url: `/api/v1/agents/by/${botId}/health-check`, headers });
  // /metrics holds every organisation's series: the operator's token (here the local one).
  const scrape = async () =>
    (
      await w.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${LOCAL_TOKEN}` },
      })
    ).body;

  it('refuses a healthCheck that is neither none nor an http(s) URL', async () => {
    for (const bad of ['ping', 'ftp://example.com/health', 'handler:ready', 'http://']) {
      const res = await define('bad', { healthCheck: bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.message, bad).toMatch(
        /healthCheck must be "none" or an http:\/\/ or https:\/\/ URL answering 2xx/,
      );
    }
    expect((await define('fine', { healthCheck: 'none' })).statusCode).toBe(201);
    const patch = await w.inject({
      method: 'PATCH',
      url: '/api/v1/agents/by/fine',
      headers: admin,
      payload: { healthCheck: 'tcp:5432' },
    });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.message).toMatch(/healthCheck must be "none" or an http/);
  });

  it('probes now on request, shows the result in the agent and in /metrics', async () => {
    const created = await define('site', { healthCheck: hs.url('site') });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().data.health).toEqual({ state: 'unknown', checkedAt: null, detail: null });
    expect(await scrape()).toContain('iza_agent_healthy{agent="site"} -1');

    expect((await probe('site', viewer)).statusCode).toBe(403);
    const ok = await probe('site');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().data.health).toMatchObject({
      state: 'healthy',
      detail: expect.stringMatching(/^HTTP 200 in \d+ ms$/),
    });
    expect(await scrape()).toContain('iza_agent_healthy{agent="site"} 1');

    hs.set('site', 503);
    const down = await probe('site');
    expect(down.json().data.health).toMatchObject({
      state: 'unhealthy',
      detail: expect.stringMatching(/^HTTP 503 in \d+ ms$/),
    });
    const shown = await w.inject({ method: 'GET', url: '/api/v1/agents/by/site', headers: viewer });
    expect(shown.json().data.health).toEqual(down.json().data.health);
    const listed = await w.inject({ method: 'GET', url: '/api/v1/agents', headers: viewer });
    expect(listed.json().data.find((a: { botId: string }) => a.botId === 'site').health.state).toBe(
      'unhealthy',
    );
    expect(await scrape()).toContain('iza_agent_healthy{agent="site"} 0');

    hs.set('site', 200);
    expect((await probe('site')).json().data.health.state).toBe('healthy');
    expect(await scrape()).toContain('iza_agent_healthy{agent="site"} 1');
  });

  it('says why: a refused connection, a timeout; a new healthCheck starts unknown', async () => {
    const port = await closedPort();
    const patched = await w.inject({
      method: 'PATCH',
      url: '/api/v1/agents/by/site',
      headers: admin,
      payload: { healthCheck: `http://127.0.0.1:${port}/health` },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().data.health).toEqual({ state: 'unknown', checkedAt: null, detail: null });
    const refused = await probe('site');
    expect(refused.json().data.health).toMatchObject({
      state: 'unhealthy',
      detail: expect.stringMatching(/^ECONNREFUSED after \d+ ms$/),
    });

    await w.inject({
      method: 'PATCH',
      url: '/api/v1/agents/by/site',
      headers: admin,
      payload: { healthCheck: hs.url('silent'), timeout: 200 },
    });
    const silent = await probe('site');
    expect(silent.json().data.health).toMatchObject({
      state: 'unhealthy',
      detail: 'no answer within 200 ms',
    });
  });
});
