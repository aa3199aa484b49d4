import { describe, expect, it } from 'vitest';
import { isUuidV7, newId } from './ids.ts';

describe('newId', () => {
  it('makes UUIDv7 ids that sort in creation order', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    expect(ids.every(isUuidV7)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
