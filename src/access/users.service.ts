import { and, asc, count, eq, inArray, ne, sql } from 'drizzle-orm';
import {
  ErrorCodes,
  UserError,
  newId,
  notFound,
  type Clock,
  type Database,
  type DbOrTx,
} from '../kernel/index.ts';
import { memberships, organisations, users } from './access.schema.ts';
import { hashPassword } from './passwords.ts';
import { mayGrant, type Role } from './permissions.ts';
import type { AuditRecorder } from './ports.ts';

export interface MemberDto {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: string;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface OrganisationDto {
  id: string;
  name: string;
  slug: string;
  requireMfaForAdmins: boolean;
  createdAt: string;
}

export interface UsersDeps {
  db: Database;
  clock: Clock;
  audit: AuditRecorder;
}

/** Lower-cased, trimmed e-mail; the form every lookup and unique index uses. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 60);
  return slug || 'organisation';
}

export function createUsersService(deps: UsersDeps) {
  const { db, clock, audit } = deps;

  async function findOrganisation(tx: DbOrTx, idOrSlug: string) {
    const isId = /^[0-9a-f-]{36}$/i.test(idOrSlug);
    const [org] = await tx
      .select()
      .from(organisations)
      .where(isId ? eq(organisations.id, idOrSlug) : eq(organisations.slug, idOrSlug))
      .limit(1);
    return org;
  }

  async function uniqueSlug(tx: DbOrTx, name: string): Promise<string> {
    const base = slugify(name);
    for (let n = 1; ; n++) {
      const slug = n === 1 ? base : `${base}-${n}`;
      const [taken] = await tx
        .select({ id: organisations.id })
        .from(organisations)
        .where(eq(organisations.slug, slug));
      if (!taken) return slug;
    }
  }

  async function adminCount(tx: DbOrTx, orgId?: string): Promise<number> {
    const [row] = await tx
      .select({ n: count() })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(
        and(
          eq(memberships.role, 'admin'),
          eq(users.status, 'active'),
          orgId ? eq(memberships.orgId, orgId) : undefined,
        ),
      );
    return row?.n ?? 0;
  }

  /** Creates the user, or finds the existing one with that e-mail. */
  async function ensureUser(
    tx: DbOrTx,
    input: { email: string; name: string; password?: string | undefined },
  ): Promise<{ id: string; created: boolean }> {
    const email = normaliseEmail(input.email);
    const [existing] = await tx.select().from(users).where(eq(users.email, email));
    if (existing) {
      if (existing.status === 'erased') {
        throw new UserError('user_erased', `The account ${email} was erased and cannot be reused`, {
          status: 409,
        });
      }
      return { id: existing.id, created: false };
    }
    const now = clock.now();
    const id = newId();
    await tx.insert(users).values({
      id,
      email,
      name: input.name,
      passwordHash: input.password === undefined ? null : await hashPassword(input.password),
      createdAt: now,
      updatedAt: now,
    });
    await audit.record(tx, {
      action: 'user.create',
      entityType: 'user',
      entityId: id,
      after: { email, name: input.name },
    });
    return { id, created: true };
  }

  function toMember(row: {
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

  const memberColumns = {
    id: users.id,
    email: users.email,
    name: users.name,
    role: memberships.role,
    status: users.status,
    lastLoginAt: users.lastLoginAt,
    createdAt: memberships.createdAt,
  };

  return {
    /** True while no active administrator exists: the installation must be set up first. */
    async setupNeeded(): Promise<boolean> {
      return (await adminCount(db)) === 0;
    },

    /**
     * Creates an administrator: in a new organisation named `organisation`, or in the existing
     * organisation with that slug or id.
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
        let org = await findOrganisation(tx, input.organisation);
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
        const user = await ensureUser(tx, input);
        await tx
          .insert(memberships)
          .values({ orgId: org.id, userId: user.id, role: 'admin', createdAt: now })
          .onConflictDoUpdate({
            target: [memberships.orgId, memberships.userId],
            set: { role: 'admin' },
          });
        await audit.record(tx, {
          orgId: org.id,
          action: 'membership.create',
          entityType: 'user',
          entityId: user.id,
          after: { role: 'admin' },
        });
        const [member] = await tx
          .select(memberColumns)
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, user.id)));
        return { organisation: toOrganisation(org), user: toMember(member!) };
      });
    },

    async listAllUsers(): Promise<(MemberDto & { organisation: string })[]> {
      const rows = await db
        .select({ ...memberColumns, organisation: organisations.slug })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .innerJoin(organisations, eq(organisations.id, memberships.orgId))
        .orderBy(asc(organisations.slug), asc(users.email));
      return rows.map((r) => ({ ...toMember(r), organisation: r.organisation }));
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

    /** Adds a person to the organisation, creating their account when the e-mail is new. */
    async addMember(
      orgId: string,
      input: { email: string; name: string; password?: string | undefined; role: Role },
      actorRole: Role | 'system',
    ): Promise<MemberDto> {
      assertMayGrant(actorRole, input.role);
      return db.transaction(async (tx) => {
        const user = await ensureUser(tx, input);
        const inserted = await tx
          .insert(memberships)
          .values({ orgId, userId: user.id, role: input.role, createdAt: clock.now() })
          .onConflictDoNothing()
          .returning({ userId: memberships.userId });
        if (inserted.length === 0) {
          throw new UserError(
            ErrorCodes.conflict,
            `${normaliseEmail(input.email)} is already a member`,
            {
              status: 409,
            },
          );
        }
        await audit.record(tx, {
          action: 'membership.create',
          entityType: 'user',
          entityId: user.id,
          after: { role: input.role },
        });
        const [row] = await tx
          .select(memberColumns)
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, user.id)));
        return toMember(row!);
      });
    },

