import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { pgliteStorage } from '../helpers/storage.ts';
import { manualWorkflow, node, runNewWorkflow, type TestNode } from '../helpers/workflows.ts';

/**
 * Workflows' files through the whole server: executions run in executor processes, each given
 * the folder of the organisation that owns it. Organisation B (an attacker with an admin's
 * rights over its own workflows) tries to read and overwrite organisation A's files; the one
 * executor process serves both organisations in turn.
 */

const workflow = (name: string, nodes: TestNode[]) => manualWorkflow(name, nodes);
/** A Code node that makes one item with a text file under `data`. */
const textFile = (text: string) =>
  node(
    'Make',
    'code',
    {
      jsCode: `return [{ json: {}, binary: { data: { data: Buffer.from(${JSON.stringify(text)}).toString('base64'), mimeType: 'text/plain', fileName: 'note.txt' } } }];`,
    },
    2,
  );
const write = (path: string) =>
  node('Write', 'readWriteFile', { operation: 'write', fileName: path, options: {} }, 1.1);
const read = (path: string) =>
  node('Read', 'readWriteFile', { fileSelector: path, options: {} }, 1.1);
const decode = node(
  'Decode',
  'code',
  {
    jsCode:
      "return $input.all().map((item) => ({ json: { text: Buffer.from(item.binary.data.data, 'base64').toString() } }));",
  },
  2,
);

describe("an organisation's files, through the executor processes", { timeout: 180_000 }, () => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let filesDir: string;
  let a: Record<string, string>;
  let b: Record<string, string>;

  const run = (headers: Record<string, string>, body: unknown) => runNewWorkflow(w, headers, body);

  beforeAll(async () => {
    filesDir = mkdtempSync(join(tmpdir(), 'iza-org-files-'));
    const storage = await pgliteStorage.create();
    drop = storage.drop;
    w = await createAccessWorld(storage.target, {
      IZA_WORKFLOWS_RUN_WAIT_MS: '120000',
      IZA_WORKFLOWS_EXECUTORS: '1',
      IZA_WORKFLOWS_FILES_DIR: filesDir,
    });
    a = { authorization: w.callers.find((c) => c.role === 'editor')!.authorization! };
    b = { authorization: w.callers.find((c) => c.role === 'other-org-admin')!.authorization! };
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
    rmSync(filesDir, { recursive: true, force: true });
  });

  it("keeps each organisation's files in its own folder, out of the other's reach", async () => {
    const written = await run(
      a,
      workflow('A writes', [textFile('A secret'), write('/data/secret.txt')]),
    );
    expect(written.status, JSON.stringify(written.error)).toBe('succeeded');
    expect(written.output?.[0]).toMatchObject({ fileName: '/data/secret.txt' });
    const aFile = join(filesDir, w.orgA, 'data', 'secret.txt');
    expect(await readFile(aFile, 'utf8')).toBe('A secret');
    expect((await stat(join(filesDir, w.orgA))).mode & 0o777).toBe(0o700);

    // The same path in B's workflows is B's own file, which does not exist.
    const same = await run(b, workflow('B reads', [read('/data/secret.txt')]));
    expect(same.status).toBe('failed');
    expect(same.error?.message).toBe('No file(s) found');

    // Leaving B's folder, by '..' or by naming A's folder, is refused, reading and writing.
    for (const path of [`../${w.orgA}/data/secret.txt`, `/../${w.orgA}/data/secret.txt`]) {
      const steal = await run(b, workflow('B steals', [read(path)]));
      expect(steal.status).toBe('failed');
      expect(steal.error?.message).toBe(
        `The path "${path}" leads outside the organisation's folder ('..')`,
      );
      const overwrite = await run(
        b,
        workflow('B overwrites', [textFile('B was here'), write(path)]),
      );
      expect(overwrite.status).toBe('failed');
      expect(overwrite.error?.message).toMatch(/leads outside the organisation's folder/);
    }
    const glob = await run(b, workflow('B lists', [read(`{.,..}/${w.orgA}/**/*`)]));
    expect(glob.error?.message).toBe('No file(s) found');

    // A link planted in B's folder towards A's file is refused too.
    const planted = await run(
      b,
      workflow('B makes its folder', [textFile('b'), write('/own.txt')]),
    );
    expect(planted.status).toBe('succeeded');
    await symlink(aFile, join(filesDir, w.orgB, 'link.txt'));
    const viaLink = await run(b, workflow('B follows a link', [read('/link.txt')]));
    expect(viaLink.status).toBe('failed');
    expect(viaLink.error?.message).toBe(
      `The path "/link.txt" leads outside the organisation's folder (a symbolic link)`,
    );
    const throughLink = await run(
      b,
      workflow('B writes through a link', [textFile('B'), write('/link.txt')]),
    );
    expect(throughLink.error?.message).toMatch(/symbolic link/);

    expect(await readFile(aFile, 'utf8')).toBe('A secret');
    const back = await run(a, workflow('A reads', [read('/data/*.txt'), decode]));
    expect(back.status, JSON.stringify(back.error)).toBe('succeeded');
    expect(back.output).toEqual([{ text: 'A secret' }]);
  });
});
