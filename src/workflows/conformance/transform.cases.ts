import type { ConformanceCase } from './case.ts';

const SPLIT_OUT = "n8n's Split Out node (Transform/SplitOut) and its documentation";

/** The item-list and transform nodes. */
export const transformCases: ConformanceCase[] = [
  {
    title: 'Split Out spreads object elements when nothing else is kept',
    node: 'splitOut',
    version: 1,
    parameters: { fieldToSplitOut: 'rows' },
    input: [{ id: 7, rows: [{ a: 1 }, { a: 2 }] }],
    outputs: [[{ a: 1 }, { a: 2 }]],
    source: SPLIT_OUT,
  },
  {
    title: 'Split Out keeps each element under its field name with all other fields',
    node: 'splitOut',
    version: 1,
    parameters: { fieldToSplitOut: 'rows', include: 'allOtherFields' },
    input: [{ id: 7, rows: [{ a: 1 }, { a: 2 }] }],
    outputs: [
      [
        { id: 7, rows: { a: 1 } },
        { id: 7, rows: { a: 2 } },
      ],
    ],
    source: SPLIT_OUT,
  },
  {
    title: 'Split Out keeps the selected fields beside the element',
    node: 'splitOut',
    version: 1,
    parameters: {
      fieldToSplitOut: '$json.tags',
      include: 'selectedOtherFields',
      fieldsToInclude: 'id, owner.name',
    },
    input: [{ id: 7, owner: { name: 'Ada' }, other: 1, tags: ['x', 'y'] }],
    outputs: [
      [
        { tags: 'x', id: 7, 'owner.name': 'Ada' },
        { tags: 'y', id: 7, 'owner.name': 'Ada' },
      ],
    ],
    source: SPLIT_OUT,
  },
  {
    title: 'Split Out puts several fields side by side, renamed, the longest deciding the count',
    node: 'splitOut',
    version: 1,
    parameters: {
      fieldToSplitOut: 'a, b',
      options: { destinationFieldName: 'first, second' },
    },
    input: [{ a: [1, 2, 3], b: ['x'] }],
    outputs: [[{ first: 1, second: 'x' }, { first: 2 }, { first: 3 }]],
    source: SPLIT_OUT,
  },
  {
    title: 'Split Out gives nothing for an item without the field',
    node: 'splitOut',
    version: 1,
    parameters: { fieldToSplitOut: 'rows' },
    input: [{ id: 1 }, { rows: [5] }],
    outputs: [[{ rows: 5 }]],
    source: SPLIT_OUT,
  },
  {
    title: 'Split Out refuses destinations that do not match the fields',
    node: 'splitOut',
    version: 1,
    parameters: { fieldToSplitOut: 'a, b', options: { destinationFieldName: 'one' } },
    input: [{ a: [1], b: [2] }],
    error: /same number of destination fields/,
    source: SPLIT_OUT,
  },
];
