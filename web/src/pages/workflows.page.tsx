import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client.ts';
import { useFirstAnswers, useMe } from '../api/queries.ts';
import type { ExecutionPage, WorkflowPage } from '../api/types.ts';
import {
  ChoiceFilter,
  Empty,
  ErrorNotice,
  Figure,
  Loading,
  PageHeader,
  Panel,
  StateBadge,
} from '../components/ui.tsx';
import { formatCount, formatDateTime } from '../format.ts';
import { WorkflowActions } from './workflows.actions.tsx';
import { ImportWorkflowsDialog } from './workflows.import.tsx';

const STATUSES = [
  'running',
  'waiting',
  'succeeded',
  'failed',
  'crashed',
  'cancelled',
  'new',
] as const;

function duration(startedAt: string, finishedAt: string | null): string {
  if (!finishedAt) return '—';
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  return ms < 1000 ? `${formatCount(ms)} ms` : `${formatCount(Math.round(ms / 100) / 10)} s`;
}

/**
 * The organisation's n8n-format workflows (active or not, their webhooks, node types IZA OS
 * cannot run) and their executions, newest first. Read from `/api/v1/workflows`; refreshed
 * every 10 seconds.
 */
export function WorkflowsPage() {
  const role = useMe().data?.role;
  const canWrite = role === 'admin' || role === 'editor';
  const [importing, setImporting] = useState(false);
  // `?new=import` (from the command palette) opens the import dialog.
  const [params, setParams] = useSearchParams();
  // The executions' status filter is in the address (`?status=failed`, linked from Home).
  const status = params.get('status') ?? '';
  const setStatus = (next: string) =>
    setParams(
      (current) => {
        const copy = new URLSearchParams(current);
        if (next) copy.set('status', next);
        else copy.delete('status');
        return copy;
      },
      { replace: true },
    );
  useEffect(() => {
    if (params.get('new') !== 'import') return;
    setImporting(true);
    setParams({}, { replace: true });
  }, [params]);
  const workflows = useQuery({
    queryKey: ['workflows', 'list'],
    queryFn: ({ signal }) =>
      api.get<WorkflowPage>('/api/v1/workflows', { query: { limit: 100 }, signal }),
    refetchInterval: 10_000,
  });
  const executions = useQuery({
    queryKey: ['workflows', 'executions', status],
    queryFn: ({ signal }) =>
      api.get<ExecutionPage>('/api/v1/workflows/executions', {
        query: { limit: 25, status: status || undefined },
        signal,
      }),
    refetchInterval: 10_000,
  });
  const names = new Map((workflows.data?.workflows ?? []).map((w) => [w.id, w.name]));
  // Both panels show in one paint: the workflows' figures and table arriving after the
  // executions would push the Executions panel down (a layout shift).
  const ready = useFirstAnswers([workflows, executions]);

  return (
    <>
      <PageHeader
        title="Workflows"
        intro="Workflows in n8n's format, run natively: which are active, what triggers them, and how their executions went."
        actions={
          canWrite ? (
            <button
              type="button"
              className="button button-primary"
              onClick={() => setImporting(true)}
            >
              Import workflows
            </button>
          ) : null
        }
      />
      <ImportWorkflowsDialog open={importing} onClose={() => setImporting(false)} />
      {ready ? (
        <>
          <Panel title="Workflows" id="workflows">
            {workflows.isPending ? <Loading /> : null}
            {workflows.error ? <ErrorNotice error={workflows.error} /> : null}
            {workflows.data ? (
              <dl className="figures">
                <Figure
                  label="Workflows"
                  value={formatCount(workflows.data.total)}
                  metric="workflows.total"
                />
                <Figure
                  label="Active"
                  value={formatCount(workflows.data.workflows.filter((w) => w.active).length)}
                  metric="workflows.active"
                />
                <Figure
                  label="Executions"
                  value={formatCount(executions.data?.total ?? 0)}
                  metric="executions.total"
                />
              </dl>
            ) : null}
            {workflows.data && workflows.data.total === 0 ? (
              <Empty title="No workflow yet.">
                <p>
                  Import n8n workflow exports: drop files or a folder here, or use{' '}
                  <code>iza workflow import &lt;files or folder&gt;</code>.
                </p>
                {canWrite ? (
                  <p>
                    <button
                      type="button"
                      className="button button-primary"
                      onClick={() => setImporting(true)}
                    >
                      Import workflows
                    </button>
                  </p>
                ) : null}
              </Empty>
            ) : null}
            {workflows.data && workflows.data.total > 0 ? (
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Workflows">
                <table className="data-table">
                  <caption className="visually-hidden">Workflows</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">State</th>
                      <th scope="col" className="num">
                        Nodes
                      </th>
                      <th scope="col">Webhooks</th>
                      <th scope="col">Cannot run</th>
                      <th scope="col">Updated</th>
                      {canWrite ? (
                        <th scope="col">
                          <span className="visually-hidden">Actions</span>
                        </th>
                      ) : null}
                    </tr>
                  </thead>
                  <tbody>
                    {workflows.data.workflows.map((w) => (
                      <tr key={w.id} data-workflow={w.id}>
                        <th scope="row">
                          <Link to={`/workflows/${w.id}`}>{w.name}</Link>
                          <div className="muted small">version {w.version}</div>
                        </th>
                        <td>
                          <span className={`badge ${w.active ? 'state-up' : ''}`}>
                            {w.active ? 'active' : 'inactive'}
                          </span>
                        </td>
                        <td className="num">{formatCount(w.nodeCount)}</td>
                        <td>
                          {w.webhooks.length === 0
                            ? '—'
                            : w.webhooks.map((h) => (
                                <div key={`${h.method} ${h.path}`}>
                                  <code className="small" title={h.url}>
                                    {h.method} {new URL(h.url).pathname}
                                  </code>
                                </div>
                              ))}
                        </td>
                        <td>
                          {w.unsupported.length === 0
                            ? '—'
                            : w.unsupported
                                .map((u) => u.type.replace(/^n8n-nodes-base\./, ''))
                                .join(', ')}
                        </td>
                        <td className="nowrap">{formatDateTime(w.updatedAt)}</td>
                        {canWrite ? (
                          <td>
                            <WorkflowActions workflow={w} />
                          </td>
                        ) : null}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </Panel>

          <Panel
            title="Executions"
            id="executions"
            actions={
              <ChoiceFilter
                id="execution-status"
                label="Status"
                value={status}
                choices={STATUSES}
                onChange={setStatus}
              />
            }
          >
            {executions.isPending ? <Loading /> : null}
            {executions.error ? <ErrorNotice error={executions.error} /> : null}
            {executions.data && executions.data.executions.length === 0 ? (
              <Empty title={status ? `No ${status} execution.` : 'No execution yet.'}>
                {status ? (
                  <p>
                    <button type="button" className="button" onClick={() => setStatus('')}>
                      Show every execution
                    </button>
                  </p>
                ) : (
                  <p className="muted">Run a workflow above, or call one of its webhooks.</p>
                )}
              </Empty>
            ) : null}
            {executions.data && executions.data.executions.length > 0 ? (
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Executions">
                <table className="data-table">
                  <caption className="visually-hidden">The 25 newest executions</caption>
                  <thead>
                    <tr>
                      <th scope="col">Started</th>
                      <th scope="col">Workflow</th>
                      <th scope="col">Mode</th>
                      <th scope="col">Status</th>
                      <th scope="col" className="num">
                        Duration
                      </th>
                      <th scope="col">Last node</th>
                      <th scope="col">Error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {executions.data.executions.map((e) => (
                      <tr key={e.id} data-execution={e.id} data-status={e.status}>
                        <td className="nowrap">
                          <Link to={`/workflows/executions/${e.id}`}>
                            {formatDateTime(e.startedAt)}
                          </Link>
                        </td>
                        <td>{names.get(e.workflowId) ?? e.workflowId}</td>
                        <td>{e.mode}</td>
                        <td>
                          <StateBadge
                            state={e.status}
                            good={['succeeded']}
                            bad={['failed', 'crashed']}
                          />
                        </td>
                        <td className="num nowrap">{duration(e.startedAt, e.finishedAt)}</td>
                        <td>{e.lastNode ?? '—'}</td>
                        <td>{e.error ? e.error.message : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </Panel>
        </>
      ) : (
        <Loading />
      )}
    </>
  );
}
