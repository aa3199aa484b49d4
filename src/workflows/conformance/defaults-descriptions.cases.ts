import type { ConformanceCase } from './case.ts';

/** n8n's node descriptions (nodes.json of n8n-nodes-base 2.41): the default of each parameter. */
const described = (what: string) => `n8n node description: ${what}`;

/**
 * Nodes whose JSON leaves out parameters, run with the defaults of their type and version as
 * the descriptions resolve them before the node runs (top-level defaults, display conditions
 * on other parameters and on `@version`).
 */
export const descriptionDefaultsCases: ConformanceCase[] = [
  {
    title: 'Set 3.4 raw without JSON outputs the default JSON, other fields left out',
    node: 'set',
    version: 3.4,
    parameters: { mode: 'raw' },
    input: [{ a: 1 }],
    outputs: [[{ my_field_1: 'value', my_field_2: 1 }]],
    source: described('Set 3.3+, jsonOutput default, includeOtherFields default false'),
  },
  {
    title: 'Set 3.4 keeps only the fields it sets (includeOtherFields defaults to false)',
    node: 'set',
    version: 3.4,
    parameters: {
      assignments: { assignments: [{ id: '1', name: 'b', value: 'x', type: 'string' }] },
    },
    input: [{ a: 1 }],
    outputs: [[{ b: 'x' }]],
    source: described('Set 3.3+, mode default manual, includeOtherFields default false'),
  },
  {
    title: 'Set 3.2 keeps the other fields (include defaults to all)',
    node: 'set',
    version: 3.2,
    parameters: { fields: { values: [{ name: 'b', stringValue: 'x' }] } },
    input: [{ a: 1 }],
    outputs: [[{ a: 1, b: 'x' }]],
    source: described('Set 3-3.2, include default all'),
  },
  ...[undefined, true].map((looseTypeValidation): ConformanceCase => ({
    title: looseTypeValidation
      ? 'If 2.2 with looseTypeValidation converts a boolean to a number'
      : 'If 2.2 compares types strictly by default (looseTypeValidation false)',
    node: 'if',
    version: 2.2,
    parameters: {
      conditions: {
        // n8n's editor writes the setting into the filter's options, which n8n evaluates by.
        options: {
          caseSensitive: true,
          leftValue: '',
          typeValidation: looseTypeValidation ? 'loose' : 'strict',
        },
        combinator: 'and',
        conditions: [
          {
            leftValue: '={{ $json.n }}',
            rightValue: 0,
            operator: { type: 'number', operation: 'gt' },
          },
        ],
      },
      ...(looseTypeValidation ? { looseTypeValidation } : {}),
    },
    input: [{ n: true }],
    ...(looseTypeValidation ? { outputs: [[{ n: true }], []] } : { error: /^Wrong type: 'true'/ }),
    source: described('If 2.1+, looseTypeValidation default false'),
  })),
  {
    title: 'Merge 3 without parameters appends input 2 to input 1',
    node: 'merge',
    version: 3,
    parameters: {},
    input: [{ a: 1 }],
    input2: [{ b: 2 }],
    outputs: [[{ a: 1 }, { b: 2 }]],
    source: described('Merge 3, mode default append, numberInputs default 2'),
  },
  {
    title: "Merge 3 choosing a branch outputs input 1's items by default",
    node: 'merge',
    version: 3,
    parameters: { mode: 'chooseBranch' },
    input: [{ a: 1 }],
    input2: [{ b: 2 }],
    outputs: [[{ a: 1 }]],
    source: described('Merge 3, output default specifiedInput, useDataOfInput default 1'),
  },
  {
    title: 'Merge 3 choosing a branch with output "empty" gives one empty item',
    node: 'merge',
    version: 3,
    parameters: { mode: 'chooseBranch', output: 'empty' },
    input: [{ a: 1 }],
    input2: [{ b: 2 }],
    outputs: [[{}]],
    source: described('Merge 3, chooseBranchMode default waitForAll, output empty'),
  },
  {
    title: 'Item Lists 3 splits out items by default, without the other fields',
    node: 'itemLists',
    version: 3.1,
    parameters: { fieldToSplitOut: 'list' },
    input: [{ id: 1, list: [{ x: 1 }, { x: 2 }] }],
    outputs: [[{ x: 1 }, { x: 2 }]],
    source: described(
      'Item Lists 3, operation default splitOutItems, include default noOtherFields',
    ),
  },
  {
    title: 'Item Lists 3 limit keeps the first item by default',
    node: 'itemLists',
    version: 3,
    parameters: { operation: 'limit' },
    input: [{ a: 1 }, { a: 2 }],
    outputs: [[{ a: 1 }]],
    source: described('Item Lists 3, maxItems default 1, keep default firstItems'),
  },
  {
    title: 'Date & Time 2 formats a date as MM/dd/yyyy into formattedDate',
    node: 'dateTime',
    version: 2,
    parameters: { operation: 'formatDate', date: '2026-03-04T10:00:00Z' },
    input: [{ a: 1 }],
    outputs: [[{ formattedDate: '03/04/2026' }]],
    source: described('Date & Time 2, format default MM/dd/yyyy, outputFieldName formattedDate'),
  },
  {
    title: 'Date & Time 2 without parameters gives the current date and time in currentDate',
    node: 'dateTime',
    version: 2,
    parameters: {},
    input: [{ a: 1 }],
    outputs: [[{ currentDate: '2026-03-04T05:06:07.000Z' }]],
    source: described('Date & Time 2, operation default getCurrentDate, includeTime default true'),
  },
  {
    title: 'Date & Time 1 formats `value` as MM/DD/YYYY into data',
    node: 'dateTime',
    version: 1,
    parameters: { value: '2026-03-04T10:00:00Z' },
    input: [{ a: 1 }],
    outputs: [[{ a: 1, data: '03/04/2026' }]],
    source: described('Date & Time 1, action default format, toFormat default MM/DD/YYYY'),
  },
  {
    title: 'Switch 3 without rules sends every item to its one default rule',
    node: 'switch',
    version: 3.2,
    parameters: {},
    input: [{ a: 1 }],
    outputs: [[{ a: 1 }]],
    source: described('Switch 3, mode default rules, rules default: one rule "" equals ""'),
  },
  {
    title: 'Crypto 1 hashes with MD5 into data',
    node: 'crypto',
    version: 1,
    parameters: { value: 'abc' },
    input: [{ a: 1 }],
    outputs: [[{ a: 1, data: '900150983cd24fb0d6963f7d28e17f72' }]],
    source: described('Crypto 1, action default hash, type default MD5, encoding default hex'),
  },
  {
    title: 'Markdown converts html to markdown into data by default',
    node: 'markdown',
    version: 1,
    parameters: { html: '<b>bold</b>' },
    input: [{ a: 1 }],
    outputs: [[{ a: 1, data: '**bold**' }]],
    source: described('Markdown, mode default htmlToMarkdown, destinationKey default data'),
  },
  {
    title: 'Limit keeps the first item by default',
    node: 'limit',
    version: 1,
    parameters: {},
    input: [{ a: 1 }, { a: 2 }],
    outputs: [[{ a: 1 }]],
    source: described('Limit, maxItems default 1, keep default firstItems'),
  },
  {
    title: 'Compare Datasets 1 does not read fuzzyCompare (a parameter from version 2)',
    node: 'compareDatasets',
    version: 1,
    parameters: {
      mergeByFields: { values: [{ field1: 'id', field2: 'id' }] },
      fuzzyCompare: true,
    },
    input: [{ id: 1 }],
    input2: [{ id: '1' }],
    outputs: [[{ id: 1 }], [], [], [{ id: '1' }]],
    source: described('Compare Datasets, fuzzyCompare hidden for version 1 (n8n drops it)'),
  },
];
