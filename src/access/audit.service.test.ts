import { sql, type SQL } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKernel } from '../../test/helpers/kernel.ts';
import { postgresStorage, storages } from '../../test/helpers/storage.ts';
import { ManualClock, newId, runWithContext, type Kernel } from '../kernel/index.ts';
import {
  canonicalJson,
  createAuditLog,
  type AuditLog,
  type AuditReceipt,
} from './audit.service.ts';
import { auditLog } from './audit.schema.ts';

describe('canonicalJson', () => {
  it('sorts keys recursively, drops whitespace and undefined, writes bigint and dates as strings', () => {
    const at = new Date('2026-03-01T10:00:00.123Z');
    expect(canonicalJson({ b: 1n, a: [true, undefined, { d: at, c: null }], e: undefined })).toBe(
      '{"a":[true,null,{"c":null,"d":"2026-03-01T10:00:00.123Z"}],"b":"1"}',
    );
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(-12345678901234567890n)).toBe('"-12345678901234567890"');
    expect(canonicalJson([Number.NaN, -0])).toBe('[null,0]');
  });

  it('refuses a cycle instead of looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });

  it('does not depend on key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        expect(canonicalJson(reorderKeys(value, seed))).toBe(canonicalJson(value));
      }),
    );
  });

  it('is a fixed point of JSON.parse, so a jsonb round trip keeps the hash (property)', () => {
    const withBigints = fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.bigInt()));
    fc.assert(
      fc.property(withBigints, (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

describe.each(storages)('audit log on $name', (storage) => {
  // One database per storage (a kernel takes seconds to start); each test starts from an
  // empty log instead.
  let kernel: Kernel;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    kernel = await createTestKernel({ target: created.target, workJobs: false });
  });
  afterAll(async () => {
    await kernel?.close();
    await drop?.();
  });
  beforeEach(async () => {
    await kernel.db.execute(sql`delete from audit_log`);
    await kernel.db.execute(sql`delete from kernel_settings where key like 'audit.head.%'`);
  });

  async function setup(options: { verifyPageSize?: number } = {}) {
    const clock = new ManualClock('2026-02-01T09:00:00.000Z');
    const audit = createAuditLog({ db: kernel.db, clock, ...options });
    return { kernel, clock, audit };
  }

  /** Appends `n` entries to an organisation's chain, one second apart. */
  async function fill(
    audit: AuditLog,
    kernel: Kernel,
    clock: ManualClock,
    orgId: string | null,
    n: number,
  ): Promise<AuditReceipt[]> {
    const receipts: AuditReceipt[] = [];
    for (let i = 1; i <= n; i++) {
      receipts.push(
        await audit.record(kernel.db, {
          action: 'thing.update',
          entityType: 'thing',
          entityId: `t${i}`,
          before: { i: i - 1 },
          after: { i, note: 'ok' },
          orgId,
        }),
      );
      clock.advance(1_000);
    }
    return receipts;
  }

  it('chains each organisation from seq 1, and entries without one on the system chain', async () => {
    const { kernel, clock, audit } = await setup();
    const orgA = newId();
    const orgB = newId();
    const a = await fill(audit, kernel, clock, orgA, 3);
    const b = await fill(audit, kernel, clock, orgB, 2);
    const system = await fill(audit, kernel, clock, null, 2);

    expect(a.map((r) => [r.chain, r.seq])).toEqual([
      [`org:${orgA}`, 1],
      [`org:${orgA}`, 2],
      [`org:${orgA}`, 3],
    ]);
    expect(b.map((r) => r.seq)).toEqual([1, 2]);
    expect(system.map((r) => [r.chain, r.seq])).toEqual([
      ['system', 1],
      ['system', 2],
    ]);
    const report = await audit.verify();
    expect(report.ok).toBe(true);
    expect(report.chains.map((c) => [c.chain, c.rows, c.ok]).sort()).toEqual(
      [
        [`org:${orgA}`, 3, true],
        [`org:${orgB}`, 2, true],
        ['system', 2, true],
      ].sort(),
    );
    expect(report.chains.find((c) => c.chain === 'system')?.head).toEqual({
      seq: 2,
      hash: system[1]!.hash,
    });
    expect((await audit.verify({ orgId: orgB })).chains.map((c) => c.chain)).toEqual([
      `org:${orgB}`,
    ]);
    expect((await audit.verify({ orgId: null })).chains.map((c) => c.chain)).toEqual(['system']);
  });

  it('appends many entries at once as one after another would, across chains', async () => {
    const { kernel, clock, audit } = await setup();
    const orgA = newId();
    const orgB = newId();
    await fill(audit, kernel, clock, orgA, 2);
    const entry = (orgId: string, i: number, actorId: string) => ({
      action: 'thing.update',
      entityType: 'thing',
      entityId: `m${i}`,
      after: { i },
      orgId,
      actor: { type: 'apikey' as const, id: actorId, orgId },
      requestId: `req-${i}`,
    });
    const receipts = await kernel.db.transaction((tx) =>
      audit.recordMany(tx, [
        entry(orgA, 1, 'k1'),
        entry(orgB, 2, 'k2'),
        entry(orgA, 3, 'k3'),
        entry(orgA, 4, 'k1'),
      ]),
    );
    // in input order, each continuing its own chain
    expect(receipts.map((r) => [r.chain, r.seq])).toEqual([
      [`org:${orgA}`, 3],
      [`org:${orgB}`, 1],
      [`org:${orgA}`, 4],
      [`org:${orgA}`, 5],
    ]);
    expect(await audit.recordMany(kernel.db, [])).toEqual([]);
    // a later single append continues after the batch
    const [next] = await fill(audit, kernel, clock, orgA, 1);
    expect(next!.seq).toBe(6);
    const report = await audit.verify();
    expect(report.ok).toBe(true);
    const page = await audit.list(orgA);
    const batch = page.entries.filter((e) => e.entityId?.startsWith('m'));
    expect(batch.map((e) => [e.seq, e.actorId, e.requestId]).sort()).toEqual([
      [3, 'k1', 'req-1'],
      [4, 'k3', 'req-3'],
      [5, 'k1', 'req-4'],
    ]);
  });

  it('verifies an empty log and an organisation without entries', async () => {
    const { audit } = await setup();
    expect(await audit.verify()).toEqual({ ok: true, chains: [] });
    const orgId = newId();
    expect(await audit.verify({ orgId })).toEqual({
      ok: true,
      chains: [{ chain: `org:${orgId}`, rows: 0, ok: true, head: null }],
    });
  });

  it('takes the organisation, actor and request id from the work context', async () => {
    const { kernel, audit } = await setup();
    const orgId = newId();
    const actor = { type: 'user' as const, id: 'user-1', orgId };
    await runWithContext({ correlationId: 'req-42', actor }, async () => {
      await audit.record(kernel.db, { action: 'venture.create', entityType: 'venture' });
      // An explicit null puts an installation-wide action on the system chain.
      await audit.record(kernel.db, { action: 'install.setting', entityType: 's', orgId: null });
    });
    await audit.record(kernel.db, { action: 'job.run', entityType: 'job', entityId: 'j1' });

    const [entry] = (await audit.list(orgId)).entries;
    expect(entry).toMatchObject({
      chain: `org:${orgId}`,
      orgId,
      actorType: 'user',
      actorId: 'user-1',
      requestId: 'req-42',
      action: 'venture.create',
    });
    const systemEntries = (await audit.list(null)).entries;
    expect(systemEntries.map((e) => [e.action, e.actorType, e.actorId, e.requestId])).toEqual([
      ['job.run', 'system', null, null],
      ['install.setting', 'user', 'user-1', 'req-42'],
    ]);
  });

  it('names a chain by the lower-case organisation id, as PostgreSQL prints it', async () => {
    const { kernel, audit } = await setup();
    const orgId = newId();
    const receipt = await audit.record(kernel.db, {
      action: 'x',
      entityType: 'y',
      orgId: orgId.toUpperCase(),
    });
    expect(receipt.chain).toBe(`org:${orgId}`);
    expect((await audit.verify({ orgId: orgId.toUpperCase() })).ok).toBe(true);
    await expect(
      audit.record(kernel.db, { action: 'x', entityType: 'y', orgId: 'acme' }),
    ).rejects.toThrow(/Not an organisation id/);
  });

  it('hashes payloads as jsonb gives them back (key order, numbers, bigint, dates)', async () => {
    const { kernel, audit } = await setup();
    const orgId = newId();
    const after = {
      zeta: 1,
      alpha: { c: [3, { y: 1.5, b: 2 }], big: 1e21, tiny: 5e-324, third: 0.1 + 0.2 },
      amount: 12_345_678_901_234_567_890n,
      when: new Date('2026-02-01T09:00:00.001Z'),
      dropped: undefined,
      text: 'é 😀 "quoted" \\ /',
      empty: { list: [], object: {} },
      negativeZero: -0,
    };
    await audit.record(kernel.db, { action: 'x', entityType: 'y', before: 'plain', after, orgId });
    expect((await audit.verify()).ok).toBe(true);
    const [entry] = (await audit.list(orgId)).entries;
    expect(entry?.before).toBe('plain');
    expect(entry?.after).toMatchObject({
      amount: '12345678901234567890',
      when: '2026-02-01T09:00:00.001Z',
    });
    expect(entry?.after).not.toHaveProperty('dropped');
  });

  it('gives gapless seqs and a valid chain to 20 concurrent transactions', async () => {
    const { kernel, audit } = await setup();
    const orgId = newId();
    const receipts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        kernel.db.transaction(async (tx) => {
          const chainA = await audit.record(tx, {
            action: 'a',
            entityType: 'n',
            after: { i },
            orgId,
          });
          // A second chain in the same transactions: locks per chain must not deadlock.
          await audit.record(tx, { action: 'b', entityType: 'n', after: { i }, orgId: null });
          return chainA;
        }),
      ),
    );
    expect(receipts.map((r) => r.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const report = await audit.verify();
    expect(report.ok).toBe(true);
    expect(report.chains.map((c) => c.rows)).toEqual([20, 20]);
  });

  it('leaves neither a row nor a gap when the transaction rolls back', async () => {
    const { kernel, clock, audit } = await setup();
    const orgId = newId();
    await fill(audit, kernel, clock, orgId, 1);
    await expect(
      kernel.db.transaction(async (tx) => {
        await audit.record(tx, { action: 'doomed', entityType: 'x', orgId });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const next = await audit.record(kernel.db, { action: 'after', entityType: 'x', orgId });

    expect(next.seq).toBe(2);
    const { entries } = await audit.list(orgId);
    expect(entries.map((e) => e.action)).toEqual(['after', 'thing.update']);
    expect((await audit.verify()).ok).toBe(true);
  });

  describe('detects tampering done in SQL', () => {
    const cases: {
      name: string;
      tamper: (chain: string, ids: string[]) => SQL;
      at: number;
      reason: string;
      rowGone?: boolean;
    }[] = [
      {
        name: 'UPDATE of after',
        tamper: (_c, ids) => sql`update audit_log set after = '{"i": 99}' where id = ${ids[2]}`,
        at: 3,
        reason: 'payload_mismatch',
      },
      {
        name: 'UPDATE of before',
        tamper: (_c, ids) =>
          sql`update audit_log set before = '{"i": 1, "x": 0}' where id = ${ids[1]}`,
        at: 2,
        reason: 'payload_mismatch',
      },
      {
        name: 'UPDATE of action',
        tamper: (_c, ids) => sql`update audit_log set action = 'thing.read' where id = ${ids[2]}`,
        at: 3,
        reason: 'hash_mismatch',
      },
      {
        name: 'UPDATE of at',
        tamper: (_c, ids) =>
          sql`update audit_log set at = at + interval '1 hour' where id = ${ids[2]}`,
        at: 3,
        reason: 'hash_mismatch',
      },
      {
        name: 'UPDATE of actor_id',
        tamper: (_c, ids) => sql`update audit_log set actor_id = 'someone' where id = ${ids[0]}`,
        at: 1,
        reason: 'hash_mismatch',
      },
      {
        name: 'UPDATE of prev_hash',
        tamper: (_c, ids) =>
          sql`update audit_log set prev_hash = ${'f'.repeat(64)} where id = ${ids[3]}`,
        at: 4,
        reason: 'prev_hash_mismatch',
      },
      {
        name: 'UPDATE of redacted_by without an erase entry',
        tamper: (_c, ids) =>
          sql`update audit_log set redacted_by = ${newId()} where id = ${ids[1]}`,
        at: 2,
        reason: 'bad_redaction',
      },
      {
        name: 'DELETE of a middle row',
        tamper: (_c, ids) => sql`delete from audit_log where id = ${ids[2]}`,
        at: 3,
        reason: 'missing_row',
        rowGone: true,
      },
      {
        name: 'DELETE of the last row',
        tamper: (_c, ids) => sql`delete from audit_log where id = ${ids[4]}`,
        at: 5,
        reason: 'missing_row',
        rowGone: true,
      },
      {
        name: 'DELETE of every row',
        tamper: (chain) => sql`delete from audit_log where chain = ${chain}`,
        at: 1,
        reason: 'missing_row',
        rowGone: true,
      },
      {
        name: 'UPDATE of the head record',
        tamper: (chain) =>
          sql`update kernel_settings set value = jsonb_set(value, '{hash}', '"beef"') where key = ${`audit.head.${chain}`}`,
        at: 5,
        reason: 'head_mismatch',
      },
      {
        name: 'DELETE of the head record',
        tamper: (chain) => sql`delete from kernel_settings where key = ${`audit.head.${chain}`}`,
        at: 5,
        reason: 'head_mismatch',
      },
    ];

    it.each(cases)('$name', async ({ tamper, at, reason, rowGone }) => {
      const { kernel, clock, audit } = await setup();
      const orgId = newId();
      const other = newId();
      const receipts = await fill(audit, kernel, clock, orgId, 5);
      await fill(audit, kernel, clock, other, 2);
      const chain = `org:${orgId}`;
      await kernel.db.execute(
        tamper(
          chain,
          receipts.map((r) => r.id),
        ),
      );

      const report = await audit.verify();
      expect(report.ok).toBe(false);
      const broken = report.chains.find((c) => c.chain === chain);
      expect(broken?.ok).toBe(false);
      expect(broken?.firstBroken).toEqual({
        seq: at,
        id: rowGone ? null : receipts[at - 1]!.id,
        reason,
      });
      expect(report.chains.find((c) => c.chain === `org:${other}`)?.ok).toBe(true);
    });

    it('still reports a deleted last row after later appends', async () => {
      const { kernel, clock, audit } = await setup();
      const orgId = newId();
      const receipts = await fill(audit, kernel, clock, orgId, 3);
      await kernel.db.execute(sql`delete from audit_log where id = ${receipts[2]!.id}`);
      const next = await audit.record(kernel.db, { action: 'later', entityType: 'x', orgId });

      expect(next.seq).toBe(4);
      expect((await audit.verify({ orgId })).chains[0]?.firstBroken).toEqual({
        seq: 3,
        id: null,
        reason: 'missing_row',
      });
    });

    it('reports rows appended around record() past the head record', async () => {
      const { kernel, clock, audit } = await setup();
      const orgId = newId();
      const receipts = await fill(audit, kernel, clock, orgId, 3);
      // Rewind the head as if rows 2 and 3 had been inserted by hand.
      await kernel.db.execute(
        sql`update kernel_settings set value = ${JSON.stringify({ seq: 1, hash: receipts[0]!.hash })}::jsonb
            where key = ${`audit.head.org:${orgId}`}`,
      );
      expect((await audit.verify({ orgId })).chains[0]?.firstBroken).toEqual({
        seq: 2,
        id: receipts[1]!.id,
        reason: 'head_mismatch',
      });
    });

    it('walks the chain in pages and finds a break on a later page', async () => {
      const { kernel, clock, audit } = await setup({ verifyPageSize: 2 });
      const orgId = newId();
      const receipts = await fill(audit, kernel, clock, orgId, 7);
      expect((await audit.verify({ orgId })).chains[0]).toMatchObject({ ok: true, rows: 7 });

      await kernel.db.execute(
        sql`update audit_log set entity_id = 'x' where id = ${receipts[5]!.id}`,
      );
      expect((await audit.verify({ orgId })).chains[0]).toEqual({
        chain: `org:${orgId}`,
        rows: 7,
        ok: false,
        head: { seq: 7, hash: receipts[6]!.hash },
        firstBroken: { seq: 6, id: receipts[5]!.id, reason: 'hash_mismatch' },
      });
    });
  });

  describe('redaction', () => {
    const scrub = (value: unknown): unknown =>
      value && typeof value === 'object'
        ? { ...(value as Record<string, unknown>), email: '[erased]', name: '[erased]' }
        : value;
    const transform = ({ before, after }: { before: unknown; after: unknown }) => ({
      before: scrub(before),
      after: scrub(after),
    });

    async function personInLog() {
      const context = await setup();
      const { kernel, audit } = context;
      const orgId = newId();
      const userId = newId();
      const bobId = newId();
      const person = { email: 'alice@example.com', name: 'Alice Liddell' };
      await audit.record(kernel.db, {
        action: 'user.create',
        entityType: 'user',
        entityId: userId,
        after: person,
        orgId,
      });
      await audit.record(kernel.db, {
        action: 'user.create',
        entityType: 'user',
        entityId: bobId,
        after: { email: 'bob@example.com', name: 'Bob' },
        orgId,
      });
      await audit.record(kernel.db, {
        action: 'membership.update',
        entityType: 'user',
        entityId: userId,
        before: { ...person, role: 'viewer' },
        after: { ...person, role: 'editor' },
        orgId,
      });
      return { ...context, orgId, userId, bobId };
    }

    it('removes the data, records the erasure and keeps the chain verifiable', async () => {
      const { kernel, audit, orgId, userId } = await personInLog();

      const redacted = await kernel.db.transaction((tx) =>
        audit.redact(tx, { orgId, entityType: 'user', entityId: userId, transform }),
      );

      expect(redacted).toBe(2);
      expect(await audit.verify()).toMatchObject({ ok: true, chains: [{ rows: 4, ok: true }] });
      const leaks = await kernel.db
        .select({ id: auditLog.id })
        .from(auditLog)
        .where(
          sql`${auditLog.before}::text like '%alice%' or ${auditLog.after}::text like '%alice%'`,
        );
      expect(leaks).toEqual([]);

      const { entries } = await audit.list(orgId);
      const erase = entries[0]!;
      expect(erase).toMatchObject({ seq: 4, action: 'gdpr.erase', entityId: userId });
      const aliceEntries = entries.filter((e) => e.entityId === userId && e !== erase);
      expect(erase.after).toEqual({ redactedIds: aliceEntries.map((e) => e.id).reverse() });
      expect(aliceEntries.map((e) => e.redactedBy)).toEqual([erase.id, erase.id]);
      expect(aliceEntries[0]?.after).toEqual({
        email: '[erased]',
        name: '[erased]',
        role: 'editor',
      });
      expect(entries.find((e) => e.entityId !== userId)?.after).toMatchObject({ name: 'Bob' });

      // The chain goes on, and a second erasure leaves the first erase entry alone.
      await audit.record(kernel.db, { action: 'later', entityType: 'x', orgId });
      expect(
        await audit.redact(kernel.db, { orgId, entityType: 'user', entityId: userId, transform }),
      ).toBe(2);
      expect((await audit.verify()).ok).toBe(true);
    });

    it('rolls the erasure back with its transaction', async () => {
      const { kernel, audit, orgId, userId } = await personInLog();
      await expect(
        kernel.db.transaction(async (tx) => {
          await audit.redact(tx, { orgId, entityType: 'user', entityId: userId, transform });
          throw new Error('erasure aborted');
        }),
      ).rejects.toThrow('erasure aborted');
      const { entries } = await audit.list(orgId);
      expect(entries.map((e) => e.redactedBy)).toEqual([null, null, null]);
      expect((await audit.verify()).ok).toBe(true);
    });

    it('detects a forged redaction: redacted_by and after edited in SQL', async () => {
      const { kernel, audit, orgId } = await personInLog();
      const [first] = (await audit.list(orgId, { before: 2 })).entries;
      await kernel.db.execute(
        sql`update audit_log set redacted_by = ${newId()}, after = '{"email": "[erased]"}'
            where id = ${first!.id}`,
      );
      expect((await audit.verify({ orgId })).chains[0]?.firstBroken).toEqual({
        seq: 1,
        id: first!.id,
        reason: 'bad_redaction',
      });
    });

    it('detects a row passed off under a genuine erase entry that does not list it', async () => {
      const { kernel, audit, orgId, userId, bobId } = await personInLog();
      await audit.redact(kernel.db, { orgId, entityType: 'user', entityId: userId, transform });
      const erase = (await audit.list(orgId, { action: 'gdpr.erase' })).entries[0]!;
      const bob = (await audit.list(orgId, { entityId: bobId })).entries[0]!;
      await kernel.db.execute(
        sql`update audit_log set redacted_by = ${erase.id}, after = '{}' where id = ${bob.id}`,
      );
      expect((await audit.verify({ orgId })).chains[0]?.firstBroken).toEqual({
        seq: bob.seq,
        id: bob.id,
        reason: 'bad_redaction',
      });

      // Adding the row to the erase entry's list breaks the erase entry, and so every
      // redaction that leans on it, from Alice's first entry on.
      await kernel.db.execute(
        sql`update audit_log set after = jsonb_set(after, '{redactedIds}', (after->'redactedIds') || ${JSON.stringify([bob.id])}::jsonb)
            where id = ${erase.id}`,
      );
      const [firstAlice] = (await audit.list(orgId, { entityId: userId, before: 2 })).entries;
      expect((await audit.verify({ orgId })).chains[0]?.firstBroken).toEqual({
        seq: 1,
        id: firstAlice!.id,
        reason: 'bad_redaction',
      });
    });

    it('detects a redaction whose payload was later edited without redacted_by', async () => {
      const { kernel, audit, orgId, userId } = await personInLog();
      await audit.redact(kernel.db, { orgId, entityType: 'user', entityId: userId, transform });
      const [firstAlice] = (await audit.list(orgId, { entityId: userId, before: 2 })).entries;
      await kernel.db.execute(
        sql`update audit_log set redacted_by = null where id = ${firstAlice!.id}`,
      );
      expect((await audit.verify({ orgId })).chains[0]?.firstBroken).toEqual({
        seq: 1,
        id: firstAlice!.id,
        reason: 'payload_mismatch',
      });
    });
  });

  it('lists newest first with a seq cursor and filters', async () => {
    const { kernel, clock, audit } = await setup();
    const orgId = newId();
    await fill(audit, kernel, clock, orgId, 5);
    await audit.record(kernel.db, {
      action: 'special',
      entityType: 'other',
      entityId: 'o1',
      orgId,
    });
    await fill(audit, kernel, clock, newId(), 2);

    const first = await audit.list(orgId, { limit: 4 });
    expect(first.entries.map((e) => e.seq)).toEqual([6, 5, 4, 3]);
    expect(first.nextBefore).toBe(3);
    expect(first.entries[1]?.at).toBe('2026-02-01T09:00:04.000Z');
    const second = await audit.list(orgId, { limit: 4, before: first.nextBefore! });
    expect(second.entries.map((e) => e.seq)).toEqual([2, 1]);
    expect(second.nextBefore).toBeNull();

    expect((await audit.list(orgId, { action: 'special' })).entries.map((e) => e.seq)).toEqual([6]);
    expect((await audit.list(orgId, { entityType: 'thing', entityId: 't2' })).entries).toHaveLength(
      1,
    );
    expect((await audit.list(orgId)).entries).toHaveLength(6);
    await expect(audit.list(orgId, { limit: 501 })).rejects.toThrow(/limit/);
    await expect(audit.list(orgId, { limit: 0 })).rejects.toThrow(/limit/);
  });
});

describe.skipIf(!postgresStorage)('audit log shared by processes on one server', () => {
  it('serialises appends from two connection pools into one gapless chain', async () => {
    const { target, drop } = await postgresStorage!.create();
    const one = await createTestKernel({ target, workJobs: false });
    const two = await createTestKernel({ target, workJobs: false });
    try {
      const clock = new ManualClock();
      const logs = [one, two].map((k) => createAuditLog({ db: k.db, clock }));
      const orgId = newId();
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => {
          const [kernel, audit] = i % 2 === 0 ? [one, logs[0]!] : [two, logs[1]!];
          const entry = { action: 'parallel', entityType: 'n', after: { i }, orgId };
          // Some append in their own transaction, some inside a caller's.
          return i % 3 === 0
            ? audit.record(kernel.db, entry)
            : kernel.db.transaction((tx) => audit.record(tx, entry));
        }),
      );
      const report = await logs[0]!.verify({ orgId });
      expect(report.chains[0]).toMatchObject({ ok: true, rows: 30, head: { seq: 30 } });
    } finally {
      await one.close();
      await two.close();
      await drop();
    }
  });
});

/** The same JSON value with every object's keys in a seed-dependent order. */
function reorderKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item) => reorderKeys(item, seed + 1));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  let state = seed;
  for (let i = keys.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return Object.fromEntries(
    keys.map((key) => [key, reorderKeys((value as Record<string, unknown>)[key], seed + 7)]),
  );
}
