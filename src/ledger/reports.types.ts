import type { AccountType } from './ledger.types.ts';

/**
 * The financial statements' domain types. Money is `bigint` minor units of the report's
 * currency; JSON forms (amounts as decimal strings) are in `reports.dto.ts`. See the "Reports"
 * section of README.md for the definitions.
 */

export const REPORT_KINDS = [
  'trial-balance',
  'balance-sheet',
  'profit-and-loss',
  'cash-flow',
] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** What a report is asked for. Days are UTC calendar days, `YYYY-MM-DD`, inclusive. */
export interface ReportQuery {
  entityId: string;
  /** The entity and all its descendants, translated and with intercompany balances eliminated. */
  consolidated?: boolean;
  from?: string;
  to?: string;
  asOf?: string;
  /** ISO 4217; default: the entity's base currency. */
  currency?: string;
  /** Whether `rates` lists the rates per entity (default) or is left empty (see RatesDetail). */
  rates?: RatesDetail;
  /** Everything (default) or the figures only (see ReportDetail). */
  detail?: ReportDetail;
}

/**
 * How the rates used are given: per entity and currency (`rates`, with every day's rate each
 * entity's movements used: large for a consolidation of many entities) and per currency
 * (`ratesByCurrency`, always), or per currency only.
 */
export type RatesDetail = 'entities' | 'currencies';

/**
 * How much a statement says besides its figures. `full`: everything. `summary`: the figures
 * only, for a reader of the statement: no entity list (`entityCount` still), no rates per entity,
 * no lines' `accountIds` and no elimination entries (each line's `eliminated` amount stays). A
 * consolidation of a thousand entities is then about a tenth of the full answer.
 */
export const REPORT_DETAILS = ['full', 'summary'] as const;
export type ReportDetail = (typeof REPORT_DETAILS)[number];

/** The statements that can be shown for several periods side by side. */
export const COMPARATIVE_KINDS = ['balance-sheet', 'profit-and-loss', 'cash-flow'] as const;
export type ComparativeKind = (typeof COMPARATIVE_KINDS)[number];

/** Calendar periods of comparative statements (quarters start in January, April, July, October). */
export const PERIOD_UNITS = ['month', 'quarter', 'year'] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

/** The most periods one comparative answer holds. */
export const MAX_PERIODS = 24;

/** What comparative statements are asked for. */
export interface ComparativeQuery {
  entityId: string;
  consolidated?: boolean;
  currency?: string;
  period: PeriodUnit;
  /** How many periods, 1 to MAX_PERIODS, the last one holding `to`. */
  count: number;
  /** The last day (UTC, inclusive) of the last period; default today. */
  to?: string;
  rates?: RatesDetail;
  detail?: ReportDetail;
}

export interface ReportEntity {
  id: string;
  code: string;
  name: string;
  baseCurrency: string;
  parentId: string | null;
}

/** A recorded rate as applied: one unit of the account's currency in the report currency. */
export interface RateInfo {
  rate: string;
  /** The day the recorded rate took effect. */
  effectiveOn: string;
  /** True when only the opposite pair was recorded and its inverse is used. */
  inverted: boolean;
  /**
   * Set when no rate (nor its inverse) was recorded for the pair: the rate is derived through
   * `via` (the group's base currency) from these two recorded rates; `rate` is then their
   * product to 12 decimals, `effectiveOn` the later of their days.
   */
  derived?: {
    via: string;
    legs: [RateLeg, RateLeg];
  };
}

/** One recorded rate a derived rate is made of (`inverted`: its opposite pair was recorded). */
export interface RateLeg {
  base: string;
  quote: string;
  rate: string;
  effectiveOn: string;
  inverted: boolean;
}

