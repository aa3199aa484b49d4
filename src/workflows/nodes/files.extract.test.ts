import { describe, expect, it } from 'vitest';
import type { FileAccess, Item } from '../engine/engine.types.ts';
import { fileOf, makePdf, runWithFiles } from './files.test-support.ts';

const csv = (text: string, fileName = 'table.csv', mimeType = 'text/csv') => ({
  json: {},
  binary: { data: fileOf(text, mimeType, fileName) },
});

const extract = (
  parameters: Record<string, unknown>,
  items: Item[] = [csv('a,b\n1,x\n')],
  version = 1,
) => runWithFiles('extractFromFile', version, parameters, items);

const rows = async (parameters: Record<string, unknown>, text: string) =>
  (await extract({ operation: 'csv', ...parameters }, [csv(text)])).items.map((i) => i.json);

describe('Extract from File: CSV (csv-parse, n8n options)', () => {
  it('gives an item per row, keyed by the header, paired with the file’s item', async () => {
    const r = await extract({ operation: 'csv' }, [csv('a,b\n1,x\n2,"y,z"\n'), csv('a\n3')], 1.1);
    expect(r.items.map((i) => [i.json, i.pairedItem])).toEqual([
      [{ a: '1', b: 'x' }, { item: 0 }],
      [{ a: '2', b: 'y,z' }, { item: 0 }],
      [{ a: '3' }, { item: 1 }],
    ]);
  });

  it('leaves empty cells out unless includeEmptyCells', async () => {
    expect(await rows({}, 'a,b\n1,\n')).toEqual([{ a: '1' }]);
    expect(await rows({ options: { includeEmptyCells: true } }, 'a,b\n1,\n')).toEqual([
      { a: '1', b: '' },
    ]);
  });

  it('without a header row puts each row under row: an object of columns, or an array with empty cells', async () => {
    expect(await rows({ options: { headerRow: false } }, 'a,b\n1,\n')).toEqual([
      { row: { 0: 'a', 1: 'b' } },
      { row: { 0: '1' } },
    ]);
    expect(
      await rows({ options: { headerRow: false, includeEmptyCells: true } }, 'a,b\n1,\n'),
    ).toEqual([{ row: ['a', 'b'] }, { row: ['1', ''] }]);
  });

  it('keeps a byte order mark in the first name unless enableBOM (csv-parse’s default)', async () => {
    expect(await rows({}, '\ufeffa,b\n1,2')).toEqual([{ '\ufeffa': '1', b: '2' }]);
    expect(await rows({ options: { enableBOM: true } }, '\ufeffa,b\n1,2')).toEqual([
      { a: '1', b: '2' },
    ]);
  });

  it('reads with a delimiter, from a line, at most maxRowCount rows', async () => {
    const text = 'title\na;b\n1;2\n3;4\n5;6\n';
    expect(await rows({ options: { delimiter: ';', fromLine: 2, maxRowCount: 2 } }, text)).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
  });

  it('fails on a broken file with csv-parse’s message, or n8n’s when the file is not a .csv', async () => {
    const broken = 'a,b\n"1,2\n';
    expect((await extract({ operation: 'csv' }, [csv(broken)])).error).toBe(
      'Quote Not Closed: the parsing is finished with an opening quote at line 2',
    );
    const txt = await extract({ operation: 'csv' }, [csv(broken, 'notes.txt', 'text/plain')]);
    expect(txt.error).toBe("The file selected in 'Input Binary Field' is not in csv format");
    expect(txt.description).toBe(
      "Try to change the operation or select a csv file in 'Input Binary Field'",
    );
    expect(await rows({ options: { relaxQuotes: true } }, 'a,b\n1 "x" 2,3\n')).toEqual([
      { a: '1 "x" 2', b: '3' },
    ]);
  });

  it('skips broken records when asked, failing past maxSkippedRecords', async () => {
    const text = 'a,b\n1,2\n3,4,5\n6,7,8\n9,10\n';
    const skip = (maxSkippedRecords: number) => ({
      options: { skipRecordsWithErrors: { value: { enabled: true, maxSkippedRecords } } },
    });
    expect(await rows(skip(-1), text)).toEqual([
      { a: '1', b: '2' },
      { a: '9', b: '10' },
    ]);
    const r = await extract({ operation: 'csv', ...skip(1) }, [csv(text)]);
    expect(r.error).toBe('Max number of skipped records exceeded');
  });
});

