import { sql, type SQL } from 'drizzle-orm';
import { utcDay } from '../ledger/index.ts';
import type { Clock, Database } from '../kernel/index.ts';
import type { Scope } from './portfolio.types.ts';
import {
  addMonths,
  dayLabel,
  daysBetween,
  fromColumn,
  growthBp,
  monthLabel,
  toDisplay,
} from './portfolio.values.ts';
import { rowsOf } from './rollups.service.ts';
import type { VenturesService } from './ventures.service.ts';

/**
 * A venture's health score, 0-100, from its stored KPIs as of a day, with the reason for every
 * point. The formula (README.md, "Health score"):
 *
 * | component | max | points |
 * |---|---|---|
 * | recency   | 20 | latest KPI <= 35 days old: 20; <= 65: 10; <= 100: 5; else 0 |
 * | revenue   | 25 | latest month's revenue against the month before: -10 % or worse 0, +10 % or better 25, linear between |
 * | trend     | 25 | of the month-to-month changes of MRR (revenue without MRR) over the last 6 months, the share that rose |
 * | churn     | 20 | latest churn <= 2 %: 20; >= 10 %: 0; linear between |
 * | customers | 10 | latest month against the month before: more 10, same 5, fewer 0 |
 *
 * A component without the data it needs is not measured: it says what is missing and the score
 * is taken over the components that were (a venture without churn data is not scored as if its
 * churn were bad). A trend earns full points only over at least three month-to-month changes.
 */

export interface HealthComponent {
  key: 'recency' | 'revenue' | 'trend' | 'churn' | 'customers';
  label: string;
  points: number;
  max: number;
  /** False when the data it needs is missing: it then counts neither for nor against. */
  measured: boolean;
  reason: string;
}

export interface Health {
  ventureId: string;
  slug: string;
  asOf: string;
  /** 0-100: the points earned out of the points of the components that could be measured. */
  score: number;
  /** The points the measured components can earn (100 when every one was measured). */
  measuredOf: number;
  components: HealthComponent[];
}

/** Month-to-month changes a trend needs before it can earn full points. */
const TREND_CHANGES = 3;

/** One metric's value in one month (revenue: the month's total; others: its latest value). */
export interface MonthlyValue {
  metric: string;
  currency: string;
  month: string;
  value: string;
}

export interface HealthFacts {
  asOf: string;
  latestDay: string | null;
  monthly: MonthlyValue[];
}

export const WINDOW_MONTHS = 7;

/** Scores facts gathered from the database; pure, so the formula is tested on its own. */
export function scoreHealth(facts: HealthFacts): Omit<Health, 'ventureId' | 'slug'> {
  const components = [
    recency(facts),
    revenue(facts.monthly),
    trend(facts.monthly),
    churn(facts.monthly),
    customers(facts.monthly),
  ];
  const measured = components.filter((c) => c.measured);
  const of = measured.reduce((sum, c) => sum + c.max, 0);
  const earned = measured.reduce((sum, c) => sum + c.points, 0);
  return {
    asOf: facts.asOf,
    score: of === 0 ? 0 : Math.round((100 * earned) / of),
    measuredOf: of,
    components,
  };
}

function recency(facts: HealthFacts): HealthComponent {
  const base = { key: 'recency', label: 'Recency of data', max: 20, measured: true } as const;
  if (facts.latestDay === null) {
    return { ...base, measured: false, points: 0, reason: 'no KPI recorded yet' };
  }
  const age = daysBetween(facts.latestDay, facts.asOf);
  const points = age <= 35 ? 20 : age <= 65 ? 10 : age <= 100 ? 5 : 0;
  return {
    ...base,
    points,
    reason: `latest KPI covers up to ${dayLabel(facts.latestDay)}, ${age} days before ${dayLabel(facts.asOf)}`,
  };
}

