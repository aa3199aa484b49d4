import type { AuditEntryInput } from './audit.service.ts';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Cipher, KeyRotation, Vault } from '../kernel/crypto/index.ts';
import {
  ErrorCodes,
  IzaError,
  UnexpectedError,
  UserError,
  newId,
  type Clock,
  type Database,
  type DbOrTx,
  type Transaction,
} from '../kernel/index.ts';
import { userMfa } from './access.schema.ts';
import { secrets } from './secrets.schema.ts';

/**
 * Named secrets of an organisation (provider keys, workflow credentials), sealed at rest by the
 * vault. Values go in over HTTP but only come out to internal callers (`reveal`): the API never
 * returns them.
 */

export const SecretErrorCodes = {
  notFound: 'secret_not_found',
  validationFailed: ErrorCodes.validationFailed,
} as const;

/** 1..100 characters of letters, digits, `_`, `.` and `-`, starting with a letter. */
export const SECRET_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

/**
 * Secrets whose names start with this belong to a module (an agent connection's key): they are
 * not listed, and the secrets API and `{{secret:NAME}}` references cannot read, replace or
 * delete them; only the module's own code reaches them through this service.
 */
export const INTERNAL_SECRET_PREFIX = 'internal.';

export const isInternalSecret = (name: string): boolean => name.startsWith(INTERNAL_SECRET_PREFIX);
/** The largest value, in UTF-8 bytes. */
export const SECRET_VALUE_MAX_BYTES = 64 * 1024;
export const SECRET_DESCRIPTION_MAX_LENGTH = 500;

/**
 * The additional authenticated data each sealed column is bound to: a value copied into another
 * row (another organisation's secret, another user's TOTP) then fails to open. The MFA service
 * seals with `mfa:<userId>`; re-sealing must use exactly the same strings.
 */
export const sealedValueAad = {
  secret: (orgId: string, name: string) => `secret:${orgId}:${name}`,
  totp: (userId: string) => `mfa:${userId}`,
} as const;

/** What the secrets service records in the audit log (the audit module's `record`). */
export interface SecretsAudit {
  record(tx: DbOrTx, entry: AuditEntryInput): Promise<unknown>;
}

export interface SecretsServiceDeps {
  db: Database;
  vault: Vault;
  clock: Clock;
  audit: SecretsAudit;
}

