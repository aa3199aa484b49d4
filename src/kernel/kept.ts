/**
 * States a process keeps between requests and brings up to date at each one (the ledger's kept
 * statements, the portfolio's ventures): one per key, the `maxEntries` most recently used, each
 * dropped once unused for `idleMs`. Requests for one key take turns: each is given the state the
 * one before left (undefined when there is none or it failed), so a long first computation is
 * shared, not repeated. A failed request keeps nothing.
 */
export function createKeptStates<S>(options: {
  maxEntries: number;
  /** Unused this long, a state is dropped at the next request for any key. */
  idleMs: number;
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
}) {
  const { maxEntries, idleMs, now = Date.now } = options;
  /** In order of last use, oldest first. */
  const entries = new Map<string, { state: Promise<S>; usedAt: number }>();

  const sweep = (at: number) => {
    for (const [key, entry] of entries) {
      if (entries.size > maxEntries || at - entry.usedAt > idleMs) entries.delete(key);
      else break;
    }
  };

  return {
    /** The state of `key` after `advance` brought the one before up to date. */
    next(key: string, advance: (before: S | undefined) => Promise<S>): Promise<S> {
      const previous = entries.get(key)?.state;
      const state = (async () =>
        advance(previous ? await previous.catch(() => undefined) : undefined))();
      const at = now();
      entries.delete(key);
      entries.set(key, { state, usedAt: at });
      state.catch(() => {
        if (entries.get(key)?.state === state) entries.delete(key);
      });
      sweep(at);
      return state;
    },

    /** How many states are kept. */
    get size(): number {
      return entries.size;
    },
  };
}

export type KeptStates<S> = ReturnType<typeof createKeptStates<S>>;
