import { Command, Option } from 'commander';
import {
  agentsServiceFor,
  PRIORITIES,
  TASK_STATES,
  type AgentJson,
  type AgentMessage,
  type Decision,
  type TaskInput,
  type TaskJson,
  taskJsonOf,
} from '../agents/index.ts';
import { ErrorCodes, UserError, type Config } from '../kernel/index.ts';
import { connectionCommand } from './agent-connection.commands.ts';
import { act } from './ledger-actions.ts';
import { viaServerOrLocally } from './local.ts';
import { configFrom, dataDirOption, jsonOption } from './options.ts';
import { localOrganisation, onlyOrganisation } from './organisation.ts';
import { emit, keyValues, table } from './output.ts';

/**
 * `iza agent ...`: the agent registry, tasks and traces, through the server holding the data
 * folder (as the local administrator within the organisation), or on the database directly.
 * Tasks dispatched without a running server stay queued until a process works jobs.
 */

interface Flags {
  dataDir?: string;
  org?: string;
  json?: boolean;
}

interface AgentClient {
  list(): Promise<AgentJson[]>;
  show(ref: string): Promise<AgentJson>;
  dispatch(body: TaskInput): Promise<TaskJson>;
  tasks(query: { state?: string; limit: number }): Promise<TaskJson[]>;
  trace(correlationId: string): Promise<AgentMessage[]>;
  decide(verb: 'approve' | 'reject', taskId: string, body: Decision): Promise<TaskJson>;
}

const BASE = '/api/v1/agents';

function withAgents<T>(
  config: Config,
  flags: Flags,
  command: string,
  run: (c: AgentClient) => Promise<T>,
) {
  return viaServerOrLocally(
    config,
    command,
    async (server, call) => {
      const s = { ...server, org: flags.org ?? (await onlyOrganisation(server, call)) };
      const id = encodeURIComponent;
      return run({
        list: () => call(s, 'GET', BASE),
        show: (ref) => call(s, 'GET', `${BASE}/by/${id(ref)}`),
        dispatch: (body) => call(s, 'POST', `${BASE}/tasks`, body),
        tasks: (q) =>
          call(s, 'GET', `${BASE}/tasks?limit=${q.limit}${q.state ? `&state=${id(q.state)}` : ''}`),
        trace: (correlationId) => call(s, 'GET', `${BASE}/messages/${id(correlationId)}`),
        decide: (verb, taskId, body) =>
          call(s, 'POST', `${BASE}/tasks/${id(taskId)}/${verb}`, body),
      });
    },
    async ({ kernel, access }) => {
      const orgId = await localOrganisation(access, flags.org);
      const agents = agentsServiceFor(kernel, access);
      return run({
        list: async () => (await agents.listAgents(orgId)).map(agents.agentJson),
        show: async (ref) => agents.agentJson(await agents.getAgent(orgId, ref)),
        dispatch: async (body) => taskJsonOf(await agents.dispatch(orgId, body)),
        tasks: (q) =>
          agents.listTasks(orgId, {
            limit: q.limit,
            ...(q.state ? { state: q.state as TaskJson['state'] } : {}),
          }),
        trace: (correlationId) => agents.trace(orgId, correlationId),
        decide: async (verb, taskId, { note, ...options }) =>
          taskJsonOf(await agents[verb](orgId, taskId, note, options)),
      });
    },
  );
}

function common(command: Command): Command {
  return command
    .addOption(new Option('--org <slug>', 'organisation, by slug or id (default: the only one)'))
    .addOption(dataDirOption())
    .addOption(jsonOption());
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseInput(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The `agent` command with its subcommands. */
export function agentCommand(): Command {
  const agent = new Command('agent')
    .description('agents: the registry, tasks and their traces')
    .addHelpText(
      'after',
      `
Examples:
  iza agent list
  iza agent dispatch --capability site-analysis --input '{"url":"https://example.com"}' --priority high
  iza agent tasks --state failed
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

  common(
    agent
      .command('dispatch')
      .description('dispatches a task to the agents whose capabilities cover it')
      .option('--capability <name>', 'a capability the task needs (repeatable)', collect)
      .option('--agent <ref>', 'a specific agent instead of routing')
      .addOption(new Option('--priority <p>', 'priority').choices(PRIORITIES).default('medium'))
      .option('--input <json>', 'the input (JSON, or plain text)')
      .option('--correlation-id <id>', 'joins the task to a conversation')
      .option('--approval', 'wait for a human approval before running'),
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
        },
      ) => {
        if (!flags.capability?.length && !flags.agent) {
          throw new UserError(ErrorCodes.badRequest, 'Give --capability (one or more) or --agent');
        }
        const task = await run(flags, 'dispatch', (c) =>
          c.dispatch({
            capabilities: flags.capability ?? [],
            ...(flags.agent ? { agent: flags.agent } : {}),
            priority: flags.priority as TaskInput['priority'],
            input: parseInput(flags.input),
            ...(flags.correlationId ? { correlationId: flags.correlationId } : {}),
            ...(flags.approval ? { requiresApproval: true } : {}),
          }),
        );
        emit(task, flags.json ?? false, (t) =>
          keyValues([
            ['task', t.id],
            ['state', t.state + (t.reason ? ` (${t.reason})` : '')],
            ['correlation id', t.correlationId],
            ...(t.error ? ([['error', t.error]] as [string, string][]) : []),
          ]),
        );
      },
    ),
  );

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
        .argument('<taskId>', 'the task')
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
