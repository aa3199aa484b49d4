import { CASH_FLOW_CLASSES, type AccountType, type CashFlowClass } from './ledger.types.ts';
import { layoutOf, mergeLines, rollUp } from './reports.consolidate.ts';
import type { ReportAccount } from './reports.queries.ts';
import { compareText, ZERO_FIGURES, type Figures } from './reports.translate.ts';
import type {
  BalanceSheet,
  CashAccountLine,
  CashFlowLine,
  CashFlowSection,
  CashFlowStatement,
  EliminationEntry,
  ProfitAndLoss,
  ReportHeader,
  Section,
  StatementLine,
  TrialBalance,
  TrialBalanceFigures,
  TrialBalanceLine,
} from './reports.types.ts';

/**
 * The four statements built from translated figures (pure functions: no I/O). Every total is a
 * sum of the lines' bigints, and the translation-differences line is whatever makes the
 * statement balance, so the identities hold exactly by construction; the tests check that the
 * line equals the differences computed independently.
 */

/** Translated figures by account id. */
export interface FigureLookup {
  get(accountId: string): Figures | undefined;
}

/** Translated figures per account id, with what elimination removed (closing balances). */
export interface FigureSet {
  accounts: readonly ReportAccount[];
  figures: FigureLookup;
  eliminated: ReadonlyMap<string, bigint>;
  eliminations: EliminationEntry[];
}

const sum = (values: Iterable<bigint>): bigint => {
  let total = 0n;
  for (const value of values) total += value;
  return total;
};

const translationOf = (f: Figures): bigint => f.closing - f.opening - f.debits + f.credits;

export function buildTrialBalance(header: ReportHeader, set: FigureSet): TrialBalance {
  const lines: TrialBalanceLine[] = layoutOf(set.accounts).map((line) => {
    const parts = line.values.map((id) => set.figures.get(id) ?? ZERO_FIGURES);
    const figures: Figures = {
      opening: sum(parts.map((f) => f.opening)),
      debits: sum(parts.map((f) => f.debits)),
      credits: sum(parts.map((f) => f.credits)),
      closing: sum(parts.map((f) => f.closing)),
    };
    return {
      code: line.code,
      name: line.name,
      type: line.type,
      parentCode: line.parentCode,
      depth: line.depth,
      accountIds: line.accountIds,
      ...figures,
      translation: translationOf(figures),
      eliminated: sum(line.values.map((id) => set.eliminated.get(id) ?? 0n)),
    };
  });
  const debits = sum(lines.map((l) => l.debits));
  const credits = sum(lines.map((l) => l.credits));
  const unbalanced = debits - credits;
  const differences: Figures = {
    opening: -sum(lines.map((l) => l.opening)),
    debits: unbalanced < 0n ? -unbalanced : 0n,
    credits: unbalanced > 0n ? unbalanced : 0n,
    closing: -sum(lines.map((l) => l.closing)),
  };
  const translationDifferences = { ...differences, translation: translationOf(differences) };
  const all: TrialBalanceFigures[] = [...lines, translationDifferences];
  return {
    ...header,
    lines,
    translationDifferences,
    totals: {
      opening: sum(all.map((l) => l.opening)),
      debits: sum(all.map((l) => l.debits)),
      credits: sum(all.map((l) => l.credits)),
      translation: sum(all.map((l) => l.translation)),
      closing: sum(all.map((l) => l.closing)),
    },
    eliminations: set.eliminations,
  };
}

/** Normal side: +1 for debit-normal types (assets, expenses), -1 for the others. */
const SIGN: Record<AccountType, bigint> = {
  asset: 1n,
  expense: 1n,
  liability: -1n,
  equity: -1n,
  revenue: -1n,
};

/** The accounts of one type as statement lines, with a figure taken on the normal side. */
function section(set: FigureSet, type: AccountType, pick: (f: Figures) => bigint): Section {
  const merged = layoutOf(set.accounts, type);
  const sign = SIGN[type];
  const own = merged.map((line) =>
    sum(line.values.map((id) => sign * pick(set.figures.get(id) ?? ZERO_FIGURES))),
  );
  const totals = rollUp(merged, own);
  const lines: StatementLine[] = merged.map((line, i) => ({
    code: line.code,
    name: line.name,
    type: line.type,
    parentCode: line.parentCode,
    depth: line.depth,
    accountIds: line.accountIds,
    amount: own[i]!,
    total: totals[i]!,
    eliminated: sign * sum(line.values.map((id) => set.eliminated.get(id) ?? 0n)),
  }));
  return { lines, total: sum(own) };
}

