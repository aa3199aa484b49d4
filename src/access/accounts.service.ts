import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import { notFound, type Clock, type Database } from '../kernel/index.ts';
import { memberships, organisations, sessions, users } from './access.schema.ts';
import {
  assertNotLastAdmin,
  lockMembers,
  memberColumns,
  toMember,
  type MemberDto,
} from './members.ts';
import type { AuditRecorder } from './ports.ts';
import { revokeSessions } from './session-tokens.ts';

/**
 * Accounts as a whole, across organisations: what only the person (their name) or the
 * installation's administrator (the account-wide status, the list of everyone) may do.
 */
export function createAccountsService(deps: { db: Database; clock: Clock; audit: AuditRecorder }) {
  const { db, clock, audit } = deps;
  return {
    async listAllUsers(): Promise<(MemberDto & { organisation: string })[]> {
      const rows = await db
        .select({ ...memberColumns, organisation: organisations.slug })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .innerJoin(organisations, eq(organisations.id, memberships.orgId))
        .orderBy(asc(organisations.slug), asc(users.email));
      return rows.map((r) => ({ ...toMember(r), organisation: r.organisation }));
    },

    /** A person renames their own account (every organisation they belong to sees the name). */
    async renameSelf(userId: string, name: string): Promise<void> {
      await db.transaction(async (tx) => {
        const [before] = await tx
          .update(users)
          .set({ name, updatedAt: clock.now() })
          .where(and(eq(users.id, userId), eq(users.status, 'active')))
          .returning({ id: users.id });
        if (!before) throw notFound(`User ${userId}`);
        await audit.record(tx, {
          action: 'user.update',
          entityType: 'user',
          entityId: userId,
          after: { name },
        });
      });
    },

    /**
     * The installation's administrator disables (or re-enables) an account everywhere. Refused
     * when that would leave an organisation without an active administrator.
     */
    async setAccountStatus(userId: string, status: 'active' | 'disabled'): Promise<void> {
      await db.transaction(async (tx) => {
        const adminOf = await tx
          .select({ orgId: memberships.orgId })
          .from(memberships)
          .where(
            and(
              eq(memberships.userId, userId),
              eq(memberships.role, 'admin'),
              eq(memberships.status, 'active'),
            ),
          );
        for (const { orgId } of status === 'disabled' ? adminOf : []) {
          await lockMembers(tx, orgId);
          await assertNotLastAdmin(tx, orgId, 'disabled');
        }
        const [row] = await tx
          .update(users)
          .set({ status, updatedAt: clock.now() })
          .where(and(eq(users.id, userId), ne(users.status, 'erased')))
          .returning({ id: users.id });
        if (!row) throw notFound(`User ${userId}`);
        if (status === 'disabled') {
          await revokeSessions(tx, eq(sessions.userId, userId), clock.now(), 'account_disabled');
        }
        await audit.record(tx, {
          orgId: null,
          action: 'user.update',
          entityType: 'user',
          entityId: userId,
          after: { status },
        });
      });
    },

    async usersByIds(ids: string[]) {
      if (ids.length === 0) return [];
      return db.select().from(users).where(inArray(users.id, ids));
    },
  };
}
