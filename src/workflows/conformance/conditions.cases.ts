import type { ConformanceCase } from './case.ts';

/**
 * If, Filter and Switch conditions as n8n evaluates them: type validation (strict and loose),
 * every operator family, null and empty values, and each version's way with a failing one.
 */

const FILTER = 'n8n-workflow node-parameters/filter-parameter.ts';
const TYPES = 'n8n-workflow type-validation.ts (validateFieldType)';

type Operator = { type: string; operation: string; rightType?: string; singleValue?: boolean };

/** A filter as n8n's editor writes it: options from the node's settings, then conditions. */
function filter(
  conditions: [unknown, Operator, unknown?][],
  options: Record<string, unknown> = {},
  combinator = 'and',
) {
  return {
    options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', ...options },
    conditions: conditions.map(([leftValue, operator, rightValue = ''], n) => ({
      id: `c${n}`,
      leftValue,
      rightValue,
      operator,
    })),
    combinator,
  };
}

const v = '={{ $json.v }}';
const op = (type: string, operation: string, extra: Partial<Operator> = {}): Operator => ({
  type,
  operation,
  ...extra,
});
const single = (type: string, operation: string) => op(type, operation, { singleValue: true });

/** An If 2.2 node (filter version 2) over items `{ v }`: which items go to true and false. */
function ifCase(
  title: string,
  conditions: [unknown, Operator, unknown?][],
  values: unknown[],
  passing: boolean[],
  options: Record<string, unknown> = {},
  source = FILTER,
): ConformanceCase {
  const items = values.map((x) => ({ v: x }));
  return {
    title,
    node: 'if',
    version: 2.2,
    parameters: { conditions: filter(conditions, { version: 2, ...options }), options: {} },
    input: items,
    outputs: [items.filter((_, n) => passing[n]), items.filter((_, n) => !passing[n])],
    source,
  };
}

const STRICT_HINT =
  "Try changing the type of comparison. Alternatively you can enable 'Convert types where required'.";
const strictNumberHint = (side: string) => `
<p>Try either:</p>
<ol>
  <li>Enabling 'Convert types where required'</li>
  <li>Converting the ${side} field to a number by adding <code>.toNumber()</code></li>
</ol>
\t\t\t`;

