import { DateTime } from 'luxon';
import { ExpressionError, type ExpressionData, type Item } from './expression.types.ts';
import { evaluate, NeedsSandbox } from './host-eval.ts';
import { forbiddenName, parse, type Node } from './parser.ts';
import { ExpressionSandbox, type SandboxInput, type SandboxLimits } from './sandbox.ts';
import { isExpression, splitTemplate } from './template.ts';
import { nodeRefs } from './node-refs.ts';

type CompiledCode =
  | { kind: 'host'; source: string; ast: Node }
  | { kind: 'sandbox'; source: string; nodes: string[] | 'all'; usesInput: boolean }
  | { kind: 'forbidden'; source: string; name: string };

type CompiledTemplate =
  { whole: true; code: CompiledCode } | { whole: false; parts: (string | CompiledCode)[] };

export interface EvaluatorOptions extends SandboxLimits {
  /** Most compiled templates kept (least recently used evicted). Default 10,000. */
  cacheSize?: number;
}

/** Statistics on how expressions were evaluated, for benchmarks and the README's claims. */
export interface EvaluatorStats {
  host: number;
  sandbox: number;
  compiled: number;
}

/**
 * Evaluates n8n expressions. Each template is parsed once and cached by its source. Blocks in
 * the safe subset run on the host (see host-eval.ts), others in a warm isolate (sandbox.ts).
 */
export class ExpressionEvaluator {
  readonly #cache = new Map<string, CompiledTemplate>();
  readonly #cacheSize: number;
  readonly #sandbox: ExpressionSandbox;
  readonly stats: EvaluatorStats = { host: 0, sandbox: 0, compiled: 0 };

  constructor(options: EvaluatorOptions = {}) {
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#sandbox = new ExpressionSandbox(options);
  }

  dispose(): void {
    this.#sandbox.dispose();
  }

  #compileCode(source: string): CompiledCode {
    const name = forbiddenName(source);
    if (name) return { kind: 'forbidden', source, name };
    const ast = parse(source);
    if (ast) return { kind: 'host', source, ast };
    return {
      kind: 'sandbox',
      source,
      nodes: nodeRefs(source),
      usesInput: /\$input|\$items\(\s*\)/.test(source),
    };
  }

  #compile(template: string): CompiledTemplate {
    const hit = this.#cache.get(template);
    if (hit) {
      // Refresh its place in the LRU order.
      this.#cache.delete(template);
      this.#cache.set(template, hit);
      return hit;
    }
    this.stats.compiled++;
    const segments = splitTemplate(template.slice(1));
    const first = segments[0];
    const compiled: CompiledTemplate =
      segments.length === 1 && first?.kind === 'code'
        ? { whole: true, code: this.#compileCode(first.code) }
        : {
            whole: false,
            parts: segments.map((s) => (s.kind === 'text' ? s.text : this.#compileCode(s.code))),
          };
    this.#cache.set(template, compiled);
    if (this.#cache.size > this.#cacheSize) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
    return compiled;
  }

  /**
   * The value of one parameter: an expression string (`=...`) is evaluated, any other value
   * is returned as is. Objects and arrays are resolved recursively, as n8n does.
   */
  resolve(value: unknown, data: ExpressionData, timeoutMs?: number): unknown {
    if (typeof value === 'string') {
      return isExpression(value) ? this.evaluate(value, data, timeoutMs) : value;
    }
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, data, timeoutMs));
    if (value !== null && typeof value === 'object') {
      // Own properties only (a parameter named `__proto__` stays a parameter).
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.resolve(v, data, timeoutMs)]),
      );
    }
    return value;
  }

  /**
   * Evaluates one template (`=...`). `timeoutMs` bounds a sandboxed block's run (default: the
   * evaluator's `timeoutMs`; the smaller of the two applies).
   */
  evaluate(template: string, data: ExpressionData, timeoutMs?: number): unknown {
    const compiled = this.#compile(template);
    if (compiled.whole) return normalize(this.#run(compiled.code, data, timeoutMs));
    let text = '';
    for (const part of compiled.parts)
      text += typeof part === 'string' ? part : toText(this.#run(part, data, timeoutMs));
    return text;
  }

  #run(code: CompiledCode, data: ExpressionData, timeoutMs: number | undefined): unknown {
    if (code.kind === 'forbidden') {
      throw new ExpressionError(
        'expression_forbidden',
        `"${code.name}" is not allowed in expressions`,
        code.source,
      );
    }
    if (code.kind === 'host') {
      try {
        const value = evaluate(code.ast, data);
        this.stats.host++;
        return value;
      } catch (error) {
        if (!(error instanceof NeedsSandbox)) throw wrap(error, code.source);
        // Outside the host's lists: from now on this block goes to the isolate.
        const moved = code as unknown as CompiledCode & { kind: 'sandbox' };
        moved.kind = 'sandbox';
        moved.nodes = nodeRefs(code.source);
        moved.usesInput = /\$input|\$items\(\s*\)/.test(code.source);
        return this.#run(moved, data, timeoutMs);
      }
    }
    this.stats.sandbox++;
    try {
      return this.#sandbox.evaluate(code.source, sandboxInput(code, data), timeoutMs);
    } catch (error) {
      throw wrap(error, code.source);
    }
  }
}

function wrap(error: unknown, source: string): ExpressionError {
  if (error instanceof ExpressionError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = /is not allowed/.test(message)
    ? 'expression_forbidden'
    : /longer than|memory|too large/.test(message)
      ? 'expression_limit'
      : 'expression_failed';
  return new ExpressionError(code, message, source, { cause: error });
}

function sandboxInput(
  code: { nodes: string[] | 'all'; usesInput: boolean },
  data: ExpressionData,
): SandboxInput {
  const nodes: SandboxInput['nodes'] = {};
  const names = code.nodes === 'all' ? (data.nodeNames?.() ?? []) : code.nodes;
  for (const name of names) {
    const access = data.node(name);
    if (!access) continue;
    let item: Item | undefined;
    try {
      item = access.pairedItem(data.itemIndex);
    } catch {
      item = undefined;
    }
    nodes[name] = {
      all: access.all(),
      item,
      isExecuted: access.isExecuted,
      params: access.parameters,
      context: access.context,
    };
  }
  return {
    json: data.item?.json ?? {},
    binary: data.item?.binary ?? {},
    items: code.usesInput ? data.inputItems() : undefined,
    nodes,
    now: data.now.toMillis(),
    zone: data.timezone,
    workflow: data.workflow,
    execution: data.execution,
    itemIndex: data.itemIndex,
    runIndex: data.runIndex,
    env: data.env,
    vars: data.vars,
    parameter: data.parameters,
  };
}

/** Whole-value results: dates become ISO strings, as they do in n8n's item JSON. */
function normalize(value: unknown): unknown {
  if (value instanceof DateTime) return value.toISO();
  if (value instanceof Date) return value.toISOString();
  // A copy, so a node changing a value it got from `{{ $json.obj }}` cannot change the
  // item it came from (which run data still holds).
  if (value !== null && typeof value === 'object') {
    return JSON.parse(
      JSON.stringify(value, (_k, v: unknown) => (v instanceof DateTime ? v.toISO() : v)),
    ) as unknown;
  }
  return value;
}

/** How a block's value reads inside a text template (n8n's rules). */
function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof DateTime) return value.toISO() ?? '';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return '';
}
