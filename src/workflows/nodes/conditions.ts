import { DateTime, type Zone } from 'luxon';
import { NodeError } from '../engine/engine.types.ts';
import {
  compareArrays,
  compareBooleans,
  compareDates,
  compareNumbers,
  compareText,
} from './conditions.compare.ts';
import { jsString, parseFilterValue, type FilterType } from './conditions.values.ts';

/**
 * n8n's "filter" parameter (If 2+, Filter 2+, each rule of Switch 3+), evaluated as n8n-workflow's
 * `executeFilter` does. The filter carries its own options, written by n8n's editor from the
 * node's settings: `caseSensitive` (from Ignore Case), `typeValidation` (strict, or loose with
 * "Convert types where required") and `version` (1 for If 2-2.1, 2 for 2.2, 3 for 2.3; Switch
 * 3-3.1, 3.2-3.3, 3.4), which changes how booleans and empty numbers are read.
 */

export interface FilterOperator {
  type?: string;
  operation?: string;
  /** The right value's type when it differs (array lengths: number; array contains: any). */
  rightType?: string;
  /** Operators without a right value (exists, empty, true...): it is not checked. */
  singleValue?: boolean;
}

export interface FilterCondition {
  leftValue?: unknown;
  rightValue?: unknown;
  operator?: FilterOperator;
}

export interface FilterOptions {
  caseSensitive?: boolean;
  typeValidation?: string;
  version?: number;
}

export interface FilterValue {
  options: FilterOptions;
  conditions: FilterCondition[];
  combinator: string;
}

/** What n8n gives a filter whose options leave some out (`getNodeParameters`). */
const DEFAULT_OPTIONS = {
  caseSensitive: true,
  leftValue: '',
  typeValidation: 'strict',
  version: 1,
};

/**
 * A filter parameter as n8n completes it before a run: a missing combinator is `and`, missing
 * options take their defaults. Anything but an object is left as it is.
 */
export function completeFilter(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const filter = raw as Record<string, unknown>;
  return {
    ...filter,
    combinator: filter.combinator ?? 'and',
    options: { ...DEFAULT_OPTIONS, ...(filter.options as object | undefined) },
  };
}

/** n8n's `isFilterValue`: other values (an empty `{}`) are not evaluated, only tested for truth. */
export function isFilterValue(value: unknown): value is FilterValue {
  return (
    typeof value === 'object' && value !== null && 'conditions' in value && 'combinator' in value
  );
}

/**
 * Luxon dates inside a resolved parameter become their ISO text, as n8n's
 * `cleanupParameterData` does before a node reads an object parameter.
 */
export function datesAsText(value: unknown): unknown {
  if (DateTime.isDateTime(value)) return value.toString();
  if (Array.isArray(value)) return value.map(datesAsText);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, datesAsText(v)]));
  }
  return value;
}

/** A condition whose values are not of its type, with n8n's message and description. */
export class FilterError extends NodeError {
  constructor(message: string, description: string) {
    super(message, { description });
  }
}

const KNOWN_TYPES = new Set(['string', 'number', 'boolean', 'dateTime', 'array', 'object', 'any']);
const parseType = (type: string): FilterType =>
  KNOWN_TYPES.has(type) ? (type as FilterType) : 'any';

const withArticle = (noun: string): string =>
  `${'aeiou'.includes(noun.charAt(0)) ? 'an' : 'a'} ${noun}`;

const typeDescription = (strict: boolean): string =>
  strict
    ? "Try changing the type of comparison. Alternatively you can enable 'Convert types where required'."
    : 'Try changing the type of the comparison.';

function invalidTypeDescription(type: string, fromType: string, side: string, strict: boolean) {
  const conversion =
    type === 'string'
      ? '.toString()'
      : type === 'number'
        ? '.toNumber()'
        : type === 'boolean'
          ? '.toBoolean()'
          : '';
  if (!strict || !conversion) return typeDescription(strict);
  // n8n's text, its surrounding whitespace included.
  return `
<p>Try either:</p>
<ol>
  <li>Enabling 'Convert types where required'</li>
  <li>Converting the ${side} field to ${withArticle(type)} by adding <code>${conversion}</code></li>
</ol>
\t\t\t`;
}

