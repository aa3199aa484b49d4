import type { ConformanceCase } from './case.ts';

const NODE =
  "n8n's Execution Data node (packages/nodes-base/nodes/ExecutionData): each item's fields set with $execution.customData.setAll, the items returned unchanged";
const RULES =
  "n8n's execution metadata rules (packages/core execution-metadata.ts): at most 10 keys, a new key past 10 ignored; keys cut to 50 characters, values to 512; values strings or numbers";

const fields = (...pairs: [string, string][]) => ({
  dataToSave: { values: pairs.map(([key, value]) => ({ key, value })) },
});

/** Execution Data and `$execution.customData` in Code. */
export const executionDataCases: ConformanceCase[] = [
  ...[1, 1.1].map((version): ConformanceCase => ({
    title: 'saves the fields as custom data; the items pass on unchanged',
    node: 'executionData',
    version,
    parameters: fields(['orderId', '={{ $json.id }}'], ['customer', '={{ $json.name }}']),
    input: [{ id: 42, name: 'Ada' }],
    outputs: [[{ id: 42, name: 'Ada' }]],
    customData: { orderId: '42', customer: 'Ada' },
    source: NODE,
  })),
  {
    title: 'each item sets its fields in turn: the last item’s value stays',
    node: 'executionData',
    version: 1,
    parameters: fields(['orderId', '={{ $json.id }}']),
    input: [{ id: 1 }, { id: 2 }, { id: 3 }],
    outputs: [[{ id: 1 }, { id: 2 }, { id: 3 }]],
    customData: { orderId: '3' },
    source: NODE,
  },
  {
    title: 'without fields (the default) it saves nothing',
    node: 'executionData',
    version: 1,
    parameters: {},
    input: [{ a: 1 }],
    outputs: [[{ a: 1 }]],
    customData: {},
    source: "n8n's node description: dataToSave default {}",
  },
  {
    title: 'cuts keys to 50 characters and values to 512',
    node: 'executionData',
    version: 1,
    parameters: fields(['k'.repeat(60), 'v'.repeat(600)]),
    input: [{}],
    outputs: [[{}]],
    customData: { ['k'.repeat(50)]: 'v'.repeat(512) },
    source: RULES,
  },
  {
    title: 'keeps ten keys and ignores an eleventh without failing',
    node: 'executionData',
    version: 1,
    parameters: fields(
      ...Array.from({ length: 11 }, (_, i): [string, string] => [`k${i}`, String(i)]),
    ),
    input: [{}],
    outputs: [[{}]],
    customData: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, String(i)])),
    source: RULES,
  },
  {
    title: 'refuses a key with characters other than letters, digits and _',
    node: 'executionData',
    version: 1,
    parameters: fields(['order id', '1']),
    input: [{}],
    error: /^Custom data key can only contain letters, digits and "_" \(key "order id"\)$/,
    source: RULES,
  },
  {
    title: 'a Code node sets, reads and adds to custom data with $execution.customData',
    node: 'code',
    version: 2,
    parameters: {
      jsCode: [
        "$execution.customData.set('run', 'first');",
        "$execution.customData.setAll({ total: 3, user: 'ada' });",
        "return [{ json: { run: $execution.customData.get('run'), all: $execution.customData.getAll() } }];",
      ].join('\n'),
    },
    input: [{}],
    outputs: [[{ run: 'first', all: { run: 'first', total: '3', user: 'ada' } }]],
    customData: { run: 'first', total: '3', user: 'ada' },
    source:
      "n8n's documentation (Custom executions data): $execution.customData.set, setAll, get, getAll in the Code node",
  },
  {
    title: 'a Code node may not save an object as a value',
    node: 'code',
    version: 2,
    parameters: { jsCode: "$execution.customData.set('x', { a: 1 });\nreturn [];" },
    input: [{}],
    error: /Custom data values must be a string \(key "x"\)/,
    source: RULES,
  },
];
