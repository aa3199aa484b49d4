import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import {
  UserError,
  newId,
  notFound,
  type Clock,
  type Config,
  type Database,
  type Transaction,
} from '../kernel/index.ts';
import {
  accessTokens,
  memberships,
  organisations,
  refreshTokens,
  sessions,
  userMfa,
  users,
} from './access.schema.ts';
import type { MfaService } from './mfa.service.ts';
import { verifyPassword } from './passwords.ts';
import type { Role } from './permissions.ts';
import type { Principal } from './principal.ts';
import type { AuditRecorder } from './ports.ts';
import { hashToken, newToken } from './tokens.ts';
import { normaliseEmail } from './users.service.ts';

export interface AuthDeps {
  db: Database;
  clock: Clock;
  audit: AuditRecorder;
  mfa: MfaService;
  settings: Config['auth'];
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  sessionId: string;
  /** For cookie sessions: the value to send back in `x-csrf-token` on every write. */
  csrfToken: string | null;
  organisationId: string;
  role: Role;
  mfaEnrolmentRequired: boolean;
}

export interface SessionDto {
  id: string;
  via: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  current: boolean;
}

const invalidCredentials = () =>
  new UserError('invalid_credentials', 'The e-mail or password is not correct', { status: 401 });

/** Sign-in, token refresh with rotation and reuse detection, sessions, and token checks. */
export function createAuthService(deps: AuthDeps) {
  const { db, clock, audit, mfa, settings } = deps;

  async function issue(
    tx: Transaction,
    sessionId: string,
  ): Promise<{ accessToken: string; refreshToken: string }> {
    const now = clock.now();
    const accessToken = newToken('at');
    const refreshToken = newToken('rt');
    await tx.insert(accessTokens).values({
      tokenHash: hashToken(accessToken),
      sessionId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + settings.accessTokenTtlSeconds * 1000),
    });
    await tx.insert(refreshTokens).values({
      id: newId(),
      sessionId,
      tokenHash: hashToken(refreshToken),
      status: 'active',
      createdAt: now,
      expiresAt: new Date(now.getTime() + settings.refreshTokenTtlSeconds * 1000),
    });
    return { accessToken, refreshToken };
  }

  async function revokeSessionTokens(
    tx: Transaction,
    sessionId: string,
    reason: string,
  ): Promise<void> {
    await tx
      .update(sessions)
      .set({ revokedAt: clock.now(), revokedReason: reason })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
    await tx
      .update(refreshTokens)
      .set({ status: 'revoked' })
      .where(eq(refreshTokens.sessionId, sessionId));
    await tx.delete(accessTokens).where(eq(accessTokens.sessionId, sessionId));
  }

  async function recordFailure(userId: string, reason: string): Promise<void> {
    await db.transaction(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ failedLogins: sql`${users.failedLogins} + 1` })
        .where(eq(users.id, userId))
        .returning({ failedLogins: users.failedLogins });
      if (row && row.failedLogins >= settings.maxFailedLogins) {
        const until = new Date(clock.now().getTime() + settings.lockoutSeconds * 1000);
        await tx
          .update(users)
          .set({ failedLogins: 0, lockedUntil: until })
          .where(eq(users.id, userId));
        await audit.record(tx, {
          orgId: null,
          action: 'auth.lockout',
          entityType: 'user',
          entityId: userId,
          after: { lockedUntil: until.toISOString(), reason },
        });
      }
    });
  }

  function lockedError(until: Date): UserError {
    const seconds = Math.max(1, Math.ceil((until.getTime() - clock.now().getTime()) / 1000));
    return new UserError(
      'account_locked',
      `Too many failed sign-ins: this account is locked for ${seconds} more seconds`,
      { status: 429, details: { retryAfterSeconds: seconds } },
    );
  }

  return {
    async login(
      input: {
        email: string;
        password: string;
        organisation?: string | undefined;
        code?: string | undefined;
        via: 'cookie' | 'bearer';
      },
      client: ClientInfo,
    ): Promise<IssuedTokens> {
      const email = normaliseEmail(input.email);
      const [user] = await db.select().from(users).where(eq(users.email, email));
      if (!user) {
        await verifyPassword(null, input.password);
        throw invalidCredentials();
      }
      if (user.lockedUntil && user.lockedUntil > clock.now()) throw lockedError(user.lockedUntil);
      const passwordOk = await verifyPassword(user.passwordHash, input.password);
      if (!passwordOk || user.status !== 'active') {
        if (user.status === 'active') await recordFailure(user.id, 'password');
        const [after] = await db
          .select({ lockedUntil: users.lockedUntil })
          .from(users)
          .where(eq(users.id, user.id));
        if (after?.lockedUntil && after.lockedUntil > clock.now())
          throw lockedError(after.lockedUntil);
        throw invalidCredentials();
      }

      const mfaEnabled = await mfa.isEnabled(user.id);
      if (mfaEnabled) {
        if (!input.code) {
          throw new UserError(
            'mfa_required',
            'Enter the code from your authenticator app (field "code")',
            {
              status: 401,
            },
          );
        }
        if (!(await mfa.verify(user.id, input.code))) {
          await recordFailure(user.id, 'mfa');
          throw new UserError('mfa_invalid_code', 'The authentication code is not valid', {
            status: 401,
          });
        }
      }

      const orgs = await db
        .select({
          orgId: memberships.orgId,
          role: memberships.role,
          slug: organisations.slug,
          requireMfa: organisations.requireMfaForAdmins,
        })
        .from(memberships)
        .innerJoin(organisations, eq(organisations.id, memberships.orgId))
        .where(eq(memberships.userId, user.id))
        .orderBy(memberships.createdAt);
      const membership = input.organisation
        ? orgs.find((o) => o.orgId === input.organisation || o.slug === input.organisation)
        : orgs[0];
      if (!membership) {
        throw new UserError(
          'not_a_member',
          input.organisation
            ? `You are not a member of the organisation "${input.organisation}"`
            : 'You are not a member of any organisation',
          { status: 403 },
        );
      }

      const now = clock.now();
      const sessionId = newId();
      const csrfToken = input.via === 'cookie' ? newToken('at').slice(7) : null;
      return db.transaction(async (tx) => {
        await tx
          .update(users)
          .set({ failedLogins: 0, lockedUntil: null, lastLoginAt: now })
          .where(eq(users.id, user.id));
        await tx.insert(sessions).values({
          id: sessionId,
          userId: user.id,
          orgId: membership.orgId,
          via: input.via,
          ip: client.ip,
          userAgent: client.userAgent?.slice(0, 300) ?? null,
          mfaVerified: mfaEnabled,
          csrfHash: csrfToken ? hashToken(csrfToken) : null,
          createdAt: now,
          lastUsedAt: now,
          expiresAt: new Date(now.getTime() + settings.refreshTokenTtlSeconds * 1000),
        });
        const tokens = await issue(tx, sessionId);
        await audit.record(tx, {
          orgId: membership.orgId,
          action: 'auth.login',
          entityType: 'session',
          entityId: sessionId,
          after: { userId: user.id, via: input.via, mfa: mfaEnabled },
        });
        return {
          ...tokens,
          expiresIn: settings.accessTokenTtlSeconds,
          sessionId,
          csrfToken,
          organisationId: membership.orgId,
          role: membership.role as Role,
          mfaEnrolmentRequired: membership.role === 'admin' && membership.requireMfa && !mfaEnabled,
        };
      });
    },

    /**
     * Exchanges a refresh token for new tokens. Each refresh token works once: presenting one
     * that was already exchanged means it was stolen (or replayed), so the whole session ends.
     */
    async refresh(refreshToken: string): Promise<IssuedTokens> {
      const hash = hashToken(refreshToken);
      const invalid = () =>
        new UserError('invalid_refresh_token', 'The refresh token is not valid; sign in again', {
          status: 401,
        });
      const outcome: { error: UserError } | { tokens: IssuedTokens } = await db.transaction(
        async (tx) => {
          const [row] = await tx
            .select({ token: refreshTokens, session: sessions })
            .from(refreshTokens)
            .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
            .where(eq(refreshTokens.tokenHash, hash))
            .for('update');
          if (!row) return { error: invalid() };
          const { token, session } = row;
          if (token.status === 'rotated') {
            await revokeSessionTokens(tx, session.id, 'refresh_token_reuse');
            await audit.record(tx, {
              orgId: session.orgId,
              action: 'auth.refresh_token_reuse',
              entityType: 'session',
              entityId: session.id,
              after: { userId: session.userId },
            });
            return {
              error: new UserError(
                'refresh_token_reused',
                'This refresh token was already used; the session has been ended for safety. Sign in again.',
                { status: 401 },
              ),
            };
          }
          const now = clock.now();
          if (
            token.status !== 'active' ||
            session.revokedAt ||
            token.expiresAt <= now ||
            session.expiresAt <= now
          ) {
            return { error: invalid() };
          }
          await tx
            .update(refreshTokens)
            .set({ status: 'rotated' })
            .where(eq(refreshTokens.id, token.id));
          await tx
            .update(sessions)
            .set({
              lastUsedAt: now,
              expiresAt: new Date(now.getTime() + settings.refreshTokenTtlSeconds * 1000),
            })
            .where(eq(sessions.id, session.id));
          const tokens = await issue(tx, session.id);
          const [member] = await tx
            .select({ role: memberships.role, requireMfa: organisations.requireMfaForAdmins })
            .from(memberships)
            .innerJoin(organisations, eq(organisations.id, memberships.orgId))
            .where(
              and(eq(memberships.orgId, session.orgId), eq(memberships.userId, session.userId)),
            );
          if (!member) {
            await revokeSessionTokens(tx, session.id, 'membership_removed');
            return { error: invalid() };
          }
          const [mfaRow] = await tx
            .select({ enabledAt: userMfa.enabledAt })
            .from(userMfa)
            .where(eq(userMfa.userId, session.userId));
          return {
            tokens: {
              ...tokens,
              expiresIn: settings.accessTokenTtlSeconds,
              sessionId: session.id,
              csrfToken: null,
              organisationId: session.orgId,
              role: member.role as Role,
              mfaEnrolmentRequired:
                member.role === 'admin' && member.requireMfa && !mfaRow?.enabledAt,
            },
          };
        },
      );
      if ('error' in outcome) throw outcome.error;
      return outcome.tokens;
    },

    async logout(sessionId: string): Promise<void> {
      await db.transaction(async (tx) => {
        await revokeSessionTokens(tx, sessionId, 'logout');
        await audit.record(tx, {
          action: 'auth.logout',
          entityType: 'session',
          entityId: sessionId,
        });
      });
    },

    async listSessions(userId: string, currentSessionId: string | null): Promise<SessionDto[]> {
      const rows = await db
        .select()
        .from(sessions)
        .where(
          and(
            eq(sessions.userId, userId),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, clock.now()),
          ),
        )
        .orderBy(desc(sessions.lastUsedAt));
      return rows.map((s) => ({
        id: s.id,
        via: s.via,
        ip: s.ip,
        userAgent: s.userAgent,
        createdAt: s.createdAt.toISOString(),
        lastUsedAt: s.lastUsedAt.toISOString(),
        expiresAt: s.expiresAt.toISOString(),
        current: s.id === currentSessionId,
      }));
    },

    /** Ends one of the user's own sessions. */
    async revokeSession(userId: string, sessionId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const [session] = await tx
          .select({ id: sessions.id })
          .from(sessions)
          .where(
            and(
              eq(sessions.id, sessionId),
              eq(sessions.userId, userId),
              isNull(sessions.revokedAt),
            ),
          );
        if (!session) throw notFound(`Session ${sessionId}`);
        await revokeSessionTokens(tx, sessionId, 'revoked');
        await audit.record(tx, {
          action: 'auth.session_revoke',
          entityType: 'session',
          entityId: sessionId,
        });
      });
    },

    /** The principal an access token stands for, or undefined when it is unknown or expired. */
    async principalForAccessToken(
      token: string,
    ): Promise<(Principal & { csrfHash: string | null; expiresAt: Date }) | undefined> {
      const now = clock.now();
      const [row] = await db
        .select({
          sessionId: sessions.id,
          userId: sessions.userId,
          orgId: sessions.orgId,
          via: sessions.via,
          csrfHash: sessions.csrfHash,
          role: memberships.role,
          requireMfa: organisations.requireMfaForAdmins,
          mfaEnabledAt: userMfa.enabledAt,
          expiresAt: accessTokens.expiresAt,
        })
        .from(accessTokens)
        .innerJoin(sessions, eq(sessions.id, accessTokens.sessionId))
        .innerJoin(users, eq(users.id, sessions.userId))
        .innerJoin(
          memberships,
          and(eq(memberships.userId, sessions.userId), eq(memberships.orgId, sessions.orgId)),
        )
        .innerJoin(organisations, eq(organisations.id, sessions.orgId))
        .leftJoin(userMfa, eq(userMfa.userId, sessions.userId))
        .where(
          and(
            eq(accessTokens.tokenHash, hashToken(token)),
            gt(accessTokens.expiresAt, now),
            isNull(sessions.revokedAt),
            eq(users.status, 'active'),
          ),
        );
      if (!row) return undefined;
      const role = row.role as Role;
      return {
        kind: 'user',
        orgId: row.orgId,
        userId: row.userId,
        apiKeyId: null,
        role,
        sessionId: row.sessionId,
        via: row.via === 'cookie' ? 'cookie' : 'bearer',
        ventureIds: null,
        mfaEnrolmentRequired: role === 'admin' && row.requireMfa && !row.mfaEnabledAt,
        csrfHash: row.csrfHash,
        expiresAt: row.expiresAt,
      };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
