import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.ts';
import { keys, useCategories, useMe, useMetrics } from '../api/queries.ts';
import type { Entity, Kpi, Member, Metric, Series, Venture, VentureHealth } from '../api/types.ts';
import { WhenVisible } from '../components/when-visible.tsx';
import { ErrorNotice, Figure, Loading, PageHeader, Panel } from '../components/ui.tsx';
import { formatDate, formatMonth } from '../format.ts';
import { formatKpi, kpiPeriod, type MetricSeries } from '../kpi-values.ts';

const VentureCharts = lazy(() =>
  import('./venture.charts.tsx').then((module) => ({ default: module.VentureCharts })),
);

function groupSeries(kpis: Kpi[], metrics: Metric[]): MetricSeries[] {
  const groups = new Map<string, MetricSeries>();
  for (const kpi of kpis) {
    const metric = metrics.find((m) => m.key === kpi.metric) ?? {
      key: kpi.metric,
      label: kpi.metric,
      unit: 'ratio' as const,
      builtin: false,
    };
    const id = `${kpi.metric}|${kpi.currency ?? ''}`;
    let group = groups.get(id);
    if (!group) {
      group = { metric, currency: kpi.currency, points: [] };
      groups.set(id, group);
    }
    group.points.push(kpi);
  }
  const order = metrics.map((m) => m.key);
  return [...groups.values()].sort(
    (a, b) => order.indexOf(a.metric.key) - order.indexOf(b.metric.key),
  );
}

