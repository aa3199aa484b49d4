import type { DateTime } from 'luxon';
import type { ExpressionData, Item } from '../expressions/expression.types.ts';
import type { NodeDescription } from '../model/parameters.ts';
import type { Workflow, WorkflowNode } from '../model/workflow.types.ts';

export type { Item };

/** Where a node's input came from (n8n's `source` of a task). */
export interface SourceRef {
  previousNode: string;
  previousNodeOutput: number;
  previousNodeRun: number;
}

export type NodeStatus = 'success' | 'error' | 'waiting';

/** One run of one node, as n8n records it in `runData`. */
export interface TaskData {
  startTime: number;
  executionTime: number;
  executionStatus: NodeStatus;
  /** Items per input index. */
  inputData: Item[][];
  /** Items per output index. */
  data: { main: Item[][] };
  source: (SourceRef | null)[];
  error?: SerializedError;
  /** Tries it took (1 without retries). */
  tries: number;
}

export interface SerializedError {
  message: string;
  name: string;
  node?: string;
  description?: string;
  /** The input item the node failed on, when known. */
  itemIndex?: number;
  stack?: string;
}

/** A node waiting to run, with its input data per input index. */
export interface StackEntry {
  node: string;
  inputs: (Item[] | null)[];
  source: (SourceRef | null)[];
  /** Set when a Wait node is resumed after its wait. */
  resumed?: boolean;
}

/**
 * Everything needed to continue an execution: the finished nodes' run data, the nodes queued
 * to run, multi-input nodes still waiting for inputs, and per-node state (loop counters). Plain
 * JSON: a store persists it after each node and the engine resumes from it after a crash.
 */
export interface ExecutionState {
  runData: Record<string, TaskData[]>;
  stack: StackEntry[];
  waiting: Record<string, StackEntry[]>;
  nodeState: Record<string, Record<string, unknown>>;
  lastNodeExecuted?: string;
  response?: WebhookResponse;
  staticData: Record<string, unknown>;
  /** The execution's custom data (`$execution.customData`, the Execution Data node). */
  customData?: Record<string, string>;
}

/** What `respondToWebhook` (or the webhook's own response mode) sends back. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** `binary` bodies are base64 in `body`. */
  bodyKind: 'json' | 'text' | 'binary' | 'empty';
}

export type ExecutionMode = 'manual' | 'trigger' | 'webhook' | 'integrated' | 'error' | 'retry';

/** The payload an `errorTrigger` workflow receives when another workflow fails. */
export interface ErrorWorkflowPayload {
  execution: {
    id: string;
    url?: string;
    error: SerializedError;
    lastNodeExecuted?: string;
    mode: ExecutionMode;
  };
  workflow: { id: string; name: string };
}

/** Receives per-node progress; a store persists it. Every method is optional. */
export interface ExecutionObserver {
  nodeStarted?(node: string, runIndex: number): void;
  /** After a node ran and its children were queued; `snapshot()` is a resumable state. */
  nodeFinished?(node: string, task: TaskData, snapshot: () => ExecutionState): void;
}

/** Marker a node returns to suspend the execution until a time (n8n's Wait node). */
export interface WaitRequest {
  waitUntil: Date;
}

export type NodeOutput = Item[][] | null | WaitRequest;

/** Options of the HTTP client nodes use. */
export interface HttpOptions {
  /** Hosts or CIDR ranges allowed although private/loopback (e.g. '127.0.0.1/32'). */
  allowList?: string[];
  /** Default request time-out in milliseconds. Default 30,000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface CodeLimits {
  /** Wall time of one Code node run, in milliseconds. Default 10,000. */
  timeoutMs?: number;
  memoryLimitMb?: number;
}

/**
 * Files on disk as workflows see them: paths as n8n users write them (`/data/report.csv`), each
 * resolved inside one organisation's folder, never outside it (`nodes/disk.ts`).
 */
export interface FileAccess {
  /** Largest file read or written, in bytes; also the most one node run reads or unpacks. */
  readonly maxFileBytes: number;
  /**
   * The files a glob pattern (picomatch syntax, as n8n's fast-glob) selects, sorted, named as
   * the workflow names them: absolute when the pattern is.
   */
  glob(pattern: string, options?: { extglob?: boolean }): Promise<string[]>;
  /** A file's bytes (at most `maxFileBytes`). */
  read(path: string): Promise<Buffer>;
  /** Writes a file (replacing it, or appending to it), creating the folders on its path. */
  write(path: string, bytes: Uint8Array, options?: { append?: boolean }): Promise<void>;
}

/** What a command run in the sandbox left: its exit code and output (trimmed, as n8n). */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs shell commands for Execute Command, sandboxed in one organisation's folder
 * (`nodes/command.sandbox.ts`). A command that ends, whatever its exit code, resolves; one that
 * cannot start, or is stopped (time limit, cancelled execution), rejects.
 */
