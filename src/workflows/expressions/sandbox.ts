import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ivm from 'isolated-vm';
import { EXTENSIONS_SOURCE } from './extensions.source.ts';

const require = createRequire(import.meta.url);
// Luxon's package exports hide its browser build: find it beside the package's main file.
const luxonMain = require.resolve('luxon');
const LUXON_SOURCE = readFileSync(
  join(luxonMain.slice(0, luxonMain.lastIndexOf('/build/')), 'build/global/luxon.min.js'),
  'utf8',
);
const JMESPATH_SOURCE = readFileSync(require.resolve('jmespath/jmespath.js'), 'utf8');

/** What one evaluation in the isolate sees, copied into it (never a reference to the host). */
export interface SandboxInput {
  json: unknown;
  binary: unknown;
  items?: unknown[];
  nodes: Record<
    string,
    { all: unknown[]; item?: unknown; isExecuted: boolean; params: unknown; context: unknown }
  >;
  now: number;
  zone: string;
  workflow: unknown;
  execution: unknown;
  itemIndex: number;
  runIndex: number;
  env?: Record<string, string>;
  vars: Record<string, string>;
  parameter: unknown;
}

export interface SandboxLimits {
  /** Wall time one evaluation may take, in milliseconds. Default 1,000. */
  timeoutMs?: number;
  /** Heap of the isolate, in megabytes. Default 64. */
  memoryLimitMb?: number;
}

/**
 * Runs inside the isolate once, then freezes it: extension methods are installed on the
 * isolate's own prototypes, code-from-string entry points (`Function`, `eval`, the function
 * constructors reachable through `constructor`) are removed, and every intrinsic and the
 * global object are frozen so one evaluation cannot change what the next one sees.
 */
