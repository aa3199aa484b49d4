import { and, asc, eq, ne, or, type SQL } from 'drizzle-orm';
import { notFound, type Clock, type Database, type Transaction } from '../kernel/index.ts';
import {
  apiKeys,
  invitations,
  memberships,
  mfaRecoveryCodes,
  organisations,
  sessions,
  userMfa,
  users,
} from './access.schema.ts';
import { auditLog } from './audit.schema.ts';
import { assertNotLastAdmin, lockMembers } from './members.ts';
import type { AuditRecorder } from './ports.ts';
import { sessionsOf } from './session-tokens.ts';

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

/** What an erasure did: the whole account anonymised, or the person removed from one org. */
export type ErasureOutcome = 'anonymised' | 'removed_from_organisation';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * GDPR/CCPA: what is held about a person, and its erasure. An organisation's administrator sees
 * and erases only what that organisation holds; the person themselves and the installation's
 * administrator (`orgId` null) see everything.
 */
export function createGdprService(deps: { db: Database; clock: Clock; audit: AuditRecorder }) {
  const { db, clock, audit } = deps;

  async function assertInScope(orgId: string | null, userId: string): Promise<void> {
    if (orgId === null) return; // the person themselves, or the installation's administrator
    const [member] = await db
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    if (!member) throw notFound(`User ${userId}`);
  }

  /** Within one organisation's records, or all of them (`orgId` null). */
  const within = (column: Parameters<typeof eq>[0], orgId: string | null): SQL | undefined =>
    orgId === null ? undefined : eq(column, orgId);

  const redactAbout = (tx: Transaction, orgId: string | null, userId: string) =>
    audit.redact(tx, {
      orgId,
      entityType: 'user',
      entityId: userId,
      transform: ({ before, after }) => ({
        before: scrubPersonalData(before),
        after: scrubPersonalData(after),
      }),
    });

  /** The account anonymised for good: every organisation's records of the person redacted. */
  async function anonymise(tx: Transaction, orgId: string | null, userId: string) {
    const held = await tx
      .select({ orgId: memberships.orgId, role: memberships.role, status: memberships.status })
      .from(memberships)
      .where(eq(memberships.userId, userId));
    const adminOf = held
      .filter((x) => x.role === 'admin' && x.status === 'active')
      .sort((a, b) => a.orgId.localeCompare(b.orgId));
    for (const m of adminOf) {
      await lockMembers(tx, m.orgId);
      await assertNotLastAdmin(tx, m.orgId, 'erased');
    }
    const now = clock.now();
    await tx
      .update(users)
      .set({
        email: `erased-${userId}@erased.invalid`,
        name: ERASED,
        passwordHash: null,
        status: 'erased',
        lastLoginAt: null,
        erasedAt: now,
        updatedAt: now,
      })
      .where(eq(users.id, userId));
    await tx.delete(sessions).where(eq(sessions.userId, userId));
    await tx.delete(userMfa).where(eq(userMfa.userId, userId));
    await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
    await tx.delete(memberships).where(eq(memberships.userId, userId));
    await tx.delete(invitations).where(eq(invitations.userId, userId));
    // `api_keys.created_by` keeps the (now anonymous) id: the keys stop working with the person.
    const chains = await tx
      .selectDistinct({ orgId: auditLog.orgId })
      .from(auditLog)
      .where(and(eq(auditLog.entityType, 'user'), eq(auditLog.entityId, userId)));
    let redacted = 0;
    for (const chain of chains) redacted += await redactAbout(tx, chain.orgId, userId);
    if (chains.length === 0) {
      await audit.record(tx, { orgId, action: 'gdpr.erase', entityType: 'user', entityId: userId });
    }
    return redacted;
  }

  /** The person leaves one organisation, whose records of them are redacted; the rest stays. */
  async function removeFrom(tx: Transaction, orgId: string, userId: string) {
    await lockMembers(tx, orgId);
    const [member] = await tx
      .select({ role: memberships.role, status: memberships.status })
      .from(memberships)
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    if (member?.role === 'admin' && member.status === 'active') {
      await assertNotLastAdmin(tx, orgId, 'erased');
    }
    await tx
      .delete(memberships)
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    // Sessions hold addresses and browsers: they go (with their tokens), not just end.
    await tx.delete(sessions).where(sessionsOf(userId, orgId));
    await tx
      .delete(invitations)
      .where(and(eq(invitations.orgId, orgId), eq(invitations.userId, userId)));
    return redactAbout(tx, orgId, userId);
  }

  return {
    /**
     * Personal data about a user, as one JSON document: everything (`orgId` null: the person's
     * own request, or the installation's administrator), or what one organisation holds (its
     * membership, its sessions, the keys made there, its audit entries about or by them).
     */
    async exportUser(orgId: string | null, userId: string) {
      await assertInScope(orgId, userId);
      const [user] = await db.select().from(users).where(eq(users.id, userId));
      if (!user) throw notFound(`User ${userId}`);
      const [orgs, userSessions, mfa, keys, invited, auditEntries] = await Promise.all([
        db
          .select({
            organisation: organisations.name,
            slug: organisations.slug,
            role: memberships.role,
            status: memberships.status,
            since: memberships.createdAt,
          })
          .from(memberships)
          .innerJoin(organisations, eq(organisations.id, memberships.orgId))
          .where(and(eq(memberships.userId, userId), within(memberships.orgId, orgId))),
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
          .where(and(eq(sessions.userId, userId), within(sessions.orgId, orgId)))
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
          .where(and(eq(apiKeys.createdBy, userId), within(apiKeys.orgId, orgId))),
        db
          .select({
            organisation: organisations.slug,
            role: invitations.role,
            status: invitations.status,
            createdAt: invitations.createdAt,
            expiresAt: invitations.expiresAt,
          })
          .from(invitations)
          .innerJoin(organisations, eq(organisations.id, invitations.orgId))
          .where(and(eq(invitations.userId, userId), within(invitations.orgId, orgId))),
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
            and(
              or(
                and(eq(auditLog.entityType, 'user'), eq(auditLog.entityId, userId)),
                eq(auditLog.actorId, userId),
              ),
              within(auditLog.orgId, orgId),
            ),
          )
          .orderBy(asc(auditLog.at)),
      ]);
      const membership = orgs[0];
      return {
        exportedAt: clock.now().toISOString(),
        user: {
          id: user.id,
          email: user.email,
          name: user.name,
          // An organisation sees its membership's state; the whole account only the person.
          status: orgId === null ? user.status : (membership?.status ?? user.status),
          ...(orgId === null
            ? { createdAt: user.createdAt.toISOString(), lastLoginAt: iso(user.lastLoginAt) }
            : {}),
        },
        memberships: orgs.map((o) => ({ ...o, since: o.since.toISOString() })),
        invitations: invited.map((i) => ({
          ...i,
          createdAt: i.createdAt.toISOString(),
          expiresAt: i.expiresAt.toISOString(),
        })),
        sessions: userSessions.map((s) => ({
          ...s,
          createdAt: s.createdAt.toISOString(),
          lastUsedAt: s.lastUsedAt.toISOString(),
          revokedAt: iso(s.revokedAt),
        })),
        ...(orgId === null ? { mfa: { enabled: Boolean(mfa[0]?.enabledAt) } } : {}),
        apiKeysCreated: keys.map((k) => ({ ...k, createdAt: k.createdAt.toISOString() })),
        activity: auditEntries.map((e) => ({ ...e, at: e.at.toISOString() })),
      };
    },

    /**
     * Erases a person. By the installation's administrator (`orgId` null), or by an
     * organisation that is the only one holding them: the account is anonymised (it keeps its
     * id, so the audit chain and the records it touched stay consistent), sessions, MFA,
     * memberships and invitations go, and every audit entry about them is redacted in a way the
     * chain verification accepts. By an organisation when others hold them too: they are removed
     * from that organisation only, and that organisation's audit entries about them redacted.
     */
    async eraseUser(
      orgId: string | null,
      userId: string,
    ): Promise<{ redactedAuditEntries: number; outcome: ErasureOutcome }> {
      await assertInScope(orgId, userId);
      return db.transaction(async (tx) => {
        const [user] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
        if (!user) throw notFound(`User ${userId}`);
        if (user.status === 'erased') return { redactedAuditEntries: 0, outcome: 'anonymised' };
        if (orgId !== null) {
          const [elsewhere] = await tx
            .select({ orgId: memberships.orgId })
            .from(memberships)
            .where(and(eq(memberships.userId, userId), ne(memberships.orgId, orgId)))
            .limit(1);
          if (elsewhere) {
            return {
              redactedAuditEntries: await removeFrom(tx, orgId, userId),
              outcome: 'removed_from_organisation',
            };
          }
        }
        return { redactedAuditEntries: await anonymise(tx, orgId, userId), outcome: 'anonymised' };
      });
    },
  };
}

export type GdprService = ReturnType<typeof createGdprService>;
