import { isUuid, notFound, type Clock, type Database } from '../kernel/index.ts';
import { utcDay } from './fx.ts';
import type { AccountType } from './ledger.types.ts';
import { createReportCache, type KeptStatement } from './reports.cache.ts';
import { comparativeStatements } from './reports.comparative.ts';
import { loadContext, type ReportContext } from './reports.context.ts';
import {
  figureSetOfParts,
  flowsOfParts,
  headerOfParts,
  readParts,
  type PartOptions,
  type Parts,
} from './reports.parts.ts';
import { accountTotals, loadAccount } from './reports.queries.ts';
import { balanceWindow, resolvePeriod, startOfDay } from './reports.period.ts';
import {
  buildBalanceSheet,
  buildCashFlow,
  buildProfitAndLoss,
  buildTrialBalance,
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
    <V>(kind: ReportKind, options: PartOptions, build: (c: ReportContext, parts: Parts) => V) =>
    (orgId: string, query: ReportQuery): Promise<V> => {
      const statement: KeptStatement<{ c: ReportContext; parts: Parts }, V> = {
        async compute(tx) {
          const c = await loadContext(tx, orgId, query, resolvePeriod(kind, query, today()));
          const parts = await readParts(
            tx,
            c,
            c.tree.map((e) => e.id),
            options,
          );
          return { state: { c, parts }, value: build(c, parts) };
        },
        async update(tx, kept, changed) {
          const { c } = kept.state;
          const touched = changed.filter((a) => c.inTree.has(a.entityId));
          if (touched.length === 0) return kept;
          if (touched.some((a) => !c.accountById.has(a.id))) return undefined;
          const parts = new Map(kept.state.parts);
          const entityIds = [...new Set(touched.map((a) => a.entityId))];
          for (const [id, part] of await readParts(tx, c, entityIds, options)) parts.set(id, part);
          return { state: { c, parts }, value: build(c, parts) };
        },
      };
      return cache.kept(orgId, `${kind}|${today()}|${stableKey(query)}`, statement);
    };

  const statements = {
    trialBalance: single('trial-balance', { debitsAndCredits: true }, (c, parts) =>
      buildTrialBalance(
        headerOfParts(c, parts),
        figureSetOfParts(c, parts, { debitsAndCredits: true }),
      ),
    ),
    balanceSheet: single('balance-sheet', {}, (c, parts) =>
      buildBalanceSheet(headerOfParts(c, parts), figureSetOfParts(c, parts, {})),
    ),
    profitAndLoss: single('profit-and-loss', PROFIT_AND_LOSS_PARTS, (c, parts) =>
      buildProfitAndLoss(
        headerOfParts(c, parts),
        figureSetOfParts(c, parts, PROFIT_AND_LOSS_PARTS),
      ),
    ),
    cashFlow: single('cash-flow', { cashOnly: true, flows: true }, (c, parts) =>
      buildCashFlow(headerOfParts(c, parts), {
        cash: figureSetOfParts(c, parts, { cashOnly: true }),
        ...flowsOfParts(c, parts),
      }),
    ),
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

/** The same text for equal queries, whatever the order of their keys. */
function stableKey(query: object): string {
  const entries = Object.entries(query).filter(([, value]) => value !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
