import { gzipSync, zipSync } from 'fflate';
import type { ConformanceCase } from './case.ts';

const READ_WRITE =
  "n8n's Read/Write Files from Disk (Files/ReadWriteFile: read.operation, write.operation and its read tests), with n8n-core's prepareBinaryData (type from the name, folder, pretty size)";
const LEGACY =
  "n8n's Read Binary File, Read Binary Files and Write Binary File (nodes/ReadBinaryFile, ReadBinaryFiles, WriteBinaryFile)";
const COMPRESSION =
  "n8n's Compression node (nodes/Compression) and its test workflow (test/node/Compression.test.ts: lorem.txt zipped and unzipped)";

/** A text of 3,070 bytes, as n8n's lorem.txt: shown as `3.07 kB`. */
const LOREM = 'Lorem ipsum dolor sit amet. '.repeat(110).slice(0, 3070);
const base64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

const loremFile = {
  data: base64(LOREM),
  mimeType: 'text/plain',
  fileExtension: 'txt',
  fileName: 'lorem.txt',
};

const CSV = { 'data/a.csv': 'id\n1\n', 'data/b.csv': 'id\n2\n', 'data/notes.txt': 'x' };

/** n8n's binary data of a text file read from disk at `/data/<name>`. */
const readFromData = (fileName: string, size: string, mimeType = 'text/csv') => ({
  mimeType,
  fileType: 'text',
  fileExtension: fileName.split('.').pop(),
  directory: '/data',
  fileName,
  fileSize: size,
});

