import { NodeError, type Item, type NodeContext, type NodeType } from '../engine/engine.types.ts';
import { defineNode } from './define.ts';
import { convertToFileNode } from './files.convert.ts';
import { extractFromFileNode, readPdfNode } from './files.extract.ts';
import {
  readSpreadsheets,
  SPREADSHEET_FORMATS,
  writeSpreadsheet,
  type WriteOptions,
} from './files.spreadsheet.ts';

/**
 * The file conversion nodes: Extract from File (`files.extract.ts`), Convert to File
 * (`files.convert.ts`) and the legacy Spreadsheet File, here. Spreadsheets go through
 * `files.spreadsheet.ts` (csv-parse and SheetJS, as n8n), PDFs through `files.pdf.ts` (pdfjs),
 * and files are typed and named by `files.binary.ts` as n8n-core does.
 */

/** Spreadsheet File's "to file": one file of all items, named `spreadsheet.<format>`. */
async function toFile(ctx: NodeContext, version: number): Promise<Item[]> {
  const items = ctx.input();
  const pairedItem = items.map((_, item) => ({ item }));
  try {
    const key = String(ctx.param('binaryPropertyName', 0, 'data'));
    const format = String(ctx.param('fileFormat', 0, 'xls'));
    const options = { ...ctx.param<WriteOptions>('options', 0, {}) };
    let bookType = format;
    if (version < 2) {
      // Version 1 sets no delimiter, and writes xlsx for a format it does not know.
      delete options.delimiter;
      if (!(SPREADSHEET_FORMATS as readonly string[]).includes(format)) bookType = 'xlsx';
    }
    const file = await ctx.work(() =>
      writeSpreadsheet(items, format, options, 'spreadsheet', bookType),
    );
    return [{ json: {}, binary: { [key]: file }, pairedItem }];
  } catch (error) {
    if (!ctx.continueOnFail || ctx.node.onError === 'continueErrorOutput') throw error;
    return [{ json: { error: (error as Error).message }, pairedItem }];
  }
}

/**
 * Spreadsheet File 1 and 2 (n8n's hidden legacy node): version 2 reads as Extract from File
 * does (CSV with csv-parse, the rest with SheetJS); version 1 reads everything with SheetJS.
 */
export const spreadsheetFileNode = defineNode({
  name: 'spreadsheetFile',
  versions: [1, 2],
  async execute(ctx) {
    const operation = String(ctx.param('operation', 0, 'fromFile'));
    const version = ctx.node.typeVersion;
    if (operation === 'fromFile') {
      return [await readSpreadsheets(ctx, version < 2 ? null : 'fileFormat')];
    }
    if (operation === 'toFile') return [await toFile(ctx, version)];
    if (version >= 2) return [[]];
    const message = `The operation "${operation}" is not supported!`;
    if (ctx.continueOnFail) return [[{ json: { error: message } }]];
    throw new NodeError(message);
  },
});

export const fileNodes: NodeType[] = [
  convertToFileNode,
  extractFromFileNode,
  readPdfNode,
  spreadsheetFileNode,
];
