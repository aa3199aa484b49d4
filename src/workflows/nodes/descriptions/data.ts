import { coll, describe, fixed, num, opt, param, str, type Descriptions } from './describe.ts';

export const dataDescriptions: Descriptions = {
  splitOut: [
    describe(
      [1],
      [
        str('fieldToSplitOut'),
        opt('include', 'noOtherFields', ['noOtherFields', 'allOtherFields', 'selectedOtherFields']),
        str('fieldsToInclude', '', { show: { include: ['selectedOtherFields'] } }),
        coll('options'),
      ],
    ),
  ],
  aggregate: [
    describe(
      [1],
      [
        opt('aggregate', 'aggregateIndividualFields', [
          'aggregateIndividualFields',
          'aggregateAllItemData',
        ]),
        fixed(
          'fieldsToAggregate',
          { fieldToAggregate: [{ fieldToAggregate: '', renameField: false }] },
          { show: { aggregate: ['aggregateIndividualFields'] } },
        ),
        str('destinationFieldName', 'data', { show: { aggregate: ['aggregateAllItemData'] } }),
        opt('include', 'allFields', ['allFields', 'specifiedFields', 'allFieldsExcept'], {
          show: { aggregate: ['aggregateAllItemData'] },
        }),
        str('fieldsToExclude', '', {
          show: { aggregate: ['aggregateAllItemData'], include: ['allFieldsExcept'] },
        }),
        str('fieldsToInclude', '', {
          show: { aggregate: ['aggregateAllItemData'], include: ['specifiedFields'] },
        }),
        coll('options'),
      ],
    ),
  ],
  sort: [
    describe(
      [1],
      [
        opt('type', 'simple', ['simple', 'random', 'code']),
        fixed('sortFieldsUi', {}, { show: { type: ['simple'] } }),
        str(
          'code',
          "// The two items to compare are in the variables a and b\n\t// Access the fields in a.json and b.json\n\t// Return -1 if a should go before b\n\t// Return 1 if b should go before a\n\t// Return 0 if there's no difference\n\n\tfieldName = 'myField';\n\n\tif (a.json[fieldName] < b.json[fieldName]) {\n\treturn -1;\n\t}\n\tif (a.json[fieldName] > b.json[fieldName]) {\n\treturn 1;\n\t}\n\treturn 0;",
          { show: { type: ['code'] } },
        ),
        coll('options', { show: { type: ['simple'] } }),
      ],
    ),
  ],
  removeDuplicates: [
    describe(
      [1, 1.1],
      [
        opt('compare', 'allFields', ['allFields', 'allFieldsExcept', 'selectedFields']),
        str('fieldsToExclude', '', { show: { compare: ['allFieldsExcept'] } }),
        str('fieldsToCompare', '', { show: { compare: ['selectedFields'] } }),
        coll('options', { show: { compare: ['allFieldsExcept', 'selectedFields'] } }),
      ],
    ),
    describe(
      [2],
      [
        opt('operation', 'removeDuplicateInputItems', [
          'removeDuplicateInputItems',
          'removeItemsSeenInPreviousExecutions',
          'clearDeduplicationHistory',
        ]),
        opt('compare', 'allFields', ['allFields', 'allFieldsExcept', 'selectedFields'], {
          show: { operation: ['removeDuplicateInputItems'] },
        }),
        str('fieldsToExclude', '', { show: { compare: ['allFieldsExcept'] } }),
        str('fieldsToCompare', '', { show: { compare: ['selectedFields'] } }),
        opt(
          'logic',
          'removeItemsWithAlreadySeenKeyValues',
          [
            'removeItemsWithAlreadySeenKeyValues',
            'removeItemsUpToStoredIncrementalKey',
            'removeItemsUpToStoredDate',
          ],
          { show: { operation: ['removeItemsSeenInPreviousExecutions'] } },
        ),
        str('dedupeValue', '', {
          show: {
            logic: ['removeItemsWithAlreadySeenKeyValues'],
            '/operation': ['removeItemsSeenInPreviousExecutions'],
          },
        }),
        num('incrementalDedupeValue', '', {
          show: {
            logic: ['removeItemsUpToStoredIncrementalKey'],
            '/operation': ['removeItemsSeenInPreviousExecutions'],
          },
        }),
        param('dateTime', 'dateDedupeValue', '', {
          show: {
            logic: ['removeItemsUpToStoredDate'],
            '/operation': ['removeItemsSeenInPreviousExecutions'],
          },
        }),
        opt('mode', 'cleanDatabase', ['cleanDatabase'], {
          show: { operation: ['clearDeduplicationHistory'] },
        }),
        coll('options', {
          show: {
            operation: [
              'removeDuplicateInputItems',
              'removeItemsSeenInPreviousExecutions',
              'clearDeduplicationHistory',
            ],
          },
        }),
      ],
    ),
  ],
  summarize: [
    describe(
      [1, 1.1],
      [
        fixed('fieldsToSummarize', { values: [{ aggregation: 'count', field: '' }] }),
        str('fieldsToSplitBy', '', { hide: { '/options.outputFormat': ['singleItem'] } }),
        str('fieldsToSplitBy', '', { show: { '/options.outputFormat': ['singleItem'] } }),
        coll('options'),
      ],
    ),
  ],
  renameKeys: [describe([1], [fixed('keys'), coll('additionalOptions')])],
};
