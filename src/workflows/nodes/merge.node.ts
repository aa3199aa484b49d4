import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { clone, defineNode, text, fieldList, getField } from './define.ts';

/**
 * Merge, per typeVersion:
 * - v1: append, mergeByIndex (join inner/left/outer), mergeByKey, keepKeyMatches,
 *   removeKeyMatches, multiplex, passThrough, wait;
 * - v2/v2.1: append, combine (mergeByFields, mergeByPosition, multiplex), chooseBranch;
 * - v3/v3.1: append (any number of inputs), combine (combineByFields, combineByPosition,
 *   combineAll), chooseBranch.
 */

const tag = (items: Item[], input: number): Item[] =>
  items.map((item, i) => ({ ...item, pairedItem: { item: i, input } }));

function merged(
  a: Item,
  b: Item | undefined,
  ai: number,
  bi: number | undefined,
  prefer: 'a' | 'b' = 'b',
): Item {
  const json = prefer === 'b' ? { ...a.json, ...b?.json } : { ...b?.json, ...a.json };
  const pairs = [{ item: ai, input: 0 }, ...(bi === undefined ? [] : [{ item: bi, input: 1 }])];
  return {
    json: clone(json),
    ...(a.binary || b?.binary ? { binary: { ...a.binary, ...b?.binary } } : {}),
    pairedItem: pairs,
  };
}

const keyOf = (v: unknown): string => text(v);

/** How version 2 and later combine two items' fields (`options.clashHandling.values`). */
interface Clash {
  resolveClash: 'preferInput1' | 'preferInput2' | 'addSuffix';
  mergeMode: 'deepMerge' | 'shallowMerge';
  overrideEmpty: boolean;
}

function clashOf(ctx: NodeContext): Clash {
  const v = ctx.param<Partial<Clash>>('options.clashHandling.values', 0, {});
  return {
    resolveClash: v.resolveClash ?? 'preferInput2',
    mergeMode: v.mergeMode ?? 'deepMerge',
    overrideEmpty: v.overrideEmpty ?? false,
  };
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `source` merged into `target` as lodash's `merge` does (n8n's deep merge): objects field by
 * field, arrays index by index, an undefined source value never replaces one. With
 * `keepOnEmpty`, a null or empty source value does not replace one either.
 */
function deepInto(target: unknown, source: unknown, keepOnEmpty: boolean): unknown {
  if (isPlain(source)) {
    const out: Record<string, unknown> = isPlain(target) ? { ...target } : {};
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined && key in out) continue;
      if (keepOnEmpty && (value === null || value === '') && key in out) continue;
      out[key] = deepInto(out[key], value, keepOnEmpty);
    }
    return out;
  }
  if (Array.isArray(source)) {
    const out: unknown[] = Array.isArray(target) ? [...(target as unknown[])] : [];
    source.forEach((value, i) => {
      if (value !== undefined) out[i] = deepInto(out[i], value, keepOnEmpty);
    });
    return out;
  }
  return source;
}

/** Two items' JSON as one, the second's fields over the first's (see `Clash`). */
function combineJson(
  first: Record<string, unknown>,
  second: Record<string, unknown>,
  clash: Clash,
) {
  if (clash.mergeMode === 'shallowMerge') {
    const out = { ...first };
    for (const [key, value] of Object.entries(second)) {
      if (
        clash.overrideEmpty &&
        (value === undefined || value === null || value === '') &&
        key in out
      )
        continue;
      out[key] = value;
    }
    return clone(out);
  }
  return clone(deepInto(first, second, clash.overrideEmpty) as Record<string, unknown>);
}

const suffixed = (items: Item[], suffix: string): Item[] =>
  items.map((item) => ({
    ...item,
    json: Object.fromEntries(Object.entries(item.json).map(([k, v]) => [`${k}_${suffix}`, v])),
  }));

/**
 * Version 2 and later, combining by position or every pair: inputs tagged with where each item
 * came from, swapped when input 1 is to win a clash, their keys suffixed for `addSuffix`.
 */
function clashInputs(a: Item[], b: Item[], clash: Clash): [Item[], Item[]] {
  let first = tag(a, 0);
  let second = tag(b, 1);
  if (clash.resolveClash === 'preferInput1') [first, second] = [second, first];
  if (clash.resolveClash === 'addSuffix') {
    first = suffixed(first, '1');
    second = suffixed(second, '2');
  }
  return [first, second];
}

function pairOf(x: Item, y: Item, clash: Clash): Item {
  return {
    json: combineJson(x.json, y.json, clash),
    ...(x.binary || y.binary ? { binary: { ...x.binary, ...y.binary } } : {}),
    pairedItem: [x.pairedItem, y.pairedItem].flat() as Item['pairedItem'],
  };
}

