import { isUuid, notFound, type Clock, type Database } from '../kernel/index.ts';
import { requireCurrency } from './currencies.ts';
import { loadCloseHistory, loadRateBook } from './reports.rates.ts';
import { utcDay } from './fx.ts';
import type { AccountType } from './ledger.types.ts';
import { eliminateBalances, isEliminated, pairEntries, subtree } from './reports.consolidate.ts';
import {
  accountTotals,
  cashFlowBuckets,
  loadAccount,
  loadAccounts,
  loadEntities,
  movementBuckets,
  type BucketWindow,
  type ReportAccount,
} from './reports.queries.ts';
import {
  balanceWindow,
  endOfDay,
  previousDay,
  resolvePeriod,
  startOfDay,
  type Period,
} from './reports.period.ts';
import {
  buildBalanceSheet,
  buildCashFlow,
  buildProfitAndLoss,
  buildTrialBalance,
  type FigureSet,
  type Flow,
} from './reports.statements.ts';
import {
  compareText,
  createTranslator,
  translateFigures,
  type Translator,
} from './reports.translate.ts';
import type {
  AccountBalance,
  BalanceSheet,
  CashFlowStatement,
  ProfitAndLoss,
  ReportEntity,
  ReportHeader,
  ReportKind,
  ReportQuery,
  TrialBalance,
} from './reports.types.ts';

export interface ReportsServiceDeps {
  db: Database;
  clock: Clock;
}

const PROFIT_AND_LOSS: readonly AccountType[] = ['revenue', 'expense'];

/** Everything a report is built from, once the query is understood. */
interface Context {
  orgId: string;
  root: ReportEntity;
  tree: ReportEntity[];
  consolidated: boolean;
  currency: string;
  period: Period;
  accounts: ReportAccount[];
  translator: Translator;
}

/**
 * Financial statements from the posted postings (see the "Reports" section of README.md): per
 * entity, or consolidated over an entity and its descendants, in any currency with recorded
 * rates. Read-only: nothing here writes.
 * @example const reports = createReportsService({ db: kernel.db, clock: kernel.clock });
 */
