import { z } from 'zod';
import { currencyCode } from './currencies.ts';
import type { AppliedRate } from './fx.ts';
import {
  ACCOUNT_TYPES,
  CASH_FLOW_CLASSES,
  ENTITY_KINDS,
  INTERCOMPANY_KINDS,
  MAX_BATCH,
  MAX_FX_BATCH,
  TRANSFER_KINDS,
  TRANSFER_RESULT_CODES,
  TRANSFER_STATUSES,
  type Account,
  type Balances,
  type Entity,
  type FxRate,
  type IntercompanyTransferInput,
  type IntercompanyTransferResult,
  type PeriodClose,
  type Posting,
  type Transfer,
  type TransferInput,
} from './ledger.types.ts';

/**
 * The ledger's JSON shapes (shared with the dashboard). Amounts travel as decimal strings of
 * minor units ("12345" is 123.45 EUR): JSON numbers lose precision past 2^53.
 */

/** Up to 19 digits, the width of an int8; the service refuses what exceeds it. */
export const amount = z
  .string()
  .regex(/^\d{1,19}$/, 'must be a whole number of minor units, as a string of digits');
/** Signed, for balances and releases. */
const signedAmount = z.string().regex(/^-?\d+$/);
export const currency = currencyCode;
const code = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'must be 1 to 32 letters, digits, ".", "_" or "-"');
const name = z.string().trim().min(1).max(200);
const timestamp = z.iso.datetime({ offset: true });

/** A transfer's outcome: `ok`, `exists`, or why it was not applied (see the ledger README). */
const resultCode = z.enum(TRANSFER_RESULT_CODES as [string, ...string[]]);

export const idParams = z.strictObject({ id: z.uuid() });

export const entityCreateSchema = z.strictObject({
  code,
  name,
  kind: z.enum(ENTITY_KINDS),
  baseCurrency: currency,
  parentId: z.uuid().nullable().optional(),
});

export const accountCreateSchema = z.strictObject({
  entityId: z.uuid(),
  code,
  name,
  type: z.enum(ACCOUNT_TYPES),
  currency: currency.optional(),
  parentAccountId: z.uuid().nullable().optional(),
  debitsMustNotExceedCredits: z.boolean().optional(),
  creditsMustNotExceedDebits: z.boolean().optional(),
  cash: z.boolean().optional(),
  cashFlow: z.enum(CASH_FLOW_CLASSES).optional(),
  counterpartyEntityId: z.uuid().nullable().optional(),
});

export const accountListQuery = z.strictObject({ entityId: z.uuid().optional() });

export const transferInputSchema = z.strictObject({
  id: z.uuid(),
  kind: z.enum(TRANSFER_KINDS).optional(),
  debitAccountId: z.uuid().optional(),
  creditAccountId: z.uuid().optional(),
  amount: amount.optional(),
  currency: currency.optional(),
  pendingId: z.uuid().optional(),
  timeoutSeconds: z.number().int().min(0).max(2_147_483_647).optional(),
  linked: z.boolean().optional(),
  effectiveAt: timestamp.optional(),
  description: z.string().max(500).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export const transferBatchSchema = z.strictObject({
  transfers: z.array(transferInputSchema).min(1).max(MAX_BATCH),
});

export const transferLookupQuery = z.strictObject({
  /** Comma-separated. */
  ids: z
    .string()
    .transform((s) => s.split(',').filter((id) => id !== ''))
    .pipe(z.array(z.uuid()).min(1).max(200)),
});

export const postingsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const balancesSchema = z.object({
  debitsPending: signedAmount,
  creditsPending: signedAmount,
  debitsPosted: signedAmount,
  creditsPosted: signedAmount,
});

export const entitySchema = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(ENTITY_KINDS),
  baseCurrency: z.string(),
  parentId: z.uuid().nullable(),
  /** Last day (UTC) of the closed periods: nothing may be dated on or before it. */
  closedThrough: z.iso.date().nullable(),
  createdAt: timestamp,
});

export const accountSchema = balancesSchema.extend({
  id: z.uuid(),
  entityId: z.uuid(),
  code: z.string(),
  name: z.string(),
  type: z.enum(ACCOUNT_TYPES),
  currency: z.string(),
  parentAccountId: z.uuid().nullable(),
  debitsMustNotExceedCredits: z.boolean(),
  creditsMustNotExceedDebits: z.boolean(),
  closedAt: timestamp.nullable(),
  cash: z.boolean(),
  cashFlow: z.enum(CASH_FLOW_CLASSES),
  counterpartyEntityId: z.uuid().nullable(),
  closedThrough: z.iso.date().nullable(),
  createdAt: timestamp,
  /** Posted balance on the account's normal side (debit for assets and expenses). */
  balance: signedAmount,
});

export const entityCreatedSchema = entitySchema.extend({ accounts: z.array(accountSchema) });

