import { extension as extensionOf, lookup } from 'mime-types';
import { dict } from '../../kernel/dict.ts';
import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { boundedGunzip, boundedUnzip, budgetOf, gzipBytes, zipFiles } from './archive.ts';
import { binaryOf, bytesOf, fileFromBytes } from './binary-data.ts';
import { defineNode, perItem, text } from './define.ts';

/**
 * Compression (1, 1.1), as n8n's node: compress an item's files into one zip, or each into a
 * gzip; decompress zip archives (one file per entry, named `file_0`, `file_1`... across the
 * item's archives) and gzip files (`file_<n>`, n the archive's position in the list). Unpacking
 * stops at the files limit (`ctx.files.maxFileBytes`, in all per node run). Tar archives, which
 * n8n's newest versions also write and read, are refused with a reason.
 */

/** Extensions n8n stores in a zip without compressing them again. */
const ALREADY_COMPRESSED = new Set([
  '7z',
  'aifc',
  'bz2',
  'doc',
  'docx',
  'gif',
  'gz',
  'heic',
  'heif',
  'jpg',
  'jpeg',
  'mov',
  'mp3',
  'mp4',
  'pdf',
  'png',
  'ppt',
  'pptx',
  'rar',
  'webm',
  'webp',
  'xls',
  'xlsx',
  'zip',
]);

const names = (value: unknown) =>
  text(value)
    .split(',')
    .map((key) => key.trim());

const tarRefused = (what: string) =>
  new NodeError(`${what} is not supported yet (zip and gzip are)`);

function decompress(ctx: NodeContext): Promise<Item[]> {
  const budget = budgetOf(ctx.files.maxFileBytes);
  const keys = names(ctx.param('binaryPropertyName', 0, 'data'));
  const prefix = text(ctx.param('outputPrefix', 0, 'file_'));
  return perItem(ctx, async (item, i) => {
    const binary = dict<NonNullable<Item['binary']>[string]>();
    let zipIndex = 0;
    for (const [index, key] of keys.entries()) {
      const file = binaryOf(item, key, i);
      const extension = file.fileExtension?.toLowerCase();
      if (!extension) throw new NodeError(`File extension not found for binary data ${key}`);
      if (
        extension === 'tar' ||
        extension === 'tgz' ||
        file.fileName?.toLowerCase().endsWith('.tar.gz')
      ) {
        throw tarRefused('Decompressing tar archives');
      }
      if (extension === 'zip') {
        const entries = ctx.work(() => boundedUnzip(bytesOf(file), budget));
        for (const [name, bytes] of entries) {
          // macOS puts a copy of every file under __MACOSX: n8n leaves those out.
          if (name.includes('__MACOSX')) continue;
          binary[`${prefix}${zipIndex++}`] = await fileFromBytes(bytes, name);
        }
      } else if (extension === 'gz' || extension === 'gzip') {
        const bytes = ctx.work(() => boundedGunzip(bytesOf(file), budget));
        const baseName = file.fileName?.split('.')[0];
        // The extension before `.gz` names the type, else the bytes do.
        let innerExtension: string | undefined;
        let mimeType: string | undefined;
        if (file.fileName?.endsWith('.gz')) {
          const parts = file.fileName.replace('.gz', '').split('.');
          if (parts.length > 1) {
            innerExtension = parts[parts.length - 1];
            mimeType = lookup(innerExtension!) || undefined;
          }
        }
        const unpacked = await fileFromBytes(bytes, baseName, mimeType);
        innerExtension ??= extensionOf(unpacked.mimeType) || undefined;
        unpacked.fileName = innerExtension ? `${baseName}.${innerExtension}` : `${baseName}`;
        if (innerExtension) unpacked.fileExtension = innerExtension;
        binary[`${prefix}${index}`] = unpacked;
      } else {
        throw new NodeError(`Unsupported archive format ".${extension}" for binary data ${key}`, {
          description:
            'The Decompress operation supports the following formats: zip and gzip (tar, tar.gz and tgz not yet)',
        });
      }
    }
    return { json: item.json, binary };
  });
}

function compress(ctx: NodeContext): Promise<Item[]> {
  const version = ctx.node.typeVersion;
  // Version 1 reads its parameters at the first item; later ones at each item.
  const at = (i: number) => (version > 1 ? i : 0);
  const format = text(ctx.param('outputFormat', 0, version > 1 ? 'zip' : ''));
  return perItem(ctx, async (item, i) => {
    const keys = names(ctx.param('binaryPropertyName', at(i), 'data'));
    if (format === 'tar' || format === 'targz') throw tarRefused('Compressing to tar');
    const files = new Map<string, { bytes: Uint8Array; level: 0 | 6 }>();
    const binary = dict<NonNullable<Item['binary']>[string]>();
    for (const [index, key] of keys.entries()) {
      const file = binaryOf(item, key, i);
      if (format === 'zip') {
        files.set(String(file.fileName), {
          bytes: bytesOf(file),
          level: ALREADY_COMPRESSED.has(file.fileExtension ?? '') ? 0 : 6,
        });
      } else if (format === 'gzip') {
        let property: string;
        let path: string;
        if (version > 1) {
          property = `${text(ctx.param('binaryPropertyOutput', i, 'data'))}${index ? index : ''}`;
          const named = text(ctx.param('fileName', i, ''));
          const baseName = named
            ? named.replace('.gz', '').replace('.gzip', '')
            : file.fileName?.split('.')[0];
          const extension = file.fileExtension ? `.${file.fileExtension.toLowerCase()}` : '';
          path = `${baseName}${extension}.gz`;
        } else {
          property = `${text(ctx.param('outputPrefix', 0, 'data'))}${index}`;
          path = `${file.fileName?.split('.')[0]}.gzip`;
        }
        const packed = ctx.work(() => gzipBytes(bytesOf(file)));
        binary[property] = await fileFromBytes(packed, path);
      }
    }
    if (format === 'zip') {
      const fileName = text(ctx.param('fileName', at(i), ''));
      const output = text(ctx.param('binaryPropertyOutput', at(i), 'data'));
      const packed = ctx.work(() => zipFiles(files));
      return {
        json: item.json,
        binary: { [output]: await fileFromBytes(packed, fileName) },
      };
    }
    // Version 1 without a format (its default) gives nothing, as n8n's.
    return format === 'gzip' ? { json: item.json, binary } : null;
  });
}

export const compressionNode = defineNode({
  name: 'compression',
  versions: [1, 1.1],
  async execute(ctx) {
    const operation = ctx.param<string>('operation', 0, 'decompress');
    if (operation === 'decompress') return [await decompress(ctx)];
    if (operation === 'compress') return [await compress(ctx)];
    throw new NodeError(`The operation "${operation}" is not known!`);
  },
});
