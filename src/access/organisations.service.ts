import { eq } from 'drizzle-orm';
import { notFound, type Clock, type Database, type DbOrTx } from '../kernel/index.ts';
import { organisations } from './access.schema.ts';
import type { AuditRecorder } from './ports.ts';

export interface OrganisationDto {
  id: string;
  name: string;
  slug: string;
  requireMfaForAdmins: boolean;
  createdAt: string;
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

/** The organisation with that id or slug (the row), if any. */
export async function findOrganisationRow(tx: DbOrTx, idOrSlug: string) {
  const isId = /^[0-9a-f-]{36}$/i.test(idOrSlug);
  const [org] = await tx
    .select()
    .from(organisations)
    .where(isId ? eq(organisations.id, idOrSlug) : eq(organisations.slug, idOrSlug))
    .limit(1);
  return org;
}

/** A slug from `name` that no organisation has yet (`name`, `name-2`, ...). */
export async function uniqueSlug(tx: DbOrTx, name: string): Promise<string> {
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

export function toOrganisation(org: {
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

/** Reading and changing an organisation's own settings. */
export function createOrganisationsService(deps: {
  db: Database;
  clock: Clock;
  audit: AuditRecorder;
}) {
  const { db, clock, audit } = deps;
  return {
    async getOrganisation(orgId: string): Promise<OrganisationDto> {
      const org = await findOrganisationRow(db, orgId);
      if (!org) throw notFound(`Organisation ${orgId}`);
      return toOrganisation(org);
    },

    async findOrganisation(idOrSlug: string): Promise<OrganisationDto | undefined> {
      const org = await findOrganisationRow(db, idOrSlug);
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
          orgId,
          action: 'organisation.update',
          entityType: 'organisation',
          entityId: orgId,
          before: { name: before.name, requireMfaForAdmins: before.requireMfaForAdmins },
          after: { name: after!.name, requireMfaForAdmins: after!.requireMfaForAdmins },
        });
        return toOrganisation(after!);
      });
    },
  };
}
