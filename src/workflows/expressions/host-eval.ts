import jmespath from 'jmespath';
import { DateTime, Duration } from 'luxon';
import { EXTENSIONS_SOURCE } from './extensions.source.ts';
import type { ExpressionData, Item, NodeDataAccess } from './expression.types.ts';
import {
  ARRAY_METHODS,
  DATE_METHODS,
  DATE_PROPS,
  DURATION_METHODS,
  DURATION_PROPS,
  JSDATE_METHOD,
  NUMBER_METHODS,
  STRING_METHODS,
} from './host-lists.ts';
import { FORBIDDEN_PROPERTIES, type Node } from './parser.ts';

/**
 * The host-side evaluator for the safe subset. Safety rests on three rules:
 * 1. values are only data (JSON from items), Luxon dates, and the engine's own `Exposed`
 *    objects and `HostFn` functions; the expression cannot create functions or objects with
 *    behaviour;
 * 2. a property read only returns an own data property (never runs a getter, never walks a
 *    prototype), plus an explicit list of read-only properties per kind of value;
 * 3. a call only runs a method from an explicit list per kind of value or a `HostFn`.
 * Whatever the lists do not cover throws `NeedsSandbox`, and the isolate evaluates it.
 */

export class NeedsSandbox extends Error {}

/** An engine object the expression may read and call, by explicit member lists only. */
export abstract class Exposed {
  abstract get(name: string): unknown;
  call(name: string, _args: unknown[]): unknown {
    throw new NeedsSandbox(name);
  }
}

/** A function the expression may call. */
export class HostFn {
  readonly fn: (...args: unknown[]) => unknown;
  constructor(fn: (...args: unknown[]) => unknown) {
    this.fn = fn;
  }
}

type Extensions = Record<
  'string' | 'number' | 'array' | 'object' | 'date' | 'boolean',
  Record<string, (...args: unknown[]) => unknown>
> & { toDateTime: (v: unknown) => DateTime };

// Our own constant source, shared with the isolate so both paths behave the same.
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const makeExtensions = (new Function(`return ${EXTENSIONS_SOURCE}`) as () => unknown)() as (
  dt: typeof DateTime,
) => Extensions;
export const extensions = makeExtensions(DateTime);

