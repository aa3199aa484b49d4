import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { queries, useFirstAnswers } from '../api/queries.ts';
import type { ExecutionDetail } from '../api/types.ts';
import { ErrorNotice, Loading, PageHeader, Panel, StateBadge } from '../components/ui.tsx';
import { formatCount, formatDateTime } from '../format.ts';
import type { NodeState } from './workflow.canvas.tsx';
import { executionDuration, WorkflowCanvas } from './workflow.page.tsx';

type NodeRun = ExecutionDetail['nodes'][number];

/** The `json` of each item of a node's first output, the way n8n shows a node's output. */
function itemsOf(data: unknown): Record<string, unknown>[] {
  const first = Array.isArray(data) ? (data[0] as unknown) : data;
  const list = Array.isArray(first) ? first : [];
  return list.map((item) =>
    item && typeof item === 'object' && 'json' in item
      ? ((item as { json: Record<string, unknown> }).json ?? {})
      : (item as Record<string, unknown>),
  );
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value) ?? '';
}

/** Items as a table (one column per key seen) or as JSON. */
function ItemsView(props: { label: string; data: unknown; view: 'table' | 'json' }) {
  const items = itemsOf(props.data);
  if (props.view === 'json') {
    return (
      <pre className="json-view" aria-label={`${props.label} as JSON`}>
        {JSON.stringify(props.data ?? null, null, 2)}
      </pre>
    );
  }
  if (items.length === 0) return <p className="muted">No items.</p>;
  const columns = [...new Set(items.flatMap((item) => Object.keys(item ?? {})))].slice(0, 30);
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={props.label}>
      <table className="data-table compact">
        <caption className="visually-hidden">{props.label}</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.slice(0, 200).map((item, index) => (
            <tr key={index}>
              <td className="num">{index + 1}</td>
              {columns.map((c) => (
                <td key={c}>{cell(item?.[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * One execution: the workflow's canvas coloured by what each node did (the failing node in
 * red), its error, and for the chosen node each run's input and output as a table or JSON.
 */
export function ExecutionPage() {
  const { id = '' } = useParams();
  // Started before the first render when the page is opened directly (prefetchRoute), and
  // the workflow as soon as the execution answers.
  const execution = useQuery(queries.execution(id));
  const workflowId = execution.data?.workflowId;
  const workflow = useQuery({
    ...queries.workflow(workflowId ?? ''),
    enabled: Boolean(workflowId),
  });
  // The page shows once the execution and its workflow (its name, its canvas) are in: the
  // canvas arriving after the execution would push the nodes and their data down.
  const ready = useFirstAnswers([execution, workflowId ? workflow : false]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [view, setView] = useState<'table' | 'json'>('table');

  const states = useMemo(() => {
    const map = new Map<string, NodeState>();
    for (const run of execution.data?.nodes ?? []) {
      const state: NodeState =
        run.status === 'failed' || run.error
          ? 'failed'
          : run.status === 'running'
            ? 'running'
            : 'succeeded';
      if (map.get(run.node) !== 'failed') map.set(run.node, state);
    }
    return map;
  }, [execution.data]);

  if (execution.error) {
    return (
      <>
        <PageHeader title="Execution not found" />
        <ErrorNotice error={execution.error} />
        <p>
          <Link to="/workflows">Back to the workflows</Link>
        </p>
      </>
    );
  }
  const e = execution.data;
  if (!ready || !e) {
    return (
      <>
        <PageHeader title="Execution" />
        <Loading />
      </>
    );
  }
  const failing = e.error?.node ?? e.nodes.find((n) => n.error)?.node ?? null;
  const selected = chosen ?? failing ?? e.lastNode ?? e.nodes[0]?.node ?? null;
  const runs: NodeRun[] = e.nodes.filter((n) => n.node === selected);
  const name = workflow.data?.name ?? 'Workflow';

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/workflows">Workflows</Link> <span aria-hidden="true">/</span>{' '}
        <Link to={`/workflows/${e.workflowId}`}>{name}</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">Execution</span>
      </nav>
      <PageHeader
        title={`Execution of ${name}`}
        intro={
          <>
            <StateBadge state={e.status} good={['succeeded']} bad={['failed', 'crashed']} />{' '}
            {e.mode} · started {formatDateTime(e.startedAt)} · took{' '}
            {executionDuration(e.startedAt, e.finishedAt)} · version {e.workflowVersion}
          </>
        }
      />
      {e.error ? (
        <div className="notice notice-error" role="alert" data-testid="execution-error">
          <strong>{e.error.node ? `${e.error.node}: ` : ''}</strong>
          {e.error.message}
          {e.error.description ? <p className="small">{e.error.description}</p> : null}
        </div>
      ) : null}
      {Object.keys(e.customData).length > 0 ? (
        <Panel title="Custom data" id="execution-custom-data">
          <p className="muted small">
            Saved by the workflow to find this execution by (Execution Data node,
            $execution.customData; the API lists executions by it with ?customData=key:value).
          </p>
          <dl className="details">
            {Object.entries(e.customData).map(([key, value]) => (
              <div key={key} className="contents" data-custom-key={key}>
                <dt>{key}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </Panel>
      ) : null}
      {workflow.data ? (
        <Panel title="Canvas" id="execution-canvas">
          <WorkflowCanvas
            definition={workflow.data.definition}
            states={states}
            selected={selected}
            onSelect={setChosen}
          />
        </Panel>
      ) : null}
      <div className="execution-layout">
        <Panel title="Nodes" id="execution-nodes">
          <ul className="node-list" aria-label="Nodes that ran">
            {[...new Set(e.nodes.map((n) => n.node))].map((node) => (
              <li key={node}>
                <button
                  type="button"
                  className={`node-button node-${states.get(node) ?? 'not-run'}`}
                  aria-pressed={node === selected}
                  data-node={node}
                  onClick={() => setChosen(node)}
                >
                  {node}
                  <span className="muted small">
                    {' '}
                    {states.get(node)} ·{' '}
                    {formatCount(
                      e.nodes.filter((n) => n.node === node).reduce((t, n) => t + n.items, 0),
                    )}{' '}
                    items
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </Panel>
        <Panel
          title={selected ? `${selected}` : 'No node ran'}
          id="node-data"
          actions={
            <div className="segmented" role="group" aria-label="Show items as">
              {(['table', 'json'] as const).map((v) => (
                <button
                  key={v}
                  type="button"
                  className="button button-quiet"
                  aria-pressed={view === v}
                  onClick={() => setView(v)}
                >
                  {v === 'table' ? 'Table' : 'JSON'}
                </button>
              ))}
            </div>
          }
        >
          {runs.map((run) => (
            <div key={run.runIndex} className="node-run" data-run={`${run.node}:${run.runIndex}`}>
              <p className="muted small">
                Run {run.runIndex + 1} · {run.status} · {formatCount(run.executionMs)} ms ·{' '}
                {formatCount(run.items)} items
                {run.truncated ? ' · data cut to the size limit' : ''}
              </p>
              {run.error ? (
                <div className="notice notice-error" role="alert">
                  {cell((run.error as { message?: unknown }).message ?? run.error)}
                </div>
              ) : null}
              <h3 className="small-heading">Input</h3>
              <ItemsView label={`Input of ${run.node}`} data={run.input} view={view} />
              <h3 className="small-heading">Output</h3>
              <ItemsView label={`Output of ${run.node}`} data={run.output} view={view} />
            </div>
          ))}
          {e.nodes.length === 0 ? (
            <p className="muted">
              No node data was kept for this execution (executions that succeed may keep only a
              summary: see IZA_WORKFLOWS_KEEP_ONLY_FAILURES).
            </p>
          ) : null}
        </Panel>
      </div>
    </>
  );
}
