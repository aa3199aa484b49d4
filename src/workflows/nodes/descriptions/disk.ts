import { coll, describe, opt, str, type Descriptions } from './describe.ts';

export const diskDescriptions: Descriptions = {
  readWriteFile: [
    describe(
      [1, 1.1],
      [
        opt('operation', 'read', ['read', 'write']),
        str('fileSelector', '', { show: { operation: ['read'] } }),
        coll('options', { show: { operation: ['read'] } }),
        str('fileName', '', { show: { operation: ['write'] } }),
        str('dataPropertyName', 'data', { show: { operation: ['write'] } }),
        coll('options', { show: { operation: ['write'] } }),
      ],
    ),
  ],
  readBinaryFile: [describe([1], [str('filePath'), str('dataPropertyName', 'data')])],
  readBinaryFiles: [describe([1], [str('fileSelector'), str('dataPropertyName', 'data')])],
  writeBinaryFile: [
    describe([1], [str('fileName'), str('dataPropertyName', 'data'), coll('options')]),
  ],
  compression: [
    describe(
      [1, 1.1],
      [
        opt('operation', 'decompress', ['compress', 'decompress']),
        str('binaryPropertyName', 'data', { show: { operation: ['compress'] } }),
        str('binaryPropertyName', 'data', { show: { operation: ['decompress'] } }),
        opt('outputFormat', '', ['gzip', 'tar', 'targz', 'zip'], {
          show: { operation: ['compress'], '@version': [1] },
        }),
        opt('outputFormat', 'zip', ['gzip', 'tar', 'targz', 'zip'], {
          show: { operation: ['compress'] },
          hide: { '@version': [1] },
        }),
        str('fileName', '', {
          show: { operation: ['compress'], outputFormat: ['zip', 'tar', 'targz'] },
        }),
        str('binaryPropertyOutput', 'data', {
          show: { outputFormat: ['zip', 'tar', 'targz'], operation: ['compress'] },
        }),
        str('fileName', '', {
          show: { operation: ['compress'], outputFormat: ['gzip'] },
          hide: { '@version': [1] },
        }),
        str('binaryPropertyOutput', 'data', {
          show: { outputFormat: ['gzip'], operation: ['compress'] },
          hide: { '@version': [1] },
        }),
        str('outputPrefix', 'data', {
          show: { operation: ['compress'], outputFormat: ['gzip'], '@version': [1] },
        }),
        str('outputPrefix', 'file_', { show: { operation: ['decompress'] } }),
      ],
    ),
  ],
};
