import { isStoredFailure, type TransferInput, type TransferResultCode } from './ledger.types.ts';

/**
 * A reference model of the ledger for the model-based property test: plain maps, no database,
 * written from the rules in README.md and deliberately not sharing code with the engine (a shared
 * bug would otherwise agree with itself). Linked chains roll back by restoring a deep copy of
 * the whole state instead of the engine's undo log.
 */

const MAX = 9_223_372_036_854_775_807n;

export interface ModelAccount {
  id: string;
  entity: string;
  currency: string;
  closed: boolean;
  /** The entity's closed-through day (`YYYY-MM-DD`), or null. */
  closedThrough: string | null;
  debitsLimited: boolean;
  creditsLimited: boolean;
  dp: bigint;
  cp: bigint;
  dpo: bigint;
  cpo: bigint;
}

interface ModelTransfer {
  id: string;
  kind: string;
  debit: string | null;
  credit: string | null;
  amount: bigint | null;
  currency: string | null;
  pendingId: string | null;
  timeoutSeconds: number;
  expiresAt: number | null;
  /** Milliseconds. */
  effectiveAt: number;
  status: string;
  result: TransferResultCode;
  description: string | null;
}

interface State {
  accounts: Map<string, ModelAccount>;
  transfers: Map<string, ModelTransfer>;
}

function copy(state: State): State {
  return {
    accounts: new Map([...state.accounts].map(([id, a]) => [id, { ...a }])),
    transfers: new Map([...state.transfers].map(([id, t]) => [id, { ...t }])),
  };
}

export class LedgerModel {
  state: State = { accounts: new Map(), transfers: new Map() };
  /** Milliseconds, as the service's clock. */
  now: number;

  constructor(now: number) {
    this.now = now;
  }

  addAccount(a: ModelAccount): void {
    this.state.accounts.set(a.id, { ...a });
  }

  /** Releases every hold whose timeout has passed. */
  expire(): void {
    for (const t of this.state.transfers.values()) {
      if (t.kind === 'pending' && t.status === 'pending' && t.expiresAt !== null) {
        if (t.expiresAt <= this.now) {
          this.state.accounts.get(t.debit!)!.dp -= t.amount!;
          this.state.accounts.get(t.credit!)!.cp -= t.amount!;
          t.status = 'expired';
        }
      }
    }
  }

  /** [debits pending, credits pending, debits posted, credits posted], lapsed holds released. */
  effectiveTotals(id: string): bigint[] {
    const a = this.state.accounts.get(id)!;
    let [dp, cp] = [a.dp, a.cp];
    for (const t of this.state.transfers.values()) {
      const lapsed = t.expiresAt !== null && t.expiresAt <= this.now;
      if (t.kind === 'pending' && t.status === 'pending' && lapsed) {
        if (t.debit === id) dp -= t.amount!;
        if (t.credit === id) cp -= t.amount!;
      }
    }
    return [dp, cp, a.dpo, a.cpo];
  }

  /** 'ok' or the service's error code. */
  close(id: string): string {
    this.expire();
    const a = this.state.accounts.get(id);
    if (!a) return 'not_found';
    if (a.closed) return 'account_closed';
    if (a.dp !== 0n || a.cp !== 0n) return 'account_has_pending_transfers';
    if (a.dpo !== a.cpo) return 'account_has_balance';
    a.closed = true;
    return 'ok';
  }

  /**
   * Closes the books of `entity` through `through` (a `YYYY-MM-DD` day): 'ok' or the service's
   * error code.
   */
  closePeriod(entity: string, through: string): string {
    if (through > day(this.now)) return 'ledger_period_not_over';
    const accounts = [...this.state.accounts.values()].filter((a) => a.entity === entity);
    const current = accounts[0]?.closedThrough ?? null;
    if (current !== null && through <= current) return 'ledger_period_already_closed';
    // The close revalues the entity's foreign-currency (USD) accounts that moved by then, and no
    // rate is recorded in these books.
    const ids = new Set(accounts.map((a) => a.id));
    const end = Date.parse(`${through}T00:00:00.000Z`) + 86_400_000;
    const foreignMoved = [...this.state.transfers.values()].some(
      (t) =>
        t.status === 'posted' &&
        t.currency === 'USD' &&
        t.effectiveAt < end &&
        (ids.has(t.debit ?? '') || ids.has(t.credit ?? '')),
    );
    if (foreignMoved) return 'ledger_fx_rate_missing';
    for (const a of accounts) a.closedThrough = through;
    return 'ok';
  }

