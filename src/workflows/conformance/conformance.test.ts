import { describe, expect, it } from 'vitest';
import { json, testEngine, wf } from '../engine/test-helpers.test-support.ts';
import { runWorkflow } from '../engine/executor.ts';
import type { ConformanceCase } from './case.ts';
import { codeCases } from './code.cases.ts';
import { compareCases } from './compare.cases.ts';
import { dateTimeCases } from './datetime.cases.ts';
import { defaultsCases } from './defaults.cases.ts';
import { mergeCases } from './merge.cases.ts';
import { transformCases } from './transform.cases.ts';

/**
 * The per-node conformance suite: each case runs its node in a workflow (fed by a manual
 * trigger, or by two Code nodes for a second input) and compares what comes out with what n8n
 * answers for the same node, version, parameters and items (see each case's `source`).
 */
const SUITES: [string, ConformanceCase[]][] = [
  ['Date & Time', dateTimeCases],
  ['parameter defaults', defaultsCases],
  ['item lists and transforms', transformCases],
  ['Code, Function, Function Item', codeCases],
  ['Compare Datasets', compareCases],
  ['Merge', mergeCases],
];

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
  nodes.push(['Node', c.node, c.parameters, { typeVersion: c.version }]);
  const workflow = wf(nodes, edges, { executionOrder: 'v1', ...c.settings });
  const deps = testEngine(c.instanceTimezone ? { timezone: c.instanceTimezone } : {});
  const result = await runWorkflow(deps, {
    workflow,
    triggerItems: c.input2 ? [{ json: {} }] : (c.input ?? [{}]).map((j) => ({ json: j })),
  });
  const run = result.runData.Node?.[0];
  return { result, outputs: (run?.data.main ?? []).map((items) => json(items ?? [])), run };
}

for (const [suite, cases] of SUITES) {
  describe(`conformance with n8n: ${suite}`, () => {
    it.each(cases.map((c) => [`${c.node} ${c.version}: ${c.title}`, c] as const))(
      '%s',
      async (_, c) => {
        const { result, outputs, run } = await runCase(c);
        if (c.error) {
          expect(run?.error?.message ?? result.error?.message).toMatch(c.error);
          return;
        }
        expect(run?.error, JSON.stringify(run?.error)).toBeUndefined();
        expect(outputs).toEqual(c.outputs);
      },
    );
  });
}
