import {
  APICallError,
  generateText,
  jsonSchema,
  streamText,
  tool,
  type LanguageModelUsage,
  type ModelMessage,
  type ToolSet,
} from 'ai';
import { z } from 'zod';
import { OutboundRefusedError, OutboundTooLargeError } from '../kernel/index.ts';
import {
  decidedResults,
  needsApproval,
  settled,
  ToolPause,
  type PendingToolCall,
  type ToolResultValue,
} from './agents.approval.ts';
import { estimateTokens } from './agents.budget.ts';
import { modelFor, type EndpointFor } from './agents.provider.ts';
import { AgentRunError, parseRetryAfter } from './agents.retry.ts';
import type { RunContext } from './agents.runtime.ts';
import { runTool, uniqueCalls } from './agents.toolcalls.ts';

/** An AI SDK (or network) failure as an `AgentRunError` that says whether to retry. */
export function classifyLlmError(error: unknown, now: number): AgentRunError {
  if (error instanceof AgentRunError) return error;
  // The outbound guard refused the endpoint (a private address, an answer past the limit):
  // asking again would be refused again.
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof OutboundRefusedError || e instanceof OutboundTooLargeError) {
      return new AgentRunError(
        e instanceof OutboundRefusedError ? 'endpoint_refused' : 'response_too_large',
        `The model endpoint cannot be used: ${e.message}`,
        { retryable: false, agentFault: false, cause: error },
      );
    }
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status !== undefined && status >= 200 && status < 300) {
      return new AgentRunError(
        'malformed_response',
        `The model endpoint answered something malformed: ${error.message.slice(0, 200)}`,
        { retryable: true, cause: error },
      );
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(error.responseHeaders?.['retry-after'], now);
      // Not the agent's fault: the endpoint cools down for every agent using it.
      return new AgentRunError('rate_limited', `The model endpoint is rate limiting (429)`, {
        retryable: true,
        agentFault: false,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        cause: error,
      });
    }
    if (status === undefined || status >= 500 || status === 408) {
      return new AgentRunError(
        'provider_error',
        `The model endpoint failed (${status ?? 'no answer'}): ${error.message.slice(0, 200)}`,
        { retryable: true, cause: error },
      );
    }
    return new AgentRunError(
      'provider_rejected',
      `The model endpoint refused the call (${status}): ${error.message.slice(0, 200)}`,
      { retryable: false, agentFault: false, cause: error },
    );
  }
  const name = (error as Error)?.name ?? '';
  const message = String((error as Error)?.message ?? error);
  if (
    /JSONParse|TypeValidation|InvalidResponseData|NoContentGenerated|EmptyResponseBody/.test(name)
  ) {
    return new AgentRunError(
      'malformed_response',
      `The model endpoint answered something malformed: ${message.slice(0, 200)}`,
      {
        retryable: true,
        cause: error,
      },
    );
  }
  return new AgentRunError('provider_error', `The model call failed: ${message.slice(0, 200)}`, {
    retryable: true,
    cause: error,
  });
}

const tokensOf = (usage: LanguageModelUsage | undefined) => ({
  inputTokens: usage?.inputTokens ?? 0,
  outputTokens: usage?.outputTokens ?? 0,
});

const toolMessage = (results: ToolResultValue[]): ModelMessage => ({
  role: 'tool',
  content: results.map((r) => ({
    type: 'tool-result',
    toolCallId: r.toolCallId,
    toolName: r.toolName,
    output: { type: 'json', value: r.value as never },
  })),
});

/**
 * An LLM agent's execution: a loop of model calls, each checked against the budgets first;
 * tool calls the model asks for are run here (read-only platform tools) and their results sent
 * back, until the model answers without tools or `maxSteps` calls are spent (`step_limit`).
 * Calls of tools in `approveTools` are not run: the loop returns a `ToolPause` with the
 * conversation, and a later execution resumes from it once a person decided (earlier model
 * calls are not made again). Retries are ours (the SDK's own are off), so `Retry-After` and the breaker see
 * every failure.
 */
