import { and, asc, desc, eq, gt } from 'drizzle-orm';
import {
  UserError,
  newId,
  notFound,
  type Clock,
  type Config,
  type Database,
  type Transaction,
} from '../kernel/index.ts';
import { invitations, memberships, organisations, users } from './access.schema.ts';
import { mayAct } from './holders.ts';
import { hashToken, newToken } from './tokens.ts';
import { cappedRole, type Role } from './permissions.ts';
import type { AuditRecorder } from './ports.ts';

/** An invitation as the invited person sees it. */
export interface InvitationDto {
  id: string;
  organisation: { id: string; name: string; slug: string };
  role: Role;
  createdAt: string;
  expiresAt: string;
}

export type InvitationStatus = 'pending' | 'expired' | 'accepted' | 'declined' | 'revoked';

/** An invitation as the inviting organisation sees it. */
export interface OrgInvitationDto {
  id: string;
  userId: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
  respondedAt: string | null;
}

/** An invitation link as its page shows it. */
export interface LinkPreview {
  id: string;
  /** The inviting organisation (for its audit chain; the link's page does not show it). */
  orgId: string;
  organisation: { name: string; slug: string };
  role: Role;
  email: string;
  name: string;
  /** True when the account was made for the invitation and its password is set on joining. */
  needsPassword: boolean;
  expiresAt: string;
}

export const linkNotFound = () =>
  new UserError(
    'invitation_link_invalid',
    'This invitation link is not valid any more (used, revoked or expired); ask for a new one',
    { status: 404 },
  );

/**
 * Invitations: how an organisation asks someone who already has an account to join it. Nothing
 * changes for the person until they, signed in as themselves, accept before it expires; then
 * they become a member with the invited role (never more than the inviter may grant by then).
 * Every step is audited in the inviting organisation's chain, about the person (`user`).
 */
