import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId } from '../kernel/index.ts';
import { CHART_TEMPLATE } from './chart.ts';
import { ledgerPostings, ledgerTransfers } from './ledger.schema.ts';
import {
  MAX_AMOUNT,
  TRANSFER_RESULT_CODES,
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

describe.each(storages)('ledger service on $name', { timeout: 60_000 }, (storage) => {
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

  describe('entities and accounts', () => {
    it('gives a new entity the template chart in its base currency, with parents', async () => {
      const { orgId, entity, chart } = await createBook(world.ledger, 'USD');
      expect(chart.map((a) => a.code)).toEqual(CHART_TEMPLATE.map((a) => a.code));
      expect(new Set(chart.map((a) => a.currency))).toEqual(new Set(['USD']));
      const byCode = new Map(chart.map((a) => [a.code, a]));
      expect(byCode.get('4100')!.parentAccountId).toBe(byCode.get('4000')!.id);
      expect(byCode.get('1000')!.creditsMustNotExceedDebits).toBe(true);
      for (const code of ['1000', '1100', '1200', '1300', '2000', '2100', '2200', '3000', '6900']) {
        expect(byCode.has(code), code).toBe(true);
      }
      expect(await world.ledger.listAccounts(orgId, { entityId: entity.id })).toHaveLength(
        CHART_TEMPLATE.length,
      );
      expect(await world.ledger.getEntity(orgId, entity.id)).toEqual(entity);
    });

    it('keeps the entity list while nothing changes it, and lists a new entity and a close', async () => {
      const { orgId, entity, chart } = await createBook(world.ledger);
      const first = await world.ledger.entityList(orgId);
      expect(first).toEqual(await world.ledger.listEntities(orgId));
      // A transfer changes no entity: the same list object (the route's JSON is kept with it).
      const code = (c: string) => chart.find((a) => a.code === c)!.id;
      const transfer = {
        id: newId(),
        debitAccountId: code('1100'),
        creditAccountId: code('3000'),
        amount: 100n,
        currency: 'EUR',
      };
      expect(await results(orgId, [transfer])).toEqual(['ok']);
      expect(await world.ledger.entityList(orgId)).toBe(first);
      const child = await world.ledger.createEntity(orgId, {
        code: 'ZETA',
        name: 'Zeta',
        kind: 'venture',
        baseCurrency: 'EUR',
        parentId: entity.id,
      });
      const second = await world.ledger.entityList(orgId);
      expect(second.map((e) => e.code)).toEqual([...first.map((e) => e.code), 'ZETA']);
      await world.ledger.closePeriod(orgId, child.entity.id, { through: '2025-12-31' });
      const third = await world.ledger.entityList(orgId);
      expect(third.find((e) => e.code === 'ZETA')!.closedThrough).toBe('2025-12-31');
      expect(third).toEqual(await world.ledger.listEntities(orgId));
      // Another organisation's list is its own.
      const other = await createBook(world.ledger);
      expect((await world.ledger.entityList(other.orgId)).map((e) => e.id)).toEqual([
        other.entity.id,
      ]);
    });

    it('keeps entity codes unique per organisation and parents in the organisation', async () => {
      const { orgId, entity } = await createBook(world.ledger);
      const again = { code: 'ACME', name: 'Other', kind: 'venture' as const, baseCurrency: 'EUR' };
      await expect(world.ledger.createEntity(orgId, again)).rejects.toMatchObject({
        code: 'conflict',
      });
      // the same code in another organisation is fine, but not a parent from this one
      const other = newId();
      await world.ledger.createEntity(other, again);
      await expect(
        world.ledger.createEntity(other, { ...again, code: 'SUB', parentId: entity.id }),
      ).rejects.toMatchObject({ code: 'not_found' });
      const child = await world.ledger.createEntity(orgId, {
        ...again,
        code: 'SUB',
        kind: 'venture',
        parentId: entity.id,
      });
      expect(child.entity.parentId).toBe(entity.id);
      expect((await world.ledger.listEntities(orgId)).map((e) => e.code)).toEqual(['ACME', 'SUB']);
      // The list gives each entity as getEntity does; filtered on the parent, the top or children.
      await world.ledger.closePeriod(orgId, child.entity.id, { through: '2026-01-31' });
      const [top, sub] = await Promise.all([
        world.ledger.getEntity(orgId, entity.id),
        world.ledger.getEntity(orgId, child.entity.id),
      ]);
      expect(sub.closedThrough).toBe('2026-01-31');
      expect(await world.ledger.listEntities(orgId)).toEqual([top, sub]);
      expect(await world.ledger.listEntities(orgId, { parentId: null })).toEqual([top]);
      expect(await world.ledger.listEntities(orgId, { parentId: entity.id })).toEqual([sub]);
      expect(await world.ledger.listEntities(other, { parentId: entity.id })).toEqual([]);
      expect(await world.ledger.listEntities(orgId, { parentId: 'SUB' })).toEqual([]);
      expect(await world.ledger.listEntities(newId())).toEqual([]);
      await expect(world.ledger.getEntity(other, entity.id)).rejects.toMatchObject({
        code: 'not_found',
      });
    });

    it('audits entity and account creation and closing in the organisation chain', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const a = await account();
      await world.ledger.closeAccount(orgId, a.id);
      const page = await world.audit.list(orgId);
      expect(page.entries.map((e) => e.action)).toEqual([
        'ledger.account.close',
        'ledger.account.create',
        'ledger.entity.create',
      ]);
    });

    it('refuses closing an account with holds, and closing twice', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const [a, b] = [await account(), await account()];
      const hold = single(a, b, 5n, { kind: 'pending' });
      await world.ledger.createTransfers(orgId, [hold]);
      await expect(world.ledger.closeAccount(orgId, a.id)).rejects.toMatchObject({
        code: 'account_has_pending_transfers',
      });
      await world.ledger.createTransfers(orgId, [
        { id: newId(), kind: 'void_pending', pendingId: hold.id },
      ]);
      const closed = await world.ledger.closeAccount(orgId, a.id);
      expect(closed.closedAt).toEqual(world.clock.now());
      await expect(world.ledger.closeAccount(orgId, a.id)).rejects.toMatchObject({
        code: 'account_closed',
      });
    });

    it('reports balances on the normal side of each account type', async () => {
      const { orgId, chart } = await createBook(world.ledger);
      const code = (c: string) => chart.find((a) => a.code === c)!;
      await results(orgId, [single(code('1100'), code('3000'), 10_000n)]);
      const bank = await world.ledger.getAccount(orgId, code('1100').id);
      const capital = await world.ledger.getAccount(orgId, code('3000').id);
      expect(bank).toMatchObject({ debitsPosted: 10_000n, balance: 10_000n });
      expect(capital).toMatchObject({ creditsPosted: 10_000n, balance: 10_000n });
    });
  });

  describe('result codes', () => {
    /** Each case builds its state and a batch; the last transfer's result is checked. */
    type Case = (book: Awaited<ReturnType<typeof createBook>>) => Promise<TransferInput[]>;
    const plain: Case = async ({ account }) => [single(await account(), await account(), 1n)];
    const pendingOf = async (
      { orgId, account }: Awaited<ReturnType<typeof createBook>>,
      amount = 10n,
      extra: Partial<TransferInput> = {},
    ) => {
      const [a, b] = [await account(), await account()];
      const hold = single(a, b, amount, { kind: 'pending', ...extra });
      expect(await results(orgId, [hold])).toEqual(['ok']);
      return { a, b, hold };
    };
    const resolve = (pendingId: string, extra: Partial<TransferInput> = {}): TransferInput => ({
      id: newId(),
      kind: 'post_pending',
      pendingId,
      ...extra,
    });
    /** A transfer stored first, then `change` applied to a copy submitted under the same id. */
    const existing =
      (change: (t: TransferInput) => TransferInput, kind: 'single' | 'pending' = 'single'): Case =>
      async (book) => {
        const [a, b] = [await book.account(), await book.account()];
        const first = single(a, b, 7n, {
          kind,
          description: 'rent',
          metadata: { invoice: 'A-1', lines: [1, 2] },
          effectiveAt: new Date('2026-02-28T00:00:00.000Z'),
          ...(kind === 'pending' ? { timeoutSeconds: 60 } : {}),
        });
        expect(await results(book.orgId, [first])).toEqual(['ok']);
        return [change({ ...first })];
      };

    const cases: Record<Exclude<TransferResultCode, 'ok'>, Case> = {
      exists: existing((t) => ({ ...t, metadata: { lines: [1, 2], invoice: 'A-1' } })),
      exists_with_different_kind: existing((t) => ({ ...t, kind: 'pending' })),
      exists_with_different_pending_id: async (book) => {
        const { hold } = await pendingOf(book);
        const post = resolve(hold.id);
        await results(book.orgId, [post]);
        return [{ ...post, pendingId: newId() }];
      },
      exists_with_different_debit_account_id: existing((t) => ({ ...t, debitAccountId: newId() })),
      exists_with_different_credit_account_id: existing((t) => ({
        ...t,
        creditAccountId: newId(),
      })),
      exists_with_different_amount: existing((t) => ({ ...t, amount: 8n })),
      exists_with_different_currency: existing((t) => ({ ...t, currency: 'USD' })),
      exists_with_different_timeout: existing((t) => ({ ...t, timeoutSeconds: 61 }), 'pending'),
      exists_with_different_effective_at: existing((t) => ({ ...t, effectiveAt: new Date(0) })),
      exists_with_different_description: existing((t) => ({ ...t, description: 'Rent' })),
      exists_with_different_metadata: existing((t) => ({ ...t, metadata: { invoice: 'A-2' } })),
      exists_with_different_reverses_id: async ({ orgId, account }) => {
        const t = single(await account(), await account(), 3n);
        await results(orgId, [t]);
        const correction = newId();
        expect((await world.ledger.reverseTransfer(orgId, t.id, correction)).result).toBe('ok');
        const stored = await world.ledger.getTransfer(orgId, correction);
        // the same fields without the link to the reversed transfer
        return [
          {
            id: correction,
            debitAccountId: stored.debitAccountId!,
            creditAccountId: stored.creditAccountId!,
            amount: 3n,
            currency: 'EUR',
            description: stored.description!,
          },
        ];
      },
      linked_event_failed: async ({ account }) => {
        const [a, b] = [await account(), await account()];
        return [single(a, a, 1n, { linked: true }), single(a, b, 1n)];
      },
      linked_event_chain_open: async ({ account }) => [
        single(await account(), await account(), 1n, { linked: true }),
      ],
      accounts_must_be_different: async ({ account }) => {
        const a = await account();
        return [single(a, a, 1n)];
      },
      amount_must_be_positive: async (book) => [{ ...(await plain(book))[0]!, amount: 0n }],
      amount_too_large: async (book) => [{ ...(await plain(book))[0]!, amount: MAX_AMOUNT + 1n }],
      debit_account_id_required: async (book) => [
        { ...(await plain(book))[0]!, debitAccountId: undefined },
      ],
      credit_account_id_required: async (book) => [
        { ...(await plain(book))[0]!, creditAccountId: undefined },
      ],
      amount_required: async (book) => [{ ...(await plain(book))[0]!, amount: undefined }],
      currency_required: async (book) => [{ ...(await plain(book))[0]!, currency: undefined }],
      currency_invalid: async (book) => [{ ...(await plain(book))[0]!, currency: 'eur' }],
      effective_at_too_late: async (book) => [
        // START is 2026-03-01: the default horizon is 366 days.
        { ...(await plain(book))[0]!, effectiveAt: new Date('2027-03-03T00:00:00.000Z') },
      ],
      pending_id_required: async () => [{ id: newId(), kind: 'void_pending' }],
      pending_id_must_not_be_set: async (book) => [
        { ...(await plain(book))[0]!, pendingId: newId() },
      ],
      pending_id_must_be_different: async () => {
        const id = newId();
        return [{ id, kind: 'post_pending', pendingId: id }];
      },
      timeout_reserved_for_pending_transfer: async (book) => [
        { ...(await plain(book))[0]!, timeoutSeconds: 5 },
      ],
      timeout_invalid: async (book) => [
        { ...(await plain(book))[0]!, kind: 'pending', timeoutSeconds: 1.5 },
      ],
      debit_account_not_found: async ({ account }) => [single(newId(), await account(), 1n)],
      credit_account_not_found: async ({ account }) => [single(await account(), newId(), 1n)],
      account_closed: async ({ orgId, account }) => {
        const [a, b] = [await account(), await account()];
        await world.ledger.closeAccount(orgId, b.id);
        return [single(a, b, 1n)];
      },
      period_closed: async ({ orgId, entity, account }) => {
        const [a, b] = [await account(), await account()];
        await world.ledger.closePeriod(orgId, entity.id, { through: '2026-02-27' });
        return [single(a, b, 1n, { effectiveAt: new Date('2026-02-27T23:59:59.999Z') })];
      },
      accounts_must_have_the_same_entity: async ({ orgId, entity, account }) => {
        const { entity: other } = await world.ledger.createEntity(orgId, {
          code: 'SUB',
          name: 'Subsidiary',
          kind: 'venture',
          baseCurrency: 'EUR',
          parentId: entity.id,
        });
        const elsewhere = await world.ledger.createAccount(orgId, {
          entityId: other.id,
          code: '1000X',
          name: 'Elsewhere',
          type: 'asset',
        });
        return [single(await account(), elsewhere, 1n)];
      },
      currency_mismatch: async ({ account }) => [
        single(await account(), await account({ currency: 'USD' }), 1n),
      ],
      overflows_debits: async ({ orgId, account }) => {
        const [a, b, c] = [await account(), await account(), await account()];
        await results(orgId, [single(a, b, MAX_AMOUNT)]);
        return [single(a, c, 1n)];
      },
      overflows_credits: async ({ orgId, account }) => {
        const [a, b, c] = [await account(), await account(), await account()];
        await results(orgId, [single(a, b, MAX_AMOUNT)]);
        return [single(c, b, 1n)];
      },
      exceeds_credits: async ({ orgId, account }) => {
        const wallet = await account({ type: 'liability', debitsMustNotExceedCredits: true });
        const bank = await account();
        await results(orgId, [single(bank, wallet, 100n), single(wallet, bank, 60n)]);
        // 40 left, but a hold of 30 is counted
        await results(orgId, [single(wallet, bank, 30n, { kind: 'pending' })]);
        return [single(wallet, bank, 11n)];
      },
      exceeds_debits: async ({ orgId, account }) => {
        const cash = await account({ creditsMustNotExceedDebits: true });
        const equity = await account({ type: 'equity' });
        await results(orgId, [single(cash, equity, 50n)]);
        return [single(equity, cash, 51n)];
      },
      pending_transfer_not_found: async () => [resolve(newId())],
      pending_transfer_not_pending: async ({ orgId, account }) => {
        const t = single(await account(), await account(), 1n);
        await results(orgId, [t]);
        return [resolve(t.id)];
      },
      pending_transfer_has_different_debit_account_id: async (book) => {
        const { hold, b } = await pendingOf(book);
        return [resolve(hold.id, { debitAccountId: b.id })];
      },
      pending_transfer_has_different_credit_account_id: async (book) => {
        const { hold, a } = await pendingOf(book);
        return [resolve(hold.id, { creditAccountId: a.id })];
      },
      pending_transfer_has_different_currency: async (book) => {
        const { hold } = await pendingOf(book);
        return [resolve(hold.id, { currency: 'USD' })];
      },
      pending_transfer_has_different_amount: async (book) => {
        const { hold } = await pendingOf(book);
        return [resolve(hold.id, { kind: 'void_pending', amount: 9n })];
      },
      pending_transfer_already_posted: async (book) => {
        const { hold } = await pendingOf(book);
        await results(book.orgId, [resolve(hold.id)]);
        return [resolve(hold.id, { kind: 'void_pending' })];
      },
      pending_transfer_already_voided: async (book) => {
        const { hold } = await pendingOf(book);
        await results(book.orgId, [resolve(hold.id, { kind: 'void_pending' })]);
        return [resolve(hold.id)];
      },
      pending_transfer_expired: async (book) => {
        const { hold } = await pendingOf(book, 10n, { timeoutSeconds: 30 });
        world.clock.advance(30_000);
        return [resolve(hold.id)];
      },
      exceeds_pending_transfer_amount: async (book) => {
        const { hold } = await pendingOf(book);
        return [resolve(hold.id, { amount: 11n })];
      },
      transfer_already_reversed: async ({ orgId, account }) => {
        const t = single(await account(), await account(), 3n);
        await results(orgId, [t]);
        await world.ledger.reverseTransfer(orgId, t.id, newId());
        const again = await world.ledger.reverseTransfer(orgId, t.id, newId());
        expect(again.result).toBe('transfer_already_reversed');
        return [];
      },
    };

    it('has a case for every code', () => {
      const all = TRANSFER_RESULT_CODES.filter((code) => code !== 'ok');
      expect(Object.keys(cases).sort()).toEqual([...all].sort());
    });

    it.each(Object.entries(cases))('%s', async (code, build) => {
      const book = await createBook(world.ledger);
      const batch = await build(book);
      if (batch.length === 0) return; // the case checked its code itself
      const answer = await results(book.orgId, batch);
      expect(answer[answer.length - 1]).toBe(code);
    });
  });

  describe('idempotency', () => {
    it('applies a transfer once however often it is sent, in one batch or many', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const [a, b] = [await account(), await account()];
      const t = single(a, b, 25n);
      expect(await results(orgId, [t, t])).toEqual(['ok', 'exists']);
      expect(await results(orgId, [t])).toEqual(['exists']);
      expect((await world.ledger.getAccount(orgId, a.id)).debitsPosted).toBe(25n);
    });

    it('answers K concurrent submissions of one id with one ok and K-1 exists', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const [a, b] = [await account(), await account()];
      const t = single(a, b, 25n);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => world.ledger.createTransfers(orgId, [t])),
      );
      const codes = answers.map(([r]) => r!.result).sort();
      expect(codes).toEqual([
        'exists',
        'exists',
        'exists',
        'exists',
        'exists',
        'exists',
        'exists',
        'ok',
      ]);
      expect((await world.ledger.getAccount(orgId, b.id)).creditsPosted).toBe(25n);
    });

    it('does not consume the id of a request naming accounts that cannot take it', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const other = await createBook(world.ledger);
      const [a, b] = [await account(), await account()];
      const dollars = await account({ currency: 'USD' });
      const foreign = await other.account();
      const id = newId();
      for (const [wrong, code] of [
        [single(a, newId(), 5n, { id }), 'credit_account_not_found'],
        [single(newId(), b, 5n, { id }), 'debit_account_not_found'],
        // another organisation's account is not found either
        [single(a, foreign, 5n, { id }), 'credit_account_not_found'],
        [single(a, dollars, 5n, { id }), 'currency_mismatch'],
        [single(a, b, 0n, { id }), 'amount_must_be_positive'],
        [single(a, a, 5n, { id }), 'accounts_must_be_different'],
      ] as const) {
        expect(await results(orgId, [wrong])).toEqual([code]);
      }
      expect(await world.ledger.lookupTransfers(orgId, [id])).toEqual([]);
      expect(await results(orgId, [single(a, b, 5n, { id })])).toEqual(['ok']);
      expect((await world.ledger.getAccount(orgId, b.id)).creditsPosted).toBe(5n);
    });

    it('repeats a stored failure even when the state would now allow the transfer', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const wallet = await account({ type: 'liability', debitsMustNotExceedCredits: true });
      const bank = await account();
      const spend = single(wallet, bank, 10n);
      expect(await results(orgId, [spend])).toEqual(['exceeds_credits']);
      expect(await results(orgId, [single(bank, wallet, 100n)])).toEqual(['ok']);
      expect(await results(orgId, [spend])).toEqual(['exceeds_credits']);
      const [stored] = await world.ledger.lookupTransfers(orgId, [spend.id]);
      expect(stored).toMatchObject({ status: 'failed', result: 'exceeds_credits' });
      // a new id is a new attempt
      expect(await results(orgId, [{ ...spend, id: newId() }])).toEqual(['ok']);
    });

    it('does not store validation failures: a corrected retry succeeds', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const t = single(await account(), await account(), 0n);
      expect(await results(orgId, [t])).toEqual(['amount_must_be_positive']);
      expect(await world.ledger.lookupTransfers(orgId, [t.id])).toEqual([]);
      expect(await results(orgId, [{ ...t, amount: 1n }])).toEqual(['ok']);
    });

    it('keeps ids per organisation', async () => {
      const one = await createBook(world.ledger);
      const two = await createBook(world.ledger);
      const t = single(await one.account(), await one.account(), 5n);
      expect(await results(one.orgId, [t])).toEqual(['ok']);
      const same = { ...t, debitAccountId: (await two.account()).id };
      same.creditAccountId = (await two.account()).id;
      expect(await results(two.orgId, [same])).toEqual(['ok']);
      // another organisation's accounts are not found
      expect(await results(two.orgId, [{ ...t, id: newId() }])).toEqual([
        'debit_account_not_found',
      ]);
    });

    it('records one audit entry per batch with counts, ids and totals', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const [a, b] = [await account(), await account()];
      const ok1 = single(a, b, 5n);
      const ok2 = single(a, b, 7n);
      await results(orgId, [ok1, ok2, single(a, a, 1n), single(newId(), b, 3n)]);
      const [entry] = (await world.audit.list(orgId, { action: 'ledger.transfers.create' }))
        .entries;
      expect(entry!.after).toMatchObject({
        count: 4,
        results: {
          ok: { count: 2, ids: [ok1.id, ok2.id], totals: { EUR: '12' } },
          accounts_must_be_different: { count: 1 },
          debit_account_not_found: { count: 1, totals: { EUR: '3' } },
        },
      });
    });
  });

  describe('two-phase transfers', () => {
    async function holdOf(amount: bigint, extra: Partial<TransferInput> = {}) {
      const book = await createBook(world.ledger);
      const [a, b] = [await book.account(), await book.account()];
      const hold = single(a, b, amount, { kind: 'pending', ...extra });
      expect(await results(book.orgId, [hold])).toEqual(['ok']);
      const totals = async (acc: Account) => {
        const { debitsPending, creditsPending, debitsPosted, creditsPosted } =
          await world.ledger.getAccount(book.orgId, acc.id);
        return { debitsPending, creditsPending, debitsPosted, creditsPosted };
      };
      return { ...book, a, b, hold, totals };
    }

    it('reserves, then posts part and releases the remainder', async () => {
      const { orgId, a, b, hold, totals } = await holdOf(100n);
      expect(await totals(a)).toEqual({
        debitsPending: 100n,
        creditsPending: 0n,
        debitsPosted: 0n,
        creditsPosted: 0n,
      });
      const post = { id: newId(), kind: 'post_pending' as const, pendingId: hold.id, amount: 60n };
      expect(await results(orgId, [post])).toEqual(['ok']);
      expect(await totals(a)).toMatchObject({ debitsPending: 0n, debitsPosted: 60n });
      expect(await totals(b)).toMatchObject({ creditsPending: 0n, creditsPosted: 60n });
      // the post's postings: the whole hold released, then the part posted
      const moves = await world.ledger.transferPostings(orgId, post.id);
      expect(moves.map((m) => [m.accountId, m.side, m.pending, m.amount])).toEqual([
        [a.id, 'debit', true, -100n],
        [b.id, 'credit', true, -100n],
        [a.id, 'debit', false, 60n],
        [b.id, 'credit', false, 60n],
      ]);
      const [p, h] = await world.ledger.lookupTransfers(orgId, [post.id, hold.id]);
      expect(p).toMatchObject({ status: 'posted', amount: 60n, debitAccountId: a.id });
      expect(h).toMatchObject({ status: 'posted_pending' });
      // a retry without the amount still matches; posting again is refused
      expect(await results(orgId, [post])).toEqual(['exists']);
      expect(await results(orgId, [{ ...post, id: newId() }])).toEqual([
        'pending_transfer_already_posted',
      ]);
    });

    it('posts the full amount when none is given', async () => {
      const { orgId, a, hold, totals } = await holdOf(40n);
      await results(orgId, [{ id: newId(), kind: 'post_pending', pendingId: hold.id }]);
      expect(await totals(a)).toMatchObject({ debitsPending: 0n, debitsPosted: 40n });
    });

    it('voids, releasing the reservation', async () => {
      const { orgId, a, b, hold, totals } = await holdOf(40n);
      expect(
        await results(orgId, [{ id: newId(), kind: 'void_pending', pendingId: hold.id }]),
      ).toEqual(['ok']);
      expect(await totals(a)).toEqual({
        debitsPending: 0n,
        creditsPending: 0n,
        debitsPosted: 0n,
        creditsPosted: 0n,
      });
      expect((await totals(b)).creditsPending).toBe(0n);
      expect((await world.ledger.getTransfer(orgId, hold.id)).status).toBe('voided');
    });

    it('expires a hold on the clock: lazily when touched', async () => {
      const { orgId, a, b, hold, totals } = await holdOf(40n, { timeoutSeconds: 60 });
      world.clock.advance(59_000);
      expect((await totals(a)).debitsPending).toBe(40n);
      world.clock.advance(1_000);
      // a transfer touching the account releases the expired hold first
      expect(await results(orgId, [single(a, b, 1n)])).toEqual(['ok']);
      expect(await totals(a)).toMatchObject({ debitsPending: 0n, debitsPosted: 1n });
      expect((await world.ledger.getTransfer(orgId, hold.id)).status).toBe('expired');
      expect(
        await results(orgId, [{ id: newId(), kind: 'post_pending', pendingId: hold.id }]),
      ).toEqual(['pending_transfer_expired']);
    });

    it('expires holds in a sweep, with postings recording the release', async () => {
      const { orgId, a, hold, totals } = await holdOf(40n, { timeoutSeconds: 10 });
      const other = await holdOf(5n); // no timeout: never expires
      expect(await world.ledger.expirePending()).toEqual({ expired: 0 });
      world.clock.advance(10_000);
      expect(await world.ledger.expirePending()).toEqual({ expired: 1 });
      expect(await world.ledger.expirePending(orgId)).toEqual({ expired: 0 });
      expect((await totals(a)).debitsPending).toBe(0n);
      expect((await other.totals(other.a)).debitsPending).toBe(5n);
      const { postings } = await world.ledger.listPostings(orgId, a.id);
      expect(postings.map((p) => [p.transferId, p.amount, p.pending])).toEqual([
        [hold.id, 40n, true],
        [hold.id, -40n, true],
      ]);
      expect(postings[1]!.after.debitsPending).toBe(0n);
      const [entry] = (await world.audit.list(orgId, { action: 'ledger.transfers.expire' }))
        .entries;
      expect(entry!.after).toEqual({ count: 1, ids: [hold.id] });
    });

    it('releases expired holds before closing an account', async () => {
      const { orgId, a, totals } = await holdOf(40n, { timeoutSeconds: 10 });
      world.clock.advance(10_000);
      await world.ledger.closeAccount(orgId, a.id);
      expect((await totals(a)).debitsPending).toBe(0n);
    });

    it('posts a hold created earlier in the same batch', async () => {
      const book = await createBook(world.ledger);
      const [a, b] = [await book.account(), await book.account()];
      const hold = single(a, b, 9n, { kind: 'pending' });
      expect(
        await results(book.orgId, [
          hold,
          { id: newId(), kind: 'post_pending', pendingId: hold.id, amount: 4n },
        ]),
      ).toEqual(['ok', 'ok']);
      expect((await world.ledger.getTransfer(book.orgId, hold.id)).status).toBe('posted_pending');
      expect(await world.ledger.getAccount(book.orgId, a.id)).toMatchObject({
        debitsPending: 0n,
        debitsPosted: 4n,
      });
    });
  });

  describe('linked chains', () => {
    it('applies nothing of a chain that fails, and the rest of the batch independently', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const wallet = await account({ type: 'liability', debitsMustNotExceedCredits: true });
      const bank = await account();
      const before = single(bank, wallet, 10n);
      const chain = [
        single(bank, wallet, 50n, { linked: true }),
        single(wallet, bank, 30n, { linked: true }),
        single(wallet, bank, 31n), // 10 + 50 - 30 = 30 left: fails
      ];
      const after = single(bank, wallet, 1n);
      expect(await results(orgId, [before, ...chain, after])).toEqual([
        'ok',
        'linked_event_failed',
        'linked_event_failed',
        'exceeds_credits',
        'ok',
      ]);
      expect(await world.ledger.getAccount(orgId, wallet.id)).toMatchObject({
        creditsPosted: 11n,
        debitsPosted: 0n,
      });
      // nothing of the failed chain is stored, so the chain can be retried as it was
      expect(
        await world.ledger.lookupTransfers(
          orgId,
          chain.map((t) => t.id),
        ),
      ).toEqual([]);
      const { postings } = await world.ledger.listPostings(orgId, wallet.id);
      expect(postings.map((p) => p.transferId)).toEqual([before.id, after.id]);
    });

    it('commits a chain whose every member succeeds, and answers exists on a retry', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const [a, b, c] = [await account(), await account(), await account()];
      const chain = [single(a, b, 5n, { linked: true }), single(b, c, 5n)];
      expect(await results(orgId, chain)).toEqual(['ok', 'ok']);
      expect(await results(orgId, chain)).toEqual(['exists', 'exists']);
      expect((await world.ledger.getAccount(orgId, c.id)).creditsPosted).toBe(5n);
    });

    it('fails a chain whose later member is invalid, after the first already moved money', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const [a, b] = [await account(), await account()];
      const hold = single(a, b, 8n, { kind: 'pending', linked: true });
      const post = { id: newId(), kind: 'post_pending' as const, pendingId: hold.id, linked: true };
      const bad = single(a, b, 0n);
      expect(await results(orgId, [hold, post, bad])).toEqual([
        'linked_event_failed',
        'linked_event_failed',
        'amount_must_be_positive',
      ]);
      expect(await world.ledger.getAccount(orgId, a.id)).toMatchObject({
        debitsPending: 0n,
        debitsPosted: 0n,
      });
    });

    it('refuses an open chain at the end of a batch without touching the rest', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const [a, b] = [await account(), await account()];
      expect(
        await results(orgId, [
          single(a, b, 1n),
          single(a, b, 2n, { linked: true }),
          single(a, b, 3n, { linked: true }),
        ]),
      ).toEqual(['ok', 'linked_event_failed', 'linked_event_chain_open']);
      expect((await world.ledger.getAccount(orgId, a.id)).debitsPosted).toBe(1n);
    });
  });

  describe('history', () => {
    it('records every posting with the totals after it, and pages through them', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const [a, b] = [await account(), await account()];
      await results(orgId, [single(a, b, 1n), single(a, b, 2n), single(a, b, 3n)]);
      const first = await world.ledger.listPostings(orgId, a.id, { limit: 2 });
      expect(first.postings.map((p) => p.after.debitsPosted)).toEqual([1n, 3n]);
      const second = await world.ledger.listPostings(orgId, a.id, { after: first.nextAfter! });
      expect(second.postings.map((p) => [p.side, p.amount, p.after.debitsPosted])).toEqual([
        ['debit', 3n, 6n],
      ]);
      expect(second.nextAfter).toBeNull();
    });

    it('corrects with a reversing transfer, never by editing', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const [a, b] = [await account(), await account()];
      const t = single(a, b, 70n);
      await results(orgId, [t]);
      const correction = newId();
      expect(await world.ledger.reverseTransfer(orgId, t.id, correction)).toMatchObject({
        result: 'ok',
      });
      expect(await world.ledger.reverseTransfer(orgId, t.id, correction)).toMatchObject({
        result: 'exists',
      });
      expect(await world.ledger.getAccount(orgId, a.id)).toMatchObject({
        debitsPosted: 70n,
        creditsPosted: 70n,
        balance: 0n,
      });
      expect(await world.ledger.getTransfer(orgId, correction)).toMatchObject({
        debitAccountId: b.id,
        creditAccountId: a.id,
        reversesId: t.id,
      });
      const hold = single(a, b, 1n, { kind: 'pending' });
      await results(orgId, [hold]);
      await expect(world.ledger.reverseTransfer(orgId, hold.id, newId())).rejects.toMatchObject({
        code: 'ledger_transfer_not_reversible',
      });
    });

    it('stores failures on the state without postings or balance changes', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const wallet = await account({ type: 'liability', debitsMustNotExceedCredits: true });
      const t = single(wallet, await account(), 4n);
      await results(orgId, [t]);
      const rows = await world.kernel.db
        .select()
        .from(ledgerTransfers)
        .where(and(eq(ledgerTransfers.orgId, orgId), eq(ledgerTransfers.id, t.id)));
      expect(rows).toMatchObject([{ status: 'failed', result: 'exceeds_credits' }]);
      const postings = await world.kernel.db
        .select()
        .from(ledgerPostings)
        .where(eq(ledgerPostings.transferId, t.id));
      expect(postings).toEqual([]);
    });

    it('takes a full batch of 8,190 transfers in one call', async () => {
      const { orgId, account } = await createBook(world.ledger);
      const accounts = await Promise.all(Array.from({ length: 10 }, () => account()));
      const batch = Array.from({ length: 8_190 }, (_, i) =>
        single(accounts[i % 10]!, accounts[(i + 1) % 10]!, BigInt(i + 1)),
      );
      const started = performance.now();
      const answer = await results(orgId, batch);
      const ms = performance.now() - started;
      expect(new Set(answer)).toEqual(new Set(['ok']));
      const total = (8_190n * 8_191n) / 2n;
      const all = await world.ledger.listAccounts(orgId);
      expect(all.reduce((s, a) => s + a.debitsPosted, 0n)).toBe(total);
      expect(all.reduce((s, a) => s + a.creditsPosted, 0n)).toBe(total);
      // one audit entry for the batch
      const audit = await world.audit.list(orgId, { action: 'ledger.transfers.create' });
      expect(audit.entries).toHaveLength(1);
      console.info(`8,190 transfers on ${storage.name}: ${ms.toFixed(0)} ms`);
    });
  });
});
