import type { Kpi, Metric } from './api/types.ts';
import {
  formatBasisPoints,
  formatCount,
  formatMoney,
  minorDigits,
  numberFormat,
  shiftDecimal,
} from './format.ts';

/** A KPI value as people read it, from its stored unit (see src/portfolio/README.md). */
export function formatKpi(kpi: Pick<Kpi, 'value' | 'currency'>, unit: Metric['unit']): string {
  switch (unit) {
    case 'money':
      return kpi.currency ? formatMoney(kpi.value, kpi.currency) : kpi.value;
    case 'percent':
      return formatBasisPoints(kpi.value);
    case 'count':
      return formatCount(kpi.value);
    case 'ratio':
      return numberFormat({ maximumFractionDigits: 6 }).format(kpi.value as `${number}`);
  }
}

/** The value in display units as a number, for chart geometry only. */
export function kpiNumber(kpi: Pick<Kpi, 'value' | 'currency'>, unit: Metric['unit']): number {
  switch (unit) {
    case 'money':
      return Number(shiftDecimal(kpi.value, kpi.currency ? minorDigits(kpi.currency) : 2));
    case 'percent':
      return Number(shiftDecimal(kpi.value, 2));
    case 'count':
    case 'ratio':
      return Number(kpi.value);
  }
}

/** "2026-10-01" with period month -> "2026-10". */
export function kpiPeriod(kpi: Pick<Kpi, 'day' | 'period'>): string {
  return kpi.period === 'month' ? kpi.day.slice(0, 7) : kpi.day;
}

/** A metric's values, oldest first; one series per currency for money metrics. */
export interface MetricSeries {
  metric: Metric;
  currency: string | null;
  points: Kpi[];
}