/** A secret without its value: all that ever leaves the service except through `reveal`. */
export interface SecretMetadata {
  id: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PutSecretInput {
  name: string;
  value: string;
  /** Omitted: an existing description is kept. `null`: cleared. */
  description?: string | null;
}

export interface SecretsService {
  /** The organisation's secrets, by name, without values. */
  list(orgId: string): Promise<SecretMetadata[]>;
  /**
   * Creates or replaces a secret; audited `secret.create` / `secret.update` with its name and
   * description only, never the value.
   * @param actorId the user or API key acting, kept as `created_by` on creation.
   */
  put(
    orgId: string,
    input: PutSecretInput,
    actorId: string | null,
  ): Promise<SecretMetadata & { created: boolean }>;
  /**
   * The plaintext value, for internal callers (workflow credentials, providers); never over HTTP.
   * @throws UserError `secret_not_found` (404).
   */
  reveal(orgId: string, name: string): Promise<string>;
  /**
   * Deletes a secret; audited `secret.delete`.
   * @throws UserError `secret_not_found` (404).
   */
  remove(orgId: string, name: string): Promise<void>;
  /** Re-seals every sealed value in the database with `cipher`; what `vault.rotate` calls. */
  reencryptAll(tx: Transaction, cipher: Cipher): Promise<number>;
  /** Rotates the vault's key, re-sealing every stored value in one transaction. */
  rotateKey(): Promise<KeyRotation>;
}

export function createSecretsService(deps: SecretsServiceDeps): SecretsService {
  const { db, vault, clock, audit } = deps;
  const metadata = {
    id: secrets.id,
    name: secrets.name,
    description: secrets.description,
    createdAt: secrets.createdAt,
    updatedAt: secrets.updatedAt,
  };
  const byName = (orgId: string, name: string) =>
    and(eq(secrets.orgId, orgId), eq(secrets.name, name));

  return {
    async list(orgId) {
      const rows = await db
        .select(metadata)
        .from(secrets)
        .where(eq(secrets.orgId, orgId))
        .orderBy(secrets.name);
      return rows.filter((row) => !isInternalSecret(row.name));
    },

    async put(orgId, input, actorId) {
      checkName(input.name);
      checkValue(input.value);
      checkDescription(input.description);
      const sealed = vault.seal(input.value, sealedValueAad.secret(orgId, input.name));
      const now = clock.now();
      return db.transaction(async (tx) => {
        const lock = () =>
          tx
            .select(metadata)
            .from(secrets)
            .where(byName(orgId, input.name))
            .for('update')
            .then((rows) => rows[0]);
        let existing = await lock();
        if (!existing) {
          const [row] = await tx
            .insert(secrets)
            .values({
              id: newId(),
              orgId,
              name: input.name,
              description: input.description ?? null,
              valueSealed: sealed,
              createdBy: actorId,
              createdAt: now,
              updatedAt: now,
            })
            // A concurrent put of the same new name may commit first: then update its row.
            .onConflictDoNothing({ target: [secrets.orgId, secrets.name] })
            .returning(metadata);
          if (row) {
            await audit.record(tx, {
              action: 'secret.create',
              entityType: 'secret',
              entityId: row.id,
              orgId,
              after: describe(row),
            });
            return { ...row, created: true };
          }
          existing = await lock();
          if (!existing) {
            throw new UnexpectedError(
              ErrorCodes.internal,
              `Secret ${input.name} was neither inserted nor found`,
            );
          }
        }
        const [row] = await tx
          .update(secrets)
          .set({
            valueSealed: sealed,
            ...(input.description === undefined ? {} : { description: input.description }),
            updatedAt: now,
          })
          .where(eq(secrets.id, existing.id))
          .returning(metadata);
        if (!row)
          throw new UnexpectedError(
            ErrorCodes.internal,
            `Secret ${input.name} vanished while locked`,
          );
        await audit.record(tx, {
          action: 'secret.update',
          entityType: 'secret',
          entityId: row.id,
          orgId,
          before: describe(existing),
          after: describe(row),
        });
        return { ...row, created: false };
      });
    },

    async reveal(orgId, name) {
      const [row] = await db
        .select({ valueSealed: secrets.valueSealed })
        .from(secrets)
        .where(byName(orgId, name));
      if (!row) throw notFound(name);
      return vault.open(row.valueSealed, sealedValueAad.secret(orgId, name));
    },

    async remove(orgId, name) {
      await db.transaction(async (tx) => {
        const [row] = await tx.delete(secrets).where(byName(orgId, name)).returning(metadata);
        if (!row) throw notFound(name);
        await audit.record(tx, {
          action: 'secret.delete',
          entityType: 'secret',
          entityId: row.id,
          orgId,
          before: describe(row),
        });
      });
    },

    reencryptAll: reencryptSealedValues,

    rotateKey() {
      return rotateVaultKey({ db, vault });
    },
  };
}

/**
 * Rotates the vault's key: every sealed value in the database is re-sealed with the new key in
 * one transaction, and the old key leaves the key file only once that has committed.
 */
export function rotateVaultKey(deps: { db: Database; vault: Vault }): Promise<KeyRotation> {
  return deps.vault.rotate((cipher) =>
    deps.db.transaction((tx) => reencryptSealedValues(tx, cipher)),
  );
}

const BATCH = 200;

/**
 * Re-seals every organisation secret and every TOTP secret with `cipher`'s primary key and
 * returns how many. Every column that holds a sealed value belongs here, or a rotation would
 * retire the only key that opens it.
 */
export async function reencryptSealedValues(tx: Transaction, cipher: Cipher): Promise<number> {
  // Writers wait until the rotation commits: a value written meanwhile could be overwritten by its
  // re-sealed old version, or be sealed with a key about to be retired. Readers go on.
  await tx.execute(sql`lock table ${secrets}, ${userMfa} in exclusive mode`);
  let count = 0;

  // In batches by id: values reach 64 KiB each, so all of them at once could fill the memory.
  for (let after: string | undefined; ;) {
    const rows = await tx
      .select({
        id: secrets.id,
        orgId: secrets.orgId,
        name: secrets.name,
        sealed: secrets.valueSealed,
      })
      .from(secrets)
      .where(after === undefined ? undefined : gt(secrets.id, after))
      .orderBy(asc(secrets.id))
      .limit(BATCH);
    for (const row of rows) {
      const aad = sealedValueAad.secret(row.orgId, row.name);
      const resealed = reseal(cipher, row.sealed, aad, `secret "${row.name}" of ${row.orgId}`);
      await tx.update(secrets).set({ valueSealed: resealed }).where(eq(secrets.id, row.id));
    }
    count += rows.length;
    after = rows.at(-1)?.id;
    if (rows.length < BATCH) break;
  }

  for (let after: string | undefined; ;) {
    const rows = await tx
      .select({ userId: userMfa.userId, sealed: userMfa.totpSecretSealed })
      .from(userMfa)
      .where(after === undefined ? undefined : gt(userMfa.userId, after))
      .orderBy(asc(userMfa.userId))
      .limit(BATCH);
    for (const row of rows) {
      const aad = sealedValueAad.totp(row.userId);
      const resealed = reseal(cipher, row.sealed, aad, `TOTP secret of user ${row.userId}`);
      await tx
        .update(userMfa)
        .set({ totpSecretSealed: resealed })
        .where(eq(userMfa.userId, row.userId));
    }
    count += rows.length;
    after = rows.at(-1)?.userId;
    if (rows.length < BATCH) break;
  }
  return count;
}

function reseal(cipher: Cipher, sealed: string, aad: string, what: string): string {
  let plaintext: string;
  try {
    plaintext = cipher.open(sealed, aad);
  } catch (error) {
    // Name the row, so the operator can find the one value that stops the rotation.
    throw new UnexpectedError(
      error instanceof IzaError ? error.code : ErrorCodes.internal,
      `Cannot re-seal the ${what}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return cipher.seal(plaintext, aad);
}

function describe(row: { name: string; description: string | null }) {
  return { name: row.name, description: row.description };
}

function notFound(name: string): UserError {
  return new UserError(SecretErrorCodes.notFound, `There is no secret named "${name}"`, {
    status: 404,
  });
}

function invalid(field: string, message: string): UserError {
  return new UserError(SecretErrorCodes.validationFailed, `${field} ${message}`, {
    details: [{ path: field, message }],
  });
}

function checkName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw invalid(
      'name',
      'must be 1 to 100 letters, digits, "_", "." or "-", starting with a letter',
    );
  }
}

function checkValue(value: string): void {
  if (value.length === 0) throw invalid('value', 'must not be empty');
  if (Buffer.byteLength(value, 'utf8') > SECRET_VALUE_MAX_BYTES) {
    throw invalid('value', `must be at most ${SECRET_VALUE_MAX_BYTES} bytes`);
  }
}

function checkDescription(description: string | null | undefined): void {
  if (typeof description === 'string' && description.length > SECRET_DESCRIPTION_MAX_LENGTH) {
    throw invalid('description', `must be at most ${SECRET_DESCRIPTION_MAX_LENGTH} characters`);
  }
}
