import type { DateTime } from 'luxon';
import { parseRegexLiteral, regexTest } from './conditions.regex.ts';
import { jsString } from './conditions.values.ts';

/**
 * The operations of each type of n8n's filter conditions, on values already read by the
 * filter's type validation (`conditions.ts`). Each answers `undefined` for an operation it does
 * not have, which the condition takes as false, as n8n does.
 */

/** n8n's `arrayContainsValue`: `includes`, or text equal whatever its case. */
function arrayContains(list: unknown[], value: unknown, ignoreCase: boolean): boolean {
  if (ignoreCase && typeof value === 'string') {
    const wanted = value.toLocaleLowerCase();
    return list.some((x) => typeof x === 'string' && x.toLocaleLowerCase() === wanted);
  }
  return list.includes(value);
}

const length = (v: unknown): number => (v as { length: number }).length;

export function compareText(op: string, left: unknown, right: unknown, ignoreCase: boolean) {
  let l = left;
  let r = right;
  // n8n lowers the text for every operation, but never a regular expression's pattern.
  if (ignoreCase && typeof l === 'string') l = l.toLocaleLowerCase();
  if (ignoreCase && typeof r === 'string' && op !== 'regex' && op !== 'notRegex') {
    r = r.toLocaleLowerCase();
  }
  const a = (l ?? '') as string;
  const b = (r ?? '') as string;
  switch (op) {
    case 'empty':
      return length(a) === 0;
    case 'notEmpty':
      return length(a) !== 0;
    case 'equals':
      return a === b;
    case 'notEquals':
      return a !== b;
    case 'contains':
      return a.includes(b);
    case 'notContains':
      return !a.includes(b);
    case 'startsWith':
      return a.startsWith(b);
    case 'notStartsWith':
      return !a.startsWith(b);
    case 'endsWith':
      return a.endsWith(b);
    case 'notEndsWith':
      return !a.endsWith(b);
    case 'regex':
    case 'notRegex': {
      const { source, flags } = parseRegexLiteral(jsString(b));
      return regexTest(source, a, flags) === (op === 'regex');
    }
    default:
      return undefined;
  }
}

export function compareNumbers(op: string, l: number, r: number, exists: boolean) {
  const table: Record<string, () => boolean> = {
    empty: () => !exists,
    notEmpty: () => exists,
    equals: () => l === r,
    notEquals: () => l !== r,
    gt: () => l > r,
    lt: () => l < r,
    gte: () => l >= r,
    lte: () => l <= r,
  };
  return Object.hasOwn(table, op) ? table[op]!() : undefined;
}

export function compareDates(op: string, left: unknown, right: unknown, exists: boolean) {
  if (op === 'empty') return !exists;
  if (op === 'notEmpty') return exists;
  if (!left || !right) return false;
  const l = (left as DateTime).toMillis();
  const r = (right as DateTime).toMillis();
  const table: Record<string, () => boolean> = {
    equals: () => l === r,
    notEquals: () => l !== r,
    after: () => l > r,
    before: () => l < r,
    afterOrEquals: () => l >= r,
    beforeOrEquals: () => l <= r,
  };
  return Object.hasOwn(table, op) ? table[op]!() : undefined;
}

export function compareBooleans(op: string, l: unknown, r: unknown, exists: boolean) {
  const table: Record<string, () => unknown> = {
    empty: () => !exists,
    notEmpty: () => exists,
    true: () => l,
    false: () => !l,
    equals: () => l === r,
    notEquals: () => l !== r,
  };
  return Object.hasOwn(table, op) ? Boolean(table[op]!()) : undefined;
}

export function compareArrays(op: string, left: unknown, r: unknown, ignoreCase: boolean) {
  const l = (left ?? []) as unknown[];
  const table: Record<string, () => boolean> = {
    contains: () => arrayContains(l, r, ignoreCase),
    notContains: () => !arrayContains(l, r, ignoreCase),
    lengthEquals: () => l.length === r,
    lengthNotEquals: () => l.length !== r,
    lengthGt: () => l.length > (r as number),
    lengthLt: () => l.length < (r as number),
    lengthGte: () => l.length >= (r as number),
    lengthLte: () => l.length <= (r as number),
    empty: () => l.length === 0,
    notEmpty: () => l.length !== 0,
  };
  return Object.hasOwn(table, op) ? table[op]!() : undefined;
}
