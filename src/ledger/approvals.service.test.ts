import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId } from '../kernel/index.ts';
import type { ApprovalActor } from './approvals.types.ts';
import {
  createBook,
  createLedgerWorld,
  resetLedger,
  single,
  type LedgerWorld,
} from './ledger.test-support.ts';
import type { Account } from './ledger.types.ts';

const person = (name: string, role: string): ApprovalActor => ({
  key: `user:${name}`,
  type: 'user',
  role,
});
const admin = person('ada', 'admin');
const admin2 = person('bea', 'admin');
const admin3 = person('cy', 'admin');
const editor = person('ed', 'editor');
const editor2 = person('eve', 'editor');
const viewer = person('vi', 'viewer');
const adminKey: ApprovalActor = { key: `apikey:${newId()}`, type: 'apikey', role: 'admin' };
const local: ApprovalActor = { key: 'local', type: 'system', role: 'admin' };

/** 1,000.00 EUR and above need approval, by default by one administrator. */
const THRESHOLD = 100_000n;

describe.each(storages)('transfer approvals on $name', { timeout: 120_000 }, (storage) => {
  let world: LedgerWorld;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    world = await createLedgerWorld(created.target);
  });
  afterAll(async () => {
    await world?.close();
    await drop?.();
  });
  beforeEach(() => resetLedger(world.kernel));

  /** A book whose cash (1000, may not go negative) holds 5,000.00 EUR from share capital. */
  async function funded(currency = 'EUR') {
    const book = await createBook(world.ledger, currency);
    const code = (c: string) => book.chart.find((a) => a.code === c)!;
    const cash = code('1000');
    const [funding] = await world.ledger.createTransfers(book.orgId, [
      single(cash, code('3000'), 500_000n, { currency }),
    ]);
    expect(funding!.result).toBe('ok');
    return { ...book, cash, rent: code('6200'), fees: code('6500') };
  }

  const balance = async (orgId: string, account: Account) =>
    (await world.ledger.getAccount(orgId, account.id)).balance;

  it('posts at once without a policy, and below the threshold', async () => {
    const { orgId, cash, rent } = await funded();
    const none = await world.ledger.submitTransfer(orgId, single(rent, cash, THRESHOLD), editor);
    expect(none.result).toBe('ok');
    await world.ledger.createApprovalPolicy(
      orgId,
      { thresholdAmount: THRESHOLD, thresholdCurrency: 'EUR' },
      admin,
    );
    const below = await world.ledger.submitTransfer(
      orgId,
      single(rent, cash, THRESHOLD - 1n),
      editor,
    );
    expect(below.result).toBe('ok');
    expect(await balance(orgId, cash)).toBe(500_000n - 2n * THRESHOLD + 1n);
  });

  it('holds a transfer at the threshold until an administrator approves it, then posts it once', async () => {
    const { orgId, cash, rent } = await funded();
    const policy = await world.ledger.createApprovalPolicy(
      orgId,
      { thresholdAmount: THRESHOLD, thresholdCurrency: 'EUR', description: 'Large payments' },
      admin,
    );
    expect(policy).toMatchObject({ approvalsRequired: 1, approverRole: 'admin', entityId: null });
    const input = single(rent, cash, THRESHOLD, { description: 'Office rent, March' });
    const asked = await world.ledger.submitTransfer(orgId, input, editor);
    expect(asked.result).toBe('awaiting_approval');
    if (asked.result !== 'awaiting_approval') throw new Error('not caught');
    expect(asked.request).toMatchObject({
      id: input.id,
      status: 'awaiting_approval',
      amount: THRESHOLD,
      currency: 'EUR',
      requestedBy: 'user:ed',
      requestedFor: 'user:ed',
      approvals: [],
      postedTransferId: null,
    });
    expect(asked.request.policies).toEqual([
      expect.objectContaining({ policyId: policy.id, comparedAmount: THRESHOLD, rate: null }),
    ]);
    // not a posting: balances do not move, the ledger does not know the id
    expect(await balance(orgId, cash)).toBe(500_000n);
    expect(await world.ledger.lookupTransfers(orgId, [input.id])).toEqual([]);
    const listed = await world.ledger.listTransferRequests(orgId, { status: 'awaiting_approval' });
    expect(listed.requests.map((r) => r.id)).toEqual([input.id]);

    // the same request again answers the request; other fields under its id are a conflict
    const again = await world.ledger.submitTransfer(orgId, { ...input }, editor);
    expect(again).toMatchObject({ result: 'awaiting_approval', request: { id: input.id } });
    await expect(
      world.ledger.submitTransfer(orgId, { ...input, amount: THRESHOLD + 1n }, editor),
    ).rejects.toMatchObject({ code: 'transfer_request_conflict', status: 409 });
    // a batch cannot carry it past the approval
    await expect(world.ledger.submitTransfers(orgId, [input])).rejects.toMatchObject({
      code: 'ledger_approval_required',
      status: 409,
      details: { transfers: [{ index: 0, id: input.id, policyIds: [] }] },
    });

    for (const [who, code] of [
      [editor, 'transfer_approval_own_request'],
      [editor2, 'transfer_approval_role'],
      [viewer, 'transfer_approval_role'],
      [adminKey, 'transfer_approval_needs_person'],
    ] as const) {
      await expect(world.ledger.approveTransferRequest(orgId, input.id, who)).rejects.toMatchObject(
        { code, status: 403 },
      );
    }
    const approved = await world.ledger.approveTransferRequest(orgId, input.id, admin, 'ok by me');
    expect(approved).toMatchObject({
      status: 'posted',
      postedTransferId: input.id,
      approvals: [{ approver: 'user:ada', role: 'admin', note: 'ok by me' }],
    });
    expect(await balance(orgId, cash)).toBe(500_000n - THRESHOLD);
    const [posted] = await world.ledger.lookupTransfers(orgId, [input.id]);
    expect(posted).toMatchObject({
      status: 'posted',
      amount: THRESHOLD,
      description: 'Office rent, March',
    });

    await expect(
      world.ledger.approveTransferRequest(orgId, input.id, admin2),
    ).rejects.toMatchObject({ code: 'transfer_request_not_awaiting', status: 409 });
    // asking again answers the transfer as the ledger holds it
    expect(await world.ledger.submitTransfer(orgId, input, editor)).toMatchObject({
      result: 'exists',
      transfer: { id: input.id },
    });

    const actions = (await world.audit.list(orgId, { limit: 20 })).entries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'ledger.approval_policy.create',
        'ledger.transfer_request.create',
        'ledger.transfers.create',
        'ledger.transfer_request.approve',
      ]),
    );
  });

  it('rejects with a reason; the requester may withdraw; a rejected request never posts', async () => {
    const { orgId, cash, rent } = await funded();
    await world.ledger.createApprovalPolicy(
      orgId,
      { thresholdAmount: THRESHOLD, currency: 'EUR' },
      admin,
    );
    const first = single(rent, cash, THRESHOLD);
    const second = single(rent, cash, THRESHOLD);
    await world.ledger.submitTransfer(orgId, first, editor);
    await world.ledger.submitTransfer(orgId, second, editor);

    await expect(
      world.ledger.rejectTransferRequest(orgId, first.id, admin, '  '),
    ).rejects.toMatchObject({ code: 'validation_failed', status: 400 });
    await expect(
      world.ledger.rejectTransferRequest(orgId, first.id, editor2, 'no'),
    ).rejects.toMatchObject({ code: 'transfer_approval_role', status: 403 });
    await expect(
      world.ledger.rejectTransferRequest(orgId, first.id, adminKey, 'no'),
    ).rejects.toMatchObject({ code: 'transfer_approval_needs_person', status: 403 });
    expect(
      await world.ledger.rejectTransferRequest(orgId, first.id, admin, 'Paid twice already'),
    ).toMatchObject({
      status: 'rejected',
      rejectedBy: 'user:ada',
      rejectionReason: 'Paid twice already',
    });
    expect(
      await world.ledger.rejectTransferRequest(orgId, second.id, editor, 'Typed the wrong amount'),
    ).toMatchObject({ status: 'rejected', rejectedBy: 'user:ed' });

    await expect(
      world.ledger.approveTransferRequest(orgId, first.id, admin2),
    ).rejects.toMatchObject({
      code: 'transfer_request_not_awaiting',
      status: 409,
    });
    await expect(world.ledger.submitTransfer(orgId, first, editor)).rejects.toMatchObject({
      code: 'transfer_request_rejected',
      status: 409,
    });
    expect(await balance(orgId, cash)).toBe(500_000n);
    expect(await world.ledger.lookupTransfers(orgId, [first.id, second.id])).toEqual([]);
    const rejected = await world.ledger.listTransferRequests(orgId, { status: 'rejected' });
    expect(rejected.requests).toHaveLength(2);
  });

  it('needs every policy that catches it: two approvals by editors or administrators', async () => {
    const { orgId, cash, rent } = await funded();
    await world.ledger.createApprovalPolicy(
      orgId,
      {
        thresholdAmount: THRESHOLD,
        thresholdCurrency: 'EUR',
        approvalsRequired: 2,
        approverRole: 'editor',
      },
      admin,
    );
    await world.ledger.createApprovalPolicy(
      orgId,
      { thresholdAmount: 3n * THRESHOLD, thresholdCurrency: 'EUR' },
      admin,
    );
    const small = single(rent, cash, THRESHOLD);
    await world.ledger.submitTransfer(orgId, small, editor);
    const once = await world.ledger.approveTransferRequest(orgId, small.id, editor2);
    expect(once).toMatchObject({
      status: 'awaiting_approval',
      approvals: [{ approver: 'user:eve' }],
    });
    // the same person again changes nothing
    const twice = await world.ledger.approveTransferRequest(orgId, small.id, editor2);
    expect(twice.approvals).toHaveLength(1);
    expect(await world.ledger.approveTransferRequest(orgId, small.id, admin)).toMatchObject({
      status: 'posted',
    });

    // 3,000.00 EUR: both policies, so two approvals of which one an administrator's
    const large = single(rent, cash, 3n * THRESHOLD);
    const asked = await world.ledger.submitTransfer(orgId, large, editor);
    if (asked.result !== 'awaiting_approval') throw new Error('not caught');
    expect(asked.request.policies).toHaveLength(2);
    await world.ledger.approveTransferRequest(orgId, large.id, editor2);
    await world.ledger.approveTransferRequest(orgId, large.id, person('fay', 'editor'));
    expect((await world.ledger.getTransferRequest(orgId, large.id)).status).toBe(
      'awaiting_approval',
    );
    expect(await world.ledger.approveTransferRequest(orgId, large.id, local)).toMatchObject({
      status: 'posted',
    });
    expect(await balance(orgId, cash)).toBe(500_000n - 4n * THRESHOLD);
  });

  it('posts once when two approvals arrive at once and one is enough', async () => {
    const { orgId, cash, rent } = await funded();
    await world.ledger.createApprovalPolicy(
      orgId,
      { thresholdAmount: THRESHOLD, currency: 'EUR' },
      admin,
    );
    const inputs = Array.from({ length: 4 }, () => single(rent, cash, THRESHOLD));
    for (const input of inputs) await world.ledger.submitTransfer(orgId, input, editor);
    const outcomes = await Promise.allSettled(
      inputs.flatMap((input) =>
        [admin, admin2].map((who) => world.ledger.approveTransferRequest(orgId, input.id, who)),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(inputs.length);
    for (const o of outcomes) {
      if (o.status === 'fulfilled') expect(o.value.status).toBe('posted');
      else expect(o.reason).toMatchObject({ code: 'transfer_request_not_awaiting', status: 409 });
    }
    for (const input of inputs) {
      expect((await world.ledger.getTransferRequest(orgId, input.id)).approvals).toHaveLength(1);
    }
    expect(await balance(orgId, cash)).toBe(500_000n - 4n * THRESHOLD);
    expect(
      (await world.ledger.listTransfers(orgId, { accountId: rent.id })).transfers,
    ).toHaveLength(4);
  });

  it('posts at most once when approvals race', async () => {
    const { orgId, cash, rent } = await funded();
    await world.ledger.createApprovalPolicy(
      orgId,
      { thresholdAmount: THRESHOLD, currency: 'EUR' },
      admin,
    );
    const policy2 = await world.ledger.createApprovalPolicy(
      orgId,
      { thresholdAmount: THRESHOLD, currency: 'EUR', approvalsRequired: 2 },
      admin,
    );
    // five requests of 1,000.00 EUR, each approved by three administrators at once (two needed)
    const inputs = Array.from({ length: 5 }, () => single(rent, cash, THRESHOLD));
    for (const input of inputs) await world.ledger.submitTransfer(orgId, input, editor);
    const outcomes = await Promise.allSettled(
      inputs.flatMap((input) =>
        [admin, admin2, admin3].map((who) =>
          world.ledger.approveTransferRequest(orgId, input.id, who),
        ),
      ),
    );
    for (const [i, input] of inputs.entries()) {
      const mine = outcomes.slice(i * 3, i * 3 + 3);
      const posted = mine.filter((o) => o.status === 'fulfilled' && o.value.status === 'posted');
      const refused = mine.filter((o) => o.status === 'rejected');
      expect(posted, input.id).toHaveLength(1);
      expect(refused, input.id).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
        code: 'transfer_request_not_awaiting',
      });
      const request = await world.ledger.getTransferRequest(orgId, input.id);
      expect(request.approvals).toHaveLength(2);
      expect(request.policies.map((p) => p.policyId)).toContain(policy2.id);
    }
    const journal = await world.ledger.listTransfers(orgId, { accountId: rent.id });
    expect(journal.transfers.map((t) => t.id).sort()).toEqual(inputs.map((t) => t.id).sort());
    expect(await balance(orgId, cash)).toBe(0n);
    expect(await balance(orgId, rent)).toBe(5n * THRESHOLD);
    // one ledger entry per posting, however many approvals raced
    const entries = (
      await world.audit.list(orgId, { action: 'ledger.transfers.create', limit: 50 })
    ).entries;
    expect(entries).toHaveLength(1 + inputs.length);
  });

  it('refuses an approval the ledger cannot post, keeps the request waiting, and posts later', async () => {
    const { orgId, cash, rent, fees } = await funded();
    await world.ledger.createApprovalPolicy(
      orgId,
      { thresholdAmount: THRESHOLD, currency: 'EUR' },
      admin,
    );
    const big = single(rent, cash, 600_000n);
    await world.ledger.submitTransfer(orgId, big, editor);
    await expect(world.ledger.approveTransferRequest(orgId, big.id, admin)).rejects.toMatchObject({
      code: 'exceeds_debits',
      status: 409,
      message: expect.stringContaining('still awaits approval'),
    });
    const waiting = await world.ledger.getTransferRequest(orgId, big.id);
    expect(waiting).toMatchObject({
      status: 'awaiting_approval',
      approvals: [],
      lastFailure: { code: 'exceeds_debits' },
    });
    // nothing of it reached the ledger, not even as a failed transfer
    expect(await world.ledger.lookupTransfers(orgId, [big.id])).toEqual([]);
    const actions = (await world.audit.list(orgId, { limit: 5 })).entries.map((e) => e.action);
    expect(actions[0]).toBe('ledger.transfer_request.post_failed');

    await world.ledger.createTransfers(orgId, [single(cash, fees, 100_000n)]);
    expect(await world.ledger.approveTransferRequest(orgId, big.id, admin)).toMatchObject({
      status: 'posted',
      lastFailure: null,
    });
    expect(await balance(orgId, cash)).toBe(0n);
  });

  it('narrows a policy to an entity and a currency, and converts other currencies', async () => {
    const { orgId, cash, rent, entity } = await funded();
    const other = await world.ledger.createEntity(orgId, {
      code: 'OTHER',
      name: 'Other Ventures',
      kind: 'venture',
      baseCurrency: 'USD',
    });
    const otherCash = other.accounts.find((a) => a.code === '1100')!;
    const otherRent = other.accounts.find((a) => a.code === '6200')!;
    const usd = (amount: bigint) => single(otherRent, otherCash, amount, { currency: 'USD' });

    const onlyAcme = await world.ledger.createApprovalPolicy(
      orgId,
      { entityId: entity.id, thresholdAmount: THRESHOLD, thresholdCurrency: 'EUR' },
      admin,
    );
    expect((await world.ledger.submitTransfer(orgId, usd(10n * THRESHOLD), editor)).result).toBe(
      'ok',
    );
    expect(
      (await world.ledger.submitTransfer(orgId, single(rent, cash, THRESHOLD), editor)).result,
    ).toBe('awaiting_approval');
    await world.ledger.removeApprovalPolicy(orgId, onlyAcme.id);
    await expect(world.ledger.removeApprovalPolicy(orgId, onlyAcme.id)).rejects.toMatchObject({
      status: 404,
    });
    expect(
      (await world.ledger.submitTransfer(orgId, single(rent, cash, THRESHOLD), editor)).result,
    ).toBe('ok');

    // only USD transfers: EUR ones pass whatever their amount
    const onlyUsd = await world.ledger.createApprovalPolicy(
      orgId,
      { currency: 'USD', thresholdAmount: 100_000n },
      admin,
    );
    expect(onlyUsd).toMatchObject({ currency: 'USD', thresholdCurrency: 'USD' });
    expect(
      (await world.ledger.submitTransfer(orgId, single(rent, cash, 2n * THRESHOLD), editor)).result,
    ).toBe('ok');
    expect((await world.ledger.submitTransfer(orgId, usd(100_000n), editor)).result).toBe(
      'awaiting_approval',
    );
    await world.ledger.removeApprovalPolicy(orgId, onlyUsd.id);

    // every currency, against 1,000.00 USD: EUR converted at the rate in force, none: caught
    await world.ledger.createApprovalPolicy(
      orgId,
      { thresholdAmount: 100_000n, thresholdCurrency: 'USD' },
      admin,
    );
    const unconverted = await world.ledger.submitTransfer(
      orgId,
      single(rent, cash, 1_000n),
      editor,
    );
    if (unconverted.result !== 'awaiting_approval') throw new Error('not caught without a rate');
    expect(unconverted.request.policies[0]).toMatchObject({ comparedAmount: null, rate: null });
    await world.ledger.recordFxRates(orgId, [
      { base: 'EUR', quote: 'USD', rate: '1.1', effectiveOn: '2026-01-01' },
    ]);
    expect(
      (await world.ledger.submitTransfer(orgId, single(rent, cash, 90_000n), editor)).result,
    ).toBe('ok');
    const converted = await world.ledger.submitTransfer(orgId, single(rent, cash, 95_000n), editor);
    if (converted.result !== 'awaiting_approval') throw new Error('not caught');
    expect(converted.request.policies[0]).toMatchObject({
      comparedAmount: 104_500n,
      rate: { rate: '1.1', effectiveOn: '2026-01-01', inverted: false },
    });
  });

  it('checks a policy and keeps organisations apart', async () => {
    const a = await funded();
    const b = await funded();
    await expect(
      world.ledger.createApprovalPolicy(
        a.orgId,
        { currency: 'EUR', thresholdCurrency: 'USD', thresholdAmount: 1n },
        admin,
      ),
    ).rejects.toMatchObject({ code: 'validation_failed', status: 400 });
    await expect(
      world.ledger.createApprovalPolicy(a.orgId, { thresholdAmount: 1n }, admin),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(
      world.ledger.createApprovalPolicy(
        a.orgId,
        { thresholdAmount: 1n, currency: 'EUR', approvalsRequired: 11 },
        admin,
      ),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    // another organisation's entity is not found
    await expect(
      world.ledger.createApprovalPolicy(
        a.orgId,
        { thresholdAmount: 1n, currency: 'EUR', entityId: b.entity.id },
        admin,
      ),
    ).rejects.toMatchObject({ status: 404 });

    const policy = await world.ledger.createApprovalPolicy(
      a.orgId,
      { thresholdAmount: THRESHOLD, currency: 'EUR' },
      admin,
    );
    const input = single(a.rent, a.cash, THRESHOLD);
    await world.ledger.submitTransfer(a.orgId, input, editor);
    // B's books: A's policy catches nothing there, A's request is not found
    expect(await world.ledger.listApprovalPolicies(b.orgId)).toEqual([]);
    await expect(world.ledger.removeApprovalPolicy(b.orgId, policy.id)).rejects.toMatchObject({
      status: 404,
    });
    expect(
      (await world.ledger.submitTransfer(b.orgId, single(b.rent, b.cash, THRESHOLD), editor))
        .result,
    ).toBe('ok');
    await expect(world.ledger.getTransferRequest(b.orgId, input.id)).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      world.ledger.approveTransferRequest(b.orgId, input.id, admin2),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      world.ledger.rejectTransferRequest(b.orgId, input.id, admin2, 'not yours'),
    ).rejects.toMatchObject({ status: 404 });
    expect((await world.ledger.listTransferRequests(b.orgId)).requests).toEqual([]);
    // the same transfer id in B is B's own
    expect(
      (
        await world.ledger.submitTransfer(
          b.orgId,
          { ...input, debitAccountId: b.rent.id, creditAccountId: b.cash.id },
          editor,
        )
      ).result,
    ).toBe('ok');
    expect((await world.ledger.getTransferRequest(a.orgId, input.id)).status).toBe(
      'awaiting_approval',
    );
  });

  it('pages the requests oldest first', async () => {
    const { orgId, cash, rent } = await funded();
    await world.ledger.createApprovalPolicy(orgId, { thresholdAmount: 1n, currency: 'EUR' }, admin);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      world.clock.advance(1_000);
      const input = single(rent, cash, 10n);
      ids.push(input.id);
      await world.ledger.submitTransfer(orgId, input, editor);
    }
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await world.ledger.listTransferRequests(orgId, {
        limit: 2,
        ...(after ? { after } : {}),
      });
      seen.push(...page.requests.map((r) => r.id));
      after = page.next ?? undefined;
    } while (after);
    expect(seen).toEqual(ids);
    await expect(
      world.ledger.listTransferRequests(orgId, { after: 'not-a-cursor' }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