export async function runLlm(
  ctx: RunContext,
  endpointFor: EndpointFor,
  now: () => Date,
): Promise<unknown> {
  const settings = ctx.agent.llm;
  if (!settings)
    throw new AgentRunError('misconfigured', 'LLM agent without llm settings', {
      retryable: false,
    });
  const endpoint = await endpointFor(ctx.orgId, settings);
  const model = modelFor(endpoint, settings.model);
  const tools: ToolSet = {};
  for (const name of settings.tools) {
    const platform = ctx.tools[name];
    if (!platform) continue;
    // No `execute`: the SDK hands the calls back and this loop runs them.
    tools[name] = tool({
      description: platform.description,
      inputSchema: jsonSchema(z.toJSONSchema(platform.input) as Parameters<typeof jsonSchema>[0]),
    });
  }
  const resumed = ctx.checkpoint;
  const prompt = typeof ctx.input === 'string' ? ctx.input : JSON.stringify(ctx.input ?? null);
  const messages: ModelMessage[] = resumed
    ? [...(resumed.messages as ModelMessage[])]
    : [{ role: 'user', content: prompt }];
  let text = resumed?.text ?? '';
  const used = { ...(resumed?.usage ?? { inputTokens: 0, outputTokens: 0 }) };
  if (resumed) {
    const results = await decidedResults(ctx, resumed, (call) => runTool(ctx, call));
    // Saved before the next model call: a retry of this execution replays these results.
    await ctx.saveCheckpoint(settled(resumed, results));
    messages.push(toolMessage(results));
  }
  for (let step = (resumed?.steps ?? 0) + 1; ; step++) {
    if (step > ctx.maxSteps) {
      throw new AgentRunError(
        'step_limit',
        `Stopped after ${ctx.maxSteps} model calls: the model kept calling tools`,
        { retryable: false, agentFault: false },
      );
    }
    await ctx.endpointReady();
    await ctx.beforeCall({
      inputTokens: estimateTokens(settings.systemPrompt) + estimateTokens(messages),
      maxOutputTokens: settings.maxOutputTokens,
      model: settings.model,
      provider: settings.provider,
      prices: endpoint.prices,
    });
    const started = performance.now();
    const common = {
      model,
      system: settings.systemPrompt,
      messages,
      maxRetries: 0,
      abortSignal: ctx.signal,
      maxOutputTokens: settings.maxOutputTokens,
      ...(Object.keys(tools).length ? { tools } : {}),
    };
    let usage: LanguageModelUsage | undefined;
    let toolCalls: { toolCallId: string; toolName: string; input: unknown }[];
    let responseMessages: ModelMessage[];
    let stepText = '';
    try {
      if (settings.stream) {
        let failure: unknown;
        const result = streamText({ ...common, onError: ({ error }) => void (failure ??= error) });
        for await (const part of result.fullStream) {
          if (part.type === 'text-delta') {
            stepText += part.text;
            ctx.stream(part.text);
          } else if (part.type === 'error') {
            failure ??= part.error;
          }
        }
        if (failure !== undefined) {
          throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
        }
        usage = await result.usage;
        toolCalls = await result.toolCalls;
        responseMessages = (await result.response).messages;
      } else {
        const result = await generateText(common);
        stepText = result.text;
        usage = result.usage;
        toolCalls = result.toolCalls;
        responseMessages = result.response.messages;
        if (stepText) ctx.stream(stepText);
      }
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const failure = classifyLlmError(error, now().getTime());
      await ctx.recordCall({
        provider: settings.provider,
        model: settings.model,
        inputTokens: 0,
        outputTokens: 0,
        ms: Math.round(performance.now() - started),
        ok: false,
        error: failure.code,
        prices: endpoint.prices,
      });
      throw failure;
    }
    const tokens = tokensOf(usage);
    await ctx.recordCall({
      provider: settings.provider,
      model: settings.model,
      ...tokens,
      ms: Math.round(performance.now() - started),
      ok: true,
      prices: endpoint.prices,
    });
    used.inputTokens += tokens.inputTokens;
    used.outputTokens += tokens.outputTokens;
    text += stepText;
    // The SDK answers calls of tools it was not given (or with bad input) with tool messages of
    // its own; this loop answers every call itself, once, so those are left out.
    messages.push(...responseMessages.filter((m) => m.role !== 'tool'));
    if (toolCalls.length === 0) {
      return { text, steps: step, model: settings.model, provider: settings.provider };
    }
    const results: ToolResultValue[] = [];
    const pending: PendingToolCall[] = [];
    for (const call of uniqueCalls(ctx, toolCalls)) {
      // A tool the agent does not list is refused by `runTool`, never paused for.
      if (settings.tools.includes(call.tool as never) && needsApproval(settings, call.tool)) {
        pending.push(call);
        ctx.trace(`tool:${call.tool}`, {
          event: 'tool_call',
          callId: call.id,
          tool: call.tool,
          ran: false,
          waiting: 'approval',
        });
        ctx.log(
          'approval',
          `${call.tool}(${JSON.stringify(call.args).slice(0, 200)}) (${call.id}) waits for a person's approval`,
        );
      } else {
        results.push({ toolCallId: call.id, toolName: call.tool, value: await runTool(ctx, call) });
      }
    }
    if (pending.length > 0) {
      return new ToolPause({ messages, text, steps: step, usage: used, results, pending });
    }
    messages.push(toolMessage(results));
  }
}
