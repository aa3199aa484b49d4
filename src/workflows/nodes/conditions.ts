import { DateTime } from 'luxon';
import { NodeError } from '../engine/engine.types.ts';
import { text } from './define.ts';

/**
 * n8n's condition evaluators: the "filter" parameter of If v2, Filter v2 and Switch v3, and
 * the typed lists of If v1 / Filter v1 / Switch v1-2.
 */

export interface FilterCondition {
  leftValue?: unknown;
  rightValue?: unknown;
  operator?: { type?: string; operation?: string; rightType?: string };
}

export interface FilterValue {
  options?: { caseSensitive?: boolean; typeValidation?: 'strict' | 'loose' };
  conditions?: FilterCondition[];
  combinator?: 'and' | 'or';
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function toNumber(v: unknown, strict: boolean): number {
  if (typeof v === 'number') return v;
  const n =
    typeof v === 'string' && v.trim() !== ''
      ? Number(v)
      : typeof v === 'boolean' && !strict
        ? Number(v)
        : NaN;
  if (Number.isNaN(n) && v !== undefined && v !== null && v !== '') {
    throw new NodeError(`Wrong type: '${text(v)}' is not a number`);
  }
  return n;
}

function toDate(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  const s = String(v);
  const d = DateTime.fromISO(s);
  if (d.isValid) return d.toMillis();
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new NodeError(`Wrong type: '${s}' is not a date`);
  return ms;
}

function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['true', '1', 'yes'].includes(v.trim().toLowerCase());
  return Boolean(v);
}

function asArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    try {
      const parsed = JSON.parse(v) as unknown;
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // not JSON: not an array
    }
  }
  return [];
}

/** One condition of the v2 filter format. */
export function evaluateCondition(c: FilterCondition, opts: FilterValue['options'] = {}): boolean {
  const type = c.operator?.type ?? 'string';
  const op = c.operator?.operation ?? 'equals';
  const strict = opts.typeValidation !== 'loose';
  const left = c.leftValue;
  const right = c.rightValue;
  if (op === 'exists') return left !== undefined && left !== null;
  if (op === 'notExists') return left === undefined || left === null;
  if (op === 'empty') return isEmpty(left);
  if (op === 'notEmpty') return !isEmpty(left);
  switch (type) {
    case 'string': {
      const cs = opts.caseSensitive !== false;
      const norm = (v: unknown): string => {
        const s = text(v);
        return cs ? s : s.toLowerCase();
      };
      const l = norm(left);
      const r = norm(right);
      switch (op) {
        case 'equals':
          return l === r;
        case 'notEquals':
          return l !== r;
        case 'contains':
          return l.includes(r);
        case 'notContains':
          return !l.includes(r);
        case 'startsWith':
          return l.startsWith(r);
        case 'notStartsWith':
          return !l.startsWith(r);
        case 'endsWith':
          return l.endsWith(r);
        case 'notEndsWith':
          return !l.endsWith(r);
        case 'regex':
        case 'notRegex': {
          const m = /^\/(.*)\/([a-z]*)$/s.exec(text(right));
          const re = m ? new RegExp(m[1]!, m[2]) : new RegExp(text(right), cs ? '' : 'i');
          return re.test(l) === (op === 'regex');
        }
        default:
          throw new NodeError(`unknown string operation "${op}"`);
      }
    }
    case 'number': {
      const l = toNumber(left, strict);
      const r = toNumber(right, strict);
      const table: Record<string, boolean> = {
        equals: l === r,
        notEquals: l !== r,
        gt: l > r,
        lt: l < r,
        gte: l >= r,
        lte: l <= r,
      };
      if (!(op in table)) throw new NodeError(`unknown number operation "${op}"`);
      return table[op]!;
    }
    case 'dateTime': {
      const l = toDate(left);
      const r = toDate(right);
      const table: Record<string, boolean> = {
        equals: l === r,
        notEquals: l !== r,
        after: l > r,
        before: l < r,
        afterOrEquals: l >= r,
        beforeOrEquals: l <= r,
      };
      if (!(op in table)) throw new NodeError(`unknown date operation "${op}"`);
      return table[op]!;
    }
    case 'boolean': {
      const l = toBool(left);
      if (op === 'true') return l;
      if (op === 'false') return !l;
      if (op === 'equals') return l === toBool(right);
      if (op === 'notEquals') return l !== toBool(right);
      throw new NodeError(`unknown boolean operation "${op}"`);
    }
    case 'array': {
      const l = asArray(left);
      const n = Number(right);
      switch (op) {
        case 'contains':
          return l.some((x) => x === right || JSON.stringify(x) === JSON.stringify(right));
        case 'notContains':
          return !l.some((x) => x === right || JSON.stringify(x) === JSON.stringify(right));
        case 'lengthEquals':
          return l.length === n;
        case 'lengthNotEquals':
          return l.length !== n;
        case 'lengthGt':
          return l.length > n;
        case 'lengthLt':
          return l.length < n;
        case 'lengthGte':
          return l.length >= n;
        case 'lengthLte':
          return l.length <= n;
        default:
          throw new NodeError(`unknown array operation "${op}"`);
      }
    }
    case 'object':
      throw new NodeError(`unknown object operation "${op}"`);
    default:
      throw new NodeError(`unknown condition type "${type}"`);
  }
}

