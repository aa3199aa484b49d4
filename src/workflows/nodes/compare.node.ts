import type { Item } from '../engine/engine.types.ts';
import { clone, defineNode, fieldList, getField, text } from './define.ts';
import { dict } from '../../kernel/dict.ts';

/**
 * Compare Datasets: matches input A and input B items by fields and routes them to four
 * outputs: 0 "In A only", 1 "Same", 2 "Different", 3 "In B only". For different items,
 * `resolve` picks A's item, B's item, or both (`{keys, same, different: {f: {inputA, inputB}}}`).
 */
export const compareDatasetsNode = defineNode({
  name: 'compareDatasets',
  versions: [1, 2, 2.1, 2.2, 2.3],
  outputs: () => 4,
  async execute(ctx) {
    const a = ctx.input(0);
    const b = ctx.input(1);
    const pairs = ctx
      .param<{ field1: string; field2: string }[]>('mergeByFields.values', 0, [])
      .map((p) => [p.field1, p.field2] as const);
    // n8n's default changed with version 2.1: both versions of a differing item, not input B's.
    const resolve = ctx.param<string>(
      'resolve',
      0,
      ctx.node.typeVersion >= 2.1 ? 'includeBoth' : 'preferInput2',
    );
    const skip = new Set(fieldList(ctx.param('options.skipFields', 0, '')));
    const key = (item: Item, side: 0 | 1): string =>
      JSON.stringify(pairs.map((p) => getField(item.json, p[side])));
    const bByKey = new Map<string, number[]>();
    b.forEach((item, j) => bByKey.set(key(item, 1), [...(bByKey.get(key(item, 1)) ?? []), j]));
    const used = new Set<number>();
    const out: Item[][] = [[], [], [], []];
    a.forEach((x, i) => {
      const j = (bByKey.get(key(x, 0)) ?? []).find((n) => !used.has(n));
      if (j === undefined) {
        out[0]!.push({ json: clone(x.json), pairedItem: { item: i, input: 0 } });
        return;
      }
      used.add(j);
      const y = b[j]!;
      const fields = new Set(
        [...Object.keys(x.json), ...Object.keys(y.json)].filter((f) => !skip.has(f)),
      );
      const different = dict<{ inputA: unknown; inputB: unknown }>();
      const same = dict<unknown>();
      for (const f of fields) {
        if (text(x.json[f]) === text(y.json[f])) same[f] = x.json[f];
        else different[f] = { inputA: x.json[f], inputB: y.json[f] };
      }
      const pairedItem = [
        { item: i, input: 0 },
        { item: j, input: 1 },
      ];
      if (Object.keys(different).length === 0) {
        out[1]!.push({ json: clone(x.json), pairedItem });
        return;
      }
      const keys = Object.fromEntries(pairs.map((p) => [p[0], getField(x.json, p[0])]));
      const json =
        resolve === 'preferInput1'
          ? clone(x.json)
          : resolve === 'includeBoth'
            ? { keys, same, different }
            : clone(y.json);
      out[2]!.push({ json: clone(json), pairedItem });
    });
    b.forEach((y, j) => {
      if (!used.has(j)) out[3]!.push({ json: clone(y.json), pairedItem: { item: j, input: 1 } });
    });
    return out;
  },
});
