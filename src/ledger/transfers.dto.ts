import { z } from 'zod';
import { transferInputSchema, transferSchema } from './ledger.dto.ts';

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
