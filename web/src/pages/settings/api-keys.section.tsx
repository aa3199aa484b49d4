import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { ROLES, type ApiKey, type ApiKeyCreated, type Role } from '../../api/types.ts';
import { ErrorNotice, Loading, Panel } from '../../components/ui.tsx';
import { formatDateTime } from '../../format.ts';
import { CopyButton } from './copy-button.tsx';

const KEYS = ['access', 'api-keys'] as const;

export function ApiKeysSection(props: { canManage: boolean }) {
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: KEYS,
    queryFn: () => api.get<ApiKey[]>('/api/v1/api-keys'),
    enabled: props.canManage,
  });
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('bot');
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const create = useMutation({
    mutationFn: () => api.post<ApiKeyCreated>('/api/v1/api-keys', { name, role }),
    onSuccess: (key) => {
      setCreated(key);
      setName('');
      void queryClient.invalidateQueries({ queryKey: KEYS });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete<ApiKey>(`/api/v1/api-keys/${id}`),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: KEYS }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };

  return (
    <Panel title="API keys" id="api-keys">
      {!props.canManage ? (
        <p>Only administrators can create and revoke API keys (permission manage_bots).</p>
      ) : null}
      {created ? (
        <div className="notice notice-success" role="status" data-testid="api-key-secret">
          <strong>Key “{created.name}” created. Copy it now: it is shown only once.</strong>
          <div className="secret">
            <code>{created.key}</code>
            <CopyButton text={created.key} label="Copy key" />
          </div>
          <button type="button" className="button button-quiet" onClick={() => setCreated(null)}>
            I have stored it
          </button>
        </div>
      ) : null}
      {keys.isPending && props.canManage ? <Loading /> : null}
      {keys.error ? <ErrorNotice error={keys.error} /> : null}
      {revoke.error ? <ErrorNotice error={revoke.error} title="The key was not revoked" /> : null}
      {keys.data && keys.data.length === 0 ? <p>No API key yet.</p> : null}
      {keys.data && keys.data.length > 0 ? (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="API keys">
          <table className="data-table">
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} data-api-key={k.prefix}>
                  <th scope="row">{k.name}</th>
                  <td>
                    <code>{k.prefix}</code>
                  </td>
                  <td>{k.role}</td>
                  <td>{formatDateTime(k.createdAt)}</td>
                  <td>{formatDateTime(k.lastUsedAt)}</td>
                  <td>{k.revokedAt ? `revoked ${formatDateTime(k.revokedAt)}` : 'active'}</td>
                  <td>
                    {k.revokedAt ? null : (
                      <button
                        type="button"
                        className="button button-danger"
                        disabled={revoke.isPending}
                        onClick={() => {
                          if (
                            window.confirm(
                              `Revoke the key “${k.name}”? Programs using it stop at once.`,
                            )
                          ) {
                            revoke.mutate(k.id);
                          }
                        }}
                      >
                        Revoke<span className="visually-hidden"> {k.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {props.canManage ? (
        <form className="inline-form" onSubmit={submit} aria-labelledby="new-key-title">
          <h3 id="new-key-title">Create a key</h3>
          <div className="form-row">
            <div className="field">
              <label htmlFor="key-name">Name</label>
              <input
                id="key-name"
                required
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor="key-role">Role</label>
              <select id="key-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className="button button-primary" disabled={create.isPending}>
              Create key
            </button>
          </div>
          {create.error ? (
            <ErrorNotice error={create.error} title="The key was not created" />
          ) : null}
        </form>
      ) : null}
    </Panel>
  );
}
