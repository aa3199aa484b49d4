import type { LlmSettings } from './agents.dto.ts';
import type { RunContext } from './agents.runtime.ts';
import type { TaskRow } from './agents.store.ts';

/** A tool call the model asked for that waits for a person's decision. */
export interface PendingToolCall {
  id: string;
  tool: string;
  args: unknown;
}

/** The result of one tool call, as it goes back to the model. */
export interface ToolResultValue {
  toolCallId: string;
  toolName: string;
  value: unknown;
}

export interface ToolDecision {
  approved: boolean;
  by: string;
  note?: string;
}

/**
 * Where a paused LLM execution resumes (the task's `checkpoint` column): the conversation so
 * far, the assistant message asking for the tools last; the results of the calls of that step
 * that needed no approval; the calls waiting; and, once a person decided, the decisions.
 */
export interface ToolCheckpoint {
  messages: unknown[];
  text: string;
  /** Model calls made so far (the step limit counts them). */
  steps: number;
  usage: { inputTokens: number; outputTokens: number };
  results: ToolResultValue[];
  pending: PendingToolCall[];
  decisions?: Record<string, ToolDecision>;
}

/** What a runtime returns instead of an output when tool calls wait for a person. */
export class ToolPause {
  readonly checkpoint: ToolCheckpoint;
  constructor(checkpoint: ToolCheckpoint) {
    this.checkpoint = checkpoint;
  }
}

/** Whether a tool call needs a person's approval before it runs (`llm.approveTools`). */
export function needsApproval(settings: LlmSettings | undefined, tool: string): boolean {
  const names: readonly string[] = settings?.approveTools ?? [];
  return names.includes('*') || names.includes(tool);
}

/** The calls a task waits on (state `waiting`, reason `tool_approval`), else undefined. */
export function pendingToolCalls(row: TaskRow): PendingToolCall[] | undefined {
  if (row.state !== 'waiting' || row.reason !== 'tool_approval') return undefined;
  return (row.checkpoint as ToolCheckpoint | null)?.pending ?? [];
}

/** The checkpoint an execution resumes from: only one a person has decided on. */
export function resumeFrom(row: TaskRow): ToolCheckpoint | undefined {
  const checkpoint = row.checkpoint as ToolCheckpoint | null;
  return checkpoint?.decisions ? checkpoint : undefined;
}

/** What the model reads in place of a result when a person rejected the call. */
export function rejectedValue(decision: ToolDecision | undefined): unknown {
  return {
    rejected: true,
    message: 'A person rejected this tool call; it was not run. Answer without it.',
    ...(decision?.note ? { comment: decision.note } : {}),
  };
}

/**
 * The results of a decided checkpoint's step, in order, each call id once: the results the
 * checkpoint holds, then its pending calls not already answered: approved ones run now
 * (through `run`), rejected ones get `rejectedValue`. Each decision is a line in the task log.
 * The caller saves the answer (`settled`) before going on, so a retry of the resumed execution
 * replays the results instead of running the calls again.
 */
export async function decidedResults(
  ctx: RunContext,
  checkpoint: ToolCheckpoint,
  run: (call: PendingToolCall) => Promise<unknown>,
): Promise<ToolResultValue[]> {
  const results: ToolResultValue[] = [];
  const answered = new Set<string>();
  for (const result of checkpoint.results) {
    if (answered.has(result.toolCallId)) continue;
    answered.add(result.toolCallId);
    results.push(result);
  }
  for (const call of checkpoint.pending) {
    if (answered.has(call.id)) continue;
    answered.add(call.id);
    const decision = checkpoint.decisions?.[call.id];
    const by = decision ? ` by ${decision.by}` : '';
    if (decision?.approved) {
      ctx.log('approval', `${call.tool} (${call.id}) approved${by}`);
      results.push({ toolCallId: call.id, toolName: call.tool, value: await run(call) });
    } else {
      ctx.log('approval', `${call.tool} (${call.id}) rejected${by}; not run`);
      ctx.trace(`tool:${call.tool}`, {
        event: 'tool_call',
        callId: call.id,
        tool: call.tool,
        ran: false,
        refused: `rejected${by}`,
      });
      results.push({ toolCallId: call.id, toolName: call.tool, value: rejectedValue(decision) });
    }
  }
  return results;
}

/** The checkpoint once its step is answered: every result kept, nothing left to run. */
export const settled = (
  checkpoint: ToolCheckpoint,
  results: ToolResultValue[],
): ToolCheckpoint => ({
  ...checkpoint,
  results,
  pending: [],
});
