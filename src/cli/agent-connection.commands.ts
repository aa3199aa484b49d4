import { Command, Option } from 'commander';
import {
  agentsServiceFor,
  CONNECTION_KINDS,
  type ConnectionInput,
  type ConnectionJson,
  type ConnectionPatch,
} from '../agents/index.ts';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import { act } from './act.ts';
import { readSecret, viaServerOrLocally } from './local.ts';
import { configFrom, dataDirOption, jsonOption } from './options.ts';
import { localOrganisation, onlyOrganisation } from './organisation.ts';
import { emit, keyValues, table } from './output.ts';

/**
 * `iza agent connection ...`: an organisation's provider connections (LLM endpoints with a
 * sealed key), through the running server or on the database directly. Keys go in from
 * standard input (`--api-key-stdin`) or a flag (`--api-key`, visible to other local users in
 * the process list) and never come out.
 */

interface Flags {
  dataDir?: string;
  org?: string;
  json?: boolean;
}

interface ConnectionClient {
  list(): Promise<ConnectionJson[]>;
  create(body: ConnectionInput): Promise<ConnectionJson>;
  update(ref: string, body: ConnectionPatch): Promise<ConnectionJson>;
  remove(ref: string): Promise<ConnectionJson>;
}

const BASE = '/api/v1/agents/connections';