/** The rates used to translate one entity's amounts held in one currency. */
export interface EntityRates {
  entityId: string;
  entityCode: string;
  /** The accounts' currency. */
  currency: string;
  /** True when it is the report currency: nothing to translate. */
  sameCurrency: boolean;
  /** Balance-sheet balances at the end of the period (`to`). */
  closing: (RateInfo & { day: string }) | null;
  /** Balance-sheet balances at the start of the period (the day before `from`). */
  opening: (RateInfo & { day: string }) | null;
  /** Movements (P&L, cash flows, debits and credits), each day at that day's rate. */
  movements: (RateInfo & { firstDay: string; lastDay: string })[];
}

/** The rates used for one currency, over every entity holding amounts in it. */
export interface CurrencyRates {
  currency: string;
  /** True when it is the report currency: nothing to translate. */
  sameCurrency: boolean;
  /** How many of the statement's entities hold amounts in it. */
  entities: number;
  /** The distinct closing rates the entities used (one unless a period close froze another). */
  closing: (RateInfo & { day: string })[];
  opening: (RateInfo & { day: string })[];
  /** Each distinct rate movements used, from the first to the last day any entity used it. */
  movements: (RateInfo & { firstDay: string; lastDay: string })[];
}

export interface ReportHeader {
  /** The entity asked for (the root of the tree when consolidated). */
  entity: ReportEntity;
  consolidated: boolean;
  /** The entities included, the root first, then depth first by code. */
  entities: ReportEntity[];
  /** How many entities are included (`entities.length`). */
  entityCount: number;
  currency: string;
  /** Null for a report as of a day (balance sheet, trial balance without a range). */
  from: string | null;
  to: string;
  /** Per entity and currency; empty when the query asked for `rates=currencies`. */
  rates: EntityRates[];
  ratesByCurrency: CurrencyRates[];
}

/** One line of a statement: the accounts of one code and type (one account per entity). */
export interface LineBase {
  code: string;
  name: string;
  type: AccountType;
  /** The parent account's code (a line of the same type), or null. */
  parentCode: string | null;
  /** 0 for a top-level account. */
  depth: number;
  accountIds: string[];
}

/** Debit-positive amounts: `closing = opening + debits - credits + translation`. */
export interface TrialBalanceFigures {
  opening: bigint;
  debits: bigint;
  credits: bigint;
  /** Translation difference of the period (zero in the accounts' own currency). */
  translation: bigint;
  closing: bigint;
}

export interface TrialBalanceLine extends LineBase, TrialBalanceFigures {
  /** The closing balance removed by intercompany elimination (debit-positive). */
  eliminated: bigint;
}

export interface TrialBalance extends ReportHeader {
  lines: TrialBalanceLine[];
  /** The equity line that takes translation and elimination differences. */
  translationDifferences: TrialBalanceFigures;
  /** Opening and closing total zero; debits equal credits; translation totals zero. */
  totals: TrialBalanceFigures;
  eliminations: EliminationEntry[];
}

/** Amounts on the line's normal side (debit for assets and expenses, credit otherwise). */
export interface StatementLine extends LineBase {
  /** The accounts' own balance or movement. */
  amount: bigint;
  /** `amount` plus every sub-account's. */
  total: bigint;
  /** What intercompany elimination removed from `amount`. */
  eliminated: bigint;
}

export interface Section {
  lines: StatementLine[];
  total: bigint;
}

export interface BalanceSheet extends ReportHeader {
  assets: Section;
  liabilities: Section;
  equity: Section & {
    /** The equity accounts' balances. */
    accounts: bigint;
    /** Revenue minus expenses to date (there are no closing entries). */
    unclosedEarnings: bigint;
    /** Currency translation differences, with elimination differences and rounding. */
    translationDifferences: bigint;
  };
  /** Equals `assets.total`, exactly. */
  liabilitiesAndEquity: bigint;
  eliminations: EliminationEntry[];
}

export interface ProfitAndLoss extends ReportHeader {
  revenue: Section;
  expenses: Section;
  netIncome: bigint;
}

