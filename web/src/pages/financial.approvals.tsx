import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api/client.ts';
import { keys, useMe } from '../api/queries.ts';
import type {
  ApproverRole,
  Entity,
  Me,
  Member,
  TransferRequest,
  TransferRequestPage,
} from '../api/types.ts';
import { TextField } from '../components/form.tsx';
import { Panel } from '../components/ui.tsx';
import { formatCount, formatDate, formatDateTime, formatMoney } from '../format.ts';

/**
 * Transfers that approval policies caught, waiting for people to approve them: the Financial
 * page's panel, and the decision (Approve, Reject with a reason) that "Waiting for you" on Home
 * and Agents shows too. The API decides again who may (`src/ledger/approvals.service.ts`).
 */

export const AWAITING_TRANSFERS = ['ledger', 'transfer-requests', 'awaiting_approval'] as const;

const ROLE_RANK: Record<string, number> = { editor: 1, admin: 2 };

/** What the signed-in person may do with a request: approve it, reject (or withdraw) it. */
export function mayDecide(request: TransferRequest, me: Me | undefined) {
  if (!me || me.kind === 'apikey') return { approve: false, reject: false };
  const key = me.kind === 'system' ? 'local' : `user:${me.userId}`;
  const own = request.requestedBy === key || request.requestedFor === key;
  const holds = request.policies.some(
    (p) => (ROLE_RANK[me.role] ?? 0) >= (ROLE_RANK[p.approverRole] ?? 3),
  );
  const approved = request.approvals.some((a) => a.approver === key);
  return { approve: holds && !own && !approved, reject: holds || own };
}

/** The requests waiting for approval, refreshed every 15 s (they come from other people). */
export function useAwaitingTransfers(enabled = true) {
  return useQuery({
    queryKey: AWAITING_TRANSFERS,
    queryFn: ({ signal }) =>
      api.get<TransferRequestPage>('/api/v1/ledger/transfer-requests', {
        query: { status: 'awaiting_approval', limit: 100 },
        signal,
      }),
    enabled,
    refetchInterval: 15_000,
    select: (page) => page.requests,
  });
}

/** "1 of 2 approvals (administrators)", one part per policy that caught the request. */
export function approvalProgress(request: TransferRequest): string {
  const who: Record<ApproverRole, string> = {
    admin: 'administrators',
    editor: 'editors or administrators',
  };
  return request.policies
    .map(
      (p) =>
        `${formatCount(p.approvalsGiven)} of ${formatCount(p.approvalsRequired)} approval${p.approvalsRequired === 1 ? '' : 's'} (${who[p.approverRole]})`,
    )
    .join('; ');
}

