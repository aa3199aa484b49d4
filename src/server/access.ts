import { createHash, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, PERMISSIONS, type Permission } from '../access/permissions.ts';
import { SYSTEM_PRINCIPAL, type Principal } from '../access/principal.ts';
import { hashToken, sameHash, tokenKind } from '../access/tokens.ts';
import { ErrorCodes, UserError, currentContext } from '../kernel/index.ts';
import { ORG_HEADER } from './local-admin.ts';

/**
 * Who may call a route. Every route must declare it in `config.access`; registering a route
 * without one (or with an unknown value) fails at start-up, and so fails the test suite.
 *
 * - `public`: anyone (health, docs, sign-in, the web shell).
 * - `authenticated`: any signed-in user or API key, whatever its role (their own session, MFA).
 * - a permission (`read`, `write`, `write_limited`, `delete`, `manage_users`, `manage_bots`):
 *   callers whose role grants it, in their own organisation.
 * - `system`: the local administrator: the CLI on the server's machine, holding the token the
 *   server writes into the data folder (readable only by its owner).
 */
export type RouteAccess = 'public' | 'authenticated' | 'system' | Permission;

const ACCESS_VALUES: ReadonlySet<string> = new Set([
  'public',
  'authenticated',
  'system',
  ...PERMISSIONS,
]);

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /**
     * The route enforces venture scope: it limits what it reads and changes to the ventures of
     * an API key limited to some (`principal.ventureIds`). Such keys may call no other route.
     */
    ventureScope?: boolean;
    /** `false` for answers that are not JSON data (metrics text, HTML, the OpenAPI document). */
    envelope?: boolean;
  }
  interface FastifyRequest {
    /** Set on every non-public route once the caller is authenticated. */
    principal?: Principal;
  }
}

/** Every route with its declared access, for the permission matrix test and the docs. */
export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess;
  /** Whether API keys limited to some ventures may call it (see `ventureScope`). */
  ventureScope: boolean;
}

export const SESSION_COOKIE = 'iza_at';
export const REFRESH_COOKIE = 'iza_rt';
export const CSRF_COOKIE = 'iza_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface Authenticator {
  /** The principal behind an access token, with the CSRF hash of its session when a cookie one. */
  accessToken(token: string): Promise<(Principal & { csrfHash: string | null }) | undefined>;
  apiKey(key: string): Promise<Principal | undefined>;
  /** The id of an organisation named by id or slug, if it exists. */
  organisationId(idOrSlug: string): Promise<string | undefined>;
}

export { ORG_HEADER };

