import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { api, ApiError, refreshSession } from '../api/client.ts';
import { useFirstAnswers, useServerHealth } from '../api/queries.ts';
import type { McpServer } from '../api/types.ts';
import { ErrorNotice, Figure, isForbidden, Loading, PageHeader, Panel } from '../components/ui.tsx';
import { formatDateTime, formatDuration, numberFormat } from '../format.ts';
import { gauge, httpLatency, parsePrometheus, type Sample } from '../prometheus.ts';

/** The server's own metrics for administrators (no organisation's figures, unlike /metrics). */
const SERVER_METRICS = '/api/v1/server/metrics';

/** Routes that watch the server: left out of its request figures. */
const WATCHING = new Set([
  '/metrics',
  SERVER_METRICS,
  '/health',
  '/health/live',
  '/api/v1/portfolio/events',
]);

export function MonitoringPage() {
  const health = useServerHealth();
  const mcp = useQuery({
    queryKey: ['mcp', 'servers'],
    queryFn: () => api.get<McpServer[]>('/api/v1/mcp/servers'),
  });
  const metrics = useQuery({
    queryKey: ['server', 'metrics'],
    queryFn: async ({ signal }) => parsePrometheus(await fetchServerMetrics(signal)),
    refetchInterval: 30_000,
    retry: (count, error) => !isForbidden(error) && count < 3,
  });
  // The three panels show in one paint: health and metrics arriving at different times would
  // push the panels below them down (layout shifts).
  const ready = useFirstAnswers([health, metrics, mcp]);

  return (
    <>
      <PageHeader
        title="Monitoring"
        intro="The server's readiness, its components, its own metrics and the external MCP servers. Refreshed every 30 seconds."
      />
      {ready ? (
        <>
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
                <div
                  className="table-scroll"
                  tabIndex={0}
                  role="region"
                  aria-label="Health components"
                >
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

          <MetricsPanel metrics={metrics} />

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
                No external MCP server is registered (add one with <code>iza mcp servers add</code>
                ).
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
                        <td>
                          {s.transport === 'http' ? (s.url ?? 'http') : (s.command ?? 'stdio')}
                        </td>
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
      ) : (
        <Loading />
      )}
    </>
  );
}

const count = numberFormat();
const megabytes = numberFormat({ maximumFractionDigits: 0 });

function bound(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds === Infinity) return '> 10 s';
  return seconds < 1 ? `≤ ${count.format(seconds * 1000)} ms` : `≤ ${count.format(seconds)} s`;
}

/** The Prometheus text of the server's own metrics, refreshing the session once on a 401. */
async function fetchServerMetrics(signal: AbortSignal): Promise<string> {
  const get = () =>
    fetch(SERVER_METRICS, {
      signal,
      credentials: 'same-origin',
      headers: { accept: 'text/plain' },
    });
  let res = await get();
  if (res.status === 401 && (await refreshSession())) res = await get();
  if (res.ok) return res.text();
  const body = (await res.json().catch(() => undefined)) as
    { error?: { code: string; message: string } } | undefined;
  throw new ApiError(
    res.status,
    body?.error?.code ?? `http_${res.status}`,
    body?.error?.message ?? `${SERVER_METRICS} answered ${res.status}`,
    undefined,
    res.headers.get('x-request-id'),
  );
}

/**
 * The server process's own figures from `GET /api/v1/server/metrics` (Prometheus text, for
 * administrators): requests answered since it started and their latency (histogram bucket
 * bounds), memory and event-loop lag.
 */
function MetricsPanel(props: { metrics: UseQueryResult<Sample[]> }) {
  const { metrics } = props;
  const samples = metrics.data;
  const routes = samples ? httpLatency(samples, WATCHING) : [];
  const all = routes[0];
  const rss = samples && gauge(samples, 'iza_process_resident_memory_bytes');
  const heap = samples && gauge(samples, 'iza_nodejs_heap_size_used_bytes');
  const lag = samples && gauge(samples, 'iza_nodejs_eventloop_lag_p99_seconds');
  return (
    <Panel title="Server metrics" id="metrics">
      {metrics.isPending ? <Loading /> : null}
      {metrics.error ? (
        isForbidden(metrics.error) ? (
          <p>The server’s metrics are shown to administrators.</p>
        ) : (
          <ErrorNotice error={metrics.error} />
        )
      ) : null}
      {samples ? (
        <>
          <p className="muted small">
            This process since it started (the same process and request figures Prometheus scrapes
            at <code>/metrics</code>); latency is the histogram bucket holding the percentile.
          </p>
          <dl className="figures">
            <Figure
              label="Requests answered"
              value={count.format(all?.requests ?? 0)}
              metric="metrics.requests"
            />
            <Figure
              label="Server errors (5xx)"
              value={count.format(all?.errors ?? 0)}
              metric="metrics.errors"
            />
            <Figure label="Latency p50" value={bound(all?.p50)} metric="metrics.p50" />
            <Figure label="Latency p99" value={bound(all?.p99)} metric="metrics.p99" />
            <Figure
              label="Resident memory"
              value={rss === undefined ? '—' : `${megabytes.format(rss / 2 ** 20)} MiB`}
              metric="metrics.rss"
            />
            <Figure
              label="Heap used"
              value={heap === undefined ? '—' : `${megabytes.format(heap / 2 ** 20)} MiB`}
              metric="metrics.heap"
            />
            <Figure
              label="Event-loop lag p99"
              value={lag === undefined ? '—' : `${count.format(lag * 1000)} ms`}
              metric="metrics.eventLoopLag"
            />
          </dl>
          {routes.length > 1 ? (
            <div className="table-scroll" tabIndex={0} role="region" aria-label="Busiest routes">
              <table className="data-table">
                <caption className="visually-hidden">Busiest routes</caption>
                <thead>
                  <tr>
                    <th scope="col">Route</th>
                    <th scope="col" className="num">
                      Requests
                    </th>
                    <th scope="col" className="num">
                      5xx
                    </th>
                    <th scope="col" className="num">
                      p50
                    </th>
                    <th scope="col" className="num">
                      p99
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {routes.slice(1, 11).map((r) => (
                    <tr key={r.route} data-route={r.route}>
                      <th scope="row">
                        <code>{r.route}</code>
                      </th>
                      <td className="num">{count.format(r.requests)}</td>
                      <td className="num">{count.format(r.errors)}</td>
                      <td className="num nowrap">{bound(r.p50)}</td>
                      <td className="num nowrap">{bound(r.p99)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
    </Panel>
  );
}
