import type { Clock } from '../kernel/index.ts';

/**
 * Recently authenticated credentials, so a busy client does not cost a database round trip per
 * request. Entries live at most `ttlMs` (and never past the credential's own expiry); every
 * access change (sign-out, revocation, role, status or MFA change) clears the cache at once in
 * this process and, through the event bus, in every other process sharing the database.
 *
 * A lookup that started before a clear must not put its (possibly stale) answer back after it:
 * take `generation()` before the lookup and pass it to `set`, which drops the entry when a clear
 * happened in between.
 */
export function createPrincipalCache<T>(options: {
  clock: Clock;
  ttlMs: number;
  maxEntries: number;
}) {
  const entries = new Map<string, { value: T; until: number }>();
  let generation = 0;
  return {
    get(key: string): T | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until <= options.clock.now().getTime()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    /** The current generation, to pass to `set` after a lookup. */
    generation(): number {
      return generation;
    },
    set(key: string, value: T, expiresAt: Date | null, since: number): void {
      if (since !== generation) return;
      if (entries.size >= options.maxEntries) entries.clear();
      const now = options.clock.now().getTime();
      const until = Math.min(now + options.ttlMs, expiresAt ? expiresAt.getTime() : Infinity);
      entries.set(key, { value, until });
    },
    clear(): void {
      generation++;
      entries.clear();
    },
  };
}
