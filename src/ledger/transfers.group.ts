import { AsyncResource } from 'node:async_hooks';
import type { WorkContext } from '../kernel/index.ts';
import {
  isStoredFailure,
  type Transfer,
  type TransferResultCode,
  type ValidationResult,
} from './ledger.types.ts';
import type { EngineOutput } from './transfers.journal.ts';
import type { EngineTransfer } from './transfers.rules.ts';
import { dict } from '../kernel/dict.ts';

/**
 * Group commit, the way TigerBeetle batches its clients' requests: the calls for one
 * organisation that arrive while a batch of that organisation is in flight wait in arrival
 * order; when it ends, as many of them as fit in one batch run together, in one transaction (one
 * lock set, one engine run, one set of writes). Each caller gets exactly its own results, as if
 * the calls had run one after another. A call on an idle organisation starts at once: a lone
 * caller waits for nothing.
 *
 * This file holds the queue and the arithmetic of sharing a group's output among its callers;
 * `transfers.service.ts` runs the groups.
 */

/** One `createTransfers` call, as it waits for its group. */
export interface Caller {
  transfers: readonly EngineTransfer[];
  validation: readonly (ValidationResult | undefined)[];
  /** The call's work context when it was made: its actor and correlation id go in its audit entry. */
  context: WorkContext | undefined;
}

/** What the runner of a group answers for each of its inputs, in order. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommit<I, R> {
  /**
   * Queues `input` (`size` transfers) behind the group of `key` in flight, if any. `alone`: it
   * makes a group by itself (a call ending in an open linked chain, which must not run into the
   * next caller's transfers).
   */
  submit(key: string, input: I, size: number, alone: boolean): Promise<R>;
}

