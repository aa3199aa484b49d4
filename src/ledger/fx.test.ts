import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../kernel/index.ts';
import { storages } from '../../test/helpers/storage.ts';
import {
  convertMinor,
  divideHalfEven,
  invert,
  minorUnitExponent,
  parseRate,
  rateOn,
  ratesOn,
  requireRateOn,
} from './fx.ts';
import { ledgerFxRates } from './ledger.schema.ts';
import { createLedgerWorld, type LedgerWorld } from './ledger.test-support.ts';

describe('fx arithmetic', () => {
  it('knows minor units from ICU', () => {
    expect([minorUnitExponent('EUR'), minorUnitExponent('JPY'), minorUnitExponent('BHD')]).toEqual([
      2, 0, 3,
    ]);
  });

  it('parses decimal rates exactly and refuses anything else by name', () => {
    expect(parseRate('1.0825')).toEqual({ numerator: 10825n, denominator: 10000n });
    expect(parseRate('161')).toEqual({ numerator: 161n, denominator: 1n });
    for (const bad of ['0', '0.000', '-1', '1e3', '1.', '.5', 'abc', '1.0000000000001']) {
      expect(() => parseRate(bad, 'rates[0].rate')).toThrow(/rates\[0\]\.rate/);
    }
  });

  it('converts between exponents and rounds half to even', () => {
    expect(convertMinor(100_00n, 'EUR', 'JPY', parseRate('161.5'))).toBe(16150n);
    expect(convertMinor(16150n, 'JPY', 'EUR', invert(parseRate('161.5')))).toBe(100_00n);
    expect(convertMinor(1_000_00n, 'EUR', 'USD', parseRate('1.0825'))).toBe(1_082_50n);
    // 0.5 minor units round to the even neighbour, both ways.
    expect(convertMinor(1n, 'USD', 'USD', parseRate('0.5'))).toBe(0n);
    expect(convertMinor(3n, 'USD', 'USD', parseRate('0.5'))).toBe(2n);
    expect(divideHalfEven(-5n, 2n)).toBe(-2n);
    expect(divideHalfEven(-7n, 2n)).toBe(-4n);
  });

  it('is never more than half a minor unit from the exact value', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 12 }),
        (amount, numerator, decimals) => {
          const rate = { numerator, denominator: 10n ** BigInt(decimals) };
          const converted = convertMinor(amount, 'EUR', 'USD', rate);
          // |converted * den - amount * num| <= den / 2
          const error = converted * rate.denominator - amount * rate.numerator;
          expect(2n * (error < 0n ? -error : error)).toBeLessThanOrEqual(rate.denominator);
        },
      ),
    );
  });
});

