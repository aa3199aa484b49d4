import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, testEngine, wf } from '../engine/test-helpers.test-support.ts';
import { createDiskAccess } from './disk.ts';

/** The file nodes in workflows, on real files in a temporary folder (behaviour as n8n's). */
describe('Read/Write Files from Disk and the binary file nodes', () => {
  let filesDir: string;
  const ORG = 'org1';
  const engine = (maxFileBytes = 1024 * 1024) =>
    testEngine({ files: createDiskAccess({ filesDir, orgId: ORG, maxFileBytes }) });
  const put = async (path: string, text: string) => {
    const full = join(filesDir, ORG, path);
    await mkdir(join(full, '..'), { recursive: true });
    await writeFile(full, text);
  };

  beforeEach(() => {
    filesDir = mkdtempSync(join(tmpdir(), 'iza-file-nodes-'));
  });
  afterEach(() => rmSync(filesDir, { recursive: true, force: true }));

  it('reads files, writes them elsewhere, and reads them back', async () => {
    await put('in/a.csv', 'id\n1\n');
    await put('in/b.csv', 'id\n2\n');
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Read', 'readWriteFile', { fileSelector: '/in/*.csv' }, { typeVersion: 1.1 }],
        [
          'Write',
          'readWriteFile',
          { operation: 'write', fileName: '=/out/{{ $binary.data.fileName }}' },
          { typeVersion: 1.1 },
        ],
        ['Again', 'readBinaryFiles', { fileSelector: '/out/*' }],
      ],
      ['Start>Read', 'Read>Write', 'Write>Again'],
    );
    const r = await run(w, {}, engine());
    expect(r.status, JSON.stringify(r.error)).toBe('success');
    expect(r.runData.Write?.[0]?.data.main[0]?.map((i) => i.json.fileName)).toEqual([
      '/out/a.csv',
      '/out/b.csv',
    ]);
    expect(await readFile(join(filesDir, ORG, 'out/b.csv'), 'utf8')).toBe('id\n2\n');
    const again = r.runData.Again?.[0]?.data.main[0] ?? [];
    expect(again.map((i) => i.binary?.data?.fileName)).toEqual(['a.csv', 'b.csv']);
    expect(Buffer.from(again[0]!.binary!.data!.data, 'base64').toString()).toBe('id\n1\n');
  });

  it('gives one run of Read Binary Files whatever the number of input items', async () => {
    await put('x.txt', 'x');
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Read', 'readBinaryFiles', { fileSelector: '*.txt' }],
      ],
      ['Start>Read'],
    );
    const r = await run(w, { triggerItems: [{ json: {} }, { json: {} }] }, engine());
    expect(r.runData.Read?.[0]?.data.main[0]).toHaveLength(1);
    expect(r.runData.Read?.[0]?.data.main[0]?.[0]?.binary?.data).toMatchObject({
      fileName: 'x.txt',
      mimeType: 'text/plain',
      fileSize: '1 B',
    });
    expect(r.runData.Read?.[0]?.data.main[0]?.[0]?.binary?.data?.directory).toBeUndefined();
  });

  it('evaluates paths per item and fails an item alone with continueOnFail', async () => {
    await put('data/1.json', '{"a":1}');
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        [
          'Read',
          'readBinaryFile',
          { filePath: '=/data/{{ $json.n }}.json', dataPropertyName: 'doc' },
          { continueOnFail: true },
        ],
      ],
      ['Start>Read'],
    );
    const r = await run(w, { triggerItems: [{ json: { n: 1 } }, { json: { n: 2 } }] }, engine());
    const out = r.runData.Read?.[0]?.data.main[0] ?? [];
    expect(out[0]?.json).toEqual({ n: 1 });
    expect(out[0]?.binary?.doc).toMatchObject({
      mimeType: 'application/json',
      fileType: 'json',
      fileName: '1.json',
      directory: '/data',
      fileExtension: 'json',
    });
    expect(out[1]?.json).toEqual({ error: 'The file "/data/2.json" could not be accessed.' });
  });

  it('refuses to leave the folder from a workflow, naming the path', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Read', 'readWriteFile', { fileSelector: '=/data/../../{{ "other" }}/x.csv' }],
      ],
      ['Start>Read'],
    );
    const r = await run(w, {}, engine());
    expect(r.status).toBe('error');
    expect(r.error?.message).toBe(
      `The path "/data/../../other/x.csv" leads outside the organisation's folder ('..')`,
    );
  });

  it('stops reading once a node has read more than the limit in all', async () => {
    await put('d/1.txt', 'x'.repeat(600));
    await put('d/2.txt', 'x'.repeat(600));
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Read', 'readWriteFile', { fileSelector: '/d/*.txt' }],
      ],
      ['Start>Read'],
    );
    const r = await run(w, {}, engine(1024));
    expect(r.error?.message).toBe('The files this node reads are larger than 1024 bytes in all');
  });

  it('fails clearly when the engine has no folder for files', async () => {
    for (const [type, parameters] of [
      ['readWriteFile', { fileSelector: '/data/*.csv' }],
      ['readBinaryFile', { filePath: '/data/a.csv' }],
      ['readBinaryFiles', { fileSelector: '*' }],
    ] as const) {
      const w = wf(
        [
          ['Start', 'manualTrigger'],
          ['Node', type, parameters],
        ],
        ['Start>Node'],
      );
      const r = await run(w);
      expect(r.error?.message, type).toMatch(/^File access is not configured/);
    }
  });
});
