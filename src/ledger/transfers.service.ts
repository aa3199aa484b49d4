import { and, eq, sql } from 'drizzle-orm';
import type { AuditEntryInput, AuditLog } from '../access/index.ts';
import {
  ErrorCodes,
  OperationalError,
  UserError,
  currentContext,
  newId,
  notFound,
  type Clock,
  type Database,
  type Logger,
  type Transaction,
} from '../kernel/index.ts';
import { ledgerTransfers } from './ledger.schema.ts';
import {
  DEFAULT_MAX_FUTURE_DAYS,
  MAX_BATCH,
  type Transfer,
  type TransferInput,
  type TransferResult,
  type TransferResultCode,
} from './ledger.types.ts';
import { applyBatch, expireHolds } from './transfers.engine.ts';
import {
  callSummary,
  createGroupCommit,
  shareOutput,
  type Caller,
  type Settled,
  type Share,
} from './transfers.group.ts';
import type { AccountState, EngineOutput } from './transfers.journal.ts';
import { normalise, uuid } from './transfers.input.ts';
import { reversalOf, validateTransfer, type EngineTransfer } from './transfers.rules.ts';
import {
  dueHolds,
  expiredHolds,
  loadForBatch,
  lockAccounts,
  lockBatchAccounts,
  loadTransfers,
  orgsWithDueHolds,
  reversedAmong,
  toTransfer,
  writeOutput,
} from './transfers.store.ts';

/** The part of the audit log the ledger writes to. */
export type LedgerAudit = Pick<AuditLog, 'record' | 'recordMany'>;

export interface TransfersDeps {
  db: Database;
  clock: Clock;
  audit: LedgerAudit;
  log?: Logger | undefined;
  /** Attempts of a batch that meets a serialization failure or a racing duplicate (default 6). */
  maxAttempts?: number | undefined;
  /** How many days after now a transfer may be dated (default `DEFAULT_MAX_FUTURE_DAYS`). */
  maxFutureDays?: number | undefined;
}

const DAY_MS = 86_400_000;

/** Holds released per transaction by `expirePending`. */
const EXPIRE_CHUNK = 1_000;
const RETRYABLE_CODES = new Set(['40001', '40P01']);
/** A concurrent batch stored the same id (or reversed the same transfer) first: re-evaluate. */
const RACE_CONSTRAINTS = new Set(['ledger_transfers_pkey', 'ledger_transfers_reverses_idx']);

/** Thrown inside a batch's transaction when it must start again with what it has learned. */
class RestartBatch extends Error {}

