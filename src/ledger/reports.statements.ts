import { CASH_FLOW_CLASSES, type AccountType, type CashFlowClass } from './ledger.types.ts';
import { layoutOf, mergeLines, rollUp, type MergedLine } from './reports.consolidate.ts';
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

/*
 * The sums below run over every account of a consolidation (tens of thousands) each time a kept
 * statement is brought up to date: plain loops, no arrays made on the way.
 */

/** The figures of these accounts added up (an account without figures adds nothing). */
function sumFigures(lookup: FigureLookup, ids: readonly string[]): Figures {
  let opening = 0n;
  let debits = 0n;
  let credits = 0n;
  let closing = 0n;
  for (const id of ids) {
    const f = lookup.get(id);
    if (f === undefined || f === ZERO_FIGURES) continue;
    opening += f.opening;
    debits += f.debits;
    credits += f.credits;
    closing += f.closing;
  }
  return { opening, debits, credits, closing };
}

/** What elimination removed from these accounts. */
function sumEliminated(eliminated: ReadonlyMap<string, bigint>, ids: readonly string[]): bigint {
  let total = 0n;
  if (eliminated.size === 0) return total;
  for (const id of ids) total += eliminated.get(id) ?? 0n;
  return total;
}

/**
 * A statement built before from the same context's accounts, and the accounts whose figures
 * changed since (see `Assembly.changed`): its lines none of whose accounts changed are taken
 * over as they are, so that bringing a statement up to date after a write costs the lines the
 * write touched, not every account of the consolidation.
 */
export interface Reuse<T> {
  before: T;
  changed: ReadonlySet<string>;
}

/** Per layout: the position of each account's line. */
const lineIndexes = new WeakMap<readonly MergedLine<string>[], Map<string, number>>();

/**
 * The positions of the lines of `layout` holding a changed account, or undefined when every
 * line is to be made (nothing to reuse, or `before` has other lines than the layout).
 */
function changedLines(
  layout: readonly MergedLine<string>[],
  changed: ReadonlySet<string> | undefined,
  before: readonly unknown[] | undefined,
): ReadonlySet<number> | undefined {
  if (!changed || !before || before.length !== layout.length) return undefined;
  let index = lineIndexes.get(layout);
  if (!index) {
    index = new Map();
    for (const [i, line] of layout.entries()) for (const id of line.values) index.set(id, i);
    lineIndexes.set(layout, index);
  }
  const lines = new Set<number>();
  for (const id of changed) {
    const i = index.get(id);
    if (i !== undefined) lines.add(i);
  }
  return lines;
}

