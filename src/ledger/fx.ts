import { and, desc, eq, lte, or } from 'drizzle-orm';
import { UserError, type DbOrTx } from '../kernel/index.ts';
import { currencyExponent } from './currencies.ts';
import { ledgerFxRates } from './ledger.schema.ts';

/**
 * Exchange-rate arithmetic. A rate is a decimal string ("1.0825": one unit of the base currency
 * is worth 1.0825 units of the quote currency), held as an exact fraction of two bigints; an
 * amount in minor units is converted with integer arithmetic and rounded half to even once, at
 * the end. Minor-unit exponents come from ISO 4217 (`currencies.ts`): USD 2, JPY 0, BHD 3.
 */

/** An exact positive rational: `numerator / denominator`. */
export interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

/** A rate as used for a conversion, with where it came from. */
export interface AppliedRate {
  base: string;
  quote: string;
  /** The recorded decimal, as stored (for the inverse of a recorded pair: that pair's rate). */
  rate: string;
  /** The day the recorded rate took effect. */
  effectiveOn: string;
  /** True when only the opposite pair was recorded and its inverse is used. */
  inverted: boolean;
  fraction: Fraction;
}

const DECIMAL = /^(\d{1,18})(?:\.(\d{1,12}))?$/;

/**
 * Digits after the decimal point of a currency's minor unit (2 for EUR, 0 for JPY), from the
 * ISO 4217 table (`currencies.ts`).
 * @throws UserError `currency_invalid` for a code that is not an active ISO 4217 currency.
 */
export const minorUnitExponent = currencyExponent;

/**
 * Parses a positive decimal rate ("1.0825", at most 12 decimals) into an exact fraction.
 * @throws UserError naming `path` when it is not one.
 */
export function parseRate(rate: string, path = 'rate'): Fraction {
  const match = DECIMAL.exec(rate);
  if (!match) {
    throw invalidRate(path, 'must be a positive decimal with at most 12 decimals, e.g. "1.0825"');
  }
  const decimals = match[2] ?? '';
  const numerator = BigInt(match[1]! + decimals);
  if (numerator === 0n) throw invalidRate(path, 'must be greater than zero');
  return { numerator, denominator: 10n ** BigInt(decimals.length) };
}

/** The rate as the database returns a `numeric(30,12)`: trailing zeros dropped ("1.0825"). */
export function normaliseRate(stored: string): string {
  return stored.includes('.') ? stored.replace(/\.?0+$/, '') : stored;
}

export function invert(fraction: Fraction): Fraction {
  return { numerator: fraction.denominator, denominator: fraction.numerator };
}

/**
 * Converts `amount` minor units of `from` into minor units of `to` at `rate` (units of `to` per
 * unit of `from`), rounding half to even.
 * @example convertMinor(100_00n, 'EUR', 'JPY', parseRate('161.5')) // 16150n
 */
export function convertMinor(amount: bigint, from: string, to: string, rate: Fraction): bigint {
  const shift = minorUnitExponent(to) - minorUnitExponent(from);
  let numerator = amount * rate.numerator;
  let denominator = rate.denominator;
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  return divideHalfEven(numerator, denominator);
}

/** `numerator / denominator` rounded half to even (`denominator` > 0). */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let quotient = n / denominator;
  const twice = (n % denominator) * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) quotient += 1n;
  return negative ? -quotient : quotient;
}

/**
 * The rate from `base` to `quote` in force on `day` (`YYYY-MM-DD`): the latest recorded on or
 * before it for the pair, or else the inverse of the latest recorded for the opposite pair (a
 * direct rate wins over an inverse one of the same or an earlier day). Undefined when neither
 * pair has a rate by then.
 */
export async function rateOn(
  db: DbOrTx,
  orgId: string,
  base: string,
  quote: string,
  day: string,
): Promise<AppliedRate | undefined> {
  if (base === quote) {
    const one = { numerator: 1n, denominator: 1n };
    return { base, quote, rate: '1', effectiveOn: day, inverted: false, fraction: one };
  }
  const rows = await db
    .select({
      base: ledgerFxRates.base,
      rate: ledgerFxRates.rate,
      effectiveOn: ledgerFxRates.effectiveOn,
    })
    .from(ledgerFxRates)
    .where(
      and(
        eq(ledgerFxRates.orgId, orgId),
        or(
          and(eq(ledgerFxRates.base, base), eq(ledgerFxRates.quote, quote)),
          and(eq(ledgerFxRates.base, quote), eq(ledgerFxRates.quote, base)),
        ),
        lte(ledgerFxRates.effectiveOn, day),
      ),
    )
    .orderBy(desc(ledgerFxRates.effectiveOn), desc(eq(ledgerFxRates.base, base)))
    .limit(1);
  const row = rows[0];
  if (!row) return undefined;
  const rate = normaliseRate(row.rate);
  const recorded = parseRate(rate);
  const inverted = row.base !== base;
  return {
    base,
    quote,
    rate,
    effectiveOn: row.effectiveOn,
    inverted,
    fraction: inverted ? invert(recorded) : recorded,
  };
}

/**
 * Like `rateOn`, for when a conversion cannot go on without a rate.
 * @throws UserError `ledger_fx_rate_missing` (422) naming the pair and day.
 */
export async function requireRateOn(
  db: DbOrTx,
  orgId: string,
  base: string,
  quote: string,
  day: string,
): Promise<AppliedRate> {
  const found = await rateOn(db, orgId, base, quote, day);
  if (found) return found;
  throw new UserError(
    'ledger_fx_rate_missing',
    `No ${base}/${quote} exchange rate (or ${quote}/${base}) is recorded on or before ${day}`,
    { status: 422, details: [{ path: 'currency', message: `record a ${base}/${quote} rate` }] },
  );
}

/** The UTC calendar day of an instant, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function invalidRate(path: string, message: string): UserError {
  return new UserError('validation_failed', `${path} ${message}`, {
    details: [{ path, message }],
  });
}
