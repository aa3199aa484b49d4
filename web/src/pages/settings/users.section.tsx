import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../../api/client.ts';
import { ROLES, type AddedMember, type Member, type Role } from '../../api/types.ts';
import { ErrorNotice, Loading, Panel } from '../../components/ui.tsx';
import { formatDateTime } from '../../format.ts';
import { CopyButton } from './copy-button.tsx';

const USERS = ['access', 'users'] as const;

/** The organisation's members (administrators only). */
export const usersQuery = queryOptions({
  queryKey: USERS,
  queryFn: () => api.get<Member[]>('/api/v1/users'),
});

export function UsersSection(props: { canManage: boolean; selfId: string | null }) {
  const queryClient = useQueryClient();
  const users = useQuery({ ...usersQuery, enabled: props.canManage });
  const [message, setMessage] = useState<string | null>(null);
  const changeRole = useMutation({
    mutationFn: (input: { id: string; role: Role }) =>
      api.patch<Member>(`/api/v1/users/${input.id}`, { role: input.role }),
    onSuccess: (member) => {
      setMessage(`${member.name} is now ${member.role}.`);
      void queryClient.invalidateQueries({ queryKey: USERS });
    },
    onError: (error) => setMessage(messageOf(error)),
  });

  return (
    <Panel title="Members" id="users">
      {!props.canManage ? (
        <p>Only administrators can see and manage the organisation&apos;s members.</p>
      ) : null}
      {users.isPending && props.canManage ? <Loading /> : null}
      {users.error ? <ErrorNotice error={users.error} /> : null}
      {message ? (
        <p role="status" className="notice">
          {message}
        </p>
      ) : null}
      {users.data ? (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Members">
          <table className="data-table">
            <caption className="visually-hidden">Members of the organisation</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((m) => (
                <tr key={m.id} data-user={m.email}>
                  <th scope="row">
                    {m.name}
                    {m.id === props.selfId ? <span className="muted"> (you)</span> : null}
                  </th>
                  <td>{m.email}</td>
                  <td>
                    <label className="visually-hidden" htmlFor={`role-${m.id}`}>
                      Role of {m.name}
                    </label>
                    <select
                      id={`role-${m.id}`}
                      value={m.role}
                      disabled={changeRole.isPending}
                      onChange={(e) =>
                        changeRole.mutate({ id: m.id, role: e.target.value as Role })
                      }
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{m.status}</td>
                  <td>{formatDateTime(m.lastLoginAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {props.canManage ? <AddMember /> : null}
    </Panel>
  );
}

function AddMember() {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const add = useMutation({
    mutationFn: () => api.post<AddedMember>('/api/v1/users', { email, name, role }),
    onSuccess: () => {
      setEmail('');
      setName('');
      void queryClient.invalidateQueries({ queryKey: USERS });
      void queryClient.invalidateQueries({ queryKey: ['access', 'org-invitations'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  const link = add.data?.invitation ? `${window.location.origin}${add.data.invitation.path}` : null;
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="add-member-title">
      <h3 id="add-member-title">Invite someone</h3>
      <p className="muted small">
        They get a link to open: a new person sets their own password there; someone who already has
        an account joins with theirs. Nobody types a password for someone else.
      </p>
      <div className="form-row">
        <div className="field">
          <label htmlFor="member-email">E-mail</label>
          <input
            id="member-email"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="member-name">Name</label>
          <input id="member-name" required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="member-role">Role</label>
          <select id="member-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary" disabled={add.isPending}>
          Create invitation link
        </button>
      </div>
      {add.error ? <ErrorNotice error={add.error} title="The invitation was not made" /> : null}
      {add.data && link ? (
        <div className="notice notice-success" role="status" data-testid="invitation-link">
          <strong>
            Send this link to {add.data.email}: it is shown only once and works once, until{' '}
            {formatDateTime(add.data.invitation!.expiresAt)}.
          </strong>
          <div className="secret">
            <code>{link}</code>
            <CopyButton text={link} label="Copy link" />
          </div>
        </div>
      ) : null}
    </form>
  );
}
