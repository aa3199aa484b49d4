import {
  bool,
  coll,
  describe,
  fixed,
  gte,
  json,
  lt,
  lte,
  num,
  opt,
  param,
  str,
  type Descriptions,
} from './describe.ts';

export const triggersDescriptions: Descriptions = {
  manualTrigger: [describe([1], [])],
  start: [describe([1], [])],
  errorTrigger: [describe([1], [])],
  executeWorkflowTrigger: [
    describe(
      [1, 1.1],
      [
        param('hidden', 'events', 'worklfow_call'),
        opt('inputSource', 'workflowInputs', ['workflowInputs', 'jsonExample', 'passthrough'], {
          show: { '@version': [gte(1.1)] },
        }),
        json(
          'jsonExample',
          '{\n  "aField": "a string",\n  "aNumber": 123,\n  "thisFieldAcceptsAnyType": null,\n  "anArray": []\n}',
          { show: { '@version': [gte(1.1)], inputSource: ['jsonExample'] } },
        ),
        fixed(
          'workflowInputs',
          {},
          { show: { '@version': [gte(1.1)], inputSource: ['workflowInputs'] } },
        ),
        opt('returnOutput', 'lastRunOnly', ['allRuns', 'lastRunOnly'], {
          show: { '@version': [lt(1.2)] },
        }),
      ],
    ),
  ],
  webhook: [
    describe(
      [1, 1.1, 2, 2.1],
      [
        bool('multipleMethods', false),
        opt('httpMethod', 'GET', ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'], {
          show: { multipleMethods: [false] },
        }),
        param('multiOptions', 'httpMethod', ['GET', 'POST'], { show: { multipleMethods: [true] } }),
        str('path'),
        opt('authentication', 'none', ['basicAuth', 'headerAuth', 'jwtAuth', 'n8nOAuth2', 'none']),
        bool('requireExecuteAccess', true, { show: { authentication: ['n8nOAuth2'] } }),
        opt('responseMode', 'onReceived', ['onReceived', 'lastNode', 'responseNode'], {
          show: { '@version': [1, 1.1, 2] },
        }),
        opt('responseMode', 'onReceived', ['onReceived', 'lastNode', 'responseNode', 'streaming'], {
          hide: { '@version': [1, 1.1, 2] },
        }),
        num('responseCode', 200, {
          show: { '@version': [1, 1.1] },
          hide: { responseMode: ['responseNode'] },
        }),
        opt(
          'responseData',
          'firstEntryJson',
          ['allEntries', 'firstEntryJson', 'firstEntryBinary', 'noData'],
          { show: { responseMode: ['lastNode'] } },
        ),
        str('responseBinaryPropertyName', 'data', { show: { responseData: ['firstEntryBinary'] } }),
        coll('options'),
      ],
    ),
  ],
  formTrigger: [
    describe(
      [1],
      [
        str('path'),
        str('formTitle'),
        str('formDescription'),
        fixed('formFields'),
        opt('responseMode', 'onReceived', ['onReceived', 'lastNode', 'responseNode']),
        coll('options', { hide: { responseMode: ['responseNode'] } }),
      ],
    ),
    describe(
      [2, 2.1, 2.2],
      [
        opt('authentication', 'none', ['basicAuth', 'none'], { show: { '@version': [lte(2.5)] } }),
        opt('authentication', 'none', ['basicAuth', 'n8nUserAuth', 'none'], {
          show: { '@version': [gte(2.6)] },
        }),
        bool('requireExecuteAccess', false, {
          show: { authentication: ['n8nUserAuth'], '@version': [gte(2.6)] },
        }),
        str('path', '', { show: { '@version': [lte(2.1)] } }),
        str('formTitle'),
        str('formDescription'),
        fixed('formFields', {}, { show: { '@version': [lt(2.5)] } }),
        fixed('formFields', {}, { show: { '@version': [gte(2.5)] } }),
        opt('responseMode', 'onReceived', ['onReceived', 'lastNode', 'responseNode'], {
          show: { '@version': [lte(2.1)] },
        }),
        opt('responseMode', 'onReceived', ['onReceived', 'lastNode'], {
          show: { '@version': [gte(2.2)] },
        }),
        coll('options'),
      ],
    ),
  ],
  scheduleTrigger: [
    describe(
      [1, 1.1, 1.2],
      [
        fixed('rule', { interval: [{ field: 'days' }] }),
        opt('misfirePolicy', 'skip', ['coalesce', 'coalesce_owner', 'skip'], {
          show: { '@version': [gte(1.4)] },
        }),
        num('misfireGraceSeconds', 0, { show: { '@version': [gte(1.4)] } }),
        bool('skipDurableScheduler', false),
      ],
    ),
  ],
  cron: [describe([1], [fixed('triggerTimes')])],
  interval: [
    describe([1], [num('interval', 1), opt('unit', 'seconds', ['seconds', 'minutes', 'hours'])]),
  ],
};