const strictAndLoose: ConformanceCase[] = [
  {
    title: "strict: a number condition given the text '5' fails, naming condition and item",
    node: 'if',
    version: 2.2,
    parameters: { conditions: filter([[v, op('number', 'gt'), 3]], { version: 2 }) },
    input: [{ v: 4 }, { v: '5' }],
    error: /^Wrong type: '5' is a string but was expecting a number \[condition 0, item 1\]$/,
    errorDescription: strictNumberHint('first'),
    errorItemIndex: 1,
    source: `${FILTER}: parseFilterConditionValues, composeInvalidTypeMessage`,
  },
  {
    title: 'strict: the right value of the wrong type is named as the second field',
    node: 'filter',
    version: 2.2,
    parameters: { conditions: filter([[v, op('number', 'equals'), '3']], { version: 2 }) },
    input: [{ v: 3 }],
    error: /^Wrong type: '3' is a string but was expecting a number \[condition 0, item 0\]$/,
    errorDescription: strictNumberHint('second'),
    source: `${FILTER}: composeInvalidTypeDescription`,
  },
  {
    title: 'strict: both sides of the wrong type of the same kind',
    node: 'if',
    version: 2,
    parameters: { conditions: filter([['a', op('number', 'equals'), 'b']]) },
    error: /^Comparison type expects a number but both fields are a string$/,
    errorDescription: STRICT_HINT,
    source: FILTER,
  },
  {
    title: 'strict: a boolean given as text, with the .toBoolean() hint',
    node: 'switch',
    version: 3.2,
    parameters: {
      rules: {
        values: [{ conditions: filter([[v, single('boolean', 'true')]], { version: 2 }) }],
      },
    },
    input: [{ v: 'true' }],
    error: /^Wrong type: 'true' is a string but was expecting a boolean \[condition 0, item 0\]$/,
    errorDescription: `
<p>Try either:</p>
<ol>
  <li>Enabling 'Convert types where required'</li>
  <li>Converting the first field to a boolean by adding <code>.toBoolean()</code></li>
</ol>
\t\t\t`,
    source: FILTER,
  },
  {
    title: 'strict: text that is no date fails without a conversion hint',
    node: 'if',
    version: 2.2,
    parameters: { conditions: filter([[v, op('dateTime', 'after'), '2024-01-01']]) },
    input: [{ v: 'soon' }],
    error: /^Wrong type: 'soon' is a string but was expecting a dateTime \[condition 0, item 0\]$/,
    errorDescription: STRICT_HINT,
    source: FILTER,
  },
  ifCase(
    'strict: dates are read from text whatever the validation',
    [[v, op('dateTime', 'after'), '2024-01-01T00:00:00Z']],
    ['2024-01-02', 'Tue, 02 Jan 2024 00:00:00 GMT', '2023-12-31 10:00:00'],
    [true, true, false],
    {},
    `${TYPES}: tryToParseDateTime (ISO, HTTP, RFC 2822, SQL)`,
  ),
  ifCase(
    'loose: text converts to a number',
    [[v, op('number', 'gt'), '3']],
    ['5', 2, ' 10 '],
    [true, false, true],
    { typeValidation: 'loose' },
    `${TYPES}: tryToParseNumber`,
  ),
  {
    title: 'loose: text that is no number fails with a conversion error',
    node: 'if',
    version: 2.2,
    parameters: {
      conditions: filter([[v, op('number', 'gt'), 3]], { typeValidation: 'loose', version: 2 }),
      looseTypeValidation: true,
    },
    input: [{ v: 'abc' }],
    error:
      /^Conversion error: the string 'abc' can't be converted to a number \[condition 0, item 0\]$/,
    errorDescription: 'Try changing the type of the comparison.',
    source: FILTER,
  },
  ifCase(
    'loose: numbers and objects compare as text',
    [[v, op('string', 'equals'), '5']],
    [5, '5', { a: 1 }],
    [true, true, false],
    { typeValidation: 'loose' },
    `${TYPES}: tryToParseString`,
  ),
  ifCase(
    "loose, filter version 2: 'false', 0 and 'FALSE' are false, other text true",
    [[v, single('boolean', 'true')]],
    ['false', 0, 'FALSE', 'yes', 'true', 1],
    [false, false, false, true, true, true],
    { typeValidation: 'loose' },
    `${FILTER}: parseSingleFilterValue (version >= 2 tries tryToParseBoolean)`,
  ),
  {
    ...ifCase(
      "loose, filter version 1 (If 2.1): any non-empty text is true, 'false' too",
      [[v, single('boolean', 'true')]],
      ['false', '', 0],
      [true, false, false],
    ),
    version: 2.1,
    parameters: {
      conditions: filter([[v, single('boolean', 'true')]], { typeValidation: 'loose' }),
      looseTypeValidation: true,
    },
    source: `${FILTER}: parseSingleFilterValue (version 1: Boolean(value))`,
  },
  ifCase(
    'loose: JSON text converts to an array (single quotes too)',
    [[v, op('array', 'contains', { rightType: 'any' }), 'b']],
    ['["a","b"]', "['b']", '[]'],
    [true, true, false],
    { typeValidation: 'loose' },
    `${TYPES}: tryToParseArray`,
  ),
  {
    title: 'strict: an array given as text fails',
    node: 'filter',
    version: 2.2,
    parameters: {
      conditions: filter([[v, op('array', 'lengthGt', { rightType: 'number' }), 0]]),
    },
    input: [{ v: '[1]' }],
    error: /^Wrong type: '\[1\]' is a string but was expecting an array \[condition 0, item 0\]$/,
    source: FILTER,
  },
  {
    title: 'a right value read by the left type when the operator names no rightType',
    node: 'if',
    version: 2.2,
    parameters: { conditions: filter([[v, op('array', 'lengthEquals'), 2]]) },
    input: [{ v: [1, 2] }],
    error: /^Wrong type: '2' is a number but was expecting an array \[condition 0, item 0\]$/,
    source: `${FILTER}: rightType = operator.rightType ?? operator.type`,
  },
];

