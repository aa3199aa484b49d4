import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { clone, defineNode, perItem } from './define.ts';
import {
  boundedBytes,
  decodeText,
  detectEncoding,
  inputFile,
  setPath,
  unsetPath,
} from './files.binary.ts';
import { extractPdf, type PdfOptions } from './files.pdf.ts';
import { readSpreadsheets, SPREADSHEET_FORMATS } from './files.spreadsheet.ts';

/**
 * Extract from File (1, 1.1), as n8n's: spreadsheets (csv, html and rtf tables, ods, xls, xlsx)
 * to one item per row; a PDF's text and metadata; a text, JSON or XML file's content, or a
 * file as base64, into a field (a dotted path). An item without the file fails with n8n-core's
 * messages. The item's other files stay; the one read goes unless `keepSource` keeps it.
 */

type KeepSource = 'json' | 'binary' | 'both';

interface MoveOptions {
  encoding?: string;
  stripBOM?: boolean;
  keepSource?: KeepSource;
}

/** The item's files after reading `key`: all of them kept, or all but that one. */
function filesAfter(item: Item, key: unknown, keepSource: KeepSource | undefined): Item['binary'] {
  if (keepSource === 'binary' || keepSource === 'both') return item.binary;
  const binary = clone(item.binary);
  if (typeof key === 'string') unsetPath(binary, key);
  return binary;
}

/** n8n's JSON parsing message: a file that is not JSON at all says so. */
function notJson(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('Unexpected token')) {
    throw new NodeError("The file selected in 'Input Binary Field' is not in JSON format", {
      description: "Try to change the operation or select a JSON file in 'Input Binary Field'",
      cause: error,
    });
  }
  throw new NodeError(message, { cause: error });
}

/** A file's content into a field: text, XML (as text), parsed JSON, or base64. */
function moveToField(ctx: NodeContext, operation: string): Promise<Item[]> {
  return perItem(ctx, (item, i) => {
    const options = ctx.param<MoveOptions>('options', i, {});
    const key: unknown = ctx.param('binaryPropertyName', i, 'data');
    const file = inputFile(item, key, i);
    const bytes = boundedBytes(ctx, file, 'file');
    const next: Item = { json: {} };
    if (options.keepSource && options.keepSource !== 'binary') next.json = clone(item.json);
    const value = ctx.work(() => {
      if (operation === 'binaryToPropery') return bytes.toString('base64');
      const encoding = String(options.encoding || detectEncoding(bytes));
      const text = decodeText(bytes, encoding, options.stripBOM);
      if (operation !== 'fromJson') return text;
      if (text === '') return {};
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        return notJson(error);
      }
    });
    setPath(next.json, String(ctx.param('destinationKey', i, 'data')), value);
    if (typeof key === 'string') {
      const binary = filesAfter(item, key, options.keepSource);
      if (binary !== undefined) next.binary = binary;
    }
    return next;
  });
}

/** A PDF's text and metadata as the item's JSON (after the input's with `keepSource`). */
function pdfToItem(ctx: NodeContext): Promise<Item[]> {
  return perItem(ctx, async (item, i) => {
    const options = ctx.param<PdfOptions & { keepSource?: KeepSource }>('options', i, {});
    const key: unknown = ctx.param('binaryPropertyName', i, 'data');
    const bytes = boundedBytes(ctx, inputFile(item, key, i), 'PDF file');
    const data = await extractPdf(ctx, bytes, options);
    const json =
      options.keepSource && options.keepSource !== 'binary'
        ? { ...clone(item.json), ...data }
        : data;
    const next: Item = { json: json as unknown as Item['json'] };
    const binary = filesAfter(item, key, options.keepSource);
    if (binary !== undefined) next.binary = binary;
    return next;
  });
}

export const extractFromFileNode = defineNode({
  name: 'extractFromFile',
  versions: [1, 1.1],
  async execute(ctx) {
    const operation = String(ctx.param('operation', 0, 'csv'));
    if ((SPREADSHEET_FORMATS as readonly string[]).includes(operation)) {
      return [await readSpreadsheets(ctx, 'operation')];
    }
    switch (operation) {
      case 'binaryToPropery':
      case 'fromJson':
      case 'text':
      case 'xml':
        return [await moveToField(ctx, operation)];
      case 'pdf':
        return [await pdfToItem(ctx)];
      case 'fromIcs':
        throw new NodeError('Extract from ICS is not supported yet', {
          description: 'n8n reads calendars with ts-ics, which this build does not include.',
        });
      default:
        return [[]];
    }
  },
});

/**
 * Read PDF (1), the node Extract from File replaced: a PDF's text and metadata as the item's
 * JSON, all pages joined, the item's files kept; `encrypted` gives the password.
 */
export const readPdfNode = defineNode({
  name: 'readPDF',
  versions: [1],
  async execute(ctx) {
    return [
      await perItem(ctx, async (item, i) => {
        const key: unknown = ctx.param('binaryPropertyName', i, 'data');
        const bytes = boundedBytes(ctx, inputFile(item, key, i), 'PDF file');
        const password =
          ctx.param('encrypted', i, false) === true
            ? String(ctx.param('password', i, ''))
            : undefined;
        const data = await extractPdf(ctx, bytes, password === undefined ? {} : { password });
        return { json: data as unknown as Item['json'], binary: item.binary ?? {} };
      }),
    ];
  },
});
