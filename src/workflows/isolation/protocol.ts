import type { ExecutionStatus, RunOptions } from '../engine/executor.ts';
import type { CodeLimits, Item, SerializedError, WebhookResponse } from '../engine/engine.types.ts';
import type { NodeRecord } from './records.ts';

/** What every executor process is built with (its first message). */
export interface ExecutorSetup {
  /** The outbound guard's allow-list and the size limit of an answer (workflow nodes' HTTP). */
  http: { allowList: string[]; maxResponseBytes: number; timeoutMs?: number };
  code: CodeLimits;
  /**
   * The folder of the organisations' files and the largest file a workflow reads or writes;
   * each execution gets its organisation's folder in it. Absent: file nodes fail, saying so.
   */
  files?: { dir: string; maxFileBytes: number };
  /**
   * Execute Command's sandbox limits (`nodes/command.sandbox.ts`), each execution working in its
   * organisation's files folder. Absent: the node is turned off and fails, saying so.
   */
  commands?: {
    timeoutMs: number;
    memoryMb: number;
    processes: number;
    network: boolean;
  };
  /** `$env` for expressions; absent denies it. */
  env?: Record<string, string>;
  /** Longest single sandboxed expression evaluation, in milliseconds. */
  expressionTimeoutMs: number;
  /** Longest JSON text kept per node run's input or output. */
  maxNodeDataBytes: number;
  /** Longest JSON text of a checkpoint (resumable state). */
  maxStateBytes: number;
  /** Keep node records only for failed executions. */
  keepOnlyFailures: boolean;
}

/** One execution, as the engine takes it (everything but the callbacks). */
export type RunRequest = Pick<
  RunOptions,
  'workflow' | 'mode' | 'executionId' | 'startNode' | 'triggerItems' | 'resumeFrom'
> & {
  /** A resumable state as JSON text (a checkpoint), instead of `resumeFrom`. */
  resumeFromJson?: string;
  /** Values never to keep in records (the caller's credentials). */
  secrets?: string[];
};

/** How an execution ended, as the main thread needs it (answers, error workflows). */
export interface ExecutionOutcome {
  executionId: string;
  status: ExecutionStatus;
  lastNodeExecuted?: string;
  /** Output 0 of the last node that ran. */
  lastNodeOutput: Item[];
  error?: SerializedError;
  response?: WebhookResponse;
  waitUntil?: Date;
  staticData: Record<string, unknown>;
  /** The execution's custom data (`$execution.customData`), when any was set. */
  customData?: Record<string, string>;
}

/** An ended execution with what to store. */
export interface FinishedExecution {
  outcome: ExecutionOutcome;
  nodes: NodeRecord[];
  /** The resumable state as JSON text, for a waiting execution. */
  state?: string;
}

export type ToExecutor =
  | { type: 'setup'; setup: ExecutorSetup }
  | {
      type: 'run';
      /** The pool's number for this execution (unique per pool). */
      slot: number;
      orgId: string;
      request: RunRequest;
      /** "Now" on the main thread's clock when the run was sent (epoch ms). */
      now: number;
      budgetMs: number;
      /** Send a resumable state after every node (checkpointing). */
      record: boolean;
    }
  | { type: 'record'; slot: number }
  | { type: 'reply'; call: number; value?: unknown; error?: string };

export type FromExecutor =
  | { type: 'ready' }
  /** Sent every few milliseconds while executions run: its absence means a stuck thread. */
  | { type: 'beat' }
  | { type: 'node'; slot: number; node: string; state?: string }
  | { type: 'done'; slot: number; finished: FinishedExecution }
  | { type: 'call'; call: number; slot: number; method: 'loadWorkflow'; args: unknown[] };