export function createInvitationsService(deps: {
  db: Database;
  clock: Clock;
  audit: AuditRecorder;
  settings: Pick<Config['auth'], 'invitationTtlSeconds'>;
}) {
  const { db, clock, audit, settings } = deps;

  /** The person's pending invitation `id`, locked; 404 for anyone else's, or a settled one. */
  async function pendingOf(tx: Transaction, userId: string, id: string) {
    const [row] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.id, id), eq(invitations.userId, userId)))
      .for('update');
    if (!row || row.status !== 'pending') throw notFound(`Invitation ${id}`);
    return row;
  }

  async function settle(
    tx: Transaction,
    row: { id: string; orgId: string; userId: string; role: string },
    status: 'accepted' | 'declined' | 'revoked',
  ): Promise<void> {
    await tx
      .update(invitations)
      .set({ status, respondedAt: clock.now() })
      .where(eq(invitations.id, row.id));
    await audit.record(tx, {
      orgId: row.orgId,
      action: `invitation.${status === 'accepted' ? 'accept' : status === 'declined' ? 'decline' : 'revoke'}`,
      entityType: 'user',
      entityId: row.userId,
      after: { invitationId: row.id, role: row.role },
    });
  }

  return {
    /**
     * Invites an existing account into `orgId` (inside the caller's transaction), replacing a
     * pending invitation of the same person.
     */
    async invite(
      tx: Transaction,
      input: { orgId: string; userId: string; role: Role; invitedBy: string | null },
    ): Promise<{ id: string; createdAt: Date; expiresAt: Date; token: string }> {
      const now = clock.now();
      const token = newToken('iv');
      const expiresAt = new Date(now.getTime() + settings.invitationTtlSeconds * 1000);
      await tx
        .update(invitations)
        .set({ status: 'revoked', respondedAt: now })
        .where(
          and(
            eq(invitations.orgId, input.orgId),
            eq(invitations.userId, input.userId),
            eq(invitations.status, 'pending'),
          ),
        );
      const id = newId();
      await tx.insert(invitations).values({
        id,
        ...input,
        status: 'pending',
        tokenHash: hashToken(token),
        createdAt: now,
        expiresAt,
      });
      await audit.record(tx, {
        orgId: input.orgId,
        action: 'invitation.create',
        entityType: 'user',
        entityId: input.userId,
        after: { invitationId: id, role: input.role, expiresAt: expiresAt.toISOString() },
      });
      return { id, createdAt: now, expiresAt, token };
    },

    /**
     * What an invitation link offers, for the page that opens it (no sign-in): the organisation,
     * the role, the e-mail it is for, whether that account still needs a password. 404 for a
     * link that is unknown, used, revoked or expired, the same for each.
     */
    async preview(token: string): Promise<LinkPreview> {
      const [row] = await db
        .select({
          id: invitations.id,
          orgId: invitations.orgId,
          role: invitations.role,
          expiresAt: invitations.expiresAt,
          email: users.email,
          name: users.name,
          passwordHash: users.passwordHash,
          organisation: { name: organisations.name, slug: organisations.slug },
        })
        .from(invitations)
        .innerJoin(users, eq(users.id, invitations.userId))
        .innerJoin(organisations, eq(organisations.id, invitations.orgId))
        .where(
          and(
            eq(invitations.tokenHash, hashToken(token)),
            eq(invitations.status, 'pending'),
            gt(invitations.expiresAt, clock.now()),
            eq(users.status, 'active'),
          ),
        );
      if (!row) throw linkNotFound();
      return {
        id: row.id,
        orgId: row.orgId,
        organisation: row.organisation,
        role: row.role as Role,
        email: row.email,
        name: row.name,
        needsPassword: row.passwordHash === null,
        expiresAt: row.expiresAt.toISOString(),
      };
    },

    /** The signed-in person's open invitations (pending, not expired), newest first. */
    async listForPerson(userId: string): Promise<InvitationDto[]> {
      const rows = await db
        .select({
          id: invitations.id,
          role: invitations.role,
          createdAt: invitations.createdAt,
          expiresAt: invitations.expiresAt,
          orgId: organisations.id,
          name: organisations.name,
          slug: organisations.slug,
        })
        .from(invitations)
        .innerJoin(organisations, eq(organisations.id, invitations.orgId))
        .where(
          and(
            eq(invitations.userId, userId),
            eq(invitations.status, 'pending'),
            gt(invitations.expiresAt, clock.now()),
          ),
        )
        .orderBy(desc(invitations.createdAt));
      return rows.map((r) => ({
        id: r.id,
        organisation: { id: r.orgId, name: r.name, slug: r.slug },
        role: r.role as Role,
        createdAt: r.createdAt.toISOString(),
        expiresAt: r.expiresAt.toISOString(),
      }));
    },

    /** An organisation's invitations, oldest first. */
    async listForOrganisation(orgId: string): Promise<OrgInvitationDto[]> {
      const now = clock.now();
      const rows = await db
        .select({ invitation: invitations, email: users.email })
        .from(invitations)
        .innerJoin(users, eq(users.id, invitations.userId))
        .where(eq(invitations.orgId, orgId))
        .orderBy(asc(invitations.createdAt));
      return rows.map(({ invitation: i, email }) => ({
        id: i.id,
        userId: i.userId,
        email,
        role: i.role as Role,
        status: (i.status === 'pending' && i.expiresAt <= now
          ? 'expired'
          : i.status) as InvitationStatus,
        invitedBy: i.invitedBy,
        createdAt: i.createdAt.toISOString(),
        expiresAt: i.expiresAt.toISOString(),
        respondedAt: i.respondedAt?.toISOString() ?? null,
      }));
    },

    /**
     * Accepts the person's invitation: they become a member of its organisation. 410 once it has
     * expired, or when whoever invited may no longer grant any role there.
     */
    async accept(userId: string, id: string): Promise<{ orgId: string; role: Role }> {
      return db.transaction(async (tx) => {
        const row = await pendingOf(tx, userId, id);
        if (row.expiresAt <= clock.now()) {
          throw new UserError(
            'invitation_expired',
            'This invitation has expired; ask the organisation for a new one',
            { status: 410 },
          );
        }
        let role: Role | undefined = row.role as Role;
        if (row.invitedBy !== null) {
          const [inviter] = await tx
            .select({ role: memberships.role })
            .from(memberships)
            .innerJoin(users, eq(users.id, memberships.userId))
            .where(
              and(
                eq(memberships.orgId, row.orgId),
                eq(memberships.userId, row.invitedBy),
                mayAct(),
              ),
            );
          role = inviter ? cappedRole(role, inviter.role as Role) : undefined;
        }
        if (!role) {
          throw new UserError(
            'invitation_void',
            'Whoever invited you can no longer grant access to this organisation; ask for a new invitation',
            { status: 410 },
          );
        }
        const inserted = await tx
          .insert(memberships)
          .values({ orgId: row.orgId, userId, role, status: 'active', createdAt: clock.now() })
          .onConflictDoNothing()
          .returning({ role: memberships.role });
        await settle(tx, { ...row, role }, 'accepted');
        if (inserted.length > 0) {
          await audit.record(tx, {
            orgId: row.orgId,
            action: 'membership.create',
            entityType: 'user',
            entityId: userId,
            after: { role, invitationId: row.id },
          });
        }
        return { orgId: row.orgId, role: (inserted[0]?.role ?? role) as Role };
      });
    },

    /** Declines the person's invitation. */
    async decline(userId: string, id: string): Promise<void> {
      await db.transaction(async (tx) => settle(tx, await pendingOf(tx, userId, id), 'declined'));
    },

    /** Withdraws one of the organisation's pending invitations. */
    async revoke(orgId: string, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(invitations)
          .where(
            and(
              eq(invitations.id, id),
              eq(invitations.orgId, orgId),
              eq(invitations.status, 'pending'),
            ),
          )
          .for('update');
        if (!row) throw notFound(`Pending invitation ${id}`);
        await settle(tx, row, 'revoked');
      });
    },
  };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;
