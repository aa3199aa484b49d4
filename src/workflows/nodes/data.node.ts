import { NodeError, type Item, type NodeContext, type NodeType } from '../engine/engine.types.ts';
import { clone, defineNode, text, deleteField, fieldList, getField, setField } from './define.ts';
import { dict, toDict } from '../../kernel/dict.ts';

/** Item-list nodes: Split Out, Aggregate, Sort, Limit-like, Remove Duplicates, Summarize, Rename Keys. */

/**
 * Split Out, as n8n: each listed field's elements (an object's values; a single value as one)
 * make one item per index, the fields' elements side by side. An object element of the only
 * field is spread into the item when nothing else is kept and no destination is named; else
 * it stays under its field (or destination) name. Other fields: none, all (a copy of the item
 * without the split fields, under the split ones), or the selected ones. `$binary` splits the
 * item's files. A missing field gives no items.
 */
function splitOut(ctx: NodeContext): Item[] {
  const out: Item[] = [];
  ctx.input().forEach((item, i) => {
    const fields = fieldList(ctx.param('fieldToSplitOut', i, '')).map((f) =>
      f.replace(/^\$json\./, ''),
    );
    const dotted = !ctx.param<boolean>('options.disableDotNotation', i, false);
    const destinations = fieldList(ctx.param('options.destinationFieldName', i, ''));
    if (destinations.length > 0 && destinations.length !== fields.length) {
      throw new NodeError(
        'If multiple fields to split out are given, the same number of destination fields must be given',
      );
    }
    const include = ctx.param<string>('include', i, 'noOtherFields');
    const read = (json: Record<string, unknown>, field: string) =>
      dotted ? getField(json, field) : json[field];
    const entries: Item[] = [];
    const entry = (k: number): Item => {
      let found = entries[k];
      if (!found) {
        found = { json: dict(), pairedItem: { item: i } };
        entries[k] = found;
      }
      return found;
    };
    fields.forEach((field, n) => {
      if (field === '$binary') {
        Object.entries(item.binary ?? {}).forEach(([key, file], k) => {
          const target = entry(k);
          target.binary = { ...target.binary, [key]: file };
        });
        return;
      }
      const value = read(item.json, field);
      const elements: unknown[] =
        value === undefined
          ? []
          : Array.isArray(value)
            ? value
            : typeof value === 'object' && value !== null
              ? Object.values(value)
              : [value];
      const name = destinations[n] || field;
      elements.forEach((element, k) => {
        const target = entry(k);
        if (
          include === 'noOtherFields' &&
          !destinations[n] &&
          fields.length === 1 &&
          typeof element === 'object' &&
          element !== null &&
          !Array.isArray(element)
        ) {
          target.json = toDict({ ...target.json, ...clone(element) });
        } else {
          target.json[name] = clone(element);
        }
      });
    });
    const selected =
      include === 'selectedOtherFields' ? fieldList(ctx.param('fieldsToInclude', i, '')) : [];
    if (include === 'selectedOtherFields' && selected.length === 0) {
      throw new NodeError('No fields specified', { description: 'Please add a field to include' });
    }
    for (const split of entries) {
      if (!split) continue;
      if (include === 'allOtherFields') {
        const rest = clone(item.json);
        for (const field of fields) {
          if (dotted) deleteField(rest, field);
          else delete rest[field];
        }
        split.json = toDict({ ...rest, ...split.json });
      } else if (include === 'selectedOtherFields') {
        for (const field of selected) split.json[field] = clone(read(item.json, field));
      }
      if (ctx.param<boolean>('options.includeBinary', i, false) && item.binary && !split.binary) {
        split.binary = item.binary;
      }
      out.push(split);
    }
  });
  return out;
}

