import { UserError, type UserErrorStatus } from '../kernel/index.ts';
import {
  VALIDATION_RESULTS,
  type Transfer,
  type TransferInput,
  type TransferResult,
  type TransferResultCode,
} from './ledger.types.ts';

/**
 * One transfer on its own (`PUT /transfers/:id`, `iza ledger transfer create`, a reversal): the
 * same engine as a batch, but a transfer that is not applied is an error in the API's envelope,
 * not a result code in a 200. Batches keep one result code per transfer.
 */

/** What a single-transfer call answers when the transfer is in the ledger as asked. */
export interface SingleTransferOutcome {
  /** `ok`: applied now; `exists`: applied before under the same id with the same fields. */
  result: 'ok' | 'exists';
  transfer: Transfer;
}

const VALIDATION: ReadonlySet<TransferResultCode> = new Set(VALIDATION_RESULTS);

/** Codes that say the request itself is wrong, beside the validation codes (400). */
const BAD_INPUT: ReadonlySet<TransferResultCode> = new Set([
  'accounts_must_have_the_same_entity',
  'currency_mismatch',
]);

/** Codes naming something that is not there (404). */
const NOT_FOUND: ReadonlySet<TransferResultCode> = new Set([
  'debit_account_not_found',
  'credit_account_not_found',
  'pending_transfer_not_found',
]);

/** The request field each code is about, for the error's `details`. */
const FIELD: Partial<Record<TransferResultCode, string>> = {
  accounts_must_be_different: 'creditAccountId',
  amount_must_be_positive: 'amount',
  amount_too_large: 'amount',
  amount_required: 'amount',
  debit_account_id_required: 'debitAccountId',
  credit_account_id_required: 'creditAccountId',
  currency_required: 'currency',
  currency_invalid: 'currency',
  pending_id_required: 'pendingId',
  pending_id_must_not_be_set: 'pendingId',
  pending_id_must_be_different: 'pendingId',
  timeout_reserved_for_pending_transfer: 'timeoutSeconds',
  timeout_invalid: 'timeoutSeconds',
  effective_at_too_late: 'effectiveAt',
  debit_account_not_found: 'debitAccountId',
  credit_account_not_found: 'creditAccountId',
  accounts_must_have_the_same_entity: 'creditAccountId',
  currency_mismatch: 'currency',
  pending_transfer_not_found: 'pendingId',
};

const EXPLANATION: Partial<Record<TransferResultCode, string>> = {
  accounts_must_be_different: 'the debit and credit accounts are the same account',
  amount_must_be_positive: 'the amount must be greater than zero',
  amount_too_large: 'the amount is above 2^63-1 minor units',
  amount_required: 'the amount is missing',
  currency_required: 'the currency is missing',
  currency_invalid: 'the currency is not an active ISO 4217 code',
  effective_at_too_late: 'the effective date is further in the future than the ledger allows',
  debit_account_not_found: 'the debit account does not exist in this organisation',
  credit_account_not_found: 'the credit account does not exist in this organisation',
  accounts_must_have_the_same_entity: 'the two accounts belong to different entities',
  currency_mismatch: "the currency is not both accounts' currency",
  account_closed: 'one of the accounts is closed',
  period_closed: "the effective date falls in a closed period of the accounts' entity",
  exceeds_credits: 'the debit account would go beyond its credits (insufficient funds)',
  exceeds_debits: 'the credit account would go beyond its debits',
  transfer_already_reversed: 'the transfer was reversed before',
};

/** The HTTP status of a transfer that was not applied. */
export function refusalStatus(result: TransferResultCode): UserErrorStatus {
  if (VALIDATION.has(result) || BAD_INPUT.has(result)) return 400;
  if (NOT_FOUND.has(result)) return 404;
  // A replay with other fields, or the ledger's state (limits, closed accounts or periods,
  // resolved holds): a conflict.
  return 409;
}

/** The error for a transfer that was not applied, naming why (and the field, when one is). */
export function transferRefused(result: TransferResult): UserError {
  const code = result.result;
  const explanation =
    EXPLANATION[code] ??
    (code.startsWith('exists_with_different_')
      ? `the id was used before with another ${code.slice('exists_with_different_'.length)}`
      : code.replaceAll('_', ' '));
  const field = FIELD[code];
  return new UserError(code, `Transfer ${result.id} was not applied: ${explanation} (${code})`, {
    status: refusalStatus(code),
    details: {
      id: result.id,
      result: code,
      ...(field === undefined ? {} : { path: field }),
    },
  });
}

/**
 * Applies one transfer and answers it as stored, or throws the refusal.
 * @throws UserError (4xx) when the transfer was not applied.
 */
export async function applySingle(
  orgId: string,
  submit: () => Promise<TransferResult>,
  getTransfer: (orgId: string, id: string) => Promise<Transfer>,
): Promise<SingleTransferOutcome> {
  const answer = await submit();
  if (answer.result !== 'ok' && answer.result !== 'exists') throw transferRefused(answer);
  return { result: answer.result, transfer: await getTransfer(orgId, answer.id) };
}

/** A single transfer's input: one transfer, never linked to another. */
export type SingleTransferInput = Omit<TransferInput, 'linked'>;

/** The single-transfer calls over the transfers service. */
export function createSingleTransfers(transfers: {
  createTransfers(orgId: string, transfers: readonly TransferInput[]): Promise<TransferResult[]>;
  reverseTransfer(
    orgId: string,
    id: string,
    newTransferId: string,
    options?: { description?: string; effectiveAt?: Date },
  ): Promise<TransferResult>;
  getTransfer(orgId: string, id: string): Promise<Transfer>;
}) {
  const get = (orgId: string, id: string) => transfers.getTransfer(orgId, id);
  return {
    /** One transfer on its own: answered as stored, or a 4xx naming why it was not applied. */
    createTransfer: (orgId: string, input: SingleTransferInput) =>
      applySingle(orgId, async () => (await transfers.createTransfers(orgId, [input]))[0]!, get),
    /** `reverseTransfer` as a single-transfer call: a reversal not applied is a 4xx. */
    reverseTransferOrFail: (
      orgId: string,
      id: string,
      newTransferId: string,
      options: { description?: string; effectiveAt?: Date } = {},
    ) =>
      applySingle(orgId, () => transfers.reverseTransfer(orgId, id, newTransferId, options), get),
  };
}
