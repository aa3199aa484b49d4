import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId, runWithContext, type Actor } from '../kernel/index.ts';
import {
  MAX_BATCH,
  type Account,
  type TransferInput,
  type TransferResultCode,
} from './ledger.types.ts';
import {
  createBook,
  createLedgerWorld,
  resetLedger,
  single,
  type LedgerWorld,
} from './ledger.test-support.ts';
import { groupLength } from './transfers.group.ts';

const CREATE = 'ledger.transfers.create';

/** The ids a `ledger.transfers.create` entry lists as applied. */
function okIds(after: unknown): string[] | undefined {
  return (after as { results: Record<string, { ids: string[] }> }).results.ok?.ids;
}

describe('groupLength', () => {
  const call = (size: number, alone = false) => ({ size, alone });

  it('takes the waiting calls in order while they fit in one batch', () => {
    expect(groupLength([], MAX_BATCH)).toBe(0);
    expect(groupLength([call(1), call(1), call(1)], MAX_BATCH)).toBe(3);
    expect(groupLength([call(4095), call(4095), call(1)], MAX_BATCH)).toBe(2);
    // the first that does not fit waits, and so does every call behind it
    expect(groupLength([call(8000), call(191), call(1)], MAX_BATCH)).toBe(1);
    expect(groupLength([call(MAX_BATCH), call(1)], MAX_BATCH)).toBe(1);
  });

  it('gives a call marked alone a group of its own', () => {
    expect(groupLength([call(1, true), call(1)], MAX_BATCH)).toBe(1);
    expect(groupLength([call(1), call(1), call(1, true), call(1)], MAX_BATCH)).toBe(2);
  });
});

