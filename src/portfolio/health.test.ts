import { describe, expect, it } from 'vitest';
import { scoreHealth, type MonthlyValue } from './health.ts';

const revenue = (month: string, value: string): MonthlyValue => ({
  metric: 'revenue',
  currency: 'USD',
  month,
  value,
});

const revenueComponent = (monthly: MonthlyValue[]) =>
  scoreHealth({ asOf: '2026-12-07', latestDay: '2026-11-30', monthly }).components.find(
    (c) => c.key === 'revenue',
  );

describe('the health score’s revenue component', () => {
  it('says a venture earned nothing in either month, without calling it growth', () => {
    expect(revenueComponent([revenue('2026-10', '0'), revenue('2026-11', '0')])).toMatchObject({
      points: 0,
      measured: true,
      reason: 'no revenue in Oct 2026 nor in Nov 2026',
    });
  });

  it('gives full points to revenue after a month without any', () => {
    expect(revenueComponent([revenue('2026-10', '0'), revenue('2026-11', '1500')])).toMatchObject({
      points: 25,
      reason: 'revenue 15.00 USD in Nov 2026 after none in Oct 2026',
    });
  });
});
