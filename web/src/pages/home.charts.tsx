import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { api } from '../api/client.ts';
import { keys } from '../api/queries.ts';
import type { Rollup, RollupHistory } from '../api/types.ts';
import { SERIES_COLOURS } from '../components/chart-colors.ts';
import { ChartTable } from '../components/chart-table.tsx';
import { Panel } from '../components/ui.tsx';
import { formatMoney, formatMonth, moneyToNumber, numberFormat } from '../format.ts';

const TREND_MONTHS = 12;

/**
 * The Home page's charts (Recharts, loaded lazily): the portfolio's MRR over 12 months and MRR
 * per category against the month before, each in one currency at a time. The trend is the
 * roll-up history (`/rollups/history`): one call for the 12 months ending with the grid's month.
 */
export function HomeCharts(props: { rollup: Rollup }) {
  const currencies = props.rollup.portfolio.mrr.map((m) => m.currency);
  const [currency, setCurrency] = useState(currencies[0] ?? '');
  const history = useQuery({
    queryKey: keys.rollupHistory(props.rollup.month, TREND_MONTHS),
    queryFn: ({ signal }) =>
      api.get<RollupHistory>('/api/v1/portfolio/rollups/history', {
        query: { to: props.rollup.month, months: String(TREND_MONTHS) },
        signal,
      }),
  });
  if (!currency) return null;

  const loaded = history.data !== undefined;
  const trend = (history.data?.months ?? []).map((point) => {
    const value = point.mrr.find((m) => m.currency === currency);
    return {
      month: formatMonth(point.month),
      raw: value?.total ?? null,
      value: value ? moneyToNumber(value.total, currency) : null,
    };
  });
  const byCategory = props.rollup.categories.map((group) => {
    const value = group.mrr.find((m) => m.currency === currency);
    return {
      label: group.label,
      current: value ? moneyToNumber(value.current, currency) : 0,
      previous: value ? moneyToNumber(value.previous, currency) : 0,
      rawCurrent: value?.current ?? '0',
      rawPrevious: value?.previous ?? '0',
    };
  });
  const compactMoney = numberFormat({
    style: 'currency',
    currency,
    notation: 'compact',
    maximumFractionDigits: 1,
  });
  const money = (v: number) => compactMoney.format(v);

  return (
    <Panel
      title="MRR"
      id="mrr-charts"
      actions={
        currencies.length > 1 ? (
          <div className="field field-inline">
            <label htmlFor="chart-currency">Currency</label>
            <select
              id="chart-currency"
              value={currency}
              onChange={(e) => setCurrency(e.target.value)}
            >
              {currencies.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </div>
        ) : null
      }
    >
      <div className="charts-2">
        <div>
          <h3 className="chart-title">
            Portfolio MRR, last {TREND_MONTHS} months ({currency})
          </h3>
          <div
            className="chart"
            role="img"
            aria-label={`Line chart of the portfolio MRR in ${currency} over ${TREND_MONTHS} months; the table below has the values`}
          >
            {loaded ? (
              <ResponsiveContainer width="100%" height={220}>
                <LineChart
                  accessibilityLayer={false}
                  data={trend}
                  margin={{ top: 8, right: 12, bottom: 0, left: 4 }}
                >
                  <CartesianGrid vertical={false} className="chart-grid" />
                  <XAxis dataKey="month" tickMargin={6} minTickGap={16} />
                  <YAxis tickFormatter={money} width={64} />
                  <Tooltip
                    formatter={(v) => money(Number(v))}
                    cursor={{ fill: 'rgb(127 127 127 / 0.15)' }}
                  />
                  <Line
                    type="monotone"
                    dataKey="value"
                    name={`MRR (${currency})`}
                    stroke={SERIES_COLOURS[0]}
                    strokeWidth={2}
                    dot={false}
                    isAnimationActive={false}
                    connectNulls
                  />
                </LineChart>
              </ResponsiveContainer>
            ) : (
              <p className="muted small chart-wait">Loading earlier months…</p>
            )}
          </div>
          <ChartTable
            caption={`Portfolio MRR per month in ${currency}`}
            columns={['Month', `MRR (${currency})`]}
            rows={trend.map((point) => ({
              key: point.month,
              cells: [
                point.month,
                point.raw === null ? 'No data' : formatMoney(point.raw, currency),
              ],
            }))}
          />
        </div>
        <div>
          <h3 className="chart-title">
            MRR per category: {formatMonth(props.rollup.month)} vs{' '}
            {formatMonth(props.rollup.previousMonth)} ({currency})
          </h3>
          <div
            className="chart"
            role="img"
            aria-label={`Bar chart of the MRR per category in ${currency}, this month against the month before; the table below has the values`}
          >
            <ResponsiveContainer width="100%" height={300}>
              <BarChart
                accessibilityLayer={false}
                data={byCategory}
                layout="vertical"
                margin={{ top: 4, right: 12, bottom: 0, left: 4 }}
              >
                <CartesianGrid horizontal={false} className="chart-grid" />
                <XAxis type="number" tickFormatter={money} tickMargin={6} />
                <YAxis type="category" dataKey="label" width={84} fontSize={12} />
                <Tooltip
                  formatter={(v) => money(Number(v))}
                  cursor={{ fill: 'rgb(127 127 127 / 0.15)' }}
                />
                <Legend />
                <Bar
                  dataKey="previous"
                  name={formatMonth(props.rollup.previousMonth)}
                  fill={SERIES_COLOURS[1]}
                  isAnimationActive={false}
                />
                <Bar
                  dataKey="current"
                  name={formatMonth(props.rollup.month)}
                  fill={SERIES_COLOURS[0]}
                  isAnimationActive={false}
                />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <ChartTable
            caption={`MRR per category in ${currency}`}
            columns={[
              'Category',
              formatMonth(props.rollup.previousMonth),
              formatMonth(props.rollup.month),
            ]}
            rows={byCategory.map((row) => ({
              key: row.label,
              cells: [
                row.label,
                formatMoney(row.rawPrevious, currency),
                formatMoney(row.rawCurrent, currency),
              ],
            }))}
          />
        </div>
      </div>
    </Panel>
  );
}