describe('Extract from File: a missing file (n8n-core’s assertBinaryData)', () => {
  it('fails, naming the field, whether the item has no files or not that one', async () => {
    const none = await extract({ operation: 'text' }, [{ json: {} }]);
    expect(none.error).toBe(
      "This operation expects the node's input data to contain a binary file 'data', but none was found [item 0]",
    );
    const other = await extract({ operation: 'pdf', binaryPropertyName: 'cv' }, [csv('x')]);
    expect(other.error).toBe("The item has no binary field 'cv' [item 0]");
  });

  it('with continueOnFail gives the error as the item', async () => {
    const r = await runWithFiles('extractFromFile', 1, { operation: 'text' }, [{ json: {} }], {
      node: { continueOnFail: true },
    });
    expect(r.items.map((i) => [i.json, i.pairedItem])).toEqual([
      [
        {
          error:
            "This operation expects the node's input data to contain a binary file 'data', but none was found [item 0]",
        },
        { item: 0 },
      ],
    ]);
  });
});

describe('Extract from File: a file into a field', () => {
  const withTwoFiles = (text: string | Buffer) => ({
    json: { id: 7 },
    binary: {
      data: fileOf(text, 'text/plain', 'a.txt'),
      other: fileOf('o', 'text/plain', 'o.txt'),
    },
  });

  it('text: the content at a dotted destination; the file read goes, the others stay', async () => {
    const r = await extract({ operation: 'text', destinationKey: 'content.pages[0]' }, [
      withTwoFiles('héllo'),
    ]);
    expect(r.items[0]!.json).toEqual({ content: { pages: ['héllo'] } });
    expect(Object.keys(r.items[0]!.binary!)).toEqual(['other']);
    expect(r.items[0]!.pairedItem).toEqual({ item: 0 });
  });

  it('keepSource json, binary or both keeps what it names', async () => {
    const keep = async (keepSource: string) =>
      (await extract({ operation: 'text', options: { keepSource } }, [withTwoFiles('x')]))
        .items[0]!;
    expect((await keep('json')).json).toEqual({ id: 7, data: 'x' });
    expect(Object.keys((await keep('json')).binary!)).toEqual(['other']);
    expect((await keep('binary')).json).toEqual({ data: 'x' });
    expect(Object.keys((await keep('both')).binary!)).toEqual(['data', 'other']);
  });

  it('strips a byte order mark unless stripBOM is false; decodes the encoding asked for', async () => {
    const text = async (options: Record<string, unknown>, bytes: string | Buffer) =>
      (await extract({ operation: 'text', options }, [withTwoFiles(bytes)])).items[0]!.json.data;
    expect(await text({}, '\ufeffhi')).toBe('hi');
    expect(await text({ stripBOM: false }, '\ufeffhi')).toBe('\ufeffhi');
    expect(await text({ encoding: 'latin1' }, Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
    expect(await text({ encoding: 'win1251' }, Buffer.from([0xcf, 0xf0, 0xe8]))).toBe('При');
  });

  it('fromJson parses (an empty file is {}); text that is not JSON says so', async () => {
    const json = async (text: string) => extract({ operation: 'fromJson' }, [withTwoFiles(text)]);
    expect((await json('{"a":[1,2]}')).items[0]!.json).toEqual({ data: { a: [1, 2] } });
    expect((await json('')).items[0]!.json).toEqual({ data: {} });
    expect((await json('hello')).error).toBe(
      "The file selected in 'Input Binary Field' is not in JSON format",
    );
    expect((await json('{bad')).error).toMatch(/^Expected property name/);
  });

  it('xml is the text; binaryToPropery is base64', async () => {
    const xml = await extract({ operation: 'xml', destinationKey: 'xml' }, [withTwoFiles('<a/>')]);
    expect(xml.items[0]!.json).toEqual({ xml: '<a/>' });
    const b64 = await extract({ operation: 'binaryToPropery' }, [withTwoFiles('hi')]);
    expect(b64.items[0]!.json).toEqual({ data: 'aGk=' });
  });

  it('refuses a file larger than the engine’s file limit', async () => {
    const files: FileAccess = {
      maxFileBytes: 4,
      glob: () => Promise.resolve([]),
      read: () => Promise.reject(new Error('no')),
      write: () => Promise.resolve(),
    };
    const r = await runWithFiles(
      'extractFromFile',
      1,
      { operation: 'text' },
      [withTwoFiles('12345')],
      {
        deps: { files },
      },
    );
    expect(r.error).toBe('The file is 5 bytes, more than the 4 bytes a node may read');
  });
});

describe('Extract from File: PDF (pdfjs-dist, as n8n)', () => {
  const pdf = makePdf({
    pages: [['Hello world', 'Second line'], ['Page two']],
    info: { Title: 'Test document', Author: 'IZA' },
  });
  const pdfItem = (bytes = pdf) => ({
    json: { id: 1 },
    binary: {
      data: fileOf(bytes, 'application/pdf', 'doc.pdf'),
      logo: fileOf('x', 'image/png', 'l.png'),
    },
  });

  it('gives pages, info, text with lines and pages joined, and pdfjs’s version', async () => {
    const r = await extract({ operation: 'pdf' }, [pdfItem()]);
    expect(r.items[0]!.json).toEqual({
      numpages: 2,
      numrender: 2,
      info: {
        PDFFormatVersion: '1.4',
        Language: null,
        EncryptFilterName: null,
        IsLinearized: false,
        IsAcroFormPresent: false,
        IsXFAPresent: false,
        IsCollectionPresent: false,
        IsSignaturesPresent: false,
        Title: 'Test document',
        Author: 'IZA',
      },
      text: 'Hello world\nSecond line\n\nPage two',
      version: '5.4.296',
    });
    expect(Object.keys(r.items[0]!.binary!)).toEqual(['logo']);
  });

  it('joinPages false gives a text per page; maxPages reads only the first pages', async () => {
    const pages = await extract({ operation: 'pdf', options: { joinPages: false } }, [pdfItem()]);
    expect(pages.items[0]!.json.text).toEqual(['Hello world\nSecond line', 'Page two']);
    const first = await extract({ operation: 'pdf', options: { maxPages: 1 } }, [pdfItem()]);
    expect(first.items[0]!.json).toMatchObject({ numpages: 2, text: 'Hello world\nSecond line' });
  });

  it('keepSource json puts the input’s fields first; binary keeps the file', async () => {
    const json = await extract({ operation: 'pdf', options: { keepSource: 'json' } }, [pdfItem()]);
    expect(Object.keys(json.items[0]!.json).slice(0, 2)).toEqual(['id', 'numpages']);
    const both = await extract({ operation: 'pdf', options: { keepSource: 'both' } }, [pdfItem()]);
    expect(Object.keys(both.items[0]!.binary!)).toEqual(['data', 'logo']);
  });

  it('reads an encrypted PDF with its password; without it fails with pdfjs’s message', async () => {
    const locked = makePdf({
      pages: [['Secret text']],
      info: { Title: 'Locked' },
      encrypt: { userPassword: 'open sesame', ownerPassword: 'owner' },
    });
    const none = await extract({ operation: 'pdf' }, [pdfItem(locked)]);
    expect([none.error, none.description]).toEqual([
      'No password given',
      "The PDF is encrypted: set the option 'Password' to its password.",
    ]);
    const wrong = await extract({ operation: 'pdf', options: { password: 'guess' } }, [
      pdfItem(locked),
    ]);
    expect(wrong.error).toBe('Incorrect Password');
    const right = await extract({ operation: 'pdf', options: { password: 'open sesame' } }, [
      pdfItem(locked),
    ]);
    expect(right.items[0]!.json).toMatchObject({
      text: 'Secret text',
      info: { Title: 'Locked', EncryptFilterName: 'Standard' },
    });
  });

  it('fails on bytes that are not a PDF', async () => {
    const r = await extract({ operation: 'pdf' }, [pdfItem(Buffer.from('not a pdf at all'))]);
    expect(r.error).toMatch(/Invalid PDF structure/);
  });
});