export const transferSchema = z.object({
  id: z.uuid(),
  kind: z.enum(TRANSFER_KINDS),
  debitAccountId: z.uuid().nullable(),
  creditAccountId: z.uuid().nullable(),
  amount: amount.nullable(),
  currency: z.string().nullable(),
  pendingId: z.uuid().nullable(),
  timeoutSeconds: z.number(),
  timeoutAt: timestamp.nullable(),
  status: z.enum(TRANSFER_STATUSES),
  result: resultCode,
  reversesId: z.uuid().nullable(),
  effectiveAt: timestamp,
  description: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  batchId: z.uuid(),
  createdAt: timestamp,
});

export const transferResultsSchema = z.object({
  results: z.array(z.object({ id: z.uuid(), index: z.number(), result: resultCode })),
});

export const postingPageSchema = z.object({
  postings: z.array(
    z.object({
      id: z.number(),
      transferId: z.uuid(),
      accountId: z.uuid(),
      side: z.enum(['debit', 'credit']),
      amount: signedAmount,
      pending: z.boolean(),
      after: balancesSchema,
      /** The accounting date (its transfer's `effectiveAt`). */
      effectiveAt: timestamp,
      createdAt: timestamp,
    }),
  ),
  nextAfter: z.number().nullable(),
});

/** A calendar day, `YYYY-MM-DD` (UTC where the ledger compares it with an instant). */
const day = z.iso.date();
/** A positive decimal with at most 12 decimals ("1.0825"): rates are never floats. */
const rate = z
  .string()
  .regex(/^\d{1,18}(\.\d{1,12})?$/, 'must be a decimal with at most 12 decimals, e.g. "1.0825"');

/** One unit of `base` is worth `rate` units of `quote`. */
export const fxRateInputSchema = z.strictObject({
  base: currency,
  quote: currency,
  rate,
  /** In force from this day until a later rate for the pair. */
  effectiveOn: day,
  source: z.string().max(200).optional(),
});

export const fxRatesRecordSchema = z.strictObject({
  rates: z.array(fxRateInputSchema).min(1).max(MAX_FX_BATCH),
});

export const fxRateListQuery = z.strictObject({
  base: currency.optional(),
  quote: currency.optional(),
  /** Inclusive. */
  from: day.optional(),
  /** Inclusive. */
  to: day.optional(),
});

export const fxRateLookupQuery = z.strictObject({ base: currency, quote: currency, on: day });

export const fxRateSchema = z.object({
  id: z.uuid(),
  base: z.string(),
  quote: z.string(),
  rate: z.string(),
  effectiveOn: day,
  source: z.string().nullable(),
  createdAt: timestamp,
});

export const fxRatesRecordedSchema = z.object({
  /** Rates stored by this call. */
  recorded: z.number(),
  /** Rates given that were already stored with the same value. */
  unchanged: z.number(),
  /** Each pair and day given, as stored. */
  rates: z.array(fxRateSchema),
});

export const fxRateAppliedSchema = z.object({
  base: z.string(),
  quote: z.string(),
  /** The day asked for. */
  on: day,
  /** The recorded decimal; when `inverted`, the rate of `quote`/`base` whose inverse applies. */
  rate: z.string(),
  /** The day the recorded rate took effect. */
  effectiveOn: day,
  inverted: z.boolean(),
  /** The rate applied, exactly: units of `quote` per unit of `base` = numerator / denominator. */
  numerator: z.string(),
  denominator: z.string(),
});

