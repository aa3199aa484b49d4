import { DateTime, type Zone } from 'luxon';
import { parse, type Node } from '../expressions/parser.ts';

/**
 * The values a condition compares, read as n8n-workflow reads them (`validateFieldType` with
 * `parseStrings`, and the filter's own rules in `parseSingleFilterValue`): strict validation
 * takes only values of the comparison's type (dates excepted: text is always read as a date);
 * loose validation converts ('5' -> 5, 'true' -> true, '[1]' -> [1]).
 */

export type FilterType = 'string' | 'number' | 'boolean' | 'dateTime' | 'array' | 'object' | 'any';

export type Parsed = { valid: true; value: unknown } | { valid: false };

/** JavaScript's `String()`: '[object Object]' for an object, as n8n's texts show one. */
export const jsString = (value: unknown): string => String(value);

const invalid: Parsed = { valid: false };
const ok = (value: unknown): Parsed => ({ valid: true, value });

/** n8n's `tryToParseString`: objects as JSON, the rest as their text. */
function toText(value: unknown): string {
  if (typeof value === 'object') return JSON.stringify(value);
  if (value === undefined) return '';
  return jsString(value);
}

/** n8n's `tryToParseBoolean`: true/false in any case, and the numbers 0 and 1. */
function toBoolean(value: unknown): Parsed {
  if (typeof value === 'boolean') return ok(value);
  if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase())) {
    return ok(value.toLowerCase() === 'true');
  }
  if (!(typeof value === 'string' && value.trim() === '')) {
    const n = Number(value);
    if (n === 0) return ok(false);
    if (n === 1) return ok(true);
  }
  return invalid;
}

/** n8n's `tryToParseDateTime`: ISO, HTTP, RFC 2822, SQL, then whatever `Date.parse` reads. */
export function toDateTime(value: unknown, zone: Zone | string): Parsed {
  if (DateTime.isDateTime(value) && value.isValid) return ok(value);
  if (value instanceof Date) {
    const d = DateTime.fromJSDate(value, { zone });
    if (d.isValid) return ok(d);
  }
  const s = jsString(value).trim();
  const options = { zone, setZone: true };
  const readers = [
    () => DateTime.fromISO(s, options),
    () => DateTime.fromHTTP(s, options),
    () => DateTime.fromRFC2822(s, options),
    () => DateTime.fromSQL(s, options),
  ];
  for (const read of readers) {
    const d = read();
    if (d.isValid) return ok(d);
  }
  const parsed = DateTime.fromMillis(Date.parse(s), { zone });
  return parsed.isValid ? ok(parsed) : invalid;
}

/** n8n's `tryToParseArray`: an array, or JSON text of one (single quotes accepted). */
function toArray(value: unknown): Parsed {
  if (Array.isArray(value)) return ok(value);
  const textOf = jsString(value);
  for (const candidate of [textOf, textOf.replace(/'/g, '"')]) {
    try {
      const parsed: unknown = JSON.parse(candidate);
      return Array.isArray(parsed) ? ok(parsed) : invalid;
    } catch {
      // not JSON: try the next form
    }
  }
  return invalid;
}

/** The value of a JavaScript object literal's part, as n8n's `parseJSObject` takes it. */
function literalValue(node: Node): unknown {
  switch (node.t) {
    case 'object':
      return Object.fromEntries(node.entries.map(([key, v]) => [key, literalValue(v)]));
    case 'id':
      return node.name;
    case 'lit':
      return node.v;
    case 'array':
      return node.items.map(literalValue);
    case 'unary': {
      const v = literalValue(node.arg);
      return typeof v === 'number' && node.op === '-' ? -v : v;
    }
    case 'binary':
    case 'call':
    case 'cond':
    case 'member':
      return undefined;
  }
}

/** n8n's `tryToParseObject`: an object, JSON text of one, or a JavaScript object literal. */
function toObject(value: unknown): Parsed {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return ok(value);
  const textOf = jsString(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(textOf);
  } catch {
    const node = parse(`(${textOf})`);
    if (node?.t !== 'object') return invalid;
    parsed = literalValue(node);
  }
  return typeof parsed === 'object' && !Array.isArray(parsed) ? ok(parsed) : invalid;
}

/** n8n's `validateFieldType` for a filter value (`parseStrings` on). */
function validateFieldType(
  value: unknown,
  type: FilterType,
  strict: boolean,
  zone: Zone | string,
): Parsed {
  switch (type) {
    case 'string':
      return strict && typeof value !== 'string' ? invalid : ok(toText(value));
    case 'number':
      if (strict && typeof value !== 'number') return invalid;
      return Number.isNaN(Number(value)) ? invalid : ok(Number(value));
    case 'boolean':
      return strict && typeof value !== 'boolean' ? invalid : toBoolean(value);
    case 'dateTime':
      return toDateTime(value, zone);
    case 'object':
      // lodash's isObject: arrays and functions count as objects here.
      return strict && (value === null || typeof value !== 'object') ? invalid : toObject(value);
    case 'array':
      return strict && !Array.isArray(value) ? invalid : toArray(value);
    case 'any':
      return ok(value);
  }
}

/**
 * One side of a condition as n8n's `parseSingleFilterValue` reads it; `version` is the filter's
 * `options.version` (1: If 2-2.1, 2: If 2.2, 3: If 2.3 and their Filter and Switch peers).
 */
export function parseFilterValue(
  value: unknown,
  type: FilterType,
  strict: boolean,
  version: number,
  zone: Zone | string,
): Parsed {
  if (type === 'any' || value === null || value === undefined) return ok(value);
  if (type === 'boolean' && !strict) {
    if (version >= 2) {
      const parsed = toBoolean(value);
      if (parsed.valid) return parsed;
    }
    return ok(Boolean(value));
  }
  if (type === 'number') {
    if (Number.isNaN(value)) return ok(value);
    const emptyText = typeof value === 'string' && value.trim() === '';
    const emptyList = Array.isArray(value) && value.length === 0;
    // From version 3 n8n reads '' and [] as no value rather than as 0.
    if ((emptyText || emptyList) && version >= 3) return ok(null);
  }
  return validateFieldType(value, type, strict, zone);
}
