import { newId, OutboundRefusedError, OutboundTooLargeError } from '../kernel/index.ts';
import {
  decidedResults,
  needsApproval,
  settled,
  ToolPause,
  type PendingToolCall,
  type ToolCheckpoint,
  type ToolResultValue,
} from './agents.approval.ts';
import type { CallEstimate, Prices } from './agents.budget.ts';
import type { Agent, Priority } from './agents.dto.ts';
import { AgentRunError, parseRetryAfter } from './agents.retry.ts';
import { runTool } from './agents.toolcalls.ts';
import type { PlatformTool } from './agents.tools.ts';

/** What a runtime gets for one execution of a task on an agent. */
export interface RunContext {
  taskId: string;
  orgId: string;
  correlationId: string;
  priority: Priority;
  input: unknown;
  agent: Agent;
  /** Aborted on timeout, cancellation or shutdown. */
  signal: AbortSignal;
  /** A line in the task's log (`kind`: tool, output, ...). */
  log(kind: string, text: string): void;
  /** Partial output as it streams. */
  stream(text: string): void;
  /**
   * A step of the task as an `AgentMessage` of its trace (a model call, a tool call):
   * `messageType` `status` unless said, from the agent to `recipient`.
   */
  trace(
    recipient: string,
    payload: Record<string, unknown>,
    messageType?: 'status' | 'error',
  ): void;
  /**
   * Refuses (throws `budget_exceeded`) a model call that could exceed a budget. `prices`: the
   * endpoint's price table (a connection's), else the configuration's.
   */
  beforeCall(estimate: CallEstimate): Promise<void>;
  recordCall(call: {
    provider: string;
    model: string;
    inputTokens: number;
    outputTokens: number;
    ms: number;
    ok: boolean;
    error?: string;
    prices?: Prices;
  }): Promise<void>;
  /**
   * Waits while the agent's endpoint cools down (a 429 from any agent using it, in any
   * process): called before every call to the endpoint.
   */
  endpointReady(): Promise<void>;
  /** Every platform tool; an agent may run only those it lists (`agents.toolcalls.ts`). */
  tools: Record<string, PlatformTool>;
  /** Model calls allowed for this task. */
  maxSteps: number;
  /** A paused execution to resume (tool calls a person decided on), instead of the input. */
  checkpoint?: ToolCheckpoint;
  /**
   * Stores where a retry of this execution resumes (the task's checkpoint, in memory and in
   * its row): a resumed execution saves its answered step before going on.
   */
  saveCheckpoint(checkpoint: ToolCheckpoint): Promise<void>;
}

/** A code agent's handler: a TypeScript function registered in code under a name. */
export type CodeHandler = (context: {
  input: unknown;
  taskId: string;
  correlationId: string;
  signal: AbortSignal;
  log: (text: string) => void;
}) => Promise<unknown>;

/** The handlers every server has: `noop` (returns null) and `echo` (returns its input). */
export const BUILTIN_HANDLERS: Record<string, CodeHandler> = {
  noop: async () => null,
  echo: async ({ input }) => input,
};

export async function runCode(ctx: RunContext, handler: CodeHandler | undefined): Promise<unknown> {
  if (!handler) {
    throw new AgentRunError(
      'no_handler',
      `Code agent ${ctx.agent.botId}: handler "${ctx.agent.handler ?? ''}" is not registered in this process`,
      { retryable: true },
    );
  }
  try {
    return await handler({
      input: ctx.input,
      taskId: ctx.taskId,
      correlationId: ctx.correlationId,
      signal: ctx.signal,
      log: (text) => ctx.log('agent', text),
    });
  } catch (error) {
    if (error instanceof AgentRunError) throw error;
    throw new AgentRunError(
      'handler_error',
      `Code agent ${ctx.agent.botId} failed: ${String((error as Error)?.message ?? error)}`,
      {
        retryable: true,
        cause: error,
      },
    );
  }
}

/**
 * A webhook agent: the task goes to the endpoint as an `AgentMessage` (POST, JSON) through
 * `webhook`, the outbound guard's fetch (`AgentsOutbound.webhook`); a 2xx answer is the result
 * (its `payload` when it is an `AgentMessage` itself). 429 and 5xx are retried (after
 * `Retry-After` when given), other 4xx are not, a body that is not JSON is
 * `malformed_response`; an address the guard refuses is `webhook_refused` and an answer past
 * the size limit `webhook_response_too_large`, neither retried.
 */
