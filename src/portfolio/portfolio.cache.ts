import { sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../kernel/index.ts';
import type { Scope } from './portfolio.types.ts';

/** How long a roll-up, a history or the ventures' figures are reused when nothing said they changed. */
export const HISTORY_TTL_MS = 60_000;

/**
 * Answers kept per organisation and query (keys start with `<orgId>|`), dropped when the
 * organisation's KPIs or ventures change (`invalidate`: this process's writes, and the
 * portfolio's change events from every process), and after HISTORY_TTL_MS in any case. A
 * failed answer is not kept.
 */
export function createOrgCache(clock: Clock, ttlMs = HISTORY_TTL_MS) {
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  return {
    /** The cached answer for `key`, or `compute()`'s, kept while it holds. */
    cached: <T>(key: string, compute: () => Promise<T>): Promise<T> => {
      const now = clock.now().getTime();
      const hit = cache.get(key);
      if (hit && now - hit.at < ttlMs) return hit.value as Promise<T>;
      const value = compute();
      cache.set(key, { at: now, value });
      value.catch(() => {
        if (cache.get(key)?.value === value) cache.delete(key);
      });
      return value;
    },
    /** Forgets every answer of the organisation. */
    invalidate: (orgId: string): void => {
      for (const key of cache.keys()) if (key.startsWith(`${orgId}|`)) cache.delete(key);
    },
  };
}

export type OrgCache = ReturnType<typeof createOrgCache>;

/**
 * The `where` of `portfolio_ventures` for a scope: the organisation's ventures not archived, of
 * one category when given, and only those an API key is limited to.
 */
export function venturesWhere(scope: Scope, category?: string): SQL {
  return sql`
    org_id = ${scope.orgId} and archived_at is null
    ${category === undefined ? sql`` : sql`and category = ${category}`}
    ${
      scope.ventureIds === null
        ? sql``
        : scope.ventureIds.length === 0
          ? sql`and false`
          : sql`and id in (${sql.join(
              scope.ventureIds.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`
    }`;
}
