import { z } from 'zod';
import { ACCOUNT_TYPES } from './ledger.types.ts';
import { currency } from './ledger.dto.ts';
import { MAX_PERIODS, PERIOD_UNITS, REPORT_DETAILS } from './reports.types.ts';

/**
 * The reports' JSON shapes (shared with the dashboard and the CLI). Amounts are decimal strings
 * of minor units of the report's currency, possibly negative: JSON numbers lose precision past
 * 2^53, and money is never a float.
 */

const signed = z.string().regex(/^-?\d+$/);
const day = z.iso.date();

/** The query of every statement route. */
/**
 * `entities` (default): the rates used per entity and currency in `rates`, and per currency in
 * `ratesByCurrency`; `currencies`: per currency only (`rates` empty), much smaller for a
 * consolidation of many entities.
 */
const ratesDetail = z.enum(['entities', 'currencies']).optional();

/**
 * `full` (default): everything. `summary`: the figures only: no `entities` (`entityCount`
 * stays), no `rates` per entity, no lines' `accountIds`, no `eliminations` entries (the lines'
 * `eliminated` amounts stay); about a tenth of the answer for a consolidation of many entities.
 */
const detail = z.enum(REPORT_DETAILS).optional();

export const reportQuerySchema = z.strictObject({
  entityId: z.uuid(),
  /** The entity and all its descendants, translated, with intercompany balances eliminated. */
  consolidated: z.stringbool().optional(),
  /** First day (UTC) of a range: profit and loss, cash flow, a trial balance over a range. */
  from: day.optional(),
  /** Last day (UTC, inclusive) of a range; default today. */
  to: day.optional(),
  /** The day (UTC, inclusive) a balance sheet or trial balance is taken at; default today. */
  asOf: day.optional(),
  /** Default: the entity's base currency. */
  currency: currency.optional(),
  rates: ratesDetail,
  detail,
});

/** The query of the comparative routes (`reports/<kind>/periods`). */
export const comparativeQuerySchema = z.strictObject({
  entityId: z.uuid(),
  consolidated: z.stringbool().optional(),
  /** Default: the entity's base currency. */
  currency: currency.optional(),
  /** Calendar months, quarters (from January, April, July, October) or years. */
  period: z.enum(PERIOD_UNITS),
  /** How many periods, the last one holding `to`; default 3. */
  count: z.coerce.number().int().min(1).max(MAX_PERIODS).default(3),
  /** The last day (UTC, inclusive) of the last period; default today. */
  to: day.optional(),
  rates: ratesDetail,
  detail,
});

export const accountBalanceQuery = z.strictObject({
  /** A day (its end, UTC) or an instant (ISO 8601, inclusive); default now. */
  asOf: z.union([day, z.iso.datetime({ offset: true })]).optional(),
  from: day.optional(),
  to: day.optional(),
});

const reportEntity = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  baseCurrency: z.string(),
  parentId: z.uuid().nullable(),
});

const rateLeg = z.object({
  base: z.string(),
  quote: z.string(),
  rate: z.string(),
  effectiveOn: day,
  inverted: z.boolean(),
});
const rateInfo = z.object({
  rate: z.string(),
  effectiveOn: day,
  inverted: z.boolean(),
  /** Present when the rate was derived through `via` from the two recorded `legs`. */
  derived: z.object({ via: z.string(), legs: z.array(rateLeg) }).optional(),
});

const entityRates = z.object({
  entityId: z.uuid(),
  entityCode: z.string(),
  currency: z.string(),
  sameCurrency: z.boolean(),
  closing: rateInfo.extend({ day }).nullable(),
  opening: rateInfo.extend({ day }).nullable(),
  movements: z.array(rateInfo.extend({ firstDay: day, lastDay: day })),
});

const currencyRates = z.object({
  currency: z.string(),
  sameCurrency: z.boolean(),
  entities: z.number().int(),
  closing: z.array(rateInfo.extend({ day })),
  opening: z.array(rateInfo.extend({ day })),
  movements: z.array(rateInfo.extend({ firstDay: day, lastDay: day })),
});

/** Left out of `detail=summary` answers. */
const entities = z.array(reportEntity).optional();
const rates = z.array(entityRates).optional();

const header = {
  entity: reportEntity,
  consolidated: z.boolean(),
  entities,
  entityCount: z.number().int(),
  currency: z.string(),
  from: day.nullable(),
  to: day,
  /** Per entity and currency; empty with `rates=currencies`. */
  rates,
  ratesByCurrency: z.array(currencyRates),
};

const lineBase = {
  code: z.string(),
  name: z.string(),
  type: z.enum(ACCOUNT_TYPES),
  parentCode: z.string().nullable(),
  depth: z.number().int(),
  accountIds: z.array(z.uuid()).optional(),
};

const trialBalanceFigures = z.object({
  opening: signed,
  debits: signed,
  credits: signed,
  translation: signed,
  closing: signed,
});

