import { makePdf } from '../nodes/files.test-support.ts';
import type { ConformanceCase } from './case.ts';

/**
 * Extract from File, Convert to File and Spreadsheet File, as n8n's own tests state them (file
 * names, types, sizes and the items they give), and as its node code answers where no test
 * does. Files are given in base64 with the metadata n8n's readers put on them.
 */

const SPREADSHEET_TEST =
  "n8n's Spreadsheet File test (nodes/SpreadsheetFile/test/SpreadsheetFile.test.ts, workflow.json on spreadsheet.csv)";
const BOM_TEST = "n8n's Spreadsheet File test workflow.bom.json (bom.csv)";
const EMPTY_TEST = "n8n's Spreadsheet File test workflow.empty.json (includeempty.csv)";
const CONVERT_TEST =
  "n8n's Convert to File test (nodes/Files/ConvertToFile/test/toText.workflow.json)";
const EXTRACT_CODE =
  "n8n's Extract from File (actions/moveTo.operation.ts) with n8n-core's assertBinaryData";
const BINARY_CODE = "n8n's createBinaryFromJson (utils/binary.ts) and n8n-core's prepareBinaryData";
const PDF_CODE =
  "n8n's Extract from File PDF (actions/pdf.operation.ts, utils/binary.ts extractDataFromPDF)";

/** What pdfjs tells of a plain PDF 1.4 made by `makePdf`, before its own info entries. */
const PDF_INFO = {
  PDFFormatVersion: '1.4',
  Language: null,
  EncryptFilterName: null,
  IsLinearized: false,
  IsAcroFormPresent: false,
  IsXFAPresent: false,
  IsCollectionPresent: false,
  IsSignaturesPresent: false,
};

const base64 = (bytes: string | Buffer) => Buffer.from(bytes).toString('base64');

const file = (bytes: string | Buffer, mimeType: string, fileName: string) => ({
  data: {
    data: base64(bytes),
    mimeType,
    fileName,
    fileExtension: fileName.split('.').pop(),
  },
});

const spreadsheetCsv = [file('A,B,C\n1,2,3\n4,5,6', 'text/csv', 'spreadsheet.csv')];
const readRows = [
  { A: 1, B: 2, C: 3 },
  { A: 4, B: 5, C: 6 },
];

/** The test data of n8n's Convert to File test. */
const GATSBY = {
  id: '23423532',
  name: 'Jay Gatsby',
  email: 'gatsby@west-egg.com',
  notes: 'Keeps asking about a green light??',
  country: 'US',
  created: '1925-04-10',
  base64: 'VGhpcyBpcyBzb21lIHRleHQgZW5jb2RlZCBhcyBiYXNlNjQ=',
};

/** Convert to File's CSV of GATSBY (SheetJS: a BOM, no final newline). */
const gatsbyCsv = (delimiter: string) =>
  `\ufeff${Object.keys(GATSBY).join(delimiter)}\n${Object.values(GATSBY).join(delimiter)}`;

/** What Extract from File reads back: the BOM stays in the first name (csv-parse's default). */
const { id: gatsbyId, ...gatsbyRest } = GATSBY;
const gatsbyRow = { '\ufeffid': gatsbyId, ...gatsbyRest };

const spreadsheetWrites: [string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    'csv',
    { operation: 'toFile', fileFormat: 'csv', options: {} },
    {
      mimeType: 'text/csv',
      fileType: 'text',
      fileExtension: 'csv',
      fileName: 'spreadsheet.csv',
      fileSize: '20 B',
    },
  ],
  [
    'html',
    { operation: 'toFile', fileFormat: 'html', options: {} },
    {
      mimeType: 'text/html',
      fileType: 'html',
      fileExtension: 'html',
      fileName: 'spreadsheet.html',
      fileSize: '535 B',
    },
  ],
  [
    'rtf',
    { operation: 'toFile', fileFormat: 'rtf', options: {} },
    {
      mimeType: 'application/rtf',
      fileExtension: 'rtf',
      fileName: 'spreadsheet.rtf',
      fileSize: '267 B',
    },
  ],
  [
    'xls (the default format)',
    { operation: 'toFile', options: {} },
    {
      mimeType: 'application/vnd.ms-excel',
      fileExtension: 'xls',
      fileName: 'spreadsheet.xls',
      fileSize: '3.58 kB',
    },
  ],
];

