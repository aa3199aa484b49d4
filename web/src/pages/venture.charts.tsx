import {
  Area,
  AreaChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { SERIES_COLOURS } from '../components/chart-colors.ts';
import { ChartTable } from '../components/chart-table.tsx';
import { Panel } from '../components/ui.tsx';
import { numberFormat } from '../format.ts';
import { formatKpi, kpiNumber, kpiPeriod, type MetricSeries } from '../kpi-values.ts';

/** The unit the vertical axis counts in: the currency, percent, or a count. */
function unitOf(s: MetricSeries): string {
  if (s.currency) return s.currency;
  if (s.metric.unit === 'percent') return '%';
  return s.metric.unit === 'count' ? 'count' : '';
}

/** One area chart per metric (and currency), each with its table alternative. */
export function VentureCharts(props: { series: MetricSeries[] }) {
  return (
    <div className="chart-grid-list">
      {props.series.map((s, index) => {
        const title = `${s.metric.label}${s.currency ? ` (${s.currency})` : ''}`;
        const colour = SERIES_COLOURS[index % SERIES_COLOURS.length];
        const data = s.points.map((p) => ({
          period: kpiPeriod(p),
          value: kpiNumber(p, s.metric.unit),
          text: formatKpi(p, s.metric.unit),
        }));
        const first = data[0];
        const last = data[data.length - 1];
        const id = `chart-${s.metric.key}-${s.currency ?? 'x'}`;
        return (
          <Panel key={id} title={title} id={id} headingLevel={3} className="chart-panel">
            <p className="muted small">
              {data.length} values
              {first && last
                ? `, from ${first.text} (${first.period}) to ${last.text} (${last.period})`
                : ''}
              .
            </p>
            <div
              className="chart"
              role="img"
              aria-label={`Area chart of ${title}; the table below has the values`}
            >
              <ResponsiveContainer width="100%" height={180}>
                <AreaChart
                  accessibilityLayer={false}
                  data={data}
                  margin={{ top: 6, right: 8, bottom: 0, left: 0 }}
                >
                  <defs>
                    <linearGradient id={`${id}-fill`} x1="0" y1="0" x2="0" y2="1">
                      <stop offset="0%" stopColor={colour} stopOpacity={0.45} />
                      <stop offset="100%" stopColor={colour} stopOpacity={0.02} />
                    </linearGradient>
                  </defs>
                  <CartesianGrid vertical={false} className="chart-grid" />
                  <XAxis dataKey="period" minTickGap={18} tickMargin={6} fontSize={11} />
                  <YAxis
                    width={60}
                    fontSize={11}
                    tickFormatter={(v: number) => compact(v)}
                    label={{
                      value: unitOf(s),
                      angle: -90,
                      position: 'insideLeft',
                      className: 'chart-axis-unit',
                    }}
                  />
                  <Tooltip
                    formatter={(_v, _n, item) => (item.payload as { text: string }).text}
                    labelFormatter={(label: unknown) => (typeof label === 'string' ? label : '')}
                  />
                  <Area
                    type="monotone"
                    dataKey="value"
                    name={title}
                    stroke={colour}
                    strokeWidth={2}
                    fill={`url(#${id}-fill)`}
                    isAnimationActive={false}
                  />
                </AreaChart>
              </ResponsiveContainer>
            </div>
            <ChartTable
              caption={`${title} over time`}
              columns={['Period', title]}
              rows={data.map((d) => ({ key: d.period, cells: [d.period, d.text] }))}
            />
          </Panel>
        );
      })}
    </div>
  );
}

function compact(value: number): string {
  return numberFormat({ notation: 'compact', maximumFractionDigits: 1 }).format(value);
}