export interface AccessOptions {
  /** The local administrator token, when this server has one. */
  localAdminToken: string | undefined;
  authenticator: Authenticator;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const unauthorized = (message: string) =>
  new UserError(ErrorCodes.unauthorized, message, { status: 401 });
const forbidden = (code: string, message: string) => new UserError(code, message, { status: 403 });

export function registerAccessControl(
  app: FastifyInstance,
  options: AccessOptions,
): RegisteredRoute[] {
  const localDigest = options.localAdminToken ? digest(options.localAdminToken) : undefined;
  const routes: RegisteredRoute[] = [];

  app.addHook('onRoute', (route) => {
    route.config ??= {};
    // Routes added by the OpenAPI plugin serve the public API description.
    if (route.url === '/docs' || route.url.startsWith('/docs/')) {
      route.config.access ??= 'public';
      if (route.url === '/docs/json') route.config.envelope = false;
    }
    const access = route.config.access;
    if (access === undefined || !ACCESS_VALUES.has(access)) {
      throw new MissingRouteAccessError(
        `Route ${String(route.method)} ${route.url} does not declare config.access (one of ${[...ACCESS_VALUES].join(', ')})`,
      );
    }
    const ventureScope = route.config.ventureScope === true;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, access, ventureScope });
    }
  });

  const authenticate = async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw unauthorized('The Authorization header must be "Bearer <token>"');
      const token = match[1]!;
      if (localDigest && timingSafeEqual(digest(token), localDigest)) {
        return localAdminIn(request.headers[ORG_HEADER]);
      }
      const kind = tokenKind(token);
      if (kind === 'at') {
        const principal = await options.authenticator.accessToken(token);
        if (!principal)
          throw unauthorized('The access token is unknown or expired; refresh it or sign in again');
        return { ...principal, via: 'bearer' };
      }
      if (kind === 'key') {
        const principal = await options.authenticator.apiKey(token);
        if (!principal) throw unauthorized('The API key is unknown, revoked or expired');
        return principal;
      }
      if (kind === 'rt')
        throw unauthorized(
          'A refresh token cannot be used here; exchange it at /api/v1/auth/refresh',
        );
      throw unauthorized('The bearer token is malformed');
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie !== undefined) {
      const principal =
        tokenKind(cookie) === 'at' ? await options.authenticator.accessToken(cookie) : undefined;
      if (!principal || principal.csrfHash === null) {
        throw unauthorized('The session has expired; sign in again');
      }
      if (!SAFE_METHODS.has(request.method)) {
        const sent = request.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !sameHash(hashToken(sent), principal.csrfHash)) {
          throw forbidden(
            'csrf_failed',
            `Writes from a browser session need the ${CSRF_HEADER} header`,
          );
        }
      }
      return { ...principal, via: 'cookie' };
    }
    throw unauthorized('Sign in, or send an API key, as "Authorization: Bearer <token>"');
  };

  /** The local administrator acting within one organisation, as its administrator. */
  const localAdminIn = async (org: string | string[] | undefined): Promise<Principal> => {
    if (typeof org !== 'string' || org === '') {
      throw forbidden(
        ErrorCodes.forbidden,
        `The local administrator token acts within an organisation only with the ${ORG_HEADER} header`,
      );
    }
    const orgId = await options.authenticator.organisationId(org);
    if (!orgId) throw forbidden(ErrorCodes.forbidden, `No organisation "${org}"`);
    return { ...SYSTEM_PRINCIPAL, orgId, role: 'admin' };
  };

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    let principal: Principal;
    if (access === 'system') {
      const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      if (!match) throw unauthorized('This route needs the local administrator token');
      if (!localDigest || !timingSafeEqual(digest(match[1]!), localDigest)) {
        throw forbidden(ErrorCodes.forbidden, 'Only the local administrator may call this route');
      }
      principal = SYSTEM_PRINCIPAL;
    } else {
      principal = await authenticate(request);
      // A key limited to some ventures may only call routes that enforce that limit: every
      // other route would act on all of the organisation's ventures (ledger, secrets, agents…).
      if (principal.ventureIds !== null && request.routeOptions.config.ventureScope !== true) {
        throw forbidden(
          'venture_scope',
          `This API key is limited to ventures (${principal.ventureIds.length}) and may only call routes that enforce that limit (the portfolio's ventures and KPIs); ${request.method} ${request.routeOptions.url ?? request.url} does not`,
        );
      }
      if (principal.mfaEnrolmentRequired && access !== 'authenticated') {
        throw forbidden(
          'mfa_enrolment_required',
          'Your organisation requires two-factor authentication for administrators: enrol at /api/v1/auth/mfa/enrol first',
        );
      }
      if (
        access !== 'authenticated' &&
        (principal.role === 'system' || !can(principal.role, access))
      ) {
        throw forbidden(
          ErrorCodes.forbidden,
          `This needs the "${access}" permission, which the role ${principal.role} does not have`,
        );
      }
    }
    request.principal = principal;
    const context = currentContext();
    if (context) {
      context.actor = {
        type: principal.kind,
        id: principal.userId ?? principal.apiKeyId,
        orgId: principal.orgId,
      };
    }
  });

  return routes;
}

export class MissingRouteAccessError extends Error {}

/** The caller's organisation, for routes that need one (any non-public, non-system route). */
export function orgOf(request: FastifyRequest): string {
  const orgId = request.principal?.orgId;
  if (!orgId)
    throw forbidden(ErrorCodes.forbidden, 'This route acts within an organisation; sign in to one');
  return orgId;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('Not signed in');
  return request.principal;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
