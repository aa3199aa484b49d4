import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKernel, tempDir } from '../../test/helpers/kernel.ts';
import { storages } from '../../test/helpers/storage.ts';
import { openVault, type Vault } from '../kernel/crypto/index.ts';
import { ManualClock, newId, type DbOrTx, type Kernel } from '../kernel/index.ts';
import { userMfa, users } from './access.schema.ts';
import { secrets } from './secrets.schema.ts';
import {
  createSecretsService,
  sealedValueAad,
  type SecretsAudit,
  type SecretsService,
} from './secrets.service.ts';

interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  orgId?: string | null;
}

/** The audit log is another module: a fake that keeps what it is given, inside the transaction. */
function fakeAudit(): SecretsAudit & { entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    async record(tx: DbOrTx, entry: AuditEntry) {
      // Proves the entry is written in the caller's transaction: the query must succeed on it.
      await tx.execute(sql`select 1`);
      entries.push(entry);
    },
  };
}

describe.each(storages)('secrets service on $name', (storage) => {
  let kernel: Kernel;
  let drop: () => Promise<void>;
  let folder: { path: string; remove(): void } | undefined;
  let keyFile: string;
  let vault: Vault;
  let audit: ReturnType<typeof fakeAudit>;
  let clock: ManualClock;
  let service: SecretsService;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    kernel = await createTestKernel({ target: created.target, workJobs: false });
  });
  afterAll(async () => {
    await kernel.close();
    await drop();
  });

  beforeEach(async () => {
    await kernel.db.delete(secrets);
    await kernel.db.delete(userMfa);
    folder?.remove();
    folder = tempDir('iza-secrets-');
    keyFile = join(folder.path, 'master.key');
    vault = openVault({ keyFile });
    audit = fakeAudit();
    clock = new ManualClock('2026-02-01T09:00:00.000Z');
    service = createSecretsService({ db: kernel.db, vault, clock, audit });
  });
  afterAll(() => folder?.remove());

  const orgA = newId();
  const orgB = newId();
  const stored = async (orgId: string, name: string) => {
    const [row] = await kernel.db
      .select()
      .from(secrets)
      .where(sql`${secrets.orgId} = ${orgId} and ${secrets.name} = ${name}`);
    return row;
  };

  it('stores a sealed value, lists metadata only and reveals the plaintext', async () => {
    const plaintext = 'sk-live-4f9a8b7c6d5e';
    const saved = await service.put(
      orgA,
      { name: 'OPENAI_KEY', value: plaintext, description: 'provider key' },
      'user-1',
    );
    expect(saved).toMatchObject({
      name: 'OPENAI_KEY',
      description: 'provider key',
      created: true,
      createdAt: clock.now(),
    });

    const row = await stored(orgA, 'OPENAI_KEY');
    expect(row?.valueSealed).toMatch(/^v1\./);
    expect(row?.valueSealed).not.toContain(plaintext);
    expect(row?.valueSealed).not.toContain(Buffer.from(plaintext).toString('base64'));
    expect(row?.valueSealed).not.toContain(Buffer.from(plaintext).toString('base64url'));
    expect(row?.createdBy).toBe('user-1');
    expect(JSON.stringify(await kernel.db.select().from(secrets))).not.toContain(plaintext);

    const listed = await service.list(orgA);
    expect(listed).toEqual([
      {
        id: saved.id,
        name: 'OPENAI_KEY',
        description: 'provider key',
        createdAt: clock.now(),
        updatedAt: clock.now(),
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(plaintext);
    expect(await service.reveal(orgA, 'OPENAI_KEY')).toBe(plaintext);
  });

  it('replaces a value in place and audits create, update and delete without the value', async () => {
    const created = await service.put(
      orgA,
      { name: 'smtp.password', value: 'first-value-111' },
      'u1',
    );
    clock.advance(60_000);
    const updated = await service.put(
      orgA,
      { name: 'smtp.password', value: 'second-value-222', description: 'mail relay' },
      'u2',
    );
    expect(updated).toMatchObject({ id: created.id, created: false, description: 'mail relay' });
    expect(updated.updatedAt.getTime() - updated.createdAt.getTime()).toBe(60_000);
    clock.advance(60_000);
    // an omitted description is kept
    await service.put(orgA, { name: 'smtp.password', value: 'third-value-333' }, 'u3');
    expect((await service.list(orgA))[0]?.description).toBe('mail relay');
    expect(await service.reveal(orgA, 'smtp.password')).toBe('third-value-333');
    expect(await kernel.db.select().from(secrets)).toHaveLength(1);
    expect((await stored(orgA, 'smtp.password'))?.createdBy).toBe('u1');

    await service.remove(orgA, 'smtp.password');

    expect(audit.entries.map((e) => e.action)).toEqual([
      'secret.create',
      'secret.update',
      'secret.update',
      'secret.delete',
    ]);
    expect(audit.entries[0]).toEqual({
      action: 'secret.create',
      entityType: 'secret',
      entityId: created.id,
      orgId: orgA,
      after: { name: 'smtp.password', description: null },
    });
    expect(audit.entries[1]).toMatchObject({
      before: { name: 'smtp.password', description: null },
      after: { name: 'smtp.password', description: 'mail relay' },
    });
    expect(audit.entries[3]).toMatchObject({
      entityId: created.id,
      before: { name: 'smtp.password', description: 'mail relay' },
    });
    const logged = JSON.stringify(audit.entries);
    for (const value of ['first-value-111', 'second-value-222', 'third-value-333', 'v1.']) {
      expect(logged).not.toContain(value);
    }
  });

  it('keeps organisations apart', async () => {
    await service.put(orgA, { name: 'TOKEN', value: 'value-of-a' }, null);
    await service.put(orgB, { name: 'TOKEN', value: 'value-of-b' }, null);
    await service.put(orgA, { name: 'ONLY_A', value: 'a-only' }, null);

    expect((await service.list(orgA)).map((s) => s.name)).toEqual(['ONLY_A', 'TOKEN']);
    expect((await service.list(orgB)).map((s) => s.name)).toEqual(['TOKEN']);
    expect(await service.reveal(orgA, 'TOKEN')).toBe('value-of-a');
    expect(await service.reveal(orgB, 'TOKEN')).toBe('value-of-b');
    await expect(service.reveal(orgB, 'ONLY_A')).rejects.toMatchObject({
      code: 'secret_not_found',
      status: 404,
    });
    await expect(service.remove(orgB, 'ONLY_A')).rejects.toMatchObject({
      code: 'secret_not_found',
    });
    await service.remove(orgB, 'TOKEN');
    expect(await service.reveal(orgA, 'TOKEN')).toBe('value-of-a');
  });

  it('does not open a sealed value copied into another row', async () => {
    await service.put(orgA, { name: 'STRIPE', value: 'sk-of-a' }, null);
    await service.put(orgB, { name: 'STRIPE', value: 'sk-of-b' }, null);
    const fromA = (await stored(orgA, 'STRIPE'))!.valueSealed;
    await kernel.db
      .update(secrets)
      .set({ valueSealed: fromA })
      .where(sql`${secrets.orgId} = ${orgB}`);
    await expect(service.reveal(orgB, 'STRIPE')).rejects.toMatchObject({
      code: 'sealed_value_rejected',
    });
  });

  it('validates names, values and descriptions', async () => {
    const bad = [
      { name: '', value: 'v' },
      { name: '1password', value: 'v' },
      { name: '_hidden', value: 'v' },
      { name: 'has space', value: 'v' },
      { name: 'slash/name', value: 'v' },
      { name: `a${'b'.repeat(100)}`, value: 'v' },
      { name: 'ok', value: '' },
      { name: 'ok', value: 'x'.repeat(64 * 1024 + 1) },
      { name: 'ok', value: 'é'.repeat(32 * 1024 + 1) },
      { name: 'ok', value: 'v', description: 'd'.repeat(501) },
    ];
    for (const input of bad) {
      await expect(
        service.put(orgA, input, null),
        JSON.stringify(input).slice(0, 60),
      ).rejects.toMatchObject({
        code: 'validation_failed',
        status: 400,
      });
    }
    expect(await kernel.db.select().from(secrets)).toHaveLength(0);
    expect(audit.entries).toHaveLength(0);

    const biggest = 'x'.repeat(64 * 1024);
    await service.put(orgA, { name: `a${'b'.repeat(99)}`, value: biggest }, null);
    await service.put(orgA, { name: 'Z.9_-x', value: 'v' }, null);
    expect(await service.reveal(orgA, `a${'b'.repeat(99)}`)).toBe(biggest);
  });

  it('gives concurrent creations of one name a single row', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        service.put(orgA, { name: 'RACE', value: `value-${i}` }, null),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await kernel.db.select().from(secrets)).toHaveLength(1);
    expect(await service.reveal(orgA, 'RACE')).toMatch(/^value-\d$/);
  });

  it('rotates the key, re-sealing every secret and TOTP secret, which all still reveal', async () => {
    const userId = newId();
    await kernel.db.insert(users).values({
      id: userId,
      email: `${userId}@example.test`,
      name: 'MFA user',
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    await kernel.db.insert(userMfa).values({
      userId,
      totpSecretSealed: vault.seal('JBSWY3DPEHPK3PXP', sealedValueAad.totp(userId)),
      createdAt: clock.now(),
    });
    const values: [string, string, string][] = [];
    for (let i = 0; i < 3; i++) {
      for (const org of [orgA, orgB]) values.push([org, `KEY_${i}`, `value-${org}-${i}`]);
    }
    for (const [org, name, value] of values) await service.put(org, { name, value }, null);
    const oldKid = vault.primaryKid;
    const updatedBefore = await kernel.db
      .select({ id: secrets.id, at: secrets.updatedAt })
      .from(secrets);

    const result = await service.rotateKey();

    expect(result).toMatchObject({ oldKid, reencrypted: values.length + 1, retired: [oldKid] });
    const kids = [
      ...(await kernel.db.select({ s: secrets.valueSealed }).from(secrets)).map((r) => r.s),
      ...(await kernel.db.select({ s: userMfa.totpSecretSealed }).from(userMfa)).map((r) => r.s),
    ].map((sealed) => sealed.split('.')[1]);
    expect(kids).toHaveLength(values.length + 1);
    expect(new Set(kids)).toEqual(new Set([result.newKid]));
    expect(Object.keys(JSON.parse(readFileSync(keyFile, 'utf8')).keys)).toEqual([result.newKid]);

    // a process started afterwards, with only the key file, reads everything
    const fresh = openVault({ keyFile });
    const after = createSecretsService({ db: kernel.db, vault: fresh, clock, audit: fakeAudit() });
    for (const [org, name, value] of values) expect(await after.reveal(org, name)).toBe(value);
    const [mfa] = await kernel.db.select().from(userMfa).where(eq(userMfa.userId, userId));
    expect(fresh.open(mfa!.totpSecretSealed, sealedValueAad.totp(userId))).toBe('JBSWY3DPEHPK3PXP');
    // re-sealing is not an edit: updated_at stays
    expect(await kernel.db.select({ id: secrets.id, at: secrets.updatedAt }).from(secrets)).toEqual(
      expect.arrayContaining(updatedBefore),
    );
  });

  it('leaves every value and both keys in place when one value cannot be re-sealed', async () => {
    await service.put(orgA, { name: 'GOOD', value: 'good-value' }, null);
    await service.put(orgA, { name: 'BROKEN', value: 'broken-value' }, null);
    await service.put(orgB, { name: 'OTHER', value: 'other-value' }, null);
    const oldKid = vault.primaryKid;
    // A value sealed for another place: opening it during the rotation fails authentication.
    const misplaced = vault.seal('misplaced', sealedValueAad.secret(orgB, 'BROKEN'));
    await kernel.db
      .update(secrets)
      .set({ valueSealed: misplaced })
      .where(sql`${secrets.orgId} = ${orgA} and ${secrets.name} = 'BROKEN'`);
    const before = await kernel.db.select().from(secrets);

    await expect(service.rotateKey()).rejects.toMatchObject({
      code: 'sealed_value_rejected',
      message: expect.stringContaining(`Cannot re-seal the secret "BROKEN" of ${orgA}`),
    });

    // the transaction rolled back: every row as it was
    expect(await kernel.db.select().from(secrets)).toEqual(expect.arrayContaining(before));
    const ring = JSON.parse(readFileSync(keyFile, 'utf8'));
    expect(Object.keys(ring.keys)).toHaveLength(2);
    expect(ring.keys[oldKid]).toBeDefined();
    const fresh = createSecretsService({
      db: kernel.db,
      vault: openVault({ keyFile }),
      clock,
      audit: fakeAudit(),
    });
    expect(await fresh.reveal(orgA, 'GOOD')).toBe('good-value');
    expect(await fresh.reveal(orgB, 'OTHER')).toBe('other-value');

    // once the bad row is dealt with, a rotation completes and retires both earlier keys
    await service.remove(orgA, 'BROKEN');
    const result = await service.rotateKey();
    expect(result.retired).toHaveLength(2);
    expect(result.reencrypted).toBe(2);
    expect(
      await createSecretsService({
        db: kernel.db,
        vault: openVault({ keyFile }),
        clock,
        audit: fakeAudit(),
      }).reveal(orgA, 'GOOD'),
    ).toBe('good-value');
  });
});
