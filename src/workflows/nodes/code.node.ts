import ivm from 'isolated-vm';
import { BUFFER_SOURCE } from './code.buffer.ts';
import { CUSTOM_DATA_SOURCE, setAllCustomData } from '../engine/custom-data.ts';
import { NodeError, type Item, type NodeContext, type NodeType } from '../engine/engine.types.ts';
import { nodeRefs } from '../expressions/node-refs.ts';
import { preludeSource } from '../expressions/sandbox.ts';
import { defineNode, text } from './define.ts';
import { FUNCTION_CODE, FUNCTION_ITEM_CODE } from './descriptions/code.ts';
import { dict } from '../../kernel/dict.ts';

/**
 * Code, Function and Function Item nodes. Each run gets a fresh isolate (isolated-vm) with a
 * memory limit and a time limit; the data goes in as a copy and the result comes out as JSON,
 * so the code never holds a reference to the host. A run that overruns is stopped by the
 * isolate's own time-out and, should that not fire (an awaited loop), by disposing the isolate.
 */

const PRELUDE = `${preludeSource({ freeze: false })};\n${BUFFER_SOURCE}`;

type CodeMode = 'runOnceForAllItems' | 'runOnceForEachItem' | 'function' | 'functionItem';

/** The script the isolate runs: builds n8n's `$` helpers over the copied data, runs the code. */
function wrapper(code: string, mode: CodeMode): string {
  return `(async function (d) {
  const logs = [];
  const console = { log: (...a) => logs.push(a.map((x) => typeof x === 'string' ? x : JSON.stringify(x)).join(' ')) };
  console.info = console.warn = console.error = console.debug = console.log;
  const inputItems = d.items;
  const nodeApi = (n, index) => {
    const x = d.nodes[n];
    if (!x) throw new Error('Referenced node doesn\\'t exist: "' + n + '"');
    const api = {
      get item() { const i = x.paired[index]; if (i === undefined) throw new Error('no item of "' + n + '" matches item ' + index); return i; },
      first: () => x.all[0], last: () => x.all[x.all.length - 1], all: () => x.all,
      itemMatching: (i) => x.paired[i], isExecuted: x.isExecuted, params: x.params,
      get json() { const i = x.all[index] || x.all[0]; return i ? i.json : undefined; },
    };
    return api;
  };
  const makeGlobals = (index) => ({
    $: (n) => nodeApi(n, index),
    $node: new Proxy({}, { get: (_, n) => nodeApi(String(n), index) }),
    $input: { all: () => inputItems, first: () => inputItems[0], last: () => inputItems[inputItems.length - 1], get item() { return inputItems[index]; } },
    $json: inputItems[index] ? inputItems[index].json : undefined,
    $binary: inputItems[index] ? inputItems[index].binary || {} : {},
    $itemIndex: index,
    $items: (n) => (n === undefined ? inputItems : nodeApi(n, index).all()),
  });
  const $now = DateTime.fromMillis(d.now, { zone: d.zone });
  const $today = $now.startOf('day');
  const $workflow = d.workflow, $runIndex = d.runIndex, $vars = d.vars;
  const $execution = { ...d.execution, customData: (${CUSTOM_DATA_SOURCE})(d.customData) };
  const $env = d.env || new Proxy({}, { get: () => { throw new Error('access to $env is not allowed on this server'); } });
  const $jmespath = __jmespath;
  const $getWorkflowStaticData = () => d.staticData;
  const getWorkflowStaticData = $getWorkflowStaticData;
  const require = (name) => { throw new Error('require("' + name + '") is not available: Code nodes run in a sandbox without modules'); };
  // The code runs in its own function so it may redeclare any of these names (\`const items\`).
  const run = async ({ $, $node, $input, $json, $binary, $itemIndex, $items }, items, item) => {
    return (async () => {
${code}
    })();
  };
  let result;
  const mode = ${JSON.stringify(mode)};
  if (mode === 'runOnceForAllItems') result = await run(makeGlobals(0), inputItems);
  else if (mode === 'function') result = await run(makeGlobals(0), inputItems);
  else {
    result = [];
    for (let i = 0; i < inputItems.length; i++) {
      const g = makeGlobals(i);
      const r = await run(g, inputItems, mode === 'functionItem' ? inputItems[i].json : undefined);
      result.push({ r: r === undefined && mode === 'functionItem' ? inputItems[i].json : r, i });
    }
  }
  return JSON.stringify({ result, staticData: d.staticData, customData: d.customData, logs }, (k, v) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? String(v) : v));
})`;
}

