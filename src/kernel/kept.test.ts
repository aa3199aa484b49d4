import { describe, expect, it } from 'vitest';
import { createKeptStates } from './kept.ts';

describe('createKeptStates', () => {
  it('gives each request the state the one before left, in turn', async () => {
    const states = createKeptStates<number[]>({ maxEntries: 4, idleMs: 60_000 });
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const seen: (number[] | undefined)[] = [];
    const first = states.next('a', async (before) => {
      seen.push(before);
      await slow;
      return [1];
    });
    // Asked while the first is still computing: waits for it and starts from its state.
    const second = states.next('a', async (before) => {
      seen.push(before);
      return [...before!, 2];
    });
    release();
    expect(await first).toEqual([1]);
    expect(await second).toEqual([1, 2]);
    expect(seen).toEqual([undefined, [1]]);
  });

  it('keeps nothing of a failed request: the next starts afresh', async () => {
    const states = createKeptStates<string>({ maxEntries: 4, idleMs: 60_000 });
    await states.next('a', async () => 'kept');
    await expect(
      states.next('a', async () => {
        throw new Error('read failed');
      }),
    ).rejects.toThrow('read failed');
    expect(states.size).toBe(0);
    expect(await states.next('a', async (before) => `after ${String(before)}`)).toBe(
      'after undefined',
    );
  });

  it('drops the least recently used beyond maxEntries, and any unused for idleMs', async () => {
    let now = 0;
    const states = createKeptStates<string>({ maxEntries: 2, idleMs: 1_000, now: () => now });
    const last = new Map<string, string | undefined>();
    const ask = (key: string) =>
      states.next(key, async (before) => {
        last.set(key, before);
        return key;
      });
    await ask('a');
    await ask('b');
    await ask('a'); // a is now the most recently used
    await ask('c'); // b goes
    expect(states.size).toBe(2);
    await ask('b');
    expect(last.get('b')).toBeUndefined();
    await ask('a');
    expect(last.get('a')).toBeUndefined(); // dropped when b came back, as the least recent
    now = 900;
    await ask('c');
    expect(last.get('c')).toBeUndefined(); // dropped when a came back, as the least recent
    now = 2_500; // b and a unused for over a second
    await ask('c');
    expect(last.get('c')).toBe('c');
    expect(states.size).toBe(1);
  });
});
