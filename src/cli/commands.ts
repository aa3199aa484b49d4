import { Command } from 'commander';
import {
  CONFIG_ENV_VARS,
  DataDirLockedError,
  VERSION,
  readLiveLockHolder,
  type Config,
} from '../kernel/essentials.ts';
import type { MigrationReport, SystemStatus } from '../kernel/index.ts';
import { announceCreation, dataFolderLine, requireDataFolder } from './data-folder.ts';
import { withLocalKernel } from './local.ts';
import { configFrom, dataDirOption, jsonOption, type CommonFlags } from './options.ts';
import { emit, keyValues, table } from './output.ts';
import { callServer, findRunningServer } from './remote.ts';

/**
 * The `iza` command tree. Building it loads only commander, the configuration and the data-folder
 * lock: each group of commands (`iza ledger ...`, `iza venture ...`) is loaded when it is the one
 * asked for, and the database, the server and the domain modules only when a command needs them
 * in this process (no running server answers it). So a command a running server answers starts
 * in a fraction of a second.
 */
interface CommandGroup {
  /** The top-level commands the group adds. */
  names: Record<string, string>;
  register(program: Command): Promise<void>;
}

const GROUPS: CommandGroup[] = [
  {
    names: { user: 'people and their roles', apikey: 'API keys for bots and scripts' },
    register: async (p) => (await import('./access.commands.ts')).registerAccessCommands(p),
  },
  {
    names: { audit: 'the hash-chained audit log' },
    register: async (p) => (await import('./audit.command.ts')).registerAuditCommand(p),
  },
  {
    names: {
      secrets: 'secrets sealed at rest (provider keys, workflow credentials, TOTP secrets)',
    },
    register: async (p) => (await import('./secrets.command.ts')).registerSecretsCommand(p),
  },
  {
    names: { ledger: 'double-entry books: entities, accounts, transfers, FX, reports' },
    register: async (p) => {
      p.addCommand((await import('./ledger.commands.ts')).ledgerCommand());
    },
  },
  {
    names: { venture: 'the portfolio: ventures, their KPIs and health' },
    register: async (p) => {
      p.addCommand((await import('./venture.commands.ts')).ventureCommand());
    },
  },
  {
    names: { workflow: 'n8n-format workflows: import, run, activate, executions' },
    register: async (p) => {
      p.addCommand((await import('./workflow.commands.ts')).workflowCommand());
    },
  },
  {
    names: { agent: 'AI agents: registry, tasks, connections' },
    register: async (p) => {
      p.addCommand((await import('./agent.commands.ts')).agentCommand());
    },
  },
  {
    names: { demo: 'fill an empty installation with a fictional demo portfolio' },
    register: async (p) => {
      p.addCommand((await import('./demo.commands.ts')).demoCommand());
    },
  },
  {
    names: { mcp: 'IZA OS as an MCP server on stdio; `iza mcp servers`: the MCP hub' },
    register: async (p) => (await import('../mcp/mcp.commands.ts')).registerMcpCommands(p),
  },
];

/**
 * The program for these arguments (`argv` as `process.argv`): the group of the command asked
 * for is loaded; for `iza --help` and unknown commands, every group appears with its summary.
 */
export async function buildCli(argv: string[] = []): Promise<Command> {
  const program = new Command('iza')
    .description('IZA OS: the operating system of a venture studio')
    .version(VERSION, '-v, --version')
    .showHelpAfterError()
    .addHelpText(
      'after',
      `\nConfiguration comes from environment variables (${CONFIG_ENV_VARS.join(', ')})\n` +
        'and an optional iza.config.json in the working folder. See README.md.',
    );
  addCoreCommands(program);

  const operands = argv.slice(2).filter((a) => !a.startsWith('-'));
  const asked = operands[0] === 'help' ? operands[1] : operands[0];
  const group = GROUPS.find((g) => asked !== undefined && asked in g.names);
  if (group) {
    await group.register(program);
  } else {
    // Listed for help and suggestions; never run (a group asked for is loaded instead).
    for (const g of GROUPS) {
      for (const [name, description] of Object.entries(g.names)) {
        program.command(name).description(description);
      }
    }
  }
  return program;
}

