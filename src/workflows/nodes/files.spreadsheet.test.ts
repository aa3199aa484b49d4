import { createRequire } from 'node:module';
import type * as Xlsx from '@e965/xlsx';
import { describe, expect, it } from 'vitest';
import type { FileAccess, Item } from '../engine/engine.types.ts';
import { boundedRange, flattenObject } from './files.spreadsheet.ts';
import { fileOf, runWithFiles, textOf } from './files.test-support.ts';

const XLSX = createRequire(import.meta.url)('@e965/xlsx') as typeof Xlsx;

/** A workbook file written by SheetJS in the test: sheets of rows (arrays). */
function workbook(
  sheets: Record<string, unknown[][]>,
  bookType: Xlsx.BookType = 'xlsx',
  compression = false,
): Buffer {
  const book = XLSX.utils.book_new();
  for (const [name, rows] of Object.entries(sheets)) {
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(rows), name);
  }
  return XLSX.write(book, { bookType, type: 'buffer', compression }) as Buffer;
}

/** The files n8n's Spreadsheet File test expects (spreadsheet.csv's rows written as html, rtf). */
const N8N_HTML =
  'PGh0bWw+PGhlYWQ+PG1ldGEgY2hhcnNldD0idXRmLTgiLz48dGl0bGU+U2hlZXRKUyBUYWJsZSBFeHBvcnQ8L3RpdGxlPjwvaGVhZD48Ym9keT48dGFibGU+PHRyPjx0ZCBkYXRhLXQ9InMiIGRhdGEtdj0iQSIgaWQ9InNqcy1BMSI+QTwvdGQ+PHRkIGRhdGEtdD0icyIgZGF0YS12PSJCIiBpZD0ic2pzLUIxIj5CPC90ZD48dGQgZGF0YS10PSJzIiBkYXRhLXY9IkMiIGlkPSJzanMtQzEiPkM8L3RkPjwvdHI+PHRyPjx0ZCBkYXRhLXQ9Im4iIGRhdGEtdj0iMSIgaWQ9InNqcy1BMiI+MTwvdGQ+PHRkIGRhdGEtdD0ibiIgZGF0YS12PSIyIiBpZD0ic2pzLUIyIj4yPC90ZD48dGQgZGF0YS10PSJuIiBkYXRhLXY9IjMiIGlkPSJzanMtQzIiPjM8L3RkPjwvdHI+PHRyPjx0ZCBkYXRhLXQ9Im4iIGRhdGEtdj0iNCIgaWQ9InNqcy1BMyI+NDwvdGQ+PHRkIGRhdGEtdD0ibiIgZGF0YS12PSI1IiBpZD0ic2pzLUIzIj41PC90ZD48dGQgZGF0YS10PSJuIiBkYXRhLXY9IjYiIGlkPSJzanMtQzMiPjY8L3RkPjwvdHI+PC90YWJsZT48L2JvZHk+PC9odG1sPg==';
const N8N_RTF =
  'e1xydGYxXGFuc2lcdHJvd2RcdHJhdXRvZml0MVxjZWxseDFcY2VsbHgyXGNlbGx4M1xwYXJkXGludGJsIEFcY2VsbCBCXGNlbGwgQ1xjZWxsXHBhcmRcaW50Ymxccm93XHRyb3dkXHRyYXV0b2ZpdDFcY2VsbHgxXGNlbGx4MlxjZWxseDNccGFyZFxpbnRibCAxXGNlbGwgMlxjZWxsIDNcY2VsbFxwYXJkXGludGJsXHJvd1x0cm93ZFx0cmF1dG9maXQxXGNlbGx4MVxjZWxseDJcY2VsbHgzXHBhcmRcaW50YmwgNFxjZWxsIDVcY2VsbCA2XGNlbGxccGFyZFxpbnRibFxyb3d9';

const MIME = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  xls: 'application/vnd.ms-excel',
};

const fileItem = (bytes: Buffer | string, fileName: string, mimeType: string): Item => ({
  json: {},
  binary: { data: fileOf(bytes, mimeType, fileName) },
});

const read = async (
  operation: string,
  item: Item,
  options: Record<string, unknown> = {},
  version = 1,
) => runWithFiles('extractFromFile', version, { operation, options }, [item]);

const people = workbook({
  People: [
    ['name', 'age', 'member'],
    ['Ada', 36, true],
    ['Linus', null, false],
  ],
  Other: [['x'], [1]],
});

