import {
  bool,
  coll,
  describe,
  fixed,
  gte,
  json,
  opt,
  param,
  str,
  type Descriptions,
} from './describe.ts';

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
/** WebDAV's methods, offered when the option `webdavMethods` is on. */
const WEBDAV = ['COPY', 'MKCOL', 'MOVE', 'PROPFIND', 'REPORT'];
const CREDENTIAL_TYPES = ['none', 'predefinedCredentialType', 'genericCredentialType'];
const credentialTypes = [
  param('credentialsSelect', 'nodeCredentialType', '', {
    show: { authentication: ['predefinedCredentialType'] },
  }),
  param('credentialsSelect', 'genericAuthType', '', {
    show: { authentication: ['genericCredentialType'] },
  }),
];

const withJson = { jsonParameters: [true] };
const withoutJson = { jsonParameters: [false] };
/** Versions 1 and 2 after their authentication. */
const legacyRequest = [
  opt('requestMethod', 'GET', METHODS),
  str('url'),
  bool('allowUnauthorizedCerts', false),
  opt('responseFormat', 'json', ['file', 'json', 'string']),
  str('dataPropertyName', 'data', { show: { responseFormat: ['string'] } }),
  str('dataPropertyName', 'data', { show: { responseFormat: ['file'] } }),
  bool('jsonParameters', false),
  coll('options'),
  bool('sendBinaryData', false, {
    show: { ...withJson, requestMethod: ['PATCH', 'POST', 'PUT'] },
  }),
  str('binaryPropertyName', 'data', {
    show: { ...withJson, requestMethod: ['PATCH', 'POST', 'PUT'] },
    hide: { sendBinaryData: [false] },
  }),
  json('bodyParametersJson', '', {
    show: { ...withJson, requestMethod: ['PATCH', 'POST', 'PUT', 'DELETE'] },
    hide: { sendBinaryData: [true] },
  }),
  fixed(
    'bodyParametersUi',
    {},
    {
      show: { ...withoutJson, requestMethod: ['PATCH', 'POST', 'PUT', 'DELETE'] },
    },
  ),
  json('headerParametersJson', '', { show: withJson }),
  fixed('headerParametersUi', {}, { show: withoutJson }),
  json('queryParametersJson', '', { show: withJson }),
  fixed('queryParametersUi', {}, { show: withoutJson }),
];

const keypairs = { parameters: [{ name: '', value: '' }] };
const body = { sendBody: [true] };

export const httpDescriptions: Descriptions = {
  httpRequest: [
    describe(
      [1],
      [
        opt('authentication', 'none', [
          'basicAuth',
          'digestAuth',
          'headerAuth',
          'none',
          'oAuth1',
          'oAuth2',
          'queryAuth',
        ]),
        ...legacyRequest,
      ],
    ),
    describe(
      [2],
      [opt('authentication', 'none', CREDENTIAL_TYPES), ...credentialTypes, ...legacyRequest],
    ),
    describe(
      [3, 4, 4.1, 4.2],
      [
        opt('method', 'GET', [...METHODS, ...WEBDAV]),
        str('url'),
        opt('authentication', 'none', CREDENTIAL_TYPES),
        ...credentialTypes,
        bool('provideSslCertificates', false),
        param('credentials', 'sslCertificate', '', { show: { provideSslCertificates: [true] } }),
        bool('sendQuery', false),
        opt('specifyQuery', 'keypair', ['keypair', 'json'], { show: { sendQuery: [true] } }),
        fixed('queryParameters', keypairs, {
          show: { sendQuery: [true], specifyQuery: ['keypair'] },
        }),
        json('jsonQuery', '', { show: { sendQuery: [true], specifyQuery: ['json'] } }),
        bool('sendHeaders', false),
        opt('specifyHeaders', 'keypair', ['keypair', 'json'], { show: { sendHeaders: [true] } }),
        fixed('headerParameters', keypairs, {
          show: { sendHeaders: [true], specifyHeaders: ['keypair'] },
        }),
        json('jsonHeaders', '', { show: { sendHeaders: [true], specifyHeaders: ['json'] } }),
        bool('sendBody', false),
        opt(
          'contentType',
          'json',
          ['form-urlencoded', 'multipart-form-data', 'json', 'binaryData', 'raw'],
          { show: body },
        ),
        opt('specifyBody', 'keypair', ['keypair', 'json'], {
          show: { ...body, contentType: ['json'] },
        }),
        fixed('bodyParameters', keypairs, {
          show: { ...body, contentType: ['json'], specifyBody: ['keypair'] },
        }),
        json('jsonBody', '', { show: { ...body, contentType: ['json'], specifyBody: ['json'] } }),
        fixed('bodyParameters', keypairs, {
          show: { ...body, contentType: ['multipart-form-data'] },
        }),
        opt('specifyBody', 'keypair', ['keypair', 'string'], {
          show: { ...body, contentType: ['form-urlencoded'] },
        }),
        fixed('bodyParameters', keypairs, {
          show: { ...body, contentType: ['form-urlencoded'], specifyBody: ['keypair'] },
        }),
        str('body', '', { show: { ...body, specifyBody: ['string'] } }),
        str('inputDataFieldName', '', { show: { ...body, contentType: ['binaryData'] } }),
        str('rawContentType', '', { show: { ...body, contentType: ['raw'] } }),
        str('body', '', { show: { ...body, contentType: ['raw'] } }),
        coll('options'),
      ],
    ),
  ],
  rssFeedRead: [describe([1, 1.1], [str('url'), coll('options')])],
  graphql: [
    describe(
      [1, 1.1],
      [
        opt('authentication', 'none', [
          'predefinedCredentialType',
          'basicAuth',
          'customAuth',
          'digestAuth',
          'headerAuth',
          'none',
          'oAuth1',
          'oAuth2',
          'queryAuth',
        ]),
        credentialTypes[0]!,
        opt('requestMethod', 'POST', ['GET', 'POST']),
        str('endpoint'),
        bool('allowUnauthorizedCerts', false),
        // Version 1 posts the bare query; JSON from 1.1.
        opt('requestFormat', 'graphql', ['graphql', 'json'], {
          show: { requestMethod: ['POST'], '@version': [1] },
        }),
        opt('requestFormat', 'json', ['json', 'graphql'], {
          show: { requestMethod: ['POST'], '@version': [gte(1.1)] },
        }),
        str('query'),
        json('variables', '', { show: { requestFormat: ['json'], requestMethod: ['POST'] } }),
        str('operationName', '', { show: { requestFormat: ['json'], requestMethod: ['POST'] } }),
        opt('responseFormat', 'json', ['json', 'string']),
        str('dataPropertyName', 'data', { show: { responseFormat: ['string'] } }),
        fixed('headerParametersUi'),
      ],
    ),
  ],
};