function aggregate(ctx: NodeContext): Item[] {
  const items = ctx.input();
  const mode = ctx.param<string>('aggregate', 0, 'aggregateIndividualFields');
  const pairedItem = items.map((_, i) => ({ item: i }));
  if (mode === 'aggregateAllItemData') {
    const dest = ctx.param<string>('destinationFieldName', 0, 'data');
    const include = ctx.param<string>('include', 0, 'allFields');
    const data = items.map((item) => {
      if (include === 'specifiedFields') {
        return Object.fromEntries(
          fieldList(ctx.param('fieldsToInclude', 0, '')).map((f) => [f, getField(item.json, f)]),
        );
      }
      const json = clone(item.json);
      if (include === 'allFieldsExcept')
        for (const f of fieldList(ctx.param('fieldsToExclude', 0, ''))) deleteField(json, f);
      return json;
    });
    return [{ json: { [dest]: data }, pairedItem }];
  }
  const specs = ctx.param<
    { fieldToAggregate: string; renameField?: boolean; outputFieldName?: string }[]
  >('fieldsToAggregate.fieldToAggregate', 0, []);
  const keepMissing = Boolean(ctx.param<unknown>('options.keepMissing', 0, false));
  const mergeLists = Boolean(ctx.param<unknown>('options.mergeLists', 0, false));
  const json = dict<unknown>();
  for (const spec of specs) {
    const values: unknown[] = [];
    for (const item of items) {
      const v = getField(item.json, spec.fieldToAggregate);
      if (v === undefined && !keepMissing) continue;
      if (mergeLists && Array.isArray(v)) values.push(...(v as unknown[]));
      else values.push(v);
    }
    const name =
      spec.renameField && spec.outputFieldName ? spec.outputFieldName : spec.fieldToAggregate;
    json[name] = values;
  }
  return [{ json, pairedItem }];
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return text(a).localeCompare(text(b));
}

function sort(ctx: NodeContext): Item[] {
  const items = ctx.input().map((item, i) => ({ ...item, pairedItem: { item: i } }));
  const type = ctx.param<string>('type', 0, 'simple');
  if (type === 'random') {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
  if (type !== 'simple') throw new NodeError(`sort type "${type}" is not supported yet`);
  const fields = ctx.param<{ fieldName: string; order?: string }[]>(
    'sortFieldsUi.sortField',
    0,
    [],
  );
  return items.sort((x, y) => {
    for (const f of fields) {
      const c = compareValues(getField(x.json, f.fieldName), getField(y.json, f.fieldName));
      if (c !== 0) return f.order === 'descending' ? -c : c;
    }
    return 0;
  });
}

/** A value's JSON with every object's keys in order: equal data, equal text (as lodash's isEqual). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * The duplicates of the input items removed, the first of each kept: Remove Duplicates, and
 * Item Lists' `removeDuplicates` (always within the input: it keeps nothing between runs).
 */
function removeDuplicates(ctx: NodeContext, withinInput = false): Item[] {
  const op = withinInput
    ? 'removeDuplicateInputItems'
    : ctx.param<string>('operation', 0, 'removeDuplicateInputItems');
  if (op !== 'removeDuplicateInputItems')
    throw new NodeError(`Remove Duplicates "${op}" needs stored state, which is not supported yet`);
  const compare = ctx.param<string>('compare', 0, 'allFields');
  const seen = new Set<string>();
  const out: Item[] = [];
  ctx.input().forEach((item, i) => {
    let key: unknown;
    if (compare === 'selectedFields')
      key = fieldList(ctx.param('fieldsToCompare', 0, '')).map((f) => getField(item.json, f));
    else if (compare === 'allFieldsExcept') {
      const json = clone(item.json);
      for (const f of fieldList(ctx.param('fieldsToExclude', 0, ''))) deleteField(json, f);
      key = json;
    } else key = item.json;
    const k = canonical(key);
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ ...item, pairedItem: { item: i } });
  });
  return out;
}

const SUMMARY_PREFIX: Record<string, string> = {
  count: 'count',
  countUnique: 'unique_count',
  sum: 'sum',
  average: 'average',
  min: 'min',
  max: 'max',
  concatenate: 'concatenated',
  append: 'appended',
};

