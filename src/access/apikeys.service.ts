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
import type { Principal } from './principal.ts';
import type { AuditRecorder } from './ports.ts';
import { hashToken, newApiKey, parseApiKey, sameHash } from './tokens.ts';

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

/** `last_used_at` is written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function createApiKeysService(deps: { db: Database; clock: Clock; audit: AuditRecorder }) {
  const { db, clock, audit } = deps;

  return {
    /** Creates a key; the returned `key` is shown this once and never stored. */
    async create(
      orgId: string,
      input: {
        name: string;
        role: Role;
        ventureIds?: string[] | undefined;
        expiresAt?: Date | undefined;
      },
      actor: { role: Role | 'system'; userId: string | null },
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
      const { key, prefix, secretHash } = newApiKey();
      const row = {
        id: newId(),
        orgId,
        name: input.name,
        prefix,
        secretHash,
        role: input.role,
        ventureIds: input.ventureIds ?? null,
        createdBy: actor.userId,
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
          action: 'apikey.revoke',
          entityType: 'api_key',
          entityId: id,
          before: { name: row.name },
        });
        return toDto(row);
      });
    },

    /** The principal an API key stands for, or undefined when unknown, revoked or expired. */
    async principalForKey(
      key: string,
    ): Promise<(Principal & { expiresAt: Date | null }) | undefined> {
      const parsed = parseApiKey(key);
      if (!parsed) return undefined;
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, parsed.prefix));
      if (!row || !sameHash(row.secretHash, hashToken(parsed.secret))) return undefined;
      const now = clock.now();
      if (row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return undefined;
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id));
      }
      return {
        kind: 'apikey',
        orgId: row.orgId,
        userId: null,
        apiKeyId: row.id,
        role: row.role as Role,
        sessionId: null,
        via: 'apikey',
        ventureIds: row.ventureIds,
        mfaEnrolmentRequired: false,
        expiresAt: row.expiresAt,
      };
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