describe('Extract from File: spreadsheets through SheetJS', () => {
  it('xlsx: the first sheet’s rows keyed by the header, typed as stored, empty cells left out', async () => {
    const r = await read('xlsx', fileItem(people, 'people.xlsx', MIME.xlsx));
    expect(r.items.map((i) => [i.json, i.pairedItem])).toEqual([
      [{ name: 'Ada', age: 36, member: true }, { item: 0 }],
      [{ name: 'Linus', member: false }, { item: 0 }],
    ]);
  });

  it('options: sheetName, includeEmptyCells, headerRow false (rows as arrays), range', async () => {
    const item = fileItem(people, 'people.xlsx', MIME.xlsx);
    expect((await read('xlsx', item, { sheetName: 'Other' })).items.map((i) => i.json)).toEqual([
      { x: 1 },
    ]);
    expect(
      (await read('xlsx', item, { includeEmptyCells: true })).items.map((i) => i.json)[1],
    ).toEqual({ name: 'Linus', age: '', member: false });
    expect((await read('xlsx', item, { headerRow: false })).items.map((i) => i.json)).toEqual([
      { row: ['name', 'age', 'member'] },
      { row: ['Ada', 36, true] },
      { row: ['Linus', undefined, false] },
    ]);
    // A number is the first row read; text is an A1 range.
    expect((await read('xlsx', item, { range: 1 })).items.map((i) => i.json)).toEqual([
      { Ada: 'Linus', TRUE: false },
    ]);
    expect((await read('xlsx', item, { range: 'A1:A2' })).items.map((i) => i.json)).toEqual([
      { name: 'Ada' },
    ]);
  });

  it('fails for a sheet it does not have; an empty sheet gives no items', async () => {
    const r = await read('xlsx', fileItem(people, 'people.xlsx', MIME.xlsx), { sheetName: 'Nope' });
    expect(r.error).toBe('Spreadsheet does not contain sheet called "Nope"!');
    const empty = workbook({ Empty: [] });
    expect((await read('xlsx', fileItem(empty, 'e.xlsx', MIME.xlsx))).items).toEqual([]);
  });

  it('dates come back as Excel serial numbers (n8n 2.41 reads the stored value)', async () => {
    const sheet = XLSX.utils.aoa_to_sheet([['Start Date'], [new Date('2026-07-02T00:00:00.000Z')]]);
    sheet.A2!.z = 'yyyy/mm/dd';
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, sheet, 'Dates');
    const bytes = XLSX.write(book, { bookType: 'xlsx', type: 'buffer' }) as Buffer;
    const r = await read('xlsx', fileItem(bytes, 'd.xlsx', MIME.xlsx));
    expect(r.items.map((i) => i.json)).toEqual([{ 'Start Date': 46205 }]);
  });

  it('ods and xls read as xlsx does', async () => {
    const rows = [
      ['a', 'b'],
      [1, 'x'],
    ];
    for (const format of ['ods', 'xls'] as const) {
      const bytes = workbook({ S: rows }, format);
      const r = await read(format, fileItem(bytes, `t.${format}`, MIME[format]));
      expect(r.items.map((i) => i.json)).toEqual([{ a: 1, b: 'x' }]);
    }
  });

  it('html reads the page’s table, typed by SheetJS', async () => {
    const page =
      '<html><body><table><tr><th>name</th><th>n</th></tr><tr><td>Zoë</td><td>3</td></tr></table></body></html>';
    const r = await read('html', fileItem(page, 'page.html', 'text/html'));
    expect(r.items.map((i) => i.json)).toEqual([{ name: 'Zoë', n: 3 }]);
  });

  it('a file of another format fails with n8n’s message', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const r = await read('xlsx', fileItem(png, 'logo.png', 'image/png'));
    expect(r.error).toBe("The file selected in 'Input Binary Field' is not in xlsx format");
    // With the format's own extension, SheetJS's message stays.
    const named = await read('xlsx', fileItem(png, 'logo.xlsx', MIME.xlsx));
    expect(named.error).toBe('PNG Image File is not a spreadsheet');
  });

  it('refuses an xlsx that unpacks to more than the file limit (a zip bomb)', async () => {
    const big = workbook(
      { S: Array.from({ length: 2000 }, (_, n) => ['same text', n]) },
      'xlsx',
      true,
    );
    const files: FileAccess = {
      maxFileBytes: 64 * 1024,
      glob: () => Promise.resolve([]),
      read: () => Promise.reject(new Error('no')),
      write: () => Promise.resolve(),
    };
    expect(big.length).toBeLessThan(files.maxFileBytes);
    const r = await runWithFiles(
      'extractFromFile',
      1,
      { operation: 'xlsx' },
      [fileItem(big, 'b.xlsx', MIME.xlsx)],
      { deps: { files } },
    );
    expect(r.error).toBe('The decompressed output exceeds the maximum allowed size of 0 MB');
  });
});

