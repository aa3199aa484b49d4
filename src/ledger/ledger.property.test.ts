import { and, eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId, type IzaError } from '../kernel/index.ts';
import {
  ledgerAccountDays,
  ledgerAccounts,
  ledgerPostings,
  ledgerTransfers,
} from './ledger.schema.ts';
import { LedgerModel } from './ledger.model.test-support.ts';
import { createBook, createLedgerWorld, type LedgerWorld } from './ledger.test-support.ts';
import { MAX_AMOUNT, type Account, type TransferInput } from './ledger.types.ts';

/**
 * Transfers are generated against abstract references (account slot, earlier transfer number)
 * resolved when a step runs, so fast-check can shrink a failing sequence to a small one.
 */
const ACCOUNT_SLOTS = 6; // 5 accounts + an id that names no account
const DAY_MS = 86_400_000;
const arbAmount = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt(1n, 120n) },
  { weight: 1, arbitrary: fc.constant(0n) },
  { weight: 1, arbitrary: fc.constant(MAX_AMOUNT) },
);

type TransferSpec =
  | {
      op: 'new';
      kind: 'single' | 'pending';
      /** Debit and credit slots. */
      accounts: [number, number];
      amount: bigint;
      usd: boolean;
      timeout: number;
      /** Dated this many days before now (0: not given, so now). */
      daysBack: number;
      linked: boolean;
    }
  | {
      op: 'resolve';
      kind: 'post_pending' | 'void_pending';
      target: number;
      amount: bigint | undefined;
      daysBack: number;
      linked: boolean;
    }
  | { op: 'again'; target: number; change: 'none' | 'amount' | 'description'; linked: boolean };

/** Mostly the four EUR accounts; now and then the USD one, or the id that names none. */
const arbSlot = fc.oneof(
  { weight: 24, arbitrary: fc.nat(3) },
  { weight: 1, arbitrary: fc.constant(4) },
  { weight: 1, arbitrary: fc.constant(ACCOUNT_SLOTS - 1) },
);
/** Debit and credit slots: mostly two different accounts. */
const arbPair = fc.oneof(
  { weight: 15, arbitrary: fc.tuple(arbSlot, arbSlot).filter(([d, c]) => d !== c) },
  { weight: 1, arbitrary: arbSlot.map((slot) => [slot, slot] as [number, number]) },
);
/** Mostly undated (now); now and then backdated by a day or two, maybe into a closed period. */
const arbDaysBack = fc.constantFrom(0, 0, 0, 0, 1, 2);
/** About one transfer in seven links to the next. */
const arbLinked = fc.nat(6).map((n) => n === 0);
const arbNew = fc.record({
  op: fc.constant('new' as const),
  kind: fc.constantFrom('single' as const, 'pending' as const),
  accounts: arbPair,
  amount: arbAmount,
  usd: fc.nat(19).map((n) => n === 0),
  timeout: fc.constantFrom(0, 0, 10, 30),
  daysBack: arbDaysBack,
  linked: arbLinked,
});
const arbResolve = fc.record({
  op: fc.constant('resolve' as const),
  kind: fc.constantFrom('post_pending' as const, 'void_pending' as const),
  target: fc.nat(50),
  amount: fc.option(fc.bigInt(1n, 130n), { nil: undefined }),
  daysBack: arbDaysBack,
  linked: arbLinked,
});
const arbAgain = fc.record({
  op: fc.constant('again' as const),
  target: fc.nat(50),
  change: fc.constantFrom(
    'none' as const,
    'none' as const,
    'amount' as const,
    'description' as const,
  ),
  linked: arbLinked,
});
const arbSpec: fc.Arbitrary<TransferSpec> = fc.oneof(
  { weight: 5, arbitrary: arbNew },
  { weight: 3, arbitrary: arbResolve },
  { weight: 2, arbitrary: arbAgain },
);

type Step =
  | { step: 'batch'; specs: TransferSpec[] }
  | { step: 'expire'; seconds: number }
  | { step: 'close'; account: number }
  /** Closes the entity's books through this many days before today. */
  | { step: 'closePeriod'; daysBack: number };

const arbStep = (maxBatch: number): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        step: fc.constant('batch' as const),
        specs: fc.array(arbSpec, { minLength: 1, maxLength: maxBatch }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ step: fc.constant('expire' as const), seconds: fc.nat(40) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ step: fc.constant('close' as const), account: fc.nat(4) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        step: fc.constant('closePeriod' as const),
        daysBack: fc.constantFrom(0, 1, 1, 2, 3),
      }),
    },
  );

