import { createRequire } from 'node:module';
import type * as Xlsx from '@e965/xlsx';
import { parse as parseCsv } from 'csv-parse/sync';
import { Unzip, UnzipInflate } from 'fflate';
import { dict } from '../../kernel/dict.ts';
import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { budgetOf, unpackedTooLarge } from './archive.ts';
import { perItem } from './define.ts';
import { fileFromBytes } from './binary-data.ts';
import { boundedBytes, inputFile, type BinaryData } from './files.binary.ts';

/**
 * Spreadsheets both ways, as n8n's Spreadsheet File 2 "from file" (also Extract from File's csv,
 * html, rtf, ods, xls and xlsx) and `convertJsonToSpreadsheetBinary` (Convert to File's and
 * Spreadsheet File's "to file"): CSV read with csv-parse, everything else read and written with
 * SheetJS (`@e965/xlsx`, the build n8n uses, with its options). n8n keeps files on disk, so it
 * reads them as files: CSV errors always fail, and Spreadsheet File 1 reads text as UTF-8.
 */

/** The options of "from file" (n8n leaves out the ones not set). */
export interface ReadOptions {
  delimiter?: string;
  encoding?: BufferEncoding;
  enableBOM?: boolean;
  relaxQuotes?: boolean;
  headerRow?: boolean;
  includeEmptyCells?: boolean;
  maxRowCount?: number;
  range?: string | number;
  rawData?: boolean;
  readAsString?: boolean;
  sheetName?: string;
  fromLine?: number;
  skipRecordsWithErrors?: { value?: { enabled?: boolean; maxSkippedRecords?: number } };
}

/** The options of "to file". */
export interface WriteOptions {
  compression?: boolean;
  delimiter?: unknown;
  fileName?: string;
  headerRow?: boolean;
  sheetName?: string;
}

let loaded: typeof Xlsx | undefined;

/** SheetJS, loaded on first use: its CommonJS build, as n8n loads it, with the code pages. */
function sheetjs(): typeof Xlsx {
  loaded ??= createRequire(import.meta.url)('@e965/xlsx') as typeof Xlsx;
  return loaded;
}

/**
 * Most cells one sheet's range may span once empty rows and columns at its end that change
 * nothing are left out: SheetJS visits every cell of the range (about 1 s per million), and a
 * file of a few kilobytes may claim a range of a billion.
 */
export const MAX_SHEET_CELLS = 10_000_000;

/**
 * Fails when a zip-based spreadsheet (xlsx, ods) unpacks to more than `limit` bytes, counting
 * the bytes as they come, before SheetJS unpacks it whole. Other damage is SheetJS's to report.
 */
