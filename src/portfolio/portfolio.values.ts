import { minorUnitExponent } from '../ledger/index.ts';
import type { MetricUnit } from './portfolio.types.ts';

/**
 * Exact conversions of KPI values and dates, without floats. Stored values are decimal strings
 * in the metric's unit (`METRIC_UNITS`); people type money in major units and percentages in
 * percent, which `fromDisplay` turns into minor units and basis points.
 */

const DECIMAL = /^-?\d{1,30}(\.\d{1,6})?$/;
const INTEGER = /^-?\d{1,30}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
export const CURRENCY = /^[A-Z]{3}$/;

/** Why a stored value is not valid for its unit, or undefined when it is. */
export function storedValueProblem(unit: MetricUnit, value: string): string | undefined {
  if (unit === 'ratio') {
    return DECIMAL.test(value) ? undefined : 'must be a decimal number with at most 6 decimals';
  }
  if (!INTEGER.test(value)) {
    const what = unit === 'money' ? 'minor units' : unit === 'percent' ? 'basis points' : 'a count';
    return `must be a whole number (${what})`;
  }
  if (unit === 'count' && value.startsWith('-')) return 'must not be negative';
  return undefined;
}

/**
 * A value as people type it (money in major units, percent in percent) in the stored unit.
 * @example fromDisplay('money', '12.50', 'EUR') // '1250'
 * @example fromDisplay('percent', '2.5') // '250'
 */
export function fromDisplay(
  unit: MetricUnit,
  text: string,
  currency?: string,
): { value: string } | { problem: string } {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return { problem: `"${text}" is not a number` };
  switch (unit) {
    case 'money': {
      if (!currency || !CURRENCY.test(currency)) return { problem: 'needs a currency' };
      return shift(trimmed, minorUnitExponent(currency), `${currency} amounts`);
    }
    case 'percent':
      return shift(trimmed, 2, 'percentages');
    case 'count':
      return INTEGER.test(trimmed) && !trimmed.startsWith('-')
        ? { value: normalise(trimmed) }
        : { problem: `"${text}" is not a whole, non-negative number` };
    case 'ratio':
      return { value: trimmed };
  }
}

/** A stored value for people: money in major units, percent in percent. */
export function toDisplay(unit: MetricUnit, value: string, currency?: string | null): string {
  if (unit === 'money' && currency) return unshift(value, minorUnitExponent(currency));
  if (unit === 'percent') return `${unshift(value, 2)}%`;
  return value;
}

/** `text` times 10^places, exactly, when it has at most `places` decimals. */
function shift(
  text: string,
  places: number,
  what: string,
): { value: string } | { problem: string } {
  const [whole, fraction = ''] = text.split('.');
  if (fraction.length > places) {
    return { problem: `has more than ${places} decimals, too many for ${what}` };
  }
  return { value: normalise(`${whole}${fraction.padEnd(places, '0')}`) };
}

function unshift(value: string, places: number): string {
  const integer = value.split('.')[0]!;
  const negative = integer.startsWith('-');
  const digits = (negative ? integer.slice(1) : integer).padStart(places + 1, '0');
  const result = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return negative ? `-${result}` : result;
}

function normalise(integer: string): string {
  return BigInt(integer).toString();
}

/** The numeric column's text (`1250.000000`) as the API shows it: no trailing zeros. */
export function fromColumn(value: string): string {
  if (!value.includes('.')) return value;
  const trimmed = value.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

/**
 * A KPI date: `YYYY-MM-DD` (a day) or `YYYY-MM` (a month, stored as its first day).
 * @returns undefined when it is not a real calendar date.
 */
export function parseKpiDay(text: string): { day: string; period: 'day' | 'month' } | undefined {
  const month = MONTH.exec(text);
  if (month) {
    const m = Number(month[2]);
    return m >= 1 && m <= 12 ? { day: `${text}-01`, period: 'month' } : undefined;
  }
  const day = DAY.exec(text);
  if (!day) return undefined;
  const at = new Date(`${text}T00:00:00.000Z`);
  return Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== text
    ? undefined
    : { day: text, period: 'day' };
}

/** `YYYY-MM` of a day or month. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

/** The month `delta` months after `month` (`YYYY-MM`). */
export function addMonths(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + delta;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

const MONTH_NAMES = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
];

/**
 * A month in prose, the way the dashboard writes dates: `2026-11` -> "Nov 2026".
 * @example monthLabel('2026-02') // 'Feb 2026'
 */
export function monthLabel(month: string): string {
  const [year, m] = month.split('-');
  return `${MONTH_NAMES[Number(m) - 1] ?? m} ${year}`;
}

/**
 * A day in prose: `2026-11-30` -> "Nov 30, 2026".
 * @example dayLabel('2026-03-05') // 'Mar 5, 2026'
 */
export function dayLabel(day: string): string {
  const [year, m, d] = day.split('-');
  return `${MONTH_NAMES[Number(m) - 1] ?? m} ${Number(d)}, ${year}`;
}

/** Change in basis points, rounded half away from zero; null without a positive base. */
export function growthBp(current: bigint, previous: bigint): number | null {
  if (previous <= 0n) return null;
  const delta = (current - previous) * 10_000n;
  const half = previous / 2n;
  return Number((delta + (delta >= 0n ? half : -half)) / previous);
}

/** Orders ids and ISO dates as text (`localeCompare` is many times slower over thousands). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