const eliminationSide = z.object({
  entityId: z.uuid(),
  entityCode: z.string(),
  accounts: z.array(z.object({ id: z.uuid(), code: z.string(), name: z.string() })),
  amount: signed,
});

const eliminationEntry = z.object({
  first: eliminationSide,
  second: eliminationSide,
  difference: signed,
});
const eliminations = z.array(eliminationEntry).optional();

export const trialBalanceSchema = z.object({
  ...header,
  lines: z.array(trialBalanceFigures.extend({ ...lineBase, eliminated: signed })),
  translationDifferences: trialBalanceFigures,
  totals: trialBalanceFigures,
  eliminations,
});

const section = z.object({
  lines: z.array(z.object({ ...lineBase, amount: signed, total: signed, eliminated: signed })),
  total: signed,
});

export const balanceSheetSchema = z.object({
  ...header,
  assets: section,
  liabilities: section,
  equity: section.extend({
    accounts: signed,
    unclosedEarnings: signed,
    translationDifferences: signed,
  }),
  liabilitiesAndEquity: signed,
  eliminations,
});

export const profitAndLossSchema = z.object({
  ...header,
  revenue: section,
  expenses: section,
  netIncome: signed,
});

const cashFlowSection = z.object({
  lines: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      type: z.enum(ACCOUNT_TYPES),
      accountIds: z.array(z.uuid()).optional(),
      inflows: signed,
      outflows: signed,
      net: signed,
    }),
  ),
  inflows: signed,
  outflows: signed,
  net: signed,
});

export const cashFlowSchema = z.object({
  ...header,
  openingCash: signed,
  operating: cashFlowSection,
  investing: cashFlowSection,
  financing: cashFlowSection,
  exchangeRateEffect: signed,
  eliminationDifferences: signed,
  netChange: signed,
  closingCash: signed,
  cashAccounts: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      accountIds: z.array(z.uuid()).optional(),
      opening: signed,
      closing: signed,
    }),
  ),
  eliminations,
});

const balanceTotals = z.object({ debits: signed, credits: signed, balance: signed });

export const accountBalanceSchema = z.object({
  accountId: z.uuid(),
  code: z.string(),
  currency: z.string(),
  type: z.enum(ACCOUNT_TYPES),
  from: day.nullable(),
  asOf: z.string(),
  opening: balanceTotals,
  debits: signed,
  credits: signed,
  closing: balanceTotals,
});

/** The statement schemas by kind, as in the URLs. */
export const REPORT_SCHEMAS = {
  'trial-balance': trialBalanceSchema,
  'balance-sheet': balanceSheetSchema,
  'profit-and-loss': profitAndLossSchema,
  'cash-flow': cashFlowSchema,
} as const;

/** The header fields a comparative answer gives once, not in every column. */
const SHARED = {
  entity: true,
  consolidated: true,
  entities: true,
  entityCount: true,
  currency: true,
  rates: true,
  ratesByCurrency: true,
} as const;

/** A comparative answer: the shared header, then one statement per period and the total. */
function comparativeSchema<K extends string, S extends z.ZodObject<typeof header>>(
  kind: K,
  statement: S,
) {
  const body = statement.omit(SHARED);
  return z.object({
    entity: reportEntity,
    consolidated: z.boolean(),
    entities,
    entityCount: z.number().int(),
    currency: z.string(),
    /** Every rate any column used. */
    rates,
    ratesByCurrency: z.array(currencyRates),
    kind: z.literal(kind),
    period: z.enum(PERIOD_UNITS),
    from: day,
    to: day,
    periods: z.array(z.object({ from: day, to: day, partial: z.boolean(), statement: body })),
    /** The statement over `from` to `to` (flow statements); null for the balance sheet. */
    total: body.nullable(),
  });
}

/** The comparative schemas by kind, as in the URLs. */
export const COMPARATIVE_SCHEMAS = {
  'balance-sheet': comparativeSchema('balance-sheet', balanceSheetSchema),
  'profit-and-loss': comparativeSchema('profit-and-loss', profitAndLossSchema),
  'cash-flow': comparativeSchema('cash-flow', cashFlowSchema),
} as const;

export type TrialBalanceJson = z.input<typeof trialBalanceSchema>;
export type BalanceSheetJson = z.input<typeof balanceSheetSchema>;
export type ProfitAndLossJson = z.input<typeof profitAndLossSchema>;
export type CashFlowJson = z.input<typeof cashFlowSchema>;
export type AccountBalanceJson = z.input<typeof accountBalanceSchema>;
export type ComparativeJson<K extends keyof typeof COMPARATIVE_SCHEMAS> = z.input<
  (typeof COMPARATIVE_SCHEMAS)[K]
>;

/** A value with every bigint as its decimal string: the reports' JSON form. */
export type Jsonified<T> = T extends bigint
  ? string
  : T extends readonly (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/** Turns every bigint of a report into its decimal string (plain data only: no dates). */
export function reportJson<T>(value: T): Jsonified<T> {
  return convert(value) as Jsonified<T>;
}

function convert(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(convert);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
  }
  return value;
}