function addCoreCommands(program: Command): void {
  program
    .command('start')
    .description('serve the HTTP API and its docs, and work background jobs')
    .option('-p, --port <port>', 'port to listen on (IZA_PORT, default 3000)')
    .option('--host <host>', 'address to listen on (IZA_HOST, default localhost)')
    .addOption(dataDirOption())
    .option('--no-jobs', 'do not work background jobs in this process (leave them to workers)')
    .action(async (flags: CommonFlags & { port?: string; host?: string; jobs?: boolean }) => {
      const config = configFrom(flags);
      refuseIfHeld(config);
      const created = announceCreation(config);
      const { runServer } = await import('../server/run.ts');
      await runServer({ config });
      created();
    });

  program
    .command('worker')
    .description('work background jobs only (no HTTP); run several against one PostgreSQL')
    .addOption(dataDirOption())
    .action(async (flags: CommonFlags) => {
      const config = configFrom(flags);
      refuseIfHeld(config);
      const created = announceCreation(config);
      const { runWorker } = await import('../server/worker.ts');
      await runWorker({ config });
      created();
    });

  program
    .command('migrate')
    .description('apply pending database migrations (they are also applied at start)')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (flags: CommonFlags) => {
      const config = configFrom(flags);
      const server = findRunningServer(config);
      const report = server
        ? await callServer<MigrationReport>(server, 'POST', '/api/v1/system/migrate')
        : await withLocalKernel(
            config,
            'iza migrate',
            { creates: true, quiet: flags.json ?? false, kernelOnly: true },
            async (kernel) => ({
              ...kernel.migrations,
            }),
          );
      emit(report, flags.json ?? false, (r) =>
        [
          r.applied.length === 0
            ? 'The database schema is up to date.'
            : `Applied ${r.applied.length} migration(s): ${r.applied.join(', ')}`,
          table(
            ['migration', 'applied'],
            r.migrations.map((m) => [m.tag, m.applied ? 'yes' : 'no']),
          ),
        ].join('\n'),
      );
    });

  program
    .command('status')
    .description('versions, storage, migrations and job queues of this installation')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (flags: CommonFlags) => {
      const config = configFrom(flags);
      const server = findRunningServer(config);
      let status: SystemStatus & { server: string | null; dataFolder: string };
      if (server) {
        status = {
          ...(await callServer<SystemStatus>(server, 'GET', '/api/v1/system/status')),
          server: server.url,
          dataFolder: dataFolderLine(config),
        };
      } else {
        requireDataFolder(config);
        const { collectStatus } = await import('../kernel/index.ts');
        status = {
          ...(await withLocalKernel(config, 'iza status', { kernelOnly: true }, (kernel) =>
            collectStatus(kernel),
          )),
          server: null,
          dataFolder: dataFolderLine(config),
        };
      }
      emit(status, flags.json ?? false, renderStatus);
    });
}

/**
 * Before any slow start-up work: a data folder another process holds is refused at once,
 * naming the folder and its holder (`openDatabase` takes the lock itself a moment later).
 */
function refuseIfHeld(config: Config): void {
  if (config.databaseUrl !== undefined) return;
  const holder = readLiveLockHolder(config.dataDir);
  if (holder) throw new DataDirLockedError(config.dataDir, holder);
}

function renderStatus(
  status: SystemStatus & { server: string | null; dataFolder: string },
): string {
  const pending = status.migrations.filter((m) => !m.applied).length;
  const lines = [
    keyValues([
      ['IZA OS', status.version],
      ['Node.js', status.node],
      ['profile', status.profile],
      ['server', status.server ?? 'not running'],
      ['data folder', status.dataFolder],
      ['storage', `${status.storage.kind} (${status.storage.location})`],
      ['events', status.events],
      [
        'migrations',
        `${status.migrations.length - pending} of ${status.migrations.length} applied${pending ? `, ${pending} pending` : ''}`,
      ],
      ['config file', status.configFile ?? 'none'],
    ]),
  ];
  if (status.jobs.queues.length > 0) {
    lines.push(
      table(
        ['queue', 'queued', 'active', 'deferred', 'failed'],
        status.jobs.queues.map((q) => [q.queue, q.queued, q.active, q.deferred, q.failed]),
      ),
    );
  } else {
    lines.push('job queues: none defined yet');
  }
  return lines.join('\n');
}
