import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storages } from '../../test/helpers/storage.ts';
import { newId } from '../kernel/index.ts';
import { createLedgerWorld, resetLedger, type LedgerWorld } from './ledger.test-support.ts';

describe.each(storages)('fx rates service on $name', { timeout: 60_000 }, (storage) => {
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

  const eurUsd = (rate: string, effectiveOn: string, source?: string) => ({
    base: 'EUR',
    quote: 'USD',
    rate,
    effectiveOn,
    ...(source === undefined ? {} : { source }),
  });

  it('records a batch, lists it with filters and looks rates up, direct or inverted', async () => {
    const orgId = newId();
    const out = await world.ledger.recordFxRates(orgId, [
      eurUsd('1.0825', '2026-02-02', 'ECB'),
      eurUsd('1.09000', '2026-02-03'),
      { base: 'GBP', quote: 'EUR', rate: '1.17', effectiveOn: '2026-02-02' },
    ]);
    expect(out).toMatchObject({ recorded: 3, unchanged: 0 });
    expect(out.rates.map((r) => r.rate)).toEqual(['1.0825', '1.09', '1.17']);
    expect(out.rates[0]).toMatchObject({ source: 'ECB', effectiveOn: '2026-02-02' });

    const all = await world.ledger.listFxRates(orgId);
    expect(all.map((r) => `${r.base}${r.quote}@${r.effectiveOn}`)).toEqual([
      'EURUSD@2026-02-02',
      'EURUSD@2026-02-03',
      'GBPEUR@2026-02-02',
    ]);
    expect(await world.ledger.listFxRates(orgId, { base: 'EUR', from: '2026-02-03' })).toEqual([
      all[1],
    ]);
    expect(await world.ledger.listFxRates(orgId, { quote: 'EUR', to: '2026-02-02' })).toEqual([
      all[2],
    ]);
    expect(await world.ledger.listFxRates(newId())).toEqual([]);

    expect(await world.ledger.lookupFxRate(orgId, 'EUR', 'USD', '2026-02-28')).toMatchObject({
      rate: '1.09',
      effectiveOn: '2026-02-03',
      inverted: false,
      fraction: { numerator: 109n, denominator: 100n },
    });
    expect(await world.ledger.lookupFxRate(orgId, 'USD', 'EUR', '2026-02-02')).toMatchObject({
      rate: '1.0825',
      inverted: true,
      fraction: { numerator: 10_000n, denominator: 10_825n },
    });
    await expect(
      world.ledger.lookupFxRate(orgId, 'EUR', 'USD', '2026-02-01'),
    ).rejects.toMatchObject({ code: 'ledger_fx_rate_missing', status: 422 });
  });

  it('is idempotent for the same rate and refuses another one, leaving nothing', async () => {
    const orgId = newId();
    await world.ledger.recordFxRates(orgId, [eurUsd('1.0825', '2026-02-02')]);
    // the same number written differently is the same rate
    const again = await world.ledger.recordFxRates(orgId, [
      eurUsd('1.082500', '2026-02-02'),
      eurUsd('1.0825', '2026-02-02'),
    ]);
    expect(again).toMatchObject({ recorded: 0, unchanged: 1 });
    expect(again.rates).toHaveLength(1);

    const conflict = world.ledger.recordFxRates(orgId, [
      eurUsd('1.1', '2026-02-05'),
      eurUsd('1.0826', '2026-02-02'),
    ]);
    await expect(conflict).rejects.toMatchObject({
      code: 'ledger_fx_rate_conflict',
      status: 409,
      message: expect.stringContaining('EUR/USD on 2026-02-02 is recorded as 1.0825'),
      details: [expect.objectContaining({ path: 'rates.1.rate' })],
    });
    // all or nothing: the new rate of the refused call was not kept
    expect((await world.ledger.listFxRates(orgId)).map((r) => r.effectiveOn)).toEqual([
      '2026-02-02',
    ]);
    // two different rates for one pair and day in one call
    await expect(
      world.ledger.recordFxRates(orgId, [eurUsd('1.2', '2026-02-09'), eurUsd('1.3', '2026-02-09')]),
    ).rejects.toMatchObject({ code: 'ledger_fx_rate_conflict' });

    const recorded = await world.audit.list(orgId, { action: 'ledger.fx_rates.record' });
    expect(recorded.entries).toHaveLength(1);
    expect(recorded.entries[0]!.after).toMatchObject({
      count: 1,
      rates: [{ base: 'EUR', quote: 'USD', rate: '1.0825', effectiveOn: '2026-02-02' }],
    });
  });

  it('records the same pair and day from concurrent calls once', async () => {
    const orgId = newId();
    const calls = await Promise.all(
      Array.from({ length: 4 }, () =>
        world.ledger.recordFxRates(orgId, [eurUsd('1.08', '2026-02-02')]),
      ),
    );
    expect(calls.map((c) => c.recorded).sort()).toEqual([0, 0, 0, 1]);
    expect(await world.ledger.listFxRates(orgId)).toHaveLength(1);
  });

  it('names what is wrong with a rate', async () => {
    const orgId = newId();
    const cases: [Record<string, string>, string][] = [
      [{ quote: 'EUR' }, 'rates.0.quote'],
      [{ base: 'eur' }, 'rates.0.base'],
      [{ rate: '0' }, 'rates.0.rate'],
      [{ rate: '1.5e3' }, 'rates.0.rate'],
      [{ rate: '-1' }, 'rates.0.rate'],
      [{ effectiveOn: '2026-02-30' }, 'rates.0.effectiveOn'],
      [{ effectiveOn: '02/02/2026' }, 'rates.0.effectiveOn'],
    ];
    for (const [change, path] of cases) {
      await expect(
        world.ledger.recordFxRates(orgId, [{ ...eurUsd('1.1', '2026-02-02'), ...change }]),
        path,
      ).rejects.toMatchObject({ code: 'validation_failed', details: [{ path }] });
    }
    await expect(world.ledger.recordFxRates(orgId, [])).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(world.ledger.listFxRates(orgId, { from: '2026-13-01' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect(await world.ledger.listFxRates(orgId)).toEqual([]);
  });
});
