import type { ConformanceCase } from './case.ts';

const SOURCE = "n8n's Compare Datasets node and its documentation (nodes/CompareDatasets)";
const byId = { mergeByFields: { values: [{ field1: 'id', field2: 'id' }] } };

/** Compare Datasets 2.3: outputs In A only, Same, Different, In B only. */
export const compareCases: ConformanceCase[] = [
  {
    title: 'fuzzy compare matches and equates values across types',
    node: 'compareDatasets',
    version: 2.3,
    parameters: { ...byId, fuzzyCompare: true },
    input: [{ id: 1, n: 5, ok: true, tags: ['a'], note: null }],
    input2: [{ id: '1', n: '5', ok: 'TRUE', tags: '["a"]', note: '' }],
    outputs: [[], [{ id: 1, n: 5, ok: true, tags: ['a'], note: null }], [], []],
    source: SOURCE,
  },
  {
    title: 'without fuzzy compare, 1 and "1" do not match',
    node: 'compareDatasets',
    version: 2.3,
    parameters: byId,
    input: [{ id: 1 }],
    input2: [{ id: '1' }],
    outputs: [[{ id: 1 }], [], [], [{ id: '1' }]],
    source: SOURCE,
  },
  {
    title: 'multiple matches: all compares an item with every match',
    node: 'compareDatasets',
    version: 2.3,
    parameters: { ...byId, resolve: 'preferInput2', options: { multipleMatches: 'all' } },
    input: [{ id: 1, v: 'a' }],
    input2: [
      { id: 1, v: 'a' },
      { id: 1, v: 'b' },
    ],
    outputs: [[], [{ id: 1, v: 'a' }], [{ id: 1, v: 'b' }], []],
    source: SOURCE,
  },
  {
    title: 'mix takes the preferred input and the listed fields from the other',
    node: 'compareDatasets',
    version: 2.3,
    parameters: {
      ...byId,
      resolve: 'mix',
      preferWhenMix: 'input1',
      exceptWhenMix: 'price, meta.source',
    },
    input: [{ id: 1, name: 'A', price: 10, meta: { source: 'a', n: 1 } }],
    input2: [{ id: 1, name: 'B', price: 12, meta: { source: 'b', n: 2 } }],
    outputs: [[], [], [{ id: 1, name: 'A', price: 12, meta: { source: 'b', n: 1 } }], []],
    source: SOURCE,
  },
  {
    title: 'skipped fields (dotted paths) do not make items differ, and are shown apart',
    node: 'compareDatasets',
    version: 2.3,
    parameters: { ...byId, options: { skipFields: 'updated, meta.at' } },
    input: [
      { id: 1, v: 'x', updated: 'mon', meta: { at: 1 } },
      { id: 2, v: 'x', updated: 'mon' },
    ],
    input2: [
      { id: 1, v: 'x', updated: 'tue', meta: { at: 2 } },
      { id: 2, v: 'y', updated: 'tue' },
    ],
    outputs: [
      [],
      [{ id: 1, v: 'x', updated: 'mon', meta: { at: 1 } }],
      [
        {
          keys: { id: 2 },
          same: { id: 2 },
          different: { v: { inputA: 'x', inputB: 'y' } },
          skipped: { updated: { inputA: 'mon', inputB: 'tue' } },
        },
      ],
      [],
    ],
    source: SOURCE,
  },
  {
    title: 'a field to match that no item has is an error naming it',
    node: 'compareDatasets',
    version: 2.3,
    parameters: { mergeByFields: { values: [{ field1: 'code', field2: 'id' }] } },
    input: [{ id: 1 }],
    input2: [{ id: 1 }],
    error: /Field 'code' is not present in any of items in 'Input A'/,
    source: SOURCE,
  },
];
