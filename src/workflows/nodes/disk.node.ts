import { posix, win32 } from 'node:path';
import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { binaryOf, bytesOf, prepareBinaryData } from './binary-data.ts';
import { defineNode, perItem, text } from './define.ts';

/**
 * Files on disk, as n8n's Read/Write Files from Disk (1, 1.1) and the older Read Binary File,
 * Read Binary Files and Write Binary File: paths are the organisation's (see `disk.ts` and
 * `ctx.files`), so `/data/report.csv` is a file of the organisation's folder.
 *
 * One difference from n8n, on purpose: writing creates the folders on the file's path, as an
 * organisation's folder starts empty and nothing else could make them.
 */

/** Reads files for one node run, failing once they add up to more than the limit. */
function reader(ctx: NodeContext): (path: string) => Promise<Buffer> {
  let total = 0;
  return async (path) => {
    const bytes = await ctx.files.read(path);
    total += bytes.length;
    if (total > ctx.files.maxFileBytes) {
      throw new NodeError(
        `The files this node reads are larger than ${ctx.files.maxFileBytes} bytes in all`,
        { description: 'The limit is the setting IZA_WORKFLOWS_MAX_FILE_BYTES.' },
      );
    }
    return bytes;
  };
}

/** n8n's `normalizeFileSelector`: a Windows path (`C:\a\*.csv`) with forward slashes. */
function normalizeFileSelector(selector: string): string {
  if (!/^[a-zA-Z]:/.test(selector)) return selector;
  return /^[a-zA-Z]:\\|\\(?![()[\]])/.test(selector)
    ? win32.normalize(selector).replace(/\\/g, '/')
    : posix.normalize(selector);
}

/** n8n's `escapeBracketsAndParens`: `[ ] ( )` matched as themselves. */
const escapeBrackets = (selector: string) => selector.replace(/\\?([()[\]])/g, '\\$1');

interface ReadOptions {
  fileExtension?: string;
  fileName?: string;
  mimeType?: string;
  dataPropertyName?: string;
  literalBrackets?: boolean;
}

async function readFiles(ctx: NodeContext): Promise<Item[]> {
  const read = reader(ctx);
  return perItem(ctx, async (_item, i) => {
    const selector = normalizeFileSelector(text(ctx.param('fileSelector', i, '')));
    const options = ctx.param<ReadOptions>('options', i, {}) ?? {};
    const key = options.dataPropertyName || 'data';
    const literal = options.literalBrackets ?? true;
    const escaped = escapeBrackets(selector);
    const files = literal
      ? await ctx.files.glob(escaped)
      : await ctx.files.glob(selector, { extglob: false });
    if (files.length === 0 && ctx.node.typeVersion > 1) {
      const hint =
        escaped === selector
          ? ''
          : literal
            ? ". If [ ] and ( ) were meant as a character class or group, turn off 'Treat Brackets and Parentheses as Literal' in Options"
            : ". If [ ] and ( ) were meant as literal characters, turn on 'Treat Brackets and Parentheses as Literal' in Options";
      throw new NodeError('No file(s) found', {
        description: `No file matching the selector "${selector}" found${hint}`,
      });
    }
    const out: Item[] = [];
    for (const path of files) {
      const file = prepareBinaryData(await read(path), path);
      if (options.fileName !== undefined) file.fileName = options.fileName;
      if (options.fileExtension !== undefined) file.fileExtension = options.fileExtension;
      if (options.mimeType !== undefined) file.mimeType = options.mimeType;
      const json: Item['json'] = {};
      for (const field of ['mimeType', 'fileType', 'fileName', 'fileExtension', 'fileSize']) {
        if (file[field] !== undefined) json[field] = file[field];
      }
      out.push({ json, binary: { [key]: file } });
    }
    return out;
  });
}

/** Writes each item's file; the item goes on with `fileName` in its JSON, as n8n. */
async function writeFiles(ctx: NodeContext, optionsAtFirstItem: boolean): Promise<Item[]> {
  return perItem(ctx, async (item, i) => {
    const key = text(ctx.param('dataPropertyName', i, 'data'));
    const fileName = text(ctx.param('fileName', i, ''));
    const options = ctx.param<{ append?: boolean }>('options', optionsAtFirstItem ? 0 : i, {});
    const file = binaryOf(item, key, i);
    await ctx.files.write(fileName, bytesOf(file), { append: options?.append === true });
    return {
      json: { ...item.json, fileName },
      ...(item.binary === undefined ? {} : { binary: { ...item.binary } }),
    };
  });
}

export const readWriteFileNode = defineNode({
  name: 'readWriteFile',
  versions: [1, 1.1],
  async execute(ctx) {
    const operation = ctx.param<string>('operation', 0, 'read');
    if (operation === 'read') return [await readFiles(ctx)];
    if (operation === 'write') return [await writeFiles(ctx, false)];
    throw new NodeError(`The operation "${operation}" is not known!`);
  },
});

/** Read Binary File (1): the item with the file added (its JSON kept). */
export const readBinaryFileNode = defineNode({
  name: 'readBinaryFile',
  versions: [1],
  async execute(ctx) {
    const read = reader(ctx);
    return [
      await perItem(ctx, async (item, i) => {
        const path = text(ctx.param('filePath', i, ''));
        const key = text(ctx.param('dataPropertyName', i, 'data'));
        return {
          json: item.json,
          binary: { ...item.binary, [key]: prepareBinaryData(await read(path), path) },
        };
      }),
    ];
  },
});

/** Read Binary Files (1): one item per file the selector (taken once) selects. */
export const readBinaryFilesNode = defineNode({
  name: 'readBinaryFiles',
  versions: [1],
  async execute(ctx) {
    const read = reader(ctx);
    const selector = text(ctx.param('fileSelector', 0, ''));
    const key = text(ctx.param('dataPropertyName', 0, 'data'));
    const out: Item[] = [];
    for (const path of await ctx.files.glob(selector)) {
      out.push({
        json: {},
        binary: { [key]: prepareBinaryData(await read(path), path) },
        pairedItem: { item: 0 },
      });
    }
    return [out];
  },
});

/** Write Binary File (1): as the write operation, its options read at the first item (n8n). */
export const writeBinaryFileNode = defineNode({
  name: 'writeBinaryFile',
  versions: [1],
  async execute(ctx) {
    return [await writeFiles(ctx, true)];
  },
});

export const diskNodes = [
  readWriteFileNode,
  readBinaryFileNode,
  readBinaryFilesNode,
  writeBinaryFileNode,
];
