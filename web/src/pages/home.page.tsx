import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useDeferredValue, useState } from 'react';
import { queries, storedReportingCurrency, storeReportingCurrency, useMe } from '../api/queries.ts';
import type { Overview, OverviewFigure } from '../api/types.ts';
import { Sparkline } from '../components/sparkline.tsx';
import { WhenVisible } from '../components/when-visible.tsx';
import { Empty, ErrorNotice, Loading, PageHeader, Panel } from '../components/ui.tsx';
import {
  formatCount,
  formatDate,
  formatGrowth,
  formatMoney,
  formatMonth,
  moneyToNumber,
} from '../format.ts';
import { AttentionList } from './home.attention.tsx';
import { CategoryTable, Movers } from './home.tables.tsx';
import { VentureFormDialog } from './venture.form.tsx';
import { useWaitingForMe, WaitingForYou } from './waiting.tsx';

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
function change(f: OverviewFigure): string {
  if (f.growthBp === null) return 'no earlier month to compare';
  return `${formatGrowth(f.growthBp)} like for like · ${formatCount(f.compared)} of ${formatCount(f.reporting)} reporting`;
}

/** A headline figure with its last twelve months. */
function Headline(props: {
  label: string;
  figure: OverviewFigure;
  metric: string;
  currency?: string;
}) {
  const { figure, currency } = props;
  const show = (value: string) => (currency ? formatMoney(value, currency) : formatCount(value));
  const values = figure.series.map((p) =>
    p.reporting === 0 ? null : currency ? moneyToNumber(p.value, currency) : Number(p.value),
  );
  return (
    <div className="figure headline">
      <dt className="figure-label">{props.label}</dt>
      <dd className="figure-value">
        <span className="figure-full" data-metric={props.metric}>
          {show(figure.current)}
        </span>
        {/* Phones: compact notation, so a figure never wraps mid-number. */}
        <span className="figure-compact">
          {currency ? formatMoney(figure.current, currency, true) : formatCount(figure.current)}
        </span>
      </dd>
      <dd className={`figure-sub tone-${tone(figure.growthBp)}`}>{change(figure)}</dd>
      <dd className="figure-spark">
        <Sparkline
          values={values}
          label={`${props.label} over the last ${figure.series.length} months, from ${show(figure.series[0]?.value ?? '0')} to ${show(figure.current)}`}
        />
      </dd>
    </div>
  );
}

/** Which rates converted what, and what could not be converted. */
function RatesNote(props: { overview: Overview }) {
  const { rates, unconverted, currency } = props.overview;
  return (
    <div className="muted small rates-note" data-testid="rates-note">
      {rates.length === 0 ? (
        <p>Every figure is in {currency}: nothing needed converting.</p>
      ) : (
        <p>
          Converted to {currency} at the ledger’s rates in force at the month’s end:{' '}
          {rates.map((r, i) => (
            <span key={r.currency} data-rate={r.currency}>
              {i > 0 ? ', ' : ''}
              {r.base}/{r.quote} {r.rate} (rate of {formatDate(r.effectiveOn)})
            </span>
          ))}
          .
        </p>
      )}
      {unconverted.length > 0 ? (
        <p className="tone-down" data-testid="unconverted">
          Left out, no rate to {currency} recorded:{' '}
          {unconverted.map((u) => `${u.currency} (${formatCount(u.ventures)} ventures)`).join(', ')}
          . Record one on the Financial page.
        </p>
      ) : null}
    </div>
  );
}

export function HomePage() {
  const [month, setMonth] = useState('');
  const [currency, setCurrency] = useState(storedReportingCurrency);
  const overview = useQuery(queries.overview(currency, month));
  // Rendered in a transition (in slices, the page stays responsive), not in one long task, after
  // the shell's first paint. The server's own state is Monitoring's, not the portfolio's.
  // The banner of what waits for you and the figures show in one paint: the banner arriving
  // later would push every panel down (a layout shift).
  const waiting = useWaitingForMe();
  const data = useDeferredValue(waiting.settled ? (overview.data ?? null) : null, null);
  const role = useMe().data?.role;
  const canWrite = role === 'admin' || role === 'editor';
  const [creating, setCreating] = useState(false);
  const choices = data
    ? [
        ...new Set([
          data.currency,
          ...data.rates.map((r) => r.currency),
          ...data.unconverted.map((u) => u.currency),
        ]),
      ].sort()
    : [];

  return (
    <>
      <PageHeader
        title="Portfolio"
        intro={
          // The month's line has its place before the overview answers: the header keeps its
          // size (its controls do not wrap to another row and push the page down).
          <>
            Every figure comes from the ventures’ recorded KPIs.
            <span className="intro-line">
              {data
                ? `${formatMonth(data.month)} against ${formatMonth(data.previousMonth)}, in ${data.currency}.`
                : null}
            </span>
          </>
        }
        actions={
          <div className="header-controls">
            <div className="field field-inline">
              <label htmlFor="rollup-month">Month</label>
              <input
                id="rollup-month"
                type="month"
                value={month || data?.month || ''}
                onChange={(e) => setMonth(e.target.value)}
              />
            </div>
            <div className="field field-inline">
              <label htmlFor="reporting-currency">Currency</label>
              <select
                id="reporting-currency"
                value={currency}
                onChange={(e) => {
                  setCurrency(e.target.value);
                  storeReportingCurrency(e.target.value);
                }}
              >
                <option value="">Organisation’s</option>
                {choices.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </div>
          </div>
        }
      />
      {data ? <WaitingForYou canDecide={role === 'admin'} /> : null}
      {!data && !overview.error ? <Loading /> : null}
      {overview.error ? <ErrorNotice error={overview.error} /> : null}
      {data && data.ventures.total === 0 ? (
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
      {data && data.ventures.total > 0 ? (
        <>
          <Panel title="Portfolio" id="portfolio" className="hero">
            <p className="muted small" data-metric="portfolio.month">
              {formatMonth(data.month)} · {data.currency}
            </p>
            <dl className="figures headlines">
              <Headline
                label="MRR"
                figure={data.mrr}
                metric="portfolio.mrr"
                currency={data.currency}
              />
              <Headline
                label="Revenue"
                figure={data.revenue}
                metric="portfolio.revenue"
                currency={data.currency}
              />
              <Headline label="Customers" figure={data.customers} metric="portfolio.customers" />
              <div className="figure headline">
                <dt className="figure-label">Ventures</dt>
                <dd className="figure-value" data-metric="portfolio.ventures">
                  {formatCount(data.ventures.total)}
                </dd>
                <dd className="figure-sub">
                  {formatCount(data.mrr.reporting)} reporting MRR this month
                </dd>
              </div>
            </dl>
            <RatesNote overview={data} />
          </Panel>
          <div className="home-columns">
            <AttentionList overview={data} />
            <Movers overview={data} />
          </div>
          <CategoryTable overview={data} />
          <WhenVisible minHeight={320} margin="0px" label="Charts load when you scroll here.">
            <Suspense fallback={<Loading label="Loading charts…" />}>
              <HomeCharts overview={data} />
            </Suspense>
          </WhenVisible>
        </>
      ) : null}
    </>
  );
}
