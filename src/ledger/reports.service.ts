import { isUuid, notFound, type Clock, type Database } from '../kernel/index.ts';
import { utcDay } from './fx.ts';
import type { AccountType } from './ledger.types.ts';
import { comparativeStatements } from './reports.comparative.ts';
import {
  bucketWindow,
  cashFlowOf,
  figureSet,
  headerOf,
  loadContext,
  type ReportContext,
} from './reports.context.ts';
import { createReportCache } from './reports.cache.ts';
import { accountTotals, cashFlowBuckets, loadAccount } from './reports.queries.ts';
import { balanceWindow, resolvePeriod, startOfDay } from './reports.period.ts';
import { buildBalanceSheet, buildProfitAndLoss, buildTrialBalance } from './reports.statements.ts';
import type {
  AccountBalance,
  BalanceSheet,
  CashFlowStatement,
  ComparativeKind,
  ComparativeQuery,
  ComparativeStatements,
  ProfitAndLoss,
  ReportKind,
  ReportQuery,
  TrialBalance,
} from './reports.types.ts';

export interface ReportsServiceDeps {
  db: Database;
  clock: Clock;
}

const PROFIT_AND_LOSS: readonly AccountType[] = ['revenue', 'expense'];

/**
 * Financial statements from the posted postings (see the "Reports" section of README.md): per
 * entity, or consolidated over an entity and its descendants, in any currency with recorded
 * rates; one period, or several side by side (`comparative`). Read-only: nothing here writes.
 * @example const reports = createReportsService({ db: kernel.db, clock: kernel.clock });
 */
export function createReportsService(deps: ReportsServiceDeps) {
  const { db, clock } = deps;
  const today = () => utcDay(clock.now());
  const cache = createReportCache(db);
  /** The statement `kind` for `query` as of today, computed once per change of the ledger. */
  const kept = <T>(orgId: string, kind: string, query: object, compute: () => Promise<T>) =>
    cache.cached(orgId, `${kind}|${today()}|${stableKey(query)}`, compute);

  const context = (orgId: string, kind: ReportKind, query: ReportQuery): Promise<ReportContext> =>
    loadContext(db, orgId, query, resolvePeriod(kind, query, today()));

  async function trialBalance(orgId: string, query: ReportQuery): Promise<TrialBalance> {
    const c = await context(orgId, 'trial-balance', query);
    const set = await figureSet(db, c, { debitsAndCredits: true });
    return buildTrialBalance(headerOf(c), set);
  }

  async function balanceSheet(orgId: string, query: ReportQuery): Promise<BalanceSheet> {
    const c = await context(orgId, 'balance-sheet', query);
    const set = await figureSet(db, c, {});
    return buildBalanceSheet(headerOf(c), set);
  }

  async function profitAndLoss(orgId: string, query: ReportQuery): Promise<ProfitAndLoss> {
    const c = await context(orgId, 'profit-and-loss', query);
    const set = await figureSet(db, c, { periodOnly: true, types: PROFIT_AND_LOSS });
    return buildProfitAndLoss(headerOf(c), set);
  }

  async function cashFlow(orgId: string, query: ReportQuery): Promise<CashFlowStatement> {
    const c = await context(orgId, 'cash-flow', query);
    const cash = await figureSet(db, c, { cashOnly: true });
    const buckets = await cashFlowBuckets(
      db,
      c.orgId,
      c.tree.map((e) => e.id),
      bucketWindow(c, { start: c.period.from! }),
    );
    return cashFlowOf(c, cash, buckets);
  }

  const statements = {
    trialBalance: (orgId: string, query: ReportQuery) =>
      kept(orgId, 'trial-balance', query, () => trialBalance(orgId, query)),
    balanceSheet: (orgId: string, query: ReportQuery) =>
      kept(orgId, 'balance-sheet', query, () => balanceSheet(orgId, query)),
    profitAndLoss: (orgId: string, query: ReportQuery) =>
      kept(orgId, 'profit-and-loss', query, () => profitAndLoss(orgId, query)),
    cashFlow: (orgId: string, query: ReportQuery) =>
      kept(orgId, 'cash-flow', query, () => cashFlow(orgId, query)),
  };

  return {
    ...statements,

    /** One of the four statements by its kind (as in the URL). */
    report(
      orgId: string,
      kind: ReportKind,
      query: ReportQuery,
    ): Promise<TrialBalance | BalanceSheet | ProfitAndLoss | CashFlowStatement> {
      switch (kind) {
        case 'trial-balance':
          return statements.trialBalance(orgId, query);
        case 'balance-sheet':
          return statements.balanceSheet(orgId, query);
        case 'profit-and-loss':
          return statements.profitAndLoss(orgId, query);
        case 'cash-flow':
          return statements.cashFlow(orgId, query);
      }
    },

    /**
     * A statement for each of the last `count` calendar months, quarters or years up to `to`,
     * side by side, with the total over them for the flow statements (see
     * `reports.comparative.ts`): one read-only transaction, so every column sees the same
     * postings.
     */
    comparative<K extends ComparativeKind>(
      orgId: string,
      kind: K,
      query: ComparativeQuery,
    ): Promise<ComparativeStatements<K>> {
      return kept(orgId, `${kind} periods`, query, () =>
        comparativeStatements(db, orgId, kind, query, today()),
      );
    },

    /**
     * An account's posted debits, credits and balance by effective date, in its own currency:
     * as of an instant or the end of a day (`asOf`, default now), or over a range of days
     * (`from`, `to`: opening before `from`, then the range's movements).
     */
    async accountBalance(
      orgId: string,
      accountId: string,
      range: { asOf?: string; from?: string; to?: string } = {},
    ): Promise<AccountBalance> {
      const account = isUuid(accountId)
        ? await loadAccount(db, orgId, accountId.toLowerCase())
        : undefined;
      if (!account) throw notFound(`Account ${accountId}`);
      const { from, asOf, end } = balanceWindow(range, clock.now());
      const totals = await accountTotals(db, orgId, account.id, {
        split: from === null ? null : startOfDay(from),
        end,
      });
      const side = account.type === 'asset' || account.type === 'expense' ? 1n : -1n;
      const closingDebits = totals.openingDebits + totals.debits;
      const closingCredits = totals.openingCredits + totals.credits;
      return {
        accountId: account.id,
        code: account.code,
        currency: account.currency,
        type: account.type,
        from,
        asOf,
        opening: {
          debits: totals.openingDebits,
          credits: totals.openingCredits,
          balance: side * (totals.openingDebits - totals.openingCredits),
        },
        debits: totals.debits,
        credits: totals.credits,
        closing: {
          debits: closingDebits,
          credits: closingCredits,
          balance: side * (closingDebits - closingCredits),
        },
      };
    },
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;

/** The same text for equal queries, whatever the order of their keys. */
function stableKey(query: object): string {
  const entries = Object.entries(query).filter(([, value]) => value !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