  batch(transfers: TransferInput[]): TransferResultCode[] {
    this.expire();
    const results: TransferResultCode[] = [];
    const last = transfers.length - 1;
    // the chain left open at the end
    let openFrom = transfers.length;
    if (last >= 0 && transfers[last]!.linked) {
      openFrom = last;
      while (openFrom > 0 && transfers[openFrom - 1]!.linked) openFrom--;
    }
    let chainStart = -1;
    let saved: State | undefined;
    let broken = false;
    for (let i = 0; i < transfers.length; i++) {
      const t = transfers[i]!;
      if (i >= openFrom) {
        results.push(i === last ? 'linked_event_chain_open' : 'linked_event_failed');
        continue;
      }
      if (t.linked && chainStart < 0) {
        chainStart = i;
        saved = copy(this.state);
        broken = false;
      }
      const inChain = chainStart >= 0;
      if (inChain && broken) {
        results.push('linked_event_failed');
      } else {
        const r = this.one(t, inChain);
        results.push(r);
        if (inChain && r !== 'ok' && r !== 'exists') {
          this.state = saved!;
          for (let j = chainStart; j < i; j++) results[j] = 'linked_event_failed';
          broken = true;
        }
      }
      if (!t.linked) chainStart = -1;
    }
    return results;
  }

  private one(t: TransferInput, inChain: boolean): TransferResultCode {
    const invalid = this.validate(t);
    if (invalid) return invalid;
    const known = this.state.transfers.get(t.id);
    if (known) return this.compare(t, known);
    const result =
      t.kind === 'post_pending' || t.kind === 'void_pending' ? this.resolve(t) : this.create(t);
    if (result !== 'ok' && !inChain && isStoredFailure(result)) {
      this.state.transfers.set(t.id, {
        id: t.id,
        kind: t.kind ?? 'single',
        debit: t.debitAccountId ?? null,
        credit: t.creditAccountId ?? null,
        amount: t.amount ?? null,
        currency: t.currency ?? null,
        pendingId: t.pendingId ?? null,
        timeoutSeconds: t.timeoutSeconds ?? 0,
        expiresAt: null,
        effectiveAt: t.effectiveAt?.getTime() ?? this.now,
        status: 'failed',
        result,
        description: t.description ?? null,
      });
    }
    return result;
  }

  private validate(t: TransferInput): TransferResultCode | undefined {
    const kind = t.kind ?? 'single';
    const timeout = t.timeoutSeconds ?? 0;
    const amountCheck = (a: bigint) =>
      a <= 0n ? 'amount_must_be_positive' : a > MAX ? 'amount_too_large' : undefined;
    if (kind === 'single' || kind === 'pending') {
      if (t.pendingId !== undefined) return 'pending_id_must_not_be_set';
      if (kind === 'single' && timeout !== 0) return 'timeout_reserved_for_pending_transfer';
      if (!Number.isInteger(timeout) || timeout < 0) return 'timeout_invalid';
      if (!t.debitAccountId) return 'debit_account_id_required';
      if (!t.creditAccountId) return 'credit_account_id_required';
      if (t.debitAccountId === t.creditAccountId) return 'accounts_must_be_different';
      if (t.amount === undefined) return 'amount_required';
      const a = amountCheck(t.amount);
      if (a) return a;
      if (!t.currency) return 'currency_required';
      return /^[A-Z]{3}$/.test(t.currency) ? undefined : 'currency_invalid';
    }
    if (!t.pendingId) return 'pending_id_required';
    if (t.pendingId === t.id) return 'pending_id_must_be_different';
    if (timeout !== 0) return 'timeout_reserved_for_pending_transfer';
    if (t.debitAccountId && t.debitAccountId === t.creditAccountId) {
      return 'accounts_must_be_different';
    }
    if (t.amount !== undefined && amountCheck(t.amount)) return amountCheck(t.amount);
    if (t.currency !== undefined && !/^[A-Z]{3}$/.test(t.currency)) return 'currency_invalid';
    return undefined;
  }

  private compare(t: TransferInput, e: ModelTransfer): TransferResultCode {
    const kind = t.kind ?? 'single';
    const partial = kind === 'post_pending' || kind === 'void_pending';
    const same = <T>(given: T | undefined, stored: T | null) =>
      given === undefined ? partial || stored === null : given === stored;
    if (kind !== e.kind) return 'exists_with_different_kind';
    if ((t.pendingId ?? null) !== e.pendingId) return 'exists_with_different_pending_id';
    if (!same(t.debitAccountId, e.debit)) return 'exists_with_different_debit_account_id';
    if (!same(t.creditAccountId, e.credit)) return 'exists_with_different_credit_account_id';
    if (!same(t.amount, e.amount)) return 'exists_with_different_amount';
    if (!same(t.currency, e.currency)) return 'exists_with_different_currency';
    if ((t.timeoutSeconds ?? 0) !== e.timeoutSeconds) return 'exists_with_different_timeout';
    if (t.effectiveAt !== undefined && t.effectiveAt.getTime() !== e.effectiveAt) {
      return 'exists_with_different_effective_at';
    }
    if ((t.description ?? null) !== e.description) return 'exists_with_different_description';
    return e.status === 'failed' ? e.result : 'exists';
  }

