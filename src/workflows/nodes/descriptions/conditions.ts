import {
  bool,
  coll,
  describe,
  fixed,
  gte,
  lt,
  num,
  opt,
  param,
  str,
  type Descriptions,
} from './describe.ts';

export const conditionsDescriptions: Descriptions = {
  if: [
    describe([1], [fixed('conditions'), opt('combineOperation', 'all', ['all', 'any'])]),
    describe(
      [2, 2.1, 2.2, 2.3],
      [
        param('filter', 'conditions', {}),
        bool('looseTypeValidation', false, { show: { '@version': [gte(2.1)] } }),
        coll('options'),
      ],
    ),
  ],
  filter: [
    describe([1], [fixed('conditions'), opt('combineConditions', 'AND', ['AND', 'OR'])]),
    describe(
      [2, 2.1, 2.2, 2.3],
      [
        param('filter', 'conditions', {}),
        bool('looseTypeValidation', false, { show: { '@version': [gte(2.1)] } }),
        coll('options'),
      ],
    ),
  ],
  switch: [
    describe(
      [1],
      [
        opt('mode', 'rules', ['expression', 'rules']),
        num('output', 0, { show: { mode: ['expression'] } }),
        opt('dataType', 'number', ['boolean', 'dateTime', 'number', 'string'], {
          show: { mode: ['rules'] },
        }),
        bool('value1', false, { show: { dataType: ['boolean'], mode: ['rules'] } }),
        fixed('rules', {}, { show: { dataType: ['boolean'], mode: ['rules'] } }),
        param('dateTime', 'value1', '', { show: { dataType: ['dateTime'], mode: ['rules'] } }),
        fixed('rules', {}, { show: { dataType: ['dateTime'], mode: ['rules'] } }),
        num('value1', 0, { show: { dataType: ['number'], mode: ['rules'] } }),
        fixed('rules', {}, { show: { dataType: ['number'], mode: ['rules'] } }),
        str('value1', '', { show: { dataType: ['string'], mode: ['rules'] } }),
        fixed('rules', {}, { show: { dataType: ['string'], mode: ['rules'] } }),
        opt('fallbackOutput', -1, [-1, 0, 1, 2, 3], { show: { mode: ['rules'] } }),
      ],
    ),
    describe(
      [2],
      [
        opt('mode', 'rules', ['expression', 'rules']),
        str('output', '', { show: { mode: ['expression'] } }),
        num('outputsAmount', 4, { show: { mode: ['expression'] } }),
        opt('dataType', 'number', ['boolean', 'dateTime', 'number', 'string'], {
          show: { mode: ['rules'] },
        }),
        bool('value1', false, { show: { dataType: ['boolean'], mode: ['rules'] } }),
        fixed('rules', {}, { show: { dataType: ['boolean'], mode: ['rules'] } }),
        param('dateTime', 'value1', '', { show: { dataType: ['dateTime'], mode: ['rules'] } }),
        fixed('rules', {}, { show: { dataType: ['dateTime'], mode: ['rules'] } }),
        num('value1', 0, { show: { dataType: ['number'], mode: ['rules'] } }),
        fixed('rules', {}, { show: { dataType: ['number'], mode: ['rules'] } }),
        str('value1', '', { show: { dataType: ['string'], mode: ['rules'] } }),
        fixed('rules', {}, { show: { dataType: ['string'], mode: ['rules'] } }),
        param('options', 'fallbackOutput', -1, { show: { mode: ['rules'] } }),
      ],
    ),
    describe(
      [3, 3.1, 3.2, 3.3, 3.4],
      [
        opt('mode', 'rules', ['rules', 'expression']),
        num('numberOutputs', 4, { show: { mode: ['expression'], '@version': [gte(3.3)] } }),
        num('numberOutputs', 4, { show: { mode: ['expression'], '@version': [lt(3.3)] } }),
        num('output', '={{}}', { show: { mode: ['expression'] } }),
        fixed(
          'rules',
          {
            values: [
              {
                conditions: {
                  options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
                  conditions: [
                    {
                      leftValue: '',
                      rightValue: '',
                      operator: { type: 'string', operation: 'equals' },
                    },
                  ],
                  combinator: 'and',
                },
              },
            ],
          },
          { show: { mode: ['rules'] } },
        ),
        bool('looseTypeValidation', false, { show: { '@version': [gte(3.1)] } }),
        coll('options', { show: { mode: ['rules'] } }),
      ],
    ),
  ],
};
