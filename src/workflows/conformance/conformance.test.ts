import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { json, testEngine, wf } from '../engine/test-helpers.test-support.ts';
import { runWorkflow } from '../engine/executor.ts';
import type { Item } from '../engine/engine.types.ts';
import { createCommandSandbox, sandboxProblem } from '../nodes/command.sandbox.ts';
import { createDiskAccess } from '../nodes/disk.ts';
import type { ConformanceCase } from './case.ts';
import { codeCases } from './code.cases.ts';
import { conditionCases } from './conditions.cases.ts';
import { commandCases } from './command.cases.ts';
import { compareCases } from './compare.cases.ts';
import { dateTimeCases } from './datetime.cases.ts';
import { defaultsCases } from './defaults.cases.ts';
import { descriptionDefaultsCases } from './defaults-descriptions.cases.ts';
import { editImageCases } from './edit-image.cases.ts';
import { executionDataCases } from './execution-data.cases.ts';
import { fileCases } from './files.cases.ts';
import { fileConvertCases } from './files-convert.cases.ts';
import { mergeCases } from './merge.cases.ts';
import { transformCases } from './transform.cases.ts';

/**
 * The per-node conformance suite: each case runs its node in a workflow (fed by a manual
 * trigger, or by two Code nodes for a second input) and compares what comes out with what n8n
 * answers for the same node, version, parameters and items (see each case's `source`).
 */
const SUITES: [string, ConformanceCase[]][] = [
  ['Date & Time', dateTimeCases],
  ['If, Filter and Switch conditions', conditionCases],
  ['parameter defaults', defaultsCases],
  ['parameter defaults from the node descriptions', descriptionDefaultsCases],
  ['item lists and transforms', transformCases],
  ['Code, Function, Function Item', codeCases],
  ['Compare Datasets', compareCases],
  ['Merge', mergeCases],
  ['Edit Image', editImageCases],
  ['files on disk and Compression', fileCases],
  ['Extract from File, Convert to File, Spreadsheet File', fileConvertCases],
  ['Execute Command', commandCases],
  ['Execution Data and custom data', executionDataCases],
];

/** Why Execute Command's cases cannot run here (no bubblewrap), or undefined. */
const sandboxMissing = await sandboxProblem();

/** Each case's files live in an organisation folder of their own under this one. */
const filesDir = mkdtempSync(join(tmpdir(), 'iza-conformance-files-'));
afterAll(() => rmSync(filesDir, { recursive: true, force: true }));
let caseCount = 0;

/** A file on an item without its bytes. */
const metadata = (items: Item[] | undefined) =>
  (items ?? []).map((item) =>
    Object.fromEntries(
      Object.entries(item.binary ?? {}).map(([key, { data: _data, ...rest }]) => [key, rest]),
    ),
  );

async function runCase(c: ConformanceCase) {
  const feed = (items: Record<string, unknown>[]) => ({
    jsCode: `return ${JSON.stringify(items.map((j) => ({ json: j })))};`,
  });
  const nodes: Parameters<typeof wf>[0] = [['Start', 'manualTrigger']];
  const edges: Parameters<typeof wf>[1] = [];
  if (c.input2) {
    nodes.push(['A', 'code', feed(c.input ?? [{}]), { typeVersion: 2 }]);
    nodes.push(['B', 'code', feed(c.input2), { typeVersion: 2 }]);
    edges.push('Start>A', 'Start>B', ['A', 0, 'Node', 0], ['B', 0, 'Node', 1]);
  } else {
    edges.push('Start>Node');
  }
  nodes.push(['Node', c.node, c.parameters, { typeVersion: c.version, ...c.nodeSettings }]);
  const workflow = wf(nodes, edges, { executionOrder: 'v1', ...c.settings });
  const orgId = `case${++caseCount}`;
  const orgFolder = join(filesDir, orgId);
  for (const [path, text] of Object.entries(c.files ?? {})) {
    await mkdir(dirname(join(orgFolder, path)), { recursive: true });
    await writeFile(join(orgFolder, path), text);
  }
  const deps = testEngine({
    ...(c.instanceTimezone ? { timezone: c.instanceTimezone } : {}),
    files: createDiskAccess({ filesDir, orgId, maxFileBytes: 1024 * 1024 }),
    ...(c.commands
      ? {
          commands: createCommandSandbox({
            filesDir,
            orgId,
            timeoutMs: 10_000,
            memoryMb: 512,
            processes: 64,
            maxFileBytes: 1024 * 1024,
            network: false,
          }),
        }
      : {}),
  });
  const result = await runWorkflow(deps, {
    workflow,
    triggerItems: c.input2
      ? [{ json: {} }]
      : (c.input ?? [{}]).map((j, n) => {
          const binary = c.inputBinary?.[n];
          return binary ? { json: j, binary: binary as Item['binary'] } : { json: j };
        }),
  });
  const run = result.runData.Node?.[0];
  const filesAfter: Record<string, string> = {};
  for (const path of Object.keys(c.filesAfter ?? {})) {
    filesAfter[path] = await readFile(join(orgFolder, path), 'utf8').catch(() => '(missing)');
  }
  return {
    result,
    outputs: (run?.data.main ?? []).map((items) => json(items ?? [])),
    binaryOutputs: (run?.data.main ?? []).map(metadata),
    filesAfter,
    run,
  };
}

for (const [suite, cases] of SUITES) {
  describe(`conformance with n8n: ${suite}`, () => {
    const skipped = sandboxMissing === undefined ? [] : cases.filter((c) => c.commands);
    for (const c of skipped) {
      it.skip(`${c.node} ${c.version}: ${c.title} (skipped: ${sandboxMissing})`, () => {});
    }
    const runnable = cases.filter((c) => !skipped.includes(c));
    it.each(runnable.map((c) => [`${c.node} ${c.version}: ${c.title}`, c] as const))(
      '%s',
      async (_, c) => {
        const { result, outputs, binaryOutputs, filesAfter, run } = await runCase(c);
        if (c.error) {
          const error = run?.error ?? result.error;
          expect(error?.message).toMatch(c.error);
          if (c.errorDescription !== undefined) {
            expect(error?.description).toBe(c.errorDescription);
          }
          if (c.errorItemIndex !== undefined) expect(error?.itemIndex).toBe(c.errorItemIndex);
          return;
        }
        expect(run?.error, JSON.stringify(run?.error)).toBeUndefined();
        expect(outputs).toEqual(c.outputs);
        if (c.binaryOutputs) expect(binaryOutputs).toEqual(c.binaryOutputs);
        if (c.filesAfter) expect(filesAfter).toEqual(c.filesAfter);
        if (c.customData) expect({ ...result.state.customData }).toEqual(c.customData);
      },
    );
  });
}
