import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import {
  ROLES,
  type ApiKey,
  type ApiKeyCreated,
  type Role,
  type Venture,
} from '../../api/types.ts';
import { ErrorNotice, Loading, Panel } from '../../components/ui.tsx';
import { formatDate, formatDateTime } from '../../format.ts';
import { CopyButton } from './copy-button.tsx';

const KEYS = ['access', 'api-keys'] as const;

/** The organisation's API keys (administrators only). */
export const apiKeysQuery = queryOptions({
  queryKey: KEYS,
  queryFn: () => api.get<ApiKey[]>('/api/v1/api-keys'),
});

export function ApiKeysSection(props: { canManage: boolean }) {
  const queryClient = useQueryClient();
  const keys = useQuery({ ...apiKeysQuery, enabled: props.canManage });
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('bot');
  const [ventures, setVentures] = useState('');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const create = useMutation({
    mutationFn: async () => {
      const slugs = ventures
        .split(',')
        .map((slug) => slug.trim())
        .filter(Boolean);
      // Each venture by its slug: one that does not exist stops the key with its name.
      const ventureIds = await Promise.all(
        slugs.map((slug) =>
          api
            .get<Venture>(`/api/v1/portfolio/ventures/${encodeURIComponent(slug)}`)
            .then((v) => v.id)
            .catch(() => {
              throw new Error(`No venture “${slug}” in this organisation`);
            }),
        ),
      );
      return api.post<ApiKeyCreated>('/api/v1/api-keys', {
        name,
        role,
        ...(ventureIds.length ? { ventureIds } : {}),
        // The end of the chosen day, in the browser's time zone.
        ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      });
    },
    onSuccess: (key) => {
      setCreated(key);
      setName('');
      setVentures('');
      setExpires('');
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
                <th scope="col">Ventures</th>
                <th scope="col">Expires</th>
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
                  <td>
                    {k.ventureIds === null
                      ? 'all'
                      : `${k.ventureIds.length} ${k.ventureIds.length === 1 ? 'venture' : 'ventures'}`}
                  </td>
                  <td className="nowrap">{k.expiresAt ? formatDate(k.expiresAt) : 'never'}</td>
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
            <div className="field field-grow">
              <label htmlFor="key-ventures">Only these ventures</label>
              <input
                id="key-ventures"
                placeholder="All ventures"
                aria-describedby="key-ventures-hint"
                value={ventures}
                onChange={(e) => setVentures(e.target.value)}
              />
              <span id="key-ventures-hint" className="muted small">
                Slugs separated by commas; empty for every venture
              </span>
            </div>
            <div className="field">
              <label htmlFor="key-expires">Expires on</label>
              <input
                id="key-expires"
                type="date"
                value={expires}
                onChange={(e) => setExpires(e.target.value)}
              />
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
