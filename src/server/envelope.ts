import { z } from 'zod';
import { VERSION } from '../kernel/index.ts';

/**
 * The `ApiResponse` envelope from SPEC.md, around every JSON answer:
 * `{ success, data?, error?: { code, message, details? }, metadata: { timestamp, requestId, version } }`.
 */
export const metadataSchema = z.object({
  timestamp: z.string(),
  requestId: z.string(),
  version: z.string(),
});

export const errorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});

/** The envelope around a route's `data`, for response schemas (and so for OpenAPI). */
export function envelopeOf<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data, metadata: metadataSchema });
}

export const errorEnvelopeSchema = z.object({
  success: z.literal(false),
  error: errorSchema,
  metadata: metadataSchema,
});

const ENVELOPED = Symbol('iza.enveloped');

function metadata(requestId: string, at: Date) {
  return { timestamp: at.toISOString(), requestId, version: VERSION };
}

function mark<T extends object>(body: T): T {
  Object.defineProperty(body, ENVELOPED, { value: true, enumerable: false });
  return body;
}

export function isEnveloped(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && ENVELOPED in payload;
}

/**
 * The success envelope around `data` serialized ahead (JSON text): what the serializer would
 * write for `successBody(data, ...)`, keys in the same order.
 */
export function successJson(dataJson: string, requestId: string, at: Date): string {
  return successJsonHead(dataJson) + successJsonTail(requestId, at);
}

/** The part of `successJson` that is the same for every request: up to the metadata. */
export function successJsonHead(dataJson: string): string {
  return `{"success":true,"data":${dataJson},"metadata":`;
}

/** The part of `successJson` each request writes: its metadata and the closing brace. */
export function successJsonTail(requestId: string, at: Date): string {
  return `${JSON.stringify(metadata(requestId, at))}}`;
}

export function successBody(data: unknown, requestId: string, at: Date) {
  return mark({ success: true as const, data, metadata: metadata(requestId, at) });
}

export function errorBody(
  error: { code: string; message: string; details?: unknown },
  requestId: string,
  at: Date,
) {
  const body: z.infer<typeof errorSchema> = { code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return mark({ success: false as const, error: body, metadata: metadata(requestId, at) });
}