export const preludeSource = (options: { freeze: boolean }): string => `(function () {
  const luxon = (function () { ${LUXON_SOURCE}; return luxon; })();
  const jmespath = (function () { const exports = {}; ${JMESPATH_SOURCE}; return exports; })();
  return (function () {
  'use strict';
  const DateTime = luxon.DateTime;
  const ext = (${EXTENSIONS_SOURCE})(DateTime);
  const install = (proto, group, override) => {
    for (const k of Object.keys(group)) {
      if (!override && k in proto) continue;
      const f = group[k];
      const method = function (...a) { return f(this, ...a); };
      // An accessor, not a value: assigning \`obj.keys = x\` on an object must still work
      // once the prototypes are frozen (the "override mistake").
      Object.defineProperty(proto, k, {
        get() { return method; },
        set(v) { Object.defineProperty(this, k, { value: v, writable: true, enumerable: true, configurable: true }); },
        configurable: false, enumerable: false,
      });
    }
  };
  // WebAssembly memories are reserved outside the isolate's heap limit (a Code node could take
  // a gigabyte); shared memory would let code wait on other threads. Neither is in n8n's API.
  delete globalThis.WebAssembly;
  delete globalThis.SharedArrayBuffer;
  delete globalThis.Atomics;
  install(String.prototype, ext.string);
  install(Number.prototype, ext.number);
  install(Boolean.prototype, ext.boolean);
  install(Array.prototype, ext.array);
  const op = DateTime.prototype.plus;
  const om = DateTime.prototype.minus;
  const unitOf = (u) => String(u || 'milliseconds').replace(/s?$/, 's');
  const shift = (f) => function (n, u) {
    return typeof n === 'number' || (typeof n === 'string' && u) ? f.call(this, { [unitOf(u)]: Number(n) }) : f.call(this, n);
  };
  for (const [k, f] of [['plus', shift(op)], ['minus', shift(om)], ['format', function (fmt) { return this.toFormat(fmt); }]]) {
    Object.defineProperty(DateTime.prototype, k, { value: f, configurable: false, enumerable: false, writable: false });
  }
  // Some single allocations abort the whole process instead of hitting the isolate's memory
  // limit (V8 fatal errors for huge dictionary arrays and string splits): refuse them early.
  const MAX = 10000000;
  const big = (what) => { throw new RangeError(what + ' is too large for an expression'); };
  const A = Array;
  const guardLen = (name) => {
    const f = A.prototype[name];
    Object.defineProperty(A.prototype, name, { value: function (...a) { if (this.length > MAX) big('array'); return f.apply(this, a); } });
  };
  ['fill', 'copyWithin', 'join', 'map', 'forEach', 'filter', 'reduce', 'sort', 'reverse', 'flat', 'flatMap', 'toSorted', 'toReversed', 'splice', 'keys', 'values', 'entries', 'includes', 'indexOf'].forEach(guardLen);
  const from = A.from;
  Object.defineProperty(A, 'from', { value: function (x, ...a) { if (x && x.length > MAX) big('array'); return from.call(A, x, ...a); } });
  const SafeArray = function (...a) { if (a.length === 1 && typeof a[0] === 'number' && a[0] > MAX) big('array'); return new A(...a); };
  Object.defineProperties(SafeArray, { from: { value: A.from }, of: { value: A.of }, isArray: { value: A.isArray }, prototype: { value: A.prototype } });
  Object.defineProperty(globalThis, 'Array', { value: SafeArray });
  delete A.prototype.constructor;
  for (const name of ['repeat', 'padStart', 'padEnd', 'split', 'replaceAll', 'replace']) {
    const f = String.prototype[name];
    Object.defineProperty(String.prototype, name, { value: function (...a) {
      const n = name === 'repeat' ? this.length * a[0] : name.startsWith('pad') ? a[0] : this.length;
      if (n > MAX) big('string');
      return f.apply(this, a);
    } });
  }
  install(DateTime.prototype, ext.date);
  install(Object.prototype, ext.object);
  const jp = jmespath;
  const F = Function;
  const fns = [];
  const names = ['$json', '$binary', '$input', '$', '$node', '$items', '$item', '$now', '$today',
    '$workflow', '$execution', '$itemIndex', '$runIndex', '$env', '$vars', '$parameter', '$if',
    '$ifEmpty', '$jmespath', 'DateTime'];
  const compile = (src) => {
    fns.push(new F(...names, '"use strict";\\nreturn (\\n' + src + '\\n);'));
    return fns.length - 1;
  };
  const isEmpty = (v) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && !Array.isArray(v) && !DateTime.isDateTime(v) && Object.keys(v).length === 0);
  const out = (v) => JSON.stringify({ v }, (k, x) => {
    if (x instanceof Date) return x.toISOString();
    if (typeof x === 'function') return undefined;
    return x;
  });
  const run = (id, d) => {
    const node = (n) => {
      const x = d.nodes[n];
      if (!x) throw new Error('Referenced node doesn\\'t exist: "' + n + '"');
      const api = {
        get item() { if (x.item === undefined) throw new Error('no item of "' + n + '" matches this item'); return x.item; },
        first: (o) => x.all[0], last: () => x.all[x.all.length - 1], all: () => x.all,
        itemMatching: () => api.item, pairedItem: () => api.item,
        isExecuted: x.isExecuted, params: x.params, context: x.context,
        get json() { const i = x.all[d.itemIndex] || x.all[0]; if (!i) throw new Error('"' + n + '" has no output data'); return i.json; },
        get binary() { const i = x.all[d.itemIndex] || x.all[0]; return (i && i.binary) || {}; },
      };
      return api;
    };
    const nodeMap = new Proxy({}, { get: (_, n) => node(String(n)) });
    const items = d.items || [];
    const input = { get item() { return items[d.itemIndex]; }, first: () => items[0], last: () => items[items.length - 1], all: () => items, params: d.parameter };
    const now = DateTime.fromMillis(d.now, { zone: d.zone });
    const env = d.env || new Proxy({}, { get: () => { throw new Error('access to $env is not allowed on this server'); } });
    const r = fns[id](d.json, d.binary, input, node, nodeMap,
      (n) => (n === undefined ? items : node(n).all()), () => ({ $node: nodeMap }), now, now.startOf('day'),
      d.workflow, d.execution, d.itemIndex, d.runIndex, env, d.vars, d.parameter,
      (c, a, b) => (c ? a : b), (v, x) => (isEmpty(v) ? x : v), (o, q) => jp.search(o, q), DateTime);
    return r === undefined ? undefined : out(r);
  };
  Object.defineProperty(globalThis, '__compile', { value: compile });
  Object.defineProperty(globalThis, '__run', { value: run });
  Object.defineProperty(globalThis, 'DateTime', { value: DateTime });
  Object.defineProperty(globalThis, '__jmespath', { value: (o, q) => jp.search(o, q) });
  if (!${options.freeze}) return;
  const fnProtos = [function () {}, async function () {}, function* () {}, async function* () {}]
    .map((f) => Object.getPrototypeOf(f));
  for (const p of fnProtos) delete p.constructor;
  delete globalThis.eval;
  delete globalThis.Function;
  const seen = new Set();
  const deepFreeze = (o) => {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) return;
    seen.add(o);
    Object.freeze(o);
    for (const k of Reflect.ownKeys(o)) {
      const desc = Object.getOwnPropertyDescriptor(o, k);
      if (desc && 'value' in desc) deepFreeze(desc.value);
    }
    deepFreeze(Object.getPrototypeOf(o));
  };
  deepFreeze(globalThis);
  deepFreeze(DateTime);
  for (const p of fnProtos) deepFreeze(p);
  })();
})();`;

