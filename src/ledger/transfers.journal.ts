import type { Balances, Transfer, TransferResultCode, TransferStatus } from './ledger.types.ts';

/**
 * The bookkeeping of one batch, in memory: account totals changed in place, each change also a
 * posting with the totals after it, statuses, new rows. Inside a linked chain every change is
 * logged for undo, so a failed chain can be taken back to where it started; outside one nothing
 * is logged, as a transfer changes nothing until all its checks have passed.
 */

/** An account as the engine sees it: its totals (mutated in place) and what the rules need. */
export interface AccountState extends Balances {
  id: string;
  entityId: string;
  currency: string;
  closed: boolean;
  /** The last closed day (UTC, `YYYY-MM-DD`): nothing may be dated on or before it. */
  closedThrough: string | null;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
}

export interface PostingRow {
  transferId: string;
  accountId: string;
  side: 'debit' | 'credit';
  amount: bigint;
  pending: boolean;
  after: Balances;
}

export interface EngineState {
  orgId: string;
  now: Date;
  batchId: string;
  /** Every account the batch may touch, locked by the caller. */
  accounts: Map<string, AccountState>;
  /** Stored transfers by id: the batch's own ids and the pending transfers it names. */
  transfers: Map<string, Transfer>;
  /** Ids of transfers already reversed by a stored (not failed) transfer. */
  reversed: Set<string>;
}

export interface EngineOutput {
  results: TransferResultCode[];
  /** Rows to insert: applied transfers and stored failures, in order. */
  inserted: Transfer[];
  postings: PostingRow[];
  /** Stored transfers (not inserted by this batch) whose status changed. */
  statusChanges: Transfer[];
  /** Accounts whose totals changed. */
  changedAccounts: AccountState[];
  /** Pending transfers released because their timeout had passed. */
  expired: Transfer[];
}

export type Journal = ReturnType<typeof createJournal>;

export function isExpired(hold: Transfer, now: Date): boolean {
  return hold.timeoutAt !== null && hold.timeoutAt.getTime() <= now.getTime();
}

/**
 * The state's own copy of each hold (a hold loaded twice must be one object, or a status change
 * made through one copy would not be written).
 */
export function adopt(state: EngineState, holds: readonly Transfer[]): Transfer[] {
  return holds.map((hold) => {
    const known = state.transfers.get(hold.id);
    if (known) return known;
    state.transfers.set(hold.id, hold);
    return hold;
  });
}

export function createJournal(state: EngineState) {
  const { accounts, transfers, reversed, now } = state;
  const original = new Map([...accounts].map(([id, a]) => [id, snapshot(a)]));
  const loadedStatus = new Map([...transfers].map(([id, t]) => [id, t.status]));
  const inserted: Transfer[] = [];
  const postings: PostingRow[] = [];
  const expired: Transfer[] = [];
  /** Set while a chain runs: how to undo each change, and the output sizes at its start. */
  let chain: { undo: (() => void)[]; inserted: number; postings: number } | undefined;

  const setStatus = (transfer: Transfer, status: TransferStatus): void => {
    const before = transfer.status;
    chain?.undo.push(() => (transfer.status = before));
    transfer.status = status;
  };
  const store = (transfer: Transfer): void => {
    transfers.set(transfer.id, transfer);
    inserted.push(transfer);
    chain?.undo.push(() => transfers.delete(transfer.id));
    const reverses = transfer.reversesId;
    if (reverses !== null && transfer.status !== 'failed') {
      reversed.add(reverses);
      chain?.undo.push(() => reversed.delete(reverses));
    }
  };
  /** Adds `amount` to one total of `account` and records the posting with the totals after. */
  const post = (
    transferId: string,
    account: AccountState,
    side: 'debit' | 'credit',
    pending: boolean,
    amount: bigint,
  ): void => {
    const key: keyof Balances = `${side}s${pending ? 'Pending' : 'Posted'}`;
    const before = account[key];
    account[key] = before + amount;
    chain?.undo.push(() => (account[key] = before));
    postings.push({
      transferId,
      accountId: account.id,
      side,
      amount,
      pending,
      after: snapshot(account),
    });
  };

  /** Takes a hold's reservation off both accounts. */
  const release = (
    transferId: string,
    hold: Transfer,
    debit: AccountState,
    credit: AccountState,
  ) => {
    post(transferId, debit, 'debit', true, -hold.amount!);
    post(transferId, credit, 'credit', true, -hold.amount!);
  };

  const expire = (hold: Transfer): void => {
    const debit = accounts.get(hold.debitAccountId!);
    const credit = accounts.get(hold.creditAccountId!);
    // A hold whose accounts the caller could not lock is left for the sweep.
    if (hold.status !== 'pending' || !isExpired(hold, now) || !debit || !credit) return;
    release(hold.id, hold, debit, credit);
    setStatus(hold, 'expired');
    expired.push(hold);
  };

  return {
    setStatus,
    store,
    post,
    release,
    expire,
    beginChain() {
      chain = { undo: [], inserted: inserted.length, postings: postings.length };
    },
    endChain() {
      chain = undefined;
    },
    /** Takes back everything since `beginChain`. */
    rollbackChain() {
      if (!chain) return;
      for (let i = chain.undo.length - 1; i >= 0; i--) chain.undo[i]!();
      inserted.length = chain.inserted;
      postings.length = chain.postings;
      chain = undefined;
    },
    /** Everything to write. */
    output(): Omit<EngineOutput, 'results'> {
      const insertedIds = new Set(inserted.map((t) => t.id));
      return {
        inserted,
        postings,
        expired,
        statusChanges: [...transfers.values()].filter(
          (t) => !insertedIds.has(t.id) && loadedStatus.get(t.id) !== t.status,
        ),
        changedAccounts: [...accounts.values()].filter((a) => !sameTotals(a, original.get(a.id)!)),
      };
    },
  };
}

function snapshot(b: Balances): Balances {
  return {
    debitsPending: b.debitsPending,
    creditsPending: b.creditsPending,
    debitsPosted: b.debitsPosted,
    creditsPosted: b.creditsPosted,
  };
}

function sameTotals(a: Balances, b: Balances): boolean {
  return (
    a.debitsPending === b.debitsPending &&
    a.creditsPending === b.creditsPending &&
    a.debitsPosted === b.debitsPosted &&
    a.creditsPosted === b.creditsPosted
  );
}
