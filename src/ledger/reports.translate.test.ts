import { describe, expect, it } from 'vitest';
import { parseRate } from './fx.ts';
import type { RateBook } from './reports.rates.ts';
import type { Bucket, ReportAccount } from './reports.queries.ts';
import { createTranslator, mergeUses, translateFigures } from './reports.translate.ts';

/**
 * An entity's figures translated one account at a time (so that only the accounts that changed
 * are translated again) must record the same rates as one translator over all its accounts.
 */
describe('mergeUses', () => {
  // EUR into USD: a new rate on the first of each month; GBP into USD at 1.25 throughout.
  const book: RateBook = {
    target: 'USD',
    on(currency, day) {
      const rate = currency === 'GBP' ? '1.25' : `1.${day.slice(5, 7)}`;
      const effectiveOn = currency === 'GBP' ? '2026-01-01' : `${day.slice(0, 8)}01`;
      return {
        base: currency,
        quote: 'USD',
        rate,
        effectiveOn,
        inverted: false,
        fraction: parseRate(rate),
      };
    },
  };
  const account = (id: string, currency: string, type: ReportAccount['type']): ReportAccount => ({
    id,
    entityId: 'e1',
    code: id,
    name: id,
    type,
    currency,
    parentAccountId: null,
    cash: false,
    cashFlow: 'operating',
    counterpartyEntityId: null,
  });
  const accounts = [
    account('1000', 'EUR', 'asset'),
    account('1100', 'EUR', 'asset'),
    account('4000', 'EUR', 'revenue'),
    account('4100', 'GBP', 'revenue'),
    account('5000', 'USD', 'expense'),
    account('6000', 'EUR', 'expense'), // nothing posted: records nothing
  ];
  const bucket = (accountId: string, day: string, debits: bigint, credits = 0n): Bucket => ({
    accountId,
    day,
    debits,
    credits,
  });
  const buckets = [
    bucket('1000', '2026-01-10', 500n),
    bucket('1000', '2026-03-02', 0n, 200n),
    bucket('1100', '2026-02-20', 700n),
    bucket('4000', '2026-02-05', 0n, 300n),
    bucket('4000', '2026-03-30', 0n, 100n),
    bucket('4100', '2026-01-15', 0n, 900n),
    bucket('5000', '2026-02-01', 50n),
  ];
  const period = { from: '2026-02-01', to: '2026-03-31', openingDay: '2026-01-31' };
  const entity = [{ id: 'e1', code: 'E1' }];

  it('gives per account what one translator over every account records', () => {
    const whole = createTranslator(book);
    const together = translateFigures(accounts, buckets, period, whole, { debitsAndCredits: true });
    const perAccount = accounts.map((a) => {
      const translator = createTranslator(book);
      const figures = translateFigures(
        [a],
        buckets.filter((b) => b.accountId === a.id),
        period,
        translator,
        { debitsAndCredits: true },
      );
      expect(figures.get(a.id)).toEqual(together.get(a.id));
      return translator.used(entity);
    });
    const merged = mergeUses(perAccount);
    expect(merged).toEqual(whole.used(entity));
    // EUR: the opening balance at January's rate, the closing one at March's, and the days its
    // accounts moved in the period at February's and March's (the asset's January posting is
    // before the period: in the opening balance only). GBP: a revenue's January movement. USD:
    // the report currency, no rate.
    expect(merged.map((u) => [u.currency, u.sameCurrency])).toEqual([
      ['EUR', false],
      ['GBP', false],
      ['USD', true],
    ]);
    expect(merged[0]!.closing).toMatchObject({ rate: '1.03', day: '2026-03-31' });
    expect(merged[0]!.opening).toMatchObject({ rate: '1.01', day: '2026-01-31' });
    expect(merged[0]!.movements.map((m) => [m.rate, m.firstDay, m.lastDay])).toEqual([
      ['1.02', '2026-02-05', '2026-02-20'],
      ['1.03', '2026-03-02', '2026-03-30'],
    ]);
    expect(merged[1]!.movements.map((m) => [m.rate, m.firstDay, m.lastDay])).toEqual([
      ['1.25', '2026-01-15', '2026-01-15'],
    ]);
  });

  it('widens a movement rate to the days of every account that used it', () => {
    const a = createTranslator(book);
    const b = createTranslator(book);
    a.convert(100n, accounts[2]!, '2026-02-05', 'movement');
    b.convert(100n, accounts[2]!, '2026-02-25', 'movement');
    b.convert(100n, accounts[2]!, '2026-02-03', 'movement');
    const [eur] = mergeUses([a.used(entity), b.used(entity)]);
    expect(eur!.movements.map((m) => [m.firstDay, m.lastDay])).toEqual([
      ['2026-02-03', '2026-02-25'],
    ]);
    expect(mergeUses([])).toEqual([]);
  });
});