function isPlainData(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function blocked(name: string): never {
  throw new EvalError(`access to "${name}" is not allowed in expressions`);
}

/** Reads `obj[name]` under rule 2. */
export function readMember(obj: unknown, name: unknown): unknown {
  const key = typeof name === 'number' ? String(name) : name;
  if (typeof key !== 'string') throw new NeedsSandbox('non-string key');
  if (FORBIDDEN_PROPERTIES.has(key)) blocked(key);
  if (obj instanceof Exposed) return obj.get(key);
  if (typeof obj === 'string') {
    if (key === 'length') return obj.length;
    return /^\d+$/.test(key) ? obj[Number(key)] : undefined;
  }
  if (Array.isArray(obj)) {
    if (key === 'length') return obj.length;
    if (!/^\d+$/.test(key)) return undefined;
  } else if (obj instanceof DateTime) {
    if (DATE_PROPS.has(key)) return (obj as unknown as Record<string, unknown>)[key];
    return undefined;
  } else if (obj instanceof Duration) {
    return DURATION_PROPS.has(key) ? (obj as unknown as Record<string, unknown>)[key] : undefined;
  } else if (!isPlainData(obj)) {
    return undefined;
  }
  const desc = Object.getOwnPropertyDescriptor(obj, key);
  return desc && 'value' in desc ? (desc.value as unknown) : undefined;
}

const MAX_HOST_STRING = 1_000_000;
const GROWING = new Set(['repeat', 'padStart', 'padEnd', 'replaceAll', 'replace']);

function estimateLength(s: string, name: string, args: unknown[]): number {
  if (name === 'repeat') return s.length * Number(args[0]);
  if (name === 'padStart' || name === 'padEnd') return Number(args[0]);
  return s.length * (1 + (typeof args[1] === 'string' ? args[1].length : 0));
}

function noFunctions(args: unknown[]): void {
  for (const a of args)
    if (a instanceof HostFn || typeof a === 'function') throw new NeedsSandbox('callback');
}

/** Calls `recv.name(...args)` under rule 3. */
export function callMethod(recv: unknown, name: string, args: unknown[]): unknown {
  if (FORBIDDEN_PROPERTIES.has(name)) blocked(name);
  if (recv instanceof Exposed) return recv.call(name, args);
  noFunctions(args);
  if (typeof recv === 'string') {
    if (STRING_METHODS.has(name)) {
      // Bound what a single call may allocate on the host; the isolate has a memory limit.
      if (GROWING.has(name) && estimateLength(recv, name, args) > MAX_HOST_STRING) {
        throw new NeedsSandbox(name);
      }
      return (String.prototype[name as keyof string] as (...a: unknown[]) => unknown).apply(
        recv,
        args,
      );
    }
    return extension('string', recv, name, args);
  }
  if (typeof recv === 'number') {
    if (NUMBER_METHODS.has(name)) {
      return (Number.prototype[name as keyof number] as (...a: unknown[]) => unknown).apply(
        recv,
        args,
      );
    }
    return extension('number', recv, name, args);
  }
  if (typeof recv === 'boolean') {
    if (name === 'toString') return String(recv);
    return extension('boolean', recv, name, args);
  }
  if (Array.isArray(recv)) {
    if (ARRAY_METHODS.has(name)) {
      return (Array.prototype[name as keyof unknown[]] as (...a: unknown[]) => unknown).apply(
        recv,
        args,
      );
    }
    return extension('array', recv, name, args);
  }
  if (recv instanceof DateTime) {
    if (name === 'plus' || name === 'minus' || name === 'format')
      return extension('date', recv, name, args);
    if (DATE_METHODS.has(name)) {
      return (recv[name as keyof DateTime] as (...a: unknown[]) => unknown).apply(recv, args);
    }
    return extension('date', recv, name, args);
  }
  if (recv instanceof Duration && DURATION_METHODS.has(name)) {
    return (recv[name as keyof Duration] as (...a: unknown[]) => unknown).apply(recv, args);
  }
  if (recv instanceof Date && JSDATE_METHOD.test(name)) {
    return (Date.prototype[name as keyof Date] as (...a: unknown[]) => unknown).apply(recv, args);
  }
  if (isPlainData(recv)) {
    if (name === 'hasOwnProperty') return Object.hasOwn(recv, String(args[0]));
    if (name === 'toString') return '[object Object]';
    return extension('object', recv, name, args);
  }
  if (recv === null || recv === undefined) {
    throw new TypeError(`Cannot read properties of ${String(recv)} (reading '${name}')`);
  }
  throw new NeedsSandbox(name);
}

function extension(kind: keyof Extensions, recv: unknown, name: string, args: unknown[]): unknown {
  const group = extensions[kind] as Record<string, (...a: unknown[]) => unknown>;
  const fn = Object.hasOwn(group, name) ? group[name] : undefined;
  if (!fn) throw new NeedsSandbox(name);
  return fn(recv, ...args);
}

/** Plain objects the expression sees as namespaces of functions (`Math.max`, `JSON.parse`). */
class Namespace extends Exposed {
  readonly #fns: Record<string, (...a: unknown[]) => unknown>;
  readonly #values: Record<string, unknown>;
  constructor(
    fns: Record<string, (...a: unknown[]) => unknown>,
    values: Record<string, unknown> = {},
  ) {
    super();
    this.#fns = fns;
    this.#values = values;
  }
  get(name: string): unknown {
    if (Object.hasOwn(this.#values, name)) return this.#values[name];
    return Object.hasOwn(this.#fns, name) ? new HostFn(this.#fns[name]!) : undefined;
  }
  override call(name: string, args: unknown[]): unknown {
    noFunctions(args);
    const fn = Object.hasOwn(this.#fns, name) ? this.#fns[name] : undefined;
    if (!fn) throw new NeedsSandbox(name);
    return fn(...args);
  }
}

const mathFns = Object.fromEntries(
  [
    'abs',
    'ceil',
    'floor',
    'round',
    'max',
    'min',
    'pow',
    'sqrt',
    'trunc',
    'sign',
    'log',
    'log10',
    'exp',
    'random',
  ].map((k) => [k, (Math[k as 'max'] as (...a: unknown[]) => unknown).bind(Math)]),
);

export const GLOBALS: Record<string, unknown> = {
  Math: new Namespace(mathFns, { PI: Math.PI, E: Math.E }),
  JSON: new Namespace({
    stringify: (v, _r, s) => JSON.stringify(v, null, s as number | undefined),
    parse: (s) => JSON.parse(String(s)) as unknown,
  }),
  Object: new Namespace({
    keys: (o) => Object.keys(o as object),
    values: (o) => Object.values(o as object) as unknown[],
    entries: (o) => Object.entries(o as object),
  }),
  Array: new Namespace({ isArray: (a) => Array.isArray(a) }),
  Number: new HostFn((v) => Number(v)),
  String: new HostFn((v) => String(v)),
  Boolean: new HostFn((v) => Boolean(v)),
  parseInt: new HostFn((s, r) => parseInt(String(s), r as number | undefined)),
  parseFloat: new HostFn((s) => parseFloat(String(s))),
  isNaN: new HostFn((v) => Number.isNaN(Number(v))),
  encodeURIComponent: new HostFn((s) => encodeURIComponent(String(s))),
  decodeURIComponent: new HostFn((s) => decodeURIComponent(String(s))),
  encodeURI: new HostFn((s) => encodeURI(String(s))),
  decodeURI: new HostFn((s) => decodeURI(String(s))),
  DateTime: new Namespace({
    now: () => DateTime.now(),
    fromISO: (s, o) => DateTime.fromISO(String(s), o as object),
    fromMillis: (n) => DateTime.fromMillis(Number(n)),
    fromSeconds: (n) => DateTime.fromSeconds(Number(n)),
    fromFormat: (s, f) => DateTime.fromFormat(String(s), String(f)),
    fromSQL: (s) => DateTime.fromSQL(String(s)),
    fromHTTP: (s) => DateTime.fromHTTP(String(s)),
    fromRFC2822: (s) => DateTime.fromRFC2822(String(s)),
  }),
};

/** `$('Name')`: a node's data with n8n's accessors. */
export class NodeProxy extends Exposed {
  readonly #access: NodeDataAccess;
  readonly #data: ExpressionData;
  readonly #name: string;
  constructor(name: string, access: NodeDataAccess, data: ExpressionData) {
    super();
    this.#name = name;
    this.#access = access;
    this.#data = data;
  }
  #paired(index: number): Item {
    const item = this.#access.pairedItem(index);
    if (!item) {
      throw new Error(
        `no item of "${this.#name}" matches item ${index} (has it run on this path?)`,
      );
    }
    return item;
  }
  get(name: string): unknown {
    switch (name) {
      case 'item':
        return this.#paired(this.#data.itemIndex);
      case 'isExecuted':
        return this.#access.isExecuted;
      case 'params':
      case 'parameter':
        return this.#access.parameters;
      // Legacy `$node["Name"].json`: the item at the same index, else the first.
      case 'json':
      case 'binary': {
        const all = this.#access.all();
        const item = all[this.#data.itemIndex] ?? all[0];
        if (!item) throw new Error(`"${this.#name}" has no output data`);
        return name === 'json' ? item.json : (item.binary ?? {});
      }
      case 'data':
        return this.#access.all()[this.#data.itemIndex]?.json;
      case 'runIndex':
        return 0;
      case 'context':
        return this.#access.context;
      default:
        return undefined;
    }
  }
  override call(name: string, args: unknown[]): unknown {
    const all = (): Item[] =>
      this.#access.all(Number(args[0] ?? 0), args[1] === undefined ? undefined : Number(args[1]));
    switch (name) {
      case 'all':
        return all();
      case 'first':
        return all()[0];
      case 'last':
        return all().at(-1);
      case 'itemMatching':
        return this.#paired(Number(args[0]));
      case 'pairedItem':
        return this.#paired(args[0] === undefined ? this.#data.itemIndex : Number(args[0]));
      default:
        throw new NeedsSandbox(name);
    }
  }
}

/** `$input`. */
class InputProxy extends Exposed {
  readonly #data: ExpressionData;
  constructor(data: ExpressionData) {
    super();
    this.#data = data;
  }
  get(name: string): unknown {
    if (name === 'item') return this.#data.item;
    if (name === 'params') return this.#data.parameters;
    return undefined;
  }
  override call(name: string, _args: unknown[]): unknown {
    const items = this.#data.inputItems();
    if (name === 'all') return items;
    if (name === 'first') return items[0];
    if (name === 'last') return items.at(-1);
    throw new NeedsSandbox(name);
  }
}

/** `$node`: node name -> proxy. */
class NodeMap extends Exposed {
  readonly #data: ExpressionData;
  constructor(data: ExpressionData) {
    super();
    this.#data = data;
  }
  get(name: string): unknown {
    return nodeProxy(this.#data, name);
  }
}

function nodeProxy(data: ExpressionData, name: unknown): NodeProxy {
  const access = data.node(String(name));
  if (!access) throw new Error(`Referenced node doesn't exist: "${String(name)}"`);
  return new NodeProxy(String(name), access, data);
}

function isEmptyValue(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (isPlainData(v) && Object.keys(v).length === 0)
  );
}

/** The value of a `$` variable or global name, or `undefined` for an unknown name. */
export function resolveName(data: ExpressionData, name: string): unknown {
  switch (name) {
    case '$json':
      return data.item?.json ?? {};
    case '$binary':
      return data.item?.binary ?? {};
    case '$input':
      return new InputProxy(data);
    case '$':
      return new HostFn((n) => nodeProxy(data, n));
    case '$node':
      return new NodeMap(data);
    case '$items':
      return new HostFn((n) =>
        n === undefined ? data.inputItems() : nodeProxy(data, n).call('all', []),
      );
    case '$item':
      return new HostFn(() => new NodeMapAt(data));
    case '$now':
      return data.now;
    case '$today':
      return data.now.startOf('day');
    case '$workflow':
      return data.workflow;
    case '$execution':
      return data.execution;
    case '$itemIndex':
      return data.itemIndex;
    case '$runIndex':
      return data.runIndex;
    case '$prevNode':
      return { name: data.nodeName };
    case '$env':
      if (!data.env) throw new Error('access to $env is not allowed on this server');
      return data.env;
    case '$vars':
      return data.vars;
    case '$parameter':
      return data.parameters;
    case '$if':
      return new HostFn((c, a, b) => (c ? a : b));
    case '$ifEmpty':
      return new HostFn((v, d) => (isEmptyValue(v) ? d : v));
    case '$jmespath':
      return new HostFn(
        (o, q) => jmespath.search(o as Parameters<typeof jmespath.search>[0], String(q)) as unknown,
      );
    case '$max':
      return new HostFn((...a) => Math.max(...(a as number[])));
    case '$min':
      return new HostFn((...a) => Math.min(...(a as number[])));
    default:
      return Object.hasOwn(GLOBALS, name) ? GLOBALS[name] : NOT_FOUND;
  }
}

/** `$item(i).$node`. */
class NodeMapAt extends Exposed {
  readonly #data: ExpressionData;
  constructor(data: ExpressionData) {
    super();
    this.#data = data;
  }
  get(name: string): unknown {
    return name === '$node' ? new NodeMap(this.#data) : undefined;
  }
}

export const NOT_FOUND = Symbol('not found');

function binary(op: string, l: unknown, r: unknown): unknown {
  const a = l as number;
  const b = r as number;
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '**':
      return a ** b;
    case '==':
      return l == r;
    case '!=':
      return l != r;
    case '===':
      return l === r;
    case '!==':
      return l !== r;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    default:
      throw new NeedsSandbox(op);
  }
}

function toPrimitive(v: unknown): unknown {
  // `+` and comparisons on dates and engine objects: let the isolate apply JavaScript's rules.
  if (v !== null && typeof v === 'object' && !(v instanceof DateTime)) {
    if (v instanceof Exposed || v instanceof HostFn) throw new NeedsSandbox('coercion');
    return v;
  }
  return v instanceof DateTime ? v.valueOf() : v;
}

/**
 * What one evaluation may allocate on the host, in string characters plus array elements
 * produced by calls and operators. Without a loop, an expression of a few kilobytes can still
 * build gigabytes (`s.split('').concat(s.split(''), ...)`); past this it goes to the isolate,
 * whose heap has a hard limit.
 */
export const MAX_HOST_ALLOCATION = 16_000_000;
let allocated = 0;

function charge<T>(value: T): T {
  const size = typeof value === 'string' || Array.isArray(value) ? value.length : 0;
  if (size > 0) {
    allocated += size;
    if (allocated > MAX_HOST_ALLOCATION) throw new NeedsSandbox('allocation');
  }
  return value;
}

/** Evaluates a parsed expression of the safe subset. */
export function evaluate(node: Node, data: ExpressionData): unknown {
  allocated = 0;
  return evalNode(node, data);
}

function evalNode(node: Node, data: ExpressionData): unknown {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'id': {
      const v = resolveName(data, node.name);
      // A name the safe subset does not know (Date, Intl, RegExp, ...) may be one of the
      // isolate's globals: the isolate evaluates the expression, and says if it is not.
      if (v === NOT_FOUND) throw new NeedsSandbox(node.name);
      return v;
    }
    case 'member': {
      const obj = evalNode(node.obj, data);
      if (obj === null || obj === undefined) {
        if (node.optional) return undefined;
        const key = node.computed
          ? String(evalNode(node.prop, data))
          : String((node.prop as { v: unknown }).v);
        throw new TypeError(`Cannot read properties of ${String(obj)} (reading '${key}')`);
      }
      return readMember(obj, evalNode(node.prop, data));
    }
    case 'call': {
      if (node.callee.t === 'member') {
        const recv = evalNode(node.callee.obj, data);
        if ((recv === null || recv === undefined) && (node.callee.optional || node.optional))
          return undefined;
        const name = evalNode(node.callee.prop, data);
        if (typeof name !== 'string') throw new NeedsSandbox('computed call');
        return charge(
          callMethod(
            recv,
            name,
            node.args.map((a) => evalNode(a, data)),
          ),
        );
      }
      const fn = evalNode(node.callee, data);
      if ((fn === null || fn === undefined) && node.optional) return undefined;
      if (!(fn instanceof HostFn)) throw new NeedsSandbox('call');
      const args = node.args.map((a) => evalNode(a, data));
      noFunctions(args);
      return charge(fn.fn(...args));
    }
    case 'unary': {
      const v = evalNode(node.arg, data);
      if (node.op === '!') return !v;
      if (node.op === 'typeof') {
        if (v instanceof HostFn) return 'function';
        return typeof v;
      }
      const p = toPrimitive(v);
      return node.op === '-' ? -(p as number) : +(p as number);
    }
    case 'binary': {
      if (node.op === '&&') return evalNode(node.left, data) && evalNode(node.right, data);
      if (node.op === '||') return evalNode(node.left, data) || evalNode(node.right, data);
      if (node.op === '??') return evalNode(node.left, data) ?? evalNode(node.right, data);
      const l = evalNode(node.left, data);
      const r = evalNode(node.right, data);
      if (node.op === '===' || node.op === '!==') return binary(node.op, l, r);
      if (
        node.op === '+' &&
        (typeof l === 'object' || typeof r === 'object') &&
        l !== null &&
        r !== null
      ) {
        // String concatenation of objects uses their text form ("[object Object]", ISO dates).
        throw new NeedsSandbox('object +');
      }
      return charge(binary(node.op, toPrimitive(l), toPrimitive(r)));
    }
    case 'cond':
      return evalNode(node.test, data) ? evalNode(node.then, data) : evalNode(node.else, data);
    case 'array':
      return charge(node.items.map((i) => evalNode(i, data)));
    case 'object': {
      return Object.fromEntries(
        node.entries.map(([k, v]) => {
          if (FORBIDDEN_PROPERTIES.has(k)) blocked(k);
          return [k, evalNode(v, data)];
        }),
      );
    }
  }
}
