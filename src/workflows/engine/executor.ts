import { setTimeout as delay } from 'node:timers/promises';
import { systemClock, type Clock } from '../../kernel/clock.ts';
import { dict, toDict } from '../../kernel/dict.ts';
import { newId } from '../../kernel/ids.ts';
import type { ExpressionEvaluator } from '../expressions/evaluator.ts';
import { buildGraph, inputCount, type WorkflowGraph } from '../model/graph.ts';
import { executionOrderOf, type Workflow, type WorkflowNode } from '../model/workflow.types.ts';
import type {
  CodeLimits,
  CommandRunner,
  ErrorWorkflowPayload,
  ExecutionMode,
  ExecutionObserver,
  ExecutionState,
  FileAccess,
  HttpOptions,
  Item,
  NodeOutput,
  NodeRegistry,
  SerializedError,
  StackEntry,
  TaskData,
  WaitRequest,
  WebhookResponse,
} from './engine.types.ts';
import { NodeError } from './engine.types.ts';
import { ExecutionLimitError, UNMETERED, type ExecutionMeter } from './meter.ts';
import { createNodeContext, type ContextShared } from './node-context.ts';
import { withResolvedParameters } from './node-parameters.ts';

/** What the engine needs from the world, given once (tests pass fakes for clock and sleep). */
export interface EngineDeps {
  registry: NodeRegistry;
  evaluator: ExpressionEvaluator;
  clock?: Clock;
  /** Waits `ms` milliseconds (retries, short Wait nodes). */
  sleep?: (ms: number) => Promise<void>;
  http?: HttpOptions;
  code?: CodeLimits;
  /**
   * The organisation's files (Read/Write Files from Disk, Read Binary File...). Absent: file
   * nodes fail, saying file access is not configured.
   */
  files?: FileAccess;
  /**
   * Runs Execute Command's commands in the organisation's sandbox. Absent (the default): the node
   * fails, saying an administrator has not turned it on.
   */
  commands?: CommandRunner;
  /** `$env` for expressions; `undefined` denies access (the default). */
  env?: Record<string, string>;
  vars?: Record<string, string>;
  /** The instance's default timezone (a workflow's own setting wins over it; default UTC). */
  timezone?: string;
  /** Loads a workflow for Execute Workflow nodes (by id, or the node's `source` parameters). */
  loadWorkflow?: (reference: unknown) => Promise<Workflow>;
  /** Called when an execution fails, with what an Error Trigger workflow receives. */
  onWorkflowError?: (payload: ErrorWorkflowPayload, errorWorkflowId: string | undefined) => void;
  /** The execution's budget of synchronous work (default: none; the worker pool sets one). */
  meter?: ExecutionMeter;
}

export interface RunOptions {
  workflow: Workflow;
  /** The trigger (or any node) to start from; default: the first trigger, else a root node. */
  startNode?: string;
  /** Items the start node receives (webhook request, schedule time...). */
  triggerItems?: Item[];
  mode?: ExecutionMode;
  executionId?: string;
  /** Use the workflow's `pinData` instead of running pinned nodes. Default: in manual mode. */
  usePinnedData?: boolean;
  /** Continue a previous execution from its state (a crash, a finished wait). */
  resumeFrom?: ExecutionState;
  observer?: ExecutionObserver;
  signal?: AbortSignal;
}

export type ExecutionStatus = 'success' | 'error' | 'waiting' | 'canceled';

export interface ExecutionResult {
  executionId: string;
  status: ExecutionStatus;
  state: ExecutionState;
  runData: Record<string, TaskData[]>;
  lastNodeExecuted?: string;
  /** Output 0 of the last node that ran. */
  lastNodeOutput: Item[];
  error?: SerializedError;
  response?: WebhookResponse;
  waitUntil?: Date;
}

const MAX_NODE_RUNS = 100_000;

const noFiles = (): never => {
  throw new NodeError(
    "File access is not configured: this engine has no folder for the organisation's files",
  );
};

/**
 * The files of an engine given none: every call fails, saying so. Its limit still bounds what
 * nodes unpack in memory (Compression): 32 MiB, the default of `IZA_WORKFLOWS_MAX_FILE_BYTES`.
 */
const NO_FILES: FileAccess = {
  maxFileBytes: 32 * 1024 * 1024,
  glob: noFiles,
  read: noFiles,
  write: noFiles,
};

