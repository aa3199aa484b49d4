import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Clock, Database } from '../kernel/index.ts';
import {
  accessTokens,
  apiKeys,
  memberships,
  organisations,
  sessions,
  userMfa,
  users,
} from './access.schema.ts';
import { mayAct } from './holders.ts';
import { cappedRole, type Role } from './permissions.ts';
import type { Principal } from './principal.ts';
import { hashToken, parseApiKey, sameHash } from './tokens.ts';

/** `last_used_at` of an API key is written at most this often, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export type SessionPrincipal = Principal & { csrfHash: string | null; expiresAt: Date };
export type KeyPrincipal = Principal & { expiresAt: Date | null };

/**
 * Who a credential stands for, as of now: one indexed query per credential, which also checks
 * that the person behind it may still act in the organisation (`mayAct`). The results are cached
 * for 2 seconds by `createAccess`, and every access change empties that cache.
 */
export function createPrincipalLookup(deps: { db: Database; clock: Clock }) {
  const { db, clock } = deps;

  return {
    /** The principal an access token stands for, or undefined when unknown, expired or void. */
    async forAccessToken(token: string): Promise<SessionPrincipal | undefined> {
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
            gt(accessTokens.expiresAt, clock.now()),
            isNull(sessions.revokedAt),
            mayAct(),
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

    /**
     * The principal an API key stands for, or undefined when unknown, revoked, expired, or when
     * the person who created it may no longer act in the organisation. A key never does more
     * than its creator may do now: its role is capped by theirs (`cappedRole`). Keys the local
     * administrator created (no creator) keep their role.
     */
    async forApiKey(key: string): Promise<KeyPrincipal | undefined> {
      const parsed = parseApiKey(key);
      if (!parsed) return undefined;
      const [row] = await db
        .select({
          key: apiKeys,
          creatorRole: memberships.role,
          creatorMayAct: sql<boolean | null>`${mayAct()}`,
        })
        .from(apiKeys)
        .leftJoin(users, eq(users.id, apiKeys.createdBy))
        .leftJoin(
          memberships,
          and(eq(memberships.userId, apiKeys.createdBy), eq(memberships.orgId, apiKeys.orgId)),
        )
        .where(eq(apiKeys.prefix, parsed.prefix));
      if (!row || !sameHash(row.key.secretHash, hashToken(parsed.secret))) return undefined;
      const { key: k } = row;
      const now = clock.now();
      if (k.revokedAt || (k.expiresAt && k.expiresAt <= now)) return undefined;
      let role: Role | undefined = k.role as Role;
      if (k.createdBy !== null) {
        if (!row.creatorRole || row.creatorMayAct !== true) return undefined;
        role = cappedRole(role, row.creatorRole as Role);
        if (!role) return undefined;
      }
      if (!k.lastUsedAt || now.getTime() - k.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, k.id));
      }
      return {
        kind: 'apikey',
        orgId: k.orgId,
        userId: null,
        apiKeyId: k.id,
        role,
        sessionId: null,
        via: 'apikey',
        ventureIds: k.ventureIds,
        mfaEnrolmentRequired: false,
        expiresAt: k.expiresAt,
      };
    },
  };
}

export type PrincipalLookup = ReturnType<typeof createPrincipalLookup>;