/** Combine by position (version 2 and later). An empty input gives the other's items. */
function byPositionV2(a: Item[], b: Item[], includeUnpaired: boolean, clash: Clash): Item[] {
  if (a.length === 0 || b.length === 0) return [...tag(a, 0), ...tag(b, 1)];
  const [first, second] = clashInputs(a, b, clash);
  const n = includeUnpaired
    ? Math.max(first.length, second.length)
    : Math.min(first.length, second.length);
  const out: Item[] = [];
  for (let i = 0; i < n; i++) {
    const x = first[i];
    const y = second[i];
    if (x && y) out.push(pairOf(x, y, clash));
    else if (x ?? y) out.push(clone((x ?? y)!));
  }
  return out;
}

/** Every pair of items (version 2's multiplex, version 3's combine all). */
function everyPair(a: Item[], b: Item[], clash: Clash): Item[] {
  const [first, second] = clashInputs(a, b, clash);
  return first.flatMap((x) => second.map((y) => pairOf(x, y, clash)));
}

function byPosition(
  a: Item[],
  b: Item[],
  join: 'inner' | 'left' | 'outer',
  prefer: 'a' | 'b' = 'b',
): Item[] {
  const n =
    join === 'inner'
      ? Math.min(a.length, b.length)
      : join === 'left'
        ? a.length
        : Math.max(a.length, b.length);
  const out: Item[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x) out.push(merged(x, y, i, y ? i : undefined, prefer));
    else if (y) out.push({ ...clone(y), pairedItem: { item: i, input: 1 } });
  }
  return out;
}

function multiplex(a: Item[], b: Item[]): Item[] {
  const out: Item[] = [];
  a.forEach((x, i) => b.forEach((y, j) => out.push(merged(x, y, i, j))));
  return out;
}

type JoinMode =
  'keepMatches' | 'keepNonMatches' | 'keepEverything' | 'enrichInput1' | 'enrichInput2';

function byFields(
  a: Item[],
  b: Item[],
  pairs: [string, string][],
  join: JoinMode,
  outputFrom: 'both' | 'input1' | 'input2',
): Item[] {
  const key = (item: Item, side: 0 | 1): string =>
    pairs.map((p) => keyOf(getField(item.json, p[side]))).join('\u0000');
  const index = new Map<string, number[]>();
  b.forEach((item, j) => {
    const k = key(item, 1);
    index.set(k, [...(index.get(k) ?? []), j]);
  });
  const matchedB = new Set<number>();
  const out: Item[] = [];
  const unmatchedA: Item[] = [];
  a.forEach((x, i) => {
    const matches = index.get(key(x, 0)) ?? [];
    if (matches.length === 0) {
      unmatchedA.push({ ...clone(x), pairedItem: { item: i, input: 0 } });
      if (join === 'keepEverything' || join === 'enrichInput1')
        out.push({ ...clone(x), pairedItem: { item: i, input: 0 } });
      return;
    }
    for (const j of matches) {
      matchedB.add(j);
      const y = b[j]!;
      if (join === 'keepNonMatches') continue;
      if (join === 'keepMatches' && outputFrom === 'input1')
        out.push({ ...clone(x), pairedItem: { item: i, input: 0 } });
      else if (join === 'keepMatches' && outputFrom === 'input2')
        out.push({ ...clone(y), pairedItem: { item: j, input: 1 } });
      else if (join === 'enrichInput2') continue;
      else out.push(merged(x, y, i, j));
    }
  });
  const unmatchedB = b.flatMap((y, j) =>
    matchedB.has(j) ? [] : [{ ...clone(y), pairedItem: { item: j, input: 1 } }],
  );
  if (join === 'keepNonMatches') {
    if (outputFrom === 'input1') return unmatchedA;
    if (outputFrom === 'input2') return unmatchedB;
    return [...unmatchedA, ...unmatchedB];
  }
  if (join === 'keepEverything') return [...out, ...unmatchedB];
  if (join === 'enrichInput2') {
    const aIndex = new Map<string, number>();
    a.forEach((x, i) => aIndex.set(key(x, 0), i));
    return b.map((y, j) => {
      const i = aIndex.get(key(y, 1));
      return i === undefined
        ? { ...clone(y), pairedItem: { item: j, input: 1 } }
        : merged(y, a[i], j, i);
    });
  }
  return out;
}

