import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCorpus, workflowFiles } from './corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'iza-corpus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (name: string, type: string, typeVersion = 1) => ({
  name,
  type: `n8n-nodes-base.${type}`,
  typeVersion,
  position: [0, 0],
  parameters: {},
});
const write = (path: string, nodes: unknown[] | string) => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(
    join(dir, path),
    typeof nodes === 'string' ? nodes : JSON.stringify({ nodes, connections: {} }),
  );
};

describe('the corpus check', () => {
  write('a/runs.json', [node('Start', 'manualTrigger'), node('Set', 'set', 3.4)]);
  write('a/newer.json', [node('Hook', 'webhook', 2), node('Fetch', 'httpRequest', 4.5)]);
  write('b/core.json', [node('Start', 'manualTrigger'), node('Remote', 'ssh')]);
  write('b/core-and-app.json', [node('Remote', 'ssh'), node('Sheet', 'googleSheets', 4.5)]);
  write('b/app.json', [node('Start', 'manualTrigger'), node('Sheet', 'googleSheets', 4.5)]);
  write('b/command.json', [node('Start', 'manualTrigger'), node('Shell', 'executeCommand')]);
  write('c/broken.json', '{"nodes": [');
  write('c/notes.txt', 'not a workflow');

  it('says what is activatable, what needs a setting, what core nodes alone block, and what would unblock most', () => {
    const files = workflowFiles([dir]);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'a/newer.json',
      'a/runs.json',
      'b/app.json',
      'b/command.json',
      'b/core-and-app.json',
      'b/core.json',
      'c/broken.json',
    ]);
    const report = checkCorpus(files);
    expect(report).toMatchObject({
      files: 7,
      imported: 3,
      importedUnsupported: 3,
      refused: 1,
      activatable: 2,
      needsSetting: 1,
      approximated: 1,
      coreBlocked: 1,
      refusals: { malformed_json: 1 },
    });
    expect(report.missing).toEqual([
      {
        type: 'n8n-nodes-base.googleSheets',
        versions: [4.5],
        core: false,
        workflows: 2,
        unblocks: 1,
      },
      {
        type: 'n8n-nodes-base.ssh',
        versions: [1],
        core: true,
        workflows: 2,
        unblocks: 1,
      },
    ]);
  });
});
