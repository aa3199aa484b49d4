import {
  bool,
  coll,
  describe,
  fixed,
  json,
  num,
  opt,
  param,
  str,
  type Descriptions,
} from './describe.ts';

export const setDescriptions: Descriptions = {
  set: [
    describe([1, 2], [bool('keepOnlySet', false), fixed('values'), coll('options')]),
    describe(
      [3, 3.1, 3.2, 3.3, 3.4],
      [
        opt('mode', 'manual', ['manual', 'raw']),
        bool('duplicateItem', false),
        num('duplicateCount', 0, { show: { duplicateItem: [true] } }),
        json('jsonOutput', '{\n  "my_field_1": "value",\n  "my_field_2": 1\n}\n', {
          show: { mode: ['raw'] },
        }),
        fixed('fields', {}, { show: { '@version': [3, 3.1, 3.2], mode: ['manual'] } }),
        param(
          'assignmentCollection',
          'assignments',
          {},
          { show: { mode: ['manual'] }, hide: { '@version': [3, 3.1, 3.2] } },
        ),
        opt('include', 'all', ['all', 'none', 'selected', 'except'], {
          show: { '@version': [3, 3.1, 3.2] },
        }),
        bool('includeOtherFields', false, { hide: { '@version': [3, 3.1, 3.2] } }),
        opt('include', 'all', ['all', 'selected', 'except'], {
          hide: { '@version': [3, 3.1, 3.2], '/includeOtherFields': [false] },
        }),
        str('includeFields', '', { show: { include: ['selected'], '@version': [3, 3.1, 3.2] } }),
        str('excludeFields', '', { show: { include: ['except'], '@version': [3, 3.1, 3.2] } }),
        str('includeFields', '', {
          show: { include: ['selected'], '/includeOtherFields': [true] },
          hide: { '@version': [3, 3.1, 3.2] },
        }),
        str('excludeFields', '', {
          show: { include: ['except'], '/includeOtherFields': [true] },
          hide: { '@version': [3, 3.1, 3.2] },
        }),
        coll('options'),
      ],
    ),
  ],
};
