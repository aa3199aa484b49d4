import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCodes, UserError } from '../kernel/index.ts';

/**
 * Who may call a route. Every route must declare it in `config.access`; registering a route
 * without one fails at start-up (and so fails the test suite), so none can be forgotten.
 *
 * - `public`: anyone (health, docs, the web shell).
 * - `system`: the local administrator: the CLI on the same machine, holding the token the
 *   server writes into the data folder (readable only by its owner).
 */
export type RouteAccess = 'public' | 'system';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** `false` for answers that are not JSON data (metrics text, HTML, the OpenAPI document). */
    envelope?: boolean;
  }
}

export class MissingRouteAccessError extends Error {}

export interface AccessOptions {
  /** The local administrator token, when this server has one. */
  localAdminToken: string | undefined;
}

export function registerAccessControl(app: FastifyInstance, options: AccessOptions): void {
  const expected = options.localAdminToken ? digest(options.localAdminToken) : undefined;

  app.addHook('onRoute', (route) => {
    route.config ??= {};
    // Routes added by the OpenAPI plugin serve the public API description.
    if (route.url === '/docs' || route.url.startsWith('/docs/')) {
      route.config.access ??= 'public';
      route.config.envelope ??= route.url === '/docs/json' ? false : route.config.envelope;
    }
    if (route.config.access === undefined) {
      throw new MissingRouteAccessError(
        `Route ${String(route.method)} ${route.url} does not declare config.access`,
      );
    }
  });

  app.addHook('preHandler', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access;
    if (access === 'public' || access === undefined) return;
    const token = bearerToken(request);
    if (!token) {
      throw new UserError(
        ErrorCodes.unauthorized,
        'This route needs an Authorization: Bearer token',
        {
          status: 401,
        },
      );
    }
    if (!expected || !timingSafeEqual(digest(token), expected)) {
      throw new UserError(ErrorCodes.forbidden, 'The token does not grant access to this route', {
        status: 403,
      });
    }
  });
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
