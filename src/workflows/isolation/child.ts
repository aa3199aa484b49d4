import type { Clock } from '../../kernel/clock.ts';
import { createOutboundFetch } from '../../kernel/net/index.ts';
import type { HttpOptions } from '../engine/engine.types.ts';
import type { ExecutionState } from '../engine/engine.types.ts';
import { runWorkflow, type ExecutionResult } from '../engine/executor.ts';
import { budgetMeter } from '../engine/meter.ts';
import { ExpressionEvaluator } from '../expressions/evaluator.ts';
import type { Workflow } from '../model/workflow.types.ts';
import { createCommandSandbox } from '../nodes/command.sandbox.ts';
import { createDiskAccess } from '../nodes/disk.ts';
import { createNodeRegistry } from '../nodes/registry.ts';
import type { ExecutorSetup, FinishedExecution, FromExecutor, ToExecutor } from './protocol.ts';
import { createRecorder } from './records.ts';

/**
 * An executor process: runs workflow executions for one organisation at a time (the pool
 * decides), with its own heap limit, node registry and expression isolate, and nothing of the
 * server: no database, no keys, no environment but what the pool passes. Sub-workflows are
 * loaded through the server; progress and results go back as messages, their data already
 * serialised (records.ts).
 */

if (!process.send) throw new Error('an executor process is started by the execution pool');
const send = (message: FromExecutor) => {
  process.send!(message);
};

const registry = createNodeRegistry();
let setup: ExecutorSetup | undefined;
/** The nodes' HTTP client: the kernel's outbound guard with the configured limits. */
let http: HttpOptions = {};

// While executions run, a beat every few milliseconds tells the pool this thread is turning.
const running = new Set<number>();
setInterval(() => {
  if (running.size > 0) send({ type: 'beat' });
}, 25).unref();

// The expression isolate belongs to one organisation: a run of another one gets a fresh one.
let orgId: string | undefined;
let evaluator: ExpressionEvaluator | undefined;
const evaluatorFor = (org: string, timeoutMs: number): ExpressionEvaluator => {
  if (evaluator && orgId === org) return evaluator;
  evaluator?.dispose();
  evaluator = new ExpressionEvaluator({ timeoutMs });
  orgId = org;
  return evaluator;
};

const recording = new Set<number>();
const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextCall = 0;

function call(slot: number, method: 'loadWorkflow', args: unknown[]): Promise<unknown> {
  const id = ++nextCall;
  return new Promise((resolve, reject) => {
    calls.set(id, { resolve, reject });
    send({ type: 'call', call: id, slot, method, args });
  });
}

async function run(
  message: Extract<ToExecutor, { type: 'run' }>,
  config: ExecutorSetup,
): Promise<void> {
  const { slot, request } = message;
  running.add(slot);
  if (message.record) recording.add(slot);
  const offset = message.now - Date.now();
  const clock: Clock = { now: () => new Date(Date.now() + offset) };
  const meter = budgetMeter({ budgetMs: message.budgetMs });
  const records = createRecorder({
    maxNodeDataBytes: config.maxNodeDataBytes,
    maxStateBytes: config.maxStateBytes,
    secrets: request.secrets ?? [],
  });
  const { resumeFromJson, secrets: _secrets, ...options } = request;
  let finished: FinishedExecution;
  try {
    const resumeFrom = resumeFromJson
      ? meter.run(() => JSON.parse(resumeFromJson) as ExecutionState)
      : options.resumeFrom;
    const result = await runWorkflow(
      {
        registry,
        evaluator: evaluatorFor(message.orgId, config.expressionTimeoutMs),
        clock,
        http,
        code: config.code,
        // The files of the execution's organisation only (sub-workflows run with the same).
        ...(config.files
          ? {
              files: createDiskAccess({
                filesDir: config.files.dir,
                orgId: message.orgId,
                maxFileBytes: config.files.maxFileBytes,
              }),
            }
          : {}),
        // Commands, when turned on, work in the same folder.
        ...(config.files && config.commands
          ? {
              commands: createCommandSandbox({
                ...config.commands,
                filesDir: config.files.dir,
                orgId: message.orgId,
                maxFileBytes: config.files.maxFileBytes,
              }),
            }
          : {}),
        ...(config.env ? { env: config.env } : {}),
        meter,
        loadWorkflow: async (reference) =>
          (await call(slot, 'loadWorkflow', [reference])) as Workflow,
      },
      {
        ...options,
        ...(resumeFrom ? { resumeFrom } : {}),
        observer: {
          nodeFinished(node, _task, snapshot) {
            const state = recording.has(slot)
              ? meter.run(() => records.state(snapshot()))
              : undefined;
            send({ type: 'node', slot, node, ...(state === undefined ? {} : { state }) });
          },
        },
      },
    );
    finished = finish(result, records, config);
  } catch (error) {
    // The engine reports node failures in its result; what reaches here is a spent budget
    // (serialising a checkpoint) or a bug in the engine.
    const e = error instanceof Error ? error : new Error(String(error));
    finished = {
      outcome: {
        executionId: request.executionId ?? '',
        status: 'error',
        lastNodeOutput: [],
        staticData: {},
        error: { message: records.redactText(e.message), name: e.name || 'Error' },
      },
      nodes: [],
    };
  } finally {
    recording.delete(slot);
    running.delete(slot);
  }
  send({ type: 'done', slot, finished });
}

