import { and, count, eq, sql } from 'drizzle-orm';
import { ErrorCodes, UserError, type DbOrTx } from '../kernel/index.ts';
import { memberships, users } from './access.schema.ts';
import { mayAct } from './holders.ts';
import { mayGrant, type Role } from './permissions.ts';

export interface MemberDto {
  id: string;
  email: string;
  name: string;
  role: Role;
  /**
   * `active` or `disabled` (the membership), or the account's own state when that is not
   * `active` (`disabled` by the installation, `erased`); `invited` for an invitation.
   */
  status: string;
  lastLoginAt: string | null;
  createdAt: string;
}

/** The columns of a member as an organisation sees them (membership joined to account). */
export const memberColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: memberships.role,
  status: sql<string>`case when ${users.status} = 'active' then ${memberships.status} else ${users.status} end`,
  lastLoginAt: users.lastLoginAt,
  createdAt: memberships.createdAt,
};

export function toMember(row: {
  id: string;
  email: string;
  name: string;
  role: string;
  status: string;
  lastLoginAt: Date | null;
  createdAt: Date;
}): MemberDto {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    status: row.status,
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Administrators who may act (in one organisation, or anywhere). */
export async function adminCount(tx: DbOrTx, orgId?: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(memberships.role, 'admin'),
        mayAct(),
        orgId ? eq(memberships.orgId, orgId) : undefined,
      ),
    );
  return row?.n ?? 0;
}

/** Advisory lock namespace of an organisation's memberships ("MEMB"). */
const MEMBERS_LOCK = 0x4d454d42;

/**
 * Serialises changes to one organisation's memberships for the rest of the transaction, so two
 * administrators demoting each other at once cannot leave it with none.
 */
export async function lockMembers(tx: DbOrTx, orgId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${MEMBERS_LOCK}, hashtext(${orgId}))`);
}

/** Refuses when the organisation would be left without an active administrator. */
export async function assertNotLastAdmin(tx: DbOrTx, orgId: string, what: string): Promise<void> {
  if ((await adminCount(tx, orgId)) <= 1) {
    throw new UserError('last_admin', `The last active administrator cannot be ${what}`, {
      status: 409,
    });
  }
}

export function assertMayGrant(actorRole: Role | 'system', role: Role): void {
  if (actorRole !== 'system' && !mayGrant(actorRole, role)) {
    throw new UserError(ErrorCodes.forbidden, `A ${actorRole} cannot grant the role ${role}`, {
      status: 403,
    });
  }
}
