import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A process that ran Edit Image (libvips, through sharp) ends by itself when its work is done:
 * libvips' worker threads hold no event-loop handle, and nothing sharp leaves behind keeps the
 * process alive or crashes it on the way out.
 */
const dir = mkdtempSync(join(tmpdir(), 'iza-edit-image-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a process that ran Edit Image', () => {
  const script = join(dir, 'run-edit-image.ts');
  writeFileSync(
    script,
    `import { run, wf } from ${JSON.stringify(join(import.meta.dirname, '../engine/test-helpers.test-support.ts'))};
const w = wf(
  [
    ['Start', 'manualTrigger'],
    ['Edit', 'editImage', {
      operation: 'multiStep',
      operations: { operations: [
        { operation: 'create', width: 300, height: 200, backgroundColor: '#336699' },
        { operation: 'text', text: 'exit', fontSize: 40 },
        { operation: 'rotate', rotate: 30 },
        { operation: 'blur', sigma: 3 },
      ] },
    }],
  ],
  ['Start>Edit'],
);
const r = await run(w, { triggerItems: [{ json: {} }] });
console.log(r.status, r.runData.Edit?.[0]?.data.main[0]?.[0]?.binary?.data?.mimeType);
await new Promise((resolve) => setTimeout(resolve, Number(process.argv[2])));
`,
  );

  it.each([0, 30])('exits by itself with status 0 (%i ms after)', (wait) => {
    const child = spawnSync(process.execPath, ['--no-node-snapshot', script, String(wait)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stdout.trim()).toBe('success image/png');
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
  });
});
