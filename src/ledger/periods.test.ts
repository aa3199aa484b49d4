import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId } from '../kernel/index.ts';
import type { TransferInput } from './ledger.types.ts';
import {
  createBook,
  createLedgerWorld,
  resetLedger,
  single,
  type LedgerWorld,
} from './ledger.test-support.ts';

/** The test clock starts on 2026-03-01 at 09:00 UTC. */
const at = (iso: string) => new Date(iso);

describe.each(storages)('period close on $name', { timeout: 120_000 }, (storage) => {
  let world: LedgerWorld;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    world = await createLedgerWorld(created.target);
  });
  afterAll(async () => {
    await world.close();
    await drop();
  });
  beforeEach(() => resetLedger(world.kernel));

  const results = async (orgId: string, batch: TransferInput[]) =>
    (await world.ledger.createTransfers(orgId, batch)).map((r) => r.result);

  it('refuses transfers dated inside the period, stores that, and takes later ones', async () => {
    const { orgId, entity, account } = await createBook(world.ledger);
    const [a, b] = [await account(), await account()];
    const close = await world.ledger.closePeriod(orgId, entity.id, {
      through: '2026-02-28',
      note: 'February',
    });
    expect(close).toMatchObject({
      entityId: entity.id,
      closedThrough: '2026-02-28',
      previousClosedThrough: null,
      note: 'February',
    });
    expect((await world.ledger.getEntity(orgId, entity.id)).closedThrough).toBe('2026-02-28');
    expect((await world.ledger.getAccount(orgId, a.id)).closedThrough).toBe('2026-02-28');

    const inside = single(a, b, 5n, { effectiveAt: at('2026-02-28T23:59:59.999Z') });
    const after = single(a, b, 6n, { effectiveAt: at('2026-03-01T00:00:00.000Z') });
    expect(await results(orgId, [inside, after, single(a, b, 7n)])).toEqual([
      'period_closed',
      'ok',
      'ok',
    ]);
    // stored like any failure on the ledger's state: a retry answers the same
    expect(await world.ledger.getTransfer(orgId, inside.id)).toMatchObject({
      status: 'failed',
      result: 'period_closed',
    });
    expect(await results(orgId, [inside])).toEqual(['period_closed']);
    expect((await world.ledger.getAccount(orgId, a.id)).debitsPosted).toBe(13n);

    // another entity's books are not closed
    const other = await createBook(world.ledger);
    const [c, d] = [await other.account(), await other.account()];
    expect(
      await results(other.orgId, [single(c, d, 1n, { effectiveAt: at('2026-01-01') })]),
    ).toEqual(['ok']);
  });

  it('applies to holds, their post and void, and reversals; not to the release of expired holds', async () => {
    const { orgId, entity, account } = await createBook(world.ledger);
    const [a, b] = [await account(), await account()];
    const dated = { effectiveAt: at('2026-02-20T10:00:00.000Z') };
    const hold = single(a, b, 10n, { kind: 'pending', ...dated });
    const expiring = single(a, b, 4n, { kind: 'pending', timeoutSeconds: 60, ...dated });
    const posted = single(a, b, 3n, dated);
    expect(await results(orgId, [hold, expiring, posted])).toEqual(['ok', 'ok', 'ok']);
    await world.ledger.closePeriod(orgId, entity.id, { through: '2026-02-28' });

    const resolve = (
      kind: 'post_pending' | 'void_pending',
      extra: Partial<TransferInput> = {},
    ) => ({
      id: newId(),
      kind,
      pendingId: hold.id,
      ...extra,
    });
    expect(
      await results(orgId, [
        single(a, b, 1n, { kind: 'pending', ...dated }),
        resolve('post_pending', { effectiveAt: at('2026-02-28T12:00:00.000Z') }),
        resolve('void_pending', dated),
      ]),
    ).toEqual(['period_closed', 'period_closed', 'period_closed']);
    // dated now (the default), posting a hold made inside the period is fine
    expect(await results(orgId, [resolve('post_pending', { amount: 6n })])).toEqual(['ok']);

    const reversal = await world.ledger.reverseTransfer(orgId, posted.id, newId(), {
      effectiveAt: at('2026-02-21T00:00:00.000Z'),
    });
    expect(reversal.result).toBe('period_closed');
    expect((await world.ledger.reverseTransfer(orgId, posted.id, newId())).result).toBe('ok');

    world.clock.advance(61_000);
    expect(await world.ledger.expirePending(orgId)).toEqual({ expired: 1 });
    expect(await world.ledger.getTransfer(orgId, expiring.id)).toMatchObject({ status: 'expired' });
    const totals = await world.ledger.getAccount(orgId, a.id);
    expect([totals.debitsPending, totals.debitsPosted]).toEqual([0n, 3n + 6n]);
  });

  it('keeps a history, audits each close, and gives new accounts the closed day', async () => {
    const { orgId, entity, account } = await createBook(world.ledger);
    await world.ledger.closePeriod(orgId, entity.id, { through: '2026-01-31' });
    world.clock.advance(60_000);
    await world.ledger.closePeriod(orgId, entity.id, { through: '2026-02-28', note: 'Q1' });

    const history = await world.ledger.listPeriodCloses(orgId, entity.id);
    expect(history.map((p) => [p.previousClosedThrough, p.closedThrough, p.note])).toEqual([
      [null, '2026-01-31', null],
      ['2026-01-31', '2026-02-28', 'Q1'],
    ]);
    const audit = await world.audit.list(orgId, { action: 'ledger.period.close' });
    expect(audit.entries.map((e) => [e.entityId, e.before, e.after])).toEqual([
      [
        entity.id,
        { closedThrough: '2026-01-31' },
        { closedThrough: '2026-02-28', note: 'Q1', accounts: 23 },
      ],
      [
        entity.id,
        { closedThrough: null },
        { closedThrough: '2026-01-31', note: null, accounts: 23 },
      ],
    ]);

    const late = await account();
    expect(late.closedThrough).toBe('2026-02-28');
    const other = await account();
    expect(
      await results(orgId, [single(late, other, 1n, { effectiveAt: at('2026-02-01') })]),
    ).toEqual(['period_closed']);
    await expect(world.ledger.listPeriodCloses(newId(), entity.id)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('refuses a bad close with a clear error', async () => {
    const { orgId, entity } = await createBook(world.ledger);
    const close = (through: string) => world.ledger.closePeriod(orgId, entity.id, { through });
    await expect(close('2026-03-02')).rejects.toMatchObject({
      code: 'ledger_period_not_over',
      status: 422,
    });
    await expect(close('2026-02-30')).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'through' }],
    });
    await expect(close('yesterday')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(
      world.ledger.closePeriod(orgId, newId(), { through: '2026-02-01' }),
    ).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(
      world.ledger.closePeriod(newId(), entity.id, { through: '2026-02-01' }),
    ).rejects.toMatchObject({ code: 'not_found' });

    // today is the latest day that can be closed
    await close('2026-03-01');
    for (const day of ['2026-03-01', '2026-02-15']) {
      await expect(close(day)).rejects.toMatchObject({
        code: 'ledger_period_already_closed',
        status: 409,
        message: expect.stringContaining('closed through 2026-03-01'),
      });
    }
    expect(await world.ledger.listPeriodCloses(orgId, entity.id)).toHaveLength(1);
  });

  it('never lets a posting dated inside the period through a concurrent close', async () => {
    const inside = at('2026-02-28T12:00:00.000Z');
    for (let round = 0; round < 3; round++) {
      const { orgId, entity, account } = await createBook(world.ledger);
      const accounts = await Promise.all(Array.from({ length: 6 }, () => account()));
      const batch = (n: number) =>
        Array.from({ length: 4 }, (_, i) =>
          single(accounts[(n + i) % 6]!, accounts[(n + i + 1) % 6]!, 1n, { effectiveAt: inside }),
        );
      // Writers send batches dated inside the period until the close has committed, then one
      // more each (which must be refused); the close starts once every writer is under way.
      let closed = false;
      let underWay!: () => void;
      const started = new Promise<void>((resolve) => (underWay = resolve));
      const writer = async (w: number) => {
        const answers: string[][] = [];
        // (bounded, so that a failing close cannot leave the writers running)
        for (let n = w; n < 400; n += 4) {
          const wasClosed = closed;
          answers.push(await results(orgId, batch(n)));
          underWay();
          if (wasClosed) break;
        }
        return answers;
      };
      const writers = [0, 1, 2, 3].map(writer);
      await started;
      try {
        await world.ledger.closePeriod(orgId, entity.id, { through: '2026-02-28' });
      } finally {
        closed = true;
      }
      for (const answers of await Promise.all(writers)) {
        expect(answers[answers.length - 1]).toEqual(Array(4).fill('period_closed'));
        for (const answer of answers) {
          // a batch is applied entirely or refused entirely: never a part of it after the close
          expect([['ok'], ['period_closed']]).toContainEqual([...new Set(answer)]);
        }
      }
      // The audit chain orders the close and every batch that shares an account with it (each
      // appends while holding its account locks): no batch after the close applied anything.
      const entries = (await world.audit.list(orgId, { limit: 500 })).entries.reverse();
      const closeAt = entries.findIndex((e) => e.action === 'ledger.period.close');
      const batches = entries.flatMap((e, i) =>
        e.action === 'ledger.transfers.create'
          ? [{ i, results: Object.keys((e.after as { results: object }).results) }]
          : [],
      );
      for (const { i, results: codes } of batches) {
        expect(codes).toEqual([i > closeAt ? 'period_closed' : 'ok']);
      }
      expect(batches.some(({ i }) => i < closeAt)).toBe(true);
      expect(batches.filter(({ i }) => i > closeAt).length).toBeGreaterThanOrEqual(4);
      const okCount = batches.filter(({ i }) => i < closeAt).length * 4;
      const totals = await world.ledger.listAccounts(orgId, { entityId: entity.id });
      expect(totals.reduce((sum, a) => sum + a.debitsPosted, 0n)).toBe(BigInt(okCount));
    }
  });
});
