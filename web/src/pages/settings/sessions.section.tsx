import Bowser from 'bowser';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { Session } from '../../api/types.ts';
import { ErrorNotice, Loading, Panel } from '../../components/ui.tsx';
import { formatDateTime } from '../../format.ts';

/**
 * A session's device as people name it ("Chrome 156 on Linux", "Safari on iPhone"), parsed
 * from its user agent with Bowser; the raw string stays in the cell's title.
 */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const parsed = Bowser.parse(userAgent);
  const browser = parsed.browser.name
    ? `${parsed.browser.name}${parsed.browser.version ? ` ${parsed.browser.version.split('.')[0]}` : ''}`
    : null;
  const os = parsed.os.name ?? null;
  const device =
    parsed.platform.type === 'mobile' || parsed.platform.type === 'tablet'
      ? (parsed.platform.model ?? parsed.platform.vendor ?? os)
      : os;
  if (browser && device) return `${browser} on ${device}`;
  return browser ?? device ?? userAgent.slice(0, 60);
}

const SESSIONS = ['access', 'sessions'] as const;

/** The signed-in person's sessions. */
export const sessionsQuery = queryOptions({
  queryKey: SESSIONS,
  queryFn: () => api.get<Session[]>('/api/v1/auth/sessions'),
});

export function SessionsSection() {
  const queryClient = useQueryClient();
  const sessions = useQuery(sessionsQuery);
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete(`/api/v1/auth/sessions/${id}`),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: SESSIONS }),
  });
  const endOthers = useMutation({
    mutationFn: () => api.post<{ ended: number }>('/api/v1/auth/sessions/end-others', {}),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: SESSIONS }),
  });
  const others = (sessions.data ?? []).filter((s) => !s.current).length;
  return (
    <Panel
      title="Your sessions"
      id="sessions"
      actions={
        others > 0 ? (
          <button
            type="button"
            className="button button-danger"
            disabled={endOthers.isPending}
            onClick={() => endOthers.mutate()}
          >
            End all other sessions
          </button>
        ) : null
      }
    >
      {endOthers.data ? (
        <p role="status" className="notice notice-success">
          {endOthers.data.ended === 1
            ? '1 other session ended.'
            : `${endOthers.data.ended} other sessions ended.`}{' '}
          Those devices must sign in again.
        </p>
      ) : null}
      {endOthers.error ? (
        <ErrorNotice error={endOthers.error} title="The other sessions were not ended" />
      ) : null}
      {sessions.isPending ? <Loading /> : null}
      {sessions.error ? <ErrorNotice error={sessions.error} /> : null}
      {revoke.error ? <ErrorNotice error={revoke.error} title="The session was not ended" /> : null}
      {sessions.data ? (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Your sessions">
          <table className="data-table">
            <caption className="visually-hidden">Your active sessions</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Via</th>
                <th scope="col">IP</th>
                <th scope="col">Started</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.map((s) => (
                <tr key={s.id} data-session={s.id}>
                  <th scope="row" className="ua" title={s.userAgent ?? undefined}>
                    {describeDevice(s.userAgent)}
                    {s.current ? <span className="badge">this session</span> : null}
                  </th>
                  <td>{s.via}</td>
                  <td>{s.ip ?? '—'}</td>
                  <td>{formatDateTime(s.createdAt)}</td>
                  <td>{formatDateTime(s.lastUsedAt)}</td>
                  <td>
                    {s.current ? null : (
                      <button
                        type="button"
                        className="button button-danger"
                        disabled={revoke.isPending}
                        onClick={() => revoke.mutate(s.id)}
                      >
                        End
                        <span className="visually-hidden">
                          {' '}
                          session started {formatDateTime(s.createdAt)}
                        </span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Panel>
  );
}
