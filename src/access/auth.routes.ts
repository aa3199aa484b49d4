import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import {
  CSRF_COOKIE,
  REFRESH_COOKIE,
  SESSION_COOKIE,
  orgOf,
  principalOf,
} from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import type { Access } from './index.ts';
import type { IssuedTokens } from './auth.service.ts';
import {
  email,
  exportSchema,
  idParams,
  memberSchema,
  name,
  ok,
  organisationSchema,
  password,
  role,
  sessionSchema,
  invitationLinkSchema,
  tokensSchema,
} from './access.dto.ts';

export interface AccessRouteOptions {
  secureCookies: boolean;
  refreshTtlSeconds: number;
  accessTtlSeconds: number;
  loginRateLimitPerMinute: number;
}

/** First run, sign-in, sessions and two-factor authentication. */
export function registerAuthRoutes(
  app: FastifyInstance,
  access: Access,
  options: AccessRouteOptions,
): void {
  const cookie = (path: string, maxAgeSeconds: number, httpOnly = true) => ({
    path,
    httpOnly,
    secure: options.secureCookies,
    sameSite: 'strict' as const,
    maxAge: maxAgeSeconds,
  });

  /** Cookie sessions get their tokens as cookies only; programs get them in the body. */
  const deliver = (reply: FastifyReply, tokens: IssuedTokens, via: 'cookie' | 'bearer') => {
    if (via === 'bearer') return tokens;
    reply.setCookie(SESSION_COOKIE, tokens.accessToken, cookie('/', options.accessTtlSeconds));
    reply.setCookie(
      REFRESH_COOKIE,
      tokens.refreshToken,
      cookie('/api/v1/auth', options.refreshTtlSeconds),
    );
    if (tokens.csrfToken) {
      reply.setCookie(CSRF_COOKIE, tokens.csrfToken, cookie('/', options.refreshTtlSeconds, false));
    }
    const { accessToken: _a, refreshToken: _r, ...rest } = tokens;
    return rest;
  };
  const client = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  });

  // --- first run --------------------------------------------------------------------------
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/setup',
      access: 'public',
      tags: ['access'],
      summary: 'Whether this installation still needs its first administrator',
      response: z.object({ needed: z.boolean() }),
    },
    async () => ({ needed: await access.setup.needed() }),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/setup',
      access: 'public',
      tags: ['access'],
      summary:
        'Creates the first organisation and administrator, with the one-time token from the server log',
      body: z.strictObject({
        token: z.string().min(1).max(100),
        organisation: name,
        email,
        name,
        password,
      }),
      response: z.object({ organisation: organisationSchema, user: memberSchema }),
      status: 201,
      rateLimitPerMinute: options.loginRateLimitPerMinute,
    },
    async ({ body }) => access.setup.complete(body),
  );

  // --- sign-in and sessions ---------------------------------------------------------------
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/login',
      access: 'public',
      tags: ['access'],
      summary: 'Signs in with e-mail, password and (when enrolled) an authenticator code',
      description:
        'mode "bearer" (default) returns the tokens; mode "cookie" (the dashboard) sets httpOnly cookies and returns a CSRF token to send as x-csrf-token on writes. `organisation` (id or slug) picks the organisation to sign in to; `acceptInvitation` accepts one of your invitations and signs in there. Repeated failures for an e-mail from one address lock it there (429 `account_locked` with Retry-After), the same for every e-mail, known or not.',
      body: z.strictObject({
        email,
        password,
        organisation: z.string().min(1).max(100).optional(),
        code: z.string().min(1).max(32).optional(),
        acceptInvitation: z.uuid().optional(),
        mode: z.enum(['bearer', 'cookie']).default('bearer'),
      }),
      response: tokensSchema,
      rateLimitPerMinute: options.loginRateLimitPerMinute,
    },
    async ({ body, request, reply }) =>
      withRetryAfter(reply, async () => {
        const tokens = await access.auth.login({ ...body, via: body.mode }, client(request));
        return deliver(reply, tokens, body.mode);
      }),
  );
  // An invitation link (`/invite#<token>` in the dashboard): see what it offers, then join.
  const linkParams = z.object({ token: z.string().regex(/^iza_iv_[A-Za-z0-9_-]{43}$/) });
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/auth/invitation-links/:token',
      access: 'public',
      tags: ['access'],
      summary: 'What an invitation link offers: the organisation, the role and the e-mail',
      description:
        '404 `invitation_link_invalid`, the same for a link that never existed, was used, revoked or expired.',
      params: linkParams,
      response: invitationLinkSchema,
      rateLimitPerMinute: options.loginRateLimitPerMinute,
    },
    async ({ params }) => access.invitations.preview(params.token),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/invitation-links/:token/join',
      access: 'public',
      tags: ['access'],
      summary: 'Joins the organisation of an invitation link and signs in there',
      description:
        'For an account made for the invitation (`needsPassword`), `password` (and `name`) are set now; an account that has a password signs in with it (and `code` when it uses an authenticator), as `/auth/login` does. The link works once.',
      params: linkParams,
      body: z.strictObject({
        password,
        name: name.optional(),
        code: z.string().min(1).max(32).optional(),
        mode: z.enum(['bearer', 'cookie']).default('bearer'),
      }),
      response: tokensSchema,
      rateLimitPerMinute: options.loginRateLimitPerMinute,
    },
    async ({ params, body, request, reply }) =>
      withRetryAfter(reply, async () => {
        const tokens = await access.auth.joinByLink(
          params.token,
          { ...body, via: body.mode },
          client(request),
        );
        return deliver(reply, tokens, body.mode);
      }),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/refresh',
      access: 'public',
      tags: ['access'],
      summary:
        'Exchanges a refresh token (body, or the session cookie) for new tokens; each works once',
      body: z.strictObject({ refreshToken: z.string().min(1).max(200).optional() }).nullish(),
      response: tokensSchema,
      rateLimitPerMinute: options.loginRateLimitPerMinute * 3,
    },
    async ({ body, request, reply }) => {
      const fromCookie = request.cookies[REFRESH_COOKIE];
      const token = body?.refreshToken ?? fromCookie;
      if (!token) {
        throw new UserError(
          ErrorCodes.validationFailed,
          'Send refreshToken in the body (or the refresh cookie of a browser session)',
          {
            details: [{ path: 'body.refreshToken', message: 'is required' }],
          },
        );
      }
      const tokens = await access.auth.refresh(token);
      return deliver(reply, tokens, body?.refreshToken ? 'bearer' : 'cookie');
    },
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/logout',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Ends the current session',
      response: ok,
    },
    async ({ request, reply }) => {
      const principal = principalOf(request);
      if (!principal.sessionId)
        throw new UserError(
          ErrorCodes.badRequest,
          'API keys have no session; revoke the key instead',
        );
      await access.auth.logout(principal.sessionId);
      for (const [nameOf, path] of [
        [SESSION_COOKIE, '/'],
        [REFRESH_COOKIE, '/api/v1/auth'],
        [CSRF_COOKIE, '/'],
      ] as const) {
        reply.clearCookie(nameOf, { path });
      }
      return { ok: true as const };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/auth/me',
      access: 'authenticated',
      // It tells a key limited to ventures about itself only.
      ventureScope: true,
      tags: ['access'],
      summary: 'Who is calling: user or API key, organisation, role, MFA state',
      response: z.object({
        kind: z.enum(['user', 'apikey', 'system']),
        userId: z.string().nullable(),
        apiKeyId: z.string().nullable(),
        /** The signed-in person (null for API keys and the local administrator). */
        name: z.string().nullable(),
        email: z.string().nullable(),
        organisation: organisationSchema,
        role,
        mfaEnabled: z.boolean(),
        mfaEnrolmentRequired: z.boolean(),
        memberships: z.array(
          z.object({ orgId: z.string(), slug: z.string(), name: z.string(), role: z.string() }),
        ),
      }),
    },
    async ({ request }) => {
      const p = principalOf(request);
      const person = p.userId ? await access.users.getMember(orgOf(request), p.userId) : null;
      return {
        kind: p.kind,
        userId: p.userId,
        apiKeyId: p.apiKeyId,
        name: person?.name ?? null,
        email: person?.email ?? null,
        organisation: await access.users.getOrganisation(orgOf(request)),
        role: p.role === 'system' ? 'admin' : p.role,
        mfaEnabled: p.userId ? await access.mfa.isEnabled(p.userId) : false,
        mfaEnrolmentRequired: p.mfaEnrolmentRequired,
        memberships: p.userId ? await access.users.membershipsOf(p.userId) : [],
      };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/auth/me/export',
      access: 'authenticated',
      tags: ['access'],
      summary:
        'Everything IZA OS holds about you, in every organisation (GDPR/CCPA access request)',
      response: exportSchema,
    },
    async ({ request }) => access.gdpr.exportUser(null, requireUser(request)),
  );
  addRoute(
    app,
    {
      method: 'PATCH',
      url: '/api/v1/auth/me',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Changes your own name (every organisation you belong to sees it)',
      body: z.strictObject({ name }),
      response: ok,
    },
    async ({ request, body }) => {
      await access.users.renameSelf(requireUser(request), body.name);
      return { ok: true as const };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/auth/sessions',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Your active sessions',
      response: z.array(sessionSchema),
    },
    async ({ request }) =>
      access.auth.listSessions(requireUser(request), principalOf(request).sessionId),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/sessions/end-others',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Ends every one of your sessions except this one, in every organisation',
      body: z.strictObject({}).optional(),
      response: z.object({ ended: z.number().int() }),
    },
    async ({ request }) => ({
      ended: await access.auth.revokeOtherSessions(
        requireUser(request),
        principalOf(request).sessionId,
      ),
    }),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: '/api/v1/auth/sessions/:id',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Ends one of your sessions',
      params: idParams,
      response: ok,
    },
    async ({ request, params }) => {
      await access.auth.revokeSession(requireUser(request), params.id);
      return { ok: true as const };
    },
  );

  // --- two-factor authentication ------------------------------------------------------------
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/mfa/enrol',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Starts TOTP enrolment: a secret, its otpauth:// URL and a QR code (SVG)',
      response: z.object({ secret: z.string(), otpauthUrl: z.string(), qrSvg: z.string() }),
    },
    async ({ request }) => access.mfa.enrol(requireUser(request)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/mfa/activate',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Turns TOTP on with a first code; returns single-use recovery codes, shown once',
      description:
        'Wrong codes count like failed sign-ins: after IZA_MAX_FAILED_LOGINS of them, code checks of this person answer 429 `mfa_locked` (with Retry-After) for IZA_LOCKOUT_SECONDS.',
      body: z.strictObject({ code: z.string().min(1).max(32) }),
      response: z.object({ recoveryCodes: z.array(z.string()) }),
    },
    async ({ request, reply, body }) =>
      withRetryAfter(reply, () => access.mfa.activate(requireUser(request), body.code)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/mfa/disable',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Turns TOTP off (needs a current code); refused when the organisation requires it',
      description:
        'Wrong codes count like failed sign-ins: after IZA_MAX_FAILED_LOGINS of them, code checks of this person answer 429 `mfa_locked` (with Retry-After) for IZA_LOCKOUT_SECONDS.',
      body: z.strictObject({ code: z.string().min(1).max(32) }),
      response: ok,
    },
    async ({ request, reply, body }) => {
      const p = principalOf(request);
      const userId = requireUser(request);
      const org = await access.users.getOrganisation(orgOf(request));
      if (org.requireMfaForAdmins && p.role === 'admin') {
        throw new UserError(
          'mfa_required_by_organisation',
          'Your organisation requires two-factor authentication for administrators',
          {
            status: 409,
          },
        );
      }
      await withRetryAfter(reply, () => access.mfa.disable(userId, body.code));
      return { ok: true as const };
    },
  );
}

/** The signed-in person behind the request (API keys are refused). */
export function requireUser(request: FastifyRequest): string {
  const userId = request.principal?.userId;
  if (!userId) {
    throw new UserError('person_required', 'This is for signed-in people, not API keys', {
      status: 403,
    });
  }
  return userId;
}

/**
 * Runs `work`; a refusal that says when to retry (`details.retryAfterSeconds`: sign-in and MFA
 * locks) gets that as the Retry-After header.
 */
async function withRetryAfter<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserError) {
      const details = error.details as { retryAfterSeconds?: unknown } | undefined;
      if (typeof details?.retryAfterSeconds === 'number') {
        reply.header('retry-after', String(details.retryAfterSeconds));
      }
    }
    throw error;
  }
}