function fieldPairs(ctx: NodeContext): [string, string][] {
  const v = ctx.node.typeVersion;
  if (v >= 3) {
    if (ctx.param('advanced', 0, false)) {
      return ctx
        .param<{ field1: string; field2: string }[]>('mergeByFields.values', 0, [])
        .map((p) => [p.field1, p.field2]);
    }
    return fieldList(ctx.param('fieldsToMatchString', 0, '')).map((f) => [f, f]);
  }
  return ctx
    .param<{ field1: string; field2: string }[]>('mergeByFields.values', 0, [])
    .map((p) => [p.field1, p.field2]);
}

function mergeMode(node: { typeVersion: number; parameters: Record<string, unknown> }): string {
  return text(node.parameters.mode, 'append');
}

export const mergeNode = defineNode({
  name: 'merge',
  versions: [1, 2, 2.1, 3, 3.1, 3.2],
  requiresAllInputs: (node) =>
    mergeMode(node) === 'chooseBranch' || (node.typeVersion < 2 && mergeMode(node) === 'wait'),
  async execute(ctx) {
    const a = ctx.input(0);
    const b = ctx.input(1);
    const v = ctx.node.typeVersion;
    const mode = mergeMode(ctx.node);
    if (mode === 'append') {
      const all: Item[] = [];
      for (let i = 0; i < ctx.inputCount; i++) all.push(...tag(ctx.input(i), i));
      return [all];
    }
    if (v < 2) {
      switch (mode) {
        case 'mergeByIndex':
          return [byPosition(a, b, ctx.param('join', 0, 'left'))];
        case 'mergeByKey': {
          const k1 = ctx.param<string>('propertyName1', 0, '');
          const k2 = ctx.param<string>('propertyName2', 0, '');
          const overwrite = ctx.param<string>('overwrite', 0, 'always');
          const index = new Map<string, number>();
          b.forEach((y, j) => index.set(keyOf(getField(y.json, k2)), j));
          return [
            a.map((x, i) => {
              const j = index.get(keyOf(getField(x.json, k1)));
              if (j === undefined) return { ...clone(x), pairedItem: { item: i, input: 0 } };
              if (overwrite === 'undefined') return merged(x, b[j], i, j, 'a');
              return merged(x, b[j], i, j);
            }),
          ];
        }
        case 'keepKeyMatches':
        case 'removeKeyMatches': {
          const k1 = ctx.param<string>('propertyName1', 0, '');
          const k2 = ctx.param<string>('propertyName2', 0, '');
          const keys = new Set(b.map((y) => keyOf(getField(y.json, k2))));
          const keep = mode === 'keepKeyMatches';
          return [tag(a, 0).filter((x) => keys.has(keyOf(getField(x.json, k1))) === keep)];
        }
        case 'multiplex':
          return [multiplex(a, b)];
        case 'passThrough':
        case 'wait':
          return [ctx.param('output', 0, 'input1') === 'input2' ? tag(b, 1) : tag(a, 0)];
        default:
          throw new NodeError(`Merge mode "${mode}" is not supported`);
      }
    }
    if (mode === 'chooseBranch') {
      // Version 3 outputs the input `useDataOfInput` names, or with `output` "empty" one empty item.
      const which =
        v >= 3
          ? ctx.param('output', 0, 'specifiedInput') === 'empty'
            ? 'empty'
            : String(ctx.param('useDataOfInput', 0, 1))
          : ctx.param<string>('output', 0, 'input1');
      if (which === 'empty') return [[{ json: {} }]];
      return [which === '2' || which === 'input2' ? tag(b, 1) : tag(a, 0)];
    }
    if (
      mode === 'combine' ||
      mode === 'combineByFields' ||
      mode === 'combineByPosition' ||
      mode === 'combineAll'
    ) {
      const by =
        mode !== 'combine'
          ? mode
          : v >= 3
            ? ctx.param<string>('combineBy', 0, 'combineByFields')
            : ctx.param<string>('combinationMode', 0, 'mergeByFields');
      const clash = clashOf(ctx);
      switch (by) {
        case 'mergeByFields':
        case 'combineByFields':
          return [
            byFields(
              a,
              b,
              fieldPairs(ctx),
              ctx.param<JoinMode>('joinMode', 0, 'keepMatches'),
              ctx.param('outputDataFrom', 0, 'both'),
            ),
          ];
        case 'mergeByPosition':
        case 'combineByPosition':
          return [byPositionV2(a, b, ctx.param('options.includeUnpaired', 0, false), clash)];
        case 'multiplex':
        case 'combineAll':
          return [everyPair(a, b, clash)];
        default:
          throw new NodeError(`Merge combination "${by}" is not supported`);
      }
    }
    throw new NodeError(`Merge mode "${mode}" is not supported`);
  },
});
