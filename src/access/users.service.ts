import { and, asc, eq, ne, sql } from 'drizzle-orm';
import {
  ErrorCodes,
  UserError,
  newId,
  notFound,
  type Clock,
  type Database,
  type Transaction,
} from '../kernel/index.ts';
import { memberships, organisations, users } from './access.schema.ts';
import type { MemberStatus } from './holders.ts';
import type { InvitationsService } from './invitations.service.ts';
import {
  adminCount,
  assertMayGrant,
  assertNotLastAdmin,
  lockMembers,
  memberColumns,
  toMember,
  type MemberDto,
} from './members.ts';
import { createAccountsService } from './accounts.service.ts';
import {
  createOrganisationsService,
  findOrganisationRow,
  toOrganisation,
  uniqueSlug,
  type OrganisationDto,
} from './organisations.service.ts';
import { hashPassword } from './passwords.ts';
import type { Role } from './permissions.ts';
import type { AuditRecorder } from './ports.ts';
import { revokeSessions, sessionsOf } from './session-tokens.ts';

export type { MemberDto } from './members.ts';
export type { OrganisationDto } from './organisations.service.ts';
export { slugify } from './organisations.service.ts';

/** What adding a person answers: the new member, or the invitation an existing account got. */
export type AddedMemberDto = MemberDto & {
  /**
   * Set when the person was invited rather than added (status `invited`): an e-mail that already
   * had an account, or a new one added without a password. `path` (`/invite#<token>`) is the
   * link that joins; its secret is in this answer only.
   */
  invitation: { id: string; expiresAt: string; token: string; path: string } | null;
};

export interface UsersDeps {
  db: Database;
  clock: Clock;
  audit: AuditRecorder;
  invitations: InvitationsService;
}

/** Lower-cased, trimmed e-mail; the form every lookup and unique index uses. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Organisations and their members. An organisation acts only on its own memberships (role,
 * status, removal), never on the account behind them, which other organisations may share:
 * an existing account is invited, not attached, and only the person renames an account that
 * belongs to more than one organisation.
 */