describe.each(storages)('group commit on $name', { timeout: 120_000 }, (storage) => {
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

  /**
   * Submits the calls in one tick, as concurrent callers would: they all queue before the
   * first group starts, so they form groups in this order.
   */
  const concurrently = (orgId: string, calls: TransferInput[][]) =>
    Promise.all(calls.map((batch) => world.ledger.createTransfers(orgId, batch)));
  const codes = (answers: { result: TransferResultCode }[][]) =>
    answers.map((answer) => answer.map((r) => r.result));
  const batchOf = async (orgId: string, ids: string[]) =>
    (await world.ledger.lookupTransfers(orgId, ids)).map((t) => t.batchId);
  /** The organisation's `ledger.transfers.create` entries, oldest first. */
  const auditEntries = async (orgId: string) =>
    (await world.audit.list(orgId, { action: CREATE, limit: 500 })).entries.reverse();

  async function accounts(book: Awaited<ReturnType<typeof createBook>>) {
    const a = await book.account();
    const b = await book.account();
    const wallet = await book.account({ type: 'liability', debitsMustNotExceedCredits: true });
    return { a, b, wallet };
  }

  it('runs concurrent calls as one transaction, each caller getting its own results', async () => {
    const book = await createBook(world.ledger);
    const { a, b, wallet } = await accounts(book);
    const calls = Array.from({ length: 8 }, (_, i) => [single(a, b, BigInt(i + 1))]);
    calls[3] = [single(a, b, 100n), single(wallet, b, 5n)];
    calls[5] = [single(a, a, 1n)];
    const answers = await concurrently(book.orgId, calls);

    answers.forEach((answer, i) => {
      expect(answer.map((r) => [r.id, r.index])).toEqual(calls[i]!.map((t, j) => [t.id, j]));
    });
    expect(codes(answers)).toEqual([
      ['ok'],
      ['ok'],
      ['ok'],
      ['ok', 'exceeds_credits'],
      ['ok'],
      ['accounts_must_be_different'],
      ['ok'],
      ['ok'],
    ]);
    const stored = calls.flat().filter((_, i) => i !== 6); // the refused one is not stored
    expect(
      new Set(
        await batchOf(
          book.orgId,
          stored.map((t) => t.id),
        ),
      ).size,
    ).toBe(1);
    expect((await world.ledger.getAccount(book.orgId, b.id)).creditsPosted).toBe(
      1n + 2n + 3n + 100n + 5n + 7n + 8n,
    );
    // one entry per caller that wrote (not the one whose only transfer was refused as invalid),
    // each naming its own transfers, all naming the one batch
    const entries = await auditEntries(book.orgId);
    expect(entries).toHaveLength(7);
    expect(new Set(entries.map((e) => e.entityId)).size).toBe(1);
    expect(entries.map((e) => okIds(e.after))).toEqual(
      [0, 1, 2, 3, 4, 6, 7].map((i) => [calls[i]![0]!.id]),
    );
    const [spent, refused] = calls[3];
    expect(entries[3]!.after).toMatchObject({
      count: 2,
      results: {
        ok: { count: 1, ids: [spent!.id], totals: { EUR: '100' } },
        exceeds_credits: { count: 1, ids: [refused!.id] },
      },
    });
  });

  it('answers duplicate ids across callers as if the calls had run one after another', async () => {
    const [t, spend, twice, last] = [newId(), newId(), newId(), newId()];
    const build = (x: Awaited<ReturnType<typeof accounts>>): TransferInput[][] => [
      [single(x.a, x.b, 25n, { id: t })],
      [single(x.a, x.b, 25n, { id: t })],
      [single(x.a, x.b, 26n, { id: t })],
      [single(x.wallet, x.b, 10n, { id: spend })],
      [single(x.wallet, x.b, 10n, { id: spend })],
      [single(x.a, x.b, 1n, { id: twice }), single(x.a, x.b, 1n, { id: twice })],
      [single(x.a, x.b, 25n, { id: t }), single(x.b, x.a, 2n, { id: last })],
    ];
    const grouped = await createBook(world.ledger);
    const groupedCalls = build(await accounts(grouped));
    const answers = codes(await concurrently(grouped.orgId, groupedCalls));
    expect(answers).toEqual([
      ['ok'],
      ['exists'],
      ['exists_with_different_amount'],
      ['exceeds_credits'],
      ['exceeds_credits'],
      ['ok', 'exists'],
      ['exists', 'ok'],
    ]);
    const ids = [groupedCalls[0]![0]!.id, groupedCalls[5]![0]!.id];
    expect(new Set(await batchOf(grouped.orgId, ids))).toHaveProperty('size', 1);

    // the same calls one after another, in another organisation (ids are per organisation)
    const sequential = await createBook(world.ledger);
    const sequentialAccounts = await accounts(sequential);
    const one: string[][] = [];
    for (const batch of build(sequentialAccounts)) {
      one.push((await world.ledger.createTransfers(sequential.orgId, batch)).map((r) => r.result));
    }
    expect(answers).toEqual(one);
    const summaries = async (orgId: string) =>
      (await auditEntries(orgId)).map((e) => [e.actorType, e.after]);
    // callers who only met a stored id wrote nothing, so they have no entry either way
    expect(await summaries(grouped.orgId)).toHaveLength(4);
    expect(await summaries(grouped.orgId)).toEqual(await summaries(sequential.orgId));
  });

  it('credits an expired hold to the caller whose own batch would have released it', async () => {
    // The first caller resolves a plain transfer and the second a hold the third creates: alone,
    // neither batch locks those accounts, so neither releases the expired hold on them.
    const plain = newId();
    const hold = newId();
    const later = newId();
    const build = (x: Awaited<ReturnType<typeof accounts>>): TransferInput[][] => [
      [{ id: newId(), kind: 'post_pending', pendingId: plain }],
      [{ id: newId(), kind: 'post_pending', pendingId: later }],
      [single(x.b, x.a, 1n, { id: later, kind: 'pending' })],
    ];
    const prepare = async () => {
      const book = await createBook(world.ledger);
      const x = await accounts(book);
      await world.ledger.createTransfers(book.orgId, [
        single(x.a, x.b, 3n, { id: plain }),
        single(x.a, x.b, 5n, { id: hold, kind: 'pending', timeoutSeconds: 10 }),
      ]);
      return { book, calls: build(x) };
    };
    const grouped = await prepare();
    const sequential = await prepare();
    world.clock.advance(15_000);

    const answers = codes(await concurrently(grouped.book.orgId, grouped.calls));
    const one: TransferResultCode[][] = [];
    for (const batch of sequential.calls) {
      one.push(
        (await world.ledger.createTransfers(sequential.book.orgId, batch)).map((r) => r.result),
      );
    }
    expect(answers).toEqual([
      ['pending_transfer_not_pending'],
      ['pending_transfer_not_found'],
      ['ok'],
    ]);
    expect(answers).toEqual(one);
    const released = async (orgId: string) =>
      (await auditEntries(orgId)).map((e) => (e.after as { expired: string[] }).expired);
    // the funding call released nothing; the expired hold is the third caller's
    expect(await released(grouped.book.orgId)).toEqual([[], [], [], [hold]]);
    expect(await released(grouped.book.orgId)).toEqual(await released(sequential.book.orgId));
  });

  it('runs a call ending in an open linked chain alone', async () => {
    const book = await createBook(world.ledger);
    const { a, b } = await accounts(book);
    const calls = [
      [single(a, b, 1n)],
      [single(a, b, 2n), single(a, b, 3n, { linked: true })],
      [single(a, b, 4n)],
      [single(a, b, 5n, { linked: true }), single(a, b, 6n)],
    ];
    expect(codes(await concurrently(book.orgId, calls))).toEqual([
      ['ok'],
      // had the chain run on into the next caller's transfer, both would have been applied
      ['ok', 'linked_event_chain_open'],
      ['ok'],
      ['ok', 'ok'],
    ]);
    expect(await world.ledger.lookupTransfers(book.orgId, [calls[1]![1]!.id])).toEqual([]);
    const [first, second, third, fourth] = await batchOf(
      book.orgId,
      [calls[0]!, [calls[1]![0]!], calls[2]!, [calls[3]![0]!]].map((c) => c[0]!.id),
    );
    // [0] then [1] alone, then [2] and [3] together
    expect(new Set([first, second, third])).toHaveProperty('size', 3);
    expect(fourth).toBe(third);
    expect((await world.ledger.getAccount(book.orgId, b.id)).creditsPosted).toBe(18n);
  });

  it("records one audit entry per caller with the caller's own actor and correlation id", async () => {
    const book = await createBook(world.ledger);
    const { a, b } = await accounts(book);
    const actors: Actor[] = [
      { type: 'user', id: newId(), orgId: book.orgId },
      { type: 'apikey', id: newId(), orgId: book.orgId },
      { type: 'user', id: newId(), orgId: book.orgId },
    ];
    const calls = actors.map((_, i) => [single(a, b, BigInt(i + 1)), single(b, a, 1n)]);
    const anonymous = [single(a, b, 9n)];
    await Promise.all([
      ...actors.map((actor, i) =>
        runWithContext({ correlationId: `request-${i}`, actor }, () =>
          world.ledger.createTransfers(book.orgId, calls[i]!),
        ),
      ),
      world.ledger.createTransfers(book.orgId, anonymous),
    ]);
    const entries = await auditEntries(book.orgId);
    expect(entries.map((e) => [e.actorType, e.actorId, e.requestId])).toEqual([
      ...actors.map((actor, i) => [actor.type, actor.id, `request-${i}`]),
      ['system', null, null],
    ]);
    expect(entries.map((e) => okIds(e.after))).toEqual(
      [...calls, anonymous].map((call) => call.map((t) => t.id)),
    );
    expect(new Set(entries.map((e) => e.entityId))).toHaveProperty('size', 1);
    expect((await world.audit.verify({ orgId: book.orgId })).ok).toBe(true);
  });

  it("fails only the caller whose batch the database refuses, the others' calls run alone", async () => {
    const book = await createBook(world.ledger);
    const { a, b } = await accounts(book);
    // text columns cannot hold a NUL character: the group's insert fails
    const calls = [
      [single(a, b, 1n)],
      [single(a, b, 2n, { description: 'nul \u0000 byte' })],
      [single(a, b, 3n)],
    ];
    const settled = await Promise.allSettled(
      calls.map((batch) => world.ledger.createTransfers(book.orgId, batch)),
    );
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const [first, , third] = settled.map((s) => (s.status === 'fulfilled' ? s.value : []));
    expect([first!.map((r) => r.result), third!.map((r) => r.result)]).toEqual([['ok'], ['ok']]);
    const batches = await batchOf(book.orgId, [calls[0]![0]!.id, calls[2]![0]!.id]);
    expect(new Set(batches)).toHaveProperty('size', 2);
    expect(await world.ledger.lookupTransfers(book.orgId, [calls[1]![0]!.id])).toEqual([]);
    expect((await world.ledger.getAccount(book.orgId, b.id)).creditsPosted).toBe(4n);
    expect(await auditEntries(book.orgId)).toHaveLength(2);
  });

  it('never lets a group pass MAX_BATCH transfers', async () => {
    const book = await createBook(world.ledger);
    const { a, b } = await accounts(book);
    const calls = [4095, 4095, 1].map((n) => Array.from({ length: n }, () => single(a, b, 1n)));
    const answers = await concurrently(book.orgId, calls);
    expect(answers.map((answer) => answer.every((r) => r.result === 'ok'))).toEqual([
      true,
      true,
      true,
    ]);
    const [first, second, third] = await batchOf(
      book.orgId,
      calls.map((c) => c[0]!.id),
    );
    expect(second).toBe(first);
    expect(third).not.toBe(first);
  });

  it('gives grouped callers what the same calls one after another give', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbRound, { minLength: 1, maxLength: 4 }), async (rounds) => {
        const plan = concretePlan(rounds);
        const grouped = await scenarioBook(world);
        const sequential = await scenarioBook(world);
        for (const round of plan) {
          const together = codes(
            await concurrently(
              grouped.orgId,
              round.calls.map((call) => call(grouped.slots)),
            ),
          );
          const inTurn: TransferResultCode[][] = [];
          for (const call of round.calls) {
            const batch = call(sequential.slots);
            inTurn.push(
              (await world.ledger.createTransfers(sequential.orgId, batch)).map((r) => r.result),
            );
          }
          expect(together).toEqual(inTurn);
          world.clock.advance(round.advanceSeconds * 1000);
        }
        const state = async (book: Awaited<ReturnType<typeof scenarioBook>>) => {
          await world.ledger.expirePending(book.orgId);
          const all = await world.ledger.listAccounts(book.orgId);
          const bySlot = book.slots.map((id) => all.find((x) => x.id === id));
          return {
            totals: bySlot.map((x) =>
              x ? [x.debitsPending, x.creditsPending, x.debitsPosted, x.creditsPosted] : null,
            ),
            audit: (await auditEntries(book.orgId)).map((e) => e.after),
          };
        };
        expect(await state(grouped)).toEqual(await state(sequential));
      }),
      { numRuns: 12 },
    );
  });
});

