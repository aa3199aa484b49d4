import {
  between,
  bool,
  coll,
  describe,
  fixed,
  gte,
  json,
  lte,
  num,
  opt,
  param,
  str,
  type Descriptions,
} from './describe.ts';

export const flowDescriptions: Descriptions = {
  noOp: [describe([1], [])],
  executionData: [
    describe(
      [1, 1.1],
      [
        opt('operation', 'save', ['save']),
        fixed('dataToSave', {}, { show: { operation: ['save'] } }),
      ],
    ),
  ],
  stickyNote: [
    describe(
      [1],
      [
        str(
          'content',
          "## I'm a note \n**Double click** to edit me. [Guide](https://docs.n8n.io/workflows/components/sticky-notes/)",
        ),
        num('height', 160),
        num('width', 240),
        num('color', 1),
      ],
    ),
  ],
  stopAndError: [
    describe(
      [1],
      [
        opt('errorType', 'errorMessage', ['errorMessage', 'errorObject']),
        str('errorMessage', '', { show: { errorType: ['errorMessage'] } }),
        json('errorObject', '', { show: { errorType: ['errorObject'] } }),
      ],
    ),
  ],
  limit: [
    describe([1], [num('maxItems', 1), opt('keep', 'firstItems', ['firstItems', 'lastItems'])]),
  ],
  wait: [
    describe(
      [1, 1.1],
      [
        opt('resume', 'timeInterval', ['timeInterval', 'specificTime', 'webhook', 'form']),
        opt('incomingAuthentication', 'none', ['basicAuth', 'none'], {
          show: { resume: ['form'] },
        }),
        opt('incomingAuthentication', 'none', ['basicAuth', 'headerAuth', 'jwtAuth', 'none'], {
          show: { resume: ['webhook'] },
        }),
        param('dateTime', 'dateTime', '', { show: { resume: ['specificTime'] } }),
        num('amount', 1, { show: { resume: ['timeInterval'], '@version': [1] } }),
        num('amount', 5, { show: { resume: ['timeInterval'] }, hide: { '@version': [1] } }),
        opt('unit', 'hours', ['seconds', 'minutes', 'hours', 'days'], {
          show: { resume: ['timeInterval'], '@version': [1] },
        }),
        opt('unit', 'seconds', ['seconds', 'minutes', 'hours', 'days'], {
          show: { resume: ['timeInterval'] },
          hide: { '@version': [1] },
        }),
        str('formTitle', '', { show: { resume: ['form'] } }),
        str('formDescription', '', { show: { resume: ['form'] } }),
        fixed('formFields', {}, { show: { resume: ['form'] } }),
        opt('responseMode', 'onReceived', ['onReceived', 'lastNode', 'responseNode'], {
          show: { resume: ['form'] },
        }),
        opt('httpMethod', 'GET', ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'], {
          show: { resume: ['webhook'] },
        }),
        num('responseCode', 200, {
          show: { resume: ['webhook'] },
          hide: { responseMode: ['responseNode'] },
        }),
        opt('responseMode', 'onReceived', ['onReceived', 'lastNode', 'responseNode'], {
          show: { '@version': [1, 1.1, 2], resume: ['webhook'] },
        }),
        opt(
          'responseData',
          'firstEntryJson',
          ['allEntries', 'firstEntryJson', 'firstEntryBinary', 'noData'],
          { show: { responseMode: ['lastNode'], resume: ['webhook'] } },
        ),
        str('responseBinaryPropertyName', 'data', {
          show: { responseData: ['firstEntryBinary'], resume: ['webhook'] },
        }),
        bool('limitWaitTime', false, { show: { resume: ['webhook', 'form'] } }),
        opt('limitType', 'afterTimeInterval', ['afterTimeInterval', 'atSpecifiedTime'], {
          show: { limitWaitTime: [true], resume: ['webhook', 'form'] },
        }),
        num('resumeAmount', 1, {
          show: {
            limitType: ['afterTimeInterval'],
            limitWaitTime: [true],
            resume: ['webhook', 'form'],
          },
        }),
        opt('resumeUnit', 'hours', ['seconds', 'minutes', 'hours', 'days'], {
          show: {
            limitType: ['afterTimeInterval'],
            limitWaitTime: [true],
            resume: ['webhook', 'form'],
          },
        }),
        param('dateTime', 'maxDateAndTime', '', {
          show: {
            limitType: ['atSpecifiedTime'],
            limitWaitTime: [true],
            resume: ['webhook', 'form'],
          },
        }),
        coll('options', { show: { resume: ['webhook'] } }),
        coll('options', { show: { resume: ['form'] }, hide: { responseMode: ['responseNode'] } }),
        coll('options', {
          show: { resume: ['form'] },
          hide: { responseMode: ['onReceived', 'lastNode'] },
        }),
      ],
    ),
  ],
  splitInBatches: [
    describe([1, 2], [num('batchSize', 10), coll('options')]),
    describe([3], [num('batchSize', 1), coll('options')]),
  ],
  respondToWebhook: [
    describe(
      [1, 1.1, 1.2, 1.3, 1.4],
      [
        bool('enableResponseOutput', false, { show: { '@version': [gte(1.4)] } }),
        opt(
          'respondWith',
          'firstIncomingItem',
          [
            'allIncomingItems',
            'binary',
            'firstIncomingItem',
            'json',
            'jwt',
            'noData',
            'redirect',
            'text',
          ],
          { show: { '@version': [1, 1.1] } },
        ),
        opt(
          'respondWith',
          'firstIncomingItem',
          [
            'allIncomingItems',
            'binary',
            'firstIncomingItem',
            'json',
            'jwt',
            'noData',
            'redirect',
            'text',
          ],
          { show: { '@version': [gte(1.2)] } },
        ),
        param('credentials', 'credentials', '', { show: { respondWith: ['jwt'] } }),
        str('redirectURL', '', { show: { respondWith: ['redirect'] } }),
        json('responseBody', '{\n  "myField": "value"\n}', { show: { respondWith: ['json'] } }),
        json('payload', '{\n  "myField": "value"\n}', { show: { respondWith: ['jwt'] } }),
        str('responseBody', '', { show: { respondWith: ['text'] } }),
        opt('responseDataSource', 'automatically', ['automatically', 'set'], {
          show: { respondWith: ['binary'] },
        }),
        str('inputFieldName', 'data', {
          show: { respondWith: ['binary'], responseDataSource: ['set'] },
        }),
        coll('options'),
      ],
    ),
  ],
  executeWorkflow: [
    describe(
      [1, 1.1, 1.2],
      [
        param('hidden', 'operation', 'call_workflow'),
        opt('source', 'database', ['database', 'localFile', 'parameter', 'url'], {
          show: { '@version': [lte(1.1)] },
        }),
        opt('source', 'database', ['database', 'parameter'], { show: { '@version': [gte(1.2)] } }),
        str('workflowId', '', { show: { source: ['database'], '@version': [1] } }),
        param('workflowSelector', 'workflowId', '', {
          show: { source: ['database'], '@version': [gte(1.1)] },
        }),
        str('workflowPath', '', { show: { source: ['localFile'] } }),
        json('workflowJson', '\n\n\n', { show: { source: ['parameter'] } }),
        str('workflowUrl', '', { show: { source: ['url'] } }),
        param(
          'resourceMapper',
          'workflowInputs',
          { mappingMode: 'defineBelow', value: null },
          {
            show: { source: ['database'], '@version': [between(1.2, 1.3)] },
            hide: { workflowId: [''] },
          },
        ),
        param(
          'resourceMapper',
          'workflowInputs',
          { mappingMode: 'defineBelow', value: null },
          { show: { source: ['database'], '@version': [gte(1.4)] }, hide: { workflowId: [''] } },
        ),
        opt('mode', 'once', ['once', 'each']),
        coll('options'),
      ],
    ),
  ],
};
