import type { ConformanceCase } from './case.ts';

const DEFAULT = "n8n's node description and editor: the code each mode starts with";

/** Code, Function and Function Item. */
export const codeCases: ConformanceCase[] = [
  {
    title: 'Code without code runs the default snippet, for all items',
    node: 'code',
    version: 2,
    parameters: {},
    input: [{ a: 1 }, { a: 2 }],
    outputs: [
      [
        { a: 1, myNewField: 1 },
        { a: 2, myNewField: 1 },
      ],
    ],
    source: DEFAULT,
  },
  {
    title: 'Code without code runs the default snippet, for each item',
    node: 'code',
    version: 2,
    parameters: { mode: 'runOnceForEachItem' },
    input: [{ a: 1 }],
    outputs: [[{ a: 1, myNewField: 1 }]],
    source: DEFAULT,
  },
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
