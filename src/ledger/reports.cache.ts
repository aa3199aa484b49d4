import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../kernel/index.ts';

/**
 * Statements kept per organisation and query while the ledger data they are computed from has
 * not changed. Whether it changed is read from the database at every request, in one query of
 * aggregates that any change a statement can see moves (see `ledgerFingerprint`), so an answer
 * is never stale, whichever process wrote, and a consolidated statement over a million postings
 * is computed once per change instead of once per request. Least recently used answers go first
 * beyond `maxEntries`; a failed computation is not kept, and concurrent requests for the same
 * statement share one computation.
 */
export function createReportCache(db: DbOrTx, maxEntries = 24) {
  const entries = new Map<string, { fingerprint: string; value: Promise<unknown> }>();
  return {
    async cached<T>(orgId: string, key: string, compute: () => Promise<T>): Promise<T> {
      const fingerprint = await ledgerFingerprint(db, orgId);
      const id = `${orgId}|${key}`;
      const hit = entries.get(id);
      entries.delete(id);
      if (hit && hit.fingerprint === fingerprint) {
        entries.set(id, hit);
        return hit.value as Promise<T>;
      }
      // Computed after the fingerprint was read, so from the data it names or newer: a newer
      // answer only costs one computation more, when the next request reads another fingerprint.
      const value = compute();
      entries.set(id, { fingerprint, value });
      value.catch(() => {
        if (entries.get(id)?.value === value) entries.delete(id);
      });
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
      return value;
    },
  };
}

export type ReportCache = ReturnType<typeof createReportCache>;

/**
 * A text that changes whenever anything a statement of the organisation reads changes: a posted
 * posting (posted amounts are positive, so each one raises its account's posted totals), a new
 * or closed account, a new entity, a period close, a recorded rate. Entities and accounts are
 * otherwise never updated, postings and rates never are.
 */
export async function ledgerFingerprint(db: DbOrTx, orgId: string): Promise<string> {
  const result = await db.execute(sql`
    select concat_ws('/',
      (select concat_ws(':', count(*), sum(debits_posted), sum(credits_posted), count(closed_at),
        max(closed_through)) from ledger_accounts where org_id = ${orgId}),
      (select concat_ws(':', count(*), max(closed_through)) from ledger_entities
        where org_id = ${orgId}),
      (select concat_ws(':', count(*), max(created_at)) from ledger_period_closes
        where org_id = ${orgId}),
      (select concat_ws(':', count(*), max(created_at)) from ledger_fx_rates
        where org_id = ${orgId})) as fingerprint`);
  const [row] = (result as { rows: { fingerprint: string }[] }).rows;
  return row?.fingerprint ?? '';
}
