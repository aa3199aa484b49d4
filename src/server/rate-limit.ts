import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ErrorCodes, UserError, type Config } from '../kernel/index.ts';

/**
 * Request limits, counted after authentication (the hook runs at `preHandler`):
 *
 * - the local administrator (the CLI on the server's machine, holding the token the server wrote
 *   into its data folder) is not limited: it is the machine's owner, and `iza demo` or an import
 *   through a running server sends thousands of requests;
 * - a signed-in user or an API key counts on its own, at `rateLimit.authenticatedMax` per window
 *   (ten times `max` unless set), whatever address it calls from (many keys behind one proxy do
 *   not share a budget);
 * - anyone else counts per address, at `rateLimit.max` per window.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  limits: Config['rateLimit'],
): Promise<void> {
  const authenticatedMax = limits.authenticatedMax ?? limits.max * 10;
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: limits.windowMs,
    allowList: (request) => request.principal?.via === 'local',
    max: (request) => (rateKey(request).startsWith('ip:') ? limits.max : authenticatedMax),
    keyGenerator: rateKey,
    errorResponseBuilder: (_request, context) =>
      new UserError(
        ErrorCodes.rateLimited,
        `Too many requests: at most ${context.max} per ${describeWindow(limits.windowMs)}; retry in ${seconds(context.ttl)}`,
        { status: 429 },
      ),
  });
}

function rateKey(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.apiKeyId) return `key:${p.apiKeyId}`;
  if (p?.userId) return `user:${p.userId}`;
  return `ip:${request.ip}`;
}

/** The time left, as `Retry-After` says it: whole seconds, rounded up. */
function seconds(ms: number): string {
  const n = Math.max(1, Math.ceil(ms / 1000));
  return `${n} second${n === 1 ? '' : 's'}`;
}

/** A duration for people: "60 seconds", "1 minute", "15 minutes", "1 hour" (rounded up to s). */
export function describeWindow(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}