/** Approve, or Reject with a reason typed in place. */
export function TransferDecision(props: {
  request: TransferRequest;
  canApprove: boolean;
  canReject: boolean;
}) {
  const { request } = props;
  const queryClient = useQueryClient();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const decide = useMutation({
    mutationFn: (verb: 'approve' | 'reject') =>
      api.post<TransferRequest>(
        `/api/v1/ledger/transfer-requests/${request.id}/${verb}`,
        verb === 'reject' ? { reason: reason.trim() } : {},
      ),
    // Statements, balances and the requests themselves: everything of the ledger may change.
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['ledger'] }),
  });
  const label = `${formatMoney(request.amount, request.currency)}${request.transfer.description ? ` (${request.transfer.description})` : ''}`;
  const reject = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim()) decide.mutate('reject');
  };
  return (
    <div className="decision">
      {rejecting ? (
        <form className="row-actions" onSubmit={reject}>
          <TextField
            id={`reject-reason-${request.id}`}
            label={`Why reject ${label}?`}
            required
            maxLength={500}
            value={reason}
            onChange={setReason}
          />
          <button
            type="submit"
            className="button button-danger"
            disabled={decide.isPending || !reason.trim()}
          >
            Reject transfer
          </button>
          <button type="button" className="button button-quiet" onClick={() => setRejecting(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div className="row-actions">
          {props.canApprove ? (
            <button
              type="button"
              className="button button-primary"
              aria-label={`Approve ${label}`}
              disabled={decide.isPending}
              onClick={() => decide.mutate('approve')}
            >
              Approve
            </button>
          ) : null}
          {props.canReject ? (
            <button
              type="button"
              className="button button-quiet"
              aria-label={`Reject ${label}`}
              disabled={decide.isPending}
              onClick={() => setRejecting(true)}
            >
              Reject
            </button>
          ) : null}
        </div>
      )}
      {decide.error ? (
        <p role="alert" className="field-problem small">
          {messageOf(decide.error)}
        </p>
      ) : null}
    </div>
  );
}

/** Account labels (`1100 Bank accounts`) of the entities the requests are in, by account id. */
function useAccountLabels(entityIds: string[]): Map<string, string> {
  const results = useQueries({
    queries: entityIds.map((entityId) => ({
      queryKey: ['ledger', 'accounts', entityId],
      queryFn: () =>
        api.get<{ id: string; code: string; name: string }[]>('/api/v1/ledger/accounts', {
          query: { entityId },
        }),
    })),
  });
  const labels = new Map<string, string>();
  for (const result of results) {
    for (const a of result.data ?? []) labels.set(a.id, `${a.code} ${a.name}`);
  }
  return labels;
}

/** Who asked: "you", a member's name (administrators can read the members), or "a member". */
function useAskedBy(me: Me | undefined) {
  const members = useQuery({
    queryKey: ['access', 'users'],
    queryFn: () => api.get<Member[]>('/api/v1/users'),
    enabled: me?.role === 'admin',
    staleTime: 60_000,
  });
  return (request: TransferRequest): string => {
    const mine = me?.kind === 'system' ? 'local' : `user:${me?.userId ?? ''}`;
    if (request.requestedBy === mine) return 'you';
    const person = request.requestedFor.startsWith('user:')
      ? members.data?.find((m) => `user:${m.id}` === request.requestedFor)?.name
      : undefined;
    if (request.requestedBy.startsWith('apikey:')) {
      return person ? `an API key of ${person}` : 'an API key';
    }
    if (request.requestedBy === 'local') return 'the local administrator';
    return person ?? 'a member';
  };
}

/**
 * "Transfers waiting for approval" on the Financial page: each request with its amount, accounts,
 * who asked and the approvals so far; Approve and Reject for those who may. Nothing shows when
 * nothing waits.
 */
export function TransferApprovals() {
  const me = useMe().data;
  const awaiting = useAwaitingTransfers();
  const requests = awaiting.data ?? [];
  const entities = useQuery({
    queryKey: keys.entities,
    queryFn: () => api.get<Entity[]>('/api/v1/ledger/entities'),
    staleTime: 60_000,
  });
  const labels = useAccountLabels([
    ...new Set(requests.flatMap((r) => [r.entityId, ...r.linked.map((l) => l.entityId)])),
  ]);
  const askedBy = useAskedBy(me);
  if (requests.length === 0) return null;
  const entityCode = (id: string) => entities.data?.find((e) => e.id === id)?.code ?? '';
  return (
    <Panel title="Transfers waiting for approval" id="transfer-approvals">
      <ul className="waiting-list" data-testid="transfer-approvals">
        {requests.map((request) => {
          const may = mayDecide(request, me);
          return (
            <li key={request.id} data-request={request.id}>
              <div className="waiting-what">
                <strong>{formatMoney(request.amount, request.currency)}</strong>{' '}
                {request.transfer.reversesId ? <span className="badge">Reversal</span> : null}
                {request.linked.length > 0 ? (
                  <span className="badge">Intercompany</span>
                ) : null}{' '}
                <span className="muted small">
                  {entityCode(request.entityId)} ·{' '}
                  {labels.get(request.debitAccountId) ?? 'debit account'} →{' '}
                  {labels.get(request.creditAccountId) ?? 'credit account'}
                  {request.transfer.effectiveAt
                    ? ` · dated ${formatDate(request.transfer.effectiveAt)}`
                    : ''}
                </span>
                {request.linked.map((leg) => (
                  <div className="muted small" key={leg.id}>
                    with <span className="num">{formatMoney(leg.amount, leg.currency)}</span> in{' '}
                    {entityCode(leg.entityId)} · {labels.get(leg.debitAccountId) ?? 'debit account'}{' '}
                    → {labels.get(leg.creditAccountId) ?? 'credit account'}
                  </div>
                ))}
                {request.transfer.description ? (
                  <div className="small">{request.transfer.description}</div>
                ) : null}
                <div className="muted small">
                  Asked by {askedBy(request)} · {formatDateTime(request.requestedAt)} ·{' '}
                  {approvalProgress(request)}
                </div>
                {request.lastFailure ? (
                  <div className="field-problem small">
                    Could not post when last approved: {request.lastFailure.message}
                  </div>
                ) : null}
              </div>
              {may.approve || may.reject ? (
                <TransferDecision
                  request={request}
                  canApprove={may.approve}
                  canReject={may.reject}
                />
              ) : null}
            </li>
          );
        })}
      </ul>
    </Panel>
  );
}