function summarize(ctx: NodeContext): Item[] {
  const specs = ctx.param<
    { aggregation?: string; field: string; separateBy?: string; customSeparator?: string }[]
  >('fieldsToSummarize.values', 0, []);
  const splitBy = fieldList(ctx.param('fieldsToSplitBy', 0, ''));
  const groups = new Map<
    string,
    { key: Record<string, unknown>; items: Item[]; indexes: number[] }
  >();
  ctx.input().forEach((item, i) => {
    const key = Object.fromEntries(splitBy.map((f) => [f, getField(item.json, f)]));
    const k = JSON.stringify(key);
    const g = groups.get(k) ?? { key, items: [], indexes: [] };
    g.items.push(item);
    g.indexes.push(i);
    groups.set(k, g);
  });
  return [...groups.values()].map((g) => {
    const json: Record<string, unknown> = { ...g.key };
    for (const s of specs) {
      const values = g.items
        .map((it) => getField(it.json, s.field))
        .filter((v) => v !== undefined && v !== null && v !== '');
      const nums = values.map(Number).filter((n) => !Number.isNaN(n));
      // An aggregation n8n did not write is its default, `count`.
      const aggregation = s.aggregation ?? 'count';
      const name = `${SUMMARY_PREFIX[aggregation] ?? aggregation}_${s.field}`;
      switch (aggregation) {
        case 'count':
          json[name] = values.length;
          break;
        case 'countUnique':
          json[name] = new Set(values.map((v) => JSON.stringify(v))).size;
          break;
        case 'sum':
          json[name] = nums.reduce((a, b) => a + b, 0);
          break;
        case 'average':
          json[name] = nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : null;
          break;
        case 'min':
          json[name] = nums.length ? Math.min(...nums) : null;
          break;
        case 'max':
          json[name] = nums.length ? Math.max(...nums) : null;
          break;
        case 'concatenate': {
          const sep =
            s.separateBy === 'other'
              ? (s.customSeparator ?? '')
              : s.separateBy === 'newline'
                ? '\n'
                : s.separateBy === 'space'
                  ? ' '
                  : ',';
          json[name] = values
            .map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v as string)))
            .join(sep);
          break;
        }
        case 'append':
          json[name] = values;
          break;
        default:
          throw new NodeError(`summary "${aggregation}" is not supported`);
      }
    }
    return { json, pairedItem: g.indexes.map((item) => ({ item })) };
  });
}

function renameKeys(ctx: NodeContext): Item[] {
  return ctx.input().map((item, i) => {
    const json = clone(item.json);
    for (const k of ctx.param<{ currentKey: string; newKey: string }[]>('keys.key', i, [])) {
      const v = getField(json, k.currentKey);
      if (v === undefined) continue;
      deleteField(json, k.currentKey);
      setField(json, k.newKey, v);
    }
    return { ...item, json, pairedItem: { item: i } };
  });
}

function limit(ctx: NodeContext): Item[] {
  const max = Number(ctx.param('maxItems', 0, 1));
  const items = ctx.input().map((item, i) => ({ ...item, pairedItem: { item: i } }));
  return ctx.param('keep', 0, 'firstItems') === 'lastItems'
    ? items.slice(-max)
    : items.slice(0, max);
}

export const splitOutNode = defineNode({
  name: 'splitOut',
  versions: [1],
  execute: async (ctx) => [splitOut(ctx)],
});
export const aggregateNode = defineNode({
  name: 'aggregate',
  versions: [1],
  execute: async (ctx) => [aggregate(ctx)],
});
export const sortNode = defineNode({
  name: 'sort',
  versions: [1],
  execute: async (ctx) => [sort(ctx)],
});
export const removeDuplicatesNode = defineNode({
  name: 'removeDuplicates',
  versions: [1, 1.1, 2],
  execute: async (ctx) => [removeDuplicates(ctx)],
});
export const summarizeNode = defineNode({
  name: 'summarize',
  versions: [1, 1.1],
  execute: async (ctx) => [summarize(ctx)],
});
export const renameKeysNode = defineNode({
  name: 'renameKeys',
  versions: [1],
  execute: async (ctx) => [renameKeys(ctx)],
});

/** Item Lists (v1-v3): the operations that later became separate nodes. */
export const itemListsNode = defineNode({
  name: 'itemLists',
  versions: [1, 2, 2.1, 2.2, 3, 3.1],
  async execute(ctx) {
    const op = ctx.param<string>('operation', 0, 'splitOutItems');
    switch (op) {
      case 'splitOutItems':
        return [splitOut(ctx)];
      case 'aggregateItems':
      case 'concatenateItems':
        return [aggregate(ctx)];
      case 'removeDuplicates':
        return [removeDuplicates(ctx, true)];
      case 'sort':
        return [sort(ctx)];
      case 'limit':
        return [limit(ctx)];
      case 'summarize':
        return [summarize(ctx)];
      default:
        throw new NodeError(`Item Lists operation "${op}" is not supported`);
    }
  },
});

export const dataNodes: NodeType[] = [
  splitOutNode,
  aggregateNode,
  sortNode,
  removeDuplicatesNode,
  summarizeNode,
  renameKeysNode,
  itemListsNode,
];
