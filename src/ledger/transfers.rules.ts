import { UserError } from '../kernel/index.ts';
import { isCurrency } from './currencies.ts';
import {
  MAX_AMOUNT,
  type ComparedField,
  type ExistsResult,
  type Transfer,
  type TransferInput,
  type TransferResultCode,
  type ValidationResult,
} from './ledger.types.ts';

/**
 * The pure rules of a transfer: what a request alone can be refused for, and how a request
 * compares with the transfer already stored under its id. No I/O here.
 */

/** A transfer as the engine takes it: `reversesId` is set only by `reverseTransfer`. */
export interface EngineTransfer extends TransferInput {
  reversesId?: string;
}

/**
 * The transfer that corrects a posted one: its opposite (the same amount between the same
 * accounts, the other way), under `id`, linked to it by `reversesId`.
 * @throws UserError 409 when `original` is not a posted movement (a hold, or a voided one).
 */
export function reversalOf(
  original: Transfer,
  id: string,
  options: { description?: string; effectiveAt?: Date } = {},
): EngineTransfer {
  if (original.status !== 'posted' || original.kind === 'void_pending') {
    throw new UserError(
      'ledger_transfer_not_reversible',
      `Transfer ${original.id} is ${original.kind}/${original.status}: only posted movements can be reversed`,
      { status: 409 },
    );
  }
  return {
    id,
    kind: 'single',
    debitAccountId: original.creditAccountId!,
    creditAccountId: original.debitAccountId!,
    amount: original.amount!,
    currency: original.currency!,
    description: options.description ?? `Reversal of ${original.id}`,
    ...(options.effectiveAt ? { effectiveAt: options.effectiveAt } : {}),
    reversesId: original.id,
  };
}

/** `timeout_seconds` is an int4 column. */
const MAX_TIMEOUT_SECONDS = 2_147_483_647;

/** Whether a code means the transfer is (now) in the ledger as asked. */
export function isSuccess(result: TransferResultCode): boolean {
  return result === 'ok' || result === 'exists';
}

/**
 * The first thing wrong with the request itself, whatever the ledger holds; undefined if none.
 * @param latest the latest instant a transfer may be dated (now plus the configured horizon).
 */
export function validateTransfer(t: EngineTransfer, latest: Date): ValidationResult | undefined {
  const kind = t.kind ?? 'single';
  const invalid = kind === 'single' || kind === 'pending' ? validateNew(t) : validateResolution(t);
  if (invalid) return invalid;
  if (t.effectiveAt !== undefined && t.effectiveAt.getTime() > latest.getTime()) {
    return 'effective_at_too_late';
  }
  return undefined;
}

function validateNew(t: EngineTransfer): ValidationResult | undefined {
  if (t.pendingId !== undefined) return 'pending_id_must_not_be_set';
  const timeout = t.timeoutSeconds ?? 0;
  if (timeout !== 0 && t.kind !== 'pending') return 'timeout_reserved_for_pending_transfer';
  if (!validTimeout(timeout)) return 'timeout_invalid';
  if (t.debitAccountId === undefined) return 'debit_account_id_required';
  if (t.creditAccountId === undefined) return 'credit_account_id_required';
  if (t.debitAccountId === t.creditAccountId) return 'accounts_must_be_different';
  if (t.amount === undefined) return 'amount_required';
  const amount = validateAmount(t.amount);
  if (amount) return amount;
  if (t.currency === undefined) return 'currency_required';
  if (!isCurrency(t.currency)) return 'currency_invalid';
  return undefined;
}

/** `post_pending` and `void_pending`: everything but `pendingId` is optional. */
function validateResolution(t: EngineTransfer): ValidationResult | undefined {
  if (t.pendingId === undefined) return 'pending_id_required';
  if (t.pendingId === t.id) return 'pending_id_must_be_different';
  if ((t.timeoutSeconds ?? 0) !== 0) return 'timeout_reserved_for_pending_transfer';
  if (t.debitAccountId !== undefined && t.debitAccountId === t.creditAccountId) {
    return 'accounts_must_be_different';
  }
  if (t.amount !== undefined) {
    const amount = validateAmount(t.amount);
    if (amount) return amount;
  }
  if (t.currency !== undefined && !isCurrency(t.currency)) return 'currency_invalid';
  return undefined;
}

function validateAmount(amount: bigint): ValidationResult | undefined {
  if (amount <= 0n) return 'amount_must_be_positive';
  if (amount > MAX_AMOUNT) return 'amount_too_large';
  return undefined;
}

function validTimeout(seconds: number): boolean {
  return Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= MAX_TIMEOUT_SECONDS;
}

/**
 * The answer to a request whose id is already stored: `exists` (or the stored failure) when
 * every field it gives matches, else `exists_with_different_<first field that differs>`.
 *
 * A `post_pending`/`void_pending` request may leave out the accounts, amount and currency (they
 * come from the pending transfer), so only the ones it gives are compared; `effectiveAt` too, as
 * the server chose it when it was left out. Every other field compares exactly (absent = null).
 */
export function compareWithExisting(
  request: EngineTransfer,
  existing: Transfer,
): TransferResultCode {
  const field = firstDifference(request, existing);
  if (field) return `exists_with_different_${field}` satisfies ExistsResult;
  return existing.status === 'failed' ? existing.result : 'exists';
}

function firstDifference(r: EngineTransfer, e: Transfer): ComparedField | undefined {
  const kind = r.kind ?? 'single';
  const optional = kind === 'post_pending' || kind === 'void_pending';
  const differs = <T>(given: T | undefined, stored: T | null): boolean =>
    given === undefined ? !optional && stored !== null : given !== stored;
  if (kind !== e.kind) return 'kind';
  if ((r.pendingId ?? null) !== e.pendingId) return 'pending_id';
  if (differs(r.debitAccountId, e.debitAccountId)) return 'debit_account_id';
  if (differs(r.creditAccountId, e.creditAccountId)) return 'credit_account_id';
  if (differs(r.amount, e.amount)) return 'amount';
  if (differs(r.currency, e.currency)) return 'currency';
  if ((r.timeoutSeconds ?? 0) !== e.timeoutSeconds) return 'timeout';
  if (r.effectiveAt !== undefined && r.effectiveAt.getTime() !== e.effectiveAt.getTime()) {
    return 'effective_at';
  }
  if ((r.description ?? null) !== e.description) return 'description';
  if (canonicalJson(r.metadata ?? null) !== canonicalJson(e.metadata)) return 'metadata';
  if ((r.reversesId ?? null) !== e.reversesId) return 'reverses_id';
  return undefined;
}

/**
 * JSON with object keys sorted, so metadata compares equal whatever its key order (jsonb, where
 * it is stored, does not keep the order it was given).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries);
  });
}
