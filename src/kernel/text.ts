/**
 * Text that PostgreSQL cannot store, found and fixed in one place.
 *
 * PostgreSQL refuses U+0000 (NUL) in `text` and `jsonb`, and a UTF-16 surrogate without its pair
 * (`"\ud800"`, which JavaScript strings and JSON escapes allow) is not a character at all: in
 * `jsonb` it fails the write, in `text` the driver silently turns it into U+FFFD. Input from the
 * network is checked with `findUnstorableText` (the HTTP edge refuses it with a 400 naming the
 * problem); data that must be kept whatever it holds (a webhook's request) is made storable with
 * `storableJson` first.
 */

/** The character a NUL or a lone surrogate becomes in `storableText` / `storableJson`. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

export type UnstorableKind = 'too_deep' | 'nul' | 'lone_surrogate';

export interface UnstorableText {
  kind: UnstorableKind;
  /** Where in the value: keys and indexes from the root, e.g. `['items', 3, 'name']`. */
  path: (string | number)[];
}

/** Whether `text` holds a NUL or a lone surrogate. Cheap on clean text (two native scans). */
export function isStorableText(text: string): boolean {
  return !text.includes('\0') && text.isWellFormed();
}

/** `text` with every NUL and every lone surrogate replaced by U+FFFD; clean text is returned as is. */
export function storableText(text: string): string {
  if (isStorableText(text)) return text;
  return text.replaceAll('\0', REPLACEMENT_CHARACTER).toWellFormed();
}

/**
 * The first problem in a JSON-like value (parsed JSON, a form, a query string): nesting deeper
 * than `maxDepth` containers, or a string or key holding a NUL or a lone surrogate. Walks the
 * value without recursion, so a body nested 100,000 levels deep costs a loop, not the stack.
 * @returns undefined when the value can be stored as it is.
 * @example findUnstorableText({ a: ['x\u0000'] }, 64) // { kind: 'nul', path: ['a', 0] }
 */
export function findUnstorableText(value: unknown, maxDepth: number): UnstorableText | undefined {
  // Each entry links to its parent, so a path is built only for the problem found.
  interface Entry {
    value: unknown;
    depth: number;
    key: string | number;
    parent: Entry | undefined;
  }
  const pathOf = (entry: Entry, last?: string): (string | number)[] => {
    const path: (string | number)[] = last === undefined ? [] : [last];
    for (let at: Entry | undefined = entry; at?.parent; at = at.parent) path.unshift(at.key);
    return path;
  };
  const stack: Entry[] = [{ value, depth: 0, key: '', parent: undefined }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const found = problemOf(entry.value);
    if (found) return { kind: found, path: pathOf(entry) };
    if (!isContainer(entry.value)) continue;
    const depth = entry.depth + 1;
    if (depth > maxDepth) return { kind: 'too_deep', path: pathOf(entry) };
    if (Array.isArray(entry.value)) {
      for (let i = entry.value.length - 1; i >= 0; i--) {
        stack.push({ value: entry.value[i], depth, key: i, parent: entry });
      }
      continue;
    }
    const entries: [string, unknown][] = Object.entries(entry.value);
    for (const [key] of entries) {
      const keyProblem = problemOf(key);
      if (keyProblem) return { kind: keyProblem, path: pathOf(entry, key) };
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      stack.push({ value: child, depth, key, parent: entry });
    }
  }
  return undefined;
}

/**
 * A copy of a JSON-like value that PostgreSQL can store: in every string and key, NUL and lone
 * surrogates become U+FFFD. Values that need no change are returned as they are (no copy), so
 * calling it on clean data costs one walk. Arrays and plain objects are copied where needed;
 * other values (numbers, booleans, null, dates, buffers) are kept. Walks without recursion.
 *
 * For data that must be recorded whatever it holds, such as a webhook's request:
 * `triggerItems: [storableJson(item)]`.
 */
export function storableJson<T>(value: T): T {
  if (findUnstorableText(value, Number.POSITIVE_INFINITY) === undefined) return value;
  return copyStorable(value) as T;
}

function copyStorable(root: unknown): unknown {
  const fix = (value: unknown): unknown =>
    typeof value === 'string' ? storableText(value) : value;
  if (!isContainer(root)) return fix(root);
  const rootCopy: unknown = Array.isArray(root) ? [] : {};
  const stack: { from: object; to: unknown }[] = [{ from: root, to: rootCopy }];
  while (stack.length > 0) {
    const { from, to } = stack.pop()!;
    const entries: [string | number, unknown][] = Array.isArray(from)
      ? from.map((child, i) => [i, child])
      : Object.entries(from);
    for (const [key, child] of entries) {
      let copy = fix(child);
      if (isContainer(child)) {
        copy = Array.isArray(child) ? [] : {};
        stack.push({ from: child, to: copy });
      }
      if (Array.isArray(to)) to.push(copy);
      else (to as Record<string, unknown>)[storableText(String(key))] = copy;
    }
  }
  return rootCopy;
}

function problemOf(value: unknown): Exclude<UnstorableKind, 'too_deep'> | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.includes('\0')) return 'nul';
  if (!value.isWellFormed()) return 'lone_surrogate';
  return undefined;
}

/**
 * Arrays and plain objects: a JSON parse's, a form's, Fastify's query (whose prototype is an
 * empty object of its own). Dates, buffers, maps and the like are values, not walked.
 */
function isContainer(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.prototype.toString.call(value) === '[object Object]'
  );
}

/** A LIKE/ILIKE pattern that matches `text` anywhere in a value, its wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
