import { describe, expect, it } from 'vitest';
import type { Item } from '../engine/engine.types.ts';
import { runWithFiles, textOf } from './files.test-support.ts';

const convert = (parameters: Record<string, unknown>, items: Item[], version = 1.1) =>
  runWithFiles('convertToFile', version, parameters, items);

const metadata = (item: Item | undefined, key = 'data') => {
  const { data: _data, ...rest } = item?.binary?.[key] ?? { data: '' };
  return rest;
};

describe('Convert to File: JSON', () => {
  const items: Item[] = [{ json: { a: 1 } }, { json: { a: 2, b: { c: 'é' } } }];

  it('all items to one file.json, paired with every item', async () => {
    const r = await convert({ operation: 'toJson' }, items);
    expect(r.items).toHaveLength(1);
    expect(textOf(r.items[0]!.binary!.data)).toBe('[{"a":1},{"a":2,"b":{"c":"é"}}]');
    expect(metadata(r.items[0])).toEqual({
      mimeType: 'application/json',
      fileType: 'json',
      fileExtension: 'json',
      fileName: 'file.json',
      fileSize: '32 B',
    });
    expect(r.items[0]!.pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
  });

  it('each item to its own file, formatted, named, with a BOM', async () => {
    const r = await convert(
      {
        operation: 'toJson',
        mode: 'each',
        binaryPropertyName: 'json',
        options: { format: true, fileName: 'item.json', addBOM: true, encoding: 'utf8' },
      },
      items,
    );
    expect(r.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
    expect(textOf(r.items[0]!.binary!.json)).toBe('\ufeff{\n  "a": 1\n}');
    expect(r.items[1]!.binary!.json!.fileName).toBe('item.json');
  });
});

describe('Convert to File: text', () => {
  it('a field’s text to file.txt; an object becomes JSON (typed so, still file.txt)', async () => {
    const r = await convert({ operation: 'toText', sourceProperty: 'doc.body' }, [
      { json: { doc: { body: 'héllo' } } },
      { json: { doc: { body: { x: 1 } } } },
    ]);
    expect(textOf(r.items[0]!.binary!.data)).toBe('héllo');
    expect(metadata(r.items[0])).toEqual({
      mimeType: 'text/plain',
      fileType: 'text',
      fileExtension: 'txt',
      fileName: 'file.txt',
      fileSize: '6 B',
    });
    expect(textOf(r.items[1]!.binary!.data)).toBe('{"x":1}');
    expect(metadata(r.items[1])).toMatchObject({
      mimeType: 'application/json',
      fileName: 'file.txt',
    });
  });

  it('fails for a field that is not set, naming it', async () => {
    const r = await convert({ operation: 'toText', sourceProperty: 'missing' }, [{ json: {} }]);
    expect(r.error).toBe('The value in "missing" is not set');
  });

  it('writes the encoding asked for; Extract from File reads it back (n8n’s non-UTF-8 test)', async () => {
    const text = 'Příliš žluťoučký kůň úpěl ďábelské ódy.';
    const made = await convert(
      {
        operation: 'toText',
        sourceProperty: 'text',
        binaryPropertyName: 'myfile',
        options: { encoding: 'windows1250' },
      },
      [{ json: { text } }],
    );
    expect(Buffer.from(made.items[0]!.binary!.myfile!.data, 'base64')).toHaveLength(text.length);
    const back = await runWithFiles(
      'extractFromFile',
      1,
      { operation: 'text', binaryPropertyName: 'myfile', options: { encoding: 'windows1250' } },
      made.items,
    );
    expect(back.items[0]!.json).toEqual({ data: text });
  });

  it('without an encoding, Extract from File guesses it (chardet, as n8n-core)', async () => {
    const made = await convert({ operation: 'toText', sourceProperty: 't' }, [
      { json: { t: 'Grüße aus Köln, schöne Größe' } },
    ]);
    const back = await runWithFiles('extractFromFile', 1, { operation: 'text' }, made.items);
    expect(back.items[0]!.json).toEqual({ data: 'Grüße aus Köln, schöne Größe' });
  });
});

describe('Convert to File: base64 to a file (toBinary)', () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

  it('types the bytes as n8n-core does (file-type) and names the file after the type', async () => {
    const r = await convert({ operation: 'toBinary', sourceProperty: 'data[0].b64_json' }, [
      { json: { data: [{ b64_json: png.toString('base64') }] } },
    ]);
    expect(Buffer.from(r.items[0]!.binary!.data!.data, 'base64')).toEqual(png);
    expect(metadata(r.items[0])).toEqual({
      mimeType: 'image/png',
      fileType: 'image',
      fileExtension: 'png',
      fileName: 'file.png',
      fileSize: '29 B',
    });
    expect(r.items[0]!.json).toEqual({});
  });

  it('a MIME type or a file name sets the type; bytes of no known type are text/plain, named file', async () => {
    const typed = await convert(
      { operation: 'toBinary', sourceProperty: 'b', options: { mimeType: 'application/pdf' } },
      [{ json: { b: Buffer.from('%PDF-x').toString('base64') } }],
    );
    expect(metadata(typed.items[0])).toMatchObject({
      mimeType: 'application/pdf',
      fileExtension: 'pdf',
      fileName: 'file.pdf',
    });
    const named = await convert(
      { operation: 'toBinary', sourceProperty: 'b', options: { fileName: 'page.html' } },
      [{ json: { b: Buffer.from('<p>').toString('base64') } }],
    );
    expect(metadata(named.items[0])).toMatchObject({
      mimeType: 'text/html',
      fileName: 'page.html',
    });
    const plain = await convert({ operation: 'toBinary', sourceProperty: 'b' }, [
      { json: { b: Buffer.from('just text').toString('base64') } },
    ]);
    // n8n-core picks the extension before falling back to text/plain: there is none.
    expect(metadata(plain.items[0])).toEqual({
      mimeType: 'text/plain',
      fileType: 'text',
      fileName: 'file',
      fileSize: '9 B',
    });
  });

  it('a data URI gives its bytes and its type; text that is not base64 fails', async () => {
    const uri = `data:text/html;charset=utf-8;base64,${Buffer.from('<b>hi</b>').toString('base64')}`;
    const r = await convert({ operation: 'toBinary', sourceProperty: 'u' }, [{ json: { u: uri } }]);
    expect(textOf(r.items[0]!.binary!.data)).toBe('<b>hi</b>');
    expect(metadata(r.items[0])).toMatchObject({ mimeType: 'text/html', fileName: 'file.html' });
    const bad = await convert({ operation: 'toBinary', sourceProperty: 'u' }, [
      { json: { u: 'Hello, world!' } },
    ]);
    expect(bad.error).toBe(
      'The provided string is not valid base64 data. If you are trying to write plain text to a file, use the "Convert to Text File" operation instead.',
    );
  });

  it('version 1 may take the field as text (dataIsBase64 false)', async () => {
    const r = await convert(
      {
        operation: 'toBinary',
        sourceProperty: 'd',
        options: { dataIsBase64: false, mimeType: 'text/csv' },
      },
      [{ json: { d: 'a,b' } }],
      1,
    );
    expect(textOf(r.items[0]!.binary!.data)).toBe('a,b');
    expect(metadata(r.items[0])).toMatchObject({ mimeType: 'text/csv', fileName: 'file.csv' });
    // Version 1.1 always reads base64.
    const v11 = await convert(
      { operation: 'toBinary', sourceProperty: 'd', options: { dataIsBase64: false } },
      [{ json: { d: 'YSxi' } }],
    );
    expect(textOf(v11.items[0]!.binary!.data)).toBe('a,b');
  });
});

describe('Convert to File: ICS event (ics, as n8n’s iCalendar node)', () => {
  it('writes event.ics in UTC with the title and options', async () => {
    const r = await convert(
      {
        operation: 'iCal',
        title: 'Review',
        start: '2024-05-01T10:00:00+02:00',
        end: '2024-05-01T11:30:00+02:00',
        additionalFields: { location: 'Room 4', description: 'Quarterly' },
      },
      [{ json: {} }],
    );
    const ics = textOf(r.items[0]!.binary!.data);
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(ics).toContain('SUMMARY:Review\r\n');
    expect(ics).toContain('DTSTART:20240501T080000Z\r\n');
    expect(ics).toContain('DTEND:20240501T093000Z\r\n');
    expect(ics).toContain('LOCATION:Room 4\r\n');
    expect(metadata(r.items[0])).toMatchObject({
      mimeType: 'text/calendar',
      fileName: 'event.ics',
      fileExtension: 'ics',
    });
  });

  it('an all-day event ends the next day; fileName names the file', async () => {
    const r = await convert(
      {
        operation: 'iCal',
        title: 'Holiday',
        start: '2024-12-25T00:00:00Z',
        allDay: true,
        additionalFields: { fileName: 'holiday.ics' },
      },
      [{ json: {} }],
    );
    const ics = textOf(r.items[0]!.binary!.data);
    expect(ics).toContain('DTSTART;VALUE=DATE:20241225\r\n');
    expect(ics).toContain('DTEND;VALUE=DATE:20241226\r\n');
    expect(r.items[0]!.binary!.data!.fileName).toBe('holiday.ics');
  });
});