describe('boundedRange: what sheet_to_json visits', () => {
  const sheet = XLSX.utils.aoa_to_sheet([['a', 'b'], [1, 2], [null, null], [3]]);
  sheet['!ref'] = 'A1:Z1000';

  it('leaves a range within the limit as it is', () => {
    expect(boundedRange(sheet, {}, 100_000)).toBeUndefined();
    expect(boundedRange(sheet, { range: 1 }, 100_000)).toBe(1);
  });

  it('drops empty trailing rows and columns that change nothing, giving the same rows', () => {
    const range = boundedRange(sheet, {}, 100);
    expect(XLSX.utils.encode_range(range as Xlsx.Range)).toBe('A1:B4');
    expect(XLSX.utils.sheet_to_json<unknown>(sheet, { range })).toEqual(
      XLSX.utils.sheet_to_json(sheet),
    );
    // With defval every column of the range gives a key (__EMPTY...): only rows are dropped.
    const filled = { defval: '' };
    const filledRange = boundedRange(sheet, filled, 200);
    expect(XLSX.utils.encode_range(filledRange as Xlsx.Range)).toBe('A1:Z4');
    expect(XLSX.utils.sheet_to_json<unknown>(sheet, { ...filled, range: filledRange })).toEqual(
      XLSX.utils.sheet_to_json<unknown>(sheet, filled),
    );
    expect(() => boundedRange(sheet, filled, 100)).toThrow(
      "The sheet's range A1:Z4 has 104 cells, more than the 100 a node reads",
    );
  });

  it('keeps blank rows where SheetJS outputs them (rows as arrays), so refuses', () => {
    const arrays = { header: 1 };
    const range = boundedRange(sheet, arrays, 2000);
    expect(XLSX.utils.sheet_to_json<unknown>(sheet, { ...arrays, range })).toEqual(
      XLSX.utils.sheet_to_json<unknown>(sheet, arrays),
    );
    expect(() => boundedRange(sheet, arrays, 100)).toThrow(/A1:B1000 has 2000 cells/);
  });
});