interface Place {
  /** The condition's position in the filter. */
  index: number;
  itemIndex: number;
  /** The zone text without an offset is read in: the execution's. */
  zone: Zone | string;
}

/** n8n's `parseFilterConditionValues`: both sides read, or n8n's error for the first bad one. */
function parseSides(
  c: FilterCondition,
  operator: FilterOperator,
  options: FilterOptions,
  at: Place,
) {
  const strict = options.typeValidation === 'strict';
  const version = options.version ?? 1;
  const type = String(operator.type);
  const rightType = String(operator.rightType ?? operator.type);
  const left = parseFilterValue(c.leftValue, parseType(type), strict, version, at.zone);
  const right = parseFilterValue(c.rightValue, parseType(rightType), strict, version, at.zone);
  const rightValid = right.valid || operator.singleValue === true;
  const suffix = `[condition ${at.index}, item ${at.itemIndex}]`;
  const message = (expected: string, value: unknown) =>
    strict
      ? `Wrong type: '${jsString(value)}' is ${withArticle(typeof value)} but was expecting ${withArticle(expected)} ${suffix}`
      : `Conversion error: the ${typeof value} '${jsString(value)}' can't be converted to ${withArticle(expected)} ${suffix}`;
  if (!left.valid && !rightValid && typeof c.leftValue === typeof c.rightValue) {
    throw new FilterError(
      `Comparison type expects ${withArticle(type)} but both fields are ${withArticle(typeof c.leftValue)}`,
      typeDescription(strict),
    );
  }
  if (!left.valid) {
    throw new FilterError(
      message(type, c.leftValue),
      invalidTypeDescription(type, typeof c.leftValue, 'first', strict),
    );
  }
  if (!rightValid) {
    throw new FilterError(
      message(rightType, c.rightValue),
      invalidTypeDescription(rightType, typeof c.rightValue, 'second', strict),
    );
  }
  return { left: left.value, right: right.valid ? right.value : undefined };
}

/**
 * One condition, as n8n's `executeFilterCondition`: its values read by the filter's type
 * validation (a bad one throws `FilterError` naming the condition and item), then compared.
 * An unknown type or operation is false, as in n8n.
 */
export function executeFilterCondition(
  c: FilterCondition,
  options: FilterOptions,
  at: Place,
): boolean {
  const operator = c.operator;
  if (operator === undefined || operator === null) {
    throw new TypeError("Cannot read properties of undefined (reading 'rightType')");
  }
  const { left, right } = parseSides(c, operator, options, at);
  const ignoreCase = !options.caseSensitive;
  const exists = left !== undefined && left !== null && !Number.isNaN(left);
  const op = String(operator.operation);
  if (op === 'exists') return exists;
  if (op === 'notExists') return !exists;
  let result: boolean | undefined;
  switch (String(operator.type)) {
    case 'string':
      result = compareText(op, left, right, ignoreCase);
      break;
    case 'number':
      result = compareNumbers(op, left as number, right as number, exists);
      break;
    case 'dateTime':
      result = compareDates(op, left, right, exists);
      break;
    case 'boolean':
      result = compareBooleans(op, left, right, exists);
      break;
    case 'array':
      result = compareArrays(op, left, right, ignoreCase);
      break;
    case 'object':
      if (op === 'empty') result = !left || Object.keys(left).length === 0;
      else if (op === 'notEmpty') result = !!left && Object.keys(left).length !== 0;
      break;
    default:
      // An unknown type: n8n logs it and the condition is false.
      break;
  }
  return result ?? false;
}

/**
 * A whole filter, as n8n's `executeFilter`: `and` stops at the first false condition, `or` at
 * the first true one (later conditions are not read, so cannot fail); an unknown combinator is
 * false, and so is `or` without conditions.
 */
export function executeFilter(
  filter: FilterValue,
  at: { itemIndex: number; zone: Zone | string },
): boolean {
  const options = filter.options ?? {};
  const conditions = Array.isArray(filter.conditions) ? filter.conditions : [];
  const pass = (c: FilterCondition, index: number) =>
    executeFilterCondition(c, options, { ...at, index });
  if (filter.combinator === 'and') return conditions.every(pass);
  if (filter.combinator === 'or') return conditions.some(pass);
  return false;
}
