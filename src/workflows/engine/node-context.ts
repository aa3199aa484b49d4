import { DateTime } from 'luxon';
import type { Clock } from '../../kernel/clock.ts';
import { dict } from '../../kernel/dict.ts';
import type { ExpressionEvaluator } from '../expressions/evaluator.ts';
import type { ExpressionData, Item, NodeDataAccess } from '../expressions/expression.types.ts';
import type { WorkflowNode } from '../model/workflow.types.ts';
import type {
  CodeLimits,
  CommandRunner,
  ExecutionMode,
  ExecutionState,
  FileAccess,
  HttpOptions,
  NodeContext,
  SourceRef,
  StackEntry,
  WebhookResponse,
} from './engine.types.ts';
import type { ExecutionMeter } from './meter.ts';
import { resolvePairedItem } from './paired-items.ts';
import { isActive, type Workflow } from '../model/workflow.types.ts';

/** What the executor shares with every node context of one execution. */
export interface ContextShared {
  workflow: Workflow;
  nodes: Map<string, WorkflowNode>;
  state: ExecutionState;
  evaluator: ExpressionEvaluator;
  clock: Clock;
  timezone: string;
  mode: ExecutionMode;
  executionId: string;
  env: Record<string, string> | undefined;
  vars: Record<string, string>;
  sleep: (ms: number) => Promise<void>;
  http: HttpOptions;
  code: CodeLimits;
  files: FileAccess;
  commands: CommandRunner | undefined;
  signal: AbortSignal | undefined;
  meter: ExecutionMeter;
  runSubWorkflow: (reference: unknown, items: Item[]) => Promise<Item[]>;
}

function getPath(obj: unknown, path: string): unknown {
  let at: unknown = obj;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Builds the context a node runs with, for one stack entry. */
export function createNodeContext(
  shared: ContextShared,
  node: WorkflowNode,
  entry: StackEntry,
  runIndex: number,
): NodeContext {
  const inputs = entry.inputs.map((i) => i ?? []);
  const nodeState = shared.state.nodeState[node.name] ?? dict<unknown>();
  shared.state.nodeState[node.name] = nodeState;
  const runData = shared.state.runData;

  const access = (name: string): NodeDataAccess | undefined => {
    const target = shared.nodes.get(name);
    if (!target) return undefined;
    const runs = runData[name] ?? [];
    return {
      isExecuted: runs.length > 0,
      parameters: target.parameters,
      context: shared.state.nodeState[name] ?? dict<unknown>(),
      all: (output = 0, run) => {
        const task = runs[run ?? runs.length - 1];
        return task?.data.main[output] ?? [];
      },
      pairedItem: (itemIndex = 0) =>
        resolvePairedItem(runData, name, { source: entry.source, itemIndex }),
    };
  };

  const { evaluator, meter } = shared;
  // Every evaluation counts against the execution's budget, and a sandboxed one may take at
  // most what is left of it.
  const resolve = (value: unknown, itemIndex: number): unknown =>
    meter.run(() => evaluator.resolve(value, expressionData(itemIndex), meter.remainingMs()));

  const dataCache = new Map<number, ExpressionData>();
  const expressionData = (itemIndex: number): ExpressionData => {
    let data = dataCache.get(itemIndex);
    if (data) return data;
    data = {
      item: inputs[0]?.[itemIndex],
      itemIndex,
      runIndex,
      nodeName: node.name,
      inputItems: () => inputs[0] ?? [],
      nodeNames: () => [...shared.nodes.keys()],
      node: access,
      now: DateTime.fromJSDate(shared.clock.now(), { zone: shared.timezone }),
      timezone: shared.timezone,
      workflow: {
        id: String(shared.workflow.id ?? ''),
        name: shared.workflow.name ?? '',
        active: isActive(shared.workflow),
      },
      execution: { id: shared.executionId, mode: shared.mode === 'manual' ? 'test' : 'production' },
      env: shared.env,
      vars: shared.vars,
      parameters: node.parameters,
    };
    dataCache.set(itemIndex, data);
    return data;
  };

  return {
    node,
    workflow: shared.workflow,
    mode: shared.mode,
    runIndex,
    executionId: shared.executionId,
    inputCount: inputs.length,
    input: (index = 0) => inputs[index] ?? [],
    param<T>(path: string, itemIndex = 0, fallback?: NoInfer<T>): T {
      const raw = getPath(node.parameters, path);
      if (raw === undefined) return fallback as T;
      return resolve(raw, itemIndex) as T;
    },
    rawParam: (path) => getPath(node.parameters, path),
    evaluate: (value, itemIndex = 0) => resolve(value, itemIndex),
    expressionData,
    state: nodeState,
    staticData: shared.state.staticData,
    customData: (shared.state.customData ??= dict()),
    resumed: entry.resumed === true,
    continueOnFail:
      node.continueOnFail === true ||
      node.onError === 'continueRegularOutput' ||
      node.onError === 'continueErrorOutput',
    now: () => DateTime.fromJSDate(shared.clock.now(), { zone: shared.timezone }),
    sleep: shared.sleep,
    setResponse: (response: WebhookResponse) => {
      shared.state.response ??= response;
    },
    http: shared.http,
    code: shared.code,
    files: shared.files,
    commands: shared.commands,
    signal: shared.signal,
    runSubWorkflow: shared.runSubWorkflow,
    work: (fn) => meter.run(fn),
  };
}

export type { SourceRef };