export function createUsersService(deps: UsersDeps) {
  const { db, clock, audit, invitations } = deps;

  async function createAccount(
    tx: Transaction,
    input: { email: string; name: string; password?: string | undefined },
    orgId: string,
  ): Promise<string> {
    const now = clock.now();
    const id = newId();
    await tx.insert(users).values({
      id,
      email: normaliseEmail(input.email),
      name: input.name,
      passwordHash: input.password === undefined ? null : await hashPassword(input.password),
      createdAt: now,
      updatedAt: now,
    });
    await audit.record(tx, {
      orgId,
      action: 'user.create',
      entityType: 'user',
      entityId: id,
      after: { email: normaliseEmail(input.email), name: input.name },
    });
    return id;
  }

  /** An invitation in an answer: its link (the secret, shown this once) and when it ends. */
  function invitationJson(invitation: { id: string; expiresAt: Date; token: string }) {
    return {
      id: invitation.id,
      expiresAt: invitation.expiresAt.toISOString(),
      token: invitation.token,
      path: `/invite#${invitation.token}`,
    };
  }

  async function accountByEmail(tx: Transaction, email: string) {
    const [existing] = await tx
      .select({ id: users.id, status: users.status })
      .from(users)
      .where(eq(users.email, normaliseEmail(email)));
    return existing;
  }

  async function memberRow(tx: Transaction, orgId: string, userId: string) {
    const [row] = await tx
      .select(memberColumns)
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    return row;
  }

  return {
    ...createOrganisationsService({ db, clock, audit }),
    ...createAccountsService({ db, clock, audit }),

    /** True while no active administrator exists: the installation must be set up first. */
    async setupNeeded(): Promise<boolean> {
      return (await adminCount(db)) === 0;
    },

    /**
     * Creates an administrator: in a new organisation named `organisation`, or in the existing
     * organisation with that slug or id. Only the installation's administrator (first run, the
     * CLI, system routes) calls this, so it may make an existing account an administrator.
     */
    async createAdmin(input: {
      organisation: string;
      email: string;
      name: string;
      password: string;
      /** Only while no administrator exists anywhere (the first-run flow). */
      onlyIfFirst?: boolean;
    }): Promise<{ organisation: OrganisationDto; user: MemberDto }> {
      return db.transaction(async (tx) => {
        // Serialise concurrent first-run attempts: exactly one may win.
        await tx.execute(sql`select pg_advisory_xact_lock(7265110433)`);
        if (input.onlyIfFirst && (await adminCount(tx)) > 0) {
          throw new UserError('setup_done', 'IZA OS is already set up; sign in instead', {
            status: 409,
          });
        }
        const now = clock.now();
        let org = await findOrganisationRow(tx, input.organisation);
        if (!org) {
          const id = newId();
          const values = {
            id,
            name: input.organisation,
            slug: await uniqueSlug(tx, input.organisation),
            requireMfaForAdmins: false,
            createdAt: now,
            updatedAt: now,
          };
          await tx.insert(organisations).values(values);
          await audit.record(tx, {
            orgId: id,
            action: 'organisation.create',
            entityType: 'organisation',
            entityId: id,
            after: { name: values.name, slug: values.slug },
          });
          org = values;
        }
        const existing = await accountByEmail(tx, input.email);
        if (existing?.status === 'erased') {
          throw new UserError('user_erased', 'That account was erased and cannot be reused', {
            status: 409,
          });
        }
        const userId = existing?.id ?? (await createAccount(tx, input, org.id));
        await tx
          .insert(memberships)
          .values({ orgId: org.id, userId, role: 'admin', status: 'active', createdAt: now })
          .onConflictDoUpdate({
            target: [memberships.orgId, memberships.userId],
            set: { role: 'admin', status: 'active' },
          });
        await audit.record(tx, {
          orgId: org.id,
          action: 'membership.create',
          entityType: 'user',
          entityId: userId,
          after: { role: 'admin' },
        });
        return {
          organisation: toOrganisation(org),
          user: toMember((await memberRow(tx, org.id, userId))!),
        };
      });
    },

    async listMembers(orgId: string): Promise<MemberDto[]> {
      const rows = await db
        .select(memberColumns)
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.orgId, orgId))
        .orderBy(asc(users.email));
      return rows.map(toMember);
    },

    async getMember(orgId: string, userId: string): Promise<MemberDto> {
      const [row] = await db
        .select(memberColumns)
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
      if (!row) throw notFound(`User ${userId}`);
      return toMember(row);
    },

    /**
     * Adds a person to the organisation. A new e-mail gets an account and the membership at
     * once; an e-mail that already has an account gets an invitation (status `invited`), which
     * only the person can accept: nothing of the account changes until then, and `password` is
     * ignored.
     */
    async addMember(
      orgId: string,
      input: { email: string; name: string; password?: string | undefined; role: Role },
      actorRole: Role | 'system',
      invitedBy: string | null = null,
    ): Promise<AddedMemberDto> {
      assertMayGrant(actorRole, input.role);
      const email = normaliseEmail(input.email);
      return db.transaction(async (tx) => {
        // Two administrators adding the same person at once: one adds, the other is told.
        await lockMembers(tx, orgId);
        const existing = await accountByEmail(tx, email);
        if (existing?.status === 'erased') {
          throw new UserError(
            'user_erased',
            `The account ${email} was erased and cannot be reused`,
            {
              status: 409,
            },
          );
        }
        if (existing && (await memberRow(tx, orgId, existing.id))) {
          throw new UserError(ErrorCodes.conflict, `${email} is already a member`, { status: 409 });
        }
        if (existing) {
          const invitation = await invitations.invite(tx, {
            orgId,
            userId: existing.id,
            role: input.role,
            invitedBy,
          });
          return {
            id: existing.id,
            email,
            name: input.name,
            role: input.role,
            status: 'invited',
            lastLoginAt: null,
            createdAt: invitation.createdAt.toISOString(),
            invitation: invitationJson(invitation),
          };
        }
        if (input.password === undefined) {
          // No password: an account that cannot sign in yet, and an invitation link with which
          // the person sets their own password and joins.
          const userId = await createAccount(tx, input, orgId);
          const invitation = await invitations.invite(tx, {
            orgId,
            userId,
            role: input.role,
            invitedBy,
          });
          return {
            id: userId,
            email,
            name: input.name,
            role: input.role,
            status: 'invited',
            lastLoginAt: null,
            createdAt: invitation.createdAt.toISOString(),
            invitation: invitationJson(invitation),
          };
        }
        const userId = await createAccount(tx, input, orgId);
        await tx
          .insert(memberships)
          .values({ orgId, userId, role: input.role, status: 'active', createdAt: clock.now() });
        await audit.record(tx, {
          orgId,
          action: 'membership.create',
          entityType: 'user',
          entityId: userId,
          after: { role: input.role },
        });
        return { ...toMember((await memberRow(tx, orgId, userId))!), invitation: null };
      });
    },

    /**
     * Changes a membership: its role, its status (`disabled`: the person cannot act in this
     * organisation and their sessions here end; they keep working elsewhere), or the name on the
     * account while the account belongs to this organisation alone.
     */
    async updateMember(
      orgId: string,
      userId: string,
      change: {
        role?: Role | undefined;
        name?: string | undefined;
        status?: MemberStatus | undefined;
      },
      actorRole: Role | 'system',
    ): Promise<MemberDto> {
      if (change.role) assertMayGrant(actorRole, change.role);
      return db.transaction(async (tx) => {
        await lockMembers(tx, orgId);
        const before = await memberRow(tx, orgId, userId);
        if (!before) throw notFound(`User ${userId}`);
        if (change.name !== undefined && change.name !== before.name) {
          const [elsewhere] = await tx
            .select({ orgId: memberships.orgId })
            .from(memberships)
            .where(and(eq(memberships.userId, userId), ne(memberships.orgId, orgId)))
            .limit(1);
          if (elsewhere) {
            throw new UserError(
              'account_shared',
              'This account also belongs to other organisations: only its owner can change its name (PATCH /api/v1/auth/me)',
              { status: 409 },
            );
          }
        }
        const losesAdmin =
          before.role === 'admin' &&
          before.status === 'active' &&
          ((change.role !== undefined && change.role !== 'admin') || change.status === 'disabled');
        if (losesAdmin) await assertNotLastAdmin(tx, orgId, 'demoted or disabled');
        if (change.role !== undefined || change.status !== undefined) {
          await tx
            .update(memberships)
            .set({
              ...(change.role !== undefined ? { role: change.role } : {}),
              ...(change.status !== undefined ? { status: change.status } : {}),
            })
            .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
        }
        if (change.name !== undefined) {
          await tx
            .update(users)
            .set({ name: change.name, updatedAt: clock.now() })
            .where(and(eq(users.id, userId), ne(users.status, 'erased')));
        }
        if (change.status === 'disabled') {
          await revokeSessions(tx, sessionsOf(userId, orgId), clock.now(), 'membership_disabled');
        }
        const after = (await memberRow(tx, orgId, userId))!;
        await audit.record(tx, {
          orgId,
          action: 'membership.update',
          entityType: 'user',
          entityId: userId,
          before: { role: before.role, name: before.name, status: before.status },
          after: { role: after.role, name: after.name, status: after.status },
        });
        return toMember(after);
      });
    },

    /** Removes a person from the organisation (their account and other memberships stay). */
    async removeMember(orgId: string, userId: string): Promise<void> {
      await db.transaction(async (tx) => {
        await lockMembers(tx, orgId);
        const member = await memberRow(tx, orgId, userId);
        if (!member) throw notFound(`User ${userId}`);
        if (member.role === 'admin' && member.status === 'active') {
          await assertNotLastAdmin(tx, orgId, 'removed');
        }
        await tx
          .delete(memberships)
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
        await revokeSessions(tx, sessionsOf(userId, orgId), clock.now(), 'membership_removed');
        await audit.record(tx, {
          orgId,
          action: 'membership.delete',
          entityType: 'user',
          entityId: userId,
          before: { role: member.role },
        });
      });
    },

    /** The organisations a user may act in, oldest membership first. */
    async membershipsOf(userId: string) {
      return db
        .select({
          orgId: memberships.orgId,
          role: memberships.role,
          slug: organisations.slug,
          name: organisations.name,
        })
        .from(memberships)
        .innerJoin(organisations, eq(organisations.id, memberships.orgId))
        .where(and(eq(memberships.userId, userId), eq(memberships.status, 'active')))
        .orderBy(asc(memberships.createdAt));
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
