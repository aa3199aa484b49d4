import { and, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import { newId, type Transaction } from '../kernel/index.ts';
import { accessTokens, refreshTokens, sessions } from './access.schema.ts';
import { hashToken, newToken } from './tokens.ts';

/** A new access and refresh token for a session. */
export async function issueTokens(
  tx: Transaction,
  sessionId: string,
  now: Date,
  ttl: { accessSeconds: number; refreshSeconds: number },
): Promise<{ accessToken: string; refreshToken: string }> {
  const accessToken = newToken('at');
  const refreshToken = newToken('rt');
  await tx.insert(accessTokens).values({
    tokenHash: hashToken(accessToken),
    sessionId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttl.accessSeconds * 1000),
  });
  await tx.insert(refreshTokens).values({
    id: newId(),
    sessionId,
    tokenHash: hashToken(refreshToken),
    status: 'active',
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttl.refreshSeconds * 1000),
  });
  return { accessToken, refreshToken };
}

/**
 * Ends the open sessions matching `which` (e.g. one session, or a person's sessions in one
 * organisation): marked revoked, refresh tokens revoked, access tokens deleted. Returns their ids.
 */
export async function revokeSessions(
  tx: Transaction,
  which: SQL,
  now: Date,
  reason: string,
): Promise<string[]> {
  const ended = await tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(which, isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  const ids = ended.map((s) => s.id);
  if (ids.length > 0) {
    await tx
      .update(refreshTokens)
      .set({ status: 'revoked' })
      .where(inArray(refreshTokens.sessionId, ids));
    await tx.delete(accessTokens).where(inArray(accessTokens.sessionId, ids));
  }
  return ids;
}

/** A person's sessions in one organisation. */
export function sessionsOf(userId: string, orgId: string): SQL {
  return and(eq(sessions.userId, userId), eq(sessions.orgId, orgId))!;
}