/** A fresh organisation with the accounts the generated steps refer to by slot. */
async function scenario(world: LedgerWorld) {
  const book = await createBook(world.ledger);
  const accounts: Account[] = [
    await book.account(),
    await book.account({ type: 'liability', debitsMustNotExceedCredits: true }),
    await book.account({ creditsMustNotExceedDebits: true }),
    await book.account({ type: 'expense' }),
    await book.account({ currency: 'USD' }),
  ];
  const slots = [...accounts.map((a) => a.id), newId()];
  const sent: TransferInput[] = [];
  const dated = (daysBack: number) =>
    daysBack === 0
      ? {}
      : { effectiveAt: new Date(world.clock.now().getTime() - daysBack * DAY_MS) };
  const fresh = (spec: TransferSpec): TransferInput => {
    // a reference with nothing sent yet to refer to becomes a plain transfer
    const s = spec.op === 'new' ? spec : undefined;
    return {
      id: newId(),
      kind: s?.kind ?? 'single',
      debitAccountId: slots[s?.accounts[0] ?? 0]!,
      creditAccountId: slots[s?.accounts[1] ?? 1]!,
      amount: s?.amount ?? 1n,
      currency: s?.usd ? 'USD' : 'EUR',
      ...(s?.kind === 'pending' && s.timeout > 0 ? { timeoutSeconds: s.timeout } : {}),
      ...dated(s?.daysBack ?? 0),
    };
  };
  const refer = (spec: Exclude<TransferSpec, { op: 'new' }>): TransferInput => {
    // resolutions mostly name holds; now and then anything else that was sent
    const holds = sent.filter((t) => t.kind === 'pending');
    const pool = spec.op === 'resolve' && holds.length > 0 && spec.target % 5 !== 0 ? holds : sent;
    const target = pool[spec.target % pool.length]!;
    if (spec.op === 'resolve') {
      return {
        id: newId(),
        kind: spec.kind,
        pendingId: target.id,
        ...(spec.amount === undefined ? {} : { amount: spec.amount }),
        ...dated(spec.daysBack),
      };
    }
    const again: TransferInput = { ...target };
    delete again.linked;
    if (spec.change === 'amount') again.amount = (target.amount ?? 0n) + 1n;
    if (spec.change === 'description') again.description = 'changed';
    return again;
  };
  /** Turns abstract specs into transfers, remembering them for later references. */
  const concrete = (specs: TransferSpec[]): TransferInput[] =>
    specs.map((spec) => {
      const t = spec.op === 'new' || sent.length === 0 ? fresh(spec) : refer(spec);
      if (spec.linked) t.linked = true;
      sent.push(t);
      return t;
    });
  /** Money for the limited accounts to spend (wallet credited, cash debited). */
  const funding: TransferInput[] = [
    {
      id: newId(),
      debitAccountId: slots[0]!,
      creditAccountId: slots[1]!,
      amount: 150n,
      currency: 'EUR',
    },
    {
      id: newId(),
      debitAccountId: slots[2]!,
      creditAccountId: slots[3]!,
      amount: 150n,
      currency: 'EUR',
    },
  ];
  /** The day `daysBack` days before the clock's (UTC). */
  const through = (daysBack: number) =>
    new Date(world.clock.now().getTime() - daysBack * DAY_MS).toISOString().slice(0, 10);
  return { ...book, accounts, slots, concrete, funding, through };
}

