import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A process that read a PDF (pdfjs, loaded on demand) and a spreadsheet ends by itself when its
 * work is done: pdfjs parses on the calling thread, and the document is destroyed after use, so
 * no worker or handle keeps the process alive.
 */
const dir = mkdtempSync(join(tmpdir(), 'iza-files-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a process that ran Extract from File on a PDF', () => {
  const script = join(dir, 'run-extract.ts');
  const helpers = (file: string) => JSON.stringify(join(import.meta.dirname, file));
  writeFileSync(
    script,
    `import { fileOf, makePdf, runWithFiles } from ${helpers('files.test-support.ts')};
const pdf = makePdf({ pages: [['exit test']] });
const r = await runWithFiles('extractFromFile', 1, { operation: 'pdf' }, [
  { json: {}, binary: { data: fileOf(pdf, 'application/pdf', 'a.pdf') } },
]);
const x = await runWithFiles('convertToFile', 1.1, { operation: 'xlsx' }, [{ json: { a: 1 } }]);
const back = await runWithFiles('extractFromFile', 1, { operation: 'xlsx' }, x.items);
console.log(r.items[0]?.json.text, JSON.stringify(back.items[0]?.json));
await new Promise((resolve) => setTimeout(resolve, Number(process.argv[2])));
`,
  );

  it.each([0, 30])('exits by itself with status 0 (%i ms after)', (wait) => {
    const child = spawnSync(process.execPath, ['--no-node-snapshot', script, String(wait)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stdout.trim()).toBe('exit test {"a":1}');
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
  });
});
