import { and, asc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../kernel/index.ts';
import {
  ledgerAccounts,
  ledgerEntities,
  ledgerPostings,
  ledgerTransfers,
} from './ledger.schema.ts';
import type { AccountType, CashFlowClass } from './ledger.types.ts';
import type { ReportEntity } from './reports.types.ts';

/**
 * The reports' reads: set-based aggregates of posted postings (`pending = false`) dated by their
 * transfer's `effective_at`. Every query filters by `org_id`. Sums come back as text (PostgreSQL
 * sums `int8` into `numeric`) and are parsed into bigints.
 */

/** What the statements need of an account. */
export interface ReportAccount {
  id: string;
  entityId: string;
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  parentAccountId: string | null;
  cash: boolean;
  cashFlow: CashFlowClass;
  counterpartyEntityId: string | null;
}

/**
 * Posted movements of one account summed over one day (`day`) or, for an account held in the
 * report currency (nothing to translate), over a whole part of the period, labelled with that
 * part's last day.
 */
export interface Bucket {
  accountId: string;
  day: string;
  debits: bigint;
  credits: bigint;
}

/** Cash moving in or out of cash accounts against one non-cash account, on a day (see Bucket). */
export interface FlowBucket {
  /** The counterpart (non-cash) account. */
  accountId: string;
  direction: 'in' | 'out';
  day: string;
  amount: bigint;
}

export interface BucketWindow {
  /** The report currency: accounts held in it are summed per part of the period, not per day. */
  currency: string;
  /** Inclusive lower bound (null: since the beginning). */
  start: Date | null;
  /** Exclusive upper bound. */
  end: Date;
  /**
   * Where the parts of the window end, ascending: a posting before `at` (and not before an
   * earlier cut) is in the part labelled `label`; after the last cut, in the part labelled
   * `lastDay`. None: one part. (One cut splits a period's opening from its movements; one per
   * period end sums each period of a comparative statement on its own.)
   */
  cuts: readonly { at: Date; label: string }[];
  lastDay: string;
}

export async function loadEntities(db: DbOrTx, orgId: string): Promise<ReportEntity[]> {
  return db
    .select({
      id: ledgerEntities.id,
      code: ledgerEntities.code,
      name: ledgerEntities.name,
      baseCurrency: ledgerEntities.baseCurrency,
      parentId: ledgerEntities.parentId,
    })
    .from(ledgerEntities)
    .where(eq(ledgerEntities.orgId, orgId))
    .orderBy(asc(ledgerEntities.code));
}

export async function loadAccount(
  db: DbOrTx,
  orgId: string,
  accountId: string,
): Promise<ReportAccount | undefined> {
  const [row] = await accountRows(
    db,
    and(eq(ledgerAccounts.orgId, orgId), eq(ledgerAccounts.id, accountId)),
  );
  return row;
}

export async function loadAccounts(
  db: DbOrTx,
  orgId: string,
  entityIds: readonly string[],
): Promise<ReportAccount[]> {
  return accountRows(
    db,
    and(eq(ledgerAccounts.orgId, orgId), inArray(ledgerAccounts.entityId, [...entityIds])),
  );
}

async function accountRows(db: DbOrTx, where: SQL | undefined): Promise<ReportAccount[]> {
  const rows = await db
    .select({
      id: ledgerAccounts.id,
      entityId: ledgerAccounts.entityId,
      code: ledgerAccounts.code,
      name: ledgerAccounts.name,
      type: ledgerAccounts.type,
      currency: ledgerAccounts.currency,
      parentAccountId: ledgerAccounts.parentAccountId,
      cash: ledgerAccounts.cash,
      cashFlow: ledgerAccounts.cashFlow,
      counterpartyEntityId: ledgerAccounts.counterpartyEntityId,
    })
    .from(ledgerAccounts)
    .where(where)
    .orderBy(asc(ledgerAccounts.code), asc(ledgerAccounts.entityId));
  return rows.map((row) => ({
    ...row,
    type: row.type as AccountType,
    cashFlow: row.cashFlow as CashFlowClass,
  }));
}

const postingTransfer = and(
  eq(ledgerTransfers.orgId, ledgerPostings.orgId),
  eq(ledgerTransfers.id, ledgerPostings.transferId),
);
const postingAccount = and(
  eq(ledgerAccounts.orgId, ledgerPostings.orgId),
  eq(ledgerAccounts.id, ledgerPostings.accountId),
);
const sumSide = (side: 'debit' | 'credit') =>
  sql<string>`coalesce(sum(case when ${ledgerPostings.side} = ${side} then ${ledgerPostings.amount} else 0 end), 0)::text`;

/** The bucket label: the UTC day for accounts to translate, else the part of the period. */
function bucketDay(
  currency: SQL | typeof ledgerAccounts.currency,
  window: BucketWindow,
): SQL<string> {
  const day = sql`to_char(${ledgerTransfers.effectiveAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const part =
    window.cuts.length === 0
      ? sql`${window.lastDay}::text`
      : sql`case ${sql.join(
          window.cuts.map(
            (cut) =>
              sql`when ${ledgerTransfers.effectiveAt} < ${cut.at.toISOString()}::timestamptz then ${cut.label}::text`,
          ),
          sql` `,
        )} else ${window.lastDay}::text end`;
  return sql<string>`case when ${currency} = ${window.currency}::text then ${part} else ${day} end`;
}

function inWindow(window: BucketWindow): SQL | undefined {
  return and(
    window.start ? gte(ledgerTransfers.effectiveAt, window.start) : undefined,
    lt(ledgerTransfers.effectiveAt, window.end),
  );
}

/** Posted debits and credits per account and bucket, for the accounts of these entities. */
export async function movementBuckets(
  db: DbOrTx,
  orgId: string,
  entityIds: readonly string[],
  window: BucketWindow,
  options: { cashOnly?: boolean; types?: readonly AccountType[] } = {},
): Promise<Bucket[]> {
  const rows = await db
    .select({
      accountId: ledgerPostings.accountId,
      day: bucketDay(ledgerAccounts.currency, window),
      debits: sumSide('debit'),
      credits: sumSide('credit'),
    })
    .from(ledgerPostings)
    .innerJoin(ledgerTransfers, postingTransfer)
    .innerJoin(ledgerAccounts, postingAccount)
    .where(
      and(
        eq(ledgerPostings.orgId, orgId),
        eq(ledgerPostings.pending, false),
        inArray(ledgerAccounts.entityId, [...entityIds]),
        options.cashOnly ? eq(ledgerAccounts.cash, true) : undefined,
        options.types ? inArray(ledgerAccounts.type, [...options.types]) : undefined,
        inWindow(window),
      ),
    )
    // By position: the label's expression carries parameters, which PostgreSQL would not match.
    .groupBy(sql`1`, sql`2`);
  return rows.map((row) => ({
    accountId: row.accountId,
    day: row.day,
    debits: BigInt(row.debits),
    credits: BigInt(row.credits),
  }));
}

/**
 * Cash received into (`in`) or paid from (`out`) the cash accounts of these entities, per
 * counterpart account and bucket. A transfer between two cash accounts is left out.
 */
export async function cashFlowBuckets(
  db: DbOrTx,
  orgId: string,
  entityIds: readonly string[],
  window: BucketWindow,
): Promise<FlowBucket[]> {
  const counterpart = alias(ledgerAccounts, 'counterpart');
  const rows = await db
    .select({
      accountId: counterpart.id,
      side: ledgerPostings.side,
      day: bucketDay(ledgerAccounts.currency, window),
      amount: sql<string>`sum(${ledgerPostings.amount})::text`,
    })
    .from(ledgerPostings)
    .innerJoin(ledgerTransfers, postingTransfer)
    .innerJoin(ledgerAccounts, postingAccount)
    .innerJoin(
      counterpart,
      and(
        eq(counterpart.orgId, ledgerPostings.orgId),
        sql`${counterpart.id} = case when ${ledgerPostings.side} = 'debit' then ${ledgerTransfers.creditAccountId} else ${ledgerTransfers.debitAccountId} end`,
      ),
    )
    .where(
      and(
        eq(ledgerPostings.orgId, orgId),
        eq(ledgerPostings.pending, false),
        eq(ledgerAccounts.cash, true),
        eq(counterpart.cash, false),
        inArray(ledgerAccounts.entityId, [...entityIds]),
        inWindow(window),
      ),
    )
    .groupBy(sql`1`, sql`2`, sql`3`);
  return rows.map((row) => ({
    accountId: row.accountId,
    direction: row.side === 'debit' ? 'in' : 'out',
    day: row.day,
    amount: BigInt(row.amount),
  }));
}

/** One account's posted debits and credits before `split` and from it up to `end` (exclusive). */
export async function accountTotals(
  db: DbOrTx,
  orgId: string,
  accountId: string,
  window: { split: Date | null; end: Date },
): Promise<{ openingDebits: bigint; openingCredits: bigint; debits: bigint; credits: bigint }> {
  const part = (side: 'debit' | 'credit', opening: boolean) => {
    const when = window.split
      ? sql`${ledgerTransfers.effectiveAt} ${opening ? sql`<` : sql`>=`} ${window.split.toISOString()}::timestamptz`
      : sql`${opening ? sql`false` : sql`true`}`;
    return sql<string>`coalesce(sum(case when ${ledgerPostings.side} = ${side} and ${when} then ${ledgerPostings.amount} else 0 end), 0)::text`;
  };
  const [row] = await db
    .select({
      openingDebits: part('debit', true),
      openingCredits: part('credit', true),
      debits: part('debit', false),
      credits: part('credit', false),
    })
    .from(ledgerPostings)
    .innerJoin(ledgerTransfers, postingTransfer)
    .where(
      and(
        eq(ledgerPostings.orgId, orgId),
        eq(ledgerPostings.accountId, accountId),
        eq(ledgerPostings.pending, false),
        lt(ledgerTransfers.effectiveAt, window.end),
      ),
    );
  return {
    openingDebits: BigInt(row?.openingDebits ?? '0'),
    openingCredits: BigInt(row?.openingCredits ?? '0'),
    debits: BigInt(row?.debits ?? '0'),
    credits: BigInt(row?.credits ?? '0'),
  };
}
