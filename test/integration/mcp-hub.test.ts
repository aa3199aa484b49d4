import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHubFor } from '../../src/mcp/index.ts';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { spawnNode, trackProcesses, type Spawned } from '../helpers/process.ts';
import { storages } from '../helpers/storage.ts';

const ECHO = fileURLToPath(new URL('../fixtures/mcp-echo-server.ts', import.meta.url));

interface ServerState {
  status: string;
  health: {
    toolCount: number;
    failures: number;
    lastError: string | null;
    nextAttemptAt: string | null;
  } | null;
}

/** Polls `read` until `done` holds for its value (every 50 ms, at most `ms`). */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`gave up waiting; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The hub: external MCP servers registered, health-checked, reconnected, their tools called. */
describe.each(storages)('the MCP hub on $name', { timeout: 120_000 }, (storage) => {
  const tracked = trackProcesses();
  afterEach(() => tracked.cleanup());
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let dir: string;
  const as = (role: string) => ({
    authorization: w.callers.find((c) => c.name === role)!.authorization!,
  });
  /** A registered server as the API shows it (status, health). */
  const server = async (id: string): Promise<ServerState> => {
    const res = await w.inject({
      method: 'GET',
      url: `/api/v1/mcp/servers/${id}`,
      headers: as('viewer'),
    });
    return res.json().data as ServerState;
  };
  const register = (body: Record<string, unknown>, role = 'admin') =>
    w.inject({ method: 'POST', url: '/api/v1/mcp/servers', headers: as(role), payload: body });
  const callTool = (
    id: string,
    name: string,
    args: Record<string, unknown>,
    role = 'bot API key',
  ) =>
    w.inject({
      method: 'POST',
      url: `/api/v1/mcp/servers/${id}/call`,
      headers: as(role),
      payload: { name, arguments: args },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iza-hub-'));
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target, {
      IZA_MCP_HEALTH_INTERVAL_MS: '150',
      IZA_MCP_RECONNECT_BASE_MS: '600',
      IZA_MCP_RECONNECT_MAX_MS: '2000',
      IZA_MCP_STDIO_COMMANDS: process.execPath,
      // The Streamable HTTP fixtures listen on loopback: the outbound guard needs them listed.
      IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a stdio server, lists and calls its tools, restarts it when it dies', async () => {
    const pidFile = join(dir, 'stdio.pid');
    const res = await register({
      name: 'echo',
      transport: 'stdio',
      command: process.execPath,
      args: [ECHO, '--pid-file', pidFile],
      description: 'the test fixture',
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json().data;
    const healthy = await waitFor(
      () => server(id),
      (s) => s.status === 'healthy',
    );
    expect(healthy.health).toMatchObject({ toolCount: 3, failures: 0, lastError: null });

    const tools = await w.inject({
      method: 'GET',
      url: `/api/v1/mcp/servers/${id}/tools`,
      headers: as('viewer'),
    });
    expect(
      tools
        .json()
        .data.map((t: { name: string }) => t.name)
        .sort(),
    ).toEqual(['add', 'echo', 'fail']);
    expect(tools.json().data.find((t: { name: string }) => t.name === 'add')).toMatchObject({
      inputSchema: { type: 'object', properties: { a: { type: 'number' } } },
      outputSchema: { type: 'object' },
    });

    const sum = await callTool(id, 'add', { a: 2, b: 3 });
    expect(sum.statusCode, sum.body).toBe(200);
    expect(sum.json().data).toMatchObject({ structuredContent: { sum: 5 }, isError: false });
    const failed = await callTool(id, 'fail', {}, 'editor');
    expect(failed.json().data).toMatchObject({ isError: true });
    const unknown = await callTool(id, 'nope', {}, 'editor');
    expect(unknown.json().data).toMatchObject({ isError: true });

    // permissions: reading needs read, calling write_limited, registering manage_bots
    expect((await callTool(id, 'add', { a: 1, b: 1 }, 'viewer')).statusCode).toBe(403);
    expect(
      (await register({ name: 'x', transport: 'http', url: 'http://127.0.0.1:9/' }, 'editor'))
        .statusCode,
    ).toBe(403);
    const notAllowed = await register({ name: 'shell', transport: 'stdio', command: '/bin/sh' });
    expect(notAllowed.statusCode).toBe(403);
    expect(notAllowed.json().error.code).toBe('mcp_stdio_not_allowed');
    const other = await w.inject({
      method: 'GET',
      url: `/api/v1/mcp/servers/${id}`,
      headers: as('admin of another organisation'),
    });
    expect(other.statusCode).toBe(404);

    // killed: unhealthy at once, then started again after the backoff
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const down = await waitFor(
      () => server(id),
      (s) => s.status === 'unhealthy',
    );
    expect(down.health!.lastError).toMatch(/closed/);
    expect(down.health!.nextAttemptAt).not.toBeNull();
    const health = await w.inject({ method: 'GET', url: '/health' });
    expect(health.json().data.components.mcp.detail).toMatch(/1 unhealthy/);
    await waitFor(
      () => server(id),
      (s) => s.status === 'healthy',
    );
    const restarted = Number(readFileSync(pidFile, 'utf8'));
    expect(restarted).not.toBe(pid);
    expect((await callTool(id, 'echo', { text: 'again' })).json().data.content).toEqual([
      { type: 'text', text: 'again' },
    ]);
    // /health answers from a cache of one second: the restart may be quicker than that.
    const mcpHealth = await waitFor(
      async () =>
        (await w.inject({ method: 'GET', url: '/health' })).json().data.components.mcp as {
          detail: string;
        },
      (c) => !c.detail.includes('1 unhealthy'),
    );
    expect(mcpHealth).toEqual({
      status: 'up',
      detail: '1 external servers: 1 healthy, 0 unhealthy, 0 connecting',
    });

    // the service function agents use, scoped to an organisation
    const hub = createHubFor(w.kernel, w.access);
    try {
      const result = await hub.forOrg(w.orgA).callTool(id, 'add', { a: 20, b: 22 });
      expect(result.structuredContent).toEqual({ sum: 42 });
      await expect(hub.forOrg(w.orgB).callTool(id, 'add', { a: 1, b: 1 })).rejects.toThrow(
        /not found/,
      );
    } finally {
      await hub.close();
    }

    const audit = await w.inject({
      method: 'GET',
      url: `/api/v1/audit?entityId=${id}`,
      headers: as('admin'),
    });
    const actions = audit.json().data.entries.map((e: { action: string }) => e.action);
    expect(actions).toContain('mcp.server.create');
    expect(actions.filter((a: string) => a === 'mcp.tool.call').length).toBeGreaterThanOrEqual(4);

    // removed: the child process is stopped
    const removed = await w.inject({
      method: 'DELETE',
      url: `/api/v1/mcp/servers/${id}`,
      headers: as('admin'),
    });
    expect(removed.statusCode).toBe(200);
    await waitFor(
      async () => alive(restarted),
      (up) => !up,
      10_000,
    );
    expect(
      (await w.inject({ method: 'GET', url: `/api/v1/mcp/servers/${id}`, headers: as('admin') }))
        .statusCode,
    ).toBe(404);
  });

  it('calls an HTTP server with a header from the vault, and reconnects when it comes back', async () => {
    const start = (port: string): Spawned & { port: Promise<string> } => {
      const spawned = tracked.process(
        spawnNode([ECHO, '--http', port], { ECHO_TOKEN: 'fixture-token' }),
      );
      const listening = waitFor(
        async () => /listening (\d+)/.exec(spawned.output()),
        (m) => m !== null,
        20_000,
      ).then((m) => m![1]!);
      return { ...spawned, port: listening };
    };
    const first = start('0');
    const port = await first.port;

    const missing = await register({
      name: 'remote',
      transport: 'http',
      url: `http://127.0.0.1:${port}/mcp`,
      headers: { Authorization: 'Bearer {{secret:ECHO_TOKEN}}' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('mcp_secret_missing');

    const put = await w.inject({
      method: 'PUT',
      url: '/api/v1/secrets/ECHO_TOKEN',
      headers: as('admin'),
      payload: { value: 'fixture-token' },
    });
    expect(put.statusCode, put.body).toBeLessThan(300);
    await w.inject({
      method: 'PUT',
      url: '/api/v1/secrets/WRONG_TOKEN',
      headers: as('admin'),
      payload: { value: 'not-the-token' },
    });
    const res = await register({
      name: 'remote',
      transport: 'http',
      url: `http://127.0.0.1:${port}/mcp`,
      headers: { Authorization: 'Bearer {{secret:ECHO_TOKEN}}' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json().data;
    expect(res.json().data.headers).toEqual({ Authorization: 'Bearer {{secret:ECHO_TOKEN}}' });
    const wrong = await register({
      name: 'wrong',
      transport: 'http',
      url: `http://127.0.0.1:${port}/mcp`,
      headers: { Authorization: 'Bearer {{secret:WRONG_TOKEN}}' },
    });
    const wrongId = wrong.json().data.id;

    await waitFor(
      () => server(id),
      (s) => s.status === 'healthy',
    );
    const refused = await waitFor(
      () => server(wrongId),
      (s) => s.status === 'unhealthy',
    );
    expect(refused.health!.lastError).toMatch(/401|unauthorized/i);
    const tools = await w.inject({
      method: 'GET',
      url: `/api/v1/mcp/servers/${wrongId}/tools`,
      headers: as('viewer'),
    });
    expect(tools.statusCode).toBe(503);
    expect(tools.headers['retry-after']).toBeDefined();

    expect((await callTool(id, 'echo', { text: 'over http' })).json().data.content).toEqual([
      { type: 'text', text: 'over http' },
    ]);

    // the server goes away: the next health check finds it; back on the same port, it recovers
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor(
      () => server(id),
      (s) => s.status === 'unhealthy',
    );
    const unavailable = await callTool(id, 'echo', { text: 'x' });
    expect(unavailable.statusCode).toBe(503);
    const second = start(port);
    expect(await second.port).toBe(port);
    await waitFor(
      () => server(id),
      (s) => s.status === 'healthy',
    );
    expect((await callTool(id, 'add', { a: 1, b: 2 })).json().data.structuredContent).toEqual({
      sum: 3,
    });
    const list = await w.inject({
      method: 'GET',
      url: '/api/v1/mcp/servers',
      headers: as('viewer'),
    });
    expect(list.json().data.map((s: { name: string }) => s.name)).toEqual(['remote', 'wrong']);
  });
});
