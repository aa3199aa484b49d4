/**
 * Maps keyed by strings that come from data (node names, JSON keys, header and parameter
 * names) are objects without a prototype: a key such as `__proto__`, `constructor` or
 * `toString` is then an ordinary key, never a path to `Object.prototype`. `Map` is the other
 * choice; these are for maps that must stay plain JSON (execution state, items). Lint refuses
 * `Record<string, T> = {}` and `map[key] ??= ...` in the code that handles such data.
 */

/** An empty map with no prototype. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * A map with no prototype holding `source`'s own enumerable entries (as JSON parsing or a
 * structured clone produced them: an own `__proto__` key stays an ordinary key).
 */
export function toDict<T>(source: Record<string, T> | null | undefined): Record<string, T> {
  const out = dict<T>();
  if (source) for (const key of Object.keys(source)) out[key] = source[key]!;
  return out;
}
