import type { Clock } from '../kernel/index.ts';

/**
 * Recently authenticated credentials, so a busy client does not cost a database round trip per
 * request. Entries live at most `ttlMs` (and never past the credential's own expiry); every
 * access change (sign-out, revocation, role or MFA change) clears the cache at once in this
 * process and, through the event bus, in every other process sharing the database.
 */
export function createPrincipalCache<T>(options: {
  clock: Clock;
  ttlMs: number;
  maxEntries: number;
}) {
  const entries = new Map<string, { value: T; until: number }>();
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
    set(key: string, value: T, expiresAt: Date | null): void {
      if (entries.size >= options.maxEntries) entries.clear();
      const now = options.clock.now().getTime();
      const until = Math.min(now + options.ttlMs, expiresAt ? expiresAt.getTime() : Infinity);
      entries.set(key, { value, until });
    },
    clear(): void {
      entries.clear();
    },
  };
}
