import { NodeError, type Item } from '../engine/engine.types.ts';
import { binaryFile, clone, defineNode, deleteField, getField, setField } from './define.ts';

/**
 * Move Binary Data (1, 1.1), as n8n: a file's text into the item's JSON (`binaryToJson`: parsed
 * as the whole JSON, or set at a key, parsed or kept as text or base64), or JSON into a file
 * (`jsonToBinary`: the whole item or one key, as JSON text, raw text or base64). The source
 * is removed unless `keepSource`; an item without the source passes by.
 */

/** Node's names for the encodings n8n offers that Node's Buffer has. */
const ENCODINGS: Record<string, BufferEncoding> = {
  utf8: 'utf8',
  'utf-8': 'utf8',
  ascii: 'ascii',
  latin1: 'latin1',
  binary: 'latin1',
  'iso-8859-1': 'latin1',
  ucs2: 'utf16le',
  'utf-16le': 'utf16le',
  utf16le: 'utf16le',
};

function encodingOf(name: string): BufferEncoding {
  const key = (name || 'utf8').toLowerCase();
  const encoding = Object.hasOwn(ENCODINGS, key) ? ENCODINGS[key] : undefined;
  if (!encoding) throw new NodeError(`The encoding "${name}" is not supported`);
  return encoding;
}

const EXTENSIONS: Record<string, string> = {
  'application/json': 'json',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'text/html': 'html',
  'application/xml': 'xml',
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new NodeError(`The file is not valid JSON: ${(error as Error).message}`);
  }
}

export const moveBinaryDataNode = defineNode({
  name: 'moveBinaryData',
  versions: [1, 1.1],
  async execute(ctx) {
    const out: Item[] = [];
    const mode = ctx.param<string>('mode', 0, 'binaryToJson');
    ctx.input().forEach((item, i) => {
      const p = <T>(key: string, fallback: T): T => ctx.param<T>(key, i, fallback);
      const keepSource = p('options.keepSource', false);
      const next: Item = { json: {}, pairedItem: { item: i } };
      if (mode === 'binaryToJson') {
        const sourceKey = p('sourceKey', 'data');
        const file = getField(item.binary, sourceKey) as { data?: string } | undefined;
        if (file === undefined) return;
        const bytes = Buffer.from(file.data ?? '', 'base64');
        const decode = () => {
          let text = bytes.toString(encodingOf(p<string>('options.encoding', 'utf8')));
          if (p('options.stripBOM', true) && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
          return text;
        };
        if (p('setAllData', true)) {
          const parsed = parseJson(decode());
          next.json = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Item['json'];
        } else {
          next.json = clone(item.json);
          let value: unknown = p('options.keepAsBase64', false)
            ? bytes.toString('base64')
            : decode();
          if (p('options.jsonParse', false)) value = parseJson(String(value));
          setField(next.json, p('destinationKey', 'data'), value);
        }
        const binary = keepSource ? item.binary : clone(item.binary ?? {});
        if (!keepSource && binary) deleteField(binary, sourceKey);
        if (binary && Object.keys(binary).length > 0) next.binary = binary;
      } else if (mode === 'jsonToBinary') {
        const convertAll = p('convertAllData', true);
        const sourceKey = p('sourceKey', 'data');
        let value: unknown = convertAll ? item.json : getField(item.json, sourceKey);
        if (value === undefined) return;
        let mimeType = p<string>('options.mimeType', '');
        let bytes: Buffer;
        if (!p('options.dataIsBase64', false)) {
          if (!p('options.useRawData', false) || typeof value === 'object') {
            value = JSON.stringify(value);
            mimeType ||= 'application/json';
          }
          const text = String(value);
          const bom = p('options.addBOM', false) ? '\ufeff' : '';
          bytes = Buffer.from(bom + text, encodingOf(p<string>('options.encoding', 'utf8')));
        } else {
          bytes = Buffer.from(typeof value === 'string' ? value : '', 'base64');
        }
        if (!mimeType && ctx.node.typeVersion === 1) mimeType = 'application/json';
        const fileName = p<string>('options.fileName', '');
        const fileExtension = fileName.includes('.')
          ? fileName.split('.').pop()!
          : (EXTENSIONS[mimeType] ?? '');
        const file = binaryFile(bytes, mimeType || 'application/octet-stream', {
          ...(fileName || ctx.node.typeVersion > 1
            ? { fileName: fileName || `file${fileExtension ? `.${fileExtension}` : ''}` }
            : {}),
          ...(fileExtension ? { fileExtension } : {}),
        });
        next.binary = clone(item.binary ?? {});
        setField(next.binary, p('destinationKey', 'data'), file);
        if (keepSource) next.json = item.json;
        else if (convertAll) next.json = {};
        else {
          next.json = clone(item.json);
          deleteField(next.json, sourceKey);
        }
      } else {
        throw new NodeError(`The operation "${mode}" is not known!`);
      }
      out.push(next);
    });
    return [out];
  },
});
