import { sql, type Column, type SQL } from 'drizzle-orm';

/**
 * Lists of ids as one parameter: a `uuid[]` literal instead of one parameter per id, so a list
 * of thousands stays one bound value (the protocol allows 65,535 parameters) and the planner
 * sees one array it can search an index with.
 */

/** A uuid[] literal; the ids are validated UUIDs, so they need no quoting. */
export function uuidArray(ids: Iterable<string>): string {
  return `{${[...ids].join(',')}}`;
}

/** `column = any(ids)`. */
export function anyOf(column: Column | SQL, ids: Iterable<string>): SQL {
  return sql`${column} = any(${uuidArray(ids)}::uuid[])`;
}