function isItemShaped(v: unknown): v is Item {
  return v !== null && typeof v === 'object' && 'json' in v && typeof (v as Item).json === 'object';
}

/** n8n's rules for what Code returns: items, or plain objects wrapped as `{json}`. */
function normalize(result: unknown, mode: CodeMode): Item[] {
  if (mode === 'runOnceForEachItem' || mode === 'functionItem') {
    const out: Item[] = [];
    for (const { r, i } of result as { r: unknown; i: number }[]) {
      if (r === undefined || r === null) continue;
      if (Array.isArray(r)) throw new NodeError(`Code doesn't return a single object [item ${i}]`);
      if (typeof r !== 'object') throw new NodeError(`Code doesn't return an object [item ${i}]`);
      out.push(
        isItemShaped(r) && mode === 'runOnceForEachItem'
          ? { ...r, pairedItem: { item: i } }
          : { json: r as Record<string, unknown>, pairedItem: { item: i } },
      );
    }
    return out;
  }
  if (result === undefined || result === null) {
    throw new NodeError("Code doesn't return items properly", {
      description: 'Please return an array of objects, one for each item you would like to output.',
    });
  }
  const list = Array.isArray(result) ? result : [result];
  return list.map((r: unknown, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new NodeError(`Code doesn't return items properly [item ${i}]`);
    }
    return isItemShaped(r) ? r : { json: r as Record<string, unknown> };
  });
}

function pairedForRefs(ctx: NodeContext, source: string): Record<string, unknown> {
  const refs = nodeRefs(source);
  const names = refs === 'all' ? ctx.workflow.nodes.map((n) => n.name) : refs;
  const out = dict<unknown>();
  const items = ctx.input();
  for (const name of names) {
    const first = ctx.expressionData(0).node(name);
    if (!first) continue;
    const paired = items.map((_, i) => {
      try {
        return ctx.expressionData(i).node(name)?.pairedItem(i);
      } catch {
        return undefined;
      }
    });
    out[name] = {
      all: first.all(),
      paired,
      isExecuted: first.isExecuted,
      params: first.parameters,
    };
  }
  return out;
}

interface Prepared {
  isolate: ivm.Isolate;
  context: ivm.Context;
}

/** One fresh, never-used isolate kept ready per memory limit, so a run does not wait for setup. */
const spares = new Map<number, Promise<Prepared>>();
/** Every isolate made and not yet handed to a run (being prepared, or a spare). */
const unused = new Set<ivm.Isolate>();

/**
 * Disposes the spare isolates (and those being prepared). A process must not exit with an
 * isolate alive: isolated-vm's teardown can then crash it. Called on exit, and by whoever
 * shuts the engine down earlier.
 */
export function releaseSpareIsolates(): void {
  for (const isolate of unused) if (!isolate.isDisposed) isolate.dispose();
  unused.clear();
  spares.clear();
}
process.once('exit', releaseSpareIsolates);

async function prepare(memoryLimitMb: number): Promise<Prepared> {
  const isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb });
  unused.add(isolate);
  try {
    const context = await isolate.createContext();
    await context.eval(PRELUDE, { timeout: 10_000 });
    return { isolate, context };
  } catch (error) {
    if (!isolate.isDisposed) isolate.dispose();
    unused.delete(isolate);
    throw error;
  }
}

async function freshIsolate(memoryLimitMb: number): Promise<Prepared> {
  const spare = spares.get(memoryLimitMb);
  spares.delete(memoryLimitMb);
  if (spare) {
    try {
      const ready = await spare;
      unused.delete(ready.isolate);
      if (!ready.isolate.isDisposed) return ready;
    } catch {
      // fall through to a new one
    }
  }
  const ready = await prepare(memoryLimitMb);
  unused.delete(ready.isolate);
  return ready;
}

/** Prepares the next spare once a run is over (not during it: the cores are shared). */
function replenish(memoryLimitMb: number): void {
  if (spares.has(memoryLimitMb)) return;
  const next = prepare(memoryLimitMb);
  next.catch(() => spares.delete(memoryLimitMb));
  spares.set(memoryLimitMb, next);
}

