import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import type { Access } from '../access/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { checkCorpus, workflowFiles } from '../workflows/corpus.ts';
import { createWorkflowsModule, type WorkflowsModule } from '../workflows/workflows.module.ts';
import {
  executionJson,
  workflowJson,
  type ImportFileReport,
} from '../workflows/workflows.service.ts';
import { act } from './ledger-actions.ts';
import { viaServerOrLocally } from './local.ts';
import { configFrom, dataDirOption, jsonOption } from './options.ts';
import { localOrganisation, onlyOrganisation } from './organisation.ts';
import { emit, keyValues, table } from './output.ts';
import type { callServer, RemoteServer } from './remote.ts';

/**
 * `iza workflow ...`: n8n-format workflows, through the server that holds the data folder (as
 * the local administrator within the organisation) or on the database directly.
 */

interface Flags {
  dataDir?: string;
  org?: string;
  json?: boolean;
}

type WorkflowJson = ReturnType<typeof workflowJson>;
type ExecutionJson = ReturnType<typeof executionJson>;

interface WorkflowClient {
  via: string;
  importFiles(files: { file: string; content: string }[]): Promise<ImportFileReport[]>;
  list(): Promise<{ total: number; workflows: WorkflowJson[] }>;
  get(id: string): Promise<WorkflowJson & { definition: Record<string, unknown> }>;
  run(id: string): Promise<ExecutionJson & { finished: boolean; output?: unknown[] }>;
  setActive(id: string, active: boolean): Promise<WorkflowJson>;
  executions(query: { workflow?: string; status?: string; limit: number }): Promise<{
    total: number;
    executions: ExecutionJson[];
  }>;
}

const BASE = '/api/v1/workflows';
const IMPORT_CHUNK = 50;

function remoteClient(server: RemoteServer, call: typeof callServer): WorkflowClient {
  return {
    via: server.url,
    importFiles: async (files) =>
      (await call<{ files: ImportFileReport[] }>(server, 'POST', `${BASE}/import`, { files }))
        .files,
    list: () => call(server, 'GET', `${BASE}?limit=500`),
    get: (id) => call(server, 'GET', `${BASE}/${encodeURIComponent(id)}`),
    run: (id) => call(server, 'POST', `${BASE}/${encodeURIComponent(id)}/run`, {}),
    setActive: (id, active) =>
      call(
        server,
        'POST',
        `${BASE}/${encodeURIComponent(id)}/${active ? 'activate' : 'deactivate'}`,
      ),
    executions: (q) => {
      const params = new URLSearchParams({ limit: String(q.limit) });
      if (q.workflow) params.set('workflow', q.workflow);
      if (q.status) params.set('status', q.status);
      return call(server, 'GET', `${BASE}/executions?${params.toString()}`);
    },
  };
}

function localClient(module: WorkflowsModule, orgId: string): WorkflowClient {
  const { service, runner } = module;
  return {
    via: 'database',
    importFiles: (files) => service.importMany(orgId, files),
    list: async () => {
      const page = await service.list(orgId, { limit: 500, offset: 0 });
      return { total: page.total, workflows: page.workflows.map(workflowJson) };
    },
    get: async (id) => {
      const row = await service.get(orgId, id);
      return { ...workflowJson(row), definition: await service.exportJson(orgId, id) };
    },
    run: async (id) => {
      const row = await service.get(orgId, id);
      const result = await runner.execute({ row, mode: 'manual', checkpointAfterMs: 0 });
      const { row: execution } = await service.execution(orgId, result.executionId);
      return {
        ...executionJson(execution),
        finished: result.status !== 'waiting',
        output: result.lastNodeOutput.map((i) => i.json),
      };
    },
    setActive: async (id, active) => workflowJson(await service.setActive(orgId, id, active)),
    executions: async (q) => {
      const page = await service.executions(orgId, {
        workflowId: q.workflow,
        status: q.status,
        limit: q.limit,
        offset: 0,
      });
      return { total: page.total, executions: page.executions.map(executionJson) };
    },
  };
}