    async updateMember(
      orgId: string,
      userId: string,
      change: {
        role?: Role | undefined;
        name?: string | undefined;
        status?: 'active' | 'disabled' | undefined;
      },
      actorRole: Role | 'system',
    ): Promise<MemberDto> {
      if (change.role) assertMayGrant(actorRole, change.role);
      return db.transaction(async (tx) => {
        const [before] = await tx
          .select(memberColumns)
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
          .for('update');
        if (!before) throw notFound(`User ${userId}`);
        const losesAdmin =
          before.role === 'admin' &&
          ((change.role !== undefined && change.role !== 'admin') || change.status === 'disabled');
        if (losesAdmin && (await adminCount(tx, orgId)) <= 1) {
          throw new UserError(
            'last_admin',
            'The last administrator cannot be demoted or disabled',
            {
              status: 409,
            },
          );
        }
        if (change.role) {
          await tx
            .update(memberships)
            .set({ role: change.role })
            .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
        }
        if (change.name !== undefined || change.status !== undefined) {
          await tx
            .update(users)
            .set({
              ...(change.name !== undefined ? { name: change.name } : {}),
              ...(change.status !== undefined ? { status: change.status } : {}),
              updatedAt: clock.now(),
            })
            .where(and(eq(users.id, userId), ne(users.status, 'erased')));
        }
        const [after] = await tx
          .select(memberColumns)
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
        await audit.record(tx, {
          action: 'membership.update',
          entityType: 'user',
          entityId: userId,
          before: { role: before.role, name: before.name, status: before.status },
          after: { role: after!.role, name: after!.name, status: after!.status },
        });
        return toMember(after!);
      });
    },

    async removeMember(orgId: string, userId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const [member] = await tx
          .select({ role: memberships.role })
          .from(memberships)
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
          .for('update');
        if (!member) throw notFound(`User ${userId}`);
        if (member.role === 'admin' && (await adminCount(tx, orgId)) <= 1) {
          throw new UserError('last_admin', 'The last administrator cannot be removed', {
            status: 409,
          });
        }
        await tx
          .delete(memberships)
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
        await audit.record(tx, {
          action: 'membership.delete',
          entityType: 'user',
          entityId: userId,
          before: { role: member.role },
        });
      });
    },

    async getOrganisation(orgId: string): Promise<OrganisationDto> {
      const org = await findOrganisation(db, orgId);
      if (!org) throw notFound(`Organisation ${orgId}`);
      return toOrganisation(org);
    },

    async findOrganisation(idOrSlug: string): Promise<OrganisationDto | undefined> {
      const org = await findOrganisation(db, idOrSlug);
      return org ? toOrganisation(org) : undefined;
    },

    async updateOrganisation(
      orgId: string,
      change: { name?: string | undefined; requireMfaForAdmins?: boolean | undefined },
    ): Promise<OrganisationDto> {
      return db.transaction(async (tx) => {
        const [before] = await tx
          .select()
          .from(organisations)
          .where(eq(organisations.id, orgId))
          .for('update');
        if (!before) throw notFound(`Organisation ${orgId}`);
        const [after] = await tx
          .update(organisations)
          .set({
            ...(change.name !== undefined ? { name: change.name } : {}),
            ...(change.requireMfaForAdmins !== undefined
              ? { requireMfaForAdmins: change.requireMfaForAdmins }
              : {}),
            updatedAt: clock.now(),
          })
          .where(eq(organisations.id, orgId))
          .returning();
        await audit.record(tx, {
          action: 'organisation.update',
          entityType: 'organisation',
          entityId: orgId,
          before: { name: before.name, requireMfaForAdmins: before.requireMfaForAdmins },
          after: { name: after!.name, requireMfaForAdmins: after!.requireMfaForAdmins },
        });
        return toOrganisation(after!);
      });
    },

    /** The organisations a user belongs to, oldest membership first. */
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
        .where(eq(memberships.userId, userId))
        .orderBy(asc(memberships.createdAt));
    },

    async usersByIds(ids: string[]) {
      if (ids.length === 0) return [];
      return db.select().from(users).where(inArray(users.id, ids));
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;

function assertMayGrant(actorRole: Role | 'system', role: Role): void {
  if (actorRole !== 'system' && !mayGrant(actorRole, role)) {
    throw new UserError(ErrorCodes.forbidden, `A ${actorRole} cannot grant the role ${role}`, {
      status: 403,
    });
  }
}

function toOrganisation(org: {
  id: string;
  name: string;
  slug: string;
  requireMfaForAdmins: boolean;
  createdAt: Date;
}): OrganisationDto {
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    requireMfaForAdmins: org.requireMfaForAdmins,
    createdAt: org.createdAt.toISOString(),
  };
}
