import type { ConformanceCase } from './case.ts';

const DEFAULT = "n8n's node description: Function and Function Item functionCode default";

/** Code, Function and Function Item. */
export const codeCases: ConformanceCase[] = [
  ...(['runOnceForAllItems', 'runOnceForEachItem'] as const).map((mode): ConformanceCase => ({
    title: `Code without code fails (${mode}): the default is empty, the snippet is the editor's`,
    node: 'code',
    version: 2,
    parameters: { mode },
    input: [{ a: 1 }],
    error: /^No code to execute$/,
    source:
      "n8n's node description: Code jsCode default '' (its editor writes the snippet); n8n's JavaScript task runner asserts 'No code to execute'",
  })),
  {
    title: 'Function without code runs its default snippet',
    node: 'function',
    version: 1,
    parameters: {},
    input: [{ a: 1 }],
    outputs: [[{ a: 1, myNewField: 1 }]],
    source: DEFAULT,
  },
  {
    title: 'Function Item without code runs its default snippet',
    node: 'functionItem',
    version: 1,
    parameters: {},
    input: [{ a: 1 }],
    outputs: [[{ a: 1, myNewField: 1 }]],
    source: DEFAULT,
  },
  {
    title: 'Function reads and writes the workflow static data with getWorkflowStaticData',
    node: 'function',
    version: 1,
    parameters: {
      functionCode: `const data = getWorkflowStaticData('global');
data.runs = (data.runs || 0) + 1;
return [{ json: { runs: data.runs } }];`,
    },
    outputs: [[{ runs: 1 }]],
    source: "n8n docs: Function node, getWorkflowStaticData('global')",
  },
];
