import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, IzaError, OperationalError, UserError, type Logger } from '../kernel/index.ts';
import { bodyLimitOf, unsupportedMediaType } from './body-types.ts';
import { errorBody } from './envelope.ts';

/** Codes of refusals the HTTP layer makes itself, beside the kernel's `ErrorCodes`. */
export const HttpErrorCodes = {
  textNotStorable: 'text_not_storable',
  uriTooLong: 'uri_too_long',
  badUrl: 'bad_url',
  headersTooLarge: 'headers_too_large',
  requestTimeout: 'request_timeout',
  expectationFailed: 'expectation_failed',
  tooManyStreams: 'too_many_streams',
} as const;

/**
 * The one place where errors become HTTP answers. User errors keep their message; operational
 * errors say what is unavailable; anything else is a bug and the client sees only a generic
 * message with the request id to quote (the stack goes to the log, never to the client).
 */
export function registerErrorHandling(app: FastifyInstance, log: Logger, now: () => Date): void {
  app.setErrorHandler((error: FastifyError | IzaError | Error, request, reply) => {
    const refined = refine(error, request);
    const { status, body, logLevel } = toHttp(refined);
    if (logLevel === 'error') {
      log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    } else if (logLevel === 'warn' || body.code === HttpErrorCodes.textNotStorable) {
      log.warn({ err: error, method: request.method, url: request.url }, 'request failed');
    }
    if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
    if (error instanceof OperationalError && error.retryAfterSeconds) {
      reply.header('retry-after', String(error.retryAfterSeconds));
    }
    return reply.status(status).send(errorBody(body, request.id, now()));
  });
}

/** Unknown routes answer 404 in the envelope, and count against the caller's rate limit. */
export function registerNotFound(app: FastifyInstance, now: () => Date): void {
  app.setNotFoundHandler(
    { preHandler: app.rateLimit() },
    (request: FastifyRequest, reply: FastifyReply) =>
      reply.status(404).send(
        errorBody(
          {
            code: ErrorCodes.notFound,
            message: `No route for ${request.method} ${request.url.split('?')[0] ?? '/'}`,
          },
          request.id,
          now(),
        ),
      ),
  );
}

/** Fastify's own errors that say more with the request at hand. */
function refine(error: FastifyError | Error, request: FastifyRequest): FastifyError | Error {
  switch ((error as FastifyError).code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(request);
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limitBytes = bodyLimitOf(request);
      return new UserError(
        ErrorCodes.payloadTooLarge,
        `The request body is larger than this route takes (${limitBytes} bytes)`,
        { status: 413, details: { limitBytes } },
      );
    }
    default:
      return unstorableTextError(error) ?? error;
  }
}

/** SQLSTATEs of text PostgreSQL cannot store: NUL in text or jsonb, and invalid characters. */
const UNSTORABLE_TEXT = new Set(['22P05', '22021']);

/**
 * A database refusal of text it cannot store (NUL, a lone surrogate in jsonb) that got past the
 * input guard (data from elsewhere than the request): a 400 naming the problem, not a 500.
 */
function unstorableTextError(error: Error): UserError | undefined {
  for (let cause: unknown = error, hops = 0; cause && hops < 4; hops++) {
    const { code, message, detail } = cause as {
      code?: unknown;
      message?: unknown;
      detail?: unknown;
    };
    // A lone surrogate in jsonb: "invalid input syntax", the detail (or message) naming Unicode.
    const unicode =
      code === '22P02' && /unicode|surrogate/i.test(`${String(message)} ${String(detail)}`);
    if (typeof code === 'string' && (UNSTORABLE_TEXT.has(code) || unicode)) {
      return new UserError(
        HttpErrorCodes.textNotStorable,
        'The data holds text the database cannot store (a NUL character or a lone UTF-16 surrogate)',
      );
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

interface HttpError {
  status: number;
  body: { code: string; message: string; details?: unknown };
  logLevel: 'none' | 'warn' | 'error';
}

function toHttp(error: FastifyError | Error): HttpError {
  if (error instanceof UserError) {
    return {
      status: error.status,
      body: { code: error.code, message: error.message, details: error.details },
      logLevel: 'none',
    };
  }
  if (error instanceof IzaError && error.kind === 'operational') {
    return {
      status: 503,
      body: { code: error.code, message: error.message },
      logLevel: 'warn',
    };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const where = fastifyError.validationContext ?? 'request';
    const details = fastifyError.validation.map((issue) => ({
      path: [where, ...pathOf(issue.instancePath)].join('.'),
      message: issue.message ?? 'is invalid',
    }));
    return {
      status: 400,
      body: {
        code: ErrorCodes.validationFailed,
        message: `Invalid ${where}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
        details,
      },
      logLevel: 'none',
    };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return {
      status,
      body: { code: codeForStatus(status), message: error.message },
      logLevel: 'none',
    };
  }
  return {
    status: 500,
    body: {
      code: ErrorCodes.internal,
      message: 'An unexpected error occurred; quote the request id when reporting it',
    },
    logLevel: 'error',
  };
}

function pathOf(instancePath: string | undefined): string[] {
  if (!instancePath) return [];
  return instancePath
    .split('/')
    .filter((part) => part !== '')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function codeForStatus(status: number): string {
  switch (status) {
    case 401:
      return ErrorCodes.unauthorized;
    case 403:
      return ErrorCodes.forbidden;
    case 404:
      return ErrorCodes.notFound;
    case 409:
      return ErrorCodes.conflict;
    case 413:
      return ErrorCodes.payloadTooLarge;
    case 415:
      return ErrorCodes.unsupportedMediaType;
    case 429:
      return ErrorCodes.rateLimited;
    default:
      return ErrorCodes.badRequest;
  }
}
