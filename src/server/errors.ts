import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, IzaError, OperationalError, UserError, type Logger } from '../kernel/index.ts';
import { errorBody } from './envelope.ts';

/**
 * The one place where errors become HTTP answers. User errors keep their message; operational
 * errors say what is unavailable; anything else is a bug and the client sees only a generic
 * message with the request id to quote (the stack goes to the log, never to the client).
 */
export function registerErrorHandling(app: FastifyInstance, log: Logger, now: () => Date): void {
  app.setErrorHandler((error: FastifyError | IzaError | Error, request, reply) => {
    const { status, body, logLevel } = toHttp(error);
    if (logLevel === 'error') {
      log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    } else if (logLevel === 'warn') {
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
