import { useQuery } from '@tanstack/react-query';
import { lazy, startTransition, Suspense, useEffect, useState, type ComponentProps } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.ts';
import { queries, useFirstAnswers, useMe } from '../api/queries.ts';
import { Empty, ErrorNotice, Loading, PageHeader, Panel, StateBadge } from '../components/ui.tsx';
import { formatCount, formatDateTime } from '../format.ts';
import { WorkflowActions } from './workflows.actions.tsx';

// The canvas's code (React Flow) is asked for as soon as this module runs, beside the page's
// requests, rather than once they have answered and the canvas renders.
const loadCanvas = () => import('./workflow.canvas.tsx');
void loadCanvas().catch(() => undefined);

const LazyCanvas = lazy(() => loadCanvas().then((module) => ({ default: module.WorkflowCanvas })));

/**
 * A workflow's canvas, for this page and an execution's, drawn one commit after the rest of
 * the page: React Flow's first render is long on a phone's CPU, and the page's header and
 * panels paint first. Until it draws (and while its code loads) a box of the canvas's own size
 * (`.wf-canvas`) holds its place, so nothing below moves when it comes.
 */
export function WorkflowCanvas(props: ComponentProps<typeof LazyCanvas>) {
  const [shown, setShown] = useState(false);
  useEffect(() => startTransition(() => setShown(true)), []);
  const placeholder = (
    <div className="wf-canvas wf-canvas-loading">
      <Loading label="Drawing the workflow…" />
    </div>
  );
  return shown ? (
    <Suspense fallback={placeholder}>
      <LazyCanvas {...props} />
    </Suspense>
  ) : (
    placeholder
  );
}

export function executionDuration(startedAt: string, finishedAt: string | null): string {
  if (!finishedAt) return '—';
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  return ms < 1000 ? `${formatCount(ms)} ms` : `${formatCount(Math.round(ms / 100) / 10)} s`;
}

/** Saves a version as the n8n JSON file `n8n import:workflow` takes. */
async function download(id: string, name: string, version: number): Promise<void> {
  const json = await api.get<unknown>(`/api/v1/workflows/${id}/versions/${version}`);
  const url = URL.createObjectURL(
    new Blob([JSON.stringify(json, null, 2)], { type: 'application/json' }),
  );
  const link = document.createElement('a');
  link.href = url;
  link.download = `${name.replace(/[^\w.-]+/g, '-')}-v${version}.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * One workflow: its canvas (n8n's layout, read-only), activate and run, its webhooks, its
 * saved versions and its latest executions (each opens with per-node data).
 */
export function WorkflowPage() {
  const { id = '' } = useParams();
  const role = useMe().data?.role;
  const canWrite = role === 'admin' || role === 'editor';
  // Started before the first render when the page is opened directly (prefetchRoute).
  const workflow = useQuery(queries.workflow(id));
  const versions = useQuery(queries.workflowVersions(id));
  const executions = useQuery(queries.workflowExecutions(id));
  // The header, canvas, executions and versions show in one paint: the versions or executions
  // arriving later would push what is below them down (a layout shift).
  const ready = useFirstAnswers([workflow, versions, executions]);

  if (workflow.error) {
    return (
      <>
        <PageHeader title="Workflow not found" />
        <ErrorNotice error={workflow.error} />
        <p>
          <Link to="/workflows">Back to the workflows</Link>
        </p>
      </>
    );
  }
  if (!ready || !workflow.data) {
    return (
      <>
        <PageHeader title="Workflow" />
        <Loading />
      </>
    );
  }
  const w = workflow.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/workflows">Workflows</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{w.name}</span>
      </nav>
      <PageHeader
        title={w.name}
        intro={
          <>
            <StateBadge state={w.active ? 'active' : 'inactive'} good={['active']} /> version{' '}
            {w.version} · {formatCount(w.nodeCount)} nodes · updated {formatDateTime(w.updatedAt)}
          </>
        }
        actions={canWrite ? <WorkflowActions workflow={w} /> : null}
      />
      {w.unsupported.length > 0 ? (
        <div className="banner banner-warn" role="status">
          Cannot run yet:{' '}
          {w.unsupported.map((u) => u.type.replace(/^n8n-nodes-base\./, '')).join(', ')}
        </div>
      ) : null}
      <Panel title="Canvas" id="canvas">
        <WorkflowCanvas definition={w.definition} />
      </Panel>
      <div className="grid-2">
        <Panel title="Executions" id="workflow-executions">
          {executions.isPending ? <Loading /> : null}
          {executions.error ? <ErrorNotice error={executions.error} /> : null}
          {executions.data?.executions.length === 0 ? (
            <Empty title="Not run yet.">
              <p className="muted">
                {canWrite
                  ? 'Run it with Run above; its executions show here.'
                  : 'Its executions show here once it runs.'}
              </p>
            </Empty>
          ) : null}
          {executions.data && executions.data.executions.length > 0 ? (
            <ul className="plain-list">
              {executions.data.executions.map((e) => (
                <li key={e.id} data-execution={e.id} data-status={e.status}>
                  <Link to={`/workflows/executions/${e.id}`}>{formatDateTime(e.startedAt)}</Link>{' '}
                  <StateBadge state={e.status} good={['succeeded']} bad={['failed', 'crashed']} />{' '}
                  <span className="muted small">
                    {e.mode} · {executionDuration(e.startedAt, e.finishedAt)}
                    {e.error ? ` · ${e.error.message}` : ''}
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
        </Panel>
        <Panel title="Webhooks and versions" id="workflow-versions">
          {w.webhooks.length ? (
            <ul className="plain-list">
              {w.webhooks.map((h) => (
                <li key={`${h.method} ${h.path}`}>
                  <code className="small">
                    {h.method} {h.url}
                  </code>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No webhook.</p>
          )}
          {versions.data ? (
            <ul className="plain-list">
              {versions.data.versions.map((v) => (
                <li key={v.version}>
                  Version {v.version}{' '}
                  <span className="muted small">saved {formatDateTime(v.createdAt)}</span>{' '}
                  <button
                    type="button"
                    className="button button-quiet"
                    onClick={() => void download(w.id, w.name, v.version)}
                  >
                    Download n8n JSON
                    <span className="visually-hidden"> of version {v.version}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </Panel>
      </div>
    </>
  );
}
