import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { defineNode, getField, perItem } from './define.ts';
import { fileFromBytes } from './binary-data.ts';
import { encodeText, type BinaryData } from './files.binary.ts';
import { icsEvent } from './files.ical.ts';
import { SPREADSHEET_FORMATS, writeSpreadsheet, type WriteOptions } from './files.spreadsheet.ts';

/**
 * Convert to File (1, 1.1), as n8n's: items to one spreadsheet file (csv, html, rtf, ods, xls,
 * xlsx: SheetJS, flattened keys), to JSON (one file, or one per item), a field's text to a
 * file, a base64 field to a file, or an event to an ICS file. Files are named and typed as n8n
 * names and types them (`File.xlsx`, `file.json`, `file.txt`, `file.<type's extension>`).
 */

interface ToFileOptions {
  fileName?: string;
  encoding?: string;
  addBOM?: boolean;
  format?: boolean;
  mimeType?: string;
  dataIsBase64?: boolean;
}

/** n8n's `createBinaryFromJson` options. */
interface JsonToBinary {
  sourceKey?: string;
  fileName?: string;
  mimeType?: string;
  encoding?: string;
  addBOM?: boolean;
  format?: boolean;
  dataIsBase64?: boolean;
}

/** Bytes of a base64 text, or of a data URI (whose type is the file's unless one is set). */
function base64Bytes(value: unknown, options: JsonToBinary): Buffer {
  // What is not text is read as JavaScript writes it (an object as "[object Object]").
  let base64 = typeof value === 'string' ? value : String((value as string | null) ?? '');
  const dataUri = /^data:(.*?);base64,(.*)$/s.exec(base64.trim());
  if (dataUri) {
    const mediaType = dataUri[1]!.split(';')[0]!.trim();
    if (!options.mimeType && mediaType) options.mimeType = mediaType;
    base64 = dataUri[2]!;
  }
  const cleaned = base64.replace(/\s+/g, '');
  if (cleaned.length > 0 && !/^[A-Za-z0-9+/=_-]+$/.test(cleaned)) {
    throw new NodeError(
      'The provided string is not valid base64 data. If you are trying to write plain text to a file, use the "Convert to Text File" operation instead.',
    );
  }
  return Buffer.from(base64, 'base64');
}

/**
 * A file of JSON data or of one field (n8n's `createBinaryFromJson`): objects as JSON text
 * (typed `application/json`), other values as text, or base64 decoded; named `file.<ext>`
 * when no name is given.
 */
export async function binaryFromJson(data: unknown, input: JsonToBinary): Promise<BinaryData> {
  const options = { ...input };
  const value = options.sourceKey ? getField(data, options.sourceKey) : data;
  if (value === undefined) throw new NodeError(`The value in "${options.sourceKey}" is not set`);
  let bytes: Buffer;
  if (!options.dataIsBase64) {
    let valueAsText: unknown = value;
    if (typeof value === 'object') {
      options.mimeType = 'application/json';
      valueAsText = JSON.stringify(value, null, options.format ? 2 : undefined);
    }
    bytes = encodeText(valueAsText, options.encoding || 'utf8', options.addBOM);
  } else {
    bytes = base64Bytes(value, options);
  }
  const file = await fileFromBytes(bytes, options.fileName, options.mimeType);
  if (!file.fileName) file.fileName = `file${file.fileExtension ? `.${file.fileExtension}` : ''}`;
  return file;
}

const allPaired = (items: Item[]) => items.map((_, item) => ({ item }));

/** One file of every item, in the output field; an error item instead when continuing. */
async function oneFile(
  ctx: NodeContext,
  make: () => Promise<BinaryData>,
  key: string,
): Promise<Item[]> {
  const pairedItem = allPaired(ctx.input());
  try {
    return [{ json: {}, binary: { [key]: await make() }, pairedItem }];
  } catch (error) {
    if (!ctx.continueOnFail || ctx.node.onError === 'continueErrorOutput') throw error;
    return [{ json: { error: (error as Error).message }, pairedItem }];
  }
}

function toSpreadsheet(ctx: NodeContext, format: string): Promise<Item[]> {
  const items = ctx.input();
  const options = ctx.param<WriteOptions>('options', 0, {});
  const key = String(ctx.param('binaryPropertyName', 0, 'data'));
  return oneFile(ctx, () => ctx.work(() => writeSpreadsheet(items, format, options, 'File')), key);
}

async function toJson(ctx: NodeContext): Promise<Item[]> {
  const items = ctx.input();
  const fileOf = (data: unknown, i: number) => {
    const options = ctx.param<ToFileOptions>('options', i, {});
    return binaryFromJson(data, {
      fileName: options.fileName,
      mimeType: 'application/json',
      encoding: options.encoding,
      addBOM: options.addBOM,
      format: options.format,
    });
  };
  if (ctx.param('mode', 0, 'once') === 'once') {
    // n8n fails here even when it should continue (it adds the error item, then throws).
    const key = String(ctx.param('binaryPropertyName', 0, 'data'));
    const file = await fileOf(
      items.map((item) => item.json),
      0,
    );
    return [{ json: {}, binary: { [key]: file }, pairedItem: allPaired(items) }];
  }
  return perItem(ctx, async (item, i) => ({
    json: {},
    binary: { [String(ctx.param('binaryPropertyName', i, 'data'))]: await fileOf(item.json, i) },
  }));
}

/** Text (`toText`) or base64 (`toBinary`) of one field of each item to a file. */
function fieldToFile(ctx: NodeContext, operation: 'toText' | 'toBinary'): Promise<Item[]> {
  return perItem(ctx, async (item, i) => {
    const options = ctx.param<ToFileOptions>('options', i, {});
    const common = {
      sourceKey: String(ctx.param('sourceProperty', i, '')),
      encoding: options.encoding,
      addBOM: options.addBOM,
    };
    const file =
      operation === 'toText'
        ? await binaryFromJson(item.json, {
            ...common,
            fileName: options.fileName || 'file.txt',
            mimeType: 'text/plain',
            dataIsBase64: false,
          })
        : await binaryFromJson(item.json, {
            ...common,
            fileName: options.fileName,
            mimeType: options.mimeType,
            // Only version 1 may say the text is not base64.
            dataIsBase64: ctx.node.typeVersion === 1 ? options.dataIsBase64 !== false : true,
          });
    return { json: {}, binary: { [String(ctx.param('binaryPropertyName', i, 'data'))]: file } };
  });
}

export const convertToFileNode = defineNode({
  name: 'convertToFile',
  versions: [1, 1.1],
  async execute(ctx) {
    const operation = String(ctx.param('operation', 0, 'csv'));
    if ((SPREADSHEET_FORMATS as readonly string[]).includes(operation)) {
      return [await toSpreadsheet(ctx, operation)];
    }
    switch (operation) {
      case 'toJson':
        return [await toJson(ctx)];
      case 'toText':
      case 'toBinary':
        return [await fieldToFile(ctx, operation)];
      case 'iCal':
        return [await icsEvent(ctx)];
      default:
        return [[]];
    }
  },
});