/** A transfer of a generated call: accounts by slot, earlier transfers by number. */
type Spec =
  | {
      op: 'new';
      kind: 'single' | 'pending';
      accounts: [number, number];
      amount: bigint;
      timeout: number;
      linked: boolean;
    }
  | { op: 'resolve'; kind: 'post_pending' | 'void_pending'; target: number; linked: boolean }
  | { op: 'again'; target: number; change: boolean; linked: boolean };

const SLOTS = 5; // four accounts and an id that names none
const arbSpec: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('new' as const),
      kind: fc.constantFrom('single' as const, 'pending' as const),
      accounts: fc
        .tuple(fc.nat(SLOTS - 1), fc.nat(SLOTS - 1))
        .filter(([d, c]) => d !== c || d === 0),
      amount: fc.oneof(fc.bigInt(1n, 80n), fc.constant(0n)),
      timeout: fc.constantFrom(0, 0, 10),
      linked: fc.nat(5).map((n) => n === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('resolve' as const),
      kind: fc.constantFrom('post_pending' as const, 'void_pending' as const),
      target: fc.nat(40),
      linked: fc.nat(5).map((n) => n === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('again' as const),
      target: fc.nat(40),
      change: fc.boolean(),
      linked: fc.nat(5).map((n) => n === 0),
    }),
  },
);
const arbRound = fc.record({
  calls: fc.array(fc.array(arbSpec, { minLength: 1, maxLength: 3 }), {
    minLength: 1,
    maxLength: 5,
  }),
  advanceSeconds: fc.constantFrom(0, 0, 15),
});

