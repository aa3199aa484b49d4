import { Option, type Command } from 'commander';
import {
  agentsServiceFor,
  type AgentInput,
  type AgentJson,
  type AgentMessage,
  type Decision,
  type TaskInput,
  type TaskJson,
  taskJsonOf,
} from '../agents/index.ts';
import type { Config } from '../kernel/index.ts';
import { viaServerOrLocally } from './local.ts';
import { dataDirOption, jsonOption } from './options.ts';
import { localOrganisation, onlyOrganisation } from './organisation.ts';

/**
 * What `iza agent ...` commands call: the agents API of the server holding the data folder (as
 * the local administrator within the organisation), or the agents service on the database.
 */

export interface Flags {
  dataDir?: string;
  org?: string;
  json?: boolean;
}

/** One task with its log and its messages. */
export type TaskDetail = TaskJson & {
  log: { seq: number; kind: string; text: string; at: string }[];
  messages: AgentMessage[];
};

export interface AgentClient {
  /** Whether tasks are worked while the command runs (a server), or only queued (no server). */
  readonly working: boolean;
  list(): Promise<AgentJson[]>;
  show(ref: string): Promise<AgentJson>;
  create(body: AgentInput): Promise<AgentJson>;
  update(ref: string, patch: Record<string, unknown>): Promise<AgentJson>;
  remove(ref: string): Promise<AgentJson>;
  dispatch(body: TaskInput): Promise<TaskJson>;
  /** A task by id, or the unambiguous start or end of it. */
  task(ref: string): Promise<TaskDetail>;
  tasks(query: { state?: string; limit: number }): Promise<TaskJson[]>;
  trace(correlationId: string): Promise<AgentMessage[]>;
  decide(verb: 'approve' | 'reject', taskId: string, body: Decision): Promise<TaskJson>;
}

const BASE = '/api/v1/agents';

export function withAgents<T>(
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
        working: true,
        list: () => call(s, 'GET', BASE),
        show: (ref) => call(s, 'GET', `${BASE}/by/${id(ref)}`),
        create: (body) => call(s, 'POST', BASE, body),
        update: (ref, patch) => call(s, 'PATCH', `${BASE}/by/${id(ref)}`, patch),
        remove: (ref) => call(s, 'DELETE', `${BASE}/by/${id(ref)}`),
        dispatch: (body) => call(s, 'POST', `${BASE}/tasks`, body),
        task: (ref) => call(s, 'GET', `${BASE}/tasks/${id(ref)}`),
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
        // Without a server nothing works tasks here; a worker process may, on a database server.
        working: kernel.database.kind === 'postgres',
        list: async () => (await agents.listAgents(orgId)).map(agents.agentJson),
        show: async (ref) => agents.agentJson(await agents.getAgent(orgId, ref)),
        create: async (body) => agents.agentJson(await agents.createAgent(orgId, body)),
        update: async (ref, patch) => agents.agentJson(await agents.updateAgent(orgId, ref, patch)),
        remove: async (ref) => agents.agentJson(await agents.deleteAgent(orgId, ref)),
        dispatch: async (body) => taskJsonOf(await agents.dispatch(orgId, body)),
        task: (ref) => agents.getTask(orgId, ref),
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

/** The options every `iza agent` command takes. */
export function common(command: Command): Command {
  return command
    .addOption(new Option('--org <slug>', 'organisation, by slug or id (default: the only one)'))
    .addOption(dataDirOption())
    .addOption(jsonOption());
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function parseInput(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
