import { and, asc, eq, isNull } from 'drizzle-orm';
import {
  ErrorCodes,
  UserError,
  newId,
  notFound,
  type Clock,
  type Database,
} from '../kernel/index.ts';
import { apiKeys } from './access.schema.ts';
import { mayGrant, type Role } from './permissions.ts';
import type { AuditRecorder } from './ports.ts';
import { newApiKey } from './tokens.ts';

export interface ApiKeyDto {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  ventureIds: string[] | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export function createApiKeysService(deps: { db: Database; clock: Clock; audit: AuditRecorder }) {
  const { db, clock, audit } = deps;

  return {
    /**
     * Creates a key; the returned `key` is shown this once and never stored. The key answers for
     * the person who made it (`created_by`; a key made by another key answers for that key's
     * person), and never does more than they may do at the time it is used
     * (`principal-lookup.ts`). Keys of the local administrator answer for nobody.
     */
    async create(
      orgId: string,
      input: {
        name: string;
        role: Role;
        ventureIds?: string[] | undefined;
        expiresAt?: Date | undefined;
      },
      actor: { role: Role | 'system'; userId: string | null; apiKeyId?: string | null },
    ): Promise<ApiKeyDto & { key: string }> {
      if (actor.role !== 'system' && !mayGrant(actor.role, input.role)) {
        throw new UserError(
          ErrorCodes.forbidden,
          `A ${actor.role} cannot create a key with the role ${input.role}`,
          {
            status: 403,
          },
        );
      }
      if (input.expiresAt && input.expiresAt <= clock.now()) {
        throw new UserError(ErrorCodes.validationFailed, 'expiresAt must be in the future', {
          details: [{ path: 'body.expiresAt', message: 'must be in the future' }],
        });
      }
      let createdBy = actor.userId;
      if (actor.apiKeyId) {
        const [parent] = await db
          .select({ createdBy: apiKeys.createdBy })
          .from(apiKeys)
          .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, actor.apiKeyId)));
        if (!parent) throw notFound(`API key ${actor.apiKeyId}`);
        createdBy = parent.createdBy;
      }
      const { key, prefix, secretHash } = newApiKey();
      const row = {
        id: newId(),
        orgId,
        name: input.name,
        prefix,
        secretHash,
        role: input.role,
        ventureIds: input.ventureIds ?? null,
        createdBy,
        createdAt: clock.now(),
        expiresAt: input.expiresAt ?? null,
      };
      await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(apiKeys)
          .values(row)
          .onConflictDoNothing()
          .returning({ id: apiKeys.id });
        if (inserted.length === 0) {
          throw new UserError(ErrorCodes.conflict, `An API key named "${input.name}" exists`, {
            status: 409,
          });
        }
        await audit.record(tx, {
          orgId,
          action: 'apikey.create',
          entityType: 'api_key',
          entityId: row.id,
          after: {
            name: row.name,
            prefix,
            role: row.role,
            ventureIds: row.ventureIds,
            expiresAt: row.expiresAt?.toISOString() ?? null,
          },
        });
      });
      return { ...toDto({ ...row, revokedAt: null, lastUsedAt: null }), key };
    },

    /**
     * The person a key answers for, as `user:<id>` (its creator's), or null for a key of the
     * local administrator or not in the organisation: who stands behind what the key asks for.
     */
    async ownerOf(orgId: string, id: string): Promise<string | null> {
      const [row] = await db
        .select({ createdBy: apiKeys.createdBy })
        .from(apiKeys)
        .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, id)));
      return row?.createdBy ? `user:${row.createdBy}` : null;
    },

    async list(orgId: string): Promise<ApiKeyDto[]> {
      const rows = await db
        .select()
        .from(apiKeys)
        .where(eq(apiKeys.orgId, orgId))
        .orderBy(asc(apiKeys.name));
      return rows.map(toDto);
    },

    async revoke(orgId: string, id: string): Promise<ApiKeyDto> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(apiKeys)
          .set({ revokedAt: clock.now() })
          .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
          .returning();
        if (!row) throw notFound(`Active API key ${id}`);
        await audit.record(tx, {
          orgId,
          action: 'apikey.revoke',
          entityType: 'api_key',
          entityId: id,
          before: { name: row.name },
        });
        return toDto(row);
      });
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;

function toDto(row: {
  id: string;
  name: string;
  prefix: string;
  role: string;
  ventureIds: string[] | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role as Role,
    ventureIds: row.ventureIds,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
