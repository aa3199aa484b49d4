import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { useServerHealth } from '../api/queries.ts';
import type { McpServer } from '../api/types.ts';
import { ErrorNotice, Figure, isForbidden, Loading, PageHeader, Panel } from '../components/ui.tsx';
import { formatDateTime, formatDuration } from '../format.ts';

export function MonitoringPage() {
  const health = useServerHealth();
  const mcp = useQuery({
    queryKey: ['mcp', 'servers'],
    queryFn: () => api.get<McpServer[]>('/api/v1/mcp/servers'),
  });

  return (
    <>
      <PageHeader
        title="Monitoring"
        intro="The server's readiness, its components and the external MCP servers. Refreshed every 30 seconds."
      />
      <Panel title="Health" id="health">
        {health.isPending ? <Loading /> : null}
        {health.error ? <ErrorNotice error={health.error} /> : null}
        {health.data ? (
          <>
            <dl className="figures">
              <Figure
                label="Status"
                value={health.data.status === 'ok' ? 'Ready' : 'Down'}
                metric="health.status"
              />
              <Figure label="Version" value={health.data.version} metric="health.version" />
              <Figure
                label="Uptime"
                value={formatDuration(health.data.uptimeSeconds)}
                metric="health.uptime"
              />
            </dl>
            <div className="table-scroll" tabIndex={0} role="region" aria-label="Health components">
              <table className="data-table">
                <caption className="visually-hidden">Components</caption>
                <thead>
                  <tr>
                    <th scope="col">Component</th>
                    <th scope="col">State</th>
                    <th scope="col">Detail</th>
                    <th scope="col" className="num">
                      Latency
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(health.data.components).map(([name, c]) => {
                    const extra = Object.entries(c)
                      .filter(([k]) => !['status', 'detail', 'latencyMs'].includes(k))
                      .map(([k, v]) => `${k}: ${String(v)}`)
                      .join(', ');
                    return (
                      <tr key={name} data-component={name}>
                        <th scope="row">{name === 'mcp' ? 'MCP hub' : name}</th>
                        <td>
                          <span
                            className={`badge state-${c.status}`}
                            data-metric={`health.${name}`}
                          >
                            {c.status}
                          </span>
                        </td>
                        <td>{[c.detail, extra].filter(Boolean).join(' · ') || '—'}</td>
                        <td className="num">
                          {c.latencyMs === undefined ? '—' : `${c.latencyMs} ms`}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
      </Panel>

      <Panel title="Instance" id="instance">
        <p data-testid="system-status-refused">
          Versions, storage, migrations and queue depth (<code>GET /api/v1/system/status</code>) are
          for the local administrator token only (access <code>system</code>): a signed-in session
          cannot read them, so this page does not ask. Run <code>iza status</code> on the server.
        </p>
        {health.data ? (
          <dl className="details">
            <dt>Database</dt>
            <dd data-metric="health.database.kind">
              {textOf(health.data.components.database?.kind)}
            </dd>
            <dt>Events</dt>
            <dd data-metric="health.events.mode">{textOf(health.data.components.events?.mode)}</dd>
            <dt>Jobs</dt>
            <dd>{health.data.components.jobs?.detail ?? '—'}</dd>
          </dl>
        ) : null}
      </Panel>

      <Panel title="External MCP servers" id="mcp">
        {mcp.isPending ? <Loading /> : null}
        {mcp.error ? (
          isForbidden(mcp.error) ? (
            <p>Your role cannot see the MCP servers.</p>
          ) : (
            <ErrorNotice error={mcp.error} />
          )
        ) : null}
        {mcp.data && mcp.data.length === 0 ? (
          <p>
            No external MCP server is registered (add one with <code>iza mcp servers add</code>).
          </p>
        ) : null}
        {mcp.data && mcp.data.length > 0 ? (
          <div
            className="table-scroll"
            tabIndex={0}
            role="region"
            aria-label="External MCP servers"
          >
            <table className="data-table">
              <caption className="visually-hidden">External MCP servers</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Transport</th>
                  <th scope="col">State</th>
                  <th scope="col" className="num">
                    Tools
                  </th>
                  <th scope="col">Last check</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {mcp.data.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{s.name}</th>
                    <td>{s.transport === 'http' ? (s.url ?? 'http') : (s.command ?? 'stdio')}</td>
                    <td>
                      <span className={`badge mcp-${s.status}`}>{s.status}</span>
                    </td>
                    <td className="num">{s.health?.toolCount ?? '—'}</td>
                    <td>{formatDateTime(s.health?.lastCheckedAt)}</td>
                    <td>{s.health?.lastError ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Panel>
    </>
  );
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : 'unknown';
}
