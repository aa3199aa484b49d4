/**
 * Arithmetic on the ledger's amounts as the dashboard receives them (decimal strings of minor
 * units), exact with bigints: never through floating point.
 */

/** Whether a minor-unit string is zero ("0", "-0", "000"). */
export function isZero(minor: string): boolean {
  return /^-?0+$/.test(minor);
}

/**
 * The change from `previous` to `last`: the difference in minor units, and that difference as
 * basis points of the previous amount's size, rounded half away from zero; null when the
 * previous amount is zero (no percentage of nothing).
 * @example change('1500', '1000') // { amount: '500', basisPoints: '5000' } (+50.0 %)
 * @example change('-500', '1000') // { amount: '-1500', basisPoints: '-15000' } (-150.0 %)
 */
export function change(
  last: string,
  previous: string,
): { amount: string; basisPoints: string | null } {
  const diff = BigInt(last) - BigInt(previous);
  const base = BigInt(previous);
  if (base === 0n) return { amount: diff.toString(), basisPoints: null };
  const size = base < 0n ? -base : base;
  const magnitude = ((diff < 0n ? -diff : diff) * 20_000n + size) / (2n * size);
  return {
    amount: diff.toString(),
    basisPoints: (diff < 0n ? -magnitude : magnitude).toString(),
  };
}
