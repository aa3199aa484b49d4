import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Overview } from '../api/types.ts';
import { SERIES_COLOURS } from '../components/chart-colors.ts';
import { ChartTable } from '../components/chart-table.tsx';
import { Panel } from '../components/ui.tsx';
import { formatMoney, formatMonth, moneyToNumber, numberFormat } from '../format.ts';

/**
 * The portfolio's MRR and revenue over the overview's twelve months in its reporting currency
 * (Recharts, loaded lazily), each month converted at its own month-end rates; the table under
 * the chart holds the exact figures.
 */
export function HomeCharts(props: { overview: Overview }) {
  const { overview } = props;
  const currency = overview.currency;
  const rows = overview.mrr.series.map((point, i) => {
    const revenue = overview.revenue.series[i];
    return {
      month: formatMonth(point.month),
      mrr: point.reporting === 0 ? null : moneyToNumber(point.value, currency),
      revenue: !revenue || revenue.reporting === 0 ? null : moneyToNumber(revenue.value, currency),
      rawMrr: point.reporting === 0 ? null : point.value,
      rawRevenue: !revenue || revenue.reporting === 0 ? null : revenue.value,
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
    <Panel title="Trend" id="trend">
      <h3 className="chart-title">
        MRR and revenue, last {rows.length} months ({currency} per month)
      </h3>
      <div
        className="chart"
        role="img"
        aria-label={`Line chart of the portfolio's MRR and revenue in ${currency} over ${rows.length} months; the table below has the values`}
      >
        <ResponsiveContainer width="100%" height={260}>
          <LineChart
            accessibilityLayer={false}
            data={rows}
            margin={{ top: 8, right: 12, bottom: 0, left: 4 }}
          >
            <CartesianGrid vertical={false} className="chart-grid" />
            <XAxis dataKey="month" tickMargin={6} minTickGap={16} />
            <YAxis
              tickFormatter={money}
              width={72}
              label={{
                value: currency,
                angle: -90,
                position: 'insideLeft',
                className: 'chart-axis-unit',
              }}
            />
            <Tooltip formatter={(v) => money(Number(v))} />
            <Legend />
            <Line
              type="monotone"
              dataKey="mrr"
              name={`MRR (${currency})`}
              stroke={SERIES_COLOURS[0]}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
            <Line
              type="monotone"
              dataKey="revenue"
              name={`Revenue (${currency})`}
              stroke={SERIES_COLOURS[1]}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ChartTable
        caption={`Portfolio MRR and revenue per month in ${currency}`}
        columns={['Month', `MRR (${currency})`, `Revenue (${currency})`]}
        rows={rows.map((row) => ({
          key: row.month,
          cells: [
            row.month,
            row.rawMrr === null ? 'No data' : formatMoney(row.rawMrr, currency),
            row.rawRevenue === null ? 'No data' : formatMoney(row.rawRevenue, currency),
          ],
        }))}
      />
    </Panel>
  );
}
