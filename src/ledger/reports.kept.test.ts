import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId } from '../kernel/index.ts';
import { ledgerFxRates } from './ledger.schema.ts';
import type { Account, Entity, TransferInput } from './ledger.types.ts';
import { createReportsService, type ReportsService } from './reports.service.ts';
import { createTransfersService } from './transfers.service.ts';
import type { ReportKind } from './reports.types.ts';
import { createLedgerWorld, type LedgerWorld } from './ledger.test-support.ts';

/**
 * Kept statements brought up to date: after every random write (postings in one entity or
 * across two, holds and their posting, new accounts, a closed account, a rate, a period close),
 * each statement a long-lived reports service keeps must equal, figure for figure, the one a
 * fresh service computes from nothing; and a statement nothing touched is the kept answer
 * itself.
 */
describe.each(storages)('kept statements on $name', { timeout: 180_000 }, (storage) => {
  let world: LedgerWorld;
  let drop: () => Promise<void>;
  let kept: ReportsService;
  let group: Awaited<ReturnType<typeof createGroup>>;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    world = await createLedgerWorld(created.target);
    // After the statements' dates: the postings are in the past, March can be closed.
    world.clock.set('2026-04-06T09:00:00.000Z');
    kept = createReportsService({ db: world.kernel.db, clock: world.clock });
    group = await createGroup(world);
  });
  afterAll(async () => {
    await world.close();
    await drop();
  });

  const KINDS: readonly ReportKind[] = [
    'trial-balance',
    'balance-sheet',
    'profit-and-loss',
    'cash-flow',
  ];
  const range = (kind: ReportKind) =>
    kind === 'profit-and-loss' || kind === 'cash-flow'
      ? { from: '2026-01-01', to: '2026-03-31' }
      : { asOf: '2026-03-31' };
  const queries = () =>
    [
      { entityId: group.holding.id, consolidated: true },
      { entityId: group.holding.id, consolidated: true, currency: 'USD', rates: 'currencies' },
      { entityId: group.ventures[0]!.id },
      { entityId: group.ventures[2]!.id, currency: 'GBP' },
    ] as const;

  /** Every statement as kept, and as a fresh service computes it. */
  async function expectKeptAsFresh() {
    const fresh = createReportsService({ db: world.kernel.db, clock: world.clock });
    for (const kind of KINDS) {
      for (const query of queries()) {
        const q = { ...query, ...range(kind) };
        expect(await kept.report(group.orgId, kind, q), `${kind} ${JSON.stringify(q)}`).toEqual(
          await fresh.report(group.orgId, kind, q),
        );
      }
    }
  }

  it('equals the statement computed afresh after every kind of write', async () => {
    await expectKeptAsFresh();
    const random = seeded(17);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const day = () =>
      new Date(Date.UTC(2026, Math.floor(random() * 3), 1 + Math.floor(random() * 28), 12));
    const { ledger } = world;
    let posted = 0;
    const post = async (batch: TransferInput[]) => {
      const results = await ledger.createTransfers(group.orgId, batch);
      posted += results.filter((r) => r.result === 'ok').length;
    };
    const within = (entity: Entity): TransferInput => {
      const accounts = group.accounts.get(entity.id)!.filter((a) => a.closedAt === null);
      const debit = pick(accounts);
      const credit = pick(accounts.filter((a) => a.currency === debit.currency && a !== debit));
      return transfer(debit, credit, BigInt(1 + Math.floor(random() * 900_000)), day());
    };
    const steps: (() => Promise<unknown>)[] = [
      () => post([within(pick(group.entities))]),
      () => post([within(pick(group.entities)), within(pick(group.entities))]),
      () => {
        // A loan from the holding to a venture: two linked legs, each in its own currency.
        const venture = pick(group.ventures);
        const at = day();
        const lent = group.account(group.holding, `1300-${venture.code}`);
        const owed = group.account(venture, '2100-GRP');
        return post([
          { ...transfer(lent, group.account(group.holding, '1100'), 500_000n, at), linked: true },
          transfer(group.account(venture, '1100'), owed, 550_000n, at),
        ]);
      },
      async () => {
        const hold = { ...within(pick(group.ventures)), kind: 'pending' as const };
        await post([hold]);
        return post([{ id: newId(), kind: 'post_pending', pendingId: hold.id }]);
      },
      async () => {
        const entity = pick(group.entities);
        const account = await ledger.createAccount(group.orgId, {
          entityId: entity.id,
          code: `7${group.accounts.get(entity.id)!.length}`,
          name: 'Other income',
          type: 'revenue',
        });
        group.accounts.get(entity.id)!.push(account);
        return post([transfer(group.account(entity, '1100'), account, 70_000n, day())]);
      },
      () =>
        world.kernel.db.insert(ledgerFxRates).values({
          id: newId(),
          orgId: group.orgId,
          base: 'EUR',
          quote: pick(['USD', 'GBP']),
          rate: (1 + random()).toFixed(4),
          effectiveOn: `2026-0${1 + Math.floor(random() * 3)}-15`,
          createdAt: new Date(),
        }),
    ];
    for (let step = 0; step < 24; step++) {
      await pick(steps)();
      await expectKeptAsFresh();
    }
    expect(posted).toBeGreaterThan(20);
    // An unused account closed, then a period closed.
    const spare = await ledger.createAccount(group.orgId, {
      entityId: group.ventures[1]!.id,
      code: '7999',
      name: 'Spare',
      type: 'asset',
    });
    await ledger.closeAccount(group.orgId, spare.id);
    await expectKeptAsFresh();
    await ledger.closePeriod(group.orgId, group.ventures[1]!.id, { through: '2026-01-31' });
    await expectKeptAsFresh();
  });

  it('is the kept answer itself while nothing it shows changed', async () => {
    const alone = { entityId: group.ventures[0]!.id, asOf: '2026-03-31' };
    const consolidated = { entityId: group.holding.id, consolidated: true, asOf: '2026-03-31' };
    const first = await kept.balanceSheet(group.orgId, alone);
    const firstConsolidated = await kept.balanceSheet(group.orgId, consolidated);
    expect(await kept.balanceSheet(group.orgId, alone)).toBe(first);
    expect(await kept.balanceSheet(group.orgId, consolidated)).toBe(firstConsolidated);
    // A posting in another venture: the first venture's statement is untouched, the group's not.
    const other = group.ventures[1]!;
    await world.ledger.createTransfers(group.orgId, [
      transfer(
        group.account(other, '1100'),
        group.account(other, '4100'),
        1_234n,
        new Date('2026-03-03T12:00:00Z'),
      ),
    ]);
    expect(await kept.balanceSheet(group.orgId, alone)).toBe(first);
    const updated = await kept.balanceSheet(group.orgId, consolidated);
    expect(updated).not.toBe(firstConsolidated);
    expect(updated.assets.total - firstConsolidated.assets.total).not.toBe(0n);

    // The group's profit and loss after a write to accounts it leaves out (an asset and the
    // equity): the kept answer itself, once the venture has been read account by account.
    const range = {
      entityId: group.holding.id,
      consolidated: true,
      from: '2026-01-01',
      to: '2026-03-31',
    };
    const venture = group.ventures[2]!;
    const post = async (debit: string, credit: string) => {
      const results = await world.ledger.createTransfers(group.orgId, [
        transfer(
          group.account(venture, debit),
          group.account(venture, credit),
          2_500n,
          new Date('2026-03-04T12:00:00Z'),
        ),
      ]);
      expect(results.map((r) => r.result)).toEqual(['ok']);
    };
    const before = await kept.profitAndLoss(group.orgId, range);
    await post('1100', '4100');
    const earned = await kept.profitAndLoss(group.orgId, range);
    expect(earned).not.toBe(before);
    await post('1100', '3000');
    expect(await kept.profitAndLoss(group.orgId, range)).toBe(earned);
    const fresh = createReportsService({ db: world.kernel.db, clock: world.clock });
    expect(earned).toEqual(await fresh.profitAndLoss(group.orgId, range));
  });

  it.runIf(storage.name === 'postgres')(
    'sees a write that was still running when the statement was kept, after a later one',
    async () => {
      const venture = group.ventures[0]!;
      const query = { entityId: venture.id, asOf: '2026-03-31' };
      const before = await kept.trialBalance(group.orgId, query);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let written!: () => void;
      const wrote = new Promise<void>((resolve) => (written = resolve));
      // A transfer posted in a transaction that stays open while the statement is read.
      const transfers = createTransfersService({
        db: world.kernel.db,
        clock: world.clock,
        audit: world.audit,
      });
      const writing = world.kernel.db.transaction(async (tx) => {
        const results = await transfers.applyWithin(tx, group.orgId, [
          transfer(
            group.account(venture, '1100'),
            group.account(venture, '4100'),
            4_321n,
            new Date('2026-03-02T12:00:00Z'),
          ),
        ]);
        expect(results.map((r) => r.result)).toEqual(['ok']);
        written();
        await held;
      });
      await wrote;
      // A later transaction, finished while the first still runs: the snapshot the statement
      // is kept at lists the first as running, below the newest finished one.
      await world.kernel.db.execute(sql`select pg_current_xact_id()`);
      expect(await kept.trialBalance(group.orgId, query)).toBe(before);
      release();
      await writing;
      const after = await kept.trialBalance(group.orgId, query);
      const line = (tb: typeof before) => tb.lines.find((l) => l.code === '4100')!.closing;
      expect(line(before) - line(after)).toBe(4_321n);
      expect(after).toEqual(
        await createReportsService({ db: world.kernel.db, clock: world.clock }).trialBalance(
          group.orgId,
          query,
        ),
      );
    },
  );
});

