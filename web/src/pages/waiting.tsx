import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { useMe } from '../api/queries.ts';
import type { AgentTask } from '../api/types.ts';
import { isForbidden } from '../components/ui.tsx';
import { formatCount, formatDateTime, formatMoney } from '../format.ts';
import {
  TransferDecision,
  approvalProgress,
  mayDecide,
  useAwaitingTransfers,
} from './financial.approvals.tsx';

/** Whether a task waits for a person: its approval, or the approval of a tool call. */
export function waitsForPerson(task: AgentTask): boolean {
  return (
    task.state === 'waiting' &&
    (task.reason === 'tool_approval' || (task.requiresApproval && !task.approvedBy))
  );
}

/** A short line of what a task asks, from its input (text, a prompt, or its JSON). */
function summaryOf(task: AgentTask): string {
  const input = task.input as { prompt?: unknown; text?: unknown } | string | null;
  const text =
    typeof input === 'string'
      ? input
      : typeof input?.prompt === 'string'
        ? input.prompt
        : typeof input?.text === 'string'
          ? input.text
          : JSON.stringify(input ?? '');
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

/**
 * What waits for the signed-in person: tasks waiting for a person's approval, and transfers
 * they may approve. Home's banner and its attention list share these queries.
 */
export function useWaitingForMe() {
  const me = useMe().data;
  const waiting = useQuery({
    queryKey: ['agents', 'tasks', 'waiting'],
    queryFn: ({ signal }) =>
      api.get<AgentTask[]>('/api/v1/agents/tasks', {
        query: { state: 'waiting', limit: 100 },
        signal,
      }),
    refetchInterval: 15_000,
    retry: false,
    select: (tasks) => tasks.filter(waitsForPerson),
  });
  const mayApprove = me?.role === 'admin' || me?.role === 'editor';
  const awaiting = useAwaitingTransfers(mayApprove);
  const tasks = waiting.data ?? [];
  const transfers = (awaiting.data ?? []).filter((r) => mayDecide(r, me).approve);
  // Settled: both answered (or failed, e.g. a role that cannot read agents), so a page can
  // show the banner in the same paint as its content instead of pushing it down later.
  const settled = !waiting.isPending && (!mayApprove || !awaiting.isPending);
  return { tasks, transfers, count: tasks.length + transfers.length, settled };
}

/**
 * "Waiting for you": the tasks that wait for a person's approval and the transfers waiting for
 * approval that the signed-in person may approve (administrators; editors too for policies that
 * name editors), with Approve and Reject, on Home and on Agents. Nothing shows when nothing
 * waits (or the role cannot read agents).
 */
export function WaitingForYou(props: { canDecide: boolean }) {
  const { tasks, transfers, count } = useWaitingForMe();
  if (count === 0) return null;
  return (
    <section className="waiting glass-card" aria-labelledby="waiting-title" data-testid="waiting">
      <h2 id="waiting-title">
        Waiting for you{' '}
        <span className="badge" data-metric="waiting.count">
          {formatCount(count)}
        </span>
      </h2>
      <ul className="waiting-list">
        {transfers.slice(0, 5).map((request) => (
          <li key={request.id} data-transfer-request={request.id}>
            <div className="waiting-what">
              <strong>
                {request.linked.length > 0
                  ? 'Intercompany transfer'
                  : request.transfer.reversesId
                    ? 'Reversal'
                    : 'Transfer'}{' '}
                of {formatMoney(request.amount, request.currency)}
              </strong>
              <span className="muted small">
                {' '}
                · approval · since {formatDateTime(request.requestedAt)}
              </span>
              {request.transfer.description ? (
                <div className="small">{request.transfer.description}</div>
              ) : null}
              <div className="muted small">{approvalProgress(request)}</div>
            </div>
            <TransferDecision request={request} canApprove canReject />
          </li>
        ))}
        {tasks.slice(0, 5).map((task) => (
          <li key={task.id} data-task={task.id}>
            <div className="waiting-what">
              <strong>{task.capabilities.join(', ') || 'task'}</strong>
              <span className="muted small">
                {' '}
                · {task.reason === 'tool_approval' ? 'tool call' : 'approval'} · since{' '}
                {formatDateTime(task.createdAt)}
              </span>
              <div className="small">{summaryOf(task)}</div>
              {task.pendingToolCalls?.map((call) => (
                <div key={call.id} className="muted small">
                  <code>{call.tool}</code> {JSON.stringify(call.args)}
                </div>
              ))}
            </div>
            {props.canDecide ? <Decision taskId={task.id} /> : null}
          </li>
        ))}
      </ul>
      {transfers.length > 5 ? (
        <p className="muted small">
          {formatCount(transfers.length - 5)} more transfers on the Financial page.
        </p>
      ) : null}
      {tasks.length > 5 ? (
        <p className="muted small">
          {formatCount(tasks.length - 5)} more on the Agents page (state “waiting”).
        </p>
      ) : null}
    </section>
  );
}

/** Approve or reject a task waiting for a person (role with `manage_bots`). */
export function Decision(props: { taskId: string }) {
  const queryClient = useQueryClient();
  const decide = useMutation({
    mutationFn: (verb: 'approve' | 'reject') =>
      api.post(`/api/v1/agents/tasks/${props.taskId}/${verb}`, {}),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['agents'] }),
  });
  return (
    <div className="row-actions">
      <button
        type="button"
        className="button button-quiet"
        disabled={decide.isPending}
        onClick={() => decide.mutate('approve')}
      >
        Approve
      </button>
      <button
        type="button"
        className="button button-quiet"
        disabled={decide.isPending}
        onClick={() => decide.mutate('reject')}
      >
        Reject
      </button>
      {decide.error ? (
        <span role="alert" className="small">
          {isForbidden(decide.error) ? 'Your role cannot decide.' : 'Failed; try again.'}
        </span>
      ) : null}
    </div>
  );
}
