import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A process that ran a Code node exits cleanly: the spare isolate prepared after the run (and
 * one still being prepared) is disposed on exit, as isolated-vm must not be torn down with an
 * isolate alive.
 */
const dir = mkdtempSync(join(tmpdir(), 'iza-code-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a process that ran a Code node', () => {
  const script = join(dir, 'run-code.ts');
  writeFileSync(
    script,
    `import { runNode } from ${JSON.stringify(join(import.meta.dirname, '../engine/test-helpers.test-support.ts'))};
const r = await runNode('code', 2, { jsCode: 'return [{ json: { n: 41 + 1 } }];' });
console.log(JSON.stringify(r.outputs));
await new Promise((resolve) => setTimeout(resolve, Number(process.argv[2])));
`,
  );

  it.each([0, 30])('exits with status 0, the spare isolate released (%i ms after)', (wait) => {
    for (let i = 0; i < 3; i++) {
      const child = spawnSync(process.execPath, ['--no-node-snapshot', script, String(wait)], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(child.stdout.trim()).toBe('[[{"n":42}]]');
      expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
    }
  });
});
