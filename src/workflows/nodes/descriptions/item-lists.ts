import { coll, describe, fixed, num, opt, param, str, type Descriptions } from './describe.ts';

export const itemListsDescriptions: Descriptions = {
  itemLists: [
    describe(
      [1, 2, 2.1, 2.2],
      [
        param('hidden', 'resource', 'itemList'),
        opt('operation', 'splitOutItems', [
          'aggregateItems',
          'limit',
          'removeDuplicates',
          'sort',
          'splitOutItems',
          'summarize',
        ]),
        str('fieldToSplitOut', '', {
          show: { resource: ['itemList'], operation: ['splitOutItems'] },
        }),
        opt(
          'include',
          'noOtherFields',
          ['noOtherFields', 'allOtherFields', 'selectedOtherFields'],
          { show: { resource: ['itemList'], operation: ['splitOutItems'] } },
        ),
        fixed(
          'fieldsToInclude',
          {},
          {
            show: {
              resource: ['itemList'],
              operation: ['splitOutItems'],
              include: ['selectedOtherFields'],
            },
          },
        ),
        opt(
          'aggregate',
          'aggregateIndividualFields',
          ['aggregateIndividualFields', 'aggregateAllItemData'],
          { show: { resource: ['itemList'], operation: ['aggregateItems'] } },
        ),
        fixed(
          'fieldsToAggregate',
          { fieldToAggregate: [{ fieldToAggregate: '', renameField: false }] },
          {
            show: {
              resource: ['itemList'],
              operation: ['aggregateItems'],
              aggregate: ['aggregateIndividualFields'],
            },
          },
        ),
        str('destinationFieldName', 'data', {
          show: {
            resource: ['itemList'],
            operation: ['aggregateItems'],
            aggregate: ['aggregateAllItemData'],
          },
        }),
        opt('include', 'allFields', ['allFields', 'specifiedFields', 'allFieldsExcept'], {
          show: {
            resource: ['itemList'],
            operation: ['aggregateItems'],
            aggregate: ['aggregateAllItemData'],
          },
        }),
        fixed(
          'fieldsToExclude',
          {},
          {
            show: {
              resource: ['itemList'],
              operation: ['aggregateItems'],
              aggregate: ['aggregateAllItemData'],
              include: ['allFieldsExcept'],
            },
          },
        ),
        fixed(
          'fieldsToInclude',
          {},
          {
            show: {
              resource: ['itemList'],
              operation: ['aggregateItems'],
              aggregate: ['aggregateAllItemData'],
              include: ['specifiedFields'],
            },
          },
        ),
        opt('compare', 'allFields', ['allFields', 'allFieldsExcept', 'selectedFields'], {
          show: { resource: ['itemList'], operation: ['removeDuplicates'] },
        }),
        fixed(
          'fieldsToExclude',
          {},
          {
            show: {
              resource: ['itemList'],
              operation: ['removeDuplicates'],
              compare: ['allFieldsExcept'],
            },
          },
        ),
        fixed(
          'fieldsToCompare',
          {},
          {
            show: {
              resource: ['itemList'],
              operation: ['removeDuplicates'],
              compare: ['selectedFields'],
            },
          },
        ),
        opt('type', 'simple', ['simple', 'random', 'code'], {
          show: { resource: ['itemList'], operation: ['sort'] },
        }),
        fixed(
          'sortFieldsUi',
          {},
          { show: { resource: ['itemList'], operation: ['sort'], type: ['simple'] } },
        ),
        str(
          'code',
          "// The two items to compare are in the variables a and b\n// Access the fields in a.json and b.json\n// Return -1 if a should go before b\n// Return 1 if b should go before a\n// Return 0 if there's no difference\n\nfieldName = 'myField';\n\nif (a.json[fieldName] < b.json[fieldName]) {\n\t\treturn -1;\n}\nif (a.json[fieldName] > b.json[fieldName]) {\n\t\treturn 1;\n}\nreturn 0;",
          { show: { resource: ['itemList'], operation: ['sort'], type: ['code'] } },
        ),
        num('maxItems', 1, { show: { resource: ['itemList'], operation: ['limit'] } }),
        opt('keep', 'firstItems', ['firstItems', 'lastItems'], {
          show: { resource: ['itemList'], operation: ['limit'] },
        }),
        coll('options', {
          show: {
            resource: ['itemList'],
            operation: ['removeDuplicates'],
            compare: ['allFieldsExcept', 'selectedFields'],
          },
        }),
        coll('options', {
          show: { resource: ['itemList'], operation: ['sort'], type: ['simple'] },
        }),
        coll('options', {
          show: { resource: ['itemList'], operation: ['splitOutItems', 'aggregateItems'] },
          hide: { aggregate: ['aggregateAllItemData'] },
        }),
        fixed(
          'fieldsToSummarize',
          { values: [{ aggregation: 'count', field: '' }] },
          { show: { resource: ['itemList'], operation: ['summarize'] } },
        ),
        str('fieldsToSplitBy', '', {
          show: { resource: ['itemList'], operation: ['summarize'] },
          hide: { '/options.outputFormat': ['singleItem'] },
        }),
        str('fieldsToSplitBy', '', {
          show: {
            resource: ['itemList'],
            operation: ['summarize'],
            '/options.outputFormat': ['singleItem'],
          },
        }),
        coll('options', { show: { resource: ['itemList'], operation: ['summarize'] } }),
      ],
    ),
    describe(
      [3, 3.1],
      [
        param('hidden', 'resource', 'itemList'),
        opt(
          'operation',
          'splitOutItems',
          ['concatenateItems', 'limit', 'removeDuplicates', 'sort', 'splitOutItems', 'summarize'],
          { show: { resource: ['itemList'] } },
        ),
        opt(
          'aggregate',
          'aggregateIndividualFields',
          ['aggregateIndividualFields', 'aggregateAllItemData'],
          { show: { resource: ['itemList'], operation: ['concatenateItems'] } },
        ),
        fixed(
          'fieldsToAggregate',
          { fieldToAggregate: [{ fieldToAggregate: '', renameField: false }] },
          {
            show: {
              aggregate: ['aggregateIndividualFields'],
              resource: ['itemList'],
              operation: ['concatenateItems'],
            },
          },
        ),
        str('destinationFieldName', 'data', {
          show: {
            aggregate: ['aggregateAllItemData'],
            resource: ['itemList'],
            operation: ['concatenateItems'],
          },
        }),
        opt('include', 'allFields', ['allFields', 'specifiedFields', 'allFieldsExcept'], {
          show: {
            aggregate: ['aggregateAllItemData'],
            resource: ['itemList'],
            operation: ['concatenateItems'],
          },
        }),
        str('fieldsToExclude', '', {
          show: {
            aggregate: ['aggregateAllItemData'],
            include: ['allFieldsExcept'],
            resource: ['itemList'],
            operation: ['concatenateItems'],
          },
        }),
        str('fieldsToInclude', '', {
          show: {
            aggregate: ['aggregateAllItemData'],
            include: ['specifiedFields'],
            resource: ['itemList'],
            operation: ['concatenateItems'],
          },
        }),
        coll('options', { show: { resource: ['itemList'], operation: ['concatenateItems'] } }),
        num('maxItems', 1, { show: { resource: ['itemList'], operation: ['limit'] } }),
        opt('keep', 'firstItems', ['firstItems', 'lastItems'], {
          show: { resource: ['itemList'], operation: ['limit'] },
        }),
        opt('compare', 'allFields', ['allFields', 'allFieldsExcept', 'selectedFields'], {
          show: { resource: ['itemList'], operation: ['removeDuplicates'] },
        }),
        str('fieldsToExclude', '', {
          show: {
            compare: ['allFieldsExcept'],
            resource: ['itemList'],
            operation: ['removeDuplicates'],
          },
        }),
        str('fieldsToCompare', '', {
          show: {
            compare: ['selectedFields'],
            resource: ['itemList'],
            operation: ['removeDuplicates'],
          },
        }),
        coll('options', {
          show: {
            compare: ['allFieldsExcept', 'selectedFields'],
            resource: ['itemList'],
            operation: ['removeDuplicates'],
          },
        }),
        opt('type', 'simple', ['simple', 'random', 'code'], {
          show: { resource: ['itemList'], operation: ['sort'] },
        }),
        fixed(
          'sortFieldsUi',
          {},
          { show: { type: ['simple'], resource: ['itemList'], operation: ['sort'] } },
        ),
        str(
          'code',
          "// The two items to compare are in the variables a and b\n// Access the fields in a.json and b.json\n// Return -1 if a should go before b\n// Return 1 if b should go before a\n// Return 0 if there's no difference\n\nfieldName = 'myField';\n\nif (a.json[fieldName] < b.json[fieldName]) {\nreturn -1;\n}\nif (a.json[fieldName] > b.json[fieldName]) {\nreturn 1;\n}\nreturn 0;",
          { show: { type: ['code'], resource: ['itemList'], operation: ['sort'] } },
        ),
        coll('options', {
          show: { type: ['simple'], resource: ['itemList'], operation: ['sort'] },
        }),
        str('fieldToSplitOut', '', {
          show: { resource: ['itemList'], operation: ['splitOutItems'] },
        }),
        opt(
          'include',
          'noOtherFields',
          ['noOtherFields', 'allOtherFields', 'selectedOtherFields'],
          { show: { resource: ['itemList'], operation: ['splitOutItems'] } },
        ),
        str('fieldsToInclude', '', {
          show: {
            include: ['selectedOtherFields'],
            resource: ['itemList'],
            operation: ['splitOutItems'],
          },
        }),
        coll('options', { show: { resource: ['itemList'], operation: ['splitOutItems'] } }),
        fixed(
          'fieldsToSummarize',
          { values: [{ aggregation: 'count', field: '' }] },
          { show: { resource: ['itemList'], operation: ['summarize'] } },
        ),
        str('fieldsToSplitBy', '', {
          show: { resource: ['itemList'], operation: ['summarize'] },
          hide: { '/options.outputFormat': ['singleItem'] },
        }),
        str('fieldsToSplitBy', '', {
          show: {
            '/options.outputFormat': ['singleItem'],
            resource: ['itemList'],
            operation: ['summarize'],
          },
        }),
        coll('options', { show: { resource: ['itemList'], operation: ['summarize'] } }),
      ],
    ),
  ],
};