export interface CashFlowLine {
  code: string;
  name: string;
  type: AccountType;
  /** The counterpart accounts. */
  accountIds: string[];
  inflows: bigint;
  outflows: bigint;
  /** `inflows - outflows`. */
  net: bigint;
}

export interface CashFlowSection {
  lines: CashFlowLine[];
  inflows: bigint;
  outflows: bigint;
  net: bigint;
}

export interface CashAccountLine {
  code: string;
  name: string;
  accountIds: string[];
  opening: bigint;
  closing: bigint;
}

export interface CashFlowStatement extends ReportHeader {
  openingCash: bigint;
  operating: CashFlowSection;
  investing: CashFlowSection;
  financing: CashFlowSection;
  /** Cash balances translated at closing rates against movements at daily rates. */
  exchangeRateEffect: bigint;
  /** What the eliminated intercompany flows did not cancel (rates, rounding). */
  eliminationDifferences: bigint;
  /** `closingCash - openingCash`: the three sections, the exchange-rate effect and the differences. */
  netChange: bigint;
  closingCash: bigint;
  cashAccounts: CashAccountLine[];
  eliminations: EliminationEntry[];
}

export interface AccountRef {
  id: string;
  code: string;
  name: string;
}

/** One entity's side of an elimination between two entities of the tree. */
export interface EliminationSide {
  entityId: string;
  entityCode: string;
  accounts: AccountRef[];
  /**
   * In the report currency: for balances, the accounts' net closing balance (debit-positive:
   * a receivable is positive, a payable negative); for cash flows, the net cash flow
   * (inflow-positive).
   */
  amount: bigint;
}

export interface EliminationEntry {
  first: EliminationSide;
  second: EliminationSide;
  /** `first.amount + second.amount`: zero when both sides agree. */
  difference: bigint;
}

export interface BalanceTotals {
  debits: bigint;
  credits: bigint;
  /** On the account's normal side. */
  balance: bigint;
}

/** An account's posted totals by effective date, in its own currency. */
export interface AccountBalance {
  accountId: string;
  code: string;
  currency: string;
  type: AccountType;
  /** The first day of the range, or null for a balance as of an instant. */
  from: string | null;
  /** The end: inclusive, an instant (ISO 8601) or a day. */
  asOf: string;
  /** Before `from` (zero without a range). */
  opening: BalanceTotals;
  /** In the range (everything up to `asOf` without one). */
  debits: bigint;
  credits: bigint;
  closing: BalanceTotals;
}

/** The header fields a comparative answer gives once rather than in every column. */
export type SharedHeader =
  'entity' | 'consolidated' | 'entities' | 'entityCount' | 'currency' | 'rates' | 'ratesByCurrency';

/** A statement without the header fields its comparative answer shares. */
export type StatementBody<S extends ReportHeader> = Omit<S, SharedHeader>;

export interface StatementByKind {
  'balance-sheet': BalanceSheet;
  'profit-and-loss': ProfitAndLoss;
  'cash-flow': CashFlowStatement;
}

/** One calendar period of a comparative statement, with its statement. */
export interface PeriodColumn<K extends ComparativeKind> {
  /** The period's first day (a balance sheet is as of `to`). */
  from: string;
  /** Its last day: the calendar end, or the query's `to` for the last period. */
  to: string;
  /** True when `to` comes before the period's calendar end (the period so far). */
  partial: boolean;
  statement: StatementBody<StatementByKind[K]>;
}

/**
 * The same statement for consecutive calendar periods, oldest first, read in one snapshot.
 * `rates` holds every rate any column used; `total` is the statement over the whole span
 * (`from` to `to`) for the flow statements, null for the balance sheet (balances do not add up
 * over time).
 */
export interface ComparativeStatements<K extends ComparativeKind> extends Pick<
  ReportHeader,
  SharedHeader
> {
  kind: K;
  period: PeriodUnit;
  from: string;
  to: string;
  periods: PeriodColumn<K>[];
  total: StatementBody<StatementByKind[K]> | null;
}
