import { describe, expect, it } from 'vitest';
import { pickByRef } from './refs.ts';

const all = [
  { id: '019a0001-aaaa-7000-8000-00000000beef', name: 'Order sync' },
  { id: '019a0001-bbbb-7000-8000-00000000cafe', name: 'Twin' },
  { id: '019a0002-cccc-7000-8000-000000001234', name: 'Twin' },
];

describe('pickByRef', () => {
  it('finds one by id, name (any case), or the start or end of its id', () => {
    expect(pickByRef('workflow', all[0]!.id, all)).toBe(all[0]);
    expect(pickByRef('workflow', 'order SYNC', all)).toBe(all[0]);
    expect(pickByRef('workflow', '019a0002', all)).toBe(all[2]);
    expect(pickByRef('workflow', 'cafe', all)).toBe(all[1]);
  });

  it('refuses several matches, listing them, and none, saying how to name one', () => {
    expect(() => pickByRef('workflow', 'Twin', all)).toThrow(
      `"Twin" names 2 workflows: ${all[1]!.id} (Twin), ${all[2]!.id} (Twin); give more of the id`,
    );
    expect(() => pickByRef('workflow', '019a0001', all)).toThrow(/names 2 workflows/);
    expect(() => pickByRef('workflow', 'nothing', all)).toThrow(
      'No workflow "nothing": give its id, the start or end of its id (4 characters or more) or its name',
    );
    // 3 characters are too few to be part of an id
    expect(() => pickByRef('workflow', 'eef', all)).toThrow(/No workflow "eef"/);
  });
});
