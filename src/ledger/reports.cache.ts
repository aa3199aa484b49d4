import { sql } from 'drizzle-orm';
import {
  changedSince,
  createKeptStates,
  type Database,
  type DbOrTx,
  type Transaction,
} from '../kernel/index.ts';

/**
 * Statements kept per organisation and query, brought up to date at every request from what
 * changed in the ledger since they were read (see `ledgerChanges`), so an answer is never
 * stale, whichever process wrote. Each request runs in one read-only repeatable-read
 * transaction: the changes and whatever is read again come from the same snapshot, which the
 * kept statement then records. Unchanged: the kept answer itself (the same object, so the route
 * sends the JSON it serialized before). Accounts changed: the statement's `update` reads again
 * only what they touch (see reports.parts.ts). Entities, period closes or rates changed, an
 * account created, or no `update`: computed afresh.
 *
 * Requests for one statement take turns (each starts from the answer of the one before), so a
 * long first computation is shared, not repeated. Least recently used statements go first
 * beyond `maxEntries`, and any unused for `idleMs` (default 30 minutes: a large consolidation
 * keeps tens of megabytes); a failed request keeps nothing (see `createKeptStates`).
 */
export function createReportCache(
  db: Database,
  options: { maxEntries?: number; idleMs?: number } = {},
) {
  const states = createKeptStates<Entry<unknown, unknown>>({
    maxEntries: options.maxEntries ?? 24,
    idleMs: options.idleMs ?? 30 * 60_000,
  });

  return {
    async kept<S, V>(orgId: string, key: string, statement: KeptStatement<S, V>): Promise<V> {
      const entry = await states.next(`${orgId}|${key}`, (before) => {
        const base = before as Entry<S, V> | undefined;
        return db.transaction(
          async (tx): Promise<Entry<S, V>> => {
            const changes = await ledgerChanges(tx, orgId, base?.snapshot ?? null);
            const at = { snapshot: changes.snapshot, structure: changes.structure };
            if (base && base.structure === changes.structure && changes.accounts) {
              if (changes.accounts.length === 0) return { ...base, ...at };
              const updated = await statement.update?.(tx, base, changes.accounts);
              if (updated) return { ...updated, ...at };
            }
            return { ...(await statement.compute(tx)), ...at };
          },
          { isolationLevel: 'repeatable read', accessMode: 'read only' },
        );
      });
      return (entry as Entry<S, V>).value;
    },
  };
}

export type ReportCache = ReturnType<typeof createReportCache>;

/** A statement the cache keeps: how to compute it, and how to bring it up to date. */
export interface KeptStatement<S, V> {
  /** The statement and the state it is brought up to date from. */
  compute(tx: Transaction): Promise<{ state: S; value: V }>;
  /**
   * The statement after these accounts changed (posted to, closed, created), from the kept one;
   * undefined: compute it afresh. Nothing it shows changed: the kept one itself.
   */
  update?(
    tx: Transaction,
    kept: { state: S; value: V },
    changed: readonly ChangedAccount[],
  ): Promise<{ state: S; value: V } | undefined>;
}

interface Entry<S, V> {
  snapshot: string;
  structure: string;
  state: S;
  value: V;
}

export interface ChangedAccount {
  id: string;
  entityId: string;
}

export interface LedgerChanges {
  /** The snapshot the query ran in (`pg_current_snapshot()`), as text. */
  snapshot: string;
  /**
   * A text that changes with anything a statement reads besides the accounts: a new entity or
   * one's closing, a period close, a recorded rate. Entities are otherwise never updated, period
   * closes and rates never are.
   */
  structure: string;
  /** The accounts created or changed since `since` (null when there is none). */
  accounts: ChangedAccount[] | null;
}

/**
 * What changed in the organisation's ledger since the snapshot `since`, read within the
 * caller's transaction. Every write to an account (its totals and day totals, its closing, a
 * period close) sets its `changed_xid` to the writing transaction, so an account changed since
 * `since` exactly when that transaction is not visible in `since`: committed after it was taken
 * (one still running is not visible now either, and is found next time). An index on
 * `(org_id, changed_xid)` reads only the accounts written since the oldest transaction `since`
 * did not see.
 */
export async function ledgerChanges(
  tx: DbOrTx,
  orgId: string,
  since: string | null,
): Promise<LedgerChanges> {
  const accounts =
    since === null
      ? sql`null::json`
      : sql`(select coalesce(json_agg(json_build_object('id', id, 'entityId', entity_id)), '[]')
          from ledger_accounts where org_id = ${orgId}
            and ${changedSince(sql`changed_xid`, since)})`;
  const result = await tx.execute(sql`
    select pg_current_snapshot()::text as snapshot,
      concat_ws('/',
        (select concat_ws(':', count(*), max(closed_through)) from ledger_entities
          where org_id = ${orgId}),
        (select concat_ws(':', count(*), max(created_at)) from ledger_period_closes
          where org_id = ${orgId}),
        (select concat_ws(':', count(*), max(created_at)) from ledger_fx_rates
          where org_id = ${orgId})) as structure,
      ${accounts} as accounts`);
  const [row] = (
    result as {
      rows: { snapshot: string; structure: string; accounts: ChangedAccount[] | string | null }[];
    }
  ).rows;
  const changed = row!.accounts;
  return {
    snapshot: row!.snapshot,
    structure: row!.structure,
    accounts: typeof changed === 'string' ? (JSON.parse(changed) as ChangedAccount[]) : changed,
  };
}
