import { data as isoCurrencies } from 'currency-codes';
/**
 * Formatting of the API's exact values. Money arrives as decimal strings of integer minor units
 * and percentages as basis points: they are shifted as strings (no float arithmetic) and handed
 * to `Intl.NumberFormat` as decimal strings, which it formats exactly.
 */
const LOCALE = undefined; // the browser's

/**
 * Starts loading the browser's locale data for `Intl` in a worker (see intl-warm.worker.ts):
 * call before the first figure is formatted. Where workers are missing or refused, the first
 * formatter loads the data itself, as it would anyway.
 */
export function warmFormatters(): void {
  if (typeof Worker !== 'function') return;
  try {
    new Worker(new URL('./intl-warm.worker.ts', import.meta.url), { type: 'module' });
  } catch {
    // The first formatter on the main thread loads the data.
  }
}

const formatters = new Map<string, Intl.NumberFormat>();
const dateFormatters = new Map<string, Intl.DateTimeFormat>();
function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify(options);
  let formatter = dateFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(LOCALE, options);
    dateFormatters.set(key, formatter);
  }
  return formatter;
}

/** Intl.NumberFormat instances are costly to build: one per distinct options, reused. */
export function numberFormat(options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = JSON.stringify(options);
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(LOCALE, options);
    formatters.set(key, formatter);
  }
  return formatter;
}

/** ISO 4217 minor-unit digits: the same table as the server's ledger (`currency-codes`). */
const ISO_DIGITS: ReadonlyMap<string, number> = new Map(
  isoCurrencies.map((c) => [c.code, c.digits] as const),
);
const fractionCache = new Map<string, number>();
/**
 * Minor-unit digits of a currency (2 for EUR, 0 for JPY, 3 for BHD) as ISO 4217 gives them, as
 * the server stores money; Intl's own (which differs for some currencies) only for a code ISO
 * does not list.
 */
export function minorDigits(currency: string): number {
  const iso = ISO_DIGITS.get(currency);
  if (iso !== undefined) return iso;
  let digits = fractionCache.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    fractionCache.set(currency, digits);
  }
  return digits;
}

/** Moves the decimal point of an integer or decimal string `places` to the left. */
export function shiftDecimal(value: string, places: number): `${number}` {
  const negative = value.startsWith('-');
  const [intPart = '0', fracPart = ''] = (negative ? value.slice(1) : value).split('.');
  const digits = intPart + fracPart;
  const point = intPart.length - places;
  const padded = point <= 0 ? '0'.repeat(1 - point) + digits : digits;
  const at = Math.max(point, 1);
  const whole = padded.slice(0, at).replace(/^0+(?=\d)/, '');
  const fraction = padded.slice(at);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}` as `${number}`;
}

/** Minor units (string) of a currency, formatted as money: "301806270" EUR -> "€3,018,062.70". */
export function formatMoney(minor: string, currency: string, compact = false): string {
  const digits = minorDigits(currency);
  const major = shiftDecimal(minor, digits);
  // The currency's ISO digits, not Intl's (they differ for a few currencies).
  const options: Intl.NumberFormatOptions = {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  };
  if (compact) {
    options.notation = 'compact';
    options.minimumFractionDigits = 0;
    options.maximumFractionDigits = 1;
  }
  try {
    return numberFormat(options).format(major);
  } catch {
    return `${major} ${currency}`;
  }
}

/** A change in minor units with its sign: "+€1,200.00", "-€35.50", "€0.00". */
export function formatMoneyChange(minor: string, currency: string): string {
  const digits = minorDigits(currency);
  try {
    return numberFormat({
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      signDisplay: 'exceptZero',
    }).format(shiftDecimal(minor, digits));
  } catch {
    return `${minor.startsWith('-') ? '' : '+'}${formatMoney(minor, currency)}`;
  }
}

/** A change in basis points (a decimal string) as a signed percentage, 1 decimal: "+12.5%". */
export function formatChangePercent(basisPoints: string | null): string {
  if (basisPoints === null) return 'n/a';
  return numberFormat({
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  }).format(shiftDecimal(basisPoints, 4));
}

/** Minor units as a plain number of major units, for chart geometry only (never for sums). */
export function moneyToNumber(minor: string, currency: string): number {
  return Number(shiftDecimal(minor, minorDigits(currency)));
}

export function formatCount(value: string | number): string {
  return numberFormat().format(typeof value === 'number' ? value : (value as `${number}`));
}

/** Basis points (string or integer) as a percentage: 458.25 -> "4.58 %". */
export function formatBasisPoints(bp: string | number, digits = 2): string {
  const percent = shiftDecimal(String(bp), 4);
  return numberFormat({
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(percent);
}

/** A growth in basis points with its sign: 418 -> "+4.18 %". */
export function formatGrowth(bp: number | null): string {
  if (bp === null) return 'n/a';
  const text = formatBasisPoints(Math.abs(bp));
  return `${bp > 0 ? '+' : bp < 0 ? '−' : '±'}${text}`;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A day ("2026-01-31", as the ledger's UTC days are written) or an instant, as a date. A day is
 * shown as itself, whatever the browser's time zone (west of UTC, its midnight UTC is the
 * evening before).
 */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat(
    DAY.test(iso) ? { dateStyle: 'medium', timeZone: 'UTC' } : { dateStyle: 'medium' },
  ).format(date);
}

/** A ledger day without its year: "2026-04-15" -> "Apr 15". */
export function formatDayMonth(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  if (!DAY.test(day) || Number.isNaN(date.getTime())) return day;
  return dateFormat({ month: 'short', day: 'numeric', timeZone: 'UTC' }).format(date);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat({ dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** "2026-10" -> "Oct 2026". */
export function formatMonth(month: string): string {
  const [year, m] = month.split('-').map(Number);
  if (!year || !m) return month;
  return dateFormat({
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(Date.UTC(year, m - 1, 1));
}

export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${seconds} s`;
}

/**
 * An amount typed in major units ("12.50") as integer minor units of `currency` ("1250"),
 * exactly; null when it is not a plain non-negative number or has too many decimals.
 */
export function majorToMinor(text: string, currency: string): string | null {
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return null;
  const digits = minorDigits(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  return (match[1]! + fraction.padEnd(digits, '0')).replace(/^0+(?=\d)/, '');
}
