import { bool, coll, describe, opt, param, str, type Descriptions } from './describe.ts';

export const filesDescriptions: Descriptions = {
  convertToFile: [
    describe(
      [1, 1.1],
      [
        opt('operation', 'csv', [
          'csv',
          'html',
          'iCal',
          'toJson',
          'ods',
          'rtf',
          'toText',
          'xls',
          'xlsx',
          'toBinary',
        ]),
        str('binaryPropertyName', 'data', {
          show: { operation: ['csv', 'html', 'rtf', 'ods', 'xls', 'xlsx'] },
        }),
        coll('options', { show: { operation: ['csv', 'html', 'rtf', 'ods', 'xls', 'xlsx'] } }),
        str('sourceProperty', '', { show: { operation: ['toBinary'] } }),
        str('binaryPropertyName', 'data', { show: { operation: ['toBinary'] } }),
        coll('options', { show: { operation: ['toBinary'] } }),
        str('sourceProperty', '', { show: { operation: ['toText'] } }),
        str('binaryPropertyName', 'data', { show: { operation: ['toText'] } }),
        coll('options', { show: { operation: ['toText'] } }),
        opt('mode', 'once', ['once', 'each'], { show: { operation: ['toJson'] } }),
        str('binaryPropertyName', 'data', { show: { operation: ['toJson'] } }),
        coll('options', { show: { operation: ['toJson'] } }),
        str('title', '', { show: { operation: ['iCal'] } }),
        param('dateTime', 'start', '', { show: { operation: ['iCal'] } }),
        param('dateTime', 'end', '', { show: { operation: ['iCal'] } }),
        bool('allDay', false, { show: { operation: ['iCal'] } }),
        str('binaryPropertyName', 'data', { show: { operation: ['iCal'] } }),
        coll('additionalFields', { show: { operation: ['iCal'] } }),
      ],
    ),
  ],
  readPDF: [
    describe(
      [1],
      [
        str('binaryPropertyName', 'data'),
        bool('encrypted', false),
        str('password', '', { show: { encrypted: [true] } }),
      ],
    ),
  ],
  extractFromFile: [
    describe(
      [1, 1.1],
      [
        opt('operation', 'csv', [
          'csv',
          'html',
          'fromIcs',
          'fromJson',
          'ods',
          'pdf',
          'rtf',
          'text',
          'xml',
          'xls',
          'xlsx',
          'binaryToPropery',
        ]),
        str('binaryPropertyName', 'data', {
          show: { operation: ['csv', 'html', 'rtf', 'ods', 'xls', 'xlsx'] },
        }),
        coll('options', { show: { operation: ['csv', 'html', 'rtf', 'ods', 'xls', 'xlsx'] } }),
        str('binaryPropertyName', 'data', {
          show: { operation: ['binaryToPropery', 'fromJson', 'text', 'fromIcs', 'xml'] },
        }),
        str('destinationKey', 'data', {
          show: { operation: ['binaryToPropery', 'fromJson', 'text', 'fromIcs', 'xml'] },
        }),
        coll('options', {
          show: { operation: ['binaryToPropery', 'fromJson', 'text', 'fromIcs', 'xml'] },
        }),
        str('binaryPropertyName', 'data', { show: { operation: ['pdf'] } }),
        coll('options', { show: { operation: ['pdf'] } }),
      ],
    ),
  ],
  spreadsheetFile: [
    describe(
      [1],
      [
        opt('operation', 'fromFile', ['fromFile', 'toFile']),
        str('binaryPropertyName', 'data', { show: { operation: ['fromFile'] } }),
        opt('fileFormat', 'xls', ['csv', 'html', 'ods', 'rtf', 'xls', 'xlsx'], {
          show: { operation: ['toFile'] },
        }),
        str('binaryPropertyName', 'data', { show: { operation: ['toFile'] } }),
        coll('options', { show: { operation: ['fromFile'] } }),
        coll('options', { show: { operation: ['toFile'] } }),
      ],
    ),
    describe(
      [2],
      [
        opt('operation', 'fromFile', ['fromFile', 'toFile']),
        str('binaryPropertyName', 'data', { show: { operation: ['fromFile'] } }),
        opt(
          'fileFormat',
          'autodetect',
          ['autodetect', 'csv', 'html', 'ods', 'rtf', 'xls', 'xlsx'],
          { show: { operation: ['fromFile'] } },
        ),
        coll('options', { show: { operation: ['fromFile'] } }),
        opt('fileFormat', 'xls', ['csv', 'html', 'ods', 'rtf', 'xls', 'xlsx'], {
          show: { operation: ['toFile'] },
        }),
        str('binaryPropertyName', 'data', { show: { operation: ['toFile'] } }),
        coll('options', { show: { operation: ['toFile'] } }),
      ],
    ),
  ],
  moveBinaryData: [
    describe(
      [1, 1.1],
      [
        opt('mode', 'binaryToJson', ['binaryToJson', 'jsonToBinary']),
        bool('setAllData', true, { show: { mode: ['binaryToJson'] } }),
        str('sourceKey', 'data', { show: { mode: ['binaryToJson'] } }),
        str('destinationKey', 'data', { show: { mode: ['binaryToJson'], setAllData: [false] } }),
        bool('convertAllData', true, { show: { mode: ['jsonToBinary'] } }),
        str('sourceKey', 'data', { show: { convertAllData: [false], mode: ['jsonToBinary'] } }),
        str('destinationKey', 'data', { show: { mode: ['jsonToBinary'] } }),
        coll('options'),
      ],
    ),
  ],
};