/** What the server gets of a result: the outcome, and the records it stores. */
function finish(
  result: ExecutionResult,
  records: ReturnType<typeof createRecorder>,
  config: ExecutorSetup,
): FinishedExecution {
  const keepNodes = !(config.keepOnlyFailures && result.status === 'success');
  const state = result.status === 'waiting' ? records.state(result.state) : undefined;
  // A wait is resumed from its recorded state: one too large to record cannot wait.
  const unrecordable = result.status === 'waiting' && state === undefined;
  const error = unrecordable
    ? {
        name: 'ExecutionLimit',
        message: `the execution's data is larger than ${config.maxStateBytes} bytes (IZA_WORKFLOWS_MAX_STATE_BYTES), so it cannot wait`,
      }
    : result.error && { ...result.error, message: records.redactText(result.error.message) };
  return {
    outcome: {
      executionId: result.executionId,
      status: unrecordable ? 'error' : result.status,
      lastNodeOutput: result.lastNodeOutput,
      staticData: result.state.staticData,
      ...(result.state.customData && Object.keys(result.state.customData).length > 0
        ? { customData: result.state.customData }
        : {}),
      ...(result.lastNodeExecuted ? { lastNodeExecuted: result.lastNodeExecuted } : {}),
      ...(error ? { error } : {}),
      ...(result.response ? { response: result.response } : {}),
      ...(result.waitUntil && !unrecordable ? { waitUntil: result.waitUntil } : {}),
    },
    nodes: keepNodes ? records.nodes(result.runData) : [],
    ...(state === undefined ? {} : { state }),
  };
}

process.on('message', (message: ToExecutor) => {
  switch (message.type) {
    case 'setup':
      setup = message.setup;
      http = {
        allowList: setup.http.allowList,
        ...(setup.http.timeoutMs === undefined ? {} : { timeoutMs: setup.http.timeoutMs }),
        fetch: createOutboundFetch({
          allowList: setup.http.allowList,
          maxResponseBytes: setup.http.maxResponseBytes,
          limitSetting: 'IZA_OUTBOUND_MAX_RESPONSE_BYTES',
        }),
      };
      send({ type: 'ready' });
      return;
    case 'run':
      if (setup) void run(message, setup);
      return;
    case 'record':
      recording.add(message.slot);
      return;
    case 'reply': {
      const pending = calls.get(message.call);
      calls.delete(message.call);
      if (message.error !== undefined) pending?.reject(new Error(message.error));
      else pending?.resolve(message.value);
      return;
    }
  }
});

// The server went away: nothing to report to any more.
process.on('disconnect', () => {
  // No isolate may outlive the process (see releaseSpareIsolates in nodes/code.node.ts).
  evaluator?.dispose();
  process.exit(0);
});