export function createReportsService(deps: ReportsServiceDeps) {
  const { db, clock } = deps;
  const today = () => utcDay(clock.now());

  async function context(orgId: string, kind: ReportKind, query: ReportQuery): Promise<Context> {
    const period = resolvePeriod(kind, query, today());
    if (query.currency !== undefined) requireCurrency(query.currency, 'currency');
    const entities = isUuid(query.entityId) ? await loadEntities(db, orgId) : [];
    const root = entities.find((e) => e.id === query.entityId.toLowerCase());
    if (!root) throw notFound(`Entity ${query.entityId}`);
    const consolidated = query.consolidated ?? false;
    const tree = consolidated ? subtree(entities, root) : [root];
    const currency = query.currency ?? root.baseCurrency;
    // By code, then in tree order: a consolidated line takes its name from the first entity.
    const position = new Map(tree.map((e, i) => [e.id, i]));
    const accounts = (
      await loadAccounts(
        db,
        orgId,
        tree.map((e) => e.id),
      )
    ).sort(
      (a, b) =>
        compareText(a.code, b.code) || position.get(a.entityId)! - position.get(b.entityId)!,
    );
    // Missing pairs are derived through the group's base currency: the top entity's.
    let top = root;
    for (let up = top; up.parentId !== null;) {
      const parent = entities.find((e) => e.id === up.parentId);
      if (!parent) break;
      top = up = parent;
    }
    const book = await loadRateBook(
      db,
      orgId,
      currency,
      accounts.map((a) => a.currency),
      period.to,
      {
        pivot: top.baseCurrency,
        closes: await loadCloseHistory(
          db,
          orgId,
          tree.map((e) => e.id),
        ),
      },
    );
    return {
      orgId,
      root,
      tree,
      consolidated,
      currency,
      period,
      accounts,
      translator: createTranslator(book),
    };
  }

  const header = (c: Context): ReportHeader => ({
    entity: c.root,
    consolidated: c.consolidated,
    entities: c.tree,
    currency: c.currency,
    from: c.period.from,
    to: c.period.to,
    rates: c.translator.used(c.tree),
  });

  const window = (c: Context, options: { start?: string; split?: string }): BucketWindow => ({
    currency: c.currency,
    start: options.start === undefined ? null : startOfDay(options.start),
    end: endOfDay(c.period.to),
    split:
      options.split === undefined
        ? null
        : { at: startOfDay(options.split), openingDay: previousDay(options.split) },
    lastDay: c.period.to,
  });

  /** Translated figures of the accounts a statement needs, eliminated when consolidated. */
  async function figureSet(
    c: Context,
    options: {
      periodOnly?: boolean;
      cashOnly?: boolean;
      types?: readonly AccountType[];
      debitsAndCredits?: boolean;
    },
  ): Promise<FigureSet> {
    const from = options.periodOnly ? null : c.period.from;
    const entityIds = c.tree.map((e) => e.id);
    const buckets = await movementBuckets(
      db,
      c.orgId,
      entityIds,
      window(c, {
        ...(options.periodOnly && c.period.from ? { start: c.period.from } : {}),
        ...(from ? { split: from } : {}),
      }),
      {
        ...(options.cashOnly ? { cashOnly: true } : {}),
        ...(options.types ? { types: options.types } : {}),
      },
    );
    const accounts = c.accounts.filter(
      (a) => (!options.cashOnly || a.cash) && (!options.types || options.types.includes(a.type)),
    );
    const baseOf = new Map(c.tree.map((e) => [e.id, e.baseCurrency]));
    const figures = translateFigures(
      accounts,
      buckets,
      { from, to: c.period.to, openingDay: from ? previousDay(from) : null },
      c.translator,
      {
        debitsAndCredits: options.debitsAndCredits ?? false,
        historical: (a) => a.currency !== baseOf.get(a.entityId),
      },
    );
    if (!c.consolidated || options.cashOnly || options.types) {
      return { accounts, figures, eliminated: new Map(), eliminations: [] };
    }
    const { entries, eliminated } = eliminateBalances(accounts, figures, c.tree);
    return { accounts, figures, eliminated, eliminations: entries };
  }

  async function trialBalance(orgId: string, query: ReportQuery): Promise<TrialBalance> {
    const c = await context(orgId, 'trial-balance', query);
    const set = await figureSet(c, { debitsAndCredits: true });
    return buildTrialBalance(header(c), set);
  }

  async function balanceSheet(orgId: string, query: ReportQuery): Promise<BalanceSheet> {
    const c = await context(orgId, 'balance-sheet', query);
    const set = await figureSet(c, {});
    return buildBalanceSheet(header(c), set);
  }

  async function profitAndLoss(orgId: string, query: ReportQuery): Promise<ProfitAndLoss> {
    const c = await context(orgId, 'profit-and-loss', query);
    const set = await figureSet(c, { periodOnly: true, types: PROFIT_AND_LOSS });
    return buildProfitAndLoss(header(c), set);
  }

  async function cashFlow(orgId: string, query: ReportQuery): Promise<CashFlowStatement> {
    const c = await context(orgId, 'cash-flow', query);
    const cash = await figureSet(c, { cashOnly: true });
    const byId = new Map(c.accounts.map((a) => [a.id, a]));
    const buckets = await cashFlowBuckets(
      db,
      c.orgId,
      c.tree.map((e) => e.id),
      window(c, { start: c.period.from! }),
    );
    const inTree = new Set(c.tree.map((e) => e.id));
    const flows: Flow[] = [];
    const eliminated: { account: ReportAccount; amount: bigint }[] = [];
    for (const bucket of buckets) {
      const account = byId.get(bucket.accountId);
      // The counterpart belongs to the same entity as the cash account, so it was loaded.
      if (!account) continue;
      const amount = c.translator.convert(bucket.amount, account, bucket.day, 'movement');
      if (c.consolidated && isEliminated(account, inTree)) {
        eliminated.push({ account, amount: bucket.direction === 'in' ? amount : -amount });
      } else {
        flows.push({ account, direction: bucket.direction, amount });
      }
    }
    return buildCashFlow(header(c), {
      cash,
      flows,
      eliminations: pairEntries(eliminated, c.tree),
    });
  }

  return {
    trialBalance,
    balanceSheet,
    profitAndLoss,
    cashFlow,

    /** One of the four statements by its kind (as in the URL). */
    report(
      orgId: string,
      kind: ReportKind,
      query: ReportQuery,
    ): Promise<TrialBalance | BalanceSheet | ProfitAndLoss | CashFlowStatement> {
      switch (kind) {
        case 'trial-balance':
          return trialBalance(orgId, query);
        case 'balance-sheet':
          return balanceSheet(orgId, query);
        case 'profit-and-loss':
          return profitAndLoss(orgId, query);
        case 'cash-flow':
          return cashFlow(orgId, query);
      }
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