export function buildTrialBalance(
  header: ReportHeader,
  set: FigureSet,
  reuse?: Reuse<TrialBalance>,
): TrialBalance {
  const layout = layoutOf(set.accounts);
  const changed = changedLines(layout, reuse?.changed, reuse?.before.lines);
  const lines: TrialBalanceLine[] = layout.map((line, i) => {
    if (changed && !changed.has(i)) return reuse!.before.lines[i]!;
    const figures = sumFigures(set.figures, line.values);
    return {
      code: line.code,
      name: line.name,
      type: line.type,
      parentCode: line.parentCode,
      depth: line.depth,
      accountIds: line.accountIds,
      ...figures,
      translation: translationOf(figures),
      eliminated: sumEliminated(set.eliminated, line.values),
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

/** Each line's sum of `pick` over its accounts' figures, taking over `before`'s where unchanged. */
function lineSums(
  set: FigureSet,
  layout: readonly MergedLine<string>[],
  pick: (f: Figures) => bigint,
  changed: ReadonlySet<number> | undefined,
  before: (i: number) => bigint,
): bigint[] {
  return layout.map((line, i) => {
    if (changed && !changed.has(i)) return before(i);
    let amount = 0n;
    for (const id of line.values) {
      const f = set.figures.get(id);
      if (f !== undefined && f !== ZERO_FIGURES) amount += pick(f);
    }
    return amount;
  });
}

/** The accounts of one type as statement lines, with a figure taken on the normal side. */
function section(
  set: FigureSet,
  type: AccountType,
  pick: (f: Figures) => bigint,
  reuse?: Reuse<Section>,
): Section {
  const merged = layoutOf(set.accounts, type);
  const sign = SIGN[type];
  const was = reuse?.before.lines;
  const changed = changedLines(merged, reuse?.changed, was);
  const own = lineSums(
    set,
    merged,
    (f) => sign * pick(f),
    changed,
    (i) => was![i]!.amount,
  );
  const totals = rollUp(merged, own);
  const lines: StatementLine[] = merged.map((line, i) => {
    const same = changed !== undefined && !changed.has(i);
    if (same && was![i]!.total === totals[i]) return was![i]!;
    return {
      code: line.code,
      name: line.name,
      type: line.type,
      parentCode: line.parentCode,
      depth: line.depth,
      accountIds: line.accountIds,
      amount: own[i]!,
      total: totals[i]!,
      eliminated: same ? was![i]!.eliminated : sign * sumEliminated(set.eliminated, line.values),
    };
  });
  return { lines, total: sum(own) };
}

/** Per balance sheet: its revenue and expense lines' closing balances (see `unclosedEarnings`). */
const earningsLines = new WeakMap<BalanceSheet, Record<'revenue' | 'expense', bigint[]>>();

/** From figures as of the report day (no opening part). */
export function buildBalanceSheet(
  header: ReportHeader,
  set: FigureSet,
  reuse?: Reuse<BalanceSheet>,
): BalanceSheet {
  const closing = (f: Figures) => f.closing;
  const part = <K extends 'assets' | 'liabilities'>(key: K) =>
    reuse && { before: reuse.before[key], changed: reuse.changed };
  const assets = section(set, 'asset', closing, part('assets'));
  const liabilities = section(set, 'liability', closing, part('liabilities'));
  const equity = section(
    set,
    'equity',
    closing,
    reuse && {
      before: { lines: reuse.before.equity.lines, total: reuse.before.equity.accounts },
      changed: reuse.changed,
    },
  );
  // Revenue and expenses not yet closed into equity: their closing balances, by line.
  const earned = reuse && earningsLines.get(reuse.before);
  const earnings = {} as Record<'revenue' | 'expense', bigint[]>;
  for (const type of ['revenue', 'expense'] as const) {
    const layout = layoutOf(set.accounts, type);
    earnings[type] = lineSums(
      set,
      layout,
      closing,
      changedLines(layout, reuse?.changed, earned?.[type]),
      (i) => earned![type][i]!,
    );
  }
  const unclosedEarnings = -(sum(earnings.revenue) + sum(earnings.expense));
  const translationDifferences = assets.total - liabilities.total - equity.total - unclosedEarnings;
  const equityTotal = equity.total + unclosedEarnings + translationDifferences;
  const sheet: BalanceSheet = {
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
  earningsLines.set(sheet, earnings);
  return sheet;
}

/** From figures over the period only (its movements are the closing balances). */
export function buildProfitAndLoss(
  header: ReportHeader,
  set: FigureSet,
  reuse?: Reuse<ProfitAndLoss>,
): ProfitAndLoss {
  const movement = (f: Figures) => f.closing - f.opening;
  const part = (key: 'revenue' | 'expenses') =>
    reuse && { before: reuse.before[key], changed: reuse.changed };
  const revenue = section(set, 'revenue', movement, part('revenue'));
  const expenses = section(set, 'expense', movement, part('expenses'));
  return { ...header, revenue, expenses, netIncome: revenue.total - expenses.total };
}

/** A translated cash movement against one counterpart account. */
export interface Flow {
  account: ReportAccount;
  direction: 'in' | 'out';
  amount: bigint;
}

/** The cash moved in and out against one counterpart account (see `counterpartTotals`). */
export interface CounterpartFlows {
  account: ReportAccount;
  inflows: bigint;
  outflows: bigint;
}

/** Flows summed per counterpart account, in the order the accounts are first met. */
export function counterpartTotals(flows: readonly Flow[]): CounterpartFlows[] {
  const byAccount = new Map<string, CounterpartFlows>();
  for (const flow of flows) {
    let totals = byAccount.get(flow.account.id);
    if (totals === undefined) {
      totals = { account: flow.account, inflows: 0n, outflows: 0n };
      byAccount.set(flow.account.id, totals);
    }
    if (flow.direction === 'in') totals.inflows += flow.amount;
    else totals.outflows += flow.amount;
  }
  return [...byAccount.values()];
}

export interface CashFlowInput {
  /** Cash accounts with their opening and closing balances (translated). */
  cash: FigureSet;
  /** The cash moved against each counterpart kept in the statement, each account once. */
  counterparts: readonly CounterpartFlows[];
  /** The eliminated flows, per pair of entities: each difference is what they did not cancel. */
  eliminations: EliminationEntry[];
  /**
   * Where the lines of the counterparts are kept between the builds of one statement: they are
   * made again only when the counterparts are not the same as last time (see `counterpartLines`).
   */
  layout?: CounterpartLayout;
}

/** The lines of a cash flow's counterpart accounts per class, and the accounts they are of. */
export interface CounterpartLayout {
  accounts?: readonly ReportAccount[];
  /** Per class, by code; each line's values are its counterparts' positions. */
  lines?: Record<CashFlowClass, readonly MergedLine<number>[]>;
}

/**
 * The counterparts' lines per class, by code, from `memo` when they are the same accounts in
 * the same order as last time (the usual case after a write: a posting against an account that
 * had cash moved against it before).
 */
function counterpartLines(
  counterparts: readonly CounterpartFlows[],
  memo: CounterpartLayout = {},
): Record<CashFlowClass, readonly MergedLine<number>[]> {
  const last = memo.accounts;
  if (
    memo.lines &&
    last &&
    last.length === counterparts.length &&
    last.every((account, i) => account === counterparts[i]!.account)
  ) {
    return memo.lines;
  }
  const accounts = counterparts.map((c) => c.account);
  const position = new Map(accounts.map((a, i) => [a, i]));
  const lines = {} as Record<CashFlowClass, MergedLine<number>[]>;
  for (const cashFlow of CASH_FLOW_CLASSES) {
    lines[cashFlow] = mergeLines(
      accounts.filter((a) => a.cashFlow === cashFlow),
      (a) => position.get(a)!,
    ).sort((a, b) => compareText(a.code, b.code));
  }
  memo.accounts = accounts;
  memo.lines = lines;
  return lines;
}

export function buildCashFlow(header: ReportHeader, input: CashFlowInput): CashFlowStatement {
  const cashAccounts: CashAccountLine[] = layoutOf(input.cash.accounts).map((line) => {
    const { opening, closing } = sumFigures(input.cash.figures, line.values);
    return { code: line.code, name: line.name, accountIds: line.accountIds, opening, closing };
  });
  const openingCash = sum(cashAccounts.map((l) => l.opening));
  const closingCash = sum(cashAccounts.map((l) => l.closing));

  const { counterparts } = input;
  const layout = counterpartLines(counterparts, input.layout);
  const sections = {} as Record<CashFlowClass, CashFlowSection>;
  for (const cashFlow of CASH_FLOW_CLASSES) {
    const lines: CashFlowLine[] = layout[cashFlow].map((line) => {
      let inflows = 0n;
      let outflows = 0n;
      for (const i of line.values) {
        inflows += counterparts[i]!.inflows;
        outflows += counterparts[i]!.outflows;
      }
      return {
        code: line.code,
        name: line.name,
        type: line.type,
        accountIds: line.accountIds,
        inflows,
        outflows,
        net: inflows - outflows,
      };
    });
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
