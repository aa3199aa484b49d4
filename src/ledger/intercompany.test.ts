import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId } from '../kernel/index.ts';
import { secondLegId } from './intercompany.ts';
import { createLedgerWorld, resetLedger, type LedgerWorld } from './ledger.test-support.ts';
import type { Entity, IntercompanyTransferInput } from './ledger.types.ts';

describe.each(storages)('intercompany transfers on $name', { timeout: 60_000 }, (storage) => {
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

  /** An organisation with a EUR holding, a EUR venture and a USD venture, each bank funded. */
  async function group() {
    const orgId = newId();
    const entity = async (code: string, name: string, baseCurrency: string) => {
      const { entity: created, accounts } = await world.ledger.createEntity(orgId, {
        code,
        name,
        kind: code === 'HOLD' ? 'holding' : 'venture',
        baseCurrency,
      });
      const byCode = (c: string) => accounts.find((a) => a.code === c)!;
      const [result] = await world.ledger.createTransfers(orgId, [
        {
          id: newId(),
          debitAccountId: byCode('1100').id,
          creditAccountId: byCode('3000').id,
          amount: 10_000_00n,
          currency: baseCurrency,
        },
      ]);
      expect(result!.result).toBe('ok');
      return { ...created, byCode };
    };
    return {
      orgId,
      hold: await entity('HOLD', 'Studio Holding', 'EUR'),
      eu: await entity('EUVEN', 'Euro Venture', 'EUR'),
      us: await entity('USVEN', 'US Venture', 'USD'),
    };
  }

  const transfer = (
    from: Entity,
    to: Entity,
    amount: bigint,
    currency: string,
    extra: Partial<IntercompanyTransferInput> = {},
  ): IntercompanyTransferInput => ({
    id: newId(),
    fromEntityId: from.id,
    toEntityId: to.id,
    amount,
    currency,
    ...extra,
  });

  /** Account balances of an entity by code, and its debits and credits in total. */
  async function books(orgId: string, entity: Entity) {
    const accounts = await world.ledger.listAccounts(orgId, { entityId: entity.id });
    const balance = new Map(accounts.map((a) => [a.code, a.balance]));
    const debits = accounts.reduce((sum, a) => sum + a.debitsPosted, 0n);
    const credits = accounts.reduce((sum, a) => sum + a.creditsPosted, 0n);
    return { accounts, balance, debits, credits };
  }

  it('lends in one currency: both books balance, counterparty accounts are created once', async () => {
    const { orgId, hold, eu } = await group();
    const first = await world.ledger.createIntercompanyTransfer(
      orgId,
      transfer(hold, eu, 2_500_00n, 'EUR', { metadata: { agreement: 'L-1' } }),
    );
    expect(first.result).toBe('ok');
    expect(first.legs.map((l) => [l.result, l.amount, l.currency])).toEqual([
      ['ok', 2_500_00n, 'EUR'],
      ['ok', 2_500_00n, 'EUR'],
    ]);
    expect(first.rate).toMatchObject({ base: 'EUR', quote: 'EUR', rate: '1', inverted: false });
    expect(first.legs[1].id).toBe(secondLegId(first.id));

    const lender = await books(orgId, hold);
    const borrower = await books(orgId, eu);
    expect(lender.balance.get('1100')).toBe(7_500_00n);
    expect(lender.balance.get('1300-EUVEN')).toBe(2_500_00n);
    expect(borrower.balance.get('1100')).toBe(12_500_00n);
    expect(borrower.balance.get('2100-HOLD')).toBe(2_500_00n);
    for (const side of [lender, borrower]) expect(side.debits).toBe(side.credits);

    const receivable = lender.accounts.find((a) => a.code === '1300-EUVEN')!;
    expect(receivable).toMatchObject({
      name: 'Due from Euro Venture',
      type: 'asset',
      counterpartyEntityId: eu.id,
      parentAccountId: hold.byCode('1300').id,
      cashFlow: 'investing',
    });
    const payable = borrower.accounts.find((a) => a.code === '2100-HOLD')!;
    expect(payable).toMatchObject({
      name: 'Due to Studio Holding',
      type: 'liability',
      counterpartyEntityId: hold.id,
      parentAccountId: eu.byCode('2100').id,
      cashFlow: 'financing',
    });

    const [leg] = await world.ledger.lookupTransfers(orgId, [first.id]);
    expect(leg!.metadata).toEqual({
      agreement: 'L-1',
      intercompany: {
        id: first.id,
        kind: 'loan',
        fromEntityId: hold.id,
        toEntityId: eu.id,
        sourceAmount: '250000',
        sourceCurrency: 'EUR',
        rate: '1',
        rateEffectiveOn: '2026-03-01',
        inverted: false,
      },
    });

    // a second loan, and concurrent ones, reuse the accounts
    const more = await Promise.all(
      [1n, 2n, 3n].map((n) =>
        world.ledger.createIntercompanyTransfer(orgId, transfer(hold, eu, n * 100n, 'EUR')),
      ),
    );
    expect(more.map((r) => r.result)).toEqual(['ok', 'ok', 'ok']);
    const after = await books(orgId, hold);
    expect(after.accounts.filter((a) => a.code.startsWith('1300-'))).toHaveLength(1);
    expect(after.balance.get('1300-EUVEN')).toBe(2_506_00n);
    const created = await world.audit.list(orgId, { action: 'ledger.account.create' });
    expect(created.entries).toHaveLength(2);
  });

  it('lends EUR to a USD entity and is repaid in USD, each book in its own currency', async () => {
    const { orgId, hold, us } = await group();
    await world.ledger.recordFxRates(orgId, [
      { base: 'EUR', quote: 'USD', rate: '1.0825', effectiveOn: '2026-02-20' },
    ]);
    const loan = await world.ledger.createIntercompanyTransfer(
      orgId,
      transfer(hold, us, 1_000_00n, 'EUR'),
    );
    expect(loan.result).toBe('ok');
    expect(loan.legs.map((l) => [l.amount, l.currency])).toEqual([
      [1_000_00n, 'EUR'],
      [1_082_50n, 'USD'],
    ]);
    expect(loan.rate).toEqual({
      base: 'EUR',
      quote: 'USD',
      rate: '1.0825',
      effectiveOn: '2026-02-20',
      inverted: false,
    });

    // Repaid in the borrower's currency: 500 USD is 500 / 1.0825 = 461.89376... EUR.
    const repayment = await world.ledger.createIntercompanyTransfer(
      orgId,
      transfer(us, hold, 500_00n, 'USD', { kind: 'repayment' }),
    );
    expect(repayment.result).toBe('ok');
    expect(repayment.legs.map((l) => [l.entityId, l.amount, l.currency])).toEqual([
      [us.id, 500_00n, 'USD'],
      [hold.id, 461_89n, 'EUR'],
    ]);
    expect(repayment.rate).toMatchObject({ base: 'USD', quote: 'EUR', inverted: true });

    const lender = await books(orgId, hold);
    const borrower = await books(orgId, us);
    expect(lender.balance.get('1300-USVEN')).toBe(1_000_00n - 461_89n);
    expect(lender.balance.get('1100')).toBe(10_000_00n - 1_000_00n + 461_89n);
    expect(borrower.balance.get('2100-HOLD')).toBe(1_082_50n - 500_00n);
    expect(borrower.balance.get('1100')).toBe(10_000_00n + 1_082_50n - 500_00n);
    for (const side of [lender, borrower]) {
      expect(side.debits).toBe(side.credits);
      expect(new Set(side.accounts.map((a) => a.currency)).size).toBe(1);
    }
    // a repayment uses the accounts of the loan
    expect(lender.accounts.filter((a) => a.counterpartyEntityId === us.id)).toHaveLength(1);
    expect(borrower.accounts.filter((a) => a.counterpartyEntityId === hold.id)).toHaveLength(1);
  });

  it('answers a replay with exists for both legs and the first amounts, whatever rate came since', async () => {
    const { orgId, hold, us } = await group();
    await world.ledger.recordFxRates(orgId, [
      { base: 'USD', quote: 'EUR', rate: '0.92', effectiveOn: '2026-02-20' },
    ]);
    const request = transfer(hold, us, 1_000_00n, 'EUR', { description: 'Seed loan' });
    const first = await world.ledger.createIntercompanyTransfer(orgId, request);
    expect(first.result).toBe('ok');
    // 1000 EUR at 1 / 0.92 = 1086.956... USD
    expect(first.legs[1].amount).toBe(1_086_96n);
    // a rate recorded afterwards that now applies to the same day
    await world.ledger.recordFxRates(orgId, [
      { base: 'EUR', quote: 'USD', rate: '1.2', effectiveOn: '2026-02-25' },
    ]);
    world.clock.advance(3_600_000);
    const again = await world.ledger.createIntercompanyTransfer(orgId, request);
    expect(again).toEqual({
      ...first,
      result: 'exists',
      legs: first.legs.map((leg) => ({ ...leg, result: 'exists' })),
    });
    // a replay that changes the amount is refused as such, nothing applied
    const changed = await world.ledger.createIntercompanyTransfer(orgId, {
      ...request,
      amount: 1_000_01n,
    });
    expect(changed.result).toBe('exists_with_different_amount');
    const borrower = await books(orgId, us);
    expect(borrower.balance.get('1100')).toBe(10_000_00n + 1_086_96n);
    const legs = await world.ledger.lookupTransfers(orgId, [first.id, first.legs[1].id]);
    expect(legs.map((t) => t.description)).toEqual(['Seed loan', 'Seed loan']);
  });

  it('waits for approval as one request, at the rate and date first asked, then books both legs', async () => {
    const { orgId, hold, us } = await group();
    const asker = { key: 'user:editor', type: 'user' as const, role: 'editor' };
    const approver = { key: 'user:admin', type: 'user' as const, role: 'admin' };
    await world.ledger.recordFxRates(orgId, [
      { base: 'USD', quote: 'EUR', rate: '0.92', effectiveOn: '2026-02-20' },
    ]);
    // a policy on the borrower's books: 500 USD or more
    await world.ledger.createApprovalPolicy(
      orgId,
      { entityId: us.id, thresholdAmount: 500_00n, thresholdCurrency: 'USD' },
      approver,
    );
    const request = transfer(hold, us, 1_000_00n, 'EUR');
    const asked = await world.ledger.submitIntercompanyTransfer(orgId, request, asker);
    if (asked.result !== 'awaiting_approval') throw new Error(`not caught: ${asked.result}`);
    expect(asked.request.linked).toEqual([
      {
        entityId: us.id,
        transfer: expect.objectContaining({ id: secondLegId(request.id), amount: 1_086_96n }),
      },
    ]);
    // a new rate and a day later: a retry is the same request, not a conflict
    await world.ledger.recordFxRates(orgId, [
      { base: 'EUR', quote: 'USD', rate: '1.2', effectiveOn: '2026-02-25' },
    ]);
    world.clock.advance(86_400_000);
    const retried = await world.ledger.submitIntercompanyTransfer(orgId, request, asker);
    expect(retried).toMatchObject({ result: 'awaiting_approval', id: request.id });
    expect((await books(orgId, us)).balance.get('1100')).toBe(10_000_00n);

    const approved = await world.ledger.approveTransferRequest(orgId, request.id, approver);
    expect(approved.status).toBe('posted');
    const legs = await world.ledger.lookupTransfers(orgId, [request.id, secondLegId(request.id)]);
    expect(legs.map((t) => [t.status, t.amount, t.effectiveAt])).toEqual([
      ['posted', 1_000_00n, asked.request.transfer.effectiveAt],
      ['posted', 1_086_96n, asked.request.transfer.effectiveAt],
    ]);
    const borrower = await books(orgId, us);
    expect(borrower.balance.get('1100')).toBe(10_000_00n + 1_086_96n);
    expect(borrower.debits).toBe(borrower.credits);
    // asked again once booked: the ledger's answer for both legs
    const replay = await world.ledger.submitIntercompanyTransfer(orgId, request, asker);
    expect(replay.result).toBe('exists');
  });

  it('leaves nothing when a leg fails: the lender cannot overdraw its cash', async () => {
    const { orgId, hold, eu } = await group();
    const cash = hold.byCode('1000');
    const before = await books(orgId, hold);
    const answer = await world.ledger.createIntercompanyTransfer(
      orgId,
      transfer(hold, eu, 1n, 'EUR', { fromAccountId: cash.id }),
    );
    expect(answer.result).toBe('exceeds_debits');
    expect(answer.legs.map((l) => l.result)).toEqual(['exceeds_debits', 'linked_event_failed']);
    expect(
      await world.ledger.lookupTransfers(
        orgId,
        answer.legs.map((l) => l.id),
      ),
    ).toEqual([]);
    const after = await books(orgId, hold);
    // The counterparty account is there for next time (created and audited), but empty.
    expect(after.balance).toEqual(new Map([...before.balance, ['1300-EUVEN', 0n]]));
    expect((await books(orgId, eu)).debits).toBe(10_000_00n);
  });

  it('refuses what cannot be booked, with the reason', async () => {
    const { orgId, hold, eu, us } = await group();
    const refused = async (input: IntercompanyTransferInput, expected: Record<string, unknown>) =>
      expect(world.ledger.createIntercompanyTransfer(orgId, input)).rejects.toMatchObject(expected);
    await refused(transfer(hold, hold, 1n, 'EUR'), {
      code: 'validation_failed',
      details: [{ path: 'toEntityId' }],
    });
    await refused(
      { ...transfer(hold, eu, 1n, 'EUR'), toEntityId: newId() },
      {
        code: 'not_found',
        status: 404,
      },
    );
    // another organisation's entity is not found either
    const other = await world.ledger.createEntity(newId(), {
      code: 'OTHER',
      name: 'Other',
      kind: 'venture',
      baseCurrency: 'EUR',
    });
    await refused(transfer(hold, other.entity, 1n, 'EUR'), { code: 'not_found' });
    await refused(transfer(hold, us, 1n, 'GBP'), {
      code: 'validation_failed',
      details: [{ path: 'currency' }],
      message: expect.stringContaining('HOLD (EUR) or USVEN (USD)'),
    });
    await refused(transfer(hold, us, 1n, 'EUR'), { code: 'ledger_fx_rate_missing', status: 422 });
    await refused(transfer(hold, eu, 0n, 'EUR'), { code: 'validation_failed' });
    await refused(transfer(hold, eu, 1n, 'EUR', { fromAccountId: eu.byCode('1100').id }), {
      code: 'validation_failed',
      details: [{ path: 'fromAccountId' }],
    });
    // a rate that makes the other side nothing
    await world.ledger.recordFxRates(orgId, [
      { base: 'EUR', quote: 'USD', rate: '0.001', effectiveOn: '2026-01-01' },
    ]);
    await refused(transfer(hold, us, 1n, 'EUR'), {
      code: 'validation_failed',
      message: expect.stringContaining('converts to 0 USD'),
    });
    expect((await books(orgId, hold)).debits).toBe(10_000_00n);
  });
});