const operators: ConformanceCase[] = [
  ifCase(
    'string operators, case-sensitive',
    [
      [v, op('string', 'contains'), 'ell'],
      [v, op('string', 'startsWith'), 'h'],
      [v, op('string', 'notEndsWith'), 'x'],
    ],
    ['hello', 'Hello', 'hellx'],
    [true, false, false],
  ),
  ifCase(
    'Ignore Case lowers both sides for equals',
    [[v, op('string', 'equals'), 'HeLLo']],
    ['hello', 'HELLO', 'help'],
    [true, true, false],
    { caseSensitive: false },
  ),
  ifCase(
    'regex: a /literal/ with flags; Ignore Case lowers the text, never the pattern',
    [[v, op('string', 'regex'), '/^AB+C$/']],
    ['ABBC', 'abbc'],
    [false, false],
    { caseSensitive: false },
    `${FILTER}: prepareStringFilterValues, parseRegexLiteral`,
  ),
  ifCase(
    'regex: flags of the literal apply',
    [[v, op('string', 'regex'), '/^ab+c$/i']],
    ['ABBC', 'abx'],
    [true, false],
  ),
  ifCase(
    'notRegex with a plain pattern',
    [[v, op('string', 'notRegex'), '\\d']],
    ['abc', 'a1'],
    [true, false],
  ),
  ifCase(
    'number operators',
    [
      [v, op('number', 'gte'), 2],
      [v, op('number', 'lt'), 10],
      [v, op('number', 'notEquals'), 5],
    ],
    [2, 5, 10, 1.5],
    [true, false, false, false],
  ),
  ifCase(
    'dateTime operators compare instants',
    [[v, op('dateTime', 'beforeOrEquals'), '2024-01-01T01:00:00+01:00']],
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z'],
    [true, false],
  ),
  ifCase(
    'boolean equals and false',
    [
      [v, op('boolean', 'equals'), false],
      [v, single('boolean', 'false')],
    ],
    [false, true],
    [true, false],
  ),
  ifCase(
    'array contains: Ignore Case for text, objects never equal',
    [[v, op('array', 'contains', { rightType: 'any' }), 'B']],
    [['a', 'b'], [{ b: 1 }], ['c']],
    [true, false, false],
    { caseSensitive: false },
    `${FILTER}: arrayContainsValue`,
  ),
  ifCase(
    'array lengths and emptiness',
    [
      [v, op('array', 'lengthGte', { rightType: 'number' }), 1],
      [v, single('array', 'notEmpty')],
    ],
    [[1], [], [1, 2, 3]],
    [true, false, true],
  ),
  ifCase(
    'object empty and not empty',
    [[v, single('object', 'notEmpty')]],
    [{ a: 1 }, {}, null],
    [true, false, false],
  ),
  {
    title: 'or: the first true condition decides, later ones are not read',
    node: 'if',
    version: 2.2,
    parameters: {
      conditions: filter(
        [
          [v, op('number', 'equals'), 1],
          [v, op('number', 'equals'), 'not read'],
        ],
        { version: 2 },
        'or',
      ),
    },
    input: [{ v: 1 }],
    outputs: [[{ v: 1 }], []],
    source: `${FILTER}: executeFilter (some)`,
  },
];