export const fileConvertCases: ConformanceCase[] = [
  {
    title: 'read a CSV file: SheetJS types the numbers',
    node: 'spreadsheetFile',
    version: 1,
    parameters: { options: {} },
    inputBinary: spreadsheetCsv,
    outputs: [readRows],
    source: SPREADSHEET_TEST,
  },
  {
    title: 'read a range: the first row of the range is the header',
    node: 'spreadsheetFile',
    version: 1,
    parameters: { options: { range: 'A2:B3' } },
    inputBinary: spreadsheetCsv,
    outputs: [[{ 1: 4, 2: 5 }]],
    source: SPREADSHEET_TEST,
  },
  {
    title: 'read without a header row: each row under row',
    node: 'spreadsheetFile',
    version: 1,
    parameters: { options: { headerRow: false } },
    inputBinary: spreadsheetCsv,
    outputs: [[{ row: ['A', 'B', 'C'] }, { row: [1, 2, 3] }, { row: [4, 5, 6] }]],
    source: SPREADSHEET_TEST,
  },
  {
    title: 'read raw data: values as text',
    node: 'spreadsheetFile',
    version: 1,
    parameters: { options: { rawData: true } },
    inputBinary: spreadsheetCsv,
    outputs: [
      [
        { A: '1', B: '2', C: '3' },
        { A: '4', B: '5', C: '6' },
      ],
    ],
    source: SPREADSHEET_TEST,
  },
  {
    title: 'read as string',
    node: 'spreadsheetFile',
    version: 1,
    parameters: { options: { readAsString: true } },
    inputBinary: spreadsheetCsv,
    outputs: [readRows],
    source: SPREADSHEET_TEST,
  },
  ...spreadsheetWrites.map(([format, parameters, metadata]): ConformanceCase => ({
    title: `write ${format}: one file of all items, named spreadsheet.<format>`,
    node: 'spreadsheetFile',
    version: 1,
    parameters,
    input: readRows,
    outputs: [[{}]],
    binaryOutputs: [[{ data: metadata }]],
    source: SPREADSHEET_TEST,
  })),
  {
    title: 'CSV with a byte order mark: enableBOM drops it from the first name',
    node: 'spreadsheetFile',
    version: 2,
    parameters: { fileFormat: 'csv', options: { enableBOM: true } },
    inputBinary: [file('\ufeffa,b,c\n1,2,3\n', 'text/csv', 'bom.csv')],
    outputs: [[{ a: '1', b: '2', c: '3' }]],
    source: BOM_TEST,
  },
  {
    title: 'CSV with a byte order mark: kept in the first name otherwise',
    node: 'spreadsheetFile',
    version: 2,
    parameters: { fileFormat: 'csv', options: { enableBOM: false } },
    inputBinary: [file('\ufeffa,b,c\n1,2,3\n', 'text/csv', 'bom.csv')],
    outputs: [[{ '\ufeffa': '1', b: '2', c: '3' }]],
    source: BOM_TEST,
  },
  {
    title: 'CSV empty cells included as empty text',
    node: 'spreadsheetFile',
    version: 2,
    parameters: { fileFormat: 'csv', options: { includeEmptyCells: true } },
    inputBinary: [file('A,B,C\n1,,3\n', 'text/csv', 'includeempty.csv')],
    outputs: [[{ A: '1', B: '', C: '3' }]],
    source: EMPTY_TEST,
  },
  {
    title: 'CSV empty cells left out',
    node: 'spreadsheetFile',
    version: 2,
    parameters: { fileFormat: 'csv', options: { includeEmptyCells: false } },
    inputBinary: [file('A,B,C\n1,,3\n', 'text/csv', 'includeempty.csv')],
    outputs: [[{ A: '1', C: '3' }]],
    source: EMPTY_TEST,
  },
  {
    title: 'base64 to a file: text of no known type is text/plain, named file',
    node: 'convertToFile',
    version: 1.1,
    parameters: { operation: 'toBinary', sourceProperty: 'base64', options: {} },
    input: [GATSBY],
    outputs: [[{}]],
    binaryOutputs: [
      [{ data: { mimeType: 'text/plain', fileType: 'text', fileName: 'file', fileSize: '35 B' } }],
    ],
    source: CONVERT_TEST,
  },
  {
    title: 'a text file into data',
    node: 'extractFromFile',
    version: 1,
    parameters: { operation: 'text', options: {} },
    inputBinary: [file('This is some text encoded as base64', 'text/plain', 'file')],
    outputs: [[{ data: 'This is some text encoded as base64' }]],
    binaryOutputs: [[{}]],
    source: CONVERT_TEST,
  },
  {
    title: 'a field to a text file, file.txt',
    node: 'convertToFile',
    version: 1,
    parameters: { operation: 'toText', sourceProperty: 'notes', options: {} },
    input: [GATSBY],
    outputs: [[{}]],
    binaryOutputs: [
      [
        {
          data: {
            mimeType: 'text/plain',
            fileType: 'text',
            fileExtension: 'txt',
            fileName: 'file.txt',
            fileSize: '34 B',
          },
        },
      ],
    ],
    source: CONVERT_TEST,
  },
  {
    title: 'all items to one JSON file, formatted',
    node: 'convertToFile',
    version: 1.1,
    parameters: { operation: 'toJson', options: { format: true } },
    input: [GATSBY],
    outputs: [[{}]],
    binaryOutputs: [
      [
        {
          data: {
            mimeType: 'application/json',
            fileType: 'json',
            fileExtension: 'json',
            fileName: 'file.json',
            fileSize: `${JSON.stringify([GATSBY], null, 2).length} B`,
          },
        },
      ],
    ],
    source: CONVERT_TEST,
  },
  {
    title: 'a JSON file read as text',
    node: 'extractFromFile',
    version: 1,
    parameters: { operation: 'text', options: {} },
    inputBinary: [file(JSON.stringify([GATSBY]), 'application/json', 'file.json')],
    outputs: [[{ data: JSON.stringify([GATSBY]) }]],
    source: CONVERT_TEST,
  },
  {
    title: 'items to CSV: File.csv',
    node: 'convertToFile',
    version: 1.1,
    parameters: { options: {} },
    input: [GATSBY],
    outputs: [[{}]],
    binaryOutputs: [
      [
        {
          data: {
            mimeType: 'text/csv',
            fileType: 'text',
            fileExtension: 'csv',
            fileName: 'File.csv',
            fileSize: `${Buffer.byteLength(gatsbyCsv(','))} B`,
          },
        },
      ],
    ],
    source: CONVERT_TEST,
  },
  {
    title: 'CSV back to items: the first name keeps the BOM Convert to File wrote',
    node: 'extractFromFile',
    version: 1,
    parameters: { options: {} },
    inputBinary: [file(gatsbyCsv(','), 'text/csv', 'File.csv')],
    outputs: [[gatsbyRow]],
    source: CONVERT_TEST,
  },
  {
    title: 'CSV with a custom delimiter back to items',
    node: 'extractFromFile',
    version: 1,
    parameters: { options: { delimiter: '|' } },
    inputBinary: [file(gatsbyCsv('|'), 'text/csv', 'File.csv')],
    outputs: [[gatsbyRow]],
    source: CONVERT_TEST,
  },
  {
    title: 'an item without files fails, naming the field',
    node: 'extractFromFile',
    version: 1,
    parameters: { operation: 'fromJson' },
    input: [{ a: 1 }],
    error:
      /^This operation expects the node's input data to contain a binary file 'data', but none was found \[item 0\]$/,
    source: EXTRACT_CODE,
  },
  {
    title: 'an item without that file fails, naming it',
    node: 'extractFromFile',
    version: 1.1,
    parameters: { operation: 'binaryToPropery', binaryPropertyName: 'attachment_0' },
    inputBinary: [file('x', 'text/plain', 'x.txt')],
    error: /^The item has no binary field 'attachment_0' \[item 0\]$/,
    source: EXTRACT_CODE,
  },
  {
    title: 'base64 at a dotted destination; the other files stay',
    node: 'extractFromFile',
    version: 1,
    parameters: { operation: 'binaryToPropery', destinationKey: 'file.content' },
    inputBinary: [
      {
        ...file('hi', 'text/plain', 'a.txt'),
        other: {
          data: base64('o'),
          mimeType: 'text/plain',
          fileName: 'o.txt',
          fileExtension: 'txt',
        },
      },
    ],
    outputs: [[{ file: { content: 'aGk=' } }]],
    binaryOutputs: [
      [{ other: { mimeType: 'text/plain', fileName: 'o.txt', fileExtension: 'txt' } }],
    ],
    source: EXTRACT_CODE,
  },
  {
    title: 'keepSource both: the input item’s fields and files stay',
    node: 'extractFromFile',
    version: 1,
    parameters: { operation: 'fromJson', options: { keepSource: 'both' } },
    input: [{ id: 1 }],
    inputBinary: [file('{"a":[1,2]}', 'application/json', 'a.json')],
    outputs: [[{ id: 1, data: { a: [1, 2] } }]],
    binaryOutputs: [
      [{ data: { mimeType: 'application/json', fileName: 'a.json', fileExtension: 'json' } }],
    ],
    source: EXTRACT_CODE,
  },
  {
    title: 'a file that is not JSON says so',
    node: 'extractFromFile',
    version: 1,
    parameters: { operation: 'fromJson' },
    inputBinary: [file('hello', 'text/plain', 'a.txt')],
    error: /^The file selected in 'Input Binary Field' is not in JSON format$/,
    source: EXTRACT_CODE,
  },
  {
    title: 'a data URI gives its bytes and its type',
    node: 'convertToFile',
    version: 1.1,
    parameters: { operation: 'toBinary', sourceProperty: 'image' },
    input: [{ image: `data:image/svg+xml;base64,${base64('<svg/>')}` }],
    outputs: [[{}]],
    binaryOutputs: [
      [
        {
          data: {
            mimeType: 'image/svg+xml',
            fileType: 'image',
            fileExtension: 'svg',
            fileName: 'file.svg',
            fileSize: '6 B',
          },
        },
      ],
    ],
    source: `${BINARY_CODE} (n8n's current code; 2.41 decodes the URI's text as base64)`,
  },
  {
    title: 'text that is not base64 fails',
    node: 'convertToFile',
    version: 1.1,
    parameters: { operation: 'toBinary', sourceProperty: 'text' },
    input: [{ text: 'Hello, world!' }],
    error: /^The provided string is not valid base64 data\./,
    source: `${BINARY_CODE} (n8n's current code)`,
  },
  {
    title: 'items to xlsx: File.xlsx of its type',
    node: 'convertToFile',
    version: 1.1,
    parameters: { operation: 'xlsx' },
    input: [{ a: 1, b: { c: 'x' } }],
    outputs: [[{}]],
    binaryOutputs: [
      [
        {
          data: {
            mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
            fileExtension: 'xlsx',
            fileName: 'File.xlsx',
            fileSize: '15.9 kB',
          },
        },
      ],
    ],
    source: "n8n's Convert to File spreadsheet operation (convertJsonToSpreadsheetBinary, 'File')",
  },
  {
    title: 'a PDF: pages, info, text and pdfjs’s version; the file goes',
    node: 'extractFromFile',
    version: 1,
    parameters: { operation: 'pdf' },
    inputBinary: [
      file(
        makePdf({
          pages: [['Invoice 42', 'Total: 10 EUR'], ['Thank you']],
          info: { Title: 'Invoice' },
        }),
        'application/pdf',
        'invoice.pdf',
      ),
    ],
    outputs: [
      [
        {
          numpages: 2,
          numrender: 2,
          info: { ...PDF_INFO, Title: 'Invoice' },
          text: 'Invoice 42\nTotal: 10 EUR\n\nThank you',
          version: '5.4.296',
        },
      ],
    ],
    binaryOutputs: [[{}]],
    source: PDF_CODE,
  },
  {
    title: 'Read PDF: the same text and metadata, all pages joined; the file stays',
    node: 'readPDF',
    version: 1,
    parameters: {},
    inputBinary: [
      file(makePdf({ pages: [['Receipt 7'], ['Page two']] }), 'application/pdf', 'receipt.pdf'),
    ],
    outputs: [
      [
        {
          numpages: 2,
          numrender: 2,
          info: PDF_INFO,
          text: 'Receipt 7\n\nPage two',
          version: '5.4.296',
        },
      ],
    ],
    binaryOutputs: [
      [
        {
          data: {
            mimeType: 'application/pdf',
            fileName: 'receipt.pdf',
            fileExtension: 'pdf',
          },
        },
      ],
    ],
    source:
      "n8n's Read PDF node (nodes/ReadPdf/ReadPDF.node.ts): extractDataFromPDF with joinPages, the item's binary kept",
  },
  {
    title: 'Read PDF without the file fails with n8n-core’s message',
    node: 'readPDF',
    version: 1,
    parameters: { binaryPropertyName: 'document' },
    input: [{}],
    error:
      /^This operation expects the node's input data to contain a binary file 'document', but none was found \[item 0\]$/,
    source: "n8n's Read PDF node with n8n-core's assertBinaryData",
  },
];