describe.each(storages)('fx rates on $name', { timeout: 60_000 }, (storage) => {
  let world: LedgerWorld;
  let drop: () => Promise<void>;
  const orgId = newId();

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    world = await createLedgerWorld(created.target);
    const rate = (base: string, quote: string, value: string, effectiveOn: string) => ({
      id: newId(),
      orgId,
      base,
      quote,
      rate: value,
      effectiveOn,
      createdAt: new Date(),
    });
    await world.kernel.db
      .insert(ledgerFxRates)
      .values([
        rate('EUR', 'USD', '1.08', '2026-01-01'),
        rate('EUR', 'USD', '1.1', '2026-02-01'),
        rate('USD', 'EUR', '0.95', '2026-03-01'),
      ]);
  });
  afterAll(async () => {
    await world.close();
    await drop();
  });

  it('takes the latest rate on or before the day, direct or inverted', async () => {
    expect(await rateOn(world.kernel.db, orgId, 'EUR', 'USD', '2025-12-31')).toBeUndefined();
    const january = await rateOn(world.kernel.db, orgId, 'EUR', 'USD', '2026-01-31');
    expect(january).toMatchObject({ rate: '1.08', effectiveOn: '2026-01-01', inverted: false });
    const february = await rateOn(world.kernel.db, orgId, 'USD', 'EUR', '2026-02-15');
    expect(february).toMatchObject({ rate: '1.1', inverted: true });
    expect(february!.fraction).toEqual({ numerator: 10n, denominator: 11n });
    const march = await rateOn(world.kernel.db, orgId, 'USD', 'EUR', '2026-03-01');
    expect(march).toMatchObject({ rate: '0.95', effectiveOn: '2026-03-01', inverted: false });
  });

  it('reads many pairs on many days at once, each rate as rateOn chooses it', async () => {
    // Another organisation's rates: recorded both ways round on the same day (the direct one
    // wins), an inverse recorded later than a direct one (the later one wins), none for GBP/JPY.
    const own = newId();
    const rate = (base: string, quote: string, value: string, effectiveOn: string) => ({
      id: newId(),
      orgId: own,
      base,
      quote,
      rate: value,
      effectiveOn,
      createdAt: new Date(),
    });
    await world.kernel.db
      .insert(ledgerFxRates)
      .values([
        rate('EUR', 'USD', '1.08', '2026-01-01'),
        rate('USD', 'EUR', '0.9', '2026-01-01'),
        rate('EUR', 'USD', '1.1', '2026-02-01'),
        rate('USD', 'EUR', '0.95', '2026-03-01'),
        rate('GBP', 'EUR', '1.170000', '2026-02-15'),
      ]);
    const pairs = [
      { base: 'USD', quote: 'EUR' },
      { base: 'EUR', quote: 'USD' },
      { base: 'GBP', quote: 'EUR' },
      { base: 'EUR', quote: 'GBP' },
      { base: 'GBP', quote: 'JPY' },
      { base: 'EUR', quote: 'EUR' },
    ];
    const days = [
      '2025-12-31',
      '2026-01-01',
      '2026-01-31',
      '2026-02-15',
      '2026-02-28',
      '2026-03-31',
    ];
    const found = await ratesOn(world.kernel.db, own, pairs, days);
    for (const { base, quote } of pairs) {
      for (const day of days) {
        expect(found.get(base, quote, day), `${base}/${quote} on ${day}`).toEqual(
          await rateOn(world.kernel.db, own, base, quote, day),
        );
      }
    }
    expect(found.get('USD', 'EUR', '2026-01-31')).toMatchObject({ rate: '0.9', inverted: false });
    expect(found.get('EUR', 'USD', '2026-01-31')).toMatchObject({ rate: '1.08', inverted: false });
    expect(found.get('EUR', 'USD', '2026-03-31')).toMatchObject({ rate: '0.95', inverted: true });
    expect(found.get('EUR', 'GBP', '2026-02-28')).toMatchObject({ rate: '1.17', inverted: true });
    expect(found.get('GBP', 'JPY', '2026-03-31')).toBeUndefined();
    // What was not asked for is not answered; other organisations' rates are not seen.
    expect(found.get('USD', 'EUR', '2026-04-30')).toBeUndefined();
    const theirs = await ratesOn(world.kernel.db, newId(), pairs, days);
    expect(theirs.get('EUR', 'USD', '2026-03-31')).toBeUndefined();
    expect(theirs.get('EUR', 'EUR', '2026-03-31')).toMatchObject({ rate: '1', inverted: false });
    expect((await ratesOn(world.kernel.db, own, [], days)).get('EUR', 'USD', days[0]!)).toBe(
      undefined,
    );
  });

  it('keeps organisations apart and names the missing pair', async () => {
    expect(await rateOn(world.kernel.db, newId(), 'EUR', 'USD', '2026-06-01')).toBeUndefined();
    await expect(
      requireRateOn(world.kernel.db, orgId, 'GBP', 'USD', '2026-06-01'),
    ).rejects.toMatchObject({ code: 'ledger_fx_rate_missing', status: 422 });
  });
});
