import { dict } from '../../kernel/dict.ts';

/**
 * Node descriptions (the parameters of one node type at its typeVersions) and how n8n fills a
 * node's parameters from one before the node runs. n8n leaves out of a workflow's JSON every
 * parameter equal to its default, and defaults depend on the type, its version and the other
 * parameters; `resolveParameters` gives the parameters n8n's runtime sees. Pure: no I/O.
 */

/** n8n's parameter types that occur in the descriptions of the native nodes. */
export type ParamType =
  | 'string'
  | 'number'
  | 'boolean'
  | 'options'
  | 'multiOptions'
  | 'collection'
  | 'fixedCollection'
  | 'json'
  | 'dateTime'
  | 'color'
  | 'hidden'
  | 'filter'
  | 'assignmentCollection'
  | 'resourceLocator'
  | 'resourceMapper'
  | 'workflowSelector'
  | 'credentials'
  | 'credentialsSelect';

export type ParamValue = string | number | boolean | null;

/** A condition other than equality (n8n's `_cnd`): exactly one operator. */
export interface ConditionOperator {
  _cnd:
    | { eq: unknown }
    | { not: unknown }
    | { gte: number }
    | { lte: number }
    | { gt: number }
    | { lt: number }
    | { between: { from: number; to: number } }
    | { includes: string }
    | { startsWith: string }
    | { endsWith: string }
    | { regex: string }
    | { exists: true };
}

/** A value the parameter must equal, or a condition it must meet. */
export type DisplayCondition = ParamValue | ConditionOperator;

/**
 * Parameter name (or `@version`, or `/name` read from the top level) -> conditions, any of
 * which may hold. In `show` every name must match; in `hide` any match hides.
 */
export type DisplayRules = Readonly<Record<string, readonly DisplayCondition[]>>;

/** One top-level parameter of a node type, as far as the engine needs it. */
export interface ParamDescription {
  readonly name: string;
  readonly type: ParamType;
  readonly default: unknown;
  /** The values an `options` parameter allows (absent when n8n loads them at run time). */
  readonly options?: readonly ParamValue[];
  /** A `collection` holding a list (its default is then a list). */
  readonly multipleValues?: boolean;
  readonly show?: DisplayRules;
  readonly hide?: DisplayRules;
}

/**
 * The parameters of a node type at some of its typeVersions, in n8n's order. A name may occur
 * more than once with different display conditions (one per operation, per version ...).
 */
export interface NodeDescription {
  readonly versions: readonly number[];
  readonly params: readonly ParamDescription[];
}

type Values = Readonly<Record<string, unknown>>;

const COLLECTIONS = new Set<ParamType>(['collection', 'fixedCollection']);
/** Types whose given `null` stays `null` (false and 0 are values); others take the default. */
const STRICT = new Set<ParamType>(['boolean', 'number', 'options']);