export const fileCases: ConformanceCase[] = [
  {
    title: 'read: one file, its name, type and size in the JSON and the file under data',
    node: 'readWriteFile',
    version: 1,
    parameters: { fileSelector: '/data/lorem.txt', options: {} },
    files: { 'data/lorem.txt': LOREM },
    outputs: [
      [
        {
          mimeType: 'text/plain',
          fileType: 'text',
          fileName: 'lorem.txt',
          fileExtension: 'txt',
          fileSize: '3.07 kB',
        },
      ],
    ],
    binaryOutputs: [[{ data: readFromData('lorem.txt', '3.07 kB', 'text/plain') }]],
    source: READ_WRITE,
  },
  {
    title: 'read: a pattern gives an item per file',
    node: 'readWriteFile',
    version: 1.1,
    parameters: { fileSelector: '/data/*.csv', options: {} },
    files: CSV,
    outputs: [
      [
        {
          mimeType: 'text/csv',
          fileType: 'text',
          fileName: 'a.csv',
          fileExtension: 'csv',
          fileSize: '5 B',
        },
        {
          mimeType: 'text/csv',
          fileType: 'text',
          fileName: 'b.csv',
          fileExtension: 'csv',
          fileSize: '5 B',
        },
      ],
    ],
    binaryOutputs: [
      [{ data: readFromData('a.csv', '5 B') }, { data: readFromData('b.csv', '5 B') }],
    ],
    source: READ_WRITE,
  },
  {
    title: "read: options name the field and override the file's name, extension and type",
    node: 'readWriteFile',
    version: 1.1,
    parameters: {
      fileSelector: '/data/a.csv',
      options: {
        dataPropertyName: 'file',
        fileName: 'renamed.bin',
        fileExtension: 'bin',
        mimeType: 'application/octet-stream',
      },
    },
    files: CSV,
    // n8n sets the overrides after the file is made: fileType stays the one of text/csv.
    outputs: [
      [
        {
          mimeType: 'application/octet-stream',
          fileType: 'text',
          fileName: 'renamed.bin',
          fileExtension: 'bin',
          fileSize: '5 B',
        },
      ],
    ],
    binaryOutputs: [
      [
        {
          file: {
            ...readFromData('a.csv', '5 B'),
            mimeType: 'application/octet-stream',
            fileName: 'renamed.bin',
            fileExtension: 'bin',
          },
        },
      ],
    ],
    source: READ_WRITE,
  },
  {
    title: '[ ] and ( ) are literal by default: a folder named with brackets',
    node: 'readWriteFile',
    version: 1.1,
    parameters: { fileSelector: '/Report (final) [v2]/*.txt', options: {} },
    files: { 'Report (final) [v2]/summary.txt': 'ok' },
    outputs: [
      [
        {
          mimeType: 'text/plain',
          fileType: 'text',
          fileName: 'summary.txt',
          fileExtension: 'txt',
          fileSize: '2 B',
        },
      ],
    ],
    source: READ_WRITE,
  },
  {
    title: 'read 1.1: no file found is an error',
    node: 'readWriteFile',
    version: 1.1,
    parameters: { fileSelector: '/data/*.xml', options: {} },
    files: CSV,
    error: /^No file\(s\) found$/,
    source: READ_WRITE,
  },
  {
    title: 'read 1: no file found gives no item',
    node: 'readWriteFile',
    version: 1,
    parameters: { fileSelector: '/data/*.xml', options: {} },
    files: CSV,
    outputs: [[]],
    source: READ_WRITE,
  },
  {
    title: 'write: the item goes on with fileName in its JSON and its files kept',
    node: 'readWriteFile',
    version: 1,
    parameters: { operation: 'write', fileName: '/out/lorem.txt', options: {} },
    input: [{ id: 1 }],
    inputBinary: [{ data: loremFile }],
    outputs: [[{ id: 1, fileName: '/out/lorem.txt' }]],
    binaryOutputs: [
      [{ data: { mimeType: 'text/plain', fileExtension: 'txt', fileName: 'lorem.txt' } }],
    ],
    filesAfter: { 'out/lorem.txt': LOREM },
    source: READ_WRITE,
  },
  {
    title: 'write with append adds to the file',
    node: 'readWriteFile',
    version: 1.1,
    parameters: { operation: 'write', fileName: 'log.txt', options: { append: true } },
    files: { 'log.txt': 'first\n' },
    input: [{}],
    inputBinary: [{ data: { data: base64('second\n'), mimeType: 'text/plain' } }],
    outputs: [[{ fileName: 'log.txt' }]],
    filesAfter: { 'log.txt': 'first\nsecond\n' },
    source: READ_WRITE,
  },
  {
    title: 'write: an item without the file fails as n8n',
    node: 'readWriteFile',
    version: 1,
    parameters: { operation: 'write', fileName: '/out/x.txt', options: {} },
    input: [{}],
    error:
      /^This operation expects the node's input data to contain a binary file 'data', but none was found \[item 0\]$/,
    source: READ_WRITE,
  },
  {
    title: 'Write Binary File writes and passes the item on with fileName',
    node: 'writeBinaryFile',
    version: 1,
    parameters: { fileName: '/data/copy.txt' },
    input: [{ n: 1 }],
    inputBinary: [{ data: loremFile }],
    outputs: [[{ n: 1, fileName: '/data/copy.txt' }]],
    filesAfter: { 'data/copy.txt': LOREM },
    source: LEGACY,
  },
  {
    title: 'Read Binary File adds the file to the item, its JSON and other files kept',
    node: 'readBinaryFile',
    version: 1,
    parameters: { filePath: '/data/a.csv' },
    files: CSV,
    input: [{ keep: true }],
    inputBinary: [{ other: { data: base64('o'), mimeType: 'text/plain' } }],
    outputs: [[{ keep: true }]],
    binaryOutputs: [[{ other: { mimeType: 'text/plain' }, data: readFromData('a.csv', '5 B') }]],
    source: LEGACY,
  },
  {
    title: 'Read Binary Files reads the selector once, an item per file',
    node: 'readBinaryFiles',
    version: 1,
    parameters: { fileSelector: '/data/*.csv', dataPropertyName: 'sheet' },
    files: CSV,
    input: [{ a: 1 }, { a: 2 }],
    outputs: [[{}, {}]],
    binaryOutputs: [
      [{ sheet: readFromData('a.csv', '5 B') }, { sheet: readFromData('b.csv', '5 B') }],
    ],
    source: LEGACY,
  },
  {
    title: "decompress a zip: n8n's test, lorem.txt back as file_0",
    node: 'compression',
    version: 1,
    parameters: {},
    input: [{}],
    inputBinary: [
      {
        data: {
          data: base64(zipSync({ 'lorem.txt': Buffer.from(LOREM) })),
          mimeType: 'application/zip',
          fileExtension: 'zip',
          fileName: 'data.zip',
        },
      },
    ],
    outputs: [[{}]],
    binaryOutputs: [
      [
        {
          file_0: {
            mimeType: 'text/plain',
            fileType: 'text',
            fileExtension: 'txt',
            fileName: 'lorem.txt',
            fileSize: '3.07 kB',
          },
        },
      ],
    ],
    source: COMPRESSION,
  },
  {
    title: 'decompress gzip: the name before .gz gives the file its name and type',
    node: 'compression',
    version: 1.1,
    parameters: { operation: 'decompress', outputPrefix: 'unpacked_' },
    input: [{ k: 1 }],
    inputBinary: [
      {
        data: {
          data: base64(gzipSync(Buffer.from('id\n1\n'))),
          mimeType: 'application/gzip',
          fileExtension: 'gz',
          fileName: 'report.csv.gz',
        },
      },
    ],
    outputs: [[{ k: 1 }]],
    binaryOutputs: [
      [
        {
          unpacked_0: {
            mimeType: 'text/csv',
            fileType: 'text',
            fileExtension: 'csv',
            fileName: 'report.csv',
            fileSize: '5 B',
          },
        },
      ],
    ],
    source: COMPRESSION,
  },
  {
    title: 'decompress an unknown format fails naming it',
    node: 'compression',
    version: 1.1,
    parameters: {},
    input: [{}],
    inputBinary: [{ data: { data: base64('x'), mimeType: 'text/plain', fileExtension: 'rar' } }],
    error: /^Unsupported archive format "\.rar" for binary data data$/,
    source: COMPRESSION,
  },
  {
    title: 'compress to gzip (1.1): <name>.<extension>.gz in the output field',
    node: 'compression',
    version: 1.1,
    parameters: { operation: 'compress', outputFormat: 'gzip' },
    input: [{ j: 1 }],
    inputBinary: [{ data: loremFile }],
    outputs: [[{ j: 1 }]],
    binaryOutputs: [
      [
        {
          data: {
            mimeType: 'application/gzip',
            fileExtension: 'gz',
            fileName: 'lorem.txt.gz',
            // fflate 0.8's gzip (level 6) of the text, which n8n's node also uses.
            fileSize: '70 B',
          },
        },
      ],
    ],
    source: COMPRESSION,
  },
  {
    title: 'compress to gzip (1): <prefix><index>, named <name>.gzip',
    node: 'compression',
    version: 1,
    parameters: { operation: 'compress', outputFormat: 'gzip' },
    input: [{}],
    inputBinary: [{ data: loremFile }],
    outputs: [[{}]],
    binaryOutputs: [
      [
        {
          data0: {
            mimeType: 'application/gzip',
            fileExtension: 'gzip',
            fileName: 'lorem.gzip',
            fileSize: '70 B',
          },
        },
      ],
    ],
    source: COMPRESSION,
  },
  {
    title: 'compress (1) without an output format gives nothing',
    node: 'compression',
    version: 1,
    parameters: { operation: 'compress' },
    input: [{}],
    inputBinary: [{ data: loremFile }],
    outputs: [[]],
    source: COMPRESSION,
  },
];
