import { ErrorCodes, UserError } from '../kernel/index.ts';
import { utcDay } from './fx.ts';
import type { PeriodUnit, ReportKind, ReportQuery } from './reports.types.ts';

/** The days a report covers (UTC, inclusive), resolved from its query. */
export interface Period {
  /** Null for a report as of a day. */
  from: string | null;
  to: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days a report covers. Balance sheet: as of `asOf` (or `to`; default today). Trial
 * balance: as of `asOf`, or from `from` to `to` when `from` is given. Profit and loss and cash
 * flow: `from` (default 1 January of `to`'s year) to `to` (default today).
 */
export function resolvePeriod(kind: ReportKind, query: ReportQuery, today: string): Period {
  const { from, to, asOf } = query;
  if (asOf !== undefined && (from !== undefined || to !== undefined)) {
    throw invalid('asOf', 'goes without from and to');
  }
  switch (kind) {
    case 'balance-sheet':
      if (from !== undefined) throw invalid('from', 'a balance sheet is as of a day: use asOf');
      return { from: null, to: checkDay(asOf ?? to ?? today, asOf ? 'asOf' : 'to') };
    case 'trial-balance':
      if (from === undefined) {
        return { from: null, to: checkDay(asOf ?? to ?? today, asOf ? 'asOf' : 'to') };
      }
      return rangeOf(from, to, today);
    case 'profit-and-loss':
    case 'cash-flow':
      if (asOf !== undefined) throw invalid('asOf', 'this report covers a range: use from and to');
      return rangeOf(from, to, today);
  }
}

export function rangeOf(from: string | undefined, to: string | undefined, today: string) {
  const end = checkDay(to ?? today, 'to');
  const start = checkDay(from ?? `${end.slice(0, 4)}-01-01`, 'from');
  if (start > end) throw invalid('from', `must not be after to (${end})`);
  return { from: start, to: end };
}

export function checkDay(value: string, path: string): string {
  const at = new Date(`${value}T00:00:00.000Z`);
  if (!DAY.test(value) || Number.isNaN(at.getTime()) || utcDay(at) !== value) {
    throw invalid(path, 'must be a calendar day, YYYY-MM-DD');
  }
  return value;
}

export function invalid(path: string, message: string): UserError {
  return new UserError(ErrorCodes.validationFailed, `${path} ${message}`, {
    details: [{ path, message }],
  });
}

/** The day before `day` (`YYYY-MM-DD`, UTC). */
export function previousDay(day: string): string {
  const at = new Date(`${day}T00:00:00.000Z`);
  at.setUTCDate(at.getUTCDate() - 1);
  return at.toISOString().slice(0, 10);
}

/** The instant a day starts (UTC). */
export function startOfDay(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}

/** The instant after a day ends (UTC): the exclusive end of a range that includes `day`. */
export function endOfDay(day: string): Date {
  const at = startOfDay(day);
  at.setUTCDate(at.getUTCDate() + 1);
  return at;
}

/** A calendar period of a comparative statement (days UTC, inclusive). */
export interface CalendarPeriod {
  from: string;
  to: string;
  /** True when `to` comes before the period's calendar end. */
  partial: boolean;
}

const MONTHS: Record<PeriodUnit, number> = { month: 1, quarter: 3, year: 12 };

/**
 * The last `count` calendar months, quarters or years up to `to`, oldest first: the last one is
 * the period holding `to` and ends on it (partial unless `to` is its calendar end), the others
 * are whole. Quarters start in January, April, July and October; years on 1 January.
 * @example lastPeriods('quarter', 2, '2026-05-10')
 *   // [{ from: '2026-01-01', to: '2026-03-31', partial: false },
 *   //  { from: '2026-04-01', to: '2026-05-10', partial: true }]
 */
export function lastPeriods(unit: PeriodUnit, count: number, to: string): CalendarPeriod[] {
  const step = MONTHS[unit];
  const year = Number(to.slice(0, 4));
  const month = Number(to.slice(5, 7)) - 1;
  // Months since year 0 of the first month of the period holding `to`.
  const last = year * 12 + month - (month % step);
  const first = (index: number) => {
    const m = last - index * step;
    return `${String(Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}-01`;
  };
  const periods: CalendarPeriod[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const end = previousDay(first(i - 1));
    periods.push({ from: first(i), to: i === 0 ? to : end, partial: i === 0 && to !== end });
  }
  return periods;
}

/** An account balance's window: `asOf` a day or an instant (default `now`), or a range of days. */
export function balanceWindow(
  range: { asOf?: string; from?: string; to?: string },
  now: Date,
): { from: string | null; asOf: string; end: Date } {
  if (range.from !== undefined || range.to !== undefined) {
    if (range.asOf !== undefined) throw invalid('asOf', 'goes without from and to');
    const period = rangeOf(range.from, range.to, utcDay(now));
    return { from: period.from, asOf: period.to, end: endOfDay(period.to) };
  }
  if (range.asOf !== undefined && DAY.test(range.asOf)) {
    const day = checkDay(range.asOf, 'asOf');
    return { from: null, asOf: day, end: endOfDay(day) };
  }
  const at = range.asOf === undefined ? now : new Date(range.asOf);
  if (Number.isNaN(at.getTime())) {
    throw invalid('asOf', 'must be a day (YYYY-MM-DD) or an ISO 8601 date-time');
  }
  // Inclusive: effective dates are stored from JavaScript dates, to the millisecond.
  return { from: null, asOf: at.toISOString(), end: new Date(at.getTime() + 1) };
}
