import type { ReportDetail } from './reports.types.ts';

/**
 * A statement's summary (`detail=summary`, see ReportDetail): the same figures without what only
 * a consumer of the underlying accounts needs. Made once per kept statement (the same summary
 * object while the statement is unchanged, so the route sends the JSON it serialized before).
 */

/** The keys a summary leaves out at any depth. */
const DETAIL_KEYS = new Set(['accountIds', 'eliminations']);
/** The header keys a summary leaves out. */
const HEADER_KEYS = new Set(['entities', 'rates']);

/** A statement as its summary gives it. */
export type Summary<T> = {
  [
    K in keyof T as K extends 'entities' | 'rates' | 'accountIds' | 'eliminations' ? never : K
  ]: Detailless<T[K]>;
};

type Detailless<T> = T extends bigint | string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer U)[]
    ? Detailless<U>[]
    : { [K in keyof T as K extends 'accountIds' | 'eliminations' ? never : K]: Detailless<T[K]> };

const summaries = new WeakMap<object, object>();

/** The statement itself (`full`, the default) or its summary. */
export function withDetail<T extends object>(
  statement: T,
  detail: ReportDetail | undefined,
): T | Summary<T> {
  if (detail !== 'summary') return statement;
  let summary = summaries.get(statement);
  if (summary === undefined) {
    summary = strip(statement, HEADER_KEYS) as object;
    summaries.set(statement, summary);
  }
  return summary as Summary<T>;
}

function strip(value: unknown, leave: ReadonlySet<string> = DETAIL_KEYS): unknown {
  if (Array.isArray(value)) return value.map((item) => strip(item));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !leave.has(key) && !DETAIL_KEYS.has(key))
      .map(([key, item]) => [key, strip(item)]),
  );
}