interface Waiting<I, R> {
  input: I;
  size: number;
  alone: boolean;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs `fn` in the execution context this module was loaded in, which is no caller's: a group
 * serves many calls, so its work must not carry the correlation id or actor of whichever call
 * happened to start it. Each caller's own context is restored where it matters (its audit entry).
 */
const detached = AsyncResource.bind((fn: () => void) => fn());

/**
 * Lets the event loop take one turn before a group is formed, so that calls made in the same
 * tick, and requests whose bytes arrived while the previous group ran, reach the queue first. On
 * PGlite, whose queries run on this thread, no request is read while a group runs: without this
 * turn, most groups would be one call.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A queue per key and one group in flight per key. `run` gets a group's inputs in arrival order
 * and answers one outcome per input; a throw fails every call of the group.
 * @param limit the most `size` a group adds up to (a call larger than that runs alone).
 */
export function createGroupCommit<I, R>(options: {
  limit: number;
  run: (key: string, inputs: I[]) => Promise<Settled<R>[]>;
}): GroupCommit<I, R> {
  const queues = new Map<string, Waiting<I, R>[]>();

  async function drain(key: string, waiting: Waiting<I, R>[]): Promise<void> {
    while (waiting.length > 0) {
      await nextTurn();
      const group = waiting.splice(0, groupLength(waiting, options.limit));
      let settled: Settled<R>[];
      try {
        settled = await options.run(
          key,
          group.map((w) => w.input),
        );
      } catch (error) {
        settled = group.map(() => ({ ok: false, error }));
      }
      group.forEach((w, i) => {
        const outcome = settled[i];
        if (outcome?.ok) w.resolve(outcome.value);
        else
          w.reject(outcome ? outcome.error : new Error('a group answered fewer calls than it had'));
      });
    }
    queues.delete(key);
  }

  return {
    submit(key, input, size, alone) {
      return new Promise<R>((resolve, reject) => {
        const call = { input, size, alone, resolve, reject };
        const queued = queues.get(key);
        if (queued) {
          queued.push(call);
          return;
        }
        const waiting = [call];
        queues.set(key, waiting);
        detached(() => void drain(key, waiting));
      });
    },
  };
}

/**
 * How many of the waiting calls form the next group: the first one, then the following ones in
 * order while they fit under `limit` (the first that does not fit waits for the next group, and
 * so do all behind it). A call marked `alone` is a group by itself.
 */
export function groupLength(
  waiting: readonly { size: number; alone: boolean }[],
  limit: number,
): number {
  const first = waiting[0];
  if (!first) return 0;
  if (first.alone) return 1;
  let length = 1;
  let total = first.size;
  for (const next of waiting.slice(1)) {
    if (next.alone || total + next.size > limit) break;
    total += next.size;
    length++;
  }
  return length;
}

/** A caller's share of a group's engine output. */
export interface Share {
  results: TransferResultCode[];
  /** Whether its calls changed anything (inserted a transfer, released a hold): it is audited. */
  wrote: boolean;
  /** The expired holds released on its account (see `shareOutput`). */
  expired: Transfer[];
}

/**
 * Splits a group's output among its callers, as if each had run alone in order:
 * - results: the caller's slice, in its order;
 * - a transfer row is the caller's that first produced it (its own `ok`, or a failure on the
 *   ledger's state outside a chain); a later caller with the same id only saw it (`exists…`, or
 *   the stored failure), as it would have from the database;
 * - an expired hold is released by the first caller naming one of its accounts, or the hold
 *   itself; by the first caller when none does.
 * @param holdOf the group's view of a transfer by id (to find the accounts of a named hold).
 */
export function shareOutput(
  callers: readonly Caller[],
  output: Pick<EngineOutput, 'results' | 'inserted' | 'expired'>,
  holdOf: (id: string) => Transfer | undefined,
): Share[] {
  const unclaimed = new Set(output.inserted.map((t) => t.id));
  let start = 0;
  const shares = callers.map((caller) => {
    const results = output.results.slice(start, start + caller.transfers.length);
    start += caller.transfers.length;
    let wrote = false;
    caller.transfers.forEach((t, i) => {
      const result = results[i]!;
      const inChain = t.linked === true || caller.transfers[i - 1]?.linked === true;
      const stores = result === 'ok' || (isStoredFailure(result) && !inChain);
      if (stores && unclaimed.delete(t.id)) wrote = true;
    });
    return { results, wrote, expired: [] as Transfer[] };
  });
  for (const hold of output.expired) {
    const index = callers.findIndex((caller) => names(caller, hold, holdOf));
    const share = shares[Math.max(index, 0)]!;
    share.expired.push(hold);
    share.wrote = true;
  }
  return shares;
}

/**
 * Whether a caller's valid transfers name one of the hold's accounts, or the hold itself: the
 * accounts its own batch would lock (`lockBatchAccounts`), which are the transfer's own and, for
 * a resolution, those of the hold it names. A transfer that names a stored transfer which is not
 * a hold (a resolution sent for a plain transfer) locks none of that transfer's accounts, so run
 * alone it would not release the expired holds on them.
 */
function names(
  caller: Caller,
  hold: Transfer,
  holdOf: (id: string) => Transfer | undefined,
): boolean {
  const accounts = new Set([hold.debitAccountId, hold.creditAccountId]);
  const touches = (t: { debitAccountId?: string | null; creditAccountId?: string | null }) =>
    (t.debitAccountId != null && accounts.has(t.debitAccountId)) ||
    (t.creditAccountId != null && accounts.has(t.creditAccountId));
  return caller.transfers.some((t, i) => {
    if (caller.validation[i] !== undefined) return false;
    if (t.pendingId === hold.id || touches(t)) return true;
    if (t.pendingId === undefined) return false;
    const named = holdOf(t.pendingId);
    return named?.kind === 'pending' && touches(named);
  });
}

/**
 * A call's audit entry: counts, ids and totals per result (not one entry per transfer), and the
 * expired holds released on the way.
 */
export function callSummary(
  transfers: readonly EngineTransfer[],
  share: Share,
  inserted: ReadonlyMap<string, Transfer>,
) {
  const byResult = dict<{ count: number; ids: string[]; totals: Record<string, string> }>();
  share.results.forEach((result: TransferResultCode, i) => {
    const request = transfers[i]!;
    const entry = byResult[result] ?? { count: 0, ids: [], totals: {} };
    byResult[result] = entry;
    entry.count++;
    entry.ids.push(request.id);
    const stored = result === 'ok' ? inserted.get(request.id) : undefined;
    const amount = stored?.amount ?? request.amount;
    const currency = stored?.currency ?? request.currency;
    if (amount !== undefined && amount !== null && currency) {
      entry.totals[currency] = (BigInt(entry.totals[currency] ?? '0') + amount).toString();
    }
  });
  return {
    count: transfers.length,
    results: byResult,
    expired: share.expired.map((h) => h.id),
  };
}