async function withWorkflows<T>(
  flags: Flags,
  name: string,
  run: (client: WorkflowClient) => Promise<T>,
): Promise<T> {
  return viaServerOrLocally(
    configFrom(flags),
    `iza workflow ${name}`,
    async (server, call) => {
      const org = flags.org ?? (await onlyOrganisation(server, call));
      return run(remoteClient({ ...server, org }, call));
    },
    async ({ kernel, access }: { kernel: Kernel; access: Access }) => {
      const module = createWorkflowsModule({ kernel, access });
      try {
        return await run(localClient(module, await localOrganisation(access, flags.org)));
      } finally {
        await module.runner.close();
      }
    },
  );
}

function common(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--org <slug>',
        'organisation, by slug or id (default: the only one of this installation)',
      ),
    )
    .addOption(dataDirOption())
    .addOption(jsonOption());
}

const EXAMPLES = `
Examples:
  iza workflow import ./exports            every *.json under the folder, with a report
  iza workflow list
  iza workflow activate <id>               webhooks answer on /webhook/<path>
  iza workflow run <id>
  iza workflow executions --status failed
  iza workflow check ./corpus              conformance report, no database`;

function summaryRow(w: WorkflowJson): (string | number)[] {
  return [w.id, w.name, w.active ? 'yes' : 'no', w.version, w.nodeCount, w.unsupported.length];
}

