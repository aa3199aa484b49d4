import { and, desc, eq, gt, isNull, ne } from 'drizzle-orm';
import {
  UserError,
  newId,
  notFound,
  type Clock,
  type Config,
  type Database,
} from '../kernel/index.ts';
import {
  memberships,
  organisations,
  refreshTokens,
  sessions,
  userMfa,
  users,
} from './access.schema.ts';
import { mayAct } from './holders.ts';
import type { InvitationsService } from './invitations.service.ts';
import type { MfaService } from './mfa.service.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.ts';
import type { Role } from './permissions.ts';
import type { AuditRecorder } from './ports.ts';
import { issueTokens, revokeSessions } from './session-tokens.ts';
import { signInKeys, signInLocked, type Throttle, type ThrottleKey } from './throttle.ts';
import { hashToken, newToken } from './tokens.ts';
import { normaliseEmail } from './users.service.ts';

export interface AuthDeps {
  db: Database;
  clock: Clock;
  audit: AuditRecorder;
  mfa: MfaService;
  invitations: InvitationsService;
  throttle: Throttle;
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

/** Sign-in, token refresh with rotation and reuse detection, and sessions. */
export function createAuthService(deps: AuthDeps) {
  const { db, clock, audit, mfa, invitations, throttle, settings } = deps;
  const ttl = {
    accessSeconds: settings.accessTokenTtlSeconds,
    refreshSeconds: settings.refreshTokenTtlSeconds,
  };

  /**
   * Counts a failed sign-in and returns the error to answer: `error`, or the lock when this
   * failure (or an earlier one) locked the address or the e-mail. The same for every e-mail,
   * known or not; only a lock of a known account is audited.
   */
  async function failed(
    keys: ThrottleKey[],
    userId: string | undefined,
    reason: string,
    client: ClientInfo,
    error: UserError = invalidCredentials(),
  ): Promise<UserError> {
    const outcome = await throttle.fail(keys);
    if (userId !== undefined && outcome.newlyLocked.length > 0) {
      await db.transaction(async (tx) => {
        await audit.record(tx, {
          orgId: null,
          action: 'auth.lockout',
          entityType: 'user',
          entityId: userId,
          after: {
            reason,
            scope: outcome.newlyLocked.map((k) => k.scope),
            ip: client.ip,
            seconds: outcome.lockedForSeconds ?? null,
          },
        });
      });
    }
    return outcome.lockedForSeconds === undefined ? error : signInLocked(outcome.lockedForSeconds);
  }

  return {
    /**
     * Signs in. Failures count per address and e-mail (and per e-mail from all addresses, with
     * a far higher limit), so someone elsewhere cannot lock the owner out, and an unknown e-mail
     * gets exactly the answers a known one gets, locked or not.
     */
    /**
     * Joins an organisation through an invitation link and signs in there. An account made for
     * the invitation sets its password (and name) now; an account that already has a password
     * proves it is theirs with it (and their authenticator code), exactly as signing in does.
     */
    async joinByLink(
      token: string,
      input: {
        password: string;
        name?: string | undefined;
        code?: string | undefined;
        via: 'cookie' | 'bearer';
      },
      client: ClientInfo,
    ): Promise<IssuedTokens> {
      const link = await invitations.preview(token);
      if (link.needsPassword) {
        checkPasswordPolicy(input.password);
        const passwordHash = await hashPassword(input.password);
        await db.transaction(async (tx) => {
          const name = input.name?.trim();
          // Only while it has none: of two people racing with one link, the first sets it.
          const [set] = await tx
            .update(users)
            .set({ passwordHash, ...(name ? { name } : {}), updatedAt: clock.now() })
            .where(and(eq(users.email, link.email), isNull(users.passwordHash)))
            .returning({ id: users.id });
          if (set) {
            await audit.record(tx, {
              orgId: link.orgId,
              action: 'user.password_set',
              entityType: 'user',
              entityId: set.id,
              after: { via: 'invitation_link', invitationId: link.id },
            });
          }
        });
      }
      return this.login(
        {
          email: link.email,
          password: input.password,
          code: input.code,
          acceptInvitation: link.id,
          via: input.via,
        },
        client,
      );
    },

    async login(
      input: {
        email: string;
        password: string;
        organisation?: string | undefined;
        code?: string | undefined;
        /** An invitation of this person to accept as part of signing in (then signed in there). */
        acceptInvitation?: string | undefined;
        via: 'cookie' | 'bearer';
      },
      client: ClientInfo,
    ): Promise<IssuedTokens> {
      const email = normaliseEmail(input.email);
      const keys = signInKeys(email, client.ip, settings);
      const lockedFor = await throttle.lockedFor(keys);
      if (lockedFor !== undefined) throw signInLocked(lockedFor);

      const [user] = await db.select().from(users).where(eq(users.email, email));
      const passwordOk = await verifyPassword(user?.passwordHash ?? null, input.password);
      if (!user || !passwordOk || user.status !== 'active') {
        throw await failed(keys, user?.id, 'password', client);
      }
      const mfaEnabled = await mfa.isEnabled(user.id);
      if (mfaEnabled) {
        if (!input.code) {
          throw new UserError(
            'mfa_required',
            'Enter the code from your authenticator app (field "code")',
            { status: 401 },
          );
        }
        if (!(await mfa.verifyAtSignIn(user.id, input.code))) {
          throw await failed(
            keys,
            user.id,
            'mfa',
            client,
            new UserError('mfa_invalid_code', 'The authentication code is not valid', {
              status: 401,
            }),
          );
        }
      }
      await throttle.succeed(keys.slice(0, 1));

      const accepted = input.acceptInvitation
        ? await invitations.accept(user.id, input.acceptInvitation)
        : undefined;
      const wanted = accepted?.orgId ?? input.organisation;
      const orgs = await db
        .select({
          orgId: memberships.orgId,
          role: memberships.role,
          status: memberships.status,
          slug: organisations.slug,
          requireMfa: organisations.requireMfaForAdmins,
        })
        .from(memberships)
        .innerJoin(organisations, eq(organisations.id, memberships.orgId))
        .where(eq(memberships.userId, user.id))
        .orderBy(memberships.createdAt);
      const membership = wanted
        ? orgs.find((o) => o.orgId === wanted || o.slug === wanted)
        : orgs.find((o) => o.status === 'active');
      if (!membership) {
        throw new UserError(
          'not_a_member',
          wanted
            ? `You are not a member of the organisation "${wanted}"`
            : 'You are not an active member of any organisation',
          { status: 403 },
        );
      }
      if (membership.status !== 'active') {
        throw new UserError(
          'membership_disabled',
          `Your membership of "${membership.slug}" is disabled by its administrators`,
          { status: 403 },
        );
      }

      const now = clock.now();
      const sessionId = newId();
      const csrfToken = input.via === 'cookie' ? newToken('at').slice(7) : null;
      return db.transaction(async (tx) => {
        await tx.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id));
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
          expiresAt: new Date(now.getTime() + ttl.refreshSeconds * 1000),
        });
        const tokens = await issueTokens(tx, sessionId, now, ttl);
        await audit.record(tx, {
          orgId: membership.orgId,
          action: 'auth.login',
          entityType: 'session',
          entityId: sessionId,
          after: { userId: user.id, via: input.via, mfa: mfaEnabled },
        });
        return {
          ...tokens,
          expiresIn: ttl.accessSeconds,
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
     * A session whose person may no longer act in its organisation (account disabled or erased,
     * membership disabled or removed) is not extended: it ends here.
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
          const now = clock.now();
          if (token.status === 'rotated') {
            await revokeSessions(tx, eq(sessions.id, session.id), now, 'refresh_token_reuse');
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
          if (
            token.status !== 'active' ||
            session.revokedAt ||
            token.expiresAt <= now ||
            session.expiresAt <= now
          ) {
            return { error: invalid() };
          }
          const [holder] = await tx
            .select({ role: memberships.role, requireMfa: organisations.requireMfaForAdmins })
            .from(memberships)
            .innerJoin(users, eq(users.id, memberships.userId))
            .innerJoin(organisations, eq(organisations.id, memberships.orgId))
            .where(
              and(
                eq(memberships.orgId, session.orgId),
                eq(memberships.userId, session.userId),
                mayAct(),
              ),
            );
          if (!holder) {
            await revokeSessions(tx, eq(sessions.id, session.id), now, 'access_lost');
            await audit.record(tx, {
              orgId: session.orgId,
              action: 'auth.session_revoke',
              entityType: 'session',
              entityId: session.id,
              after: { userId: session.userId, reason: 'access_lost' },
            });
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
              expiresAt: new Date(now.getTime() + ttl.refreshSeconds * 1000),
            })
            .where(eq(sessions.id, session.id));
          const tokens = await issueTokens(tx, session.id, now, ttl);
          const [mfaRow] = await tx
            .select({ enabledAt: userMfa.enabledAt })
            .from(userMfa)
            .where(eq(userMfa.userId, session.userId));
          return {
            tokens: {
              ...tokens,
              expiresIn: ttl.accessSeconds,
              sessionId: session.id,
              csrfToken: null,
              organisationId: session.orgId,
              role: holder.role as Role,
              mfaEnrolmentRequired:
                holder.role === 'admin' && holder.requireMfa && !mfaRow?.enabledAt,
            },
          };
        },
      );
      if ('error' in outcome) throw outcome.error;
      return outcome.tokens;
    },

    async logout(sessionId: string): Promise<void> {
      await db.transaction(async (tx) => {
        await revokeSessions(tx, eq(sessions.id, sessionId), clock.now(), 'logout');
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
        const ended = await revokeSessions(
          tx,
          and(eq(sessions.id, sessionId), eq(sessions.userId, userId))!,
          clock.now(),
          'revoked',
        );
        if (ended.length === 0) throw notFound(`Session ${sessionId}`);
        await audit.record(tx, {
          action: 'auth.session_revoke',
          entityType: 'session',
          entityId: sessionId,
        });
      });
    },

    /**
     * Ends every session of the user but the one asking (in every organisation): "sign out
     * everywhere else", after a lost laptop or a shared computer. Answers how many ended.
     */
    async revokeOtherSessions(userId: string, currentSessionId: string | null): Promise<number> {
      return db.transaction(async (tx) => {
        const which = currentSessionId
          ? and(eq(sessions.userId, userId), ne(sessions.id, currentSessionId))!
          : eq(sessions.userId, userId);
        const ended = await revokeSessions(tx, which, clock.now(), 'revoked_others');
        await audit.record(tx, {
          action: 'auth.session_revoke_others',
          entityType: 'user',
          entityId: userId,
          after: { ended },
        });
        return ended.length;
      });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
