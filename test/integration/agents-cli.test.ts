import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLlmServer } from '../fixtures/llm-server.ts';
import { tempDir } from '../helpers/kernel.ts';
import { runIza, spawnIza, trackProcesses, waitForServer } from '../helpers/process.ts';

describe('iza agent and the agents folder', { timeout: 240_000 }, () => {
  const tracked = trackProcesses();
  afterEach(() => tracked.cleanup());

  it('loads declarative agents at start, and lists, dispatches and traces through the server', async () => {
    const d = tempDir('iza-agents-cli-');
    tracked.dir(d);
    const dir = ['--data-dir', d.path];
    const admin = await runIza(
      [
        'user',
        'create-admin',
        '--org',
        'Omega Studio',
        '--email',
        'o@omega.test',
        '--name',
        'Olu',
        '--password-stdin',
        ...dir,
      ],
      {},
      'a long enough password\n',
    );
    expect(admin.code, admin.output).toBe(0);

    const folder = join(d.path, 'agents');
    mkdirSync(folder);
    writeFileSync(
      join(folder, 'team.yaml'),
      [
        'agents:',
        '  - botId: echoer',
        '    name: Echoer',
        '    kind: code',
        '    handler: echo',
        '    capabilities: [echo]',
        '    maxConcurrentTasks: 2',
        '  - botId: analyst',
        '    name: Analyst',
        '    kind: llm',
        '    tier: strategist',
        '    capabilities: [analysis]',
        '    llm: { provider: builtin }',
        '  - botId: careful',
        '    name: Careful',
        '    kind: llm',
        '    capabilities: [careful]',
        '    llm: { provider: builtin, tools: [list_ventures], approveTools: [list_ventures] }',
      ].join('\n'),
    );
    writeFileSync(join(folder, 'broken.json'), '{"botId": "Broken"}');

    const env = { IZA_AGENTS_FOLDER: folder };
    const server = tracked.process(spawnIza(['start', '--port', '0', ...dir], env));
    await waitForServer(d.path, server, 90_000);
    expect(server.output()).toMatch(/broken\.json: .*botId/);

    const list = await runIza(['agent', 'list', ...dir], env);
    expect(list.code, list.output).toBe(0);
    expect(list.output).toMatch(/analyst[\s│]+Analyst[\s│]+llm \(offline demo\)[\s│]+strategist/);
    expect(list.output).toMatch(/echoer[\s│]+Echoer[\s│]+code/);

    const sent = await runIza(
      [
        'agent',
        'dispatch',
        '--capability',
        'echo',
        '--input',
        '{"hello":"world"}',
        '--correlation-id',
        'cli-conv',
        '--json',
        ...dir,
      ],
      env,
    );
    expect(sent.code, sent.output).toBe(0);
    const task = JSON.parse(sent.output) as { id: string };

    let trace: { messageType: string; senderAgent: string; payload: unknown }[] = [];
    for (let i = 0; i < 50 && trace.length < 3; i++) {
      const out = await runIza(['agent', 'trace', 'cli-conv', '--json', ...dir], env);
      trace = JSON.parse(out.output) as typeof trace;
      if (trace.length < 3) await new Promise((r) => setTimeout(r, 100));
    }
    expect(trace.map((m) => `${m.messageType}:${m.senderAgent}`)).toEqual([
      'task:system',
      'status:router',
      'response:echoer',
    ]);
    expect(trace[1]!.payload).toMatchObject({ event: 'attempt', agent: 'echoer', attempt: 1 });
    expect(trace[2]!.payload).toEqual({ hello: 'world' });

    const tasks = await runIza(['agent', 'tasks', '--state', 'succeeded', ...dir], env);
    expect(tasks.output).toContain(task.id);

    // A tool call that needs a person: the task waits until `iza agent approve`.
    const careful = JSON.parse(
      (await runIza(['agent', 'dispatch', '--capability', 'careful', '--json', ...dir], env))
        .output,
    ) as { id: string };
    let waiting: { id: string; reason: string; pendingToolCalls?: { tool: string }[] }[] = [];
    for (let i = 0; i < 50 && !waiting.some((t) => t.id === careful.id); i++) {
      const out = await runIza(['agent', 'tasks', '--state', 'waiting', '--json', ...dir], env);
      waiting = JSON.parse(out.output) as typeof waiting;
      if (!waiting.some((t) => t.id === careful.id)) await new Promise((r) => setTimeout(r, 100));
    }
    const paused = waiting.find((t) => t.id === careful.id);
    expect(paused).toMatchObject({ reason: 'tool_approval' });
    expect(paused!.pendingToolCalls!.map((c) => c.tool)).toEqual(['list_ventures']);
    const approved = await runIza(['agent', 'approve', careful.id, '--note', 'fine', ...dir], env);
    expect(approved.code, approved.output).toBe(0);
    let done = '';
    for (let i = 0; i < 50 && !done.includes(careful.id); i++) {
      done = (await runIza(['agent', 'tasks', '--state', 'succeeded', ...dir], env)).output;
      if (!done.includes(careful.id)) await new Promise((r) => setTimeout(r, 100));
    }
    expect(done).toContain(careful.id);
    const again = await runIza(['agent', 'approve', careful.id, ...dir], env);
    expect(again.code).not.toBe(0);
    expect(again.output).toMatch(/not waiting/);
  });

  it('shows one agent: its definition, limits and health, as text and as the API answers it', async () => {
    const health = createServer((_req, res) => {
      res.writeHead(503);
      res.end('down');
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    const healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/ready`;
    try {
      const d = tempDir('iza-agents-show-');
      tracked.dir(d);
      const dir = ['--data-dir', d.path];
      const password = 'a long enough password';
      const admin = await runIza(
        [
          'user',
          'create-admin',
          '--org',
          'Sigma Studio',
          '--email',
          's@sigma.test',
          '--name',
          'Sam',
          '--password-stdin',
          ...dir,
        ],
        {},
        `${password}\n`,
      );
      expect(admin.code, admin.output).toBe(0);
      const folder = join(d.path, 'agents');
      mkdirSync(folder);
      writeFileSync(
        join(folder, 'team.json'),
        JSON.stringify({
          agents: [
            {
              botId: 'reporter',
              name: 'Reporter',
              kind: 'code',
              handler: 'echo',
              tier: 'manager',
              capabilities: ['report', 'summary'],
              dependencies: ['archivist'],
              backupAgents: ['archivist'],
              healthCheck: healthUrl,
              maxConcurrentTasks: 3,
              timeout: 1500,
              retryPolicy: { maxAttempts: 4 },
            },
            {
              botId: 'archivist',
              name: 'Archivist',
              kind: 'code',
              handler: 'noop',
              capabilities: ['report'],
            },
          ],
        }),
      );
      // One probe at start, none after: the health seen by the CLI and the API is the same.
      // The health endpoint is on loopback: the outbound guard reaches it when allow-listed.
      const env = {
        IZA_AGENTS_FOLDER: folder,
        IZA_AGENTS_HEALTH_INTERVAL_MS: '3600000',
        IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1',
      };
      const server = tracked.process(spawnIza(['start', '--port', '0', ...dir], env));
      const url = await waitForServer(d.path, server, 90_000);

      let shown: Awaited<ReturnType<typeof runIza>> = { code: null, output: '' };
      for (let i = 0; i < 100; i++) {
        shown = await runIza(['agent', 'show', 'reporter', '--json', ...dir], env);
        if (
          shown.code !== 0 ||
          (JSON.parse(shown.output) as { health: { state: string } }).health.state !== 'unknown'
        )
          break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(shown.code, shown.output).toBe(0);
      const json = JSON.parse(shown.output) as Record<string, unknown>;
      expect(json).toMatchObject({
        botId: 'reporter',
        kind: 'code',
        tier: 'manager',
        capabilities: ['report', 'summary'],
        maxConcurrentTasks: 3,
        timeout: 1500,
        retryPolicy: { maxAttempts: 4 },
        healthCheck: healthUrl,
        health: { state: 'unhealthy', detail: expect.stringMatching(/^HTTP 503 in \d+ ms$/) },
        source: 'file',
      });

      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 's@sigma.test', password }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = ((await login.json()) as { data: { accessToken: string } }).data;
      const api = await fetch(`${url}/api/v1/agents/by/reporter`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(api.status).toBe(200);
      expect(((await api.json()) as { data: unknown }).data).toEqual(json);

      const text = await runIza(['agent', 'show', 'reporter', ...dir], env);
      expect(text.code, text.output).toBe(0);
      for (const line of [
        /botId\s+reporter/,
        /kind\s+code/,
        /tier\s+manager/,
        /capabilities\s+report, summary/,
        /dependencies\s+archivist/,
        /backups\s+archivist/,
        /slots\s+3/,
        /timeout ms\s+1500/,
        /attempts\s+4/,
        new RegExp(`health check\\s+${healthUrl.replace(/[.]/g, '\\.')}`),
        /health\s+unhealthy \(HTTP 503 in \d+ ms\) at \d{4}-\d\d-\d\dT/,
        /source\s+file/,
      ]) {
        expect(text.output).toMatch(line);
      }

      const list = await runIza(['agent', 'list', ...dir], env);
      expect(list.output).toMatch(/reporter[\s│]+Reporter[\s│]+code[\s│]+manager.*unhealthy/);
      expect(list.output).toMatch(/archivist[\s│]+Archivist.*unknown/);

      const unknown = await runIza(['agent', 'show', 'nobody', ...dir], env);
      expect(unknown.code).not.toBe(0);
      expect(unknown.output).toMatch(/Agent nobody was not found/);
    } finally {
      await new Promise<void>((r) => health.close(() => r()));
    }
  });
  it(
    'manages provider connections: the key goes in from stdin, never comes out, and reaches the model',
    { timeout: 480_000 },
    async () => {
      const llm = await startLlmServer();
      try {
        const d = tempDir('iza-agents-connections-');
        tracked.dir(d);
        const dir = ['--data-dir', d.path];
        const admin = await runIza(
          [
            'user',
            'create-admin',
            '--org',
            'Kappa Studio',
            '--email',
            'k@kappa.test',
            '--name',
            'Kim',
            '--password-stdin',
            ...dir,
          ],
          {},
          'a long enough password\n',
        );
        expect(admin.code, admin.output).toBe(0);
        const key = 'sk-cli-0123456789abcdef';
        // The loopback model server stands for the organisation's endpoint on the internet.
        const allow = { IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1' };
        // No server yet: on the database directly.
        const created = await runIza(
          [
            'agent',
            'connection',
            'create',
            'house',
            '--kind',
            'openai-compatible',
            '--base-url',
            'http://127.0.0.1:9/v1',
            '--model',
            'test-model',
            '--price',
            'test-model=100/400/EUR',
            '--api-key-stdin',
            ...dir,
          ],
          allow,
          `${key}\n`,
        );
        expect(created.code, created.output).toBe(0);
        expect(created.output).toMatch(/key\s+set \(sealed, never shown\)/);
        expect(created.output).not.toContain(key);
        const folder = join(d.path, 'agents');
        mkdirSync(folder);
        writeFileSync(
          join(folder, 'team.yaml'),
          [
            'agents:',
            '  - botId: housebot',
            '    name: House bot',
            '    kind: llm',
            '    capabilities: [house]',
            '    llm: { connection: house, model: test-model, stream: false }',
          ].join('\n'),
        );
        const env = { ...allow, IZA_AGENTS_FOLDER: folder };
        const server = tracked.process(spawnIza(['start', '--port', '0', ...dir], env));
        await waitForServer(d.path, server, 90_000);

        // Through the server: the endpoint moves to the loopback model, the key stays.
        const moved = await runIza(
          ['agent', 'connection', 'update', 'house', '--base-url', llm.url, '--json', ...dir],
          env,
        );
        expect(moved.code, moved.output).toBe(0);
        expect(JSON.parse(moved.output)).toMatchObject({
          name: 'house',
          baseUrl: llm.url,
          hasKey: true,
        });
        const list = await runIza(['agent', 'connection', 'list', ...dir], env);
        expect(list.output).toMatch(
          /house[\s│]+openai-compatible[\s│]+http:\/\/127\.0\.0\.1:\d+\/v1[\s│]+set[\s│]+test-model \(100\/400 EUR\)/,
        );
        expect(list.output).not.toContain(key);
        const sent = await runIza(
          ['agent', 'dispatch', '--agent', 'housebot', '--input', 'hi', '--json', ...dir],
          env,
        );
        expect(sent.code, sent.output).toBe(0);
        for (let i = 0; i < 100 && llm.requests.length === 0; i++)
          await new Promise((r) => setTimeout(r, 100));
        expect(llm.requests[0]?.headers.authorization).toBe(`Bearer ${key}`);

        const refused = await runIza(['agent', 'connection', 'delete', 'house', ...dir], env);
        expect(refused.code).not.toBe(0);
        expect(refused.output).toMatch(/used by housebot/);
      } finally {
        await llm.close();
      }
    },
  );
});
