import { createRequire } from 'node:module';
import { posix } from 'node:path';
import type * as FileType from 'file-type';
import { extension, lookup } from 'mime-types';
import { NodeError, type Item } from '../engine/engine.types.ts';
import { binaryFile } from './define.ts';

/**
 * Files on items as n8n's `prepareBinaryData` makes them (n8n-core): the MIME type from the
 * file's name (mime-types, as n8n), else, for bytes in memory, from their first bytes, else
 * `text/plain`; the extension from the name, else from the type; the name and folder from the
 * path; n8n's `fileType`; the size as n8n shows it (pretty-bytes: `12 B`, `1.23 kB`).
 */

type BinaryData = NonNullable<Item['binary']>[string];

/** n8n's `fileTypeFromMimeType`. */
export function fileTypeOf(mimeType: string): string | undefined {
  if (mimeType.startsWith('application/json')) return 'json';
  if (mimeType.startsWith('text/html')) return 'html';
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('audio/')) return 'audio';
  if (mimeType.startsWith('video/')) return 'video';
  if (mimeType.startsWith('text/') || mimeType.startsWith('application/javascript')) return 'text';
  if (mimeType.startsWith('application/pdf')) return 'pdf';
  return undefined;
}

/**
 * A file for an item, as n8n's `prepareBinaryData(data, filePath, mimeType)` for a file read
 * from disk (n8n streams those and does not look at their bytes; `fileFromBytes` does).
 */
export function prepareBinaryData(bytes: Buffer, filePath?: string, mimeType?: string): BinaryData {
  let type = mimeType || undefined;
  if (!type && filePath) type = lookup(filePath) || undefined;
  let fileExtension = type ? extension(type) || undefined : undefined;
  type ??= 'text/plain';
  let directory: string | undefined;
  let fileName: string | undefined;
  if (filePath) {
    const parts = posix.parse(filePath.split('?')[0]!);
    if (parts.dir !== '') directory = parts.dir;
    fileName = parts.base;
    if (parts.ext.length > 1) fileExtension = parts.ext.slice(1);
  }
  const fileType = fileTypeOf(type);
  return {
    ...binaryFile(bytes, type, {
      ...(fileName === undefined ? {} : { fileName }),
      ...(fileExtension === undefined ? {} : { fileExtension }),
    }),
    ...(fileType === undefined ? {} : { fileType }),
    ...(directory === undefined ? {} : { directory }),
  };
}

let fileTypeModule: typeof FileType | undefined;

/** file-type 16 (n8n-core's; CommonJS, loaded on first use). */
function sniff(bytes: Buffer) {
  fileTypeModule ??= createRequire(import.meta.url)('file-type') as typeof FileType;
  return fileTypeModule.fromBuffer(bytes);
}

/**
 * A file for an item from bytes in memory, as n8n's `prepareBinaryData(bytes, fileName,
 * mimeType)`: without a type, the name's (mime-types), else the bytes' (file-type, which also
 * sets the extension), else `text/plain`.
 */
export async function fileFromBytes(
  bytes: Buffer,
  fileName?: string,
  mimeType?: string,
): Promise<BinaryData> {
  let type = mimeType || undefined;
  let sniffedExtension: string | undefined;
  if (!type && fileName) type = lookup(fileName) || undefined;
  if (!type) {
    const found = await sniff(bytes);
    if (found) {
      type = found.mime;
      sniffedExtension = found.ext;
    }
  }
  const file = prepareBinaryData(bytes, fileName || undefined, type);
  // file-type's extension wins over the type's usual one, unless the name has its own.
  if (sniffedExtension && !/\.[^./]+$/.test(fileName ?? '')) file.fileExtension = sniffedExtension;
  return file;
}

/** The item's file under `key`, with n8n's errors (`assertBinaryData`) when it has none. */
export function binaryOf(item: Item, key: string, itemIndex: number): BinaryData {
  if (item.binary === undefined) {
    throw new NodeError(
      `This operation expects the node's input data to contain a binary file '${key}', but none was found [item ${itemIndex}]`,
      { description: 'Make sure that the previous node outputs a binary file' },
    );
  }
  const file = Object.hasOwn(item.binary, key) ? item.binary[key] : undefined;
  if (file === undefined) {
    throw new NodeError(`The item has no binary field '${key}' [item ${itemIndex}]`, {
      description:
        'Check that the parameter where you specified the input binary field name is correct, and that it matches a field in the binary input',
    });
  }
  return file;
}

/** A file's bytes. */
export const bytesOf = (file: BinaryData): Buffer => Buffer.from(file.data, 'base64');