/**
 * Fixes ids and references once, so that both organisations get the same transfers (ids are per
 * organisation); each call is then made for one organisation's account ids.
 */
function concretePlan(rounds: Round[]) {
  const sent: TransferInput[] = []; // with slot numbers as account ids
  return rounds.map((round) => ({
    advanceSeconds: round.advanceSeconds,
    calls: round.calls.map((specs) => {
      const batch = specs.map((spec) => {
        const t = concrete(spec, sent);
        sent.push(t);
        return t;
      });
      return (slots: readonly string[]) =>
        batch.map((t) => ({
          ...t,
          ...(t.debitAccountId === undefined
            ? {}
            : { debitAccountId: slots[Number(t.debitAccountId)]! }),
          ...(t.creditAccountId === undefined
            ? {}
            : { creditAccountId: slots[Number(t.creditAccountId)]! }),
        }));
    }),
  }));
}

type Round = { calls: Spec[][]; advanceSeconds: number };

function concrete(spec: Spec, sent: readonly TransferInput[]): TransferInput {
  const linked = spec.linked ? { linked: true } : {};
  if (spec.op === 'new' || sent.length === 0) {
    const s = spec.op === 'new' ? spec : undefined;
    return {
      id: newId(),
      kind: s?.kind ?? 'single',
      debitAccountId: String(s?.accounts[0] ?? 0),
      creditAccountId: String(s?.accounts[1] ?? 1),
      amount: s?.amount ?? 1n,
      currency: 'EUR',
      ...(s?.kind === 'pending' && s.timeout > 0 ? { timeoutSeconds: s.timeout } : {}),
      ...linked,
    };
  }
  if (spec.op === 'resolve') {
    const holds = sent.filter((t) => t.kind === 'pending');
    const pool = holds.length > 0 ? holds : sent;
    return {
      id: newId(),
      kind: spec.kind,
      pendingId: pool[spec.target % pool.length]!.id,
      ...linked,
    };
  }
  const again: TransferInput = { ...sent[spec.target % sent.length]!, ...linked };
  if (!spec.linked) delete again.linked;
  if (spec.change) again.amount = (again.amount ?? 0n) + 1n;
  return again;
}

/** A fresh organisation with accounts by slot: plain, a wallet that cannot go below zero,
 * one whose credits cannot pass its debits, an expense, and an id that names no account. */
async function scenarioBook(world: LedgerWorld) {
  const book = await createBook(world.ledger);
  const accounts: Account[] = [
    await book.account(),
    await book.account({ type: 'liability', debitsMustNotExceedCredits: true }),
    await book.account({ creditsMustNotExceedDebits: true }),
    await book.account({ type: 'expense' }),
  ];
  const slots = [...accounts.map((x) => x.id), UNKNOWN_ACCOUNT];
  const funding: TransferInput[] = [
    single(slots[0]!, slots[1]!, 100n, { id: FUNDING[0] }),
    single(slots[2]!, slots[3]!, 100n, { id: FUNDING[1] }),
  ];
  await world.ledger.createTransfers(book.orgId, funding);
  return { orgId: book.orgId, slots };
}

const UNKNOWN_ACCOUNT = newId();
const FUNDING = [newId(), newId()];
