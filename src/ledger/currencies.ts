import currencyCodes from 'currency-codes';
import { z } from 'zod';
import { ErrorCodes, UserError } from '../kernel/index.ts';

/**
 * ISO 4217 currencies as money may be held in: the active codes of the standard's list one
 * with their minor-unit exponents, from the `currency-codes` package (which ingests the ISO
 * maintenance agency's `list_one.xml`; its `publishDate` says which edition). The codes that
 * list gives no minor unit ("N.A.": precious metals, bond-market units, SDR, the test code `XTS`
 * and `XXX`, "no currency") are not money in minor units and are refused. The one table every
 * module uses: entities, accounts, transfers, rates, reports, budgets.
 */

/** List one's codes whose minor unit is "N.A." (the package gives them 0 digits). */
const NO_MINOR_UNIT: ReadonlySet<string> = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
]);

const EXPONENTS: ReadonlyMap<string, number> = new Map(
  currencyCodes.data
    .filter((c) => !NO_MINOR_UNIT.has(c.code))
    .map((c) => [c.code, c.digits] as const),
);

/** The edition of ISO 4217 list one the table follows (`YYYY-MM-DD`). */
export const ISO_4217_EDITION: string = currencyCodes.publishDate;

/** Whether `code` is an active ISO 4217 currency with a minor unit (`EUR`, not `QQQ` or `XXX`). */
export function isCurrency(code: string): boolean {
  return EXPONENTS.has(code);
}

/**
 * Digits after the decimal point of a currency's minor unit (EUR 2, JPY 0, BHD 3, CLF 4).
 * @throws UserError (400) for a code that is not an active ISO 4217 currency.
 */
export function currencyExponent(code: string): number {
  const exponent = EXPONENTS.get(code);
  if (exponent === undefined) throw currencyInvalid('currency', code);
  return exponent;
}

/**
 * Minor units written in major units with the currency: `-1234.50 EUR`, `500 JPY`.
 * @example formatMinor(-123450n, 'EUR') // '-1234.50 EUR'
 */
export function formatMinor(minor: bigint, currency: string): string {
  const exponent = EXPONENTS.get(currency) ?? 0;
  const digits = (minor < 0n ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(digits.length - exponent)}`;
  return `${minor < 0n ? '-' : ''}${whole}${fraction} ${currency}`;
}

/** Every currency of the table, sorted. */
export function currencies(): string[] {
  return [...EXPONENTS.keys()].sort();
}

/** The 400 for a field whose value is not an active ISO 4217 currency. */
export function currencyInvalid(field: string, value: string): UserError {
  const message = 'must be an active ISO 4217 currency code with a minor unit, e.g. "EUR"';
  return new UserError(ErrorCodes.validationFailed, `${field} ${message}: "${value}" is not one`, {
    details: [{ path: field, message }],
  });
}

/** Checks a currency code where it enters. @throws UserError (400) naming `field`. */
export function requireCurrency(value: string, field: string): string {
  if (!isCurrency(value)) throw currencyInvalid(field, value);
  return value;
}

/** A zod field for a currency code: refuses anything but an active ISO 4217 currency. */
export const currencyCode = z
  .string()
  .refine(isCurrency, 'must be an active ISO 4217 currency code with a minor unit, e.g. "EUR"');
