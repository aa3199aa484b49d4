import { Command } from 'commander';
import {
  CONFIG_ENV_VARS,
  VERSION,
  collectStatus,
  createKernel,
  createLogger,
  migrateDatabase,
  openDatabase,
  storageFromConfig,
  type Config,
  type MigrationReport,
  type SystemStatus,
} from '../kernel/index.ts';
import { createAccess } from '../access/index.ts';
import {
  createModules,
  defineModuleQueues,
  handleShutdownSignals,
  runServer,
} from '../server/index.ts';
import { registerAccessCommands } from './access.commands.ts';
import { registerAuditCommand } from './audit.command.ts';
import { ledgerCommand } from './ledger.commands.ts';
import { demoCommand } from './demo.commands.ts';
import { ventureCommand } from './venture.commands.ts';
import { workflowCommand } from './workflow.commands.ts';
import { agentCommand } from './agent.commands.ts';
import { configFrom, dataDirOption, jsonOption, type CommonFlags } from './options.ts';
import { emit, keyValues, table } from './output.ts';
import { registerSecretsCommand } from './secrets.command.ts';
import { registerMcpCommands } from '../mcp/mcp.commands.ts';
import { callServer, findRunningServer } from './remote.ts';

export function buildCli(): Command {
  const program = new Command('iza')
    .description('IZA OS: the operating system of a venture studio')
    .version(VERSION, '-v, --version')
    .showHelpAfterError()
    .addHelpText(
      'after',
      `\nConfiguration comes from environment variables (${CONFIG_ENV_VARS.join(', ')})\n` +
        'and an optional iza.config.json in the working folder. See README.md.',
    );

  program
    .command('start')
    .description('serve the HTTP API and its docs, and work background jobs')
    .option('-p, --port <port>', 'port to listen on (IZA_PORT, default 3000)')
    .option('--host <host>', 'address to listen on (IZA_HOST, default localhost)')
    .addOption(dataDirOption())
    .option('--no-jobs', 'do not work background jobs in this process (leave them to workers)')
    .action(async (flags: CommonFlags & { port?: string; host?: string; jobs?: boolean }) => {
      const config = configFrom(flags);
      await runServer({ config });
    });

  program
    .command('worker')
    .description('work background jobs only (no HTTP); run several against one PostgreSQL')
    .addOption(dataDirOption())
    .action(async (flags: CommonFlags) => {
      const config = configFrom(flags);
      const kernel = await createKernel({ config, command: 'iza worker', workJobs: true });
      try {
        await defineModuleQueues(createModules({ kernel, access: createAccess(kernel) }));
      } catch (error) {
        await kernel.close();
        throw error;
      }
      kernel.log.info(
        { storage: kernel.database.kind, location: kernel.database.location },
        'IZA OS worker is running',
      );
      handleShutdownSignals({
        log: kernel.log,
        timeoutMs: config.shutdownTimeoutMs,
        stop: () => kernel.close(),
      });
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
        : await migrateDirectly(config);
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
      const status = server
        ? {
            ...(await callServer<SystemStatus>(server, 'GET', '/api/v1/system/status')),
            server: server.url,
          }
        : { ...(await statusDirectly(config)), server: null };
      emit(status, flags.json ?? false, renderStatus);
    });

  registerAccessCommands(program);
  registerAuditCommand(program);
  registerSecretsCommand(program);
  program.addCommand(ledgerCommand());
  program.addCommand(ventureCommand());
  program.addCommand(workflowCommand());
  program.addCommand(agentCommand());
  program.addCommand(demoCommand());
  registerMcpCommands(program);
  return program;
}

async function migrateDirectly(config: Config): Promise<MigrationReport> {
  const log = createLogger({ level: 'warn' });
  const database = await openDatabase({
    target: storageFromConfig(config),
    log,
    command: 'iza migrate',
  });
  try {
    return await migrateDatabase(database);
  } finally {
    await database.close();
  }
}

async function statusDirectly(config: Config): Promise<SystemStatus> {
  const kernel = await createKernel({
    config,
    command: 'iza status',
    workJobs: false,
    log: createLogger({ level: 'warn' }),
  });
  try {
    return await collectStatus(kernel);
  } finally {
    await kernel.close();
  }
}

function renderStatus(status: SystemStatus & { server: string | null }): string {
  const pending = status.migrations.filter((m) => !m.applied).length;
  const lines = [
    keyValues([
      ['IZA OS', status.version],
      ['Node.js', status.node],
      ['profile', status.profile],
      ['server', status.server ?? 'not running'],
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
