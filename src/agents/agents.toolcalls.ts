import type { PendingToolCall } from './agents.approval.ts';
import { redactSecrets } from './agents.redact.ts';
import type { RunContext } from './agents.runtime.ts';

/**
 * Where every tool call of an LLM agent (a model's, the built-in provider's, a resumed
 * approval's) is run: the one place that decides whether a call may run at all.
 */

/** The tools an agent may call: those its definition lists, now. */
export const allowedTools = (ctx: RunContext): readonly string[] => ctx.agent.llm?.tools ?? [];

const describe = (call: PendingToolCall) =>
  `${call.tool}(${JSON.stringify(call.args ?? null).slice(0, 200)})`;

/**
 * Runs one tool call and answers what the model reads. A tool the agent does not list is never
 * run (whatever the model, a checkpoint or an approval says): the model reads an error and the
 * task log says so. A failure is a result too, not a failed task. Credentials in the result
 * are redacted (`redactSecrets`).
 */
export async function runTool(ctx: RunContext, call: PendingToolCall): Promise<unknown> {
  const allowed = allowedTools(ctx);
  const platform = allowed.includes(call.tool) ? ctx.tools[call.tool] : undefined;
  if (!platform) {
    const offered = allowed.join(', ') || 'none';
    ctx.log('tool', `${describe(call)} refused: not among the agent's tools (${offered})`);
    ctx.trace(`tool:${call.tool}`, {
      event: 'tool_call',
      callId: call.id,
      tool: call.tool,
      args: redactSecrets(call.args ?? null),
      ran: false,
      refused: "not among the agent's tools",
    });
    return {
      error: `The tool ${call.tool} is not available to this agent; it was not run. Available tools: ${offered}.`,
    };
  }
  let value: unknown;
  let ok = true;
  const started = performance.now();
  try {
    value = redactSecrets(await platform.run(ctx.orgId, call.args));
  } catch (error) {
    ok = false;
    value = {
      error: String(redactSecrets(String((error as Error)?.message ?? error))).slice(0, 300),
    };
  }
  ctx.log('tool', describe(call));
  ctx.trace(`tool:${call.tool}`, {
    event: 'tool_call',
    callId: call.id,
    tool: call.tool,
    args: redactSecrets(call.args ?? null),
    ran: true,
    ok,
    ms: Math.round(performance.now() - started),
    ...(ok ? {} : { error: (value as { error: string }).error }),
  });
  return value;
}

/**
 * The calls of one model answer, each id once (the first wins): a repeated id is logged and
 * gets no result of its own, so no call runs twice and no id is answered twice.
 */
export function uniqueCalls(
  ctx: RunContext,
  calls: readonly { toolCallId: string; toolName: string; input: unknown }[],
): PendingToolCall[] {
  const seen = new Set<string>();
  const unique: PendingToolCall[] = [];
  for (const { toolCallId: id, toolName: tool, input: args } of calls) {
    if (seen.has(id)) {
      ctx.log('tool', `${describe({ id, tool, args })} ignored: tool call id ${id} repeated`);
      continue;
    }
    seen.add(id);
    unique.push({ id, tool, args });
  }
  return unique;
}
