import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import { queries } from '../../api/queries.ts';
import type { Invitation } from '../../api/types.ts';
import { ErrorNotice, Panel } from '../../components/ui.tsx';
import { formatDateTime } from '../../format.ts';

const INVITATIONS = ['access', 'invitations'] as const;

/** The signed-in person's invitations to other organisations. */
export const invitationsQuery = queryOptions({
  queryKey: INVITATIONS,
  queryFn: () => api.get<Invitation[]>('/api/v1/auth/invitations'),
});

/** The signed-in person's invitations to join other organisations: accept or decline. */
export function InvitationsSection() {
  const queryClient = useQueryClient();
  const invitations = useQuery(invitationsQuery);
  const answer = useMutation({
    mutationFn: (input: { id: string; verb: 'accept' | 'decline' }) =>
      api.post(`/api/v1/auth/invitations/${input.id}/${input.verb}`, {}),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: INVITATIONS });
      void queryClient.invalidateQueries({ queryKey: queries.me().queryKey });
    },
  });
  // Most people have none: the section shows only when there is something to answer.
  if (!invitations.data?.length && !invitations.error) return null;
  return (
    <Panel title="Invitations" id="invitations">
      {invitations.error ? <ErrorNotice error={invitations.error} /> : null}
      {answer.error ? (
        <ErrorNotice error={answer.error} title="The invitation was not answered" />
      ) : null}
      {answer.isSuccess ? (
        <p role="status" className="notice">
          Done. After accepting, sign in to that organisation to work there.
        </p>
      ) : null}
      <ul>
        {(invitations.data ?? []).map((i) => (
          <li key={i.id} data-invitation={i.organisation.slug}>
            <strong>{i.organisation.name}</strong> invites you as {i.role} (until{' '}
            {formatDateTime(i.expiresAt)}){' '}
            <button
              type="button"
              className="button button-primary"
              disabled={answer.isPending}
              onClick={() => answer.mutate({ id: i.id, verb: 'accept' })}
            >
              Accept<span className="visually-hidden"> {i.organisation.name}</span>
            </button>{' '}
            <button
              type="button"
              className="button"
              disabled={answer.isPending}
              onClick={() => answer.mutate({ id: i.id, verb: 'decline' })}
            >
              Decline<span className="visually-hidden"> {i.organisation.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