function serializeError(error: unknown, node?: string): SerializedError {
  if (error instanceof Error) {
    const { description, itemIndex } = error as { description?: unknown; itemIndex?: unknown };
    return {
      message: error.message,
      name: error.name,
      ...(node === undefined ? {} : { node }),
      ...(typeof description === 'string' ? { description } : {}),
      ...(typeof itemIndex === 'number' ? { itemIndex } : {}),
      ...(error.stack === undefined ? {} : { stack: error.stack }),
    };
  }
  return { message: String(error), name: 'Error', ...(node === undefined ? {} : { node }) };
}

function isWait(output: NodeOutput): output is WaitRequest {
  return output !== null && !Array.isArray(output);
}

/**
 * Runs one workflow execution with n8n's semantics (items, outputs, execution orders,
 * retries, error outputs, pinned data) and returns its run data. Never throws for a node
 * failure: the result says `error`.
 */
/**
 * The timezone an execution runs in, as n8n decides it: the workflow's setting, unless absent or
 * `DEFAULT`, else the instance's default, else UTC.
 */
export function timezoneOf(workflow: Workflow, instance: string | undefined): string {
  const own = workflow.settings?.timezone;
  return own && own !== 'DEFAULT' ? own : (instance ?? 'UTC');
}

export async function runWorkflow(deps: EngineDeps, options: RunOptions): Promise<ExecutionResult> {
  // Nodes, their contexts and expressions (`$parameter`, `$('X').params`) all read the
  // parameters n8n's runtime sees: defaults of the node's version filled in.
  const workflow = withResolvedParameters(options.workflow, deps.registry);
  const graph = buildGraph(workflow);
  const order = executionOrderOf(workflow);
  const mode = options.mode ?? 'manual';
  const executionId = options.executionId ?? newId();
  const clock = deps.clock ?? systemClock;
  const usePinned = options.usePinnedData ?? mode === 'manual';
  const state: ExecutionState = options.resumeFrom
    ? restoreState(structuredClone(options.resumeFrom))
    : {
        runData: dict(),
        stack: [],
        waiting: dict(),
        nodeState: dict(),
        staticData: toDict(structuredClone((workflow.staticData ?? {}) as Record<string, unknown>)),
        customData: dict(),
      };
  const meter = deps.meter ?? UNMETERED;

  if (!options.resumeFrom) {
    const start = options.startNode ?? defaultStartNode(deps.registry, workflow, graph);
    if (!start || !graph.nodes.has(start)) {
      return finish('error', { message: `start node "${String(start)}" not found`, name: 'Error' });
    }
    state.stack.push({
      node: start,
      inputs: [options.triggerItems ?? [{ json: {} }]],
      source: [null],
    });
  }

  const shared: ContextShared = {
    workflow,
    nodes: graph.nodes,
    state,
    evaluator: deps.evaluator,
    clock,
    timezone: timezoneOf(workflow, deps.timezone),
    mode,
    executionId,
    env: deps.env,
    vars: deps.vars ?? {},
    sleep: deps.sleep ?? ((ms) => delay(ms)),
    http: deps.http ?? {},
    code: deps.code ?? {},
    files: deps.files ?? NO_FILES,
    commands: deps.commands,
    signal: options.signal,
    meter,
    runSubWorkflow: async (reference, items) => {
      if (!deps.loadWorkflow) throw new Error('this engine cannot load sub-workflows');
      const sub = await deps.loadWorkflow(reference);
      const trigger = sub.nodes.find((n) => n.type === 'n8n-nodes-base.executeWorkflowTrigger');
      const result = await runWorkflow(deps, {
        workflow: sub,
        mode: 'integrated',
        ...(trigger ? { startNode: trigger.name } : {}),
        triggerItems: items,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (result.status === 'error') {
        throw new Error(`sub-workflow failed: ${result.error?.message ?? 'unknown error'}`);
      }
      return result.lastNodeOutput;
    },
  };

  // n8n's `settings.executionTimeout` (seconds; -1 or absent: none), checked between nodes.
  const timeoutSeconds = Number(workflow.settings?.executionTimeout ?? -1);
  const deadline = timeoutSeconds > 0 ? clock.now().getTime() + timeoutSeconds * 1000 : undefined;
  let runs = 0;
  for (;;) {
    if (options.signal?.aborted) return finish('canceled');
    if (deadline !== undefined && clock.now().getTime() > deadline) {
      return finish('error', {
        message: `the execution ran longer than its ${timeoutSeconds} s timeout`,
        name: 'ExecutionTimeout',
      });
    }
    let entry = state.stack.shift();
    if (!entry) entry = takeWaiting(deps.registry, graph, state);
    if (!entry) break;
    if (++runs > MAX_NODE_RUNS) {
      return finish('error', { message: `more than ${MAX_NODE_RUNS} node runs`, name: 'Error' });
    }
    const node = graph.nodes.get(entry.node)!;
    const runIndex = state.runData[node.name]?.length ?? 0;
    options.observer?.nodeStarted?.(node.name, runIndex);
    const startTime = clock.now().getTime();
    const outcome = await runNode(deps, shared, graph, node, entry, runIndex, usePinned);
    if (outcome.kind === 'wait') {
      state.stack.unshift({ ...entry, resumed: true });
      return finish('waiting', undefined, outcome.until);
    }
    const task: TaskData = {
      startTime,
      executionTime: clock.now().getTime() - startTime,
      executionStatus: outcome.kind === 'failed' ? 'error' : 'success',
      inputData: entry.inputs.map((i) => i ?? []),
      data: { main: outcome.kind === 'failed' ? [] : outcome.output },
      source: entry.source,
      tries: outcome.tries,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    const nodeRuns = state.runData[node.name] ?? [];
    nodeRuns.push(task);
    state.runData[node.name] = nodeRuns;
    state.lastNodeExecuted = node.name;
    if (outcome.kind === 'failed') {
      options.observer?.nodeFinished?.(node.name, task, () => structuredClone(state));
      return finish('error', outcome.error);
    }
    meter.run(() => queueChildren(graph, order, state, node.name, runIndex, outcome.output));
    options.observer?.nodeFinished?.(node.name, task, () => structuredClone(state));
  }
  return finish('success');

  function finish(
    status: ExecutionStatus,
    error?: SerializedError,
    waitUntil?: Date,
  ): ExecutionResult {
    const last = state.lastNodeExecuted;
    const lastRuns = last ? state.runData[last] : undefined;
    const result: ExecutionResult = {
      executionId,
      status,
      state,
      runData: state.runData,
      lastNodeOutput: lastRuns?.at(-1)?.data.main[0] ?? [],
      ...(last ? { lastNodeExecuted: last } : {}),
      ...(error ? { error } : {}),
      ...(state.response ? { response: state.response } : {}),
      ...(waitUntil ? { waitUntil } : {}),
    };
    if (status === 'error' && error && deps.onWorkflowError) {
      deps.onWorkflowError(
        {
          execution: {
            id: executionId,
            error,
            mode,
            ...(last ? { lastNodeExecuted: last } : {}),
          },
          workflow: { id: String(workflow.id ?? ''), name: workflow.name ?? '' },
        },
        workflow.settings?.errorWorkflow,
      );
    }
    return result;
  }
}

/**
 * A state as a store or another thread gave it back (JSON, a structured clone): its maps
 * keyed by node names become prototype-free again, so a node named `__proto__` stays a name.
 */
function restoreState(state: ExecutionState): ExecutionState {
  return {
    ...state,
    runData: toDict(state.runData),
    waiting: toDict(state.waiting),
    nodeState: toDict(state.nodeState),
    staticData: toDict(state.staticData),
    customData: toDict(state.customData ?? {}),
  };
}

function defaultStartNode(
  registry: NodeRegistry,
  workflow: Workflow,
  graph: WorkflowGraph,
): string | undefined {
  const active = workflow.nodes.filter((n) => !n.disabled);
  const trigger = active.find((n) => registry.get(n.type, n.typeVersion)?.trigger);
  if (trigger) return trigger.name;
  return active.find(
    (n) => !graph.parents.has(n.name) && !registry.get(n.type, n.typeVersion)?.inert,
  )?.name;
}

/**
 * When nothing else can run, a multi-input node waiting for a missing input runs with what it
 * has (n8n 1.x), unless its type needs all inputs, in which case it is dropped.
 */
function takeWaiting(
  registry: NodeRegistry,
  graph: WorkflowGraph,
  state: ExecutionState,
): StackEntry | undefined {
  for (const [name, slots] of Object.entries(state.waiting)) {
    const entry = slots.shift();
    if (slots.length === 0) delete state.waiting[name];
    if (!entry) continue;
    const node = graph.nodes.get(name)!;
    const type = registry.get(node.type, node.typeVersion);
    if (type?.requiresAllInputs?.(node) && entry.inputs.some((i) => i === null)) continue;
    return entry;
  }
  return undefined;
}

/** Adds the nodes fed by `from`'s outputs, in the order the workflow's execution order says. */
function queueChildren(
  graph: WorkflowGraph,
  order: 'v0' | 'v1',
  state: ExecutionState,
  from: string,
  runIndex: number,
  output: Item[][],
): void {
  let edges = (graph.children.get(from) ?? []).filter((e) => (output[e.output]?.length ?? 0) > 0);
  if (order === 'v1') {
    // n8n 1.x: depth first, children by canvas position (top to bottom, then left to right).
    const pos = (n: string): number[] => graph.nodes.get(n)?.position ?? [0, 0];
    edges = [...edges].sort((a, b) => {
      const [ax = 0, ay = 0] = pos(a.to);
      const [bx = 0, by = 0] = pos(b.to);
      return ay - by || ax - bx;
    });
  }
  const ready: StackEntry[] = [];
  for (const edge of edges) {
    const items = output[edge.output] ?? [];
    const source = {
      previousNode: from,
      previousNodeOutput: edge.output,
      previousNodeRun: runIndex,
    };
    const count = inputCount(graph, edge.to);
    if (count === 1) {
      ready.push({ node: edge.to, inputs: [items], source: [source] });
      continue;
    }
    const slots = state.waiting[edge.to] ?? [];
    state.waiting[edge.to] = slots;
    let slot = slots.find((s) => s.inputs[edge.input] === null);
    if (!slot) {
      slot = {
        node: edge.to,
        inputs: Array.from({ length: count }, () => null),
        source: Array.from({ length: count }, () => null),
      };
      slots.push(slot);
    }
    slot.inputs[edge.input] = items;
    slot.source[edge.input] = source;
    if (slot.inputs.every((i) => i !== null)) {
      slots.splice(slots.indexOf(slot), 1);
      if (slots.length === 0) delete state.waiting[edge.to];
      ready.push(slot);
    } else if (order === 'v0') {
      ready.push(...legacyMissingParents(graph, state, slot, ready));
    }
  }
  if (order === 'v1') state.stack.unshift(...ready);
  else state.stack.push(...ready);
}

/**
 * n8n 0.x: when a multi-input node gets data on one input, a parent of a missing input that
 * has not run and has nothing pending upstream is run with one empty item, so the node gets
 * all its inputs (why both branches of an If run into a Merge in legacy workflows).
 */
function legacyMissingParents(
  graph: WorkflowGraph,
  state: ExecutionState,
  slot: StackEntry,
  ready: StackEntry[],
): StackEntry[] {
  const pending = new Set([
    ...state.stack.map((e) => e.node),
    ...ready.map((e) => e.node),
    ...Object.keys(state.waiting),
  ]);
  const added: StackEntry[] = [];
  const upstreamPending = (start: string): boolean => {
    const seen = new Set<string>();
    const queue = [start];
    while (queue.length) {
      const n = queue.shift()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (pending.has(n)) return true;
      for (const e of graph.parents.get(n) ?? []) queue.push(e.from);
    }
    return false;
  };
  slot.inputs.forEach((items, input) => {
    if (items !== null) return;
    for (const edge of graph.parents.get(slot.node) ?? []) {
      if (edge.input !== input) continue;
      const parent = edge.from;
      if (state.runData[parent] || upstreamPending(parent)) continue;
      pending.add(parent);
      added.push({ node: parent, inputs: [[{ json: {} }]], source: [null] });
    }
  });
  return added;
}

type Outcome =
  | { kind: 'ok'; output: Item[][]; tries: number; error?: SerializedError }
  | { kind: 'failed'; tries: number; error: SerializedError }
  | { kind: 'wait'; until: Date; tries: number };

/** Runs one node with its settings: disabled, pinned data, executeOnce, retries, onError. */
async function runNode(
  deps: EngineDeps,
  shared: ContextShared,
  graph: WorkflowGraph,
  node: WorkflowNode,
  entry: StackEntry,
  runIndex: number,
  usePinned: boolean,
): Promise<Outcome> {
  const type = deps.registry.get(node.type, node.typeVersion);
  const firstInput = entry.inputs.find((i) => i !== null) ?? [];
  if (node.disabled || type?.inert) {
    // A disabled node passes its first input through (n8n).
    return { kind: 'ok', output: pairOutput([firstInput], entry.inputs), tries: 0 };
  }
  const pinned = shared.workflow.pinData?.[node.name];
  if (usePinned && pinned) {
    const items = pinned.map((p) =>
      'json' in p && typeof p.json === 'object' && p.json !== null
        ? ({ json: p.json as Record<string, unknown> } satisfies Item)
        : ({ json: p } satisfies Item),
    );
    return { kind: 'ok', output: [items], tries: 0 };
  }
  if (!type) {
    return {
      kind: 'failed',
      tries: 0,
      error: {
        message: `node type "${node.type}" version ${node.typeVersion} is not supported`,
        name: 'UnsupportedNode',
        node: node.name,
      },
    };
  }
  const run = node.executeOnce
    ? { ...entry, inputs: entry.inputs.map((i) => (i ? i.slice(0, 1) : i)) }
    : entry;
  const maxTries = node.retryOnFail ? Math.min(5, Math.max(2, node.maxTries ?? 3)) : 1;
  const wait = Math.min(5_000, Math.max(0, node.waitBetweenTries ?? 1_000));
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxTries; attempt++) {
    try {
      const ctx = createNodeContext(shared, node, run, runIndex);
      // The node's synchronous part counts against the execution's budget; what it does after
      // its first await is counted where it evaluates expressions.
      const result = await shared.meter.run(() => type.execute(ctx));
      if (result !== null && isWait(result)) {
        return { kind: 'wait', until: result.waitUntil, tries: attempt };
      }
      const output = shared.meter.run(() => {
        const given = result ?? [];
        return pairOutput(
          node.onError === 'continueErrorOutput'
            ? moveErrorItems(given, run.inputs, type.outputs?.(node) ?? 1)
            : given,
          run.inputs,
        );
      });
      if (node.alwaysOutputData && output.every((o) => o.length === 0)) {
        output[0] = [{ json: {}, pairedItem: { item: 0 } }];
      }
      return { kind: 'ok', output, tries: attempt };
    } catch (error) {
      lastError = error;
      // A spent budget ends the execution: no retry, no error output, no continuing (also when
      // the node wrapped the budget's error in one of its own).
      const spent = error instanceof ExecutionLimitError ? error : shared.meter.exceeded();
      if (spent) return { kind: 'failed', tries: attempt, error: serializeError(spent, node.name) };
      if (shared.signal?.aborted) break;
      if (attempt < maxTries && wait > 0) await shared.sleep(wait);
    }
  }
  const error = serializeError(lastError, node.name);
  const input = run.inputs[0] ?? [];
  const outputs = type.outputs?.(node) ?? 1;
  if (node.onError === 'continueErrorOutput') {
    const output: Item[][] = Array.from({ length: outputs + 1 }, () => []);
    output[outputs] = (input.length ? input : [{ json: {} }]).map((item, i) => ({
      json: { ...item.json, error: error.message },
      pairedItem: { item: i },
    }));
    return { kind: 'ok', output, tries: maxTries, error };
  }
  if (node.continueOnFail || node.onError === 'continueRegularOutput') {
    return {
      kind: 'ok',
      output: [[{ json: { error: error.message }, pairedItem: { item: 0 } }]],
      tries: maxTries,
      error,
    };
  }
  void graph;
  return { kind: 'failed', tries: maxTries, error };
}

/**
 * n8n's `handleNodeErrorOutput`: for a node set to `continueErrorOutput` that ran, the items it
 * answered with an error of its own (an `error` field, or JSON of only `error`, `message` and
 * `details`) leave the regular outputs for the error output, with the fields of the input item
 * they pair with (Switch's `{ error }` for an item whose condition failed).
 */
function moveErrorItems(output: Item[][], inputs: (Item[] | null)[], regular: number): Item[][] {
  const errors: Item[] = [];
  const kept = output.slice(0, regular).map((items) =>
    items.filter((item) => {
      const own =
        Boolean(item.error) ||
        (Boolean(item.json.error) &&
          Object.keys(item.json).every((k) => ['error', 'message', 'details'].includes(k)));
      if (!own) return true;
      const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
      const source =
        paired !== undefined && typeof paired === 'object'
          ? inputs[paired.input ?? 0]?.[paired.item]
          : undefined;
      errors.push(source ? { ...item, json: { ...source.json, ...item.json } } : item);
      return false;
    }),
  );
  while (kept.length < regular) kept.push([]);
  return [...kept, errors];
}

/**
 * Fills in `pairedItem`: an input item passed through unchanged (the same object) points at
 * its input position; an item without pairing gets the same index, or the only input item.
 */
function pairOutput(output: Item[][], inputs: (Item[] | null)[]): Item[][] {
  const input = inputs[0] ?? [];
  const positions = new Map<Item, { item: number; input: number }>();
  inputs.forEach((items, k) =>
    items?.forEach((item, i) => positions.set(item, { item: i, input: k })),
  );
  return output.map((items) =>
    items.map((item, i) => {
      const passed = positions.get(item);
      if (passed)
        return { ...item, pairedItem: passed.input === 0 ? { item: passed.item } : passed };
      if (item.pairedItem !== undefined) return item;
      if (input.length === 1) return { ...item, pairedItem: { item: 0 } };
      if (items.length === input.length) return { ...item, pairedItem: { item: i } };
      return item;
    }),
  );
}