const missing: ConformanceCase[] = [
  ifCase(
    'exists: empty text exists, null does not',
    [['={{ $json.v }}', single('string', 'exists')]],
    ['', null, 'a'],
    [true, false, true],
  ),
  ifCase(
    'notExists: a missing field does not exist',
    [['={{ $json.none }}', single('number', 'notExists')]],
    [1],
    [true],
  ),
  ifCase(
    'a missing field is empty text, an empty array and no date',
    [
      ['={{ $json.none }}', single('string', 'empty')],
      ['={{ $json.none }}', single('array', 'empty')],
      ['={{ $json.none }}', single('dateTime', 'empty')],
    ],
    [1],
    [true],
  ),
  ifCase(
    'null against a date is false, not an error',
    [[v, op('dateTime', 'after'), '2024-01-01']],
    [null],
    [false],
  ),
  ifCase(
    'null in a number comparison compares as JavaScript does (null < 5)',
    [[v, op('number', 'lt'), 5]],
    [null],
    [true],
  ),
  {
    title: "filter version 2: '' is not a number in strict mode",
    node: 'if',
    version: 2.2,
    parameters: { conditions: filter([[v, single('number', 'empty')]], { version: 2 }) },
    input: [{ v: '' }],
    error: /^Wrong type: '' is a string but was expecting a number \[condition 0, item 0\]$/,
    source: FILTER,
  },
  {
    title: "filter version 3: '' and [] are no number (empty), even in strict mode",
    node: 'if',
    version: 2.3,
    parameters: { conditions: filter([[v, single('number', 'empty')]], { version: 3 }) },
    input: [{ v: '' }, { v: [] }, { v: 0 }],
    outputs: [[{ v: '' }, { v: [] }], [{ v: 0 }]],
    source: `${FILTER}: parseSingleFilterValue (version >= 3)`,
  },
  {
    title: 'no conditions: and passes, or does not',
    node: 'filter',
    version: 2.2,
    parameters: { conditions: filter([], {}, 'or') },
    input: [{ v: 1 }],
    outputs: [[]],
    source: `${FILTER}: executeFilter`,
  },
  {
    title: 'options left out of the JSON are strict and case-sensitive (n8n fills them)',
    node: 'if',
    version: 2,
    parameters: {
      conditions: {
        conditions: [{ leftValue: v, rightValue: 'A', operator: op('string', 'equals') }],
      },
    },
    input: [{ v: 'a' }, { v: 'A' }],
    outputs: [[{ v: 'A' }], [{ v: 'a' }]],
    source: 'n8n-workflow node-helpers.ts getNodeParameters (filter defaults)',
  },
];

