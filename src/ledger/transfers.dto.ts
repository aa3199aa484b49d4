import { z } from 'zod';
import { transferInputSchema, transferSchema } from './ledger.dto.ts';
import type { Revaluation } from './revaluation.ts';

/**
 * JSON shapes of the single-transfer call and the transfer listing (the batch's are in
 * `ledger.dto.ts`).
 */

/** `PUT /transfers/:id`: one transfer, its id in the path. */
export const singleTransferBodySchema = transferInputSchema.omit({ id: true, linked: true });

export const singleTransferResultSchema = z.object({
  id: z.uuid(),
  /** Always 0: the position of a batch's result, kept so a reversal answers as it did. */
  index: z.literal(0),
  /** `ok`: applied now; `exists`: applied before under this id with the same fields. */
  result: z.enum(['ok', 'exists']),
  transfer: transferSchema,
});

/** `POST /transfers/:id/reverse`. */
export const reverseBodySchema = z.strictObject({
  /** The reversing transfer's own id (its idempotency key). */
  id: z.uuid(),
  description: z.string().max(500).optional(),
  /** When the reversal counts in the books (default: now). */
  effectiveAt: z.iso.datetime({ offset: true }).optional(),
});

/** `GET /journal`: transfers by account, entity and effective date, a page at a time. */
export const journalQuery = z.strictObject({
  accountId: z.uuid().optional(),
  entityId: z.uuid().optional(),
  /** Effective on or after this day (UTC). */
  from: z.iso.date().optional(),
  /** Effective on or before this day (UTC). */
  to: z.iso.date().optional(),
  /** `true`: failed transfers too. */
  failed: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const journalPageSchema = z.object({
  transfers: z.array(transferSchema),
  /** Pass as `after` for the next page; null on the last page. */
  next: z.string().nullable(),
});

/** `POST /entities/:id/revalue`. */
export const revalueBodySchema = z.strictObject({
  /** The closing day (UTC; default today). */
  on: z.iso.date().optional(),
});

const rateLeg = z.object({
  base: z.string(),
  quote: z.string(),
  rate: z.string(),
  effectiveOn: z.iso.date(),
  inverted: z.boolean(),
});

export const revaluationSchema = z.object({
  entityId: z.uuid(),
  on: z.iso.date(),
  currency: z.string(),
  posted: z.number(),
  lines: z.array(
    z.object({
      accountId: z.uuid(),
      code: z.string(),
      currency: z.string(),
      /** Debit-positive minor units of the account's currency. */
      balance: z.string(),
      rate: rateLeg.extend({
        derived: z.object({ via: z.string(), legs: z.array(rateLeg) }).optional(),
      }),
      /** Minor units of the base currency, debit-positive. */
      remeasured: z.string(),
      carrying: z.string(),
      difference: z.string(),
      revaluationAccountId: z.uuid().nullable(),
      transferId: z.uuid().nullable(),
      result: z.string().nullable(),
    }),
  ),
});

export function revaluationJson(r: Revaluation): z.input<typeof revaluationSchema> {
  return {
    ...r,
    lines: r.lines.map((l) => ({
      ...l,
      balance: l.balance.toString(),
      remeasured: l.remeasured.toString(),
      carrying: l.carrying.toString(),
      difference: l.difference.toString(),
      rate: {
        base: l.rate.base,
        quote: l.rate.quote,
        rate: l.rate.rate,
        effectiveOn: l.rate.effectiveOn,
        inverted: l.rate.inverted,
        ...(l.rate.derived ? { derived: l.rate.derived } : {}),
      },
    })),
  };
}
