import { z } from 'zod';
// The ledger's table of ISO 4217 codes (the module file alone: no database code with it).
import { isCurrency } from '../ledger/currencies.ts';

/**
 * Provider connections: an organisation's named LLM endpoints (kind, base URL, an API key
 * sealed in the vault, the models offered with optional prices). Agents name one in
 * `llm.connection`. The key goes in (create, update) and never comes out.
 */

export const CONNECTION_KINDS = ['openai-compatible', 'anthropic'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

export const connectionNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, "-" or "_" (at most 63)');

/**
 * An endpoint's base URL: http(s), with neither credentials, a query nor a fragment (the key
 * belongs in `apiKey`, where it is sealed; a URL is shown to every reader of the organisation).
 */
export const endpointUrlSchema = z
  .url()
  .max(2000)
  .refine((value) => endpointUrlProblem(value) === undefined, {
    error: (issue) => endpointUrlProblem(String(issue.input)) ?? 'is not a valid endpoint URL',
  });

/** What is wrong with `value` as a provider base URL, or undefined. */
export function endpointUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (url.username || url.password) {
    return 'must not hold credentials (give the key as apiKey: it is sealed and never shown)';
  }
  if (url.search || url.hash) return 'must have no query or fragment';
  return undefined;
}

/** Minor units of `currency` per million tokens, integers (as `agents.prices` in the config). */
export const modelPriceSchema = z.strictObject({
  input: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  output: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z
    .string()
    .refine(isCurrency, 'must be an active ISO 4217 currency code (as EUR, USD, JPY)'),
});

export const connectionModelSchema = z.strictObject({
  /** The model's name as the endpoint knows it (`gpt-4o-mini`, `llama3.1:8b`, ...). */
  id: z.string().min(1).max(200),
  /** For cost accounting and money budgets; an unpriced model costs 0. */
  price: modelPriceSchema.optional(),
});
export type ConnectionModel = z.output<typeof connectionModelSchema>;

const modelsSchema = z
  .array(connectionModelSchema)
  .min(1)
  .max(200)
  .refine((models) => new Set(models.map((m) => m.id)).size === models.length, {
    error: 'must name each model once',
  });

/** The key: write-only, at most 64 KiB (the secrets service's limit). */
const apiKeySchema = z.string().min(1).max(65_536);

export const connectionInputSchema = z.strictObject({
  name: connectionNameSchema,
  kind: z.enum(CONNECTION_KINDS),
  baseUrl: endpointUrlSchema,
  /** Sent as `Authorization: Bearer` (openai-compatible) or `x-api-key` (anthropic); optional. */
  apiKey: apiKeySchema.optional(),
  models: modelsSchema,
  description: z.string().max(500).optional(),
});
export type ConnectionInput = z.input<typeof connectionInputSchema>;

/** The fields to change; `apiKey: null` removes the key. The name never changes. */
export const connectionPatchSchema = z.strictObject({
  kind: z.enum(CONNECTION_KINDS).optional(),
  baseUrl: endpointUrlSchema.optional(),
  apiKey: apiKeySchema.nullable().optional(),
  models: modelsSchema.optional(),
  description: z.string().max(500).nullable().optional(),
});
export type ConnectionPatch = z.input<typeof connectionPatchSchema>;

/** A connection as the API shows it: never the key, only whether one is set. */
export const connectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(CONNECTION_KINDS),
  baseUrl: z.string(),
  hasKey: z.boolean(),
  models: z.array(
    z.object({
      id: z.string(),
      price: z.object({ input: z.number(), output: z.number(), currency: z.string() }).optional(),
    }),
  ),
  description: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConnectionJson = z.input<typeof connectionSchema>;