export const intercompanyTransferSchema = z.strictObject({
  /** The idempotency key, and the first (lending or paying) entity's transfer id. */
  id: z.uuid(),
  kind: z.enum(INTERCOMPANY_KINDS).optional(),
  /** Where the cash leaves: the lender of a loan, the borrower of a repayment. */
  fromEntityId: z.uuid(),
  toEntityId: z.uuid(),
  amount,
  /** The base currency of one of the two entities; the other side is converted. */
  currency,
  /** Default: the entity's 1100 bank account. */
  fromAccountId: z.uuid().optional(),
  toAccountId: z.uuid().optional(),
  effectiveAt: timestamp.optional(),
  description: z.string().max(500).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const intercompanyLegSchema = z.object({
  id: z.uuid(),
  entityId: z.uuid(),
  result: resultCode,
  debitAccountId: z.uuid(),
  creditAccountId: z.uuid(),
  amount,
  currency: z.string(),
});

export const intercompanyResultSchema = z.object({
  id: z.uuid(),
  kind: z.enum(INTERCOMPANY_KINDS),
  fromEntityId: z.uuid(),
  toEntityId: z.uuid(),
  /** `ok` or `exists` for both legs, else the failure that stopped them. */
  result: resultCode,
  /** `from`'s transfer, then `to`'s. */
  legs: z.array(intercompanyLegSchema),
  rate: z.object({
    base: z.string(),
    quote: z.string(),
    rate: z.string(),
    effectiveOn: day,
    inverted: z.boolean(),
  }),
});

export const periodCloseBodySchema = z.strictObject({
  /** The last day to close (UTC, inclusive): after the current close, not after today. */
  through: day,
  note: z.string().max(2000).optional(),
});

export const periodCloseSchema = z.object({
  id: z.uuid(),
  entityId: z.uuid(),
  closedThrough: day,
  previousClosedThrough: day.nullable(),
  note: z.string().nullable(),
  createdAt: timestamp,
});

export type TransferInputJson = z.output<typeof transferInputSchema>;

/** A transfer as JSON gave it, with its amount and date parsed. */
export function fromTransferJson(t: TransferInputJson): TransferInput {
  const { amount: value, effectiveAt, ...rest } = t;
  return {
    ...rest,
    ...(value === undefined ? {} : { amount: BigInt(value) }),
    ...(effectiveAt === undefined ? {} : { effectiveAt: new Date(effectiveAt) }),
  };
}

function balancesJson(b: Balances): z.input<typeof balancesSchema> {
  return {
    debitsPending: b.debitsPending.toString(),
    creditsPending: b.creditsPending.toString(),
    debitsPosted: b.debitsPosted.toString(),
    creditsPosted: b.creditsPosted.toString(),
  };
}

export function entityJson(e: Entity): z.input<typeof entitySchema> {
  return {
    id: e.id,
    code: e.code,
    name: e.name,
    kind: e.kind,
    baseCurrency: e.baseCurrency,
    parentId: e.parentId,
    closedThrough: e.closedThrough,
    createdAt: e.createdAt.toISOString(),
  };
}

export function accountJson(a: Account): z.input<typeof accountSchema> {
  return {
    id: a.id,
    entityId: a.entityId,
    code: a.code,
    name: a.name,
    type: a.type,
    currency: a.currency,
    parentAccountId: a.parentAccountId,
    debitsMustNotExceedCredits: a.debitsMustNotExceedCredits,
    creditsMustNotExceedDebits: a.creditsMustNotExceedDebits,
    closedAt: a.closedAt?.toISOString() ?? null,
    cash: a.cash,
    cashFlow: a.cashFlow,
    counterpartyEntityId: a.counterpartyEntityId,
    closedThrough: a.closedThrough,
    createdAt: a.createdAt.toISOString(),
    ...balancesJson(a),
    balance: a.balance.toString(),
  };
}

export function transferJson(t: Transfer): z.input<typeof transferSchema> {
  return {
    id: t.id,
    kind: t.kind,
    debitAccountId: t.debitAccountId,
    creditAccountId: t.creditAccountId,
    amount: t.amount?.toString() ?? null,
    currency: t.currency,
    pendingId: t.pendingId,
    timeoutSeconds: t.timeoutSeconds,
    timeoutAt: t.timeoutAt?.toISOString() ?? null,
    status: t.status,
    result: t.result,
    reversesId: t.reversesId,
    effectiveAt: t.effectiveAt.toISOString(),
    description: t.description,
    metadata: t.metadata,
    batchId: t.batchId,
    createdAt: t.createdAt.toISOString(),
  };
}

export function postingJson(p: Posting): z.input<typeof postingPageSchema>['postings'][number] {
  return {
    id: p.id,
    transferId: p.transferId,
    accountId: p.accountId,
    side: p.side,
    amount: p.amount.toString(),
    pending: p.pending,
    after: balancesJson(p.after),
    effectiveAt: p.effectiveAt.toISOString(),
    createdAt: p.createdAt.toISOString(),
  };
}

export function fxRateJson(r: FxRate): z.input<typeof fxRateSchema> {
  return { ...r, createdAt: r.createdAt.toISOString() };
}

export function fxRateAppliedJson(r: AppliedRate, on: string): z.input<typeof fxRateAppliedSchema> {
  return {
    base: r.base,
    quote: r.quote,
    on,
    rate: r.rate,
    effectiveOn: r.effectiveOn,
    inverted: r.inverted,
    numerator: r.fraction.numerator.toString(),
    denominator: r.fraction.denominator.toString(),
  };
}

/** An intercompany transfer as JSON gave it, with its amount and date parsed. */
export function fromIntercompanyJson(
  t: z.output<typeof intercompanyTransferSchema>,
): IntercompanyTransferInput {
  const { amount: value, effectiveAt, ...rest } = t;
  return {
    ...rest,
    amount: BigInt(value),
    ...(effectiveAt === undefined ? {} : { effectiveAt: new Date(effectiveAt) }),
  };
}

export function intercompanyJson(
  r: IntercompanyTransferResult,
): z.input<typeof intercompanyResultSchema> {
  return { ...r, legs: r.legs.map((leg) => ({ ...leg, amount: leg.amount.toString() })) };
}

export function periodCloseJson(p: PeriodClose): z.input<typeof periodCloseSchema> {
  return { ...p, createdAt: p.createdAt.toISOString() };
}