/** The latest month of a metric (in the currency of its latest value) and the month before. */
function lastTwo(monthly: MonthlyValue[], metric: string) {
  const rows = monthly
    .filter((m) => m.metric === metric)
    .sort((a, b) => a.month.localeCompare(b.month));
  const latest = rows.at(-1);
  if (!latest) return undefined;
  const previous = rows.find(
    (r) => r.currency === latest.currency && r.month === addMonths(latest.month, -1),
  );
  return { latest, previous };
}

const percent = (bp: number) => `${(bp / 100).toFixed(2)} %`;

/** Money as people read it: major units and the currency ("120.00 EUR"). */
const money = (m: MonthlyValue) => `${toDisplay('money', m.value, m.currency)} ${m.currency}`;

function unmeasured(
  base: Pick<HealthComponent, 'key' | 'label' | 'max'>,
  reason: string,
): HealthComponent {
  return { ...base, measured: false, points: 0, reason };
}

function revenue(monthly: MonthlyValue[]): HealthComponent {
  const base = {
    key: 'revenue',
    label: 'Revenue vs previous month',
    max: 25,
    measured: true,
  } as const;
  const pair = lastTwo(monthly, 'revenue');
  if (!pair) return unmeasured(base, `no revenue data in the last ${WINDOW_MONTHS} months`);
  const { latest, previous } = pair;
  if (!previous) {
    return {
      ...base,
      measured: false,
      points: 0,
      reason: `no revenue for ${monthLabel(addMonths(latest.month, -1))} to compare ${monthLabel(latest.month)} with`,
    };
  }
  const growth = growthBp(BigInt(latest.value), BigInt(previous.value));
  if (growth === null) {
    // Nothing the month before: any revenue now is all growth; none in either month, none.
    if (BigInt(latest.value) <= 0n) {
      return {
        ...base,
        points: 0,
        reason: `no revenue in ${monthLabel(previous.month)} nor in ${monthLabel(latest.month)}`,
      };
    }
    return {
      ...base,
      points: 25,
      reason: `revenue ${money(latest)} in ${monthLabel(latest.month)} after none in ${monthLabel(previous.month)}`,
    };
  }
  const clamped = Math.max(-1000, Math.min(1000, growth));
  const points = Math.round(((clamped + 1000) * 25) / 2000);
  return {
    ...base,
    points,
    reason: `revenue ${growth >= 0 ? '+' : ''}${percent(growth)} in ${monthLabel(latest.month)} (${money(latest)} vs ${money(previous)})`,
  };
}

function trend(monthly: MonthlyValue[]): HealthComponent {
  const base = { key: 'trend', label: 'Growth trend', max: 25, measured: true } as const;
  const series = (metric: string) => {
    const rows = monthly
      .filter((m) => m.metric === metric)
      .sort((a, b) => a.month.localeCompare(b.month));
    const currency = rows.at(-1)?.currency;
    return rows.filter((r) => r.currency === currency).slice(-6);
  };
  const mrr = series('mrr');
  const [metric, rows] = mrr.length >= 2 ? ['MRR', mrr] : ['revenue', series('revenue')];
  if (rows.length < 2) return unmeasured(base, 'fewer than two months of MRR or revenue data');
  let rises = 0;
  for (let i = 1; i < rows.length; i++)
    if (BigInt(rows[i]!.value) > BigInt(rows[i - 1]!.value)) rises++;
  const changes = rows.length - 1;
  return {
    ...base,
    points: Math.round((25 * rises) / Math.max(changes, TREND_CHANGES)),
    reason:
      `${metric} rose in ${rises} of ${changes} month-to-month changes (${monthLabel(rows[0]!.month)} to ${monthLabel(rows.at(-1)!.month)})` +
      (changes < TREND_CHANGES ? `; full points need ${TREND_CHANGES} changes` : ''),
  };
}

