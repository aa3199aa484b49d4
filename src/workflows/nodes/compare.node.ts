import { isDeepStrictEqual } from 'node:util';
import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { clone, defineNode, deleteField, fieldList, getField, setField } from './define.ts';
import { dict, toDict } from '../../kernel/dict.ts';

/**
 * Compare Datasets, as n8n: matches input A's items with input B's by pairs of fields and
 * routes them to four outputs: 0 "In A only", 1 "Same", 2 "Different", 3 "In B only". An item
 * of A is matched with B's first item whose fields equal its own (or every such item, with
 * `multipleMatches: all`); a B item matched by none is "In B only". Equal means deeply equal,
 * or with `fuzzyCompare` also equal across types (`1` and `"1"`, `true` and `"true"` or `1`,
 * an object and its JSON, and null, `""`, `[]` and a missing value all alike). `skipFields`
 * (dotted paths) are left out of the comparison. A differing pair goes out as A's item, B's
 * item, a mix of both (`preferWhenMix`, with `exceptWhenMix` fields from the other), or both
 * side by side: `{keys, same, different: {field: {inputA, inputB}}, skipped?}`.
 */

type Json = Record<string, unknown>;
type Equal = (a: unknown, b: unknown) => boolean;

const isFalsy = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

function jsonEquals(text: string, value: unknown): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(text), value);
  } catch {
    return false;
  }
}

/** n8n's fuzzy equality (see the node's documentation): types may differ, the meaning not. */
function fuzzyEqual(a: unknown, b: unknown): boolean {
  if (a !== null && b !== null && typeof a === typeof b) return isDeepStrictEqual(a, b);
  if (isFalsy(a) && isFalsy(b)) return true;
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    if (typeof x === 'number' && typeof y === 'string') return String(x) === y;
    if (x !== null && typeof x === 'object' && typeof y === 'string') return jsonEquals(y, x);
    if (typeof x === 'boolean' && typeof y === 'string') {
      const t = y.toLowerCase();
      if ((x && (t === 'true' || y === '1')) || (!x && (t === 'false' || y === '0'))) return true;
    }
    if (typeof x === 'boolean' && typeof y === 'number') {
      if ((x && y === 1) || (!x && y === 0)) return true;
    }
  }
  return isDeepStrictEqual(a, b);
}

function without(json: Json, paths: readonly string[]): Json {
  if (paths.length === 0) return json;
  const copy = clone(json);
  for (const path of paths) deleteField(copy, path);
  return copy;
}

/** Both items side by side: the matched keys, the fields they share, and those that differ. */
function bothSides(
  a: Json,
  b: Json,
  keyFields: readonly string[],
  skip: readonly string[],
  equal: Equal,
) {
  const keys = dict<unknown>();
  for (const field of keyFields) keys[field] = a[field];
  const same = dict<unknown>();
  for (const key of Object.keys(a)) {
    if (Object.hasOwn(b, key) && equal(a[key], b[key])) same[key] = a[key];
  }
  const different = dict<unknown>();
  const skipped = dict<unknown>();
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (Object.hasOwn(same, key)) continue;
    // n8n writes a falsy value of either side as null.
    const pair = { inputA: a[key] || null, inputB: b[key] || null };
    if (skip.includes(key)) skipped[key] = pair;
    else different[key] = pair;
  }
  return { keys, same, different, ...(Object.keys(skipped).length > 0 ? { skipped } : {}) };
}

/** One item from both: the preferred side's, with the `except` fields from the other. */
function mixed(a: Item, b: Item, prefer: string, except: readonly string[], dotted: boolean) {
  const [entry, other] = prefer === 'input1' ? [a, b] : [b, a];
  const json = clone(entry.json);
  for (const field of except) {
    if (dotted) setField(json, field, getField(other.json, field) ?? null);
    else json[field] = other.json[field];
  }
  return json;
}