describe.each(storages)('ledger properties on $name', { timeout: 300_000 }, (storage) => {
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

  /** The org's accounts, postings and open holds, as the invariants need them. */
  async function snapshot(orgId: string) {
    const db = world.kernel.db;
    const accounts = await db
      .select()
      .from(ledgerAccounts)
      .where(eq(ledgerAccounts.orgId, orgId))
      .orderBy(ledgerAccounts.id);
    const sums = await db
      .select({
        accountId: ledgerPostings.accountId,
        side: ledgerPostings.side,
        pending: ledgerPostings.pending,
        total: sql<string>`sum(${ledgerPostings.amount})::text`,
        count: sql<string>`count(*)::text`,
      })
      .from(ledgerPostings)
      .where(eq(ledgerPostings.orgId, orgId))
      .groupBy(ledgerPostings.accountId, ledgerPostings.side, ledgerPostings.pending)
      // In a fixed order: a rejected step must change nothing, and a hash aggregate's order
      // may differ from one plan to the next.
      .orderBy(ledgerPostings.accountId, ledgerPostings.side, ledgerPostings.pending);
    const holds = await db
      .select()
      .from(ledgerTransfers)
      .where(
        and(
          eq(ledgerTransfers.orgId, orgId),
          eq(ledgerTransfers.kind, 'pending'),
          eq(ledgerTransfers.status, 'pending'),
        ),
      );
    // the day totals the statements read, and the same sums taken from the postings
    const days = await db
      .select({
        accountId: ledgerAccountDays.accountId,
        day: ledgerAccountDays.day,
        debits: sql<string>`${ledgerAccountDays.debits}::text`,
        credits: sql<string>`${ledgerAccountDays.credits}::text`,
      })
      .from(ledgerAccountDays)
      .where(eq(ledgerAccountDays.orgId, orgId))
      .orderBy(ledgerAccountDays.accountId, ledgerAccountDays.day);
    const postedDays = await db
      .select({
        accountId: ledgerPostings.accountId,
        day: sql<string>`to_char(${ledgerTransfers.effectiveAt} at time zone 'UTC', 'YYYY-MM-DD')`,
        debits: sql<string>`sum(case when ${ledgerPostings.side} = 'debit' then ${ledgerPostings.amount} else 0 end)::text`,
        credits: sql<string>`sum(case when ${ledgerPostings.side} = 'credit' then ${ledgerPostings.amount} else 0 end)::text`,
      })
      .from(ledgerPostings)
      .innerJoin(
        ledgerTransfers,
        and(
          eq(ledgerTransfers.orgId, ledgerPostings.orgId),
          eq(ledgerTransfers.id, ledgerPostings.transferId),
        ),
      )
      .where(and(eq(ledgerPostings.orgId, orgId), eq(ledgerPostings.pending, false)))
      .groupBy(sql`1`, sql`2`)
      .orderBy(sql`1`, sql`2`);
    return { accounts, sums, holds, days, postedDays };
  }

  function checkInvariants(state: Awaited<ReturnType<typeof snapshot>>, now: Date): void {
    const perCurrency = new Map<string, bigint[]>();
    for (const a of state.accounts) {
      const t = perCurrency.get(a.currency) ?? [0n, 0n, 0n, 0n];
      perCurrency.set(a.currency, [
        t[0]! + a.debitsPosted,
        t[1]! + a.creditsPosted,
        t[2]! + a.debitsPending,
        t[3]! + a.creditsPending,
      ]);
      const sum = (side: string, pending: boolean) =>
        BigInt(
          state.sums.find((s) => s.accountId === a.id && s.side === side && s.pending === pending)
            ?.total ?? '0',
        );
      // every account's totals are the sums of its postings
      expect(
        [a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending],
        `postings of ${a.code}`,
      ).toEqual([
        sum('debit', false),
        sum('credit', false),
        sum('debit', true),
        sum('credit', true),
      ]);
      // limits hold, holds included
      if (a.debitsMustNotExceedCredits) {
        expect(a.debitsPending + a.debitsPosted).toBeLessThanOrEqual(a.creditsPosted);
      }
      if (a.creditsMustNotExceedDebits) {
        expect(a.creditsPending + a.creditsPosted).toBeLessThanOrEqual(a.debitsPosted);
      }
      // pending totals are exactly the open holds, none of them past its timeout
      const open = state.holds.filter((h) => h.timeoutAt === null || h.timeoutAt > now);
      const held = (side: 'debitAccountId' | 'creditAccountId') =>
        open.filter((h) => h[side] === a.id).reduce((s, h) => s + h.amount!, 0n);
      expect([a.debitsPending, a.creditsPending], `holds of ${a.code}`).toEqual([
        held('debitAccountId'),
        held('creditAccountId'),
      ]);
    }
    expect(state.holds.every((h) => h.timeoutAt === null || h.timeoutAt > now)).toBe(true);
    // each account's day totals are the sums of its posted postings that day
    expect(state.days).toEqual(state.postedDays);
    // double entry: debits equal credits in every currency, posted and pending
    for (const [currency, [dpo, cpo, dp, cp]] of perCurrency) {
      expect([dpo, dp], currency).toEqual([cpo, cp]);
    }
  }

  const moneyState = (s: Awaited<ReturnType<typeof snapshot>>) =>
    JSON.stringify({
      accounts: s.accounts.map((a) =>
        [a.id, a.closedAt, a.debitsPending, a.creditsPending, a.debitsPosted, a.creditsPosted].map(
          String,
        ),
      ),
      postings: s.sums.map((x) => [x.accountId, x.side, x.pending, x.total, x.count]),
      days: s.days,
    });

  it('keeps the books balanced after every step; rejected steps change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbStep(1), { minLength: 1, maxLength: 12 }), async (steps) => {
        const s = await scenario(world);
        await world.ledger.createTransfers(s.orgId, s.funding);
        // nothing else writes to this organisation: each step starts where the last one ended
        let before = await snapshot(s.orgId);
        for (const step of steps) {
          let rejected = false;
          if (step.step === 'batch') {
            const answer = await world.ledger.createTransfers(s.orgId, s.concrete(step.specs));
            rejected = answer.every((r) => r.result !== 'ok');
          } else if (step.step === 'expire') {
            world.clock.advance(step.seconds * 1000);
            await world.ledger.expirePending(s.orgId);
          } else if (step.step === 'closePeriod') {
            // closing a period changes no money, whether it is refused or not
            await world.ledger
              .closePeriod(s.orgId, s.entity.id, { through: s.through(step.daysBack) })
              .then(
                () => undefined,
                (error: IzaError) => expect(error.code).toBe('ledger_period_already_closed'),
              );
          } else {
            rejected = await world.ledger.closeAccount(s.orgId, s.slots[step.account]!).then(
              () => false,
              (error: IzaError) => {
                expect([
                  'account_closed',
                  'account_has_pending_transfers',
                  'account_has_balance',
                ]).toContain(error.code);
                return true;
              },
            );
          }
          const after = await snapshot(s.orgId);
          checkInvariants(after, world.clock.now());
          if (rejected) expect(moneyState(after)).toBe(moneyState(before));
          before = after;
        }
      }),
      { numRuns: storage.name === 'pglite' ? 100 : 60 },
    );
  });

  it('answers every transfer of random batches as the reference model predicts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbStep(8), { minLength: 1, maxLength: 8 }), async (steps) => {
        const s = await scenario(world);
        const model = new LedgerModel(world.clock.now().getTime());
        for (const a of s.accounts) {
          model.addAccount({
            id: a.id,
            entity: a.entityId,
            currency: a.currency,
            closed: false,
            closedThrough: null,
            debitsLimited: a.debitsMustNotExceedCredits,
            creditsLimited: a.creditsMustNotExceedDebits,
            dp: 0n,
            cp: 0n,
            dpo: 0n,
            cpo: 0n,
          });
        }
        model.batch(s.funding);
        await world.ledger.createTransfers(s.orgId, s.funding);
        for (const step of steps) {
          if (step.step === 'batch') {
            const batch = s.concrete(step.specs);
            const expected = model.batch(batch);
            const actual = (await world.ledger.createTransfers(s.orgId, batch)).map(
              (r) => r.result,
            );
            expect(actual).toEqual(expected);
          } else if (step.step === 'expire') {
            world.clock.advance(step.seconds * 1000);
            model.now = world.clock.now().getTime();
          } else if (step.step === 'closePeriod') {
            const through = s.through(step.daysBack);
            const expected = model.closePeriod(s.entity.id, through);
            const actual = await world.ledger.closePeriod(s.orgId, s.entity.id, { through }).then(
              () => 'ok',
              (error: IzaError) => error.code,
            );
            expect(actual).toBe(expected);
          } else {
            const expected = model.close(s.slots[step.account]!);
            const actual = await world.ledger.closeAccount(s.orgId, s.slots[step.account]!).then(
              () => 'ok',
              (error: IzaError) => error.code,
            );
            expect(actual).toBe(expected);
          }
          // The model's totals are the database's, once holds past their timeout are counted
          // as released on both sides (the database releases them lazily, the model at once).
          const now = world.clock.now();
          const state = await snapshot(s.orgId);
          const lapsed = state.holds.filter((h) => h.timeoutAt !== null && h.timeoutAt <= now);
          for (const a of s.accounts) {
            const row = state.accounts.find((r) => r.id === a.id)!;
            const held = (side: 'debitAccountId' | 'creditAccountId') =>
              lapsed.filter((h) => h[side] === a.id).reduce((sum, h) => sum + h.amount!, 0n);
            expect([
              row.debitsPending - held('debitAccountId'),
              row.creditsPending - held('creditAccountId'),
              row.debitsPosted,
              row.creditsPosted,
            ]).toEqual(model.effectiveTotals(a.id));
          }
        }
      }),
      { numRuns: storage.name === 'pglite' ? 100 : 60 },
    );
  });
});