/** Runs JavaScript from a Code-like node in a fresh isolate; returns its items. */
export async function runCode(ctx: NodeContext, code: string, mode: CodeMode): Promise<Item[]> {
  const timeoutMs = ctx.code.timeoutMs ?? 10_000;
  const memoryLimitMb = ctx.code.memoryLimitMb ?? 64;
  const { isolate, context } = await freshIsolate(memoryLimitMb);
  const killer = setTimeout(() => {
    if (!isolate.isDisposed) isolate.dispose();
  }, timeoutMs + 250);
  try {
    const data = ctx.expressionData(0);
    const input = {
      items: ctx.input().map((i) => ({ json: i.json, ...(i.binary ? { binary: i.binary } : {}) })),
      nodes: pairedForRefs(ctx, code),
      now: data.now.toMillis(),
      zone: data.timezone,
      workflow: data.workflow,
      execution: data.execution,
      runIndex: ctx.runIndex,
      vars: data.vars,
      env: data.env,
      staticData: ctx.staticData,
      customData: ctx.customData,
    };
    const fn = (await context.eval(wrapper(code, mode), {
      reference: true,
      timeout: timeoutMs,
    })) as ivm.Reference<(d: unknown) => Promise<string>>;
    const output: unknown = await fn.apply(undefined, [input], {
      arguments: { copy: true },
      result: { promise: true, copy: true },
      timeout: timeoutMs,
    });
    return ctx.work(() => {
      const parsed = JSON.parse(String(output)) as {
        result: unknown;
        staticData: Record<string, unknown>;
        customData: Record<string, unknown>;
      };
      // Static data changes made by the code are kept for the rest of the execution (own
      // keys only: a key named `__proto__` stays a key).
      for (const key of Object.keys(ctx.staticData)) delete ctx.staticData[key];
      for (const key of Object.keys(parsed.staticData)) {
        ctx.staticData[key] = parsed.staticData[key];
      }
      // Custom data set by the code, checked again here: the isolate's copy is not trusted.
      setAllCustomData(ctx.customData, parsed.customData);
      return normalize(parsed.result, mode);
    });
  } catch (error) {
    if (error instanceof NodeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (isolate.isDisposed && !/memory/i.test(message)) {
      throw new NodeError(`the code ran longer than ${timeoutMs} ms and was stopped`, {
        cause: error,
      });
    }
    if (/timed out/i.test(message))
      throw new NodeError(`the code ran longer than ${timeoutMs} ms and was stopped`);
    if (/memory/i.test(message))
      throw new NodeError(`the code used more than ${memoryLimitMb} MB of memory and was stopped`);
    throw new NodeError(message, { cause: error });
  } finally {
    clearTimeout(killer);
    if (!isolate.isDisposed) isolate.dispose();
    setImmediate(() => replenish(memoryLimitMb));
  }
}

export const codeNode = defineNode({
  name: 'code',
  versions: [1, 2],
  async execute(ctx) {
    const language = ctx.param<string>('language', 0, 'javaScript');
    if (language !== 'javaScript') {
      throw new NodeError(
        `Code in ${language} is not supported: only JavaScript runs in this engine's sandbox`,
      );
    }
    const mode =
      ctx.param<CodeMode>('mode', 0, 'runOnceForAllItems') === 'runOnceForEachItem'
        ? 'runOnceForEachItem'
        : 'runOnceForAllItems';
    // n8n's default is empty (its editor writes a snippet into a new node); its task runner
    // refuses empty code.
    const code = text(ctx.rawParam('jsCode'), '');
    if (code === '') throw new NodeError('No code to execute');
    return [await runCode(ctx, code, mode)];
  },
});

export const functionNode = defineNode({
  name: 'function',
  versions: [1],
  async execute(ctx) {
    return [await runCode(ctx, text(ctx.rawParam('functionCode'), FUNCTION_CODE), 'function')];
  },
});

export const functionItemNode = defineNode({
  name: 'functionItem',
  versions: [1],
  async execute(ctx) {
    return [
      await runCode(ctx, text(ctx.rawParam('functionCode'), FUNCTION_ITEM_CODE), 'functionItem'),
    ];
  },
});

export const codeNodes: NodeType[] = [codeNode, functionNode, functionItemNode];
