import type { ConformanceCase } from './case.ts';

const SPLIT_OUT = "n8n's Split Out node (Transform/SplitOut) and its documentation";

const SWITCH = "n8n's Switch node, versions 1 and 2 (nodes/Switch)";
const switchRules = (version: number): ConformanceCase => ({
  title:
    version >= 2
      ? 'Switch 2 has an output per rule and sends an item to the first matching rule’s own'
      : 'Switch 1 sends an item to the output the first matching rule names',
  node: 'switch',
  version,
  parameters: {
    dataType: 'string',
    value1: '={{ $json.kind }}',
    rules: {
      // Version 2's rules have no `output` (n8n checks one given against its outputs).
      rules: [
        { operation: 'equal', value2: 'a', ...(version < 2 ? { output: 2 } : {}) },
        { operation: 'equal', value2: 'b', ...(version < 2 ? { output: 0 } : {}) },
      ],
    },
  },
  input: [{ kind: 'b' }, { kind: 'a' }, { kind: 'c' }],
  outputs:
    version >= 2 ? [[{ kind: 'a' }], [{ kind: 'b' }]] : [[{ kind: 'b' }], [], [{ kind: 'a' }], []],
  source: SWITCH,
});

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
  {
    title: 'Item Lists removes duplicates within its input, keys in any order',
    node: 'itemLists',
    version: 3.1,
    parameters: { operation: 'removeDuplicates' },
    input: [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 2 }],
    outputs: [[{ a: 1, b: 2 }, { a: 2 }]],
    source: "n8n's Item Lists node (Transform/ItemLists), removeDuplicates: lodash isEqual",
  },
  {
    title: 'Remove Duplicates compares the selected fields only',
    node: 'removeDuplicates',
    version: 1.1,
    parameters: { compare: 'selectedFields', fieldsToCompare: 'email' },
    input: [
      { email: 'a@x', n: 1 },
      { email: 'a@x', n: 2 },
      { email: 'b@x', n: 3 },
    ],
    outputs: [
      [
        { email: 'a@x', n: 1 },
        { email: 'b@x', n: 3 },
      ],
    ],
    source: "n8n's Remove Duplicates node documentation",
  },
  {
    title: 'HTML extracts from each element of an array, one item each',
    node: 'html',
    version: 1.2,
    parameters: {
      operation: 'extractHtmlContent',
      dataPropertyName: 'pages',
      extractionValues: { values: [{ key: 'title', cssSelector: 'h1' }] },
    },
    input: [{ pages: ['<h1>One</h1>', '<h1>Two</h1>'] }],
    outputs: [[{ title: 'One' }, { title: 'Two' }]],
    source: "n8n's HTML node (nodes/Html): an array gives one result per element",
  },
  {
    title: 'HTML names a missing field',
    node: 'html',
    version: 1.2,
    parameters: {
      operation: 'extractHtmlContent',
      dataPropertyName: 'page',
      extractionValues: { values: [{ key: 'title', cssSelector: 'h1' }] },
    },
    input: [{ other: 1 }],
    error: /No property named "page" exists!/,
    source: "n8n's HTML node (nodes/Html)",
  },
  {
    title: 'HTML fills a template’s {{ }} per item',
    node: 'html',
    version: 1.2,
    parameters: { operation: 'generateHtmlTemplate', html: '<p>Hello {{ $json.name }}</p>' },
    input: [{ name: 'Ada' }],
    outputs: [[{ html: '<p>Hello Ada</p>' }]],
    source: "n8n's HTML node (nodes/Html), generateHtmlTemplate",
  },
  {
    title: 'HTML converts the items to one table, headers capitalized',
    node: 'html',
    version: 1.2,
    parameters: {
      operation: 'convertToHtmlTable',
      options: { customStyling: true, capitalize: true },
    },
    input: [{ first_name: 'Ada', paid: true }, { first_name: 'Bo' }],
    outputs: [
      [
        {
          table:
            '<table  ><thead  ><tr><th>First Name</th><th>Paid</th></tr></thead><tbody>' +
            '<tr  ><td  >Ada</td><td  ><input type="checkbox" checked="checked"/></td></tr>' +
            '<tr  ><td  >Bo</td><td  >undefined</td></tr></tbody></table>',
        },
      ],
    ],
    source: "n8n's HTML node (nodes/Html), convertToHtmlTable",
  },
  switchRules(1),
  switchRules(2),
];
