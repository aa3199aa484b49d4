import { useQuery } from '@tanstack/react-query';
import { lazy, startTransition, Suspense, useEffect, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.ts';
import { queries, useCategories, useFirstAnswers, useMe, useMetrics } from '../api/queries.ts';
import type { Entity, Kpi, Member, Metric } from '../api/types.ts';
import { WhenVisible } from '../components/when-visible.tsx';
import { ErrorNotice, Figure, Loading, PageHeader, Panel } from '../components/ui.tsx';
import { formatDate, formatMonth } from '../format.ts';
import { formatKpi, kpiPeriod, type MetricSeries } from '../kpi-values.ts';
import { ArchiveVentureDialog, PostKpiDialog } from './venture.actions.tsx';
import { VentureFormDialog } from './venture.form.tsx';

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
  // The venture, its health and its KPIs are asked for together, by slug (main.tsx starts them
  // before the first render when the page is opened directly).
  const venture = useQuery(queries.venture(slug));
  const health = useQuery(queries.ventureHealth(slug));
  const kpis = useQuery(queries.ventureKpis(slug));
  // The page shows once what makes its first screen is there (nothing moves when a part comes
  // in late), and renders in a transition: in slices, not in one long task.
  const ready = useFirstAnswers([venture, health, kpis, categories, metrics]);
  const [dialog, setDialog] = useState<'edit' | 'kpi' | 'archive' | null>(null);

  if (venture.error || (!venture.isPending && !venture.data)) {
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
  if (!ready || !venture.data) {
    return (
      <>
        <PageHeader title="Venture" />
        <Loading />
      </>
    );
  }
  const v = venture.data;
  const isAdmin = me.data?.role === 'admin';
  const canWrite = isAdmin || me.data?.role === 'editor';
  const series = kpis.data ? groupSeries(kpis.data.kpis, metrics.data ?? []) : [];
  const usualCurrency = kpis.data?.kpis.find((k) => k.currency)?.currency ?? 'USD';

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/businesses">Businesses</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{v.name}</span>
      </nav>
      <PageHeader
        title={v.name}
        intro={v.description ?? undefined}
        actions={
          canWrite && !v.archivedAt ? (
            <>
              <button
                type="button"
                className="button button-primary"
                onClick={() => setDialog('kpi')}
              >
                Record KPI
              </button>
              <button type="button" className="button" onClick={() => setDialog('edit')}>
                Edit
              </button>
              {isAdmin ? (
                <button type="button" className="button" onClick={() => setDialog('archive')}>
                  Archive
                </button>
              ) : null}
            </>
          ) : null
        }
      />
      {canWrite ? (
        <>
          <VentureFormDialog
            key={v.updatedAt}
            venture={v}
            open={dialog === 'edit'}
            onClose={() => setDialog(null)}
            isAdmin={isAdmin}
          />
          <PostKpiDialog
            venture={v}
            defaultCurrency={usualCurrency}
            open={dialog === 'kpi'}
            onClose={() => setDialog(null)}
          />
          <ArchiveVentureDialog
            venture={v}
            open={dialog === 'archive'}
            onClose={() => setDialog(null)}
          />
        </>
      ) : null}
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
            <dd data-field="owner" className="one-line">
              {v.ownerId ? <Owner ownerId={v.ownerId} isAdmin={isAdmin} /> : 'No owner'}
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
            <dd data-field="ledger-entity" className="one-line">
              {v.ledgerEntityId ? <LedgerEntityLink entityId={v.ledgerEntityId} /> : 'None'}
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
                  <span className="muted">
                    {' '}
                    / 100 as of {formatDate(health.data.asOf)}
                    {health.data.measuredOf < 100
                      ? `, from the ${health.data.measuredOf} of 100 points its data lets us measure`
                      : ''}
                  </span>
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
                        {c.measured ? `${c.points} / ${c.max}` : 'no data'}
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
      <SecondCommit>
        <Panel title="Latest values" id="venture-latest" className="lazy-layout">
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
          <WhenVisible
            minHeight={320}
            margin="0px 0px -25% 0px"
            label="Charts load when you scroll here."
            placeholder={<ChartPlaceholders count={series.length} />}
          >
            <Suspense fallback={<Loading label="Loading charts…" />}>
              <VentureCharts series={series} />
            </Suspense>
          </WhenVisible>
        ) : null}
      </SecondCommit>
    </>
  );
}

/**
 * Its children, one commit after the rest of the page: React commits a whole tree (and the
 * browser lays it out) in one task, so the page's lower part coming a frame later makes two
 * shorter tasks of one long one. Below everything else, it moves nothing when it comes.
 */
function SecondCommit(props: { children: ReactNode }) {
  const [shown, setShown] = useState(false);
  useEffect(() => startTransition(() => setShown(true)), []);
  return shown ? props.children : null;
}

/**
 * Where the charts will be, one empty panel of a chart's size each (so nothing below moves when
 * they come): the charts and Recharts load when this place is well inside the viewport.
 */
function ChartPlaceholders(props: { count: number }) {
  return (
    <div className="chart-grid-list">
      {Array.from({ length: props.count }, (_, index) => (
        <div key={index} className="panel chart-placeholder">
          {index === 0 ? <p className="muted small">Charts load when you scroll here.</p> : null}
        </div>
      ))}
    </div>
  );
}

/*
 * The owner's name and the ledger entity come after the venture (they need its answer): each is
 * its own component, so their answers re-render a line, not the page, and each stays on one line
 * (cut with an ellipsis, whole in its title), so nothing below moves when the answer comes.
 */
function Owner(props: { ownerId: string; isAdmin: boolean }) {
  const members = useQuery({
    queryKey: ['access', 'users'],
    queryFn: () => api.get<Member[]>('/api/v1/users'),
    enabled: props.isAdmin,
  });
  const owner = members.data?.find((m) => m.id === props.ownerId);
  const text = owner ? `${owner.name} <${owner.email}>` : null;
  return text ? (
    <span title={text}>{text}</span>
  ) : (
    <code title="Only administrators can see member names">{props.ownerId}</code>
  );
}

function LedgerEntityLink(props: { entityId: string }) {
  const entity = useQuery({
    queryKey: ['ledger', 'entity', props.entityId],
    queryFn: () => api.get<Entity>(`/api/v1/ledger/entities/${props.entityId}`),
  });
  const text = entity.data ? `${entity.data.code} · ${entity.data.name}` : 'Open statements';
  return (
    <Link to={`/financial?entity=${props.entityId}`} title={text}>
      {text}
    </Link>
  );
}
