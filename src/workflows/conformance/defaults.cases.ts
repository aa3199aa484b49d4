import type { ConformanceCase } from './case.ts';

/** Parameters n8n leaves out of the JSON because they equal their default, per version. */
export const defaultsCases: ConformanceCase[] = [
  {
    title: 'If v1: a number condition without an operation is "smaller"',
    node: 'if',
    version: 1,
    parameters: { conditions: { number: [{ value1: '={{ $json.n }}', value2: 10 }] } },
    input: [{ n: 3 }, { n: 30 }],
    outputs: [[{ n: 3 }], [{ n: 30 }]],
    source: 'n8n node description: If 1, conditions.number.operation default smaller',
  },
  {
    title: 'If v1: a date condition without an operation is "after"',
    node: 'if',
    version: 1,
    parameters: {
      conditions: { dateTime: [{ value1: '={{ $json.at }}', value2: '2026-01-01' }] },
    },
    input: [{ at: '2026-02-01' }, { at: '2025-12-01' }],
    outputs: [[{ at: '2026-02-01' }], [{ at: '2025-12-01' }]],
    source: 'n8n node description: If 1, conditions.dateTime.operation default after',
  },
  {
    title: 'Filter v1: the same defaults as If v1',
    node: 'filter',
    version: 1,
    parameters: { conditions: { number: [{ value1: '={{ $json.n }}', value2: 10 }] } },
    input: [{ n: 3 }, { n: 30 }],
    outputs: [[{ n: 3 }]],
    source: 'n8n node description: Filter 1, conditions.number.operation default smaller',
  },
  {
    title: 'Set v1: a value without a name is "propertyName"',
    node: 'set',
    version: 1,
    parameters: { values: { string: [{ value: 'x' }], number: [{ name: 'n' }] } },
    input: [{ a: 1 }],
    outputs: [[{ a: 1, n: 0, propertyName: 'x' }]],
    source: 'n8n node description: Set 1-2, values.*.name default propertyName, number value 0',
  },
  {
    title: 'Summarize: a field without an aggregation is counted as count_<field>',
    node: 'summarize',
    version: 1.1,
    parameters: { fieldsToSummarize: { values: [{ field: 'a' }] } },
    input: [{ a: 1 }, { a: 2 }, { b: 3 }],
    outputs: [[{ count_a: 2 }]],
    source: 'n8n node description: Summarize, fieldsToSummarize.aggregation default count',
  },
  ...([2, 2.3] as const).map((version): ConformanceCase => ({
    title: `Compare Datasets ${version}: a differing item ${version >= 2.1 ? 'keeps both versions' : "is input B's"} by default`,
    node: 'compareDatasets',
    version,
    parameters: { mergeByFields: { values: [{ field1: 'id', field2: 'id' }] } },
    input: [{ id: 1, v: 'a' }],
    input2: [{ id: 1, v: 'b' }],
    outputs: [
      [],
      [],
      [
        version >= 2.1
          ? { keys: { id: 1 }, same: { id: 1 }, different: { v: { inputA: 'a', inputB: 'b' } } }
          : { id: 1, v: 'b' },
      ],
      [],
    ],
    source:
      'n8n node description: Compare Datasets resolve default preferInput2 (1-2), includeBoth (2.1+)',
  })),
];