/** From figures as of the report day (no opening part). */
export function buildBalanceSheet(header: ReportHeader, set: FigureSet): BalanceSheet {
  const closing = (f: Figures) => f.closing;
  const assets = section(set, 'asset', closing);
  const liabilities = section(set, 'liability', closing);
  const equity = section(set, 'equity', closing);
  const unclosedEarnings = -sum(
    set.accounts
      .filter((a) => a.type === 'revenue' || a.type === 'expense')
      .map((a) => set.figures.get(a.id)?.closing ?? 0n),
  );
  const translationDifferences = assets.total - liabilities.total - equity.total - unclosedEarnings;
  const equityTotal = equity.total + unclosedEarnings + translationDifferences;
  return {
    ...header,
    assets,
    liabilities,
    equity: {
      lines: equity.lines,
      accounts: equity.total,
      unclosedEarnings,
      translationDifferences,
      total: equityTotal,
    },
    liabilitiesAndEquity: liabilities.total + equityTotal,
    eliminations: set.eliminations,
  };
}

/** From figures over the period only (its movements are the closing balances). */
export function buildProfitAndLoss(header: ReportHeader, set: FigureSet): ProfitAndLoss {
  const movement = (f: Figures) => f.closing - f.opening;
  const revenue = section(set, 'revenue', movement);
  const expenses = section(set, 'expense', movement);
  return { ...header, revenue, expenses, netIncome: revenue.total - expenses.total };
}

/** A translated cash movement against one counterpart account. */
export interface Flow {
  account: ReportAccount;
  direction: 'in' | 'out';
  amount: bigint;
}

export interface CashFlowInput {
  /** Cash accounts with their opening and closing balances (translated). */
  cash: FigureSet;
  /** Flows kept in the statement. */
  flows: readonly Flow[];
  /** The eliminated flows, per pair of entities: each difference is what they did not cancel. */
  eliminations: EliminationEntry[];
}

export function buildCashFlow(header: ReportHeader, input: CashFlowInput): CashFlowStatement {
  const cashAccounts: CashAccountLine[] = layoutOf(input.cash.accounts).map((line) => {
    const parts = line.values.map((id) => input.cash.figures.get(id) ?? ZERO_FIGURES);
    return {
      code: line.code,
      name: line.name,
      accountIds: line.accountIds,
      opening: sum(parts.map((f) => f.opening)),
      closing: sum(parts.map((f) => f.closing)),
    };
  });
  const openingCash = sum(cashAccounts.map((l) => l.opening));
  const closingCash = sum(cashAccounts.map((l) => l.closing));

  const byAccount = new Map<string, { inflows: bigint; outflows: bigint }>();
  for (const flow of input.flows) {
    const totals = byAccount.get(flow.account.id) ?? { inflows: 0n, outflows: 0n };
    if (flow.direction === 'in') totals.inflows += flow.amount;
    else totals.outflows += flow.amount;
    byAccount.set(flow.account.id, totals);
  }
  const counterparts = [...new Set(input.flows.map((f) => f.account))];
  const sections = {} as Record<CashFlowClass, CashFlowSection>;
  for (const cashFlow of CASH_FLOW_CLASSES) {
    const merged = mergeLines(
      counterparts.filter((a) => a.cashFlow === cashFlow),
      (a) => byAccount.get(a.id)!,
    );
    const lines: CashFlowLine[] = merged
      .map((line) => {
        const inflows = sum(line.values.map((v) => v.inflows));
        const outflows = sum(line.values.map((v) => v.outflows));
        return {
          code: line.code,
          name: line.name,
          type: line.type,
          accountIds: line.accountIds,
          inflows,
          outflows,
          net: inflows - outflows,
        };
      })
      .sort((a, b) => compareText(a.code, b.code));
    const inflows = sum(lines.map((l) => l.inflows));
    const outflows = sum(lines.map((l) => l.outflows));
    sections[cashFlow] = { lines, inflows, outflows, net: inflows - outflows };
  }
  const keptNet = sum(CASH_FLOW_CLASSES.map((c) => sections[c].net));
  const eliminationDifferences = sum(input.eliminations.map((e) => e.difference));
  const exchangeRateEffect = closingCash - openingCash - keptNet - eliminationDifferences;
  return {
    ...header,
    openingCash,
    operating: sections.operating,
    investing: sections.investing,
    financing: sections.financing,
    exchangeRateEffect,
    eliminationDifferences,
    netChange: closingCash - openingCash,
    closingCash,
    cashAccounts,
    eliminations: input.eliminations,
  };
}
