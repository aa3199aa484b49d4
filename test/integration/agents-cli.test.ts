import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
    for (let i = 0; i < 50 && trace.length < 2; i++) {
      const out = await runIza(['agent', 'trace', 'cli-conv', '--json', ...dir], env);
      trace = JSON.parse(out.output) as typeof trace;
      if (trace.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(trace.map((m) => `${m.messageType}:${m.senderAgent}`)).toEqual([
      'task:system',
      'response:echoer',
    ]);
    expect(trace[1]!.payload).toEqual({ hello: 'world' });

    const tasks = await runIza(['agent', 'tasks', '--state', 'succeeded', ...dir], env);
    expect(tasks.output).toContain(task.id);
  });
});
