import chardet from 'chardet';
import iconv from 'iconv-lite';
import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { binaryOf, bytesOf } from './binary-data.ts';

/**
 * What Extract from File, Convert to File and Spreadsheet File share: files made as n8n-core's
 * `prepareBinaryData` makes them from bytes in memory (the type from the name, else from the
 * bytes with file-type, the library n8n uses), text in and out through iconv-lite (n8n's), the
 * encoding guessed with chardet when none is given (n8n-core's `detectBinaryEncoding`), and
 * lodash's `set` for dotted destinations.
 */

export type BinaryData = NonNullable<Item['binary']>[string];

/** A file's bytes, refused past the engine's file limit (the most one node run reads). */
export function boundedBytes(ctx: NodeContext, file: BinaryData, what: string): Buffer {
  const bytes = bytesOf(file);
  if (bytes.length > ctx.files.maxFileBytes) {
    throw new NodeError(
      `The ${what} is ${bytes.length} bytes, more than the ${ctx.files.maxFileBytes} bytes a node may read`,
      { description: 'The limit is the setting IZA_WORKFLOWS_MAX_FILE_BYTES.' },
    );
  }
  return bytes;
}

/**
 * The file an item holds under `key`, as n8n's `assertBinaryData`: its errors when the item has
 * no files or not that one. A parameter that resolves to a file itself (an expression such as
 * `{{ $binary.data }}`) is that file.
 */
export function inputFile(item: Item, key: unknown, itemIndex: number): BinaryData {
  if (isFile(key)) return key;
  if (typeof key !== 'string') {
    throw new NodeError('Provided parameter is not a string or binary data object.', {
      description:
        'Specify the property name of the binary data in input item or use an expression to access the binary data in previous nodes, e.g. "{{ $(_target_node_).item.binary[_binary_property_name_] }}"',
    });
  }
  return binaryOf(item, key, itemIndex);
}

export function isFile(value: unknown): value is BinaryData {
  return typeof value === 'object' && value !== null && 'data' in value && 'mimeType' in value;
}

/** n8n-core's `detectBinaryEncoding`: chardet's guess (`UTF-8`, `ISO-8859-1`, `ASCII`...). */
export function detectEncoding(bytes: Buffer): string {
  return String(chardet.detect(bytes));
}

/** Text from bytes, as iconv-lite decodes it (a BOM is stripped unless `stripBOM` is false). */
export function decodeText(bytes: Buffer, encoding: string, stripBOM?: boolean): string {
  return iconv.decode(bytes, encoding, stripBOM === undefined ? {} : { stripBOM });
}

/** Bytes from text, as iconv-lite encodes it (`addBOM` for the Unicode encodings). */
export function encodeText(value: unknown, encoding: string, addBOM?: boolean): Buffer {
  // iconv-lite turns what is not text into text itself ("" + (value || "")).
  return iconv.encode(value as string, encoding, addBOM === undefined ? {} : { addBOM });
}

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** lodash's `toPath`: `a.b[0]["c.d"]` is `a`, `b`, `0`, `c.d`. */
function pathOf(path: string): string[] {
  const keys: string[] = [];
  if (path.charCodeAt(0) === 46) keys.push('');
  const parts =
    /[^.[\]]+|\[(?:(-?\d+(?:\.\d+)?)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|$))/g;
  for (const match of path.matchAll(parts)) {
    const [whole, number, quote, quoted] = match;
    if (quote) keys.push(quoted!.replace(/\\(\\)?/g, '$1'));
    else keys.push(number ?? whole);
  }
  return keys;
}

/** lodash's `isKey`: a path that names one key of `object` as it stands. */
function isKey(path: string, object: object): boolean {
  if (/^\w*$/.test(path)) return true;
  if (!/\.|\[(?:[^[\]]*|(["'])(?:(?!\1)[^\\]|\\.)*?\1)\]/.test(path)) return true;
  return path in object;
}

/**
 * lodash's `set`: a dotted path (`a.b[0].c`) written into `object`, creating objects on the way,
 * or arrays where the next key is an index. Prototype keys are left alone, as lodash does.
 */
export function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = isKey(path, object) ? [path] : pathOf(path);
  let at: Record<string, unknown> = object;
  for (const [n, key] of keys.entries()) {
    if (UNSAFE.has(key)) return;
    if (n === keys.length - 1) {
      at[key] = value;
      return;
    }
    const next = at[key];
    if (next === null || typeof next !== 'object') {
      at[key] = /^(?:0|[1-9]\d*)$/.test(keys[n + 1]!) ? [] : {};
    }
    at = at[key] as Record<string, unknown>;
  }
}

/** lodash's `unset` of a key or dotted path. */
export function unsetPath(object: Record<string, unknown> | undefined, path: string): void {
  if (!object) return;
  const keys = isKey(path, object) ? [path] : pathOf(path);
  let at: unknown = object;
  for (const key of keys.slice(0, -1)) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return;
    at = (at as Record<string, unknown>)[key];
  }
  if (at !== null && typeof at === 'object') delete (at as Record<string, unknown>)[keys.at(-1)!];
}
