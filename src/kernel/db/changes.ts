import { customType } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';

/**
 * A transaction id (`xid8`, 64 bits, never wraps), read as text: which transaction last wrote a
 * row (`pg_current_xact_id()`), compared with a snapshot (`pg_current_snapshot()`) to find what
 * changed since it (`changedSince`).
 */
export const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * Rows whose `column` (an `xid8` set to the writing transaction on every write) was written by a
 * transaction the snapshot `since` (text of `pg_current_snapshot()`) did not see: committed after
 * it was taken. A transaction still running is not visible to the caller's snapshot either, and is
 * found next time. With an index on `(org_id, column)` only the rows written since the oldest
 * transaction `since` did not see are read.
 */
export function changedSince(column: SQL, since: string): SQL {
  return sql`${column} >= pg_snapshot_xmin(${since}::pg_snapshot)
    and not pg_visible_in_snapshot(${column}, ${since}::pg_snapshot)`;
}
