import { isUuid, notFound, type Clock, type Database } from '../kernel/index.ts';
import { utcDay } from './fx.ts';
import type { AccountType } from './ledger.types.ts';
import { createReportCache, type KeptStatement } from './reports.cache.ts';
import { comparativeStatements } from './reports.comparative.ts';
import { loadContext, type ReportContext } from './reports.context.ts';
import {
  assemble,
  figureSetOfParts,
  flowsOfParts,
  readChangedAccounts,
  readParts,
  reassemble,
  type Assembly,
  type PartOptions,
} from './reports.parts.ts';
import { accountTotals, loadAccount } from './reports.queries.ts';
import { balanceWindow, resolvePeriod, startOfDay } from './reports.period.ts';
import {
  buildBalanceSheet,
  buildCashFlow,
  buildProfitAndLoss,
  buildTrialBalance,
  type Reuse,
} from './reports.statements.ts';
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
const PROFIT_AND_LOSS_PARTS: PartOptions = { periodOnly: true, types: PROFIT_AND_LOSS };

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

  /**
   * A single-period statement of `kind`, built by `build` from the parts of its entities read
   * with `options`, kept per query and day and brought up to date one entity at a time.
   */
  const single =
    <V>(
      kind: ReportKind,
      options: PartOptions,
      /** `before`: the statement kept, to take over what the changes did not touch. */
      build: (c: ReportContext, assembly: Assembly, before?: V) => V,
    ) =>
    (orgId: string, query: ReportQuery): Promise<V> => {
      const statement: KeptStatement<{ c: ReportContext; assembly: Assembly }, V> = {
        async compute(tx) {
          const c = await loadContext(tx, orgId, query, resolvePeriod(kind, query, today()));
          const parts = await readParts(
            tx,
            c,
            c.tree.map((e) => e.id),
            options,
          );
          const assembly = assemble(c, parts);
          return { state: { c, assembly }, value: build(c, assembly) };
        },
        async update(tx, kept, changed) {
          const { c } = kept.state;
          const touched = changed.filter((a) => c.inTree.has(a.entityId));
          if (touched.length === 0) return kept;
          if (touched.some((a) => !c.accountById.has(a.id))) return undefined;
          // A few accounts of many (the usual write): only they are read again.
          const fresh =
            (touched.length * 4 <= c.accounts.length
              ? await readChangedAccounts(tx, c, kept.state.assembly.parts, touched, options)
              : undefined) ??
            (await readParts(tx, c, [...new Set(touched.map((a) => a.entityId))], options));
          const assembly = reassemble(c, kept.state.assembly, fresh);
          // No figure it shows changed (a write to accounts it leaves out), nor its rates: the
          // kept answer itself, whose JSON the route made before. Cash flows change only with
          // their cash accounts' figures.
          if (assembly.changed?.size === 0 && assembly.header === kept.state.assembly.header) {
            return { state: { c, assembly }, value: kept.value };
          }
          return { state: { c, assembly }, value: build(c, assembly, kept.value) };
        },
      };
      return cache.kept(orgId, `${kind}|${today()}|${stableKey(query)}`, statement);
    };

  const statements = {
    trialBalance: single<TrialBalance>(
      'trial-balance',
      { debitsAndCredits: true },
      (c, a, before) =>
        buildTrialBalance(
          a.header,
          figureSetOfParts(c, a, { debitsAndCredits: true }),
          reuseOf(a, before),
        ),
    ),
    balanceSheet: single<BalanceSheet>('balance-sheet', {}, (c, a, before) =>
      buildBalanceSheet(a.header, figureSetOfParts(c, a, {}), reuseOf(a, before)),
    ),
    profitAndLoss: single<ProfitAndLoss>('profit-and-loss', PROFIT_AND_LOSS_PARTS, (c, a, before) =>
      buildProfitAndLoss(
        a.header,
        figureSetOfParts(c, a, PROFIT_AND_LOSS_PARTS),
        reuseOf(a, before),
      ),
    ),
    cashFlow: single<CashFlowStatement>('cash-flow', { cashOnly: true, flows: true }, (c, a) =>
      buildCashFlow(a.header, {
        cash: figureSetOfParts(c, a, { cashOnly: true }),
        ...flowsOfParts(c, a.parts),
      }),
    ),
  };

  return {
    ...statements,

    /**
     * One of the four statements by its kind (as in the URL). `detail` is the route's to apply
     * (see `withDetail`); a summary, which gives no rates per entity, is made from the statement
     * kept with `rates=currencies`.
     */
    report(
      orgId: string,
      kind: ReportKind,
      asked: ReportQuery,
    ): Promise<TrialBalance | BalanceSheet | ProfitAndLoss | CashFlowStatement> {
      const query = perCurrency(asked);
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
      asked: ComparativeQuery,
    ): Promise<ComparativeStatements<K>> {
      const query = perCurrency(asked);
      return cache.kept(orgId, `${kind} periods|${today()}|${stableKey(query)}`, {
        compute: async (tx) => ({
          state: null,
          value: await comparativeStatements(tx, orgId, kind, query, today()),
        }),
      });
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

/** What a statement brought up to date can take over from the one kept (see `Reuse`). */
function reuseOf<T>(assembly: Assembly, before: T | undefined): Reuse<T> | undefined {
  return before !== undefined && assembly.changed
    ? { before, changed: assembly.changed }
    : undefined;
}

/** A summary's query computes the rates per currency only: it shows no others. */
function perCurrency<Q extends ReportQuery | ComparativeQuery>(query: Q): Q {
  return query.detail === 'summary' ? { ...query, rates: 'currencies' } : query;
}

/**
 * The same text for equal queries, whatever the order of their keys; `detail` left out: a
 * statement's summary is made from the statement kept in full (see `withDetail`).
 */
function stableKey(query: object): string {
  const entries = Object.entries(query).filter(
    ([key, value]) => value !== undefined && key !== 'detail',
  );
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
