import { ErrorCodes, UserError, isUuid } from '../kernel/index.ts';
import type { TransferInput } from './ledger.types.ts';
import type { EngineTransfer } from './transfers.rules.ts';

/**
 * The service's own check of what a route has already validated: ids are UUIDs (lower-cased, as
 * PostgreSQL prints them) and metadata is plain JSON.
 */
export function normalise(t: TransferInput, index: number): EngineTransfer {
  const at = (field: string) => `transfers.${index}.${field}`;
  const out: EngineTransfer = { ...t, id: uuid(t.id, at('id')) };
  if (t.debitAccountId !== undefined) {
    out.debitAccountId = uuid(t.debitAccountId, at('debitAccountId'));
  }
  if (t.creditAccountId !== undefined) {
    out.creditAccountId = uuid(t.creditAccountId, at('creditAccountId'));
  }
  if (t.pendingId !== undefined) out.pendingId = uuid(t.pendingId, at('pendingId'));
  if (t.effectiveAt !== undefined && Number.isNaN(t.effectiveAt.getTime())) {
    throw invalid(at('effectiveAt'), 'is not a valid date');
  }
  if (t.metadata !== undefined) out.metadata = plainJson(t.metadata, at('metadata'));
  delete (out as { reversesId?: string }).reversesId;
  return out;
}

export function uuid(value: string, path: string): string {
  if (!isUuid(value)) throw invalid(path, 'must be a UUID');
  return value.toLowerCase();
}

function plainJson(value: Record<string, unknown>, path: string): Record<string, unknown> {
  try {
    const copy: unknown = JSON.parse(JSON.stringify(value));
    if (typeof copy === 'object' && copy !== null && !Array.isArray(copy)) {
      return copy as Record<string, unknown>;
    }
  } catch {
    // falls through to the error below
  }
  throw invalid(path, 'must be a JSON object');
}

export function invalid(path: string, message: string): UserError {
  return new UserError(ErrorCodes.validationFailed, `${path} ${message}`, {
    details: [{ path, message }],
  });
}