/** The `workflow` command with its subcommands. */
export function workflowCommand(): Command {
  const workflow = new Command('workflow')
    .description('n8n-format workflows: import, run, activate, executions')
    .addHelpText('after', EXAMPLES);

  common(
    workflow
      .command('import')
      .description('import n8n workflow files (folders are searched recursively for *.json)')
      .argument('<paths...>', 'files or folders'),
  ).action(
    act(async (paths: string[], flags: Flags) => {
      const files = workflowFiles(paths);
      const reports = await withWorkflows(flags, 'import', async (client) => {
        const bar =
          process.stderr.isTTY && !flags.json && files.length > 1
            ? new SingleBar({
                format: 'importing [{bar}] {value}/{total} files',
                stream: process.stderr,
              })
            : undefined;
        bar?.start(files.length, 0);
        const out: ImportFileReport[] = [];
        try {
          for (let i = 0; i < files.length; i += IMPORT_CHUNK) {
            const chunk = files.slice(i, i + IMPORT_CHUNK).map((file) => ({
              file: relative(process.cwd(), file) || file,
              content: readFileSync(file, 'utf8'),
            }));
            out.push(...(await client.importFiles(chunk)));
            bar?.update(Math.min(files.length, i + IMPORT_CHUNK));
          }
        } finally {
          bar?.stop();
        }
        return out;
      });
      const count = (s: string) => reports.filter((r) => r.status === s).length;
      const summary = {
        imported: count('imported'),
        importedUnsupported: count('imported_unsupported'),
        refused: count('refused'),
        files: reports,
      };
      emit(summary, flags.json ?? false, (s) =>
        [
          table(
            ['file', 'status', 'id', 'detail'],
            s.files.map((r) => [
              r.file,
              r.status,
              r.id ?? '',
              r.status === 'refused'
                ? `${r.code ?? ''}: ${r.reason ?? ''}`
                : (r.unsupported ?? []).map((u) => u.type).join(', '),
            ]),
          ),
          `${s.imported} imported, ${s.importedUnsupported} imported with unsupported node types, ${s.refused} refused`,
        ].join('\n'),
      );
      if (summary.refused > 0 && summary.refused === reports.length) process.exitCode = 1;
    }),
  );

  common(workflow.command('list').description('the workflows of the organisation')).action(
    act(async (flags: Flags) => {
      const page = await withWorkflows(flags, 'list', (c) => c.list());
      emit(page, flags.json ?? false, (p) =>
        table(
          ['id', 'name', 'active', 'version', 'nodes', 'unsupported'],
          p.workflows.map(summaryRow),
        ),
      );
    }),
  );

  common(workflow.command('show').description('one workflow').argument('<id>')).action(
    act(async (id: string, flags: Flags) => {
      const w = await withWorkflows(flags, 'show', (c) => c.get(id));
      emit(w, flags.json ?? false, (v) =>
        keyValues([
          ['name', v.name],
          ['active', v.active ? 'yes' : 'no'],
          ['version', v.version],
          ['nodes', v.nodeCount],
          ['unsupported', v.unsupported.map((u) => u.type).join(', ') || 'none'],
          [
            'webhooks',
            v.webhooks.map((h) => `${h.method} /webhook/${h.path}`).join(', ') || 'none',
          ],
          ['updated', v.updatedAt],
          ['id', v.id],
        ]),
      );
    }),
  );

  common(
    workflow.command('run').description('run a workflow now (manual mode)').argument('<id>'),
  ).action(
    act(async (id: string, flags: Flags) => {
      const e = await withWorkflows(flags, 'run', (c) => c.run(id));
      emit(e, flags.json ?? false, (v) =>
        [
          keyValues([
            ['execution', v.id],
            ['status', v.status],
            ['last node', v.lastNode ?? ''],
            ['error', v.error?.message ?? ''],
          ]),
          v.output ? JSON.stringify(v.output, null, 2) : '',
        ].join('\n'),
      );
      if (e.status === 'failed') process.exitCode = 1;
    }),
  );

  for (const [verb, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    common(
      workflow
        .command(verb)
        .description(active ? 'activate: webhooks answer, schedules fire' : 'deactivate')
        .argument('<id>'),
    ).action(
      act(async (id: string, flags: Flags) => {
        const w = await withWorkflows(flags, verb, (c) => c.setActive(id, active));
        emit(w, flags.json ?? false, (v) => `${v.name}: ${v.active ? 'active' : 'inactive'}`);
      }),
    );
  }

  common(
    workflow
      .command('executions')
      .description('executions, newest first')
      .option('--workflow <id>', 'of one workflow')
      .option('--status <status>', 'new, running, waiting, succeeded, failed, crashed, cancelled')
      .option('--limit <n>', 'how many', '50'),
  ).action(
    act(async (flags: Flags & { workflow?: string; status?: string; limit: string }) => {
      const page = await withWorkflows(flags, 'executions', (c) =>
        c.executions({
          ...(flags.workflow ? { workflow: flags.workflow } : {}),
          ...(flags.status ? { status: flags.status } : {}),
          limit: Number(flags.limit),
        }),
      );
      emit(page, flags.json ?? false, (p) =>
        table(
          ['id', 'workflow', 'status', 'mode', 'started', 'last node', 'error'],
          p.executions.map((e) => [
            e.id,
            e.workflowId,
            e.status,
            e.mode,
            e.startedAt,
            e.lastNode ?? '',
            e.error?.message ?? '',
          ]),
        ),
      );
    }),
  );

  workflow
    .command('check')
    .description('conformance report of a folder of n8n exports (no database)')
    .argument('<paths...>', 'files or folders')
    .addOption(jsonOption())
    .action(
      act(async (paths: string[], flags: { json?: boolean }) => {
        const report = checkCorpus(workflowFiles(paths));
        emit(report, flags.json ?? false, (r) =>
          [
            keyValues([
              ['files', r.files],
              ['imported', r.imported],
              ['imported, unsupported types', r.importedUnsupported],
              ['refused', r.refused],
              [
                'activatable',
                `${r.activatable} (${r.files ? ((100 * r.activatable) / r.files).toFixed(1) : '0'} %)`,
              ],
            ]),
            table(
              ['missing node type', 'workflows', 'would unblock'],
              r.missing.slice(0, 20).map((m) => [m.type, m.workflows, m.unblocks]),
            ),
          ].join('\n'),
        );
      }),
    );

  return workflow;
}