function compare(ctx: NodeContext): Item[][] {
  const v = ctx.node.typeVersion;
  const pairs = ctx.param<{ field1?: string; field2?: string }[]>('mergeByFields.values', 0, []);
  if (pairs.length === 0 || pairs.some((p) => !p.field1 || !p.field2)) {
    throw new NodeError('You need to define both fields of each pair in "Fields to Match"');
  }
  const dotted = !ctx.param<boolean>('options.disableDotNotation', 0, false);
  const fuzzy =
    v >= 2
      ? ctx.param<boolean>('fuzzyCompare', 0, false)
      : ctx.param<boolean>('options.fuzzyCompare', 0, false);
  const equal: Equal = fuzzy ? fuzzyEqual : isDeepStrictEqual;
  const all = ctx.param<string>('options.multipleMatches', 0, 'first') === 'all';
  const skip = fieldList(ctx.param('options.skipFields', 0, ''));
  // n8n's default changed with version 2.1: both versions of a differing item, not input B's.
  const resolve = ctx.param<string>('resolve', 0, v >= 2.1 ? 'includeBoth' : 'preferInput2');
  const read = (json: Json, field: string) => (dotted ? getField(json, field) : json[field]);

  // Items without any field are left out; a field to match must be in some item of its input.
  const inputOf = (index: 0 | 1, label: string, fields: string[]) => {
    const items = ctx
      .input(index)
      .map((item, i) => ({ item, i }))
      .filter(({ item }) => Object.keys(item.json).length > 0);
    for (const field of fields) {
      if (items.length > 0 && !items.some(({ item }) => read(item.json, field) !== undefined)) {
        throw new NodeError(`Field '${field}' is not present in any of items in '${label}'`);
      }
    }
    return items;
  };
  const a = inputOf(
    0,
    'Input A',
    pairs.map((p) => p.field1!),
  );
  const b = inputOf(
    1,
    'Input B',
    pairs.map((p) => p.field2!),
  );

  const out: Item[][] = [[], [], [], []];
  const matchedB = new Set<number>();
  for (const { item: x, i } of a) {
    const lookup = pairs.map((p) => [p.field2!, read(x.json, p.field1!)] as const);
    if (lookup.some(([, value]) => value === undefined)) {
      out[0]!.push({ json: clone(x.json), pairedItem: { item: i, input: 0 } });
      continue;
    }
    const isMatch = (y: Item) =>
      lookup.every(([field, value]) => equal(value, read(y.json, field)));
    const matches = all
      ? b.filter(({ item }) => isMatch(item))
      : b.filter(({ item }) => isMatch(item)).slice(0, 1);
    if (matches.length === 0) {
      out[0]!.push({ json: clone(x.json), pairedItem: { item: i, input: 0 } });
      continue;
    }
    let same: { json: Json; pairedItem: Item['pairedItem'] } | undefined;
    for (const { item: y, i: j } of matches) {
      matchedB.add(j);
      const pairedItem = [
        { item: i, input: 0 },
        { item: j, input: 1 },
      ];
      const left = without(x.json, skip);
      const right = without(y.json, skip);
      const isSame = fuzzy
        ? Object.keys(left).every((key) => equal(left[key], right[key]))
        : isDeepStrictEqual(left, right);
      if (isSame) {
        same ??= { json: clone(fuzzy && resolve === 'preferInput2' ? y.json : x.json), pairedItem };
        continue;
      }
      const json =
        resolve === 'preferInput1'
          ? clone(x.json)
          : resolve === 'preferInput2'
            ? clone(y.json)
            : resolve === 'mix'
              ? mixed(
                  x,
                  y,
                  ctx.param<string>('preferWhenMix', 0, 'input1'),
                  fieldList(ctx.param('exceptWhenMix', 0, '')),
                  dotted,
                )
              : bothSides(
                  x.json,
                  y.json,
                  pairs.map((p) => p.field1!),
                  skip,
                  equal,
                );
      out[2]!.push({ json: toDict(clone(json)), pairedItem });
    }
    if (same) out[1]!.push(same);
  }
  for (const { item: y, i: j } of b) {
    if (!matchedB.has(j)) out[3]!.push({ json: clone(y.json), pairedItem: { item: j, input: 1 } });
  }
  return out;
}

export const compareDatasetsNode = defineNode({
  name: 'compareDatasets',
  versions: [1, 2, 2.1, 2.2, 2.3],
  outputs: () => 4,
  async execute(ctx) {
    return compare(ctx);
  },
});
