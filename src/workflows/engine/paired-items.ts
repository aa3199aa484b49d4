import type { Item, PairedItem } from '../expressions/expression.types.ts';
import type { SourceRef, TaskData } from './engine.types.ts';

/** The first paired item of an item: n8n writes a number, an object or a list. */
export function firstPair(item: Item | undefined, fallback: number): PairedItem | undefined {
  const p = item?.pairedItem;
  if (p === undefined) return { item: fallback };
  if (typeof p === 'number') return { item: p };
  if (Array.isArray(p)) return p[0];
  return p;
}

/**
 * Follows item pairing back from `(node, input item)` until it reaches `target`, as n8n's
 * `$('Target').item` does: an input item is its parent's output item, whose `pairedItem`
 * names the parent's input item, and so on. Returns `undefined` when the chain breaks.
 */
export function resolvePairedItem(
  runData: Record<string, TaskData[]>,
  target: string,
  start: { source: (SourceRef | null)[]; itemIndex: number; input?: number },
): Item | undefined {
  let source = start.source;
  let index = start.itemIndex;
  let input = start.input ?? 0;
  for (let hops = 0; hops < 10_000; hops++) {
    const from = source[input];
    if (!from) return undefined;
    const task = runData[from.previousNode]?.[from.previousNodeRun];
    if (!task) return undefined;
    const outputItems = task.data.main[from.previousNodeOutput] ?? [];
    const item = outputItems[index];
    if (from.previousNode === target) return item;
    if (!item) return undefined;
    // Without pairing information, n8n assumes the same index (or the only input item).
    const single = task.inputData[0]?.length === 1 ? 0 : index;
    const pair = firstPair(item, single);
    if (!pair) return undefined;
    source = task.source;
    index = pair.item;
    input = pair.input ?? 0;
  }
  return undefined;
}