export function createTransfersService(deps: TransfersDeps) {
  const { db, clock, audit } = deps;
  const maxFutureDays = deps.maxFutureDays ?? DEFAULT_MAX_FUTURE_DAYS;
  const maxAttempts = deps.maxAttempts ?? 6;

  /** Runs `work` in a transaction, again when it meets contention that a retry resolves. */
  async function transact<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction(work);
      } catch (error) {
        if (!isRetryable(error)) throw error;
        if (attempt >= maxAttempts) {
          throw new OperationalError('ledger_contention', 'The ledger is busy; retry the batch', {
            cause: error,
            retryAfterSeconds: 1,
          });
        }
        deps.log?.debug({ code: retryReason(error), attempt }, 'ledger transaction retried');
        await sleep(Math.random() * 10 * attempt);
      }
    }
  }

  /** One group in flight per organisation; calls arriving meanwhile form the next one. */
  const groups = createGroupCommit<Caller, TransferResultCode[]>({
    limit: MAX_BATCH,
    run: runGroup,
  });

  const statistics = plannerStatistics(db, clock);

  async function submit(orgId: string, transfers: EngineTransfer[]): Promise<TransferResult[]> {
    if (transfers.length === 0 || transfers.length > MAX_BATCH) {
      throw new UserError(
        ErrorCodes.validationFailed,
        `A batch holds 1 to ${MAX_BATCH} transfers, not ${transfers.length}`,
      );
    }
    const latest = new Date(clock.now().getTime() + maxFutureDays * DAY_MS);
    const caller: Caller = {
      transfers,
      validation: transfers.map((t) => validateTransfer(t, latest)),
      context: currentContext(),
    };
    // A call ending in an open linked chain runs alone: its chain must not reach into the
    // transfers of the caller after it.
    const alone = transfers[transfers.length - 1]!.linked === true;
    const results = await groups.submit(orgId, caller, transfers.length, alone);
    await statistics.wrote(transfers.length);
    return results.map((result, index) => ({ id: transfers[index]!.id, index, result }));
  }

  /**
   * Runs a group in one transaction. If it fails (other than on contention, which every call
   * would meet alike), each call runs again on its own, in order, so that one caller's problem
   * fails that caller only.
   */
  async function runGroup(
    orgId: string,
    callers: Caller[],
  ): Promise<Settled<TransferResultCode[]>[]> {
    try {
      const results = await transact((tx) => runBatch(tx, orgId, callers));
      return results.map((value) => ({ ok: true, value }));
    } catch (error) {
      if (callers.length === 1 || isContention(error)) {
        return callers.map(() => ({ ok: false, error }));
      }
      deps.log?.warn(
        { err: error, calls: callers.length },
        'ledger group failed; its calls run one by one',
      );
      const settled: Settled<TransferResultCode[]>[] = [];
      for (const caller of callers) {
        try {
          const [value] = await transact((tx) => runBatch(tx, orgId, [caller]));
          settled.push({ ok: true, value: value! });
        } catch (error) {
          settled.push({ ok: false, error });
        }
      }
      return settled;
    }
  }

  /** One group's transaction; answers each caller's results. */
  async function runBatch(
    tx: Transaction,
    orgId: string,
    callers: readonly Caller[],
  ): Promise<TransferResultCode[][]> {
    const now = clock.now();
    const batchId = newId();
    const transfers = callers.flatMap((c) => c.transfers);
    const validation = callers.flatMap((c) => c.validation);
    const valid = transfers.filter((_, i) => validation[i] === undefined);
    const ids = new Set(valid.map((t) => t.id));
    const pendingIds = new Set(valid.flatMap((t) => (t.pendingId ? [t.pendingId] : [])));
    const reversesIds = new Set(valid.flatMap((t) => (t.reversesId ? [t.reversesId] : [])));
    const named = new Set(
      valid.flatMap((t) => [t.debitAccountId, t.creditAccountId]).filter((id) => id !== undefined),
    );

    // Everything the batch may change, found and locked in one statement: the accounts it
    // names, those of the holds it resolves, and those of expired holds on them (released on
    // the way).
    const accounts = await lockBatchAccounts(tx, orgId, named, pendingIds, now);
    const lockSet = new Set(accounts.keys());
    // Read after locking, so statuses and ids stored by batches we waited for are seen.
    const { stored, expiring } = await loadForBatch(
      tx,
      orgId,
      new Set([...ids, ...pendingIds]),
      lockSet,
      now,
    );
    for (const id of pendingIds) {
      const hold = stored.get(id);
      // A hold committed after the first look: its accounts are not locked yet. (A failed one
      // changes nothing, and may name accounts that do not exist.)
      if (
        hold?.kind === 'pending' &&
        hold.status !== 'failed' &&
        !(lockSet.has(hold.debitAccountId!) && lockSet.has(hold.creditAccountId!))
      ) {
        throw new RestartBatch();
      }
    }
    const reversed = await reversedAmong(tx, orgId, reversesIds);
    // The holds as stored before the group: the engine adds the transfers it applies to
    // `stored`, and a hold a later caller creates was not there for an earlier caller naming it.
    const storedBefore = new Map(stored);
    const output = applyBatch(
      { orgId, now, batchId, accounts, transfers: stored, reversed },
      transfers,
      validation,
      expiring,
    );
    const shares = shareOutput(callers, output, (id) => storedBefore.get(id));
    if (!hasWrites(output)) return shares.map((share) => share.results);
    await writeOutput(tx, orgId, output, now);
    const inserted = new Map(output.inserted.map((t) => [t.id, t]));
    const entries = shares.flatMap((share, i) =>
      share.wrote ? [callEntry(orgId, batchId, callers[i]!, share, inserted)] : [],
    );
    // One append for the whole group: the chain is locked and its tip read once.
    await audit.recordMany(tx, entries);
    return shares.map((share) => share.results);
  }

  /**
   * One caller's audit entry (`ledger.transfers.create`), with its own actor and correlation id
   * (the group runs outside any caller's work context).
   */
  function callEntry(
    orgId: string,
    batchId: string,
    caller: Caller,
    share: Share,
    inserted: ReadonlyMap<string, Transfer>,
  ): AuditEntryInput {
    const { context } = caller;
    return {
      action: 'ledger.transfers.create',
      entityType: 'ledger_transfer_batch',
      entityId: batchId,
      orgId,
      after: callSummary(caller.transfers, share, inserted),
      ...(context?.actor ? { actor: context.actor } : {}),
      ...(context ? { requestId: context.correlationId } : {}),
    };
  }

  async function expireChunk(orgId: string): Promise<{ found: number; expired: number }> {
    return transact(async (tx) => {
      const now = clock.now();
      const due = await dueHolds(tx, orgId, now, EXPIRE_CHUNK);
      if (due.length === 0) return { found: 0, expired: 0 };
      const accounts = await lockAccounts(
        tx,
        orgId,
        new Set(due.flatMap((h) => [h.debitAccountId!, h.creditAccountId!])),
      );
      const fresh = await loadTransfers(tx, orgId, new Set(due.map((h) => h.id)));
      const output = expireHolds(
        { orgId, now, batchId: newId(), accounts, transfers: fresh, reversed: new Set() },
        [...fresh.values()],
      );
      await recordExpiry(tx, orgId, output, now);
      return { found: due.length, expired: output.expired.length };
    });
  }

  /**
   * Locks accounts for a change other than a transfer (closing one), releasing the expired holds
   * on them first: their other accounts join the lock set, still taken in id order.
   */
  async function lockReleasingExpired(
    tx: Transaction,
    orgId: string,
    accountIds: ReadonlySet<string>,
  ): Promise<Map<string, AccountState>> {
    const now = clock.now();
    const lockSet = new Set(accountIds);
    for (const hold of await expiredHolds(tx, orgId, accountIds, now)) {
      lockSet.add(hold.debitAccountId!);
      lockSet.add(hold.creditAccountId!);
    }
    const accounts = await lockAccounts(tx, orgId, lockSet);
    const due = await expiredHolds(tx, orgId, lockSet, now);
    const output = expireHolds(
      { orgId, now, batchId: newId(), accounts, transfers: new Map(), reversed: new Set() },
      due,
    );
    await recordExpiry(tx, orgId, output, now);
    return accounts;
  }

  async function recordExpiry(tx: Transaction, orgId: string, output: EngineOutput, now: Date) {
    if (output.expired.length === 0) return;
    await writeOutput(tx, orgId, output, now);
    await audit.record(tx, {
      action: 'ledger.transfers.expire',
      entityType: 'ledger_transfer_batch',
      orgId,
      after: { count: output.expired.length, ids: output.expired.map((h) => h.id) },
    });
  }

  async function lookup(orgId: string, ids: readonly string[]): Promise<Transfer[]> {
    const wanted = ids.map((id) => uuid(id, 'ids'));
    if (wanted.length === 0) return [];
    const rows = await db
      .select()
      .from(ledgerTransfers)
      .where(
        and(
          eq(ledgerTransfers.orgId, orgId),
          sql`${ledgerTransfers.id} = any(${`{${wanted.join(',')}}`}::uuid[])`,
        ),
      );
    const byId = new Map(rows.map((row) => [row.id, toTransfer(row)]));
    return [...new Set(wanted)].flatMap((id) => byId.get(id) ?? []);
  }

  async function getTransfer(orgId: string, id: string): Promise<Transfer> {
    const [found] = await lookup(orgId, [id]);
    if (!found) throw notFound(`Transfer ${id}`);
    return found;
  }

  return {
    /**
     * Applies a batch of up to 8,190 transfers in one transaction and answers one result per
     * transfer, in order. Never throws for a transfer's own failure: that is its result code.
     * @example createTransfers(org, [{ id, debitAccountId, creditAccountId, amount: 1250n, currency: 'EUR' }])
     */
    createTransfers: async (orgId: string, transfers: readonly TransferInput[]) => {
      return submit(
        orgId,
        transfers.map((t, i) => normalise(t, i)),
      );
    },

    /** Stored transfers (applied or failed) with these ids, in the order asked; unknown ones left out. */
    lookupTransfers: lookup,

    getTransfer,
    lockReleasingExpired,

    /**
     * Runs `work` in a transaction, again (from the start) on contention a retry resolves:
     * serialization failures, deadlocks, a racing duplicate id. For writes that call
     * `applyWithin`.
     */
    transact,

    /**
     * Applies transfers inside the caller's transaction, which commits or rolls them back with
     * its own writes (an approval and the transfer it posts). Outside the group commit: the
     * account locks, taken in id order as by every writer, order it against other batches. The
     * audit entry is appended in `tx` like a batch's; call it inside `transact`, as a
     * `RestartBatch` or a racing id means starting the whole transaction again.
     */
    applyWithin: async (
      tx: Transaction,
      orgId: string,
      transfers: readonly EngineTransfer[],
    ): Promise<TransferResult[]> => {
      // A reversal asked for and approved keeps the transfer it corrects (input never sets it).
      const normalised: EngineTransfer[] = transfers.map((t, i) => ({
        ...normalise(t, i),
        ...(t.reversesId === undefined ? {} : { reversesId: t.reversesId }),
      }));
      const latest = new Date(clock.now().getTime() + maxFutureDays * DAY_MS);
      const caller: Caller = {
        transfers: normalised,
        validation: normalised.map((t) => validateTransfer(t, latest)),
        context: currentContext(),
      };
      const [codes] = await runBatch(tx, orgId, [caller]);
      return codes!.map((result, index) => ({ id: normalised[index]!.id, index, result }));
    },

    /**
     * Corrects a posted transfer with its opposite (the history is never edited). `newId` is the
     * correction's own idempotency key; a transfer is reversed at most once
     * (`transfer_already_reversed`). The reversal obeys the accounts' limits like any transfer.
     */
    reverseTransfer: async (
      orgId: string,
      id: string,
      newTransferId: string,
      options: { description?: string; effectiveAt?: Date } = {},
    ): Promise<TransferResult> => {
      const original = await getTransfer(orgId, id);
      const [result] = await submit(orgId, [
        reversalOf(original, uuid(newTransferId, 'newId'), options),
      ]);
      return result!;
    },

    /**
     * Releases every hold whose timeout has passed (one organisation's, or all), a thousand
     * per transaction. For the job system to call on a schedule; holds are also released
     * lazily when a batch touches their accounts.
     * @returns how many holds expired.
     */
    expirePending: async (orgId?: string): Promise<{ expired: number }> => {
      const orgs = orgId ? [uuid(orgId, 'orgId')] : await orgsWithDueHolds(db, clock.now());
      let expired = 0;
      for (const org of orgs) {
        for (;;) {
          const chunk = await expireChunk(org);
          expired += chunk.expired;
          if (chunk.found < EXPIRE_CHUNK || chunk.expired === 0) break;
        }
      }
      return { expired };
    },
  };
}

