import { Zip, ZipDeflate, gzipSync, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { testEngine, wf } from '../engine/test-helpers.test-support.ts';
import { runWorkflow } from '../engine/executor.ts';
import type { Item } from '../engine/engine.types.ts';

/** Compression, behaviour as n8n's node (nodes/Compression), and its limit on what it unpacks. */
describe('Compression', () => {
  const file = (bytes: Uint8Array | string, meta: Record<string, string>) => ({
    data: Buffer.from(bytes).toString('base64'),
    mimeType: 'application/octet-stream',
    ...meta,
  });
  const runWith = async (
    parameters: Record<string, unknown>,
    items: Item[],
    version = 1.1,
    limit?: number,
  ) => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Node', 'compression', parameters, { typeVersion: version }],
      ],
      ['Start>Node'],
    );
    const deps = testEngine(
      limit === undefined
        ? {}
        : {
            files: {
              maxFileBytes: limit,
              glob: () => Promise.resolve([]),
              read: () => Promise.reject(new Error('no')),
              write: () => Promise.reject(new Error('no')),
            },
          },
    );
    const r = await runWorkflow(deps, { workflow: w, triggerItems: items });
    return { error: r.error?.message, items: r.runData.Node?.[0]?.data.main[0] ?? [] };
  };

  it('zips several fields into one file, stored when already compressed, and unzips them', async () => {
    const { items, error } = await runWith(
      {
        operation: 'compress',
        binaryPropertyName: 'a, b',
        fileName: 'both.zip',
        binaryPropertyOutput: 'archive',
      },
      [
        {
          json: { n: 1 },
          binary: {
            a: file('alpha text', { fileName: 'a.txt', fileExtension: 'txt' }),
            b: file('not really a png', { fileName: 'b.png', fileExtension: 'png' }),
          },
        },
      ],
    );
    expect(error).toBeUndefined();
    const archive = items[0]!.binary!.archive!;
    expect(items[0]!.json).toEqual({ n: 1 });
    expect(Object.keys(items[0]!.binary!)).toEqual(['archive']);
    expect(archive).toMatchObject({
      fileName: 'both.zip',
      mimeType: 'application/zip',
      fileExtension: 'zip',
    });
    const unzipped = unzipSync(Buffer.from(archive.data, 'base64'));
    expect(Object.keys(unzipped)).toEqual(['a.txt', 'b.png']);
    expect(Buffer.from(unzipped['b.png']!).toString()).toBe('not really a png');

    const back = await runWith({ operation: 'decompress', binaryPropertyName: 'archive' }, [
      { json: { n: 1 }, binary: { archive } },
    ]);
    expect(back.items[0]!.json).toEqual({ n: 1 });
    expect(Object.keys(back.items[0]!.binary!)).toEqual(['file_0', 'file_1']);
    expect(back.items[0]!.binary!.file_1).toMatchObject({
      fileName: 'b.png',
      mimeType: 'image/png',
      fileType: 'image',
      fileSize: '16 B',
    });
  });

  it('numbers unpacked files across the archives of an item; folders and __MACOSX left out', async () => {
    const one = zipSync({
      'dir/': new Uint8Array(0),
      'dir/x.csv': Buffer.from('1'),
      '__MACOSX/dir/._x.csv': Buffer.from('junk'),
    });
    const two = gzipSync(Buffer.from('{"a":1}'));
    const { items } = await runWith(
      { operation: 'decompress', binaryPropertyName: 'one,two', outputPrefix: 'f' },
      [
        {
          json: {},
          binary: {
            one: file(one, { fileName: 'one.zip', fileExtension: 'zip' }),
            two: file(two, { fileName: 'doc.json.gz', fileExtension: 'gz' }),
          },
        },
      ],
    );
    expect(items[0]!.binary!.f0).toMatchObject({ fileName: 'x.csv', directory: 'dir' });
    // A gzip file takes its position in the list of fields.
    expect(items[0]!.binary!.f1).toMatchObject({
      fileName: 'doc.json',
      mimeType: 'application/json',
      fileExtension: 'json',
    });
    expect(Object.keys(items[0]!.binary!)).toEqual(['f0', 'f1']);
  });

  it('names a gzip file without an inner extension by its type, text by default', async () => {
    const { items } = await runWith({ operation: 'decompress' }, [
      {
        json: {},
        binary: {
          data: file(gzipSync(Buffer.from('plain')), { fileName: 'notes.gz', fileExtension: 'gz' }),
        },
      },
    ]);
    expect(items[0]!.binary!.file_0).toMatchObject({
      fileName: 'notes.txt',
      fileExtension: 'txt',
      mimeType: 'text/plain',
    });
  });

  it('refuses a zip bomb: the unpacked bytes are counted, whatever sizes the archive claims', async () => {
    // A streamed zip does not state its sizes before the data: only counting stops it.
    const parts: Uint8Array[] = [];
    const zip = new Zip((err, chunk) => {
      if (err) throw err;
      parts.push(chunk);
    });
    const entry = new ZipDeflate('zeros.bin', { level: 9 });
    zip.add(entry);
    const mb = new Uint8Array(1024 * 1024);
    for (let n = 0; n < 64; n++) entry.push(mb, n === 63);
    zip.end();
    const bomb = Buffer.concat(parts);
    expect(bomb.length).toBeLessThan(100_000);
    const { error } = await runWith(
      {},
      [{ json: {}, binary: { data: file(bomb, { fileName: 'bomb.zip', fileExtension: 'zip' }) } }],
      1.1,
      8 * 1024 * 1024,
    );
    expect(error).toBe('The decompressed output exceeds the maximum allowed size of 8 MB');

    const gzBomb = gzipSync(new Uint8Array(64 * 1024 * 1024));
    const gz = await runWith(
      {},
      [{ json: {}, binary: { data: file(gzBomb, { fileName: 'bomb.gz', fileExtension: 'gz' }) } }],
      1.1,
      8 * 1024 * 1024,
    );
    expect(gz.error).toBe('The decompressed output exceeds the maximum allowed size of 8 MB');

    // Declared sizes too large are refused before any work; several archives share the limit.
    const declared = zipSync({ 'big.bin': new Uint8Array(9 * 1024 * 1024) });
    const big = await runWith(
      {},
      [
        {
          json: {},
          binary: { data: file(declared, { fileName: 'big.zip', fileExtension: 'zip' }) },
        },
      ],
      1.1,
      8 * 1024 * 1024,
    );
    expect(big.error).toBe('The decompressed output exceeds the maximum allowed size of 8 MB');
    const half = gzipSync(new Uint8Array(5 * 1024 * 1024));
    const shared = await runWith(
      { binaryPropertyName: 'a,b' },
      [
        {
          json: {},
          binary: {
            a: file(half, { fileName: 'a.gz', fileExtension: 'gz' }),
            b: file(half, { fileName: 'b.gz', fileExtension: 'gz' }),
          },
        },
      ],
      1.1,
      8 * 1024 * 1024,
    );
    expect(shared.error).toBe('The decompressed output exceeds the maximum allowed size of 8 MB');
  });

  it('refuses more than 1000 entries, broken archives, tar, and files without an extension', async () => {
    const many: Record<string, Uint8Array> = {};
    for (let n = 0; n <= 1000; n++) many[`f${n}.txt`] = new Uint8Array(0);
    const cases: [Record<string, string>, Uint8Array | string, RegExp][] = [
      [{ fileName: 'many.zip', fileExtension: 'zip' }, zipSync(many), /more than 1000 entries/],
      [{ fileName: 'x.zip', fileExtension: 'zip' }, 'not a zip', /invalid zip data/],
      [{ fileName: 'x.gz', fileExtension: 'gz' }, 'not gzip', /invalid gzip data/],
      [{ fileName: 'x.tar.gz', fileExtension: 'gz' }, 'x', /tar archives is not supported yet/],
      [{ fileName: 'x' }, 'x', /^File extension not found for binary data data$/],
    ];
    for (const [meta, bytes, message] of cases) {
      const { error } = await runWith({}, [{ json: {}, binary: { data: file(bytes, meta) } }]);
      expect(error, meta.fileName).toMatch(message);
    }
  });

  it('reads version 1 parameters at the first item, later versions at each', async () => {
    const items: Item[] = [
      {
        json: { key: 'a' },
        binary: { a: file('1', { fileName: 'one.txt', fileExtension: 'txt' }) },
      },
      {
        json: { key: 'b' },
        binary: { b: file('2', { fileName: 'two.txt', fileExtension: 'txt' }) },
      },
    ];
    const perItem = await runWith(
      { operation: 'compress', outputFormat: 'gzip', binaryPropertyName: '={{ $json.key }}' },
      items,
    );
    expect(perItem.items.map((i) => i.binary?.data?.fileName)).toEqual([
      'one.txt.gz',
      'two.txt.gz',
    ]);
    const first = await runWith(
      { operation: 'compress', outputFormat: 'gzip', binaryPropertyName: '={{ $json.key }}' },
      items,
      1,
    );
    expect(first.error).toBe("The item has no binary field 'a' [item 1]");
  });

  it('writes a gzip file named by the fileName parameter (1.1)', async () => {
    const missing = await runWith({ operation: 'compress', outputFormat: 'gzip' }, [
      { json: {}, binary: { x: file('abc', { fileName: 'a.csv', fileExtension: 'CSV' }) } },
    ]);
    expect(missing.error).toBe("The item has no binary field 'data' [item 0]");
    const named = await runWith(
      {
        operation: 'compress',
        outputFormat: 'gzip',
        binaryPropertyName: 'x',
        fileName: 'backup.gz',
        binaryPropertyOutput: 'out',
      },
      [{ json: {}, binary: { x: file('abc', { fileName: 'a.csv', fileExtension: 'CSV' }) } }],
    );
    const hostile = await runWith(
      {
        operation: 'compress',
        outputFormat: 'gzip',
        binaryPropertyName: 'x',
        binaryPropertyOutput: '__proto__',
      },
      [{ json: {}, binary: { x: file('abc', { fileName: 'a.csv', fileExtension: 'csv' }) } }],
    );
    // A field named __proto__ is an ordinary field of the item's files.
    expect(Object.keys(hostile.items[0]!.binary!)).toEqual(['__proto__']);
    expect(named.items[0]?.binary?.out).toMatchObject({
      fileName: 'backup.csv.gz',
      mimeType: 'application/gzip',
    });
  });
});
