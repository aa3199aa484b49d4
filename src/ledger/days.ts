import { invalid } from './transfers.input.ts';

/**
 * Calendar days as the ledger stores them (`date` columns, UTC): `YYYY-MM-DD` strings, which
 * compare correctly as strings.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `value` is a real calendar day written `YYYY-MM-DD` (not "2026-02-30"). */
export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** @throws UserError `validation_failed` naming `path` when `value` is not a day. */
export function requireDay(value: string, path: string): string {
  if (!isDay(value)) throw invalid(path, 'must be a calendar day written YYYY-MM-DD');
  return value;
}
