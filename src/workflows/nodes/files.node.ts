import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { NodeError, type Item, type NodeType } from '../engine/engine.types.ts';
import { binaryFile, defineNode, getField } from './define.ts';

/** File conversion nodes: Convert to File, Extract from File, Spreadsheet File (CSV, JSON, text). */

function binaryFrom(text: string, mimeType: string, fileName: string): Item['binary'] {
  return {
    data: binaryFile(Buffer.from(text, 'utf8'), mimeType, {
      fileName,
      fileExtension: fileName.split('.').pop() ?? '',
    }),
  };
}

export const convertToFileNode = defineNode({
  name: 'convertToFile',
  versions: [1, 1.1],
  async execute(ctx) {
    const op = ctx.param<string>('operation', 0, 'csv');
    const key = ctx.param<string>('binaryPropertyName', 0, 'data');
    const items = ctx.input();
    const rename = (b: Item['binary']): Item['binary'] =>
      key === 'data' || !b ? b : { [key]: b.data! };
    if (op === 'csv') {
      const rows = items.map((i) => i.json);
      const text = stringifyCsv(rows, {
        header: ctx.param('options.headerRow', 0, true) !== false,
        delimiter: ctx.param('options.delimiter', 0, ','),
      });
      return [
        [
          {
            json: {},
            binary: rename(
              binaryFrom(text, 'text/csv', ctx.param('options.fileName', 0, 'file.csv')),
            ),
            pairedItem: items.map((_, i) => ({ item: i })),
          },
        ],
      ];
    }
    if (op === 'toJson') {
      const pretty = ctx.param('options.format', 0, false) ? 2 : undefined;
      if (ctx.param('mode', 0, 'allItems') === 'each') {
        return [
          items.map((it, i) => ({
            json: {},
            binary: rename(
              binaryFrom(
                JSON.stringify(it.json, null, pretty),
                'application/json',
                ctx.param('options.fileName', i, 'file.json'),
              ),
            ),
            pairedItem: { item: i },
          })),
        ];
      }
      return [
        [
          {
            json: {},
            binary: rename(
              binaryFrom(
                JSON.stringify(
                  items.map((i) => i.json),
                  null,
                  pretty,
                ),
                'application/json',
                ctx.param('options.fileName', 0, 'file.json'),
              ),
            ),
            pairedItem: items.map((_, i) => ({ item: i })),
          },
        ],
      ];
    }
    if (op === 'toText') {
      return [
        items.map((it, i) => ({
          json: {},
          binary: rename(
            binaryFrom(
              String(
                (getField(it.json, ctx.param('sourceProperty', i, 'data')) as string | undefined) ??
                  '',
              ),
              'text/plain',
              ctx.param('options.fileName', i, 'file.txt'),
            ),
          ),
          pairedItem: { item: i },
        })),
      ];
    }
    throw new NodeError(`Convert to File "${op}" is not supported yet`);
  },
});

export const extractFromFileNode = defineNode({
  name: 'extractFromFile',
  versions: [1],
  async execute(ctx) {
    const op = ctx.param<string>('operation', 0, 'csv');
    const key = ctx.param<string>('binaryPropertyName', 0, 'data');
    const out: Item[] = [];
    ctx.input().forEach((item, i) => {
      const bin = item.binary?.[key];
      if (!bin)
        throw new NodeError(
          `This operation expects the node's input data to contain a binary file '${key}', but none was found [item ${i}]`,
        );
      const text = Buffer.from(bin.data, 'base64').toString('utf8');
      const dest = ctx.param<string>('destinationKey', i, 'data');
      switch (op) {
        case 'csv': {
          const header = ctx.param('options.headerRow', i, true) !== false;
          const rows = parseCsv(text, {
            columns: header,
            delimiter: ctx.param('options.delimiter', i, ','),
            skip_empty_lines: true,
            relax_column_count: true,
          }) as unknown[];
          for (const row of rows)
            out.push({
              json: Array.isArray(row)
                ? Object.fromEntries(row.map((v, n) => [`row${n}`, v]))
                : (row as Record<string, unknown>),
              pairedItem: { item: i },
            });
          break;
        }
        case 'fromJson': {
          const parsed = JSON.parse(text) as unknown;
          out.push({ json: { [dest]: parsed }, pairedItem: { item: i } });
          break;
        }
        case 'text':
        case 'html':
          out.push({ json: { [dest]: text }, pairedItem: { item: i } });
          break;
        default:
          throw new NodeError(`Extract from File "${op}" is not supported yet`);
      }
    });
    return [out];
  },
});

/** Spreadsheet File (legacy): CSV only; xlsx, ods and the other formats are refused. */
export const spreadsheetFileNode = defineNode({
  name: 'spreadsheetFile',
  versions: [1, 2],
  async execute(ctx) {
    const op = ctx.param<string>('operation', 0, 'fromFile');
    const key = ctx.param<string>('binaryPropertyName', 0, 'data');
    const items = ctx.input();
    if (op === 'toFile') {
      const format = ctx.param<string>('fileFormat', 0, 'xlsx');
      if (format !== 'csv')
        throw new NodeError(`Spreadsheet format "${format}" is not supported yet (CSV is)`);
      const csv = stringifyCsv(
        items.map((i) => i.json),
        { header: ctx.param<unknown>('options.headerRow', 0, true) !== false },
      );
      const file = binaryFrom(csv, 'text/csv', ctx.param('options.fileName', 0, 'spreadsheet.csv'));
      return [
        [
          {
            json: {},
            binary: { [key]: file!.data! },
            pairedItem: items.map((_, i) => ({ item: i })),
          },
        ],
      ];
    }
    const out: Item[] = [];
    items.forEach((item, i) => {
      const bin = item.binary?.[key];
      if (!bin) throw new NodeError(`No binary data property "${key}" exists on item ${i}`);
      const declared = ctx.param<string>('fileFormat', i, 'autodetect');
      const isCsv =
        declared === 'csv' ||
        (declared === 'autodetect' &&
          (/csv|text\/plain/.test(bin.mimeType) || bin.fileExtension === 'csv'));
      if (!isCsv)
        throw new NodeError(
          `Spreadsheet file "${bin.fileName ?? key}" is not CSV: other formats are not supported yet`,
        );
      const header = ctx.param<unknown>('options.headerRow', i, true) !== false;
      const rows = parseCsv(Buffer.from(bin.data, 'base64').toString('utf8'), {
        columns: header,
        delimiter: ctx.param('options.delimiter', i, ','),
        skip_empty_lines: true,
        relax_column_count: true,
      }) as unknown[];
      for (const row of rows) {
        out.push({
          json: Array.isArray(row)
            ? Object.fromEntries(row.map((v, n) => [String(n), v]))
            : (row as Record<string, unknown>),
          pairedItem: { item: i },
        });
      }
    });
    return [out];
  },
});

export const fileNodes: NodeType[] = [convertToFileNode, extractFromFileNode, spreadsheetFileNode];