/** A EUR holding over ventures in USD, GBP and EUR, intercompany accounts and monthly rates. */
async function createGroup(world: LedgerWorld) {
  const { ledger } = world;
  const orgId = newId();
  const accounts = new Map<string, Account[]>();
  const entity = async (code: string, baseCurrency: string, parentId: string | null) => {
    const created = await ledger.createEntity(orgId, {
      code,
      name: code,
      kind: parentId ? 'venture' : 'holding',
      baseCurrency,
      parentId,
    });
    accounts.set(created.entity.id, created.accounts);
    return created.entity;
  };
  const holding = await entity('GRP', 'EUR', null);
  const ventures = [
    await entity('GRP-US', 'USD', holding.id),
    await entity('GRP-UK', 'GBP', holding.id),
    await entity('GRP-FR', 'EUR', holding.id),
  ];
  const add = async (on: Entity, code: string, input: Record<string, unknown>) => {
    const account = await ledger.createAccount(orgId, {
      entityId: on.id,
      code,
      name: code,
      type: 'asset',
      ...input,
    });
    accounts.get(on.id)!.push(account);
  };
  for (const venture of ventures) {
    await add(holding, `1300-${venture.code}`, {
      counterpartyEntityId: venture.id,
      cashFlow: 'investing',
    });
    await add(venture, '2100-GRP', {
      type: 'liability',
      counterpartyEntityId: holding.id,
      cashFlow: 'financing',
    });
  }
  // A EUR bank account of the US venture: carried at historical rates.
  await add(ventures[0]!, '1110', { currency: 'EUR', cash: true });
  await world.kernel.db.insert(ledgerFxRates).values(
    ['2026-01-01', '2026-02-01', '2026-03-01']
      .flatMap((effectiveOn, i) => [
        { id: newId(), orgId, base: 'EUR', quote: 'USD', rate: `1.0${8 + i}`, effectiveOn },
        { id: newId(), orgId, base: 'EUR', quote: 'GBP', rate: `0.8${5 + i}`, effectiveOn },
      ])
      .map((r) => ({ ...r, createdAt: new Date() })),
  );
  const account = (on: Entity, code: string): Account => {
    return accounts.get(on.id)!.find((a) => a.code === code)!;
  };
  return {
    orgId,
    holding,
    ventures,
    entities: [holding, ...ventures],
    accounts,
    account,
  };
}

function transfer(debit: Account, credit: Account, amount: bigint, at: Date): TransferInput {
  return {
    id: newId(),
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    amount,
    currency: debit.currency,
    effectiveAt: at,
  };
}

/** A small deterministic generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
