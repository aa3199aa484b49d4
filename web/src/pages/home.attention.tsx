import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client.ts';
import type { AttentionVenture, ExecutionPage, Overview } from '../api/types.ts';
import { Panel } from '../components/ui.tsx';
import { formatCount, formatDate, formatDateTime } from '../format.ts';
import { useWaitingForMe } from './waiting.tsx';

const FAILED_DAYS = 7;

/** One group of the attention list: a heading, how many, and the first few. */
function Group(props: {
  kind: string;
  title: string;
  count: number;
  children: React.ReactNode;
  more?: React.ReactNode;
}) {
  if (props.count === 0) return null;
  return (
    <li className="attention-group" data-attention={props.kind}>
      <h3>
        {props.title} <span className="badge">{formatCount(props.count)}</span>
      </h3>
      <ul>{props.children}</ul>
      {props.more ? <p className="small">{props.more}</p> : null}
    </li>
  );
}

function VentureLine(props: { venture: AttentionVenture }) {
  const v = props.venture;
  return (
    <li data-venture={v.slug}>
      <Link to={`/businesses/${encodeURIComponent(v.slug)}`}>{v.name}</Link>{' '}
      <span className="muted small">{v.reason}</span>
    </li>
  );
}

/**
 * What needs someone this week, worst first: approvals waiting, automations that failed, and
 * the ventures with the lowest health, the biggest MRR drops and stale data. Every line links to
 * where it is dealt with; groups with nothing in them are left out.
 */
export function AttentionList(props: { overview: Overview }) {
  const { attention } = props.overview;
  const since = new Date(Date.now() - FAILED_DAYS * 86_400_000).toISOString();
  const failed = useQuery({
    queryKey: ['workflows', 'executions', 'failed', since.slice(0, 13)],
    queryFn: ({ signal }) =>
      api.get<ExecutionPage>('/api/v1/workflows/executions', {
        query: { status: 'failed', from: since, limit: 5 },
        signal,
      }),
    staleTime: 60_000,
    retry: false,
  });
  const waiting = useWaitingForMe();
  const failedCount = failed.data?.total ?? 0;
  const waitingCount = waiting.count;
  const nothing =
    failedCount === 0 &&
    waitingCount === 0 &&
    attention.lowestHealth.length === 0 &&
    attention.drops.length === 0 &&
    attention.staleCount === 0;

  return (
    <Panel title="Needs attention" id="attention" className="attention">
      {nothing ? (
        <p className="muted" data-testid="attention-none">
          Nothing needs you: no approvals waiting, no failed automations in the last {FAILED_DAYS}{' '}
          days, no venture with low health, a drop of 10 % or stale data.
        </p>
      ) : (
        <ul className="attention-groups">
          <Group kind="approvals" title="Approvals waiting" count={waitingCount}>
            <li>
              <a href="#waiting-title">Decide above</a>{' '}
              <span className="muted small">
                {formatCount(waiting.transfers.length)} transfers,{' '}
                {formatCount(waiting.tasks.length)} agent tasks
              </span>
            </li>
          </Group>
          <Group
            kind="failed"
            title={`Failed executions, last ${FAILED_DAYS} days`}
            count={failedCount}
            more={
              failedCount > 5 ? (
                <Link to="/workflows?status=failed">All failed executions</Link>
              ) : null
            }
          >
            {(failed.data?.executions ?? []).map((e) => (
              <li key={e.id} data-execution={e.id}>
                <Link to={`/workflows/executions/${e.id}`}>
                  {e.workflowName ?? 'Deleted workflow'}
                </Link>{' '}
                <span className="muted small">
                  {e.error?.node ? `${e.error.node}: ` : ''}
                  {e.error?.message ?? 'failed'} · {formatDateTime(e.startedAt)}
                </span>
              </li>
            ))}
          </Group>
          <Group kind="health" title="Lowest health" count={attention.lowestHealth.length}>
            {attention.lowestHealth.map((v) => (
              <li key={v.ventureId} data-venture={v.slug}>
                <Link to={`/businesses/${encodeURIComponent(v.slug)}`}>{v.name}</Link>{' '}
                <span className="health-pill tone-down">{v.score}</span>{' '}
                <span className="muted small">{v.reason}</span>
              </li>
            ))}
          </Group>
          <Group kind="drops" title="MRR down 10 % or more" count={attention.drops.length}>
            {attention.drops.map((v) => (
              <VentureLine key={v.ventureId} venture={v} />
            ))}
          </Group>
          <Group
            kind="stale"
            title="No KPI for over 35 days"
            count={attention.staleCount}
            more={
              attention.staleCount > attention.stale.length ? (
                <Link to="/businesses?sort=lastKpi&order=asc">
                  All {formatCount(attention.staleCount)}, oldest first
                </Link>
              ) : null
            }
          >
            {attention.stale.map((v) => (
              <li key={v.ventureId} data-venture={v.slug}>
                <Link to={`/businesses/${encodeURIComponent(v.slug)}`}>{v.name}</Link>{' '}
                <span className="muted small">
                  {v.reason}
                  {v.lastKpiDay ? ` (since ${formatDate(v.lastKpiDay)})` : ''}
                </span>
              </li>
            ))}
          </Group>
        </ul>
      )}
      {attention.neverReported > 0 ? (
        <p className="muted small" data-metric="attention.never">
          {formatCount(attention.neverReported)} ventures have no KPI yet.
        </p>
      ) : null}
    </Panel>
  );
}