export interface CommandRunner {
  run(command: string, options?: { signal?: AbortSignal | undefined }): Promise<CommandResult>;
}

/** The per-node view the engine gives a node implementation. */
export interface NodeContext {
  readonly node: WorkflowNode;
  readonly workflow: Workflow;
  readonly mode: ExecutionMode;
  readonly runIndex: number;
  readonly executionId: string;
  /** Input items of input `index` (default 0). */
  input(index?: number): Item[];
  /** Number of input slots the node was given. */
  readonly inputCount: number;
  /**
   * A parameter's value for one item, expressions resolved. `path` may be dotted
   * (`options.timeout`). Returns `fallback` when the parameter is absent.
   */
  param<T = unknown>(path: string, itemIndex?: number, fallback?: NoInfer<T>): T;
  /** The raw parameter (expressions not resolved). */
  rawParam(path: string): unknown;
  /** Evaluates any value (expressions inside resolved) for one item. */
  evaluate(value: unknown, itemIndex?: number): unknown;
  expressionData(itemIndex: number): ExpressionData;
  /** State that survives across runs of this node within the execution (loops). */
  state: Record<string, unknown>;
  /** Workflow static data (`$getWorkflowStaticData('global')`). */
  staticData: Record<string, unknown>;
  /** The execution's custom data, kept with its record (`custom-data.ts` sets it). */
  customData: Record<string, string>;
  /** Whether this run resumes a Wait node. */
  readonly resumed: boolean;
  readonly continueOnFail: boolean;
  now(): DateTime;
  sleep: (ms: number) => Promise<void>;
  setResponse(response: WebhookResponse): void;
  readonly http: HttpOptions;
  readonly code: CodeLimits;
  /** The organisation's files; without a configured folder every call fails, saying so. */
  readonly files: FileAccess;
  /** Shell commands (Execute Command); absent unless an administrator turned them on. */
  readonly commands: CommandRunner | undefined;
  readonly signal: AbortSignal | undefined;
  /** Runs another workflow from its executeWorkflowTrigger; resolves to its last node's output. */
  runSubWorkflow: (reference: unknown, items: Item[]) => Promise<Item[]>;
  /**
   * Runs synchronous work a node does after an await (parsing an answer, shaping items) as
   * the execution's work, counted against its budget.
   */
  work<T>(fn: () => T): T;
}

/** A node type the engine can run. */
export interface NodeType {
  /** Full type name, e.g. `n8n-nodes-base.set`. */
  type: string;
  /** typeVersions implemented (others refuse at import). */
  versions: readonly number[];
  /**
   * Its parameters per typeVersion (defaults, allowed values, display conditions): the engine
   * fills a node's parameters from the one of its version before the node runs.
   */
  descriptions?: readonly NodeDescription[];
  /** A trigger starts executions; its `execute` receives the trigger data as input 0. */
  trigger?: boolean;
  /** Regular outputs for this node's parameters (default 1); the error output comes after. */
  outputs?(node: WorkflowNode): number;
  /** For multi-input nodes: whether it must not run with an input missing. */
  requiresAllInputs?(node: WorkflowNode): boolean;
  /** Nodes that never run (sticky notes). */
  inert?: boolean;
  execute(ctx: NodeContext): Promise<NodeOutput>;
}

/** Looks up node types; `nodes/registry.ts` builds the standard one. */
export interface NodeRegistry {
  /** The type that runs a node of this type and version (see `resolve`). */
  get: (type: string, typeVersion: number) => NodeType | undefined;
  isSupported: (type: string, typeVersion: number) => boolean;
  /**
   * How a node of this type and version runs: as its own version, or, for a minor version newer
   * than the build knows, as the nearest earlier one of the same major version (`runsAs`);
   * undefined when the type, or the version's major, is unknown.
   */
  resolve: (type: string, typeVersion: number) => ResolvedType | undefined;
}

export interface ResolvedType {
  nodeType: NodeType;
  /** The version whose behaviour it gets: its own, or the nearest earlier one known. */
  runsAs: number;
  /** The parameters of the version it runs as, when the type describes them. */
  description?: NodeDescription;
}

/** Raised by nodes for a problem with the node's configuration or data. */
export class NodeError extends Error {
  readonly description: string | undefined;
  /** The input item the node failed on, when it failed on one (n8n's `context.itemIndex`). */
  readonly itemIndex: number | undefined;
  constructor(
    message: string,
    options: { description?: string; cause?: unknown; itemIndex?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NodeError';
    this.description = options.description;
    this.itemIndex = options.itemIndex;
  }
}