const PRELUDE = preludeSource({ freeze: true });

/**
 * A warm isolate for the expressions the host evaluator does not cover. Each expression is
 * compiled once (cached by source); each evaluation copies its data in and a JSON string out,
 * synchronously, under a time limit; a memory-limit failure disposes the isolate and the
 * next evaluation builds a fresh one.
 */
export class ExpressionSandbox {
  readonly #timeoutMs: number;
  readonly #memoryLimitMb: number;
  #isolate: ivm.Isolate | undefined;
  #compile: ivm.Reference<(src: string) => number> | undefined;
  #run: ivm.Reference<(id: number, data: SandboxInput) => string | undefined> | undefined;
  #ids = new Map<string, number>();

  constructor(limits: SandboxLimits = {}) {
    this.#timeoutMs = limits.timeoutMs ?? 1_000;
    this.#memoryLimitMb = limits.memoryLimitMb ?? 64;
  }

  #ensure(): void {
    if (this.#isolate && !this.#isolate.isDisposed) return;
    const isolate = new ivm.Isolate({ memoryLimit: this.#memoryLimitMb });
    const context = isolate.createContextSync();
    try {
      context.evalSync(PRELUDE);
    } catch (error) {
      isolate.dispose();
      throw error;
    }
    const global = context.global;
    this.#compile = global.getSync('__compile', { reference: true }) as ivm.Reference<
      (src: string) => number
    >;
    this.#run = global.getSync('__run', { reference: true }) as ivm.Reference<
      (id: number, data: SandboxInput) => string | undefined
    >;
    this.#isolate = isolate;
    this.#ids = new Map();
  }

  /**
   * Evaluates one JavaScript expression over `data`; throws with a readable message. It may run
   * for the smaller of `timeoutMs` and the sandbox's own time-out.
   */
  evaluate(source: string, data: SandboxInput, timeoutMs = this.#timeoutMs): unknown {
    this.#ensure();
    const timeout = Math.max(1, Math.ceil(Math.min(timeoutMs, this.#timeoutMs)));
    try {
      let id = this.#ids.get(source);
      if (id === undefined) {
        id = Number(this.#compile!.applySync(undefined, [source], { timeout }));
        this.#ids.set(source, id);
      }
      const raw: unknown = this.#run!.applySync(undefined, [id, data], {
        arguments: { copy: true },
        timeout,
      });
      const text = typeof raw === 'string' ? raw : undefined;
      return text === undefined ? undefined : (JSON.parse(text) as { v: unknown }).v;
    } catch (error) {
      throw this.#explain(error, timeout);
    }
  }

  #explain(error: unknown, timeout: number): Error {
    const message = error instanceof Error ? error.message : String(error);
    if (this.#isolate?.isDisposed || /memory limit/i.test(message)) {
      this.#isolate = undefined;
      return new RangeError(`the expression used more than ${this.#memoryLimitMb} MB of memory`);
    }
    if (/timed out/i.test(message)) {
      return new RangeError(`the expression ran longer than ${timeout} ms`);
    }
    return error instanceof Error ? error : new Error(message);
  }

  dispose(): void {
    if (this.#isolate && !this.#isolate.isDisposed) this.#isolate.dispose();
    this.#isolate = undefined;
  }
}
