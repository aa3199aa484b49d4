import { and, asc, eq, or, sql } from 'drizzle-orm';
import { UserError, notFound, type Clock, type Database } from '../kernel/index.ts';
import {
  apiKeys,
  memberships,
  mfaRecoveryCodes,
  organisations,
  sessions,
  userMfa,
  users,
} from './access.schema.ts';
import { auditLog } from './audit.schema.ts';
import type { AuditRecorder } from './ports.ts';

/** Keys whose values are personal data wherever they appear in an audit payload. */
const PERSONAL_KEYS = new Set(['email', 'name', 'ip', 'userAgent', 'phone', 'address']);
export const ERASED = '[erased]';

/** Replaces personal values in an audit payload, keeping its shape. */
export function scrubPersonalData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubPersonalData);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        PERSONAL_KEYS.has(k) && v !== null ? ERASED : scrubPersonalData(v),
      ]),
    );
  }
  return value;
}

/** GDPR/CCPA: everything held about a person, and its erasure. */
export function createGdprService(deps: { db: Database; clock: Clock; audit: AuditRecorder }) {
  const { db, clock, audit } = deps;

  async function assertInScope(orgId: string | null, userId: string): Promise<void> {
    if (orgId === null) return; // the local administrator acts for the whole installation
    const [member] = await db
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    if (!member) throw notFound(`User ${userId}`);
  }

  return {
    /** All personal data about a user, as one JSON document. */
    async exportUser(orgId: string | null, userId: string) {
      await assertInScope(orgId, userId);
      const [user] = await db.select().from(users).where(eq(users.id, userId));
      if (!user) throw notFound(`User ${userId}`);
      const [orgs, userSessions, mfa, keys, auditEntries] = await Promise.all([
        db
          .select({
            organisation: organisations.name,
            slug: organisations.slug,
            role: memberships.role,
            since: memberships.createdAt,
          })
          .from(memberships)
          .innerJoin(organisations, eq(organisations.id, memberships.orgId))
          .where(eq(memberships.userId, userId)),
        db
          .select({
            id: sessions.id,
            via: sessions.via,
            ip: sessions.ip,
            userAgent: sessions.userAgent,
            createdAt: sessions.createdAt,
            lastUsedAt: sessions.lastUsedAt,
            revokedAt: sessions.revokedAt,
          })
          .from(sessions)
          .where(eq(sessions.userId, userId))
          .orderBy(asc(sessions.createdAt)),
        db.select({ enabledAt: userMfa.enabledAt }).from(userMfa).where(eq(userMfa.userId, userId)),
        db
          .select({
            id: apiKeys.id,
            name: apiKeys.name,
            role: apiKeys.role,
            createdAt: apiKeys.createdAt,
          })
          .from(apiKeys)
          .where(eq(apiKeys.createdBy, userId)),
        db
          .select({
            at: auditLog.at,
            action: auditLog.action,
            entityType: auditLog.entityType,
            entityId: auditLog.entityId,
            actorId: auditLog.actorId,
            before: auditLog.before,
            after: auditLog.after,
          })
          .from(auditLog)
          .where(
            or(
              and(eq(auditLog.entityType, 'user'), eq(auditLog.entityId, userId)),
              eq(auditLog.actorId, userId),
            ),
          )
          .orderBy(asc(auditLog.at)),
      ]);
      return {
        exportedAt: clock.now().toISOString(),
        user: {
          id: user.id,
          email: user.email,
          name: user.name,
          status: user.status,
          createdAt: user.createdAt.toISOString(),
          lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
        },
        memberships: orgs.map((o) => ({ ...o, since: o.since.toISOString() })),
        sessions: userSessions.map((s) => ({
          ...s,
          createdAt: s.createdAt.toISOString(),
          lastUsedAt: s.lastUsedAt.toISOString(),
          revokedAt: s.revokedAt?.toISOString() ?? null,
        })),
        mfa: { enabled: Boolean(mfa[0]?.enabledAt) },
        apiKeysCreated: keys.map((k) => ({ ...k, createdAt: k.createdAt.toISOString() })),
        activity: auditEntries.map((e) => ({ ...e, at: e.at.toISOString() })),
      };
    },

    /**
     * Erases a person: the account is anonymised (it keeps its id, so the audit chain and the
     * records it touched stay consistent), sessions, MFA and memberships go, and every audit
     * entry about them is redacted in a way the chain verification accepts.
     */
    async eraseUser(
      orgId: string | null,
      userId: string,
    ): Promise<{ redactedAuditEntries: number }> {
      await assertInScope(orgId, userId);
      return db.transaction(async (tx) => {
        const [user] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
        if (!user) throw notFound(`User ${userId}`);
        if (user.status === 'erased') return { redactedAuditEntries: 0 };
        const member = await tx
          .select({ orgId: memberships.orgId, role: memberships.role })
          .from(memberships)
          .where(eq(memberships.userId, userId));
        if (orgId !== null && member.some((m) => m.orgId !== orgId)) {
          throw new UserError(
            'member_elsewhere',
            'This person also belongs to other organisations; the installation administrator must erase them (iza user erase)',
            { status: 409 },
          );
        }
        for (const m of member.filter((x) => x.role === 'admin')) {
          const [row] = await tx
            .select({ n: sql<number>`count(*)::int` })
            .from(memberships)
            .innerJoin(users, eq(users.id, memberships.userId))
            .where(
              and(
                eq(memberships.orgId, m.orgId),
                eq(memberships.role, 'admin'),
                eq(users.status, 'active'),
              ),
            );
          if ((row?.n ?? 0) <= 1) {
            throw new UserError(
              'last_admin',
              'The last administrator of an organisation cannot be erased',
              {
                status: 409,
              },
            );
          }
        }
        const now = clock.now();
        await tx
          .update(users)
          .set({
            email: `erased-${userId}@erased.invalid`,
            name: ERASED,
            passwordHash: null,
            status: 'erased',
            failedLogins: 0,
            lockedUntil: null,
            lastLoginAt: null,
            erasedAt: now,
            updatedAt: now,
          })
          .where(eq(users.id, userId));
        await tx.delete(sessions).where(eq(sessions.userId, userId));
        await tx.delete(userMfa).where(eq(userMfa.userId, userId));
        await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
        await tx.delete(memberships).where(eq(memberships.userId, userId));
        await tx.update(apiKeys).set({ createdBy: null }).where(eq(apiKeys.createdBy, userId));

        const chains = await tx
          .selectDistinct({ orgId: auditLog.orgId })
          .from(auditLog)
          .where(and(eq(auditLog.entityType, 'user'), eq(auditLog.entityId, userId)));
        let redacted = 0;
        for (const { orgId: chainOrg } of chains) {
          redacted += await audit.redact(tx, {
            orgId: chainOrg,
            entityType: 'user',
            entityId: userId,
            transform: ({ before, after }) => ({
              before: scrubPersonalData(before),
              after: scrubPersonalData(after),
            }),
          });
        }
        if (chains.length === 0) {
          await audit.record(tx, {
            orgId,
            action: 'gdpr.erase',
            entityType: 'user',
            entityId: userId,
          });
        }
        return { redactedAuditEntries: redacted };
      });
    },
  };
}

export type GdprService = ReturnType<typeof createGdprService>;