  private create(t: TransferInput): TransferResultCode {
    const d = this.state.accounts.get(t.debitAccountId!);
    if (!d) return 'debit_account_not_found';
    const c = this.state.accounts.get(t.creditAccountId!);
    if (!c) return 'credit_account_not_found';
    if (d.closed || c.closed) return 'account_closed';
    if (this.inClosedPeriod(t, d, c)) return 'period_closed';
    if (d.entity !== c.entity) return 'accounts_must_have_the_same_entity';
    if (d.currency !== t.currency || c.currency !== t.currency) return 'currency_mismatch';
    const amount = t.amount!;
    if (d.dp + d.dpo + amount > MAX) return 'overflows_debits';
    if (c.cp + c.cpo + amount > MAX) return 'overflows_credits';
    if (d.debitsLimited && d.dp + d.dpo + amount > d.cpo) return 'exceeds_credits';
    if (c.creditsLimited && c.cp + c.cpo + amount > c.dpo) return 'exceeds_debits';
    const pending = t.kind === 'pending';
    if (pending) {
      d.dp += amount;
      c.cp += amount;
    } else {
      d.dpo += amount;
      c.cpo += amount;
    }
    const timeout = t.timeoutSeconds ?? 0;
    this.state.transfers.set(t.id, {
      id: t.id,
      kind: t.kind ?? 'single',
      debit: d.id,
      credit: c.id,
      amount,
      currency: t.currency,
      pendingId: null,
      timeoutSeconds: timeout,
      expiresAt: pending && timeout > 0 ? this.now + timeout * 1000 : null,
      effectiveAt: t.effectiveAt?.getTime() ?? this.now,
      status: pending ? 'pending' : 'posted',
      result: 'ok',
      description: t.description ?? null,
    });
    return 'ok';
  }

  private resolve(t: TransferInput): TransferResultCode {
    const p = this.state.transfers.get(t.pendingId!);
    if (!p || p.status === 'failed') return 'pending_transfer_not_found';
    if (p.kind !== 'pending') return 'pending_transfer_not_pending';
    if (t.debitAccountId && t.debitAccountId !== p.debit) {
      return 'pending_transfer_has_different_debit_account_id';
    }
    if (t.creditAccountId && t.creditAccountId !== p.credit) {
      return 'pending_transfer_has_different_credit_account_id';
    }
    if (t.currency && t.currency !== p.currency) return 'pending_transfer_has_different_currency';
    if (p.status === 'posted_pending') return 'pending_transfer_already_posted';
    if (p.status === 'voided') return 'pending_transfer_already_voided';
    if (p.status === 'expired') return 'pending_transfer_expired';
    const post = t.kind === 'post_pending';
    if (post && t.amount !== undefined && t.amount > p.amount!) {
      return 'exceeds_pending_transfer_amount';
    }
    if (!post && t.amount !== undefined && t.amount !== p.amount) {
      return 'pending_transfer_has_different_amount';
    }
    const d = this.state.accounts.get(p.debit!)!;
    const c = this.state.accounts.get(p.credit!)!;
    if (d.closed || c.closed) return 'account_closed';
    if (this.inClosedPeriod(t, d, c)) return 'period_closed';
    const amount = post ? (t.amount ?? p.amount!) : p.amount!;
    d.dp -= p.amount!;
    c.cp -= p.amount!;
    if (post) {
      d.dpo += amount;
      c.cpo += amount;
    }
    p.status = post ? 'posted_pending' : 'voided';
    this.state.transfers.set(t.id, {
      id: t.id,
      kind: t.kind!,
      debit: p.debit,
      credit: p.credit,
      amount,
      currency: p.currency,
      pendingId: p.id,
      timeoutSeconds: 0,
      expiresAt: null,
      effectiveAt: t.effectiveAt?.getTime() ?? this.now,
      status: post ? 'posted' : 'voided',
      result: 'ok',
      description: t.description ?? null,
    });
    return 'ok';
  }

  /** Dated (UTC day, default now) on or before either account's closed-through day. */
  private inClosedPeriod(t: TransferInput, d: ModelAccount, c: ModelAccount): boolean {
    const on = day(t.effectiveAt?.getTime() ?? this.now);
    return [d.closedThrough, c.closedThrough].some((through) => through !== null && on <= through);
  }
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
