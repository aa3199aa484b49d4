import type { Command } from 'commander';
import { Option } from 'commander';
import type { z } from 'zod';
import { createAccess, type Access } from '../access/index.ts';
import { viaServerOrLocally } from '../cli/local.ts';
import { configFrom, dataDirOption, jsonOption } from '../cli/options.ts';
import { emit, table } from '../cli/output.ts';
import { requireDataFolder } from '../cli/data-folder.ts';
import { findRunningServer } from '../cli/remote.ts';
import {
  ErrorCodes,
  UserError,
  createKernel,
  createLogger,
  type Config,
  type Kernel,
} from '../kernel/index.ts';
import { handleShutdownSignals } from '../server/index.ts';
import type { ServerCreateJson, serverSchema } from './hub.dto.ts';
import { serverJson, toServerInput } from './hub.dto.ts';
import { createMcpServerStore, type McpServerRecord } from './hub.store.ts';
import { relayStdio, serveStdio } from './mcp.stdio.ts';
import { createToolsets } from './mcp.toolsets.ts';

type ServerJson = z.input<typeof serverSchema>;

interface Flags {
  dataDir?: string;
  json?: boolean;
}

/** `iza mcp` (IZA OS as an MCP server on stdio) and `iza mcp servers ...` (the hub). */
export function registerMcpCommands(program: Command): void {
  const mcp = program
    .command('mcp')
    .description(
      'serve IZA OS to an MCP client on standard input and output, as the API key in IZA_API_KEY; ' +
        '`iza mcp servers` manages the external MCP servers IZA OS connects to',
    )
    .addOption(dataDirOption())
    .action(async (flags: Flags) => {
      await serve(configFrom(flags));
    });

  const servers = mcp
    .command('servers')
    .description('external MCP servers whose tools IZA OS offers to its agents');

  servers
    .command('list')
    .description("an organisation's external MCP servers")
    .requiredOption('--org <slug>', 'organisation slug or id')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (flags: Flags & { org: string }) => {
      const rows = await viaServerOrLocally(
        configFrom(flags),
        'iza mcp servers list',
        (server, call) => call<ServerJson[]>(server, 'GET', systemPath(flags.org)),
        async ({ kernel, access }) => {
          const store = storeFor(kernel, access);
          const orgId = await findOrg(access, flags.org);
          // No server process: nothing is connected, so there is no live state to show.
          return (await store.list(orgId)).map(offline);
        },
      );
      emit(rows, flags.json ?? false, (list) =>
        list.length === 0
          ? 'No MCP servers yet: add one with iza mcp servers add.'
          : table(
              ['name', 'transport', 'where', 'status', 'tools', 'last error', 'id'],
              list.map((s) => [
                s.name,
                s.transport,
                s.transport === 'stdio' ? [s.command, ...s.args].join(' ') : (s.url ?? ''),
                s.status,
                s.health?.toolCount ?? '',
                s.health?.lastError ?? '',
                s.id,
              ]),
            ),
      );
    });

  servers
    .command('add <name>')
    .description(
      'register an external MCP server: a command (--command, with --arg for each argument) or a ' +
        'Streamable HTTP URL (--url); values may reference vault secrets as {{secret:NAME}}',
    )
    .requiredOption('--org <slug>', 'organisation slug or id')
    .option('--command <command>', 'stdio: the executable to start')
    .option('--arg <arg>', 'stdio: an argument (repeat for each)', collect, [])
    .option('--env <NAME=value>', 'stdio: an environment variable (repeat)', collect, [])
    .option('--url <url>', 'http: the MCP endpoint')
    .option(
      '--header <Name: value>',
      'http: a header sent with every request (repeat)',
      collect,
      [],
    )
    .option('--description <text>', 'what the server is for')
    .addOption(new Option('--disabled', 'register it without connecting'))
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (name: string, flags: AddFlags) => {
      const body = addBody(name, flags);
      const created = await viaServerOrLocally(
        configFrom(flags),
        'iza mcp servers add',
        (server, call) => call<ServerJson>(server, 'POST', systemPath(flags.org), body),
        async ({ kernel, access }) => {
          const store = storeFor(kernel, access);
          const record = await store.create(await findOrg(access, flags.org), toServerInput(body), {
            actorId: null,
            trusted: true,
          });
          return offline(record);
        },
      );
      emit(created, flags.json ?? false, (s) => `Added ${s.name} (${s.id}), ${s.status}.`);
    });

  servers
    .command('remove <id>')
    .description('remove an external MCP server')
    .requiredOption('--org <slug>', 'organisation slug or id')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (id: string, flags: Flags & { org: string }) => {
      const removed = await viaServerOrLocally(
        configFrom(flags),
        'iza mcp servers remove',
        (server, call) =>
          call<ServerJson>(server, 'DELETE', `${systemPath(flags.org)}/${encodeURIComponent(id)}`),
        async ({ kernel, access }) => {
          const store = storeFor(kernel, access);
          const record = await store.remove(await findOrg(access, flags.org), id);
          return offline(record);
        },
      );
      emit(removed, flags.json ?? false, (s) => `Removed ${s.name} (${s.id}).`);
    });
}

