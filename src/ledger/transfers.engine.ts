import {
  isStoredFailure,
  MAX_AMOUNT,
  type StateResult,
  type Transfer,
  type TransferResultCode,
  type ValidationResult,
} from './ledger.types.ts';
import {
  adopt,
  createJournal,
  isExpired,
  type AccountState,
  type EngineOutput,
  type EngineState,
  type Journal,
} from './transfers.journal.ts';
import { compareWithExisting, isSuccess, type EngineTransfer } from './transfers.rules.ts';

export type { AccountState, EngineOutput, EngineState, PostingRow } from './transfers.journal.ts';

/**
 * Applies a batch of transfers to accounts held in memory, in order, the way TigerBeetle's
 * state machine does: no I/O here. The store loads (and locks) what a batch touches, this
 * computes every result and every row to write, the store writes them set-based.
 */

/**
 * One batch's work on `state`. Expired holds in `expiring` are released first (that is a fact of
 * time, independent of the batch's outcome), then the transfers are applied in order.
 * @param validation the result of `validateTransfer` for each transfer, computed beforehand.
 */
export function applyBatch(
  state: EngineState,
  transfers: readonly EngineTransfer[],
  validation: readonly (ValidationResult | undefined)[],
  expiring: readonly Transfer[] = [],
): EngineOutput {
  const journal = createJournal(state);
  for (const hold of adopt(state, expiring)) journal.expire(hold);
  const apply = rules(state, journal);
  const results: TransferResultCode[] = [];
  const openChainFrom = openChainStart(transfers);
  let chain: { start: number; broken: boolean } | undefined;
  for (let i = 0; i < transfers.length; i++) {
    const t = transfers[i]!;
    if (openChainFrom !== undefined && i >= openChainFrom) {
      results.push(i === transfers.length - 1 ? 'linked_event_chain_open' : 'linked_event_failed');
      continue;
    }
    const linked = t.linked === true;
    if (linked && !chain) {
      chain = { start: i, broken: false };
      journal.beginChain();
    }
    if (chain?.broken) {
      results.push('linked_event_failed');
    } else {
      const result = apply(t, validation[i], chain !== undefined);
      results.push(result);
      if (chain && !isSuccess(result)) {
        journal.rollbackChain();
        for (let j = chain.start; j < i; j++) results[j] = 'linked_event_failed';
        chain.broken = true;
      }
    }
    if (!linked && chain) {
      chain = undefined;
      journal.endChain();
    }
  }
  return { results, ...journal.output() };
}

/** Where the chain left open by a linked last transfer starts; undefined when there is none. */
function openChainStart(transfers: readonly EngineTransfer[]): number | undefined {
  if (transfers.length === 0 || transfers[transfers.length - 1]!.linked !== true) return undefined;
  let start = transfers.length - 1;
  while (start > 0 && transfers[start - 1]!.linked === true) start--;
  return start;
}

/** Releases expired holds only (the sweep): same bookkeeping as a batch, no transfers. */
export function expireHolds(state: EngineState, expiring: readonly Transfer[]): EngineOutput {
  const journal = createJournal(state);
  for (const hold of adopt(state, expiring)) journal.expire(hold);
  return { results: [], ...journal.output() };
}

/**
 * The rules of one transfer against the state (TigerBeetle's order of checks): returns its
 * result and, when it succeeds, makes its changes through the journal.
 */