function checkUnpackedSize(bytes: Buffer, limit: number): void {
  if (bytes.readUInt32BE(0) !== 0x504b0304) return;
  const budget = budgetOf(limit);
  let tooLarge: unknown;
  const unzip = new Unzip((file) => {
    file.ondata = (error, chunk) => {
      if (error || tooLarge !== undefined) return;
      try {
        budget.take(chunk.length);
      } catch (failure) {
        tooLarge = failure;
        file.terminate();
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    for (let at = 0; at < bytes.length && tooLarge === undefined; at += 16 * 1024) {
      unzip.push(bytes.subarray(at, at + 16 * 1024), at + 16 * 1024 >= bytes.length);
    }
  } catch {
    // Not a zip fflate can read: SheetJS says what is wrong with it.
  }
  if (tooLarge !== undefined) throw unpackedTooLarge(limit);
}

/**
 * The range `sheet_to_json` will visit, as SheetJS works it out from n8n's `range` option, with
 * empty rows at its end left out where it skips them anyway (rows as objects) and empty columns
 * where they add nothing (no `defval`); refused past `maxCells`.
 */
export function boundedRange(
  sheet: Xlsx.WorkSheet,
  options: Xlsx.Sheet2JSONOpts,
  maxCells = MAX_SHEET_CELLS,
): string | number | Xlsx.Range | undefined {
  const { utils } = sheetjs();
  const ref = sheet['!ref'];
  const given = options.range as string | number | Xlsx.Range | undefined;
  if (ref === undefined) return given;
  let range: Xlsx.Range;
  if (typeof options.range === 'string') range = utils.decode_range(options.range);
  else {
    range = utils.decode_range(ref);
    if (typeof options.range === 'number') range.s.r = options.range;
  }
  const cells = (r: Xlsx.Range) => (r.e.r - r.s.r + 1) * (r.e.c - r.s.c + 1);
  if (cells(range) <= maxCells) return given;
  let lastRow = range.s.r;
  let lastColumn = range.s.c;
  for (const address of Object.keys(sheet)) {
    if (address.startsWith('!')) continue;
    const { r, c } = utils.decode_cell(address);
    if (r > lastRow) lastRow = r;
    if (c > lastColumn) lastColumn = c;
  }
  if (options.header !== 1) range.e.r = Math.min(range.e.r, lastRow);
  if (options.defval === undefined) range.e.c = Math.min(range.e.c, lastColumn);
  if (cells(range) > maxCells) {
    throw new NodeError(
      `The sheet's range ${utils.encode_range(range)} has ${cells(range)} cells, more than the ${maxCells} a node reads`,
      { description: "Set the option 'Range' to the part of the sheet that holds the data." },
    );
  }
  return range;
}

/** Rows of a CSV file, with n8n's csv-parse options. */
function csvRows(bytes: Buffer, options: ReadOptions): unknown[] {
  const rows: unknown[] = [];
  const maxRowCount = options.maxRowCount as number;
  const skipErrors = options.skipRecordsWithErrors?.value?.enabled;
  let skipped = 0;
  parseCsv(bytes, {
    delimiter: options.delimiter,
    fromLine: options.fromLine,
    encoding: options.encoding,
    bom: options.enableBOM,
    to: maxRowCount > -1 ? maxRowCount : undefined,
    skip_records_with_error: skipErrors,
    skip_empty_lines: true,
    columns: options.headerRow !== false,
    relax_quotes: options.relaxQuotes,
    on_record: (record: Record<string, unknown> | unknown[]) => {
      // Without empty cells a row of arrays becomes an object keyed "0", "1"..., as in n8n.
      rows.push(
        options.includeEmptyCells
          ? record
          : Object.fromEntries(Object.entries(record).filter(([, value]) => value !== '')),
      );
      return undefined;
    },
    on_skip: () => {
      skipped += 1;
    },
  });
  const maxSkipped = options.skipRecordsWithErrors?.value?.maxSkippedRecords ?? -1;
  if (skipErrors && maxSkipped > 0 && skipped > maxSkipped) {
    throw new NodeError('Max number of skipped records exceeded');
  }
  return rows;
}

/** Rows of a sheet read by SheetJS (`legacy`: Spreadsheet File 1, text read as UTF-8). */
function sheetRows(bytes: Buffer, options: ReadOptions, legacy: boolean): unknown[] {
  const { read, utils } = sheetjs();
  const parsing: Xlsx.ParsingOptions = { raw: options.rawData };
  let workbook: Xlsx.WorkBook;
  if (legacy) {
    // n8n reads the file from disk (`readFile`), as UTF-8; `readAsString` then does nothing.
    workbook = read(bytes, { ...parsing, codepage: 65001, type: 'buffer' });
  } else if (options.readAsString) {
    workbook = read(bytes.toString('binary'), { ...parsing, type: 'binary' });
  } else {
    workbook = read(bytes, parsing);
  }
  if (workbook.SheetNames.length === 0)
    throw new NodeError('Spreadsheet does not have any sheets!');
  let sheetName = workbook.SheetNames[0]!;
  if (options.sheetName) {
    if (!workbook.SheetNames.includes(options.sheetName)) {
      throw new NodeError(`Spreadsheet does not contain sheet called "${options.sheetName}"!`);
    }
    sheetName = options.sheetName;
  }
  const toJson: Xlsx.Sheet2JSONOpts = {};
  if (options.range) {
    toJson.range = isNaN(options.range as number)
      ? options.range
      : parseInt(String(options.range), 10);
  }
  if (options.includeEmptyCells) toJson.defval = '';
  if (options.headerRow === false) toJson.header = 1;
  const sheet = workbook.Sheets[sheetName];
  if (sheet) toJson.range = boundedRange(sheet, toJson);
  return utils.sheet_to_json(sheet!, toJson);
}

/**
 * Items from spreadsheet files, one per row, as n8n's Spreadsheet File 2 "from file":
 * `formatParameter` names the format (`fileFormat`, or Extract from File's `operation`);
 * `legacy` reads as Spreadsheet File 1 (everything through SheetJS).
 */
export function readSpreadsheets(
  ctx: NodeContext,
  formatParameter: 'fileFormat' | 'operation' | null,
): Promise<Item[]> {
  // n8n keeps the last file's extension across items to word its error.
  let fileExtension: string | undefined;
  return perItem(ctx, (item, i) => {
    let fileFormat = formatParameter
      ? String(
          ctx.param(formatParameter, i, formatParameter === 'operation' ? 'csv' : 'autodetect'),
        )
      : '';
    try {
      const options = ctx.param<ReadOptions>('options', i, {});
      const file = inputFile(item, ctx.param('binaryPropertyName', i, 'data'), i);
      fileExtension = file.fileExtension;
      const { mimeType } = file;
      if (
        fileFormat === 'autodetect' &&
        (mimeType === 'text/csv' || (mimeType === 'text/plain' && fileExtension === 'csv'))
      ) {
        fileFormat = 'csv';
      }
      const bytes = boundedBytes(ctx, file, 'spreadsheet file');
      let rows: unknown[];
      if (fileFormat === 'csv') rows = ctx.work(() => csvRows(bytes, options));
      else {
        checkUnpackedSize(bytes, ctx.files.maxFileBytes);
        rows = ctx.work(() => sheetRows(bytes, options, formatParameter === null));
        if (rows.length === 0) return null;
      }
      return rows.map((row) => ({
        json: (options.headerRow === false ? { row } : row) as Item['json'],
      }));
    } catch (error) {
      if (formatParameter !== null && fileExtension && fileExtension !== fileFormat) {
        throw new NodeError(
          `The file selected in 'Input Binary Field' is not in ${fileFormat} format`,
          {
            description: `Try to change the operation or select a ${fileFormat} file in 'Input Binary Field'`,
            cause: error,
          },
        );
      }
      throw error;
    }
  });
}

/** n8n's `flattenObject`: nested keys joined with dots (`a.b`, `list.0`). */
export function flattenObject(data: Record<string, unknown>): Record<string, unknown> {
  const flat = dict<unknown>();
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (value !== null && typeof value === 'object') {
      const inner = flattenObject(value as Record<string, unknown>);
      for (const innerKey of Object.keys(inner)) {
        if (inner[innerKey] !== undefined) flat[`${key}.${innerKey}`] = inner[innerKey];
      }
    } else {
      flat[key] = value;
    }
  }
  return flat;
}

/** The formats SheetJS writes for n8n. */
export const SPREADSHEET_FORMATS = ['csv', 'html', 'rtf', 'ods', 'xls', 'xlsx'] as const;

/**
 * One spreadsheet file of the items' JSON (flattened), as n8n's `convertJsonToSpreadsheetBinary`:
 * a sheet `Sheet` (or `sheetName`), a header row unless `headerRow` is false, named
 * `<defaultFileName>.<format>` unless `fileName` is set (even to nothing); SheetJS writes
 * `bookType` (the format, unless a caller knows better).
 */
export async function writeSpreadsheet(
  items: Item[],
  format: string,
  options: WriteOptions,
  defaultFileName = 'spreadsheet',
  bookType = format,
): Promise<BinaryData> {
  const { utils, write } = sheetjs();
  const sheet = utils.json_to_sheet(
    items.map((item) => flattenObject(item.json)),
    options.headerRow === false ? { skipHeader: true } : undefined,
  );
  const writing: Xlsx.WritingOptions = {
    bookType: bookType as Xlsx.BookType,
    bookSST: false,
    type: 'buffer',
  };
  if (format === 'csv' && typeof options.delimiter === 'string' && options.delimiter.length) {
    writing.FS = options.delimiter;
  }
  if ((format === 'xlsx' || format === 'ods') && options.compression) writing.compression = true;
  const sheetName = options.sheetName || 'Sheet';
  const sheets = dict<Xlsx.WorkSheet>();
  sheets[sheetName] = sheet;
  const bytes = write({ SheetNames: [sheetName], Sheets: sheets }, writing) as Buffer;
  const fileName =
    options.fileName !== undefined ? options.fileName : `${defaultFileName}.${format}`;
  return fileFromBytes(bytes, String(fileName));
}