const failures: ConformanceCase[] = [
  {
    title: 'continue on fail: the failing item goes to the false branch',
    node: 'if',
    version: 2.2,
    parameters: { conditions: filter([[v, op('number', 'gt'), 1]], { version: 2 }) },
    input: [{ v: 2 }, { v: 'x' }, { v: 0 }],
    nodeSettings: { onError: 'continueRegularOutput' },
    outputs: [[{ v: 2 }], [{ v: 'x' }, { v: 0 }]],
    source: 'n8n If V2 node: execute, continueOnFail',
  },
  {
    title: 'continue on error output: the failing item still goes to the false branch',
    node: 'if',
    version: 2.3,
    parameters: { conditions: filter([[v, op('number', 'gt'), 1]], { version: 3 }) },
    input: [{ v: 'x' }],
    nodeSettings: { onError: 'continueErrorOutput' },
    outputs: [[], [{ v: 'x' }], []],
    source: 'n8n If V2 node: continueOnFail() is true for continueErrorOutput',
  },
  {
    title: 'continue on fail: the failing item is discarded',
    node: 'filter',
    version: 2.3,
    parameters: { conditions: filter([[v, op('number', 'gt'), 1]], { version: 3 }) },
    input: [{ v: 2 }, { v: 'x' }],
    nodeSettings: { continueOnFail: true },
    outputs: [[{ v: 2 }]],
    source: 'n8n Filter V2 node: execute, continueOnFail',
  },
  {
    title: 'continue on fail: the failing item becomes { error } on output 0',
    node: 'switch',
    version: 3.4,
    parameters: {
      rules: { values: [{ conditions: filter([[v, op('number', 'gt'), 1]], { version: 3 }) }] },
      options: { fallbackOutput: 'extra' },
    },
    input: [{ v: 2 }, { v: 'x' }, { v: 0 }],
    nodeSettings: { onError: 'continueRegularOutput' },
    outputs: [
      [
        { v: 2 },
        { error: "Wrong type: 'x' is a string but was expecting a number [condition 0, item 1]" },
      ],
      [{ v: 0 }],
    ],
    source: 'n8n Switch V3 node: execute, continueOnFail',
  },
  {
    title: 'continue on error output: the { error } item goes to the error output',
    node: 'switch',
    version: 3.4,
    parameters: {
      rules: { values: [{ conditions: filter([[v, op('number', 'gt'), 1]], { version: 3 }) }] },
    },
    input: [{ v: 2 }, { v: 'x' }],
    nodeSettings: { onError: 'continueErrorOutput' },
    outputs: [
      [{ v: 2 }],
      [{ error: "Wrong type: 'x' is a string but was expecting a number [condition 0, item 1]" }],
    ],
    source: 'n8n-core workflow-execute.ts handleNodeErrorOutput',
  },
  {
    title: 'a failing rule stops the node, naming the item; Convert types adds no hint',
    node: 'switch',
    version: 3.1,
    parameters: {
      rules: {
        values: [
          { conditions: filter([[v, op('string', 'regex'), '(']], { typeValidation: 'loose' }) },
        ],
      },
      looseTypeValidation: true,
    },
    input: [{ v: 'a' }],
    error: /^Invalid regular expression: \/\(\/: Unterminated group$/,
    errorItemIndex: 0,
    source: 'n8n Switch V3 node: description set only when strict (getTypeValidationParameter)',
  },
  {
    title: 'an error without a description gets the strict-mode hint',
    node: 'if',
    version: 2,
    parameters: { conditions: filter([[v, op('string', 'regex'), '(']]) },
    input: [{ v: 'a' }],
    error: /^Invalid regular expression/,
    errorDescription: STRICT_HINT,
    source: 'n8n If V2 node: ENABLE_LESS_STRICT_TYPE_VALIDATION',
  },
  {
    title: 'expression mode: the extra index is refused with a hint',
    node: 'switch',
    version: 3.2,
    parameters: { mode: 'expression', numberOutputs: 2, output: '={{ $json.o }}' },
    input: [{ o: 1 }, { o: 2 }],
    error: /^The ouput 2 is not allowed\. $/,
    errorDescription: 'Output indexes are zero based, if you want to use the extra output use 1',
    errorItemIndex: 1,
    source: 'n8n Switch V3 node: checkIndexRange',
  },
  {
    title: 'fallback to a rule output, and all matching outputs',
    node: 'switch',
    version: 3.2,
    parameters: {
      rules: {
        values: [
          { conditions: filter([[v, op('number', 'gt'), 1]]) },
          { conditions: filter([[v, op('number', 'gt'), 2]]) },
        ],
      },
      options: { fallbackOutput: 1, allMatchingOutputs: true },
    },
    input: [{ v: 3 }, { v: 0 }],
    outputs: [[{ v: 3 }], [{ v: 3 }, { v: 0 }]],
    source: 'n8n Switch V3 node: execute',
  },
];

const typedLists: ConformanceCase[] = [
  {
    title: "v1 lists compare as they come: '5' is not equal to 5",
    node: 'if',
    version: 1,
    parameters: {
      conditions: { number: [{ value1: '={{ $json.n }}', operation: 'equal', value2: 5 }] },
    },
    input: [{ n: '5' }, { n: 5 }],
    outputs: [[{ n: 5 }], [{ n: '5' }]],
    source: 'n8n If V1 node: compareOperationFunctions.equal (===)',
  },
  {
    title: 'v1: any without conditions is false, all is true',
    node: 'if',
    version: 1,
    parameters: { conditions: {}, combineOperation: 'any' },
    input: [{ n: 1 }],
    outputs: [[], [{ n: 1 }]],
    source: 'n8n If V1 node: execute',
  },
  {
    title: 'v1: isEmpty for empty text, objects, arrays and null',
    node: 'filter',
    version: 1,
    parameters: {
      conditions: { string: [{ value1: '={{ $json.v }}', operation: 'isEmpty' }] },
    },
    input: [{ v: '' }, { v: {} }, { v: [] }, { v: null }, { v: 0 }, { v: 'a' }],
    outputs: [[{ v: '' }, { v: {} }, { v: [] }, { v: null }]],
    source: 'n8n Filter V1 GenericFunctions.ts: isEmpty',
  },
  {
    title: 'v1: a date that is no date fails the node',
    node: 'if',
    version: 1,
    parameters: {
      conditions: { dateTime: [{ value1: '={{ $json.d }}', value2: '2024-01-01' }] },
    },
    input: [{ d: 'never' }],
    error: /^The value "never" is not a valid DateTime\.$/,
    source: 'n8n If V1 node: convertDateTime',
  },
  {
    title: 'v1: endsWith on a number fails as JavaScript does',
    node: 'if',
    version: 1,
    parameters: {
      conditions: {
        string: [{ value1: '={{ $json.n }}', operation: 'endsWith', value2: '1' }],
      },
    },
    input: [{ n: 21 }],
    error: /^value1\.endsWith is not a function$/,
    source: 'n8n If V1 node: compareOperationFunctions.endsWith',
  },
  {
    title: 'v1: larger compares text with text when the values are text',
    node: 'filter',
    version: 1,
    parameters: {
      conditions: {
        number: [{ value1: '={{ $json.n }}', operation: 'larger', value2: '={{ $json.m }}' }],
      },
    },
    input: [
      { n: '9', m: '10' },
      { n: 9, m: 10 },
      { n: 11, m: 10 },
    ],
    outputs: [
      [
        { n: '9', m: '10' },
        { n: 11, m: 10 },
      ],
    ],
    source: 'n8n Filter V1 GenericFunctions.ts: larger ((value1 || 0) > (value2 || 0))',
  },
  {
    title: 'Switch 1: a date rule without an operation is after; continue on fail on output 0',
    node: 'switch',
    version: 1,
    parameters: {
      dataType: 'dateTime',
      value1: '={{ $json.d }}',
      rules: { rules: [{ value2: '2024-01-01', output: 1 }] },
    },
    input: [{ d: '2023-06-01' }, { d: 'x' }, { d: '2024-06-01' }],
    nodeSettings: { continueOnFail: true },
    outputs: [[{ error: 'The value "x" is not a valid DateTime.' }], [{ d: '2024-06-01' }], [], []],
    source: 'n8n Switch V1 node: rules default operation after, continueOnFail',
  },
  {
    title: 'Switch 2: a fallback output outside the rules fails',
    node: 'switch',
    version: 2,
    parameters: {
      dataType: 'number',
      value1: '={{ $json.n }}',
      rules: { rules: [{ operation: 'equal', value2: 1 }] },
      fallbackOutput: 3,
    },
    input: [{ n: 2 }],
    error: /^The ouput 3 is not allowed\. It has to be between 0 and 0!$/,
    source: 'n8n Switch V2 node: checkIndexRange',
  },
];

export const conditionCases: ConformanceCase[] = [
  ...strictAndLoose,
  ...operators,
  ...missing,
  ...failures,
  ...typedLists,
];
