/**
 * The three kinds of failure, each with a stable machine-readable `code`.
 *
 * - `UserError`: the caller's input or a business rule was wrong (HTTP 4xx, not logged as an error).
 * - `OperationalError`: a dependency failed (database down, provider timeout); usually retryable.
 * - `UnexpectedError`: a bug. Clients see only a generic message; details go to the log.
 *
 * They become HTTP answers in exactly one place: `src/server/errors.ts`.
 */
export abstract class IzaError extends Error {
  abstract readonly kind: 'user' | 'operational' | 'unexpected';
  readonly code: string;
  readonly details: unknown;

  constructor(code: string, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

/** HTTP statuses a `UserError` may carry. */
export type UserErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429;

export class UserError extends IzaError {
  readonly kind = 'user' as const;
  readonly status: UserErrorStatus;

  constructor(
    code: string,
    message: string,
    options: { status?: UserErrorStatus; details?: unknown; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.status = options.status ?? 400;
  }
}

export class OperationalError extends IzaError {
  readonly kind = 'operational' as const;
  /** Seconds after which a retry may succeed, when the failing dependency said so. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: string,
    message: string,
    options: { details?: unknown; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(code, message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class UnexpectedError extends IzaError {
  readonly kind = 'unexpected' as const;
}

/** Stable codes used by the kernel and the HTTP layer. Modules define their own beside these. */
export const ErrorCodes = {
  validationFailed: 'validation_failed',
  notFound: 'not_found',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  conflict: 'conflict',
  rateLimited: 'rate_limited',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  badRequest: 'bad_request',
  configInvalid: 'config_invalid',
  dataDirLocked: 'data_dir_locked',
  databaseUnavailable: 'database_unavailable',
  serviceUnavailable: 'service_unavailable',
  internal: 'internal_error',
} as const;

export function notFound(what: string): UserError {
  return new UserError(ErrorCodes.notFound, `${what} was not found`, { status: 404 });
}

/** Makes an unknown thrown value an `IzaError`, keeping the original as `cause`. */
export function toIzaError(value: unknown): IzaError {
  if (value instanceof IzaError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new UnexpectedError(ErrorCodes.internal, message, { cause: value });
}

/** For exhaustive switches over unions: a new member becomes a compile error. */
export function assertNever(value: never, what = 'value'): never {
  throw new UnexpectedError(ErrorCodes.internal, `Unhandled ${what}: ${JSON.stringify(value)}`);
}