function churn(monthly: MonthlyValue[]): HealthComponent {
  const base = { key: 'churn', label: 'Churn', max: 20, measured: true } as const;
  const pair = lastTwo(monthly, 'churn');
  if (!pair) return unmeasured(base, `no churn data in the last ${WINDOW_MONTHS} months`);
  const bp = Number(pair.latest.value);
  const points = bp <= 200 ? 20 : bp >= 1000 ? 0 : Math.round((20 * (1000 - bp)) / 800);
  return {
    ...base,
    points,
    reason: `churn ${percent(bp)} in ${monthLabel(pair.latest.month)} (2 % or less scores 20, 10 % or more 0)`,
  };
}

function customers(monthly: MonthlyValue[]): HealthComponent {
  const base = {
    key: 'customers',
    label: 'Customers vs previous month',
    max: 10,
    measured: true,
  } as const;
  const pair = lastTwo(monthly, 'customers');
  if (!pair) return unmeasured(base, `no customer count in the last ${WINDOW_MONTHS} months`);
  const { latest, previous } = pair;
  if (!previous) {
    return {
      ...base,
      measured: false,
      points: 0,
      reason: `no customer count for ${monthLabel(addMonths(latest.month, -1))} to compare ${monthLabel(latest.month)} with`,
    };
  }
  const now = BigInt(latest.value);
  const before = BigInt(previous.value);
  const points = now > before ? 10 : now === before ? 5 : 0;
  const word = now > before ? 'more than' : now === before ? 'as many as' : 'fewer than';
  return {
    ...base,
    points,
    reason: `${latest.value} customers in ${monthLabel(latest.month)}, ${word} ${previous.value} in ${monthLabel(previous.month)}`,
  };
}

/**
 * The last day a KPI row covers, as SQL over `portfolio_kpis`: its day, or for a whole month's
 * value (`period = 'month'`, stored on the 1st) the month's last day, never after `asOf`. So a
 * November figure is current until November ends, not stale from its first day.
 */
export function coveredUntil(asOf: string): SQL {
  return sql`least(case when period = 'month'
                        then (day + interval '1 month' - interval '1 day')::date
                        else day end, ${asOf}::date)`;
}

export function createHealthService(deps: {
  db: Database;
  clock: Clock;
  ventures: VenturesService;
}) {
  const { db, clock } = deps;
  return {
    /** The health of a venture as of a day (default: today), explained. */
    async health(
      scope: Scope,
      ventureRef: string,
      options: { asOf?: string } = {},
    ): Promise<Health> {
      const venture = await deps.ventures.getVenture(scope, ventureRef);
      const asOf = options.asOf ?? utcDay(clock.now());
      const start = `${addMonths(asOf.slice(0, 7), -(WINDOW_MONTHS - 1))}-01`;
      const [monthly, latest] = await Promise.all([
        rowsOf<MonthlyValue>(
          db,
          sql`select metric, coalesce(currency, '') as currency, to_char(day, 'YYYY-MM') as month,
                     (case when metric = 'revenue' then sum(value)
                           else (array_agg(value order by day desc))[1] end)::text as value
              from portfolio_kpis
              where org_id = ${scope.orgId} and venture_id = ${venture.id}
                and metric in ('revenue', 'mrr', 'customers', 'churn')
                and day >= ${start}::date and day <= ${asOf}::date
              group by 1, 2, 3`,
        ),
        rowsOf<{ day: string | null }>(
          db,
          sql`select to_char(max(${coveredUntil(asOf)}), 'YYYY-MM-DD') as day from portfolio_kpis
              where org_id = ${scope.orgId} and venture_id = ${venture.id} and day <= ${asOf}::date`,
        ),
      ]);
      const scored = scoreHealth({
        asOf,
        latestDay: latest[0]?.day ?? null,
        monthly: monthly.map((m) => ({ ...m, value: fromColumn(m.value).split('.')[0]! })),
      });
      return { ventureId: venture.id, slug: venture.slug, ...scored };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
