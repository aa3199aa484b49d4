import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/kernel.ts';
import { runIza } from '../helpers/process.ts';

const manual = {
  name: 'cli manual',
  nodes: [
    {
      name: 'Start',
      type: 'n8n-nodes-base.manualTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    {
      name: 'Set',
      type: 'n8n-nodes-base.set',
      typeVersion: 3.4,
      position: [200, 0],
      parameters: {
        assignments: {
          assignments: [{ id: 'a', name: 'sum', value: '={{ 20 + 22 }}', type: 'number' }],
        },
        options: {},
      },
    },
  ],
  connections: { Start: { main: [[{ node: 'Set', type: 'main', index: 0 }]] } },
};

describe('iza workflow (on the database directly)', { timeout: 120_000 }, () => {
  const dir = tempDir('iza-wf-cli-');
  const env = { IZA_DATA_DIR: join(dir.path, 'data'), IZA_LOG_LEVEL: 'warn' };
  afterAll(() => dir.remove());

  it('imports a folder with a per-file report, lists, runs and shows executions', async () => {
    const folder = join(dir.path, 'exports', 'nested');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'good.json'), JSON.stringify(manual));
    writeFileSync(join(dir.path, 'exports', 'bad.json'), '{"nodes": [');
    writeFileSync(join(dir.path, 'exports', 'notes.txt'), 'ignored');

    const admin = await runIza(
      [
        'user',
        'create-admin',
        '--org',
        'CLI Co',
        '--email',
        'cli@example.test',
        '--name',
        'Cli',
        '--password-stdin',
      ],
      env,
      'correct horse battery staple 42\n',
    );
    expect(admin.code, admin.output).toBe(0);

    const imported = await runIza(['workflow', 'import', join(dir.path, 'exports'), '--json'], env);
    expect(imported.code, imported.output).toBe(0);
    const report = JSON.parse(imported.output.slice(imported.output.indexOf('{')));
    expect(report).toMatchObject({ imported: 1, refused: 1 });
    const id = report.files.find((f: { status: string }) => f.status === 'imported').id as string;

    const list = await runIza(['workflow', 'list'], env);
    expect(list.output).toContain('cli manual');

    const run = await runIza(['workflow', 'run', id, '--json'], env);
    expect(run.code, run.output).toBe(0);
    expect(JSON.parse(run.output.slice(run.output.indexOf('{')))).toMatchObject({
      status: 'succeeded',
      output: [{ sum: 42 }],
    });

    const executions = await runIza(['workflow', 'executions', '--workflow', id], env);
    expect(executions.output).toContain('succeeded');

    const check = await runIza(['workflow', 'check', join(dir.path, 'exports'), '--json'], env);
    expect(JSON.parse(check.output.slice(check.output.indexOf('{')))).toMatchObject({
      files: 2,
      imported: 1,
      refused: 1,
      refusals: { malformed_json: 1 },
    });
  });
});