/** A whole v2 filter: conditions joined by `and`/`or`. */
export function evaluateFilter(filter: FilterValue | undefined, looseTypes = false): boolean {
  const conditions = filter?.conditions ?? [];
  const options = {
    ...filter?.options,
    ...(looseTypes ? { typeValidation: 'loose' as const } : {}),
  };
  if (conditions.length === 0) return true;
  const results = conditions.map((c) => evaluateCondition(c, options));
  return filter?.combinator === 'or' ? results.some(Boolean) : results.every(Boolean);
}

/** The operation of a v1 condition that names none: n8n's default per kind of value. */
const V1_DEFAULT_OPERATION: Readonly<Record<string, string>> = {
  boolean: 'equal',
  dateTime: 'after',
  number: 'smaller',
  string: 'equal',
};

/** One condition of If v1 / Filter v1 (typed lists). */
export function evaluateV1Condition(
  kind: string,
  c: { value1?: unknown; value2?: unknown; operation?: string },
): boolean {
  const op = c.operation ?? V1_DEFAULT_OPERATION[kind] ?? 'equal';
  const v1 = c.value1;
  const v2 = c.value2;
  if (op === 'isEmpty') return isEmpty(v1);
  if (op === 'isNotEmpty') return !isEmpty(v1);
  if (kind === 'number') {
    const a = Number(v1 ?? 0);
    const b = Number(v2 ?? 0);
    const table: Record<string, boolean> = {
      equal: a === b,
      notEqual: a !== b,
      larger: a > b,
      largerEqual: a >= b,
      smaller: a < b,
      smallerEqual: a <= b,
    };
    return table[op] ?? false;
  }
  if (kind === 'dateTime') {
    const a = toDate(v1);
    const b = toDate(v2);
    return op === 'after' ? a > b : op === 'before' ? a < b : a === b;
  }
  if (kind === 'boolean') {
    return op === 'notEqual' ? Boolean(v1) !== Boolean(v2) : Boolean(v1) === Boolean(v2);
  }
  const a = text(v1);
  const b = text(v2);
  switch (op) {
    case 'equal':
      return a === b;
    case 'notEqual':
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
      const m = /^\/(.*)\/([a-z]*)$/s.exec(b);
      const re = m ? new RegExp(m[1]!, m[2]) : new RegExp(b);
      return re.test(a) === (op === 'regex');
    }
    default:
      throw new NodeError(`unknown operation "${op}"`);
  }
}

/** All typed condition lists of If v1 / Filter v1, joined by `all`/`any`. */
export function evaluateV1Conditions(
  conditions:
    Record<string, { value1?: unknown; value2?: unknown; operation?: string }[]> | undefined,
  combine: string | undefined,
): boolean {
  const results: boolean[] = [];
  for (const [kind, list] of Object.entries(conditions ?? {})) {
    for (const c of list ?? []) results.push(evaluateV1Condition(kind, c));
  }
  if (results.length === 0) return true;
  return combine === 'any' ? results.some(Boolean) : results.every(Boolean);
}