/** What a parameter that is not a collection holds: its value, or else its default. */
function valueOrDefault(param: ParamDescription, value: unknown): unknown {
  if (STRICT.has(param.type)) return value !== undefined ? value : param.default;
  if (param.type === 'resourceLocator' && isObject(param.default)) {
    return value !== undefined ? value : { __rl: true, ...param.default };
  }
  return value ?? param.default;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A path read as lodash's `get` reads it: the whole name when it is a key, else dotted. */
function getPath(values: Values, path: string): unknown {
  if (Object.hasOwn(values, path)) return values[path];
  let at: unknown = values;
  for (const key of path.split('.')) {
    if (!isObject(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) &&
      deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** The values a condition on `name` is checked against (a list is checked element by element). */
function valuesOf(values: Values, name: string, typeVersion: number): unknown[] {
  let value: unknown;
  if (name.startsWith('/')) value = getPath(values, name.slice(1));
  else if (name === '@version') value = typeVersion || 0;
  // No native node type is an AI tool (n8n: the type's name ends with "Tool"), none has features.
  else if (name === '@tool') value = false;
  else if (name === '@feature') return [];
  else value = getPath(values, name);
  if (isObject(value) && value.__rl) value = value.value;
  return Array.isArray(value) ? value : [value];
}

function compare(op: string, actual: unknown, target: unknown): boolean {
  // n8n compares with JavaScript's operators: numbers as numbers, anything else coerced.
  const a = actual as number;
  switch (op) {
    case 'eq':
      return deepEqual(actual, target);
    case 'not':
      return !deepEqual(actual, target);
    case 'gte':
      return a >= (target as number);
    case 'lte':
      return a <= (target as number);
    case 'gt':
      return a > (target as number);
    case 'lt':
      return a < (target as number);
    case 'between': {
      const { from, to } = target as { from: number; to: number };
      return a >= from && a <= to;
    }
    // n8n calls the string method on the value; on anything else it throws, here it fails.
    case 'includes':
      return typeof actual === 'string' && actual.includes(target as string);
    case 'startsWith':
      return typeof actual === 'string' && actual.startsWith(target as string);
    case 'endsWith':
      return typeof actual === 'string' && actual.endsWith(target as string);
    case 'regex':
      return new RegExp(target as string).test(String(actual));
    case 'exists':
      return actual !== null && actual !== undefined && actual !== '';
    default:
      return false;
  }
}

/** Whether any of `conditions` holds for the values (n8n's `checkConditions`). */
function holds(conditions: readonly DisplayCondition[], actual: unknown[]): boolean {
  return conditions.some((condition) => {
    if (isObject(condition) && isObject(condition._cnd) && Object.keys(condition).length === 1) {
      const [op, target] = Object.entries(condition._cnd)[0] ?? ['', undefined];
      // An empty list holds no value: only `not` is true of it.
      if (actual.length === 0) return op === 'not';
      return actual.every((value) => compare(op, value, target));
    }
    return actual.includes(condition);
  });
}

/**
 * Whether a parameter is shown for these values (n8n's `displayParameter`): every `show` rule
 * holds, and no `hide` rule does. A `show` rule on a parameter set to an expression shows it
 * whatever else the rules say (its value is known only at run time).
 */
export function isDisplayed(param: ParamDescription, values: Values, typeVersion: number): boolean {
  if (param.show) {
    for (const [name, conditions] of Object.entries(param.show)) {
      const actual = valuesOf(values, name, typeVersion);
      if (actual.some((v) => typeof v === 'string' && v.startsWith('='))) return true;
      if (!holds(conditions, actual)) return false;
    }
  }
  if (param.hide) {
    for (const [name, conditions] of Object.entries(param.hide)) {
      const actual = valuesOf(values, name, typeVersion);
      if (actual.length !== 0 && holds(conditions, actual)) return false;
    }
  }
  return true;
}

interface Plan {
  /** Parameter indexes in n8n's resolution order (an index may come more than once). */
  order: number[];
  /** Names defined more than once. */
  repeated: Set<string>;
}

const plans = new WeakMap<NodeDescription, Plan>();

/**
 * n8n's order of resolution (`getParameterResolveOrder`): parameters in their order, and each
 * whose conditions name a parameter not yet resolved once more after it. n8n's loop never
 * holds a parameter back (its `continue` only skips to the next dependency), so a parameter
 * comes first in its own place and again later; the order matters only for parameters defined
 * more than once, whose display is checked against what is filled so far.
 */
function planOf(description: NodeDescription): Plan {
  const known = plans.get(description);
  if (known) return known;
  const { params } = description;
  const dependencies = new Map<string, string[]>();
  const repeated = new Set<string>();
  for (const param of params) {
    const list = dependencies.get(param.name);
    if (list) repeated.add(param.name);
    const deps = list ?? [];
    dependencies.set(param.name, deps);
    for (const rules of [param.show, param.hide]) {
      for (const name of Object.keys(rules ?? {})) {
        if (!name.startsWith('@') && !deps.includes(name)) deps.push(name);
      }
    }
  }
  const order: number[] = [];
  const queue = params.map((_, i) => i);
  const resolved = new Set<string>();
  let lastLength = queue.length;
  let lastReduction = -1;
  let iterations = 0;
  while (queue.length > 0) {
    iterations += 1;
    const index = queue.shift()!;
    const name = params[index]!.name;
    const deps = dependencies.get(name)!;
    if (deps.length > 0) {
      for (const dep of deps) {
        // Names read from the top level (`/name`) count as resolved.
        if (!resolved.has(dep) && !dep.startsWith('/')) queue.push(index);
      }
    }
    order.push(index);
    resolved.add(name);
    if (deps.length === 0) continue;
    if (queue.length < lastLength) lastReduction = iterations;
    if (iterations > lastReduction + params.length) {
      throw new Error(
        `the display conditions of "${name}" name a parameter the description does not have`,
      );
    }
    lastLength = queue.length;
  }
  const plan = { order, repeated };
  plans.set(description, plan);
  return plan;
}

/**
 * The values display conditions are read against (n8n fills them first): every parameter that
 * is not a collection, with its value or default whether shown or not; one defined more than
 * once only where its conditions hold against what is filled before it.
 */
function displayValues(
  description: NodeDescription,
  parameters: Values,
  typeVersion: number,
): Record<string, unknown> {
  const { order, repeated } = planOf(description);
  const values = dict<unknown>();
  for (const index of order) {
    const param = description.params[index]!;
    if (COLLECTIONS.has(param.type)) continue;
    if (repeated.has(param.name) && !isDisplayed(param, values, typeVersion)) continue;
    values[param.name] = valueOrDefault(param, parameters[param.name]);
  }
  return values;
}

/**
 * A node's top-level parameters as n8n's runtime sees them (n8n's `getNodeParameters` with
 * defaults, as its `Workflow` applies it to every node of a known type): each parameter shown
 * for these values and this typeVersion keeps its value or takes its default; parameters not
 * shown, and names the description does not have, are left out. A collection keeps the object
 * it is given (n8n does not fill a collection's options); a missing collection or fixed
 * collection is its own default. Inside a fixed collection n8n fills its entries' defaults too;
 * that level is left to the nodes.
 *
 * @example resolveParameters(setV3, { mode: 'raw' }, 3.4)
 *   // { mode: 'raw', duplicateItem: false, jsonOutput: '{\n  "my_field_1": ...', includeOtherFields: false, options: {} }
 */
export function resolveParameters(
  description: NodeDescription,
  parameters: Values,
  typeVersion: number,
): Record<string, unknown> {
  const check = displayValues(description, parameters, typeVersion);
  const out = dict<unknown>();
  for (const index of planOf(description).order) {
    const param = description.params[index]!;
    if (!isDisplayed(param, check, typeVersion)) continue;
    const value = parameters[param.name];
    if (param.type === 'collection' && param.multipleValues) {
      out[param.name] =
        value !== undefined ? value : Array.isArray(param.default) ? clone(param.default) : [];
    } else if (COLLECTIONS.has(param.type)) {
      // n8n rebuilds a given collection from its entries: anything but an object comes out empty.
      out[param.name] =
        value === undefined ? clone(param.default) : isObject(value) ? value : dict<unknown>();
    } else {
      const resolved = valueOrDefault(param, value);
      out[param.name] = resolved === param.default ? clone(resolved) : resolved;
    }
  }
  return out;
}

/** Defaults are shared by every node of the type: each node gets its own copy. */
function clone<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

/** A parameter whose value is not one its `options` allow. */
export interface InvalidOption {
  name: string;
  value: unknown;
  allowed: readonly ParamValue[];
}

/**
 * The `options` parameters shown for these values whose value (not an expression) is none of
 * the values the parameter allows. n8n runs such a node; it fails, or does something else,
 * where the node reads the value.
 */
export function invalidOptions(
  description: NodeDescription,
  parameters: Values,
  typeVersion: number,
): InvalidOption[] {
  const check = displayValues(description, parameters, typeVersion);
  const allowed = new Map<string, ParamValue[]>();
  for (const param of description.params) {
    if (param.type !== 'options' || !param.options) continue;
    if (!Object.hasOwn(parameters, param.name)) continue;
    if (!isDisplayed(param, check, typeVersion)) continue;
    allowed.set(param.name, [...(allowed.get(param.name) ?? []), ...param.options]);
  }
  const invalid: InvalidOption[] = [];
  for (const [name, values] of allowed) {
    const value = parameters[name];
    if (typeof value === 'string' && value.startsWith('=')) continue;
    if (!values.includes(value as ParamValue)) invalid.push({ name, value, allowed: values });
  }
  return invalid;
}
