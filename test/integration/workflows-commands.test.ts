import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxProblem } from '../../src/workflows/nodes/command.sandbox.ts';
import { createAccessWorld } from '../helpers/access.ts';
import { pgliteStorage } from '../helpers/storage.ts';
import { manualWorkflow, node, runNewWorkflow } from '../helpers/workflows.ts';

/**
 * Execute Command through the whole server. Off (the default): a workflow that uses it imports,
 * but is not activatable and its run fails, naming the setting. On: commands run in executor
 * processes, each sandboxed in the folder of the organisation that owns the execution;
 * organisation B (an admin of its own workflows) tries to reach organisation A's files.
 */

const command = (text: string) => node('Command', 'executeCommand', { command: text });
/** A workflow with a schedule, so that only the command node can keep it from activating. */
const scheduled = {
  name: 'nightly command',
  nodes: [
    {
      ...node('Nightly', 'scheduleTrigger', { rule: { interval: [{ field: 'days' }] } }, 1.2),
    },
    command('date'),
  ],
  connections: { Nightly: { main: [[{ node: 'Command', type: 'main', index: 0 }]] } },
};

async function world(env: Record<string, string>) {
  const storage = await pgliteStorage.create();
  const w = await createAccessWorld(storage.target, {
    IZA_WORKFLOWS_RUN_WAIT_MS: '120000',
    IZA_WORKFLOWS_EXECUTORS: '1',
    ...env,
  });
  const header = (role: string) => ({
    authorization: w.callers.find((c) => c.role === role)!.authorization!,
  });
  const run = (headers: Record<string, string>, body: unknown) => runNewWorkflow(w, headers, body);
  return {
    w,
    a: header('editor'),
    b: header('other-org-admin'),
    run,
    close: async () => {
      await w.close();
      await storage.drop();
    },
  };
}

describe('Execute Command turned off (the default)', { timeout: 180_000 }, () => {
  let t: Awaited<ReturnType<typeof world>>;
  let filesDir: string;
  beforeAll(async () => {
    filesDir = mkdtempSync(join(tmpdir(), 'iza-commands-off-'));
    t = await world({ IZA_WORKFLOWS_FILES_DIR: filesDir });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(filesDir, { recursive: true, force: true });
  });

  it('imports the workflow, says what it needs, refuses to activate it and fails its run', async () => {
    const imported = await t.w.inject({
      method: 'POST',
      url: '/api/v1/workflows/import',
      headers: t.a,
      payload: { files: [{ file: 'nightly.json', content: scheduled }] },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const [report] = imported.json().data.files as {
      id: string;
      status: string;
      cannotActivate?: string[];
    }[];
    expect(report!.status).toBe('imported');
    expect(report!.cannotActivate).toEqual([
      `The node "Command" (n8n-nodes-base.executeCommand) runs shell commands, which are turned off on this server; an administrator turns them on with IZA_WORKFLOWS_EXECUTE_COMMAND=sandbox (commands then run sandboxed in the organisation's files folder).`,
    ]);

    const activate = await t.w.inject({
      method: 'POST',
      url: `/api/v1/workflows/${report!.id}/activate`,
      headers: t.a,
    });
    expect(activate.statusCode).toBe(409);
    expect(activate.json().error.message).toMatch(/IZA_WORKFLOWS_EXECUTE_COMMAND=sandbox/);
    expect(activate.json().error.details.needsSetting).toEqual([
      {
        node: 'Command',
        type: 'n8n-nodes-base.executeCommand',
        setting: 'IZA_WORKFLOWS_EXECUTE_COMMAND=sandbox',
      },
    ]);

    const ran = await t.run(t.a, manualWorkflow('by hand', [command('touch /files/ran')]));
    expect(ran.status).toBe('failed');
    expect(ran.error?.message).toBe(
      'Execute Command is turned off on this server: an administrator turns it on with IZA_WORKFLOWS_EXECUTE_COMMAND=sandbox',
    );
    expect(existsSync(join(filesDir, t.w.orgA, 'ran'))).toBe(false);
  });
});

const missing = await sandboxProblem();

describe.skipIf(missing !== undefined)(
  `Execute Command turned on, sandboxed per organisation${missing ? ` (skipped: ${missing})` : ''}`,
  { timeout: 180_000 },
  () => {
    let t: Awaited<ReturnType<typeof world>>;
    let filesDir: string;
    beforeAll(async () => {
      filesDir = mkdtempSync(join(tmpdir(), 'iza-commands-on-'));
      t = await world({
        IZA_WORKFLOWS_FILES_DIR: filesDir,
        IZA_WORKFLOWS_EXECUTE_COMMAND: 'sandbox',
      });
    });
    afterAll(async () => {
      await t?.close();
      rmSync(filesDir, { recursive: true, force: true });
    });

    it("runs in the owner's folder; another organisation's command cannot reach it", async () => {
      const written = await t.run(
        t.a,
        manualWorkflow('A writes', [
          command('mkdir -p data && echo A secret > data/secret.txt && pwd'),
        ]),
      );
      expect(written.status, JSON.stringify(written.error)).toBe('succeeded');
      expect(written.output).toEqual([{ exitCode: 0, stderr: '', stdout: '/files' }]);
      const aFile = join(filesDir, t.w.orgA, 'data', 'secret.txt');
      expect(await readFile(aFile, 'utf8')).toBe('A secret\n');

      // Read/Write Files of A sees what A's command wrote.
      const read = await t.run(
        t.a,
        manualWorkflow('A reads', [
          node('Read', 'readWriteFile', { fileSelector: '/data/secret.txt', options: {} }, 1.1),
        ]),
      );
      expect(read.status, JSON.stringify(read.error)).toBe('succeeded');
      expect(read.output?.[0]).toMatchObject({ fileName: 'secret.txt' });

      // B's command sees its own (empty) folder, and nothing of A's by any path.
      const steal = await t.run(
        t.b,
        manualWorkflow('B steals', [
          command(
            `ls -a /files; cat /files/data/secret.txt ${aFile} ../${t.w.orgA}/data/secret.txt 2>&1; ls ${filesDir} 2>&1; true`,
          ),
        ]),
      );
      expect(steal.status, JSON.stringify(steal.error)).toBe('succeeded');
      const seen = String(steal.output?.[0]?.stdout);
      expect(seen.startsWith('.\n..\n')).toBe(true);
      expect(seen).not.toContain('A secret');
      expect(seen).not.toContain(t.w.orgB);

      // Nor can B's command change A's file.
      await t.run(
        t.b,
        manualWorkflow('B overwrites', [
          command(`echo B > ${aFile}; echo B > ../${t.w.orgA}/data/secret.txt; true`),
        ]),
      );
      expect(await readFile(aFile, 'utf8')).toBe('A secret\n');
    });
  },
);