interface AddFlags extends Flags {
  org: string;
  command?: string;
  arg: string[];
  env: string[];
  url?: string;
  header: string[];
  description?: string;
  disabled?: boolean;
}

function addBody(name: string, flags: AddFlags): ServerCreateJson {
  const common = {
    name,
    ...(flags.description === undefined ? {} : { description: flags.description }),
    ...(flags.disabled ? { enabled: false } : {}),
  };
  if ((flags.command === undefined) === (flags.url === undefined)) {
    throw new UserError(ErrorCodes.badRequest, 'Give either --command or --url');
  }
  if (flags.command !== undefined) {
    return {
      ...common,
      transport: 'stdio',
      command: flags.command,
      args: flags.arg,
      env: pairs(flags.env, '=', '--env'),
    };
  }
  return {
    ...common,
    transport: 'http',
    url: flags.url!,
    headers: pairs(flags.header, ':', '--header'),
  };
}

function pairs(items: string[], separator: string, flag: string): Record<string, string> {
  return Object.fromEntries(
    items.map((item) => {
      const at = item.indexOf(separator);
      if (at <= 0) {
        throw new UserError(
          ErrorCodes.badRequest,
          `${flag} "${item}": expected NAME${separator}value`,
        );
      }
      return [item.slice(0, at).trim(), item.slice(at + 1).trim()];
    }),
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A server as seen by a command without a server process: nothing is connected. */
function offline(record: McpServerRecord): ServerJson {
  return serverJson({ ...record, status: record.enabled ? 'unknown' : 'disabled', health: null });
}

function systemPath(org: string): string {
  return `/api/v1/system/orgs/${encodeURIComponent(org)}/mcp/servers`;
}

function storeFor(kernel: Kernel, access: Access) {
  return createMcpServerStore({
    db: kernel.db,
    clock: kernel.clock,
    audit: access.audit,
    secrets: access.secrets,
    stdioCommands: kernel.config.mcp.stdioCommands,
    allowPrivate: kernel.config.outbound.allowPrivate,
  });
}

async function findOrg(access: Access, org: string): Promise<string> {
  const found = await access.users.findOrganisation(org);
  if (!found) throw new UserError(ErrorCodes.badRequest, `No organisation "${org}"`);
  return found.id;
}

/**
 * Standard output carries the protocol, so logs go to standard error. With a server holding the
 * data folder, messages are relayed to it; otherwise (or on PostgreSQL) the database is opened here.
 */
async function serve(config: Config): Promise<void> {
  const log = createLogger({ level: config.logLevel, destination: process.stderr });
  const apiKey = config.apiKey;
  if (apiKey === undefined) {
    throw new UserError(
      ErrorCodes.unauthorized,
      'Set IZA_API_KEY to the API key the MCP client acts with (iza apikey create --org <slug> --name <name> --role <role>)',
      { status: 401 },
    );
  }
  const running = findRunningServer(config);
  if (running) {
    await relayStdio({ serverUrl: running.url, apiKey, log });
    return;
  }
  // An MCP client may start this anywhere: it opens an installation, never makes an empty one.
  requireDataFolder(config);
  const kernel = await createKernel({ config, command: 'iza mcp', workJobs: false, log });
  try {
    const access = createAccess(kernel);
    handleShutdownSignals({
      log,
      timeoutMs: config.shutdownTimeoutMs,
      stop: () => kernel.close(),
    });
    await serveStdio({
      toolsets: createToolsets({ kernel, access }),
      authenticate: () => access.authenticator.apiKey(apiKey),
      log,
    });
  } finally {
    await kernel.close();
  }
}
