import type { ConformanceCase } from './case.ts';

const SOURCE = "n8n's Merge node, version 2 (nodes/Merge/v2)";
const combine = (combinationMode: string, options: Record<string, unknown> = {}) => ({
  mode: 'combine',
  combinationMode,
  options,
});

/** Merge 2: combining two inputs. */
export const mergeCases: ConformanceCase[] = [
  {
    title: 'by position, a clash resolved by suffixing every key of both inputs',
    node: 'merge',
    version: 2,
    parameters: combine('mergeByPosition', {
      clashHandling: { values: { resolveClash: 'addSuffix' } },
    }),
    input: [{ id: 1, name: 'a' }],
    input2: [{ id: 1, city: 'x' }],
    outputs: [[{ id_1: 1, name_1: 'a', id_2: 1, city_2: 'x' }]],
    source: SOURCE,
  },
  {
    title: 'by position, nested objects merged deeply, input 2 winning by default',
    node: 'merge',
    version: 2,
    parameters: combine('mergeByPosition'),
    input: [{ user: { name: 'a', tags: [1, 2, 3] }, keep: true }],
    input2: [{ user: { age: 3, tags: [9] } }],
    outputs: [[{ user: { name: 'a', age: 3, tags: [9, 2, 3] }, keep: true }]],
    source: SOURCE,
  },
  {
    title: 'by position with an empty input gives the other input’s items',
    node: 'merge',
    version: 2,
    parameters: combine('mergeByPosition'),
    input: [{ a: 1 }, { a: 2 }],
    input2: [],
    outputs: [[{ a: 1 }, { a: 2 }]],
    source: SOURCE,
  },
  {
    title: 'multiplex preferring input 1: every pair, input 1 winning, input 2 leading the order',
    node: 'merge',
    version: 2,
    parameters: combine('multiplex', {
      clashHandling: { values: { resolveClash: 'preferInput1' } },
    }),
    input: [{ k: 'a1' }, { k: 'a2' }],
    input2: [
      { k: 'b1', only: 1 },
      { k: 'b2', only: 2 },
    ],
    outputs: [
      [
        { k: 'a1', only: 1 },
        { k: 'a2', only: 1 },
        { k: 'a1', only: 2 },
        { k: 'a2', only: 2 },
      ],
    ],
    source: SOURCE,
  },
  {
    title: 'shallow merge replaces a nested object whole; empty values can be kept out',
    node: 'merge',
    version: 2,
    parameters: combine('mergeByPosition', {
      clashHandling: { values: { mergeMode: 'shallowMerge', overrideEmpty: true } },
    }),
    input: [{ user: { name: 'a' }, note: 'kept' }],
    input2: [{ user: { age: 3 }, note: '' }],
    outputs: [[{ user: { age: 3 }, note: 'kept' }]],
    source: SOURCE,
  },
];