export function VenturePage() {
  const { slug = '' } = useParams();
  const me = useMe();
  const categories = useCategories();
  const metrics = useMetrics();
  const venture = useQuery({
    queryKey: keys.venture(slug),
    queryFn: () => api.get<Venture>(`/api/v1/portfolio/ventures/${encodeURIComponent(slug)}`),
  });
  const id = venture.data?.id;
  const health = useQuery({
    queryKey: keys.health(id ?? ''),
    queryFn: () => api.get<VentureHealth>(`/api/v1/portfolio/ventures/${id}/health`),
    enabled: Boolean(id),
  });
  const kpis = useQuery({
    queryKey: keys.kpis(id ?? ''),
    queryFn: () => api.get<Series>(`/api/v1/portfolio/ventures/${id}/kpis`),
    enabled: Boolean(id),
  });
  const entityId = venture.data?.ledgerEntityId;
  const entity = useQuery({
    queryKey: ['ledger', 'entity', entityId],
    queryFn: () => api.get<Entity>(`/api/v1/ledger/entities/${entityId}`),
    enabled: Boolean(entityId),
  });
  const isAdmin = me.data?.role === 'admin';
  const members = useQuery({
    queryKey: ['access', 'users'],
    queryFn: () => api.get<Member[]>('/api/v1/users'),
    enabled: isAdmin && Boolean(venture.data?.ownerId),
  });

  if (venture.isPending) {
    return (
      <>
        <PageHeader title="Venture" />
        <Loading />
      </>
    );
  }
  if (venture.error || !venture.data) {
    return (
      <>
        <PageHeader title="Venture not found" />
        <ErrorNotice error={venture.error} />
        <p>
          <Link to="/businesses">Back to the businesses</Link>
        </p>
      </>
    );
  }
  const v = venture.data;
  const owner = v.ownerId ? members.data?.find((m) => m.id === v.ownerId) : undefined;
  const series = kpis.data ? groupSeries(kpis.data.kpis, metrics.data ?? []) : [];

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/businesses">Businesses</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{v.name}</span>
      </nav>
      <PageHeader title={v.name} intro={v.description ?? undefined} />
      {v.archivedAt ? (
        <div className="banner banner-warn" role="status">
          Archived on {formatDate(v.archivedAt)}: left out of lists and roll-ups.
        </div>
      ) : null}
      <div className="grid-2">
        <Panel title="Details" id="venture-details">
          <dl className="details">
            <dt>Category</dt>
            <dd data-field="category">
              {categories.data?.find((c) => c.key === v.category)?.label ?? v.category}
            </dd>
            <dt>Stage</dt>
            <dd data-field="stage">
              <span className={`badge stage-${v.stage}`}>{v.stage}</span>
            </dd>
            <dt>Owner</dt>
            <dd data-field="owner">
              {v.ownerId ? (
                owner ? (
                  `${owner.name} <${owner.email}>`
                ) : (
                  <code title="Only administrators can see member names">{v.ownerId}</code>
                )
              ) : (
                'No owner'
              )}
            </dd>
            <dt>Site</dt>
            <dd data-field="site">
              {v.siteUrl ? (
                <a href={v.siteUrl} rel="noopener noreferrer" target="_blank">
                  {v.siteUrl}
                </a>
              ) : (
                '—'
              )}
            </dd>
            <dt>Repository</dt>
            <dd data-field="repository">
              {v.repositoryUrl ? (
                <a href={v.repositoryUrl} rel="noopener noreferrer" target="_blank">
                  {v.repositoryUrl}
                </a>
              ) : (
                '—'
              )}
            </dd>
            <dt>Tags</dt>
            <dd data-field="tags">
              {v.tags.length ? (
                <ul className="tag-list">
                  {v.tags.map((t) => (
                    <li key={t} className="badge">
                      {t}
                    </li>
                  ))}
                </ul>
              ) : (
                '—'
              )}
            </dd>
            <dt>Ledger entity</dt>
            <dd data-field="ledger-entity">
              {v.ledgerEntityId ? (
                <Link to={`/financial?entity=${v.ledgerEntityId}`}>
                  {entity.data ? `${entity.data.code} · ${entity.data.name}` : 'Open statements'}
                </Link>
              ) : (
                'None'
              )}
            </dd>
            <dt>Created</dt>
            <dd>{formatDate(v.createdAt)}</dd>
            <dt>Slug</dt>
            <dd>
              <code>{v.slug}</code>
            </dd>
          </dl>
        </Panel>
        <Panel title="Health" id="venture-health">
          {health.isPending ? <Loading /> : null}
          {health.error ? <ErrorNotice error={health.error} /> : null}
          {health.data ? (
            <>
              <div className="health-score">
                <meter
                  min={0}
                  max={100}
                  low={40}
                  high={70}
                  optimum={100}
                  value={health.data.score}
                  aria-label="Health score"
                />
                <p>
                  <span className="big" data-metric="venture.health.score">
                    {health.data.score}
                  </span>
                  <span className="muted"> / 100 as of {formatDate(health.data.asOf)}</span>
                </p>
              </div>
              <table className="data-table compact">
                <caption className="visually-hidden">How the health score is made</caption>
                <thead>
                  <tr>
                    <th scope="col">Component</th>
                    <th scope="col" className="num">
                      Points
                    </th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {health.data.components.map((c) => (
                    <tr key={c.key}>
                      <th scope="row">{c.label}</th>
                      <td className="num nowrap" data-metric={`venture.health.${c.key}`}>
                        {c.points} / {c.max}
                      </td>
                      <td>{c.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </Panel>
      </div>
      <Panel title="Latest values" id="venture-latest">
        {kpis.isPending ? <Loading /> : null}
        {kpis.error ? <ErrorNotice error={kpis.error} /> : null}
        {kpis.data && series.length === 0 ? (
          <p>No KPI has been recorded for this venture.</p>
        ) : null}
        {series.length > 0 ? (
          <dl className="figures">
            {series.map((s) => {
              const last = s.points[s.points.length - 1];
              if (!last) return null;
              const period = kpiPeriod(last);
              const key = `venture.kpi.${s.metric.key}${s.currency ? `.${s.currency}` : ''}`;
              return (
                <Figure
                  key={key}
                  label={`${s.metric.label}${s.currency ? ` (${s.currency})` : ''}`}
                  value={formatKpi(last, s.metric.unit)}
                  metric={key}
                  sub={period.length === 7 ? formatMonth(period) : formatDate(period)}
                />
              );
            })}
          </dl>
        ) : null}
      </Panel>
      {series.length > 0 ? (
        <WhenVisible minHeight={320} label="Charts load when you scroll here.">
          <Suspense fallback={<Loading label="Loading charts…" />}>
            <VentureCharts series={series} />
          </Suspense>
        </WhenVisible>
      ) : null}
    </>
  );
}