describe('Convert to File: spreadsheets (SheetJS, flattened items)', () => {
  const items: Item[] = [
    { json: { a: 1, b: 'x', n: { c: true } } },
    { json: { a: 2, b: 'y,z', list: [1, 2] } },
  ];

  it('csv: one file of all items, SheetJS’s CSV (a BOM, no final newline), named File.csv', async () => {
    const r = await runWithFiles('convertToFile', 1.1, { operation: 'csv' }, items);
    expect(r.items).toHaveLength(1);
    const { data, ...file } = r.items[0]!.binary!.data!;
    expect(textOf({ data })).toBe('\ufeffa,b,n.c,list.0,list.1\n1,x,TRUE,,\n2,"y,z",,1,2');
    expect(file).toEqual({
      mimeType: 'text/csv',
      fileType: 'text',
      fileName: 'File.csv',
      fileExtension: 'csv',
      fileSize: '48 B',
    });
    expect(r.items[0]!.json).toEqual({});
    expect(r.items[0]!.pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
  });

  it('csv options: delimiter, no header row, file name and output field', async () => {
    const r = await runWithFiles(
      'convertToFile',
      1.1,
      {
        operation: 'csv',
        binaryPropertyName: 'sheet',
        options: { delimiter: ';', headerRow: false, fileName: 'out.txt' },
      },
      items.slice(0, 1),
    );
    const file = r.items[0]!.binary!.sheet!;
    expect(textOf(file)).toBe('\ufeff1;x;TRUE');
    expect([file.fileName, file.mimeType]).toEqual(['out.txt', 'text/plain']);
  });

  it('xlsx round trip: Convert to File then Extract from File gives the items back', async () => {
    for (const format of ['xlsx', 'ods', 'xls', 'html', 'rtf']) {
      const made = await runWithFiles('convertToFile', 1.1, { operation: format }, items);
      const back = await runWithFiles('extractFromFile', 1.1, { operation: format }, made.items);
      expect(back.items.map((i) => i.json)).toEqual(items.map((i) => flattenObject(i.json)));
    }
  });

  it('xlsx: its type, File.xlsx, the sheet name asked for, smaller with compression', async () => {
    const plain = await runWithFiles('convertToFile', 1.1, { operation: 'xlsx' }, items);
    const file = plain.items[0]!.binary!.data!;
    expect([file.fileName, file.mimeType, file.fileExtension]).toEqual([
      'File.xlsx',
      MIME.xlsx,
      'xlsx',
    ]);
    const named = await runWithFiles(
      'convertToFile',
      1.1,
      { operation: 'xlsx', options: { sheetName: 'Data', compression: true } },
      items,
    );
    const bytes = Buffer.from(named.items[0]!.binary!.data!.data, 'base64');
    expect(XLSX.read(bytes).SheetNames).toEqual(['Data']);
    expect(bytes.length).toBeLessThan(Buffer.from(file.data, 'base64').length);
  });

  it('an empty file name leaves the file unnamed, typed from its bytes (file-type)', async () => {
    const r = await runWithFiles(
      'convertToFile',
      1.1,
      { operation: 'xlsx', options: { fileName: '' } },
      items,
    );
    const { data: _data, ...file } = r.items[0]!.binary!.data!;
    expect(file).toEqual({
      mimeType: MIME.xlsx,
      fileExtension: 'xlsx',
      fileSize: expect.any(String),
    });
  });
});

describe('Spreadsheet File 1 and 2', () => {
  it('writes the very bytes of n8n’s test for csv, html and rtf (SpreadsheetFile.test.ts)', async () => {
    const items = [{ json: { A: 1, B: 2, C: 3 } }, { json: { A: 4, B: 5, C: 6 } }];
    const written = async (fileFormat: string) =>
      (await runWithFiles('spreadsheetFile', 1, { operation: 'toFile', fileFormat }, items))
        .items[0]!.binary!.data!.data;
    expect(await written('csv')).toBe('77u/QSxCLEMKMSwyLDMKNCw1LDY=');
    expect(await written('html')).toBe(N8N_HTML);
    expect(await written('rtf')).toBe(N8N_RTF);
  });

  it('2 writes xls by default, named spreadsheet.xls', async () => {
    const r = await runWithFiles('spreadsheetFile', 2, { operation: 'toFile' }, [
      { json: { a: 1 } },
    ]);
    const file = r.items[0]!.binary!.data!;
    expect([file.fileName, file.mimeType]).toEqual(['spreadsheet.xls', MIME.xls]);
  });

  it('2 reads CSV (a text/csv file) with csv-parse: text stays text', async () => {
    const r = await runWithFiles('spreadsheetFile', 2, {}, [
      fileItem('name,n\nZoë,3\n', 'a.csv', 'text/csv'),
    ]);
    expect(r.items.map((i) => i.json)).toEqual([{ name: 'Zoë', n: '3' }]);
  });

  it('1 reads everything with SheetJS, CSV as UTF-8, numbers as numbers', async () => {
    const r = await runWithFiles('spreadsheetFile', 1, {}, [
      fileItem('name,n\nZoë,3\n', 'a.csv', 'text/csv'),
    ]);
    expect(r.items.map((i) => i.json)).toEqual([{ name: 'Zoë', n: 3 }]);
  });

  it('1 and 2 round-trip xlsx; 1 writes xlsx for a format it does not know', async () => {
    for (const version of [1, 2]) {
      const made = await runWithFiles(
        'spreadsheetFile',
        version,
        { operation: 'toFile', fileFormat: 'xlsx', options: { fileName: 'x.xlsx' } },
        [{ json: { a: 1, b: { c: 'd' } } }],
      );
      const back = await runWithFiles('spreadsheetFile', version, {}, made.items);
      expect(back.items.map((i) => i.json)).toEqual([{ a: 1, 'b.c': 'd' }]);
    }
    const odd = await runWithFiles(
      'spreadsheetFile',
      1,
      { operation: 'toFile', fileFormat: 'odd' },
      [{ json: { a: 1 } }],
    );
    const file = odd.items[0]!.binary!.data!;
    expect(file.fileName).toBe('spreadsheet.odd');
    expect(XLSX.read(Buffer.from(file.data, 'base64')).SheetNames).toEqual(['Sheet']);
  });
});