function withConnections<T>(
  flags: Flags,
  command: string,
  run: (c: ConnectionClient) => Promise<T>,
): Promise<T> {
  return viaServerOrLocally(
    configFrom(flags),
    command,
    async (server, call) => {
      const s = { ...server, org: flags.org ?? (await onlyOrganisation(server, call)) };
      const ref = (r: string) => `${BASE}/${encodeURIComponent(r)}`;
      return run({
        list: () => call(s, 'GET', BASE),
        create: (body) => call(s, 'POST', BASE, body),
        update: (r, body) => call(s, 'PATCH', ref(r), body),
        remove: (r) => call(s, 'DELETE', ref(r)),
      });
    },
    async ({ kernel, access }) => {
      const orgId = await localOrganisation(access, flags.org);
      const agents = agentsServiceFor(kernel, access);
      const json = agents.connectionJson;
      return run({
        list: async () => (await agents.listConnections(orgId)).map(json),
        create: async (body) => json(await agents.createConnection(orgId, body)),
        update: async (r, body) => json(await agents.updateConnection(orgId, r, body)),
        remove: async (r) => json(await agents.deleteConnection(orgId, r)),
      });
    },
  );
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--model` ids with their `--price <id>=<input>/<output>/<CUR>` (per million tokens). */
function modelsOf(ids: string[], prices: string[]): ConnectionInput['models'] {
  const priced = new Map<string, { input: number; output: number; currency: string }>();
  for (const text of prices) {
    const match = /^(.+)=(\d+)\/(\d+)\/([A-Z]{3})$/.exec(text);
    if (!match) {
      throw new UserError(
        ErrorCodes.badRequest,
        `--price ${text}: write <model>=<input>/<output>/<currency>, integers in minor units per million tokens (e.g. gpt-4o-mini=15/60/USD)`,
      );
    }
    const [, id, input, output, currency] = match;
    if (!ids.includes(id!)) {
      throw new UserError(ErrorCodes.badRequest, `--price ${text}: ${id} is not among --model`);
    }
    priced.set(id!, { input: Number(input), output: Number(output), currency: currency! });
  }
  return ids.map((id) => ({ id, ...(priced.has(id) ? { price: priced.get(id)! } : {}) }));
}

async function keyOf(flags: { apiKey?: string; apiKeyStdin?: boolean }) {
  if (flags.apiKey !== undefined && flags.apiKeyStdin) {
    throw new UserError(ErrorCodes.badRequest, 'Give --api-key or --api-key-stdin, not both');
  }
  if (flags.apiKeyStdin) return readSecret('API key');
  return flags.apiKey;
}

const render = (c: ConnectionJson) =>
  keyValues([
    ['name', c.name],
    ['kind', c.kind],
    ['base URL', c.baseUrl],
    ['key', c.hasKey ? 'set (sealed, never shown)' : 'none'],
    ['models', c.models.map(modelText).join(', ')],
    ['description', c.description ?? ''],
    ['id', c.id],
  ]);

const modelText = (m: ConnectionJson['models'][number]) =>
  m.price ? `${m.id} (${m.price.input}/${m.price.output} ${m.price.currency})` : m.id;

function common(command: Command): Command {
  return command
    .addOption(new Option('--org <slug>', 'organisation, by slug or id (default: the only one)'))
    .addOption(dataDirOption())
    .addOption(jsonOption());
}

function keyOptions(command: Command): Command {
  return command
    .option('--api-key-stdin', 'read the API key from standard input (else asked for)')
    .option('--api-key <key>', 'the API key (visible in the process list: prefer --api-key-stdin)');
}

type KeyFlags = { apiKey?: string; apiKeyStdin?: boolean };

/** The `connection` subcommand of `iza agent`. */
export function connectionCommand(): Command {
  const connection = new Command('connection')
    .description("provider connections: an organisation's LLM endpoints and their sealed keys")
    .addHelpText(
      'after',
      `
Examples:
  iza agent connection create openai --kind openai-compatible --base-url https://api.openai.com/v1 \\
    --model gpt-4o-mini --price gpt-4o-mini=15/60/USD --api-key-stdin < key.txt
  iza agent connection create local --kind openai-compatible --base-url http://localhost:11434/v1 --model llama3.1:8b
  iza agent connection update openai --api-key-stdin
  iza agent connection list
  iza agent connection delete local

Agents use one with llm.connection: <name>.`,
    );

  common(connection.command('list').description('the connections (never their keys)')).action(
    act(async (flags: Flags) => {
      const list = await withConnections(flags, 'iza agent connection list', (c) => c.list());
      emit(list, flags.json ?? false, (rows) =>
        table(
          ['name', 'kind', 'base URL', 'key', 'models'],
          rows.map((c) => [
            c.name,
            c.kind,
            c.baseUrl,
            c.hasKey ? 'set' : 'none',
            c.models.map(modelText).join(', '),
          ]),
        ),
      );
    }),
  );

  common(
    keyOptions(
      connection
        .command('create')
        .description('creates a connection')
        .argument('<name>', 'the name agents use (llm.connection)')
        .addOption(
          new Option('--kind <kind>', 'the provider API')
            .choices(CONNECTION_KINDS)
            .makeOptionMandatory(),
        )
        .requiredOption('--base-url <url>', 'the endpoint, e.g. https://api.openai.com/v1')
        .option('--model <id>', 'a model it offers (repeatable, at least one)', collect)
        .option('--price <spec>', '<model>=<input>/<output>/<CUR> per million tokens', collect)
        .option('--description <text>', 'what it is for'),
    ),
  ).action(
    act(
      async (
        name: string,
        flags: Flags &
          KeyFlags & {
            kind: ConnectionInput['kind'];
            baseUrl: string;
            model?: string[];
            price?: string[];
            description?: string;
          },
      ) => {
        if (!flags.model?.length) {
          throw new UserError(ErrorCodes.badRequest, 'Give at least one --model');
        }
        const apiKey = await keyOf(flags);
        const created = await withConnections(flags, 'iza agent connection create', (c) =>
          c.create({
            name,
            kind: flags.kind,
            baseUrl: flags.baseUrl,
            models: modelsOf(flags.model ?? [], flags.price ?? []),
            ...(apiKey === undefined ? {} : { apiKey }),
            ...(flags.description === undefined ? {} : { description: flags.description }),
          }),
        );
        emit(created, flags.json ?? false, render);
      },
    ),
  );

  common(
    keyOptions(
      connection
        .command('update')
        .description('changes a connection (the options given)')
        .argument('<ref>', 'name or id')
        .addOption(new Option('--kind <kind>', 'the provider API').choices(CONNECTION_KINDS))
        .option('--base-url <url>', 'the endpoint')
        .option('--model <id>', 'the models it offers, replacing the list (repeatable)', collect)
        .option('--price <spec>', '<model>=<input>/<output>/<CUR> per million tokens', collect)
        .option('--remove-key', 'removes the key')
        .option('--description <text>', 'what it is for'),
    ),
  ).action(
    act(
      async (
        ref: string,
        flags: Flags &
          KeyFlags & {
            kind?: ConnectionInput['kind'];
            baseUrl?: string;
            model?: string[];
            price?: string[];
            removeKey?: boolean;
            description?: string;
          },
      ) => {
        if (flags.price?.length && !flags.model?.length) {
          throw new UserError(ErrorCodes.badRequest, '--price needs the --model list it prices');
        }
        const apiKey = await keyOf(flags);
        if (apiKey !== undefined && flags.removeKey) {
          throw new UserError(ErrorCodes.badRequest, 'Give a key or --remove-key, not both');
        }
        const updated = await withConnections(flags, 'iza agent connection update', (c) =>
          c.update(ref, {
            ...(flags.kind ? { kind: flags.kind } : {}),
            ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
            ...(flags.model?.length ? { models: modelsOf(flags.model, flags.price ?? []) } : {}),
            ...(apiKey !== undefined ? { apiKey } : flags.removeKey ? { apiKey: null } : {}),
            ...(flags.description === undefined ? {} : { description: flags.description }),
          }),
        );
        emit(updated, flags.json ?? false, render);
      },
    ),
  );

  common(
    connection
      .command('delete')
      .description('removes a connection and its sealed key (refused while agents use it)')
      .argument('<ref>', 'name or id'),
  ).action(
    act(async (ref: string, flags: Flags) => {
      const removed = await withConnections(flags, 'iza agent connection delete', (c) =>
        c.remove(ref),
      );
      emit(removed, flags.json ?? false, (c) => `Removed connection ${c.name}`);
    }),
  );
  return connection;
}
