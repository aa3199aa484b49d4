import { NodeError } from '../engine/engine.types.ts';
import { parseRegexLiteral, regexTest } from './conditions.regex.ts';
import { jsString } from './conditions.values.ts';

/**
 * The typed condition lists of If 1, Filter 1 and Switch 1-2, compared as those nodes do: plain
 * JavaScript on the values as they come (no type validation: '5' is not 5 for `equal`, and
 * `larger` compares text with text), dates as milliseconds.
 */

export type V1Kind = 'boolean' | 'dateTime' | 'number' | 'string';

/** The kinds in the order n8n checks them (an `all` list stops at the first false one). */
export const V1_KINDS: readonly V1Kind[] = ['boolean', 'dateTime', 'number', 'string'];

export interface V1Condition {
  value1?: unknown;
  value2?: unknown;
  operation?: string;
}

/** n8n's defaults of a condition's fields per kind (If 1, Filter 1). */
export const V1_CONDITION_DEFAULTS: Readonly<Record<V1Kind, Required<V1Condition>>> = {
  boolean: { value1: false, operation: 'equal', value2: false },
  dateTime: { value1: '', operation: 'after', value2: '' },
  number: { value1: 0, operation: 'smaller', value2: 0 },
  string: { value1: '', operation: 'equal', value2: '' },
};

/** n8n's defaults of a Switch 1-2 rule's fields per kind (a date's `value2` is 0 there). */
export const V1_RULE_DEFAULTS: Readonly<Record<V1Kind, { operation: string; value2: unknown }>> = {
  boolean: { operation: 'equal', value2: false },
  dateTime: { operation: 'after', value2: 0 },
  number: { operation: 'smaller', value2: 0 },
  string: { operation: 'equal', value2: '' },
};

/** Fills the fields an entry leaves out (as n8n does for a fixed collection's entries). */
export function withDefaults<T extends object>(entry: unknown, defaults: T): T {
  const given = (entry !== null && typeof entry === 'object' ? entry : {}) as Record<
    string,
    unknown
  >;
  const out: Record<string, unknown> = { ...given };
  for (const [key, value] of Object.entries(defaults)) {
    if (given[key] === undefined) out[key] = value;
  }
  return out as T;
}

const EMPTY_VALUES: readonly unknown[] = [undefined, null, '', NaN];
const isEmpty = (v: unknown): boolean =>
  EMPTY_VALUES.includes(v) ||
  (typeof v === 'object' && v !== null && !(v instanceof Date)
    ? Object.entries(v).length === 0
    : false) ||
  (v instanceof Date && Number.isNaN(v.getTime()));

/** `value1.method(value2)` with JavaScript's errors for a value that is not text. */
function textMethod(v1: unknown, method: 'startsWith' | 'endsWith', v2: unknown): boolean {
  if (v1 === undefined || v1 === null) {
    throw new TypeError(`Cannot read properties of ${String(v1)} (reading '${method}')`);
  }
  if (typeof v1 !== 'string') throw new TypeError(`value1.${method} is not a function`);
  return v1[method](jsString(v2));
}

const asText = (v: unknown): string => jsString(v || '');

function matchesRegex(v1: unknown, v2: unknown): boolean {
  const { source, flags } = parseRegexLiteral(asText(v2));
  return regexTest(source, asText(v1), flags);
}

type Compare = (v1: unknown, v2: unknown) => boolean;
// The comparisons are n8n's own JavaScript: `||` defaults and `<` on whatever the values are.
const COMPARE: Readonly<Record<string, Compare>> = {
  after: (a, b) => ((a || 0) as number) > ((b || 0) as number),
  before: (a, b) => ((a || 0) as number) < ((b || 0) as number),
  contains: (a, b) => asText(a).includes(asText(b)),
  notContains: (a, b) => !asText(a).includes(asText(b)),
  endsWith: (a, b) => textMethod(a, 'endsWith', b),
  notEndsWith: (a, b) => !textMethod(a, 'endsWith', b),
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  larger: (a, b) => ((a || 0) as number) > ((b || 0) as number),
  largerEqual: (a, b) => ((a || 0) as number) >= ((b || 0) as number),
  smaller: (a, b) => ((a || 0) as number) < ((b || 0) as number),
  smallerEqual: (a, b) => ((a || 0) as number) <= ((b || 0) as number),
  startsWith: (a, b) => textMethod(a, 'startsWith', b),
  notStartsWith: (a, b) => !textMethod(a, 'startsWith', b),
  isEmpty: (a) => isEmpty(a),
  isNotEmpty: (a) => !isEmpty(a),
  regex: matchesRegex,
  notRegex: (a, b) => !matchesRegex(a, b),
};

/** Switch 1-2 have no empty checks. */
const SWITCH_OPERATIONS = new Set(Object.keys(COMPARE).filter((op) => !op.includes('Empty')));

/**
 * Compares two values with a v1 operation; `callee` names the lookup in n8n's TypeError for an
 * unknown operation (`compareOperationFunctions[compareData.operation]`).
 */
export function compareV1(
  operation: string,
  v1: unknown,
  v2: unknown,
  callee: string,
  forSwitch = false,
): boolean {
  const compare = Object.hasOwn(COMPARE, operation) ? COMPARE[operation] : undefined;
  if (!compare || (forSwitch && !SWITCH_OPERATIONS.has(operation))) {
    throw new TypeError(`${callee} is not a function`);
  }
  return compare(v1, v2);
}

/** A date as milliseconds, as n8n's `convertDateTime`: text, a number or a Date, else an error. */
export function convertDateTime(value: unknown): number {
  let ms: number | undefined;
  if (typeof value === 'string') ms = new Date(value).getTime();
  else if (typeof value === 'number') ms = value;
  if (value instanceof Date) ms = value.getTime();
  if (ms === undefined || Number.isNaN(ms)) {
    throw new NodeError(`The value "${jsString(value)}" is not a valid DateTime.`);
  }
  return ms;
}

/**
 * Whether an item passes the lists of If 1 / Filter 1 (entries with n8n's defaults filled, values
 * resolved): each kind in n8n's order, `any` stopping at the first true condition and `all` at
 * the first false one. With nothing deciding, `all` passes and `any` does not; `combine` is
 * `all`/`any` for If and `AND`/`OR` for Filter.
 */
export function evaluateV1Lists(
  lists: Partial<Record<V1Kind, V1Condition[]>>,
  combine: { any: boolean; all: boolean },
  callee: string,
): boolean {
  for (const kind of V1_KINDS) {
    for (const c of lists[kind] ?? []) {
      let v1 = c.value1;
      let v2 = c.value2;
      if (kind === 'dateTime') {
        v1 = convertDateTime(v1);
        v2 = convertDateTime(v2);
      }
      const pass = compareV1(String(c.operation), v1, v2, callee);
      if (pass && combine.any) return true;
      if (!pass && combine.all) return false;
    }
  }
  return combine.all;
}