function rules(state: EngineState, journal: Journal) {
  const { accounts, transfers, reversed, now } = state;
  const { store, post, release, setStatus } = journal;

  const apply = (
    t: EngineTransfer,
    invalid: ValidationResult | undefined,
    inChain: boolean,
  ): TransferResultCode => {
    if (invalid) return invalid;
    const existing = transfers.get(t.id);
    if (existing) return compareWithExisting(t, existing);
    const kind = t.kind ?? 'single';
    const outcome =
      kind === 'single' || kind === 'pending' ? checkNew(t, kind) : checkResolution(t, kind);
    if (outcome.ok) {
      outcome.commit();
      return 'ok';
    }
    // Nothing of a failed chain is stored: retried as a whole, it is evaluated afresh.
    if (!inChain && isStoredFailure(outcome.result)) store(failedRecord(t, outcome.result));
    return outcome.result;
  };

  type Outcome = { ok: true; commit: () => void } | { ok: false; result: StateResult };
  const fail = (result: StateResult): Outcome => ({ ok: false, result });

  const checkNew = (t: EngineTransfer, kind: 'single' | 'pending'): Outcome => {
    if (t.reversesId !== undefined && reversed.has(t.reversesId)) {
      return fail('transfer_already_reversed');
    }
    const debit = accounts.get(t.debitAccountId!);
    if (!debit) return fail('debit_account_not_found');
    const credit = accounts.get(t.creditAccountId!);
    if (!credit) return fail('credit_account_not_found');
    if (debit.closed || credit.closed) return fail('account_closed');
    if (inClosedPeriod(t.effectiveAt ?? now, debit, credit)) return fail('period_closed');
    // Each entity's books balance on their own: between entities, book one transfer in each,
    // through the intercompany accounts, linked.
    if (debit.entityId !== credit.entityId) return fail('accounts_must_have_the_same_entity');
    if (debit.currency !== t.currency || credit.currency !== t.currency) {
      return fail('currency_mismatch');
    }
    const amount = t.amount!;
    if (debit.debitsPending + debit.debitsPosted + amount > MAX_AMOUNT) {
      return fail('overflows_debits');
    }
    if (credit.creditsPending + credit.creditsPosted + amount > MAX_AMOUNT) {
      return fail('overflows_credits');
    }
    // Holds count against the limit: what is reserved cannot be spent twice.
    if (
      debit.debitsMustNotExceedCredits &&
      debit.debitsPending + debit.debitsPosted + amount > debit.creditsPosted
    ) {
      return fail('exceeds_credits');
    }
    if (
      credit.creditsMustNotExceedDebits &&
      credit.creditsPending + credit.creditsPosted + amount > credit.debitsPosted
    ) {
      return fail('exceeds_debits');
    }
    return {
      ok: true,
      commit: () => {
        const pending = kind === 'pending';
        const record = newRecord(t, {
          status: pending ? 'pending' : 'posted',
          timeoutAt: pending ? timeoutOf(t, now) : null,
        });
        store(record);
        post(t.id, debit, 'debit', pending, amount);
        post(t.id, credit, 'credit', pending, amount);
      },
    };
  };

  const checkResolution = (t: EngineTransfer, kind: 'post_pending' | 'void_pending'): Outcome => {
    const hold = transfers.get(t.pendingId!);
    if (!hold || hold.status === 'failed') return fail('pending_transfer_not_found');
    if (hold.kind !== 'pending') return fail('pending_transfer_not_pending');
    if (t.debitAccountId !== undefined && t.debitAccountId !== hold.debitAccountId) {
      return fail('pending_transfer_has_different_debit_account_id');
    }
    if (t.creditAccountId !== undefined && t.creditAccountId !== hold.creditAccountId) {
      return fail('pending_transfer_has_different_credit_account_id');
    }
    if (t.currency !== undefined && t.currency !== hold.currency) {
      return fail('pending_transfer_has_different_currency');
    }
    if (hold.status === 'posted_pending') return fail('pending_transfer_already_posted');
    if (hold.status === 'voided') return fail('pending_transfer_already_voided');
    if (hold.status === 'expired' || isExpired(hold, now)) return fail('pending_transfer_expired');
    const held = hold.amount!;
    if (kind === 'post_pending' && t.amount !== undefined && t.amount > held) {
      return fail('exceeds_pending_transfer_amount');
    }
    if (kind === 'void_pending' && t.amount !== undefined && t.amount !== held) {
      return fail('pending_transfer_has_different_amount');
    }
    const debit = accounts.get(hold.debitAccountId!);
    const credit = accounts.get(hold.creditAccountId!);
    // The caller locks a hold's accounts with the batch; missing ones would be a bug there.
    if (!debit || !credit) throw new Error(`accounts of pending transfer ${hold.id} not loaded`);
    if (debit.closed || credit.closed) return fail('account_closed');
    // The post or void is dated on its own (default: now), whatever the hold's date was.
    if (inClosedPeriod(t.effectiveAt ?? now, debit, credit)) return fail('period_closed');
    return {
      ok: true,
      commit: () => {
        const posted = kind === 'post_pending' ? (t.amount ?? held) : held;
        store(
          newRecord(
            { ...t, debitAccountId: hold.debitAccountId!, creditAccountId: hold.creditAccountId! },
            {
              amount: posted,
              currency: hold.currency,
              status: kind === 'post_pending' ? 'posted' : 'voided',
              timeoutAt: null,
            },
          ),
        );
        // The whole hold is released; a partial post gives the remainder back.
        release(t.id, hold, debit, credit);
        if (kind === 'post_pending') {
          post(t.id, debit, 'debit', false, posted);
          post(t.id, credit, 'credit', false, posted);
        }
        setStatus(hold, kind === 'post_pending' ? 'posted_pending' : 'voided');
      },
    };
  };

  const newRecord = (
    t: EngineTransfer,
    fields: Pick<Transfer, 'status' | 'timeoutAt'> & Partial<Transfer>,
  ): Transfer => ({
    id: t.id,
    orgId: state.orgId,
    kind: t.kind ?? 'single',
    debitAccountId: t.debitAccountId ?? null,
    creditAccountId: t.creditAccountId ?? null,
    amount: t.amount ?? null,
    currency: t.currency ?? null,
    pendingId: t.pendingId ?? null,
    timeoutSeconds: t.timeoutSeconds ?? 0,
    result: 'ok',
    reversesId: t.reversesId ?? null,
    effectiveAt: t.effectiveAt ?? now,
    description: t.description ?? null,
    metadata: t.metadata ?? null,
    batchId: state.batchId,
    createdAt: now,
    ...fields,
  });

  /** A failure kept as asked (no field resolved), so that a retry compares equal to it. */
  const failedRecord = (t: EngineTransfer, result: StateResult): Transfer =>
    newRecord(t, { status: 'failed', result, timeoutAt: null });

  return apply;
}

/**
 * Whether `effectiveAt` falls on or before the closed-through day (UTC) of either account. Days
 * are `YYYY-MM-DD`, so they compare as strings.
 */
function inClosedPeriod(effectiveAt: Date, debit: AccountState, credit: AccountState): boolean {
  if (debit.closedThrough === null && credit.closedThrough === null) return false;
  const day = effectiveAt.toISOString().slice(0, 10);
  return (
    (debit.closedThrough !== null && day <= debit.closedThrough) ||
    (credit.closedThrough !== null && day <= credit.closedThrough)
  );
}

function timeoutOf(t: EngineTransfer, now: Date): Date | null {
  const seconds = t.timeoutSeconds ?? 0;
  return seconds === 0 ? null : new Date(now.getTime() + seconds * 1000);
}