export type TransfersService = ReturnType<typeof createTransfersService>;

function hasWrites(output: EngineOutput): boolean {
  return output.inserted.length > 0 || output.statusChanges.length > 0;
}

/** Contention that outlasted the retries: a fresh attempt right away would meet it too. */
function isContention(error: unknown): boolean {
  return error instanceof OperationalError && error.code === 'ledger_contention';
}

/** Serialization failures, deadlocks and a racing duplicate id: a fresh attempt resolves them. */
function isRetryable(error: unknown): boolean {
  return retryReason(error) !== undefined;
}

/** Why a fresh attempt may succeed (a PostgreSQL error code, or `restart`); undefined if not. */
function retryReason(error: unknown): string | undefined {
  if (error instanceof RestartBatch) return 'restart';
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const { code, constraint } = e as { code?: unknown; constraint?: unknown };
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return code;
    if (code === '23505' && typeof constraint === 'string' && RACE_CONSTRAINTS.has(constraint)) {
      return `${code} ${constraint}`;
    }
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Transfers written since the last analyze before the next one is due (see plannerStatistics). */
const ANALYZE_AFTER_TRANSFERS = 1_000;
/** ... unless the last one was this recent and fewer than ANALYZE_BURST transfers came since. */
const ANALYZE_INTERVAL_MS = 30_000;
const ANALYZE_BURST = 100_000;

/**
 * Refreshes the planner's statistics of the tables the statements read after large writes:
 * PGlite runs no autovacuum, and on tables never analysed its planner expects a few thousand
 * postings and fetches each posting's transfer by index, a million times, where a hash join takes
 * a fraction of that (on a server this only brings autovacuum's analyze forward). At most every
 * 30 s during a bulk load, and after every 100,000 transfers in any case.
 */
function plannerStatistics(db: Database, clock: Clock) {
  let written = 0;
  let last = Number.NEGATIVE_INFINITY;
  return {
    async wrote(transfers: number): Promise<void> {
      written += transfers;
      const now = clock.now().getTime();
      if (written < ANALYZE_AFTER_TRANSFERS) return;
      if (now - last < ANALYZE_INTERVAL_MS && written < ANALYZE_BURST) return;
      written = 0;
      last = now;
      await db.execute(sql`analyze ledger_transfers, ledger_postings, ledger_account_days`);
    },
  };
}
