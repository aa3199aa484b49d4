import { Option, type Command } from 'commander';
import { FINAL_STATES, PRIORITIES, type TaskInput, type TaskJson } from '../agents/index.ts';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import {
  collect,
  common,
  parseInput,
  type AgentClient,
  type Flags,
  type TaskDetail,
} from './agent-client.ts';
import { act } from './act.ts';
import { emit, keyValues, table } from './output.ts';

type Run = <T>(flags: Flags, name: string, work: (c: AgentClient) => Promise<T>) => Promise<T>;

/** The answer of a task as a person reads it: an LLM agent's text, else its output as JSON. */
export function answerOf(task: Pick<TaskJson, 'output'>): string {
  const output = task.output as { text?: unknown } | null | undefined;
  if (output && typeof output === 'object' && typeof output.text === 'string') return output.text;
  return typeof output === 'string' ? output : JSON.stringify(output ?? null, null, 2);
}

const stateOf = (t: Pick<TaskJson, 'state' | 'reason'>) =>
  t.state + (t.reason ? ` (${t.reason})` : '');

/** A task that did not succeed fails the command (exit 1), saying how it ended. */
function failed(t: Pick<TaskJson, 'id' | 'state' | 'reason' | 'error'>): UserError {
  return new UserError(
    t.reason === 'no_capable_agent' ? ErrorCodes.validationFailed : ErrorCodes.conflict,
    `Task ${t.id} ${t.state}${t.reason ? ` (${t.reason})` : ''}${t.error ? `: ${t.error}` : ''}`,
  );
}

/** Polls a task until it ends, or `timeoutMs` passes (then says where it stands). */
async function waitForEnd(c: AgentClient, id: string, timeoutMs: number): Promise<TaskDetail> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 100; ; pause = Math.min(1000, pause * 2)) {
    const task = await c.task(id);
    if ((FINAL_STATES as readonly string[]).includes(task.state)) return task;
    if (task.state === 'waiting' || Date.now() >= deadline) {
      throw new UserError(
        ErrorCodes.conflict,
        task.state === 'waiting'
          ? `Task ${id} waits for a person's approval (${task.reason ?? 'approval'}): iza agent approve ${id}`
          : `Task ${id} is still ${stateOf(task)} after ${Math.round(timeoutMs / 1000)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** `iza agent dispatch` (with `--wait`) and `iza agent task`. */
export function addTaskCommands(agent: Command, run: Run): void {
  common(
    agent
      .command('dispatch')
      .description('dispatches a task to the agents whose capabilities cover it')
      .option('--capability <name>', 'a capability the task needs (repeatable)', collect)
      .option('--agent <ref>', 'a specific agent instead of routing')
      .addOption(new Option('--priority <p>', 'priority').choices(PRIORITIES).default('medium'))
      .option('--input <json>', 'the input (JSON, or plain text)')
      .option('--correlation-id <id>', 'joins the task to a conversation')
      .option('--approval', 'wait for a human approval before running')
      .option(
        '--wait',
        "waits for the task to end and prints its answer; the exit code is the task's outcome",
      )
      .option('--timeout <seconds>', 'with --wait: give up waiting after this long', '300'),
  ).action(
    act(
      async (
        flags: Flags & {
          capability?: string[];
          agent?: string;
          priority: string;
          input?: string;
          correlationId?: string;
          approval?: boolean;
          wait?: boolean;
          timeout: string;
        },
      ) => {
        if (!flags.capability?.length && !flags.agent) {
          throw new UserError(ErrorCodes.badRequest, 'Give --capability (one or more) or --agent');
        }
        const timeoutMs = Number(flags.timeout) * 1000;
        if (flags.wait && !(timeoutMs > 0)) {
          throw new UserError(ErrorCodes.badRequest, '--timeout must be a number of seconds');
        }
        const task = await run(flags, 'dispatch', async (c) => {
          const sent = await c.dispatch({
            capabilities: flags.capability ?? [],
            ...(flags.agent ? { agent: flags.agent } : {}),
            priority: flags.priority as TaskInput['priority'],
            input: parseInput(flags.input),
            ...(flags.correlationId ? { correlationId: flags.correlationId } : {}),
            ...(flags.approval ? { requiresApproval: true } : {}),
          });
          if (!flags.wait || (FINAL_STATES as readonly string[]).includes(sent.state)) return sent;
          if (!c.working) {
            throw new UserError(
              ErrorCodes.conflict,
              `Task ${sent.id} is queued, but no server holds the data folder to work it: start one (npm start) and see it with iza agent task ${sent.id}`,
            );
          }
          return waitForEnd(c, sent.id, timeoutMs);
        });
        if (flags.wait && task.state === 'succeeded') {
          emit(task, flags.json ?? false, (t) => answerOf(t));
          return;
        }
        emit(task, flags.json ?? false, (t) =>
          keyValues([
            ['task', t.id],
            ['state', stateOf(t)],
            ['correlation id', t.correlationId],
            ...(t.error ? ([['error', t.error]] as [string, string][]) : []),
          ]),
        );
        // Nobody can take it, or (waited for) it did not succeed: the command fails.
        if (task.state === 'failed' || task.state === 'timed_out' || task.state === 'cancelled') {
          throw failed(task);
        }
      },
    ),
  );

  common(
    agent
      .command('task')
      .description('one task: its state, answer, log and messages')
      .argument(
        '<id>',
        'the task id, or its first or last characters (4+) when no other task shares them',
      ),
  ).action(
    act(async (ref: string, flags: Flags) => {
      const task = await run(flags, 'task', (c) => c.task(ref));
      emit(task, flags.json ?? false, (t) =>
        [
          keyValues([
            ['task', t.id],
            ['state', stateOf(t)],
            ['priority', t.priority],
            ['capabilities', t.capabilities.join(', ')],
            ['attempts', t.attempts],
            ['tokens', t.tokensUsed],
            ['cost (micro)', t.costMicro],
            ['correlation id', t.correlationId],
            ['created', t.createdAt],
            ['finished', t.finishedAt ?? ''],
            ...(t.error ? ([['error', t.error]] as [string, string][]) : []),
            ...(t.state === 'succeeded' ? ([['answer', answerOf(t)]] as [string, string][]) : []),
          ]),
          '',
          'log:',
          table(
            ['at', 'kind', 'text'],
            t.log.map((l) => [l.at, l.kind, l.text.slice(0, 120)]),
          ),
          '',
          'messages:',
          table(
            ['at', 'type', 'from', 'to', 'payload'],
            t.messages.map((m) => [
              m.timestamp,
              m.messageType,
              m.senderAgent,
              m.recipientAgent,
              JSON.stringify(m.payload).slice(0, 100),
            ]),
          ),
        ].join('\n'),
      );
    }),
  );
}
