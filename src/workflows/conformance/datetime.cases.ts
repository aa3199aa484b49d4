import type { ConformanceCase } from './case.ts';

const TEST_WORKFLOWS = "n8n's Date & Time test workflows (nodes/DateTime/test/node)";
const format = (date: unknown): Record<string, unknown> => ({
  operation: 'formatDate',
  date,
  format: 'yyyy/MM/dd',
  outputFieldName: 'data',
});

/** Date & Time 1 (moment.js) and 2 (Luxon). The test engine's clock is 2026-03-04T05:06:07Z. */
export const dateTimeCases: ConformanceCase[] = [
  ...(
    [
      ['milliseconds', 1682918315906],
      ['seconds with a fraction', 1682918315.906],
      ['seconds', 1682918315],
      ['milliseconds as text', '1682918315906'],
      ['seconds with a fraction as text', '1682918315.906'],
      ['seconds as text', '1682918315'],
    ] as const
  ).map(([what, value]): ConformanceCase => ({
    title: `v2 reads a timestamp in ${what}`,
    node: 'dateTime',
    version: 2,
    parameters: format('={{ $json.value }}'),
    input: [{ value }],
    outputs: [[{ data: '2023/05/01' }]],
    source: `${TEST_WORKFLOWS}: workflow.timestamp_v2.json`,
  })),
  {
    title: 'v2 formats a null date as null',
    node: 'dateTime',
    version: 2,
    parameters: { operation: 'formatDate', date: '={{ $json.date }}', options: {} },
    input: [{ date: null }],
    outputs: [[{ formattedDate: null }]],
    source: `${TEST_WORKFLOWS}: workflow.nullDate_v2.json`,
  },
  {
    title: 'v2 answers only the new field by default, MM/dd/yyyy by default',
    node: 'dateTime',
    version: 2,
    parameters: { operation: 'formatDate', date: '={{ $json.when }}' },
    input: [{ when: '2026-05-06T07:08:09Z', other: 1 }],
    outputs: [[{ formattedDate: '05/06/2026' }]],
    source: 'n8n node description: options.includeInputFields false, format MM/dd/yyyy',
  },
  {
    title: 'v2 keeps the input fields when asked',
    node: 'dateTime',
    version: 2,
    parameters: {
      operation: 'addToDate',
      magnitude: '={{ $json.when }}',
      timeUnit: 'days',
      duration: 2,
      options: { includeInputFields: true },
    },
    input: [{ when: '2026-05-06', other: 1 }],
    outputs: [[{ when: '2026-05-06', other: 1, newDate: '2026-05-08T00:00:00.000Z' }]],
    source: `${TEST_WORKFLOWS}: workflow.includeInputFields_v2.json`,
  },
  {
    title: "v2 gives the current date in the workflow's timezone, over the instance's",
    node: 'dateTime',
    version: 2,
    parameters: { operation: 'getCurrentDate' },
    settings: { timezone: 'Asia/Tokyo' },
    instanceTimezone: 'America/New_York',
    outputs: [[{ currentDate: '2026-03-04T14:06:07.000+09:00' }]],
    source: 'n8n docs: workflow settings, timezone (the instance default applies only without one)',
  },
  {
    title: "v2 uses the instance's timezone when the workflow says DEFAULT",
    node: 'dateTime',
    version: 2,
    parameters: { operation: 'getCurrentDate', includeTime: false },
    settings: { timezone: 'DEFAULT' },
    instanceTimezone: 'America/New_York',
    outputs: [[{ currentDate: '2026-03-04T00:00:00.000-05:00' }]],
    source: 'n8n docs: workflow settings, timezone',
  },
  {
    title: 'v2 rounds up to the start of the next unit, to the month by default',
    node: 'dateTime',
    version: 2,
    parameters: { operation: 'roundDate', date: '2026-05-06T07:08:09Z', mode: 'roundUp' },
    outputs: [[{ roundedDate: '2026-06-01T00:00:00.000Z' }]],
    source: 'n8n node description: roundDate `to` defaults to month',
  },
  {
    title: 'v1 formats with moment.js tokens',
    node: 'dateTime',
    version: 1,
    parameters: {
      value: '={{ $json.when }}',
      custom: true,
      toFormat: 'DD/MM/YYYY HH:mm',
      options: { toTimezone: 'UTC' },
    },
    input: [{ when: '2026-05-06T07:08:09Z' }],
    outputs: [[{ when: '2026-05-06T07:08:09Z', data: '06/05/2026 07:08' }]],
    source: 'n8n node description: v1 toFormat in moment.js tokens',
  },
  {
    title: 'v1 reads a number under 12 digits as seconds, MM/DD/YYYY by default',
    node: 'dateTime',
    version: 1,
    parameters: { value: 1682918315, options: { toTimezone: 'UTC' } },
    outputs: [[{ data: '05/01/2023' }]],
    source: "n8n's Date & Time v1 (timestampLengthInMilliseconds1990 = 12)",
  },
  {
    title: 'v1 adds to a date and answers ISO in UTC',
    node: 'dateTime',
    version: 1,
    parameters: {
      action: 'calculate',
      value: '2026-01-31T10:00:00Z',
      duration: 1,
      timeUnit: 'months',
      dataPropertyName: 'due',
    },
    outputs: [[{ due: '2026-02-28T10:00:00.000Z' }]],
    source: "n8n's Date & Time v1 calculate: moment add, toISOString",
  },
];