export async function runWebhook(
  ctx: RunContext,
  now: () => Date,
  webhook: typeof fetch,
): Promise<unknown> {
  const url = ctx.agent.webhookUrl ?? '';
  const message = {
    messageId: newId(),
    senderAgent: 'iza-os',
    recipientAgent: ctx.agent.botId,
    messageType: 'task',
    payload: ctx.input,
    timestamp: now().toISOString(),
    priority: ctx.priority,
    correlationId: ctx.correlationId,
  };
  const failure = (error: unknown) => {
    if (ctx.signal.aborted) return ctx.signal.reason as unknown;
    const why = `Webhook ${url}: ${(error as Error).message}`;
    if (error instanceof OutboundRefusedError || error instanceof OutboundTooLargeError) {
      const code =
        error instanceof OutboundRefusedError ? 'webhook_refused' : 'webhook_response_too_large';
      return new AgentRunError(code, why, { retryable: false, agentFault: true, cause: error });
    }
    return new AgentRunError('webhook_unreachable', why, { retryable: true, cause: error });
  };
  let response: Response;
  let text: string;
  await ctx.endpointReady();
  try {
    response = await webhook(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': ctx.correlationId },
      body: JSON.stringify(message),
      signal: ctx.signal,
    });
    text = await response.text();
  } catch (error) {
    throw failure(error);
  }
  if (response.status === 429 || response.status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now().getTime());
    throw new AgentRunError(
      response.status === 429 ? 'rate_limited' : 'webhook_error',
      `Webhook ${url} answered ${response.status}`,
      {
        retryable: true,
        // Rate limiting is the endpoint's cooldown, not the agent failing.
        agentFault: response.status !== 429,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
    );
  }
  if (!response.ok) {
    throw new AgentRunError(
      'webhook_rejected',
      `Webhook ${url} answered ${response.status}: ${text.slice(0, 200)}`,
      {
        retryable: false,
        agentFault: false,
      },
    );
  }
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    throw new AgentRunError(
      'malformed_response',
      `Webhook ${url} answered something that is not JSON`,
      {
        retryable: true,
      },
    );
  }
  if (body && typeof body === 'object' && 'messageType' in body && 'payload' in body) {
    const reply = body;
    if (reply.messageType === 'error') {
      throw new AgentRunError(
        'agent_error',
        `Webhook agent answered an error: ${JSON.stringify(reply.payload).slice(0, 300)}`,
        {
          retryable: false,
          agentFault: false,
        },
      );
    }
    return reply.payload;
  }
  return body;
}

/**
 * The deterministic built-in provider, for offline demos when no model is configured: no
 * model answers. It calls each of the agent's tools once (so tool wiring shows) and returns a
 * fixed summary of the input, flagged `offlineDemo: true`. Tools in `approveTools` pause the
 * task first, as a model's calls would; it resumes with the decided calls.
 */
export async function runBuiltin(ctx: RunContext): Promise<unknown> {
  const run = (name: string) => runTool(ctx, { id: `builtin_${name}`, tool: name, args: {} });
  let results: ToolResultValue[] = [];
  if (ctx.checkpoint) {
    results = await decidedResults(ctx, ctx.checkpoint, (call) => run(call.tool));
    await ctx.saveCheckpoint(settled(ctx.checkpoint, results));
  } else {
    const pending: PendingToolCall[] = [];
    for (const name of ctx.agent.llm?.tools ?? []) {
      if (!ctx.tools[name]) continue;
      if (needsApproval(ctx.agent.llm, name)) {
        pending.push({ id: `builtin_${name}`, tool: name, args: {} });
        ctx.log('approval', `${name}({}) (builtin_${name}) waits for a person's approval`);
      } else {
        results.push({ toolCallId: `builtin_${name}`, toolName: name, value: await run(name) });
      }
    }
    if (pending.length > 0) {
      const usage = { inputTokens: 0, outputTokens: 0 };
      return new ToolPause({ messages: [], text: '', steps: 0, usage, results, pending });
    }
  }
  const toolResults = Object.fromEntries(results.map((r) => [r.toolName, r.value]));
  const rejected = results
    .filter((r) => ctx.checkpoint?.decisions?.[r.toolCallId]?.approved === false)
    .map((r) => r.toolName);
  const read = results.map((r) => r.toolName).filter((name) => !rejected.includes(name));
  const inputText = typeof ctx.input === 'string' ? ctx.input : JSON.stringify(ctx.input ?? null);
  const text = `[offline demo: built-in deterministic provider, no model] ${ctx.agent.name} received ${inputText.length} characters of input${read.length ? ` and read ${read.join(', ')}` : ''}${rejected.length ? `; a person rejected ${rejected.join(', ')}` : ''}.`;
  ctx.stream(text);
  await ctx.recordCall({
    provider: 'builtin',
    model: ctx.agent.llm?.model ?? 'builtin-echo',
    inputTokens: 0,
    outputTokens: 0,
    ms: 0,
    ok: true,
  });
  return { text, offlineDemo: true, provider: 'builtin', toolResults };
}
