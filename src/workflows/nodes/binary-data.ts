import { posix } from 'node:path';
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

/** Signatures of common formats n8n's file-type recognises (a small part of it). */
const SIGNATURES: { bytes: number[]; mime: string; ext: string }[] = [
  { bytes: [0x1f, 0x8b, 0x08], mime: 'application/gzip', ext: 'gz' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], mime: 'application/zip', ext: 'zip' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], mime: 'application/pdf', ext: 'pdf' },
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], mime: 'image/png', ext: 'png' },
  { bytes: [0xff, 0xd8, 0xff], mime: 'image/jpeg', ext: 'jpg' },
  { bytes: [0x47, 0x49, 0x46, 0x38], mime: 'image/gif', ext: 'gif' },
];

function sniff(bytes: Uint8Array): { mime: string; ext: string } | undefined {
  return SIGNATURES.find((s) => s.bytes.every((b, i) => bytes[i] === b));
}

/**
 * A file for an item, as n8n's `prepareBinaryData(data, filePath, mimeType)`. `sniff`: the bytes
 * were in memory (n8n then looks at them when the name says nothing); files read from disk were
 * streams in n8n, which it does not look at.
 */
export function prepareBinaryData(
  bytes: Buffer,
  filePath?: string,
  mimeType?: string,
  options: { sniff?: boolean } = {},
): BinaryData {
  let type = mimeType || undefined;
  let fileExtension: string | undefined;
  if (!type) {
    if (filePath) type = lookup(filePath) || undefined;
    if (!type && options.sniff) {
      const found = sniff(bytes);
      if (found) {
        type = found.mime;
        fileExtension = found.ext;
      }
    }
  }
  if (!fileExtension && type) fileExtension = extension(type) || undefined;
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
