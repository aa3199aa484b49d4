import { Command, Option } from 'commander';
import { TASK_STATES, type Decision } from '../agents/index.ts';
import { collect, common, withAgents, type AgentClient, type Flags } from './agent-client.ts';
import { connectionCommand } from './agent-connection.commands.ts';
import { addDefineCommands } from './agent-define.commands.ts';
import { addTaskCommands } from './agent-task.commands.ts';
import { act } from './act.ts';
import { configFrom } from './options.ts';
import { emit, keyValues, table } from './output.ts';

/**
 * `iza agent ...`: the agent registry, tasks and traces, through the server holding the data
 * folder (as the local administrator within the organisation), or on the database directly.
 * Tasks dispatched without a running server stay queued until a process works jobs.
 */

/** The `agent` command with its subcommands. */
export function agentCommand(): Command {
  const agent = new Command('agent')
    .description('agents: the registry, tasks and their traces')
    .addHelpText(
      'after',
      `
Examples:
  iza agent list
  iza agent create --bot-id writer --kind llm --capability write --connection openai --model gpt-4o-mini
  iza agent dispatch --capability site-analysis --input '{"url":"https://example.com"}' --priority high
  iza agent dispatch --capability write --input "A tagline for a bakery" --wait
  iza agent tasks --state failed
  iza agent task 5e3f9a1c          (an id, or its start or end)
  iza agent approve <taskId> --reject-call call_2 --note "not that one"
  iza agent trace <correlationId>
  iza agent connection list`,
    );
  agent.addCommand(connectionCommand());
  const run = <T>(flags: Flags, name: string, work: (c: AgentClient) => Promise<T>) =>
    withAgents(configFrom(flags), flags, `iza agent ${name}`, work);

  common(agent.command('list').description('the agents of the organisation')).action(
    act(async (flags: Flags) => {
      const agents = await run(flags, 'list', (c) => c.list());
      emit(agents, flags.json ?? false, (list) =>
        table(
          ['botId', 'name', 'kind', 'tier', 'capabilities', 'slots', 'breaker', 'health'],
          list.map((a) => [
            a.botId,
            a.name,
            a.kind + (a.llm?.offlineDemo ? ' (offline demo)' : ''),
            a.tier,
            a.capabilities.join(' '),
            a.maxConcurrentTasks,
            a.live?.breaker ?? 'closed',
            a.health.state,
          ]),
        ),
      );
    }),
  );

  common(agent.command('show').description('one agent').argument('<ref>', 'botId or id')).action(
    act(async (ref: string, flags: Flags) => {
      const a = await run(flags, 'show', (c) => c.show(ref));
      emit(a, flags.json ?? false, (x) =>
        keyValues([
          ['botId', x.botId],
          ['name', x.name],
          ['kind', x.kind],
          ['tier', x.tier],
          ['capabilities', x.capabilities.join(', ')],
          ['dependencies', x.dependencies.join(', ')],
          ['backups', x.backupAgents.join(', ')],
          ['slots', x.maxConcurrentTasks],
          ['timeout ms', x.timeout],
          ['attempts', x.retryPolicy.maxAttempts],
          ['health check', x.healthCheck],
          [
            'health',
            `${x.health.state}${x.health.detail ? ` (${x.health.detail})` : ''}${x.health.checkedAt ? ` at ${x.health.checkedAt}` : ''}`,
          ],
          [
            'model',
            x.llm
              ? `${x.llm.provider} ${x.llm.model}${x.llm.offlineDemo ? ' (offline demo: no model)' : ''}`
              : '',
          ],
          [
            'endpoint',
            x.llm?.connection
              ? `connection ${x.llm.connection}`
              : x.llm?.baseUrl
                ? `${x.llm.baseUrl} (no key)`
                : x.llm && !x.llm.offlineDemo
                  ? 'the installation'
                  : '',
          ],
          ['approval', x.requiresApproval ? 'required' : 'no'],
          ['source', x.source],
          ['id', x.id],
        ]),
      );
    }),
  );

  addTaskCommands(agent, run);
  addDefineCommands(agent, run);

  common(
    agent
      .command('tasks')
      .description('tasks, newest first')
      .addOption(new Option('--state <state>', 'only this state').choices(TASK_STATES))
      .option('--limit <n>', 'at most this many (1-500)', '50'),
  ).action(
    act(async (flags: Flags & { state?: string; limit: string }) => {
      const tasks = await run(flags, 'tasks', (c) =>
        c.tasks({ limit: Number(flags.limit), ...(flags.state ? { state: flags.state } : {}) }),
      );
      emit(tasks, flags.json ?? false, (list) =>
        table(
          ['id', 'state', 'priority', 'capabilities', 'attempts', 'created', 'reason'],
          list.map((t) => [
            t.id,
            t.state,
            t.priority,
            t.capabilities.join(' '),
            t.attempts,
            t.createdAt,
            t.reason ?? '',
          ]),
        ),
      );
    }),
  );

  for (const verb of ['approve', 'reject'] as const) {
    common(
      agent
        .command(verb)
        .description(
          verb === 'approve'
            ? 'approves a task waiting for approval, or its waiting tool calls (they run)'
            : 'rejects a task waiting for approval (it ends), or its waiting tool calls (the model goes on without them)',
        )
        .argument('<taskId>', 'the task (its id, or the start or end of it)')
        .option('--note <text>', 'why (kept with the decision; rejected tool calls tell the model)')
        .option('--approve-call <id>', 'a tool call id to approve (repeatable)', collect)
        .option('--reject-call <id>', 'a tool call id to reject (repeatable)', collect)
        .option('--end-task', 'rejecting tool calls ends the task instead of going on'),
    ).action(
      act(
        async (
          taskId: string,
          flags: Flags & {
            note?: string;
            approveCall?: string[];
            rejectCall?: string[];
            endTask?: boolean;
          },
        ) => {
          const decisions: NonNullable<Decision['decisions']> = {};
          for (const call of flags.approveCall ?? []) decisions[call] = 'approve';
          for (const call of flags.rejectCall ?? []) decisions[call] = 'reject';
          const task = await run(flags, verb, (c) =>
            c.decide(verb, taskId, {
              ...(flags.note ? { note: flags.note } : {}),
              ...(Object.keys(decisions).length > 0 ? { decisions } : {}),
              ...(flags.endTask ? { endTask: true } : {}),
            }),
          );
          emit(task, flags.json ?? false, (t) =>
            keyValues([
              ['task', t.id],
              ['state', t.state + (t.reason ? ` (${t.reason})` : '')],
              ...(t.approvedBy ? ([['decided by', t.approvedBy]] as [string, string][]) : []),
            ]),
          );
        },
      ),
    );
  }

  common(
    agent
      .command('trace')
      .description('every message of a conversation (AgentMessage envelopes), oldest first')
      .argument('<correlationId>', 'the correlation id'),
  ).action(
    act(async (correlationId: string, flags: Flags) => {
      const messages = await run(flags, 'trace', (c) => c.trace(correlationId));
      emit(messages, flags.json ?? false, (list) =>
        table(
          ['time', 'type', 'from', 'to', 'payload'],
          list.map((m) => [
            m.timestamp,
            m.messageType,
            m.senderAgent,
            m.recipientAgent,
            JSON.stringify(m.payload).slice(0, 80),
          ]),
        ),
      );
    }),
  );
  return agent;
}
