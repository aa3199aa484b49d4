import { and, asc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../kernel/index.ts';
import { utcDay } from './fx.ts';
import { anyOf } from './ids.sql.ts';
import {
  ledgerAccountDays,
  ledgerAccounts,
  ledgerEntities,
  ledgerPostings,
  ledgerTransfers,
} from './ledger.schema.ts';
import type { AccountType, CashFlowClass } from './ledger.types.ts';
import type { ReportEntity } from './reports.types.ts';

/**
 * The reports' reads: set-based aggregates of posted postings (`pending = false`) dated by their
 * transfer's `effective_at`, from the accounts' day totals where a day is fine enough. Every query filters by `org_id`. Sums come back as text (PostgreSQL
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

/** Which accounts a bucket query reads, and how finely. */
export interface BucketOptions {
  cashOnly?: boolean;
  types?: readonly AccountType[];
  /**
   * Balance-sheet accounts held in their entity's base currency summed per part of the window
   * rather than per day (they are translated at the closing and opening rates only); not for
   * the trial balance, whose debits and credits are translated at each day's rate.
   */
  closingRate?: boolean;
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
/**
 * The bucket label: `day` (the row's UTC day) where `whole` is false (amounts translated day by
 * day), else the part of the window the row is in, labelled with the part's last day;
 * `before(at)` says the row is dated before the instant `at`.
 */
function bucketLabel(
  window: BucketWindow,
  row: { day: SQL; before: (at: Date) => SQL },
  whole: SQL,
): SQL<string> {
  const part =
    window.cuts.length === 0
      ? sql`${window.lastDay}::text`
      : sql`case ${sql.join(
          window.cuts.map((cut) => sql`when ${row.before(cut.at)} then ${cut.label}::text`),
          sql` `,
        )} else ${window.lastDay}::text end`;
  return sql<string>`case when ${whole} then ${part} else ${row.day} end`;
}

/** Postings, dated by their transfer: summed per part only in the report currency. */
function postingBucket(window: BucketWindow): SQL<string> {
  return bucketLabel(
    window,
    {
      day: sql`to_char(${ledgerTransfers.effectiveAt} at time zone 'UTC', 'YYYY-MM-DD')`,
      before: (at) => sql`${ledgerTransfers.effectiveAt} < ${at.toISOString()}::timestamptz`,
    },
    sql`${ledgerAccounts.currency} = ${window.currency}::text`,
  );
}

function inWindow(window: BucketWindow): SQL | undefined {
  return and(
    window.start ? gte(ledgerTransfers.effectiveAt, window.start) : undefined,
    lt(ledgerTransfers.effectiveAt, window.end),
  );
}

/**
 * The bucket label of a day total: the day for accounts to translate, else the part. With
 * `closingRate`, balance-sheet accounts held in their entity's base currency are summed per part
 * too: translated at the closing (and opening) rate, they need no day's rate. (`summedPerPart`
 * says the same of one account, for reads by account.)
 */
function dayBucket(window: BucketWindow, closingRate: boolean): SQL<string> {
  const sameCurrency = sql`${ledgerAccounts.currency} = ${window.currency}::text`;
  return bucketLabel(
    window,
    {
      day: sql`to_char(${ledgerAccountDays.day}, 'YYYY-MM-DD')`,
      before: (at) => sql`${ledgerAccountDays.day} < ${utcDay(at)}::date`,
    },
    closingRate
      ? sql`${sameCurrency} or (${ledgerAccounts.type} in ('asset', 'liability', 'equity') and ${ledgerAccounts.currency} = ${ledgerEntities.baseCurrency})`
      : sameCurrency,
  );
}

/**
 * Posted debits and credits per account and bucket, for the accounts of these entities: read
 * from the accounts' day totals (`ledger_account_days`), so one row per account and day at most,
 * whatever the number of postings. The window's bounds and cuts are whole days (UTC).
 */
export async function movementBuckets(
  db: DbOrTx,
  orgId: string,
  entityIds: readonly string[],
  window: BucketWindow,
  options: BucketOptions = {},
): Promise<Bucket[]> {
  const closingRate = options.closingRate ?? false;
  const query = db
    .select({
      accountId: ledgerAccountDays.accountId,
      day: dayBucket(window, closingRate),
      debits: sql<string>`sum(${ledgerAccountDays.debits})::text`,
      credits: sql<string>`sum(${ledgerAccountDays.credits})::text`,
    })
    .from(ledgerAccountDays)
    .innerJoin(
      ledgerAccounts,
      and(
        eq(ledgerAccounts.orgId, ledgerAccountDays.orgId),
        eq(ledgerAccounts.id, ledgerAccountDays.accountId),
      ),
    )
    .innerJoin(
      ledgerEntities,
      and(
        eq(ledgerEntities.orgId, ledgerAccounts.orgId),
        eq(ledgerEntities.id, ledgerAccounts.entityId),
      ),
    )
    .where(
      and(
        eq(ledgerAccountDays.orgId, orgId),
        inArray(ledgerAccounts.entityId, [...entityIds]),
        options.cashOnly ? eq(ledgerAccounts.cash, true) : undefined,
        options.types ? inArray(ledgerAccounts.type, [...options.types]) : undefined,
        window.start ? gte(ledgerAccountDays.day, utcDay(window.start)) : undefined,
        lt(ledgerAccountDays.day, utcDay(window.end)),
      ),
    )
    // By position: the label's expression carries parameters, which PostgreSQL would not match.
    .groupBy(sql`1`, sql`2`);
  const rows = await query;
  return rows.map((row) => ({
    accountId: row.accountId,
    day: row.day,
    debits: BigInt(row.debits),
    credits: BigInt(row.credits),
  }));
}

/**
 * Whether an account's day totals are summed per part of the window rather than per day: the
 * rule of `dayBucket`, for one account whose entity has `baseCurrency`.
 */
export function summedPerPart(
  account: Pick<ReportAccount, 'currency' | 'type'>,
  baseCurrency: string | undefined,
  window: Pick<BucketWindow, 'currency'>,
  closingRate: boolean,
): boolean {
  return (
    account.currency === window.currency ||
    (closingRate &&
      (account.type === 'asset' || account.type === 'liability' || account.type === 'equity') &&
      account.currency === baseCurrency)
  );
}

/**
 * Posted debits and credits per account and bucket, as `movementBuckets` answers them, of these
 * accounts only: read through the day totals' primary key, one index range per account, for a
 * few accounts of many. `perPart` lists those summed per part of the window (see
 * `summedPerPart`); the others are summed per day.
 */
export async function accountBuckets(
  db: DbOrTx,
  orgId: string,
  accountIds: readonly string[],
  perPart: readonly string[],
  window: BucketWindow,
): Promise<Bucket[]> {
  if (accountIds.length === 0) return [];
  const rows = await db
    .select({
      accountId: ledgerAccountDays.accountId,
      day: bucketLabel(
        window,
        {
          day: sql`to_char(${ledgerAccountDays.day}, 'YYYY-MM-DD')`,
          before: (at) => sql`${ledgerAccountDays.day} < ${utcDay(at)}::date`,
        },
        perPart.length === 0 ? sql`false` : anyOf(ledgerAccountDays.accountId, perPart),
      ),
      debits: sql<string>`sum(${ledgerAccountDays.debits})::text`,
      credits: sql<string>`sum(${ledgerAccountDays.credits})::text`,
    })
    .from(ledgerAccountDays)
    .where(
      and(
        eq(ledgerAccountDays.orgId, orgId),
        anyOf(ledgerAccountDays.accountId, accountIds),
        window.start ? gte(ledgerAccountDays.day, utcDay(window.start)) : undefined,
        lt(ledgerAccountDays.day, utcDay(window.end)),
      ),
    )
    .groupBy(sql`1`, sql`2`);
  return rows.map((row) => ({
    accountId: row.accountId,
    day: row.day,
    debits: BigInt(row.debits),
    credits: BigInt(row.credits),
  }));
}

/**
 * Cash received into (`in`) or paid from (`out`) the cash accounts of these entities (only
 * `cashAccountIds`, when given), per counterpart account and bucket. A transfer between two cash
 * accounts is left out.
 */
export async function cashFlowBuckets(
  db: DbOrTx,
  orgId: string,
  entityIds: readonly string[],
  window: BucketWindow,
  options: { cashAccountIds?: readonly string[] } = {},
): Promise<FlowBucket[]> {
  const counterpart = alias(ledgerAccounts, 'counterpart');
  const rows = await db
    .select({
      accountId: counterpart.id,
      side: ledgerPostings.side,
      day: postingBucket(window),
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
        options.cashAccountIds
          ? anyOf(ledgerPostings.accountId, options.cashAccountIds)
          : undefined,
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

const isDayStart = (at: Date | null): boolean => at === null || at.getTime() % 86_400_000 === 0;

/**
 * One account's posted debits and credits before `split` and from it up to `end` (exclusive):
 * from its day totals when both bounds are whole days, else (a balance as of an instant) from
 * its postings.
 */
export async function accountTotals(
  db: DbOrTx,
  orgId: string,
  accountId: string,
  window: { split: Date | null; end: Date },
): Promise<{ openingDebits: bigint; openingCredits: bigint; debits: bigint; credits: bigint }> {
  const byDay = isDayStart(window.split) && isDayStart(window.end);
  const [row] = byDay
    ? await dayTotals(db, orgId, accountId, window)
    : await postingTotals(db, orgId, accountId, window);
  return {
    openingDebits: BigInt(row?.openingDebits ?? '0'),
    openingCredits: BigInt(row?.openingCredits ?? '0'),
    debits: BigInt(row?.debits ?? '0'),
    credits: BigInt(row?.credits ?? '0'),
  };
}

type TotalsRow = { openingDebits: string; openingCredits: string; debits: string; credits: string };

function dayTotals(
  db: DbOrTx,
  orgId: string,
  accountId: string,
  window: { split: Date | null; end: Date },
): Promise<TotalsRow[]> {
  const part = (column: typeof ledgerAccountDays.debits, opening: boolean) => {
    const when = window.split
      ? sql`${ledgerAccountDays.day} ${opening ? sql`<` : sql`>=`} ${utcDay(window.split)}::date`
      : sql`${opening ? sql`false` : sql`true`}`;
    return sql<string>`coalesce(sum(case when ${when} then ${column} else 0 end), 0)::text`;
  };
  return db
    .select({
      openingDebits: part(ledgerAccountDays.debits, true),
      openingCredits: part(ledgerAccountDays.credits, true),
      debits: part(ledgerAccountDays.debits, false),
      credits: part(ledgerAccountDays.credits, false),
    })
    .from(ledgerAccountDays)
    .where(
      and(
        eq(ledgerAccountDays.orgId, orgId),
        eq(ledgerAccountDays.accountId, accountId),
        lt(ledgerAccountDays.day, utcDay(window.end)),
      ),
    );
}

function postingTotals(
  db: DbOrTx,
  orgId: string,
  accountId: string,
  window: { split: Date | null; end: Date },
): Promise<TotalsRow[]> {
  const part = (side: 'debit' | 'credit', opening: boolean) => {
    const when = window.split
      ? sql`${ledgerTransfers.effectiveAt} ${opening ? sql`<` : sql`>=`} ${window.split.toISOString()}::timestamptz`
      : sql`${opening ? sql`false` : sql`true`}`;
    return sql<string>`coalesce(sum(case when ${ledgerPostings.side} = ${side} and ${when} then ${ledgerPostings.amount} else 0 end), 0)::text`;
  };
  return db
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
}
