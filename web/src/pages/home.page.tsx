import { lazy, Suspense, useDeferredValue, useState } from 'react';
import { Link } from 'react-router';
import { useMe, useRollups } from '../api/queries.ts';
import type { MoneyRollup, RollupGroup } from '../api/types.ts';
import { STAGES } from '../api/types.ts';
import { WhenVisible } from '../components/when-visible.tsx';
import { Empty, ErrorNotice, Figure, Loading, PageHeader, Panel } from '../components/ui.tsx';
import { VentureFormDialog } from './venture.form.tsx';
import { WaitingForYou } from './waiting.tsx';
import {
  formatBasisPoints,
  formatCount,
  formatGrowth,
  formatMoney,
  formatMonth,
} from '../format.ts';

const HomeCharts = lazy(() =>
  import('./home.charts.tsx').then((module) => ({ default: module.HomeCharts })),
);

function tone(bp: number | null): 'up' | 'down' | 'flat' {
  if (bp === null || bp === 0) return 'flat';
  return bp > 0 ? 'up' : 'down';
}

/**
 * A change as the API computes it, like for like: over the ventures with a value in both months,
 * saying how many those are ("291 of 300 reporting"), so a venture that has not reported yet
 * never reads as a fall.
 */
function change(c: { growthBp: number | null; compared: number; reporting: number }): string {
  if (c.growthBp === null) return 'no earlier month to compare';
  return `${formatGrowth(c.growthBp)} like for like · ${formatCount(c.compared)} of ${formatCount(c.reporting)} reporting`;
}

/** Money per currency: the API never mixes or converts currencies, so neither do we. */
function MoneyFigures(props: { label: string; values: MoneyRollup[]; metric: string }) {
  if (props.values.length === 0) {
    return <Figure label={props.label} value="No data" metric={`${props.metric}.none`} />;
  }
  return (
    <>
      {props.values.map((value) => (
        <Figure
          key={value.currency}
          label={`${props.label} (${value.currency})`}
          value={formatMoney(value.current, value.currency)}
          metric={`${props.metric}.${value.currency}`}
          sub={change(value)}
          tone={tone(value.growthBp)}
        />
      ))}
    </>
  );
}

export function HomePage() {
  const [month, setMonth] = useState<string>('');
  const rollups = useRollups(month || undefined);
  // Rendered in a transition (in slices, the page stays responsive), not in one long task, after
  // the shell's first paint. The server's own state is Monitoring's, not the portfolio's.
  const data = useDeferredValue(rollups.data ?? null, null);
  const role = useMe().data?.role;
  const canWrite = role === 'admin' || role === 'editor';
  const [creating, setCreating] = useState(false);

  return (
    <>
      <PageHeader
        title="Portfolio"
        intro={
          data
            ? `Business Performance Grid for ${formatMonth(data.month)}, compared with ${formatMonth(data.previousMonth)}.`
            : 'Business Performance Grid: every figure comes from the ventures’ recorded KPIs.'
        }
        actions={
          <div className="field field-inline">
            <label htmlFor="rollup-month">Month</label>
            <input
              id="rollup-month"
              type="month"
              value={month || data?.month || ''}
              onChange={(e) => setMonth(e.target.value)}
            />
          </div>
        }
      />
      <WaitingForYou canDecide={role === 'admin'} />
      {!data && !rollups.error ? <Loading /> : null}
      {rollups.error ? <ErrorNotice error={rollups.error} /> : null}
      {data && data.portfolio.ventures.total === 0 ? (
        <Empty title="No ventures yet">
          <p>
            Add the first business of the studio, or fill a demo portfolio with{' '}
            <code>iza demo</code>.
          </p>
          {canWrite ? (
            <p>
              <button
                type="button"
                className="button button-primary"
                onClick={() => setCreating(true)}
              >
                New venture
              </button>
            </p>
          ) : null}
          <VentureFormDialog
            open={creating}
            onClose={() => setCreating(false)}
            isAdmin={role === 'admin'}
          />
        </Empty>
      ) : null}
      {data && data.portfolio.ventures.total > 0 ? (
        <>
          <Panel title="Portfolio" id="portfolio" className="hero">
            <p className="muted small" data-metric="portfolio.month">
              {formatMonth(data.month)}
            </p>
            <dl className="figures">
              <Figure
                label="Ventures"
                value={formatCount(data.portfolio.ventures.total)}
                metric="portfolio.ventures"
              />
              <MoneyFigures
                label="Revenue"
                values={data.portfolio.revenue}
                metric="portfolio.revenue"
              />
              <MoneyFigures label="MRR" values={data.portfolio.mrr} metric="portfolio.mrr" />
              <Figure
                label="Customers"
                value={formatCount(data.portfolio.customers.current)}
                metric="portfolio.customers"
                sub={change(data.portfolio.customers)}
                tone={tone(data.portfolio.customers.growthBp)}
              />
              <Figure
                label="Average churn"
                value={
                  data.portfolio.churn.averageBp === null
                    ? 'No data'
                    : formatBasisPoints(data.portfolio.churn.averageBp)
                }
                metric="portfolio.churn"
                sub={`${formatCount(data.portfolio.churn.ventures)} ventures reporting`}
              />
            </dl>
          </Panel>
          <Panel title="Stages" id="quick-stats">
            <dl className="figures figures-small">
              {STAGES.map((stage) => (
                <Figure
                  key={stage}
                  label={`Stage: ${stage}`}
                  value={formatCount(data.portfolio.ventures.byStage[stage] ?? 0)}
                  metric={`portfolio.stage.${stage}`}
                />
              ))}
            </dl>
          </Panel>
          <Panel title="Categories" id="categories">
            <ul className="category-grid">
              {data.categories.map((group) => (
                <CategoryCard key={group.category ?? 'none'} group={group} />
              ))}
            </ul>
          </Panel>
          <WhenVisible minHeight={420} margin="0px" label="Charts load when you scroll here.">
            <Suspense fallback={<Loading label="Loading charts…" />}>
              <HomeCharts rollup={data} />
            </Suspense>
          </WhenVisible>
        </>
      ) : null}
    </>
  );
}

function CategoryCard(props: { group: RollupGroup }) {
  const { group } = props;
  const key = group.category ?? 'uncategorised';
  return (
    <li className="category-card glass-card" data-category={key}>
      <h3>
        <Link to={`/businesses?category=${encodeURIComponent(key)}`}>{group.label}</Link>
      </h3>
      <dl className="figures figures-small">
        <Figure
          label="Ventures"
          value={formatCount(group.ventures.total)}
          metric={`category.${key}.ventures`}
        />
        {group.mrr.map((m) => (
          <Figure
            key={`mrr-${m.currency}`}
            label={`MRR (${m.currency})`}
            value={formatMoney(m.current, m.currency)}
            metric={`category.${key}.mrr.${m.currency}`}
            sub={formatGrowth(m.growthBp)}
            tone={tone(m.growthBp)}
          />
        ))}
        {group.revenue.map((m) => (
          <Figure
            key={`rev-${m.currency}`}
            label={`Revenue (${m.currency})`}
            value={formatMoney(m.current, m.currency)}
            metric={`category.${key}.revenue.${m.currency}`}
          />
        ))}
        <Figure
          label="Customers"
          value={formatCount(group.customers.current)}
          metric={`category.${key}.customers`}
        />
        <Figure
          label="Churn"
          value={
            group.churn.averageBp === null ? 'No data' : formatBasisPoints(group.churn.averageBp)
          }
          metric={`category.${key}.churn`}
        />
      </dl>
    </li>
  );
}
