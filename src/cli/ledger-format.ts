import { ErrorCodes, UserError } from '../kernel/index.ts';
import { isCurrency } from '../ledger/currencies.ts';
import { minorUnitExponent } from '../ledger/fx.ts';

/**
 * Money and text formats of `iza ledger`: amounts typed and shown in major units ("12.50 EUR")
 * while the API speaks integer minor units ("1250"), converted with string and bigint arithmetic
 * only, never through a float; and the CSV the list commands write and `transfer import` reads.
 */

const MAJOR = /^(\d+)(?:\.(\d+))?$/;

/** Digits after the decimal point of `currency` (2 for EUR, 0 for JPY, 3 for BHD). */
export function exponentOf(currency: string): number {
  if (!isCurrency(currency)) {
    throw new UserError(
      'currency_invalid',
      `currency "${currency}" must be an active ISO 4217 currency code, e.g. EUR`,
    );
  }
  return minorUnitExponent(currency);
}

/**
 * Minor units of a positive amount typed in major units.
 * @example toMinor('12.50', 'EUR') // 1250n; toMinor('12.345', 'EUR') throws; toMinor('500', 'JPY') // 500n
 * @throws UserError `amount_invalid` when it is not a positive decimal with at most the
 *   currency's number of decimals (trailing zeros beyond them are accepted).
 */
export function toMinor(text: string, currency: string, what = 'amount'): bigint {
  const exponent = exponentOf(currency);
  const match = MAJOR.exec(text.trim());
  const example = exponent === 0 ? '1250' : `12.${'5'.padEnd(exponent, '0')}`;
  if (!match) {
    throw amountInvalid(
      `${what} "${text}" is not a decimal amount in ${currency}, e.g. ${example}`,
    );
  }
  const whole = match[1]!;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) {
    throw amountInvalid(
      exponent === 0
        ? `${what} "${text}": ${currency} has no minor unit, so the amount must be whole`
        : `${what} "${text}": ${currency} has ${exponent} decimal${exponent === 1 ? '' : 's'}, so the amount cannot have more (e.g. ${example})`,
    );
  }
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'));
  if (minor === 0n) throw amountInvalid(`${what} must be greater than zero`);
  return minor;
}

function amountInvalid(message: string): UserError {
  return new UserError('amount_invalid', message, { details: [{ path: 'amount', message }] });
}

/**
 * Minor units written in major units, without the currency: `-1234.50`.
 * @example toMajor('-123450', 'EUR') // '-1234.50'
 */
export function toMajor(minor: string | bigint, currency: string): string {
  const exponent = isCurrency(currency) ? minorUnitExponent(currency) : 2;
  const value = BigInt(minor);
  const digits = (value < 0n ? -value : value).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(digits.length - exponent)}`;
  return `${value < 0n ? '-' : ''}${whole}${fraction}`;
}

/** `1234.50 EUR`; an empty string for a missing amount. */
export function money(minor: string | bigint | null | undefined, currency: string | null): string {
  if (minor === null || minor === undefined || currency === null) return '';
  return `${toMajor(minor, currency)} ${currency}`;
}

/**
 * An ISO 8601 instant for the API from a day (`2026-03-31`, midnight UTC) or a date-time with an
 * offset (`2026-03-31T12:00:00+02:00`).
 */
export function toInstant(text: string, what = 'effectiveAt'): string {
  const value = text.trim();
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(
    value,
  );
  const parsed = new Date(day ? `${value}T00:00:00Z` : value);
  if ((!day && !dateTime) || Number.isNaN(parsed.getTime())) {
    throw new UserError(
      ErrorCodes.validationFailed,
      `${what} "${text}" must be a day (2026-03-31) or a date-time with an offset (2026-03-31T12:00:00Z)`,
    );
  }
  return parsed.toISOString();
}

/** RFC 4180 CSV: a header row, then one line per row; fields quoted only when they need it. */
export function toCsv(head: string[], rows: (string | number | boolean | null)[][]): string {
  const field = (value: string | number | boolean | null) => {
    const text = value === null ? '' : String(value);
    return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [head, ...rows].map((row) => row.map(field).join(',')).join('\n');
}

/**
 * Parses RFC 4180 CSV (quoted fields with `""` escapes and line breaks, CRLF or LF) into rows of
 * fields. Blank lines are skipped.
 * @throws UserError on an unterminated quoted field.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') endRow();
    else if (char !== '\r' || text[i + 1] !== '\n') field += char;
  }
  if (quoted) throw new UserError(ErrorCodes.validationFailed, 'CSV: a quoted field is not closed');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}
