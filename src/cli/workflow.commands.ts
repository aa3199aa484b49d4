import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Command, Option } from 'commander';
import type { ImportFileReport } from '../workflows/workflows.service.ts';
import { act } from './act.ts';
import { dataDirOption, jsonOption } from './options.ts';
import { emit, keyValues, table } from './output.ts';
import {
  allWorkflows,
  withWorkflows,
  workflowId,
  type WorkflowFlags as Flags,
  type WorkflowJson,
} from './workflow-client.ts';

/**
 * `iza workflow ...`: n8n-format workflows, through the server that holds the data folder (as
 * the local administrator within the organisation) or on the database directly. A workflow is
 * named by its id, the start of its id or its name.
 */

const IMPORT_CHUNK = 50;

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

const REF = 'its id, the start or the end of its id, or its name';

const EXAMPLES = `
Examples:
  iza workflow import ./exports            every *.json under the folder, with a report
  iza workflow list
  iza workflow activate "Order sync"       webhooks answer on /o/<org>/webhook/<path>
  iza workflow run 7c41e2d9                a name, or the start or end of an id
  iza workflow executions --status failed
  iza workflow check ./corpus              conformance report (activatable, blocked by core nodes), no database`;

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
      const { workflowFiles } = await import('../workflows/corpus.ts');
      const { SingleBar } = await import('cli-progress');
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
      const page = await withWorkflows(flags, 'list', async (c) => {
        const workflows = await allWorkflows(c);
        return { total: workflows.length, workflows };
      });
      emit(page, flags.json ?? false, (p) =>
        table(
          ['id', 'name', 'active', 'version', 'nodes', 'unsupported'],
          p.workflows.map(summaryRow),
        ),
      );
    }),
  );

  common(workflow.command('show').description('one workflow').argument('<workflow>', REF)).action(
    act(async (ref: string, flags: Flags) => {
      const w = await withWorkflows(flags, 'show', async (c) => c.get(await workflowId(c, ref)));
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
    workflow
      .command('run')
      .description('run a workflow now (manual mode)')
      .argument('<workflow>', REF),
  ).action(
    act(async (ref: string, flags: Flags) => {
      const e = await withWorkflows(flags, 'run', async (c) => c.run(await workflowId(c, ref)));
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
        .argument('<workflow>', REF),
    ).action(
      act(async (ref: string, flags: Flags) => {
        const w = await withWorkflows(flags, verb, async (c) =>
          c.setActive(await workflowId(c, ref), active),
        );
        emit(w, flags.json ?? false, (v) => `${v.name}: ${v.active ? 'active' : 'inactive'}`);
      }),
    );
  }

  common(
    workflow
      .command('executions')
      .description('executions, newest first')
      .option('--workflow <workflow>', `of one workflow: ${REF}`)
      .option('--status <status>', 'new, running, waiting, succeeded, failed, crashed, cancelled')
      .option('--limit <n>', 'how many', '50'),
  ).action(
    act(async (flags: Flags & { workflow?: string; status?: string; limit: string }) => {
      const page = await withWorkflows(flags, 'executions', async (c) =>
        c.executions({
          ...(flags.workflow ? { workflow: await workflowId(c, flags.workflow) } : {}),
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
        const { checkCorpus, workflowFiles } = await import('../workflows/corpus.ts');
        const report = checkCorpus(workflowFiles(paths));
        const share = (n: number, of: number) =>
          `${n} (${of ? ((100 * n) / of).toFixed(1) : '0'} %)`;
        emit(report, flags.json ?? false, (r) =>
          [
            keyValues([
              ['files', r.files],
              ['imported', r.imported],
              ['imported, unsupported types', r.importedUnsupported],
              ['refused', r.refused],
              ['activatable', share(r.activatable, r.files)],
              ['activatable once an administrator turns a node on', r.needsSetting],
              ['  of which run a newer version as an earlier one', r.approximated],
              ['blocked by core nodes alone', share(r.coreBlocked, r.files)],
            ]),
            table(
              ['missing node type', 'versions', 'core', 'workflows', 'would unblock'],
              r.missing
                .slice(0, 20)
                .map((m) => [
                  m.type,
                  m.versions.join(', '),
                  m.core ? 'yes' : '',
                  m.workflows,
                  m.unblocks,
                ]),
            ),
          ].join('\n'),
        );
      }),
    );

  return workflow;
}
