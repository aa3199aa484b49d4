import { sql } from 'drizzle-orm';
import { utcDay } from '../ledger/index.ts';
import type { Clock, Database } from '../kernel/index.ts';
import { windowOf, type FiguresService, type VentureFigures } from './figures.service.ts';
import type { OrgCache } from './portfolio.cache.ts';
import type { Scope } from './portfolio.types.ts';
import { overviewSums, type MrrPair } from './overview.sums.ts';
import type { PortfolioStates } from './portfolio.state.ts';
import { addMonths, daysBetween, growthBp } from './portfolio.values.ts';
import type { Reporting } from './reporting.ts';
import { rowsOf, type RollupsService } from './rollups.service.ts';
import type { VenturesService } from './ventures.service.ts';

/**
 * Home's answers in one reporting currency: the headline figures with their last twelve months,
 * the categories, the ventures that moved most and those that need someone. Money of other
 * currencies is converted with the ledger's exchange rates in force at each month's end; a
 * currency without a rate is left out and named, never guessed. See README.md, "Overview".
 */

export interface OverviewQuery {
  /** ISO 4217; default: the organisation's (its top holding's base currency). */
  currency?: string | undefined;
  /** `YYYY-MM`; default: the latest complete month with KPIs. */
  month?: string | undefined;
}

export interface OverviewFigure {
  /** This month's total: minor units of the reporting currency for money, a count otherwise. */
  current: string;
  previous: string;
  /**
   * Like for like and at constant rates: over the ventures with a value in both months, both
   * converted at this month's rates, in basis points; null without a base.
   */
  growthBp: number | null;
  /** Ventures with a value this month, and those with one in both months. */
  reporting: number;
  compared: number;
  /** The twelve months ending with this one, oldest first, each converted at its month's rates. */
  series: { month: string; value: string; reporting: number }[];
}

export interface Mover {
  ventureId: string;
  slug: string;
  name: string;
  /** MRR in minor units of the reporting currency, both months at this month's rate. */
  current: string;
  previous: string;
  change: string;
  growthBp: number | null;
}

export interface AttentionVenture {
  ventureId: string;
  slug: string;
  name: string;
  /** What needs attention, in a sentence. */
  reason: string;
  score?: number | undefined;
  growthBp?: number | undefined;
  lastKpiDay?: string | null | undefined;
}

export interface Overview {
  month: string;
  previousMonth: string;
  currency: string;
  /**
   * The rate used for each other currency in `month`, as the ledger recorded it: `rate` units of
   * `quote` per unit of `base` (the pair either way round), in force since `effectiveOn`.
   */
  rates: { currency: string; base: string; quote: string; rate: string; effectiveOn: string }[];
  /** Currencies with no rate to `currency` by the month's end: left out of the totals. */
  unconverted: { currency: string; ventures: number }[];
  ventures: { total: number };
  mrr: OverviewFigure;
  revenue: OverviewFigure;
  customers: OverviewFigure;
  categories: {
    key: string;
    label: string;
    ventures: number;
    mrr: { current: string; growthBp: number | null; reporting: number; compared: number };
    /** Its share of the portfolio's MRR this month, in basis points. */
    shareBp: number;
  }[];
  movers: { up: Mover[]; down: Mover[] };
  attention: {
    /** The lowest health scores under 50, lowest first. */
    lowestHealth: AttentionVenture[];
    /** MRR fallen 10 % or more against the month before, biggest fall first. */
    drops: AttentionVenture[];
    /** No KPI for more than 35 days (ventures that never reported are counted in `neverReported`). */
    stale: AttentionVenture[];
    staleCount: number;
    neverReported: number;
  };
}

const MONTHS = 12;
const LIST = 5;
const STALE_DAYS = 35;
const LOW_HEALTH = 50;
const DROP_BP = -1_000;

/** A venture's name, for the lists that show it. */
interface VentureRow extends Record<string, unknown> {
  id: string;
  slug: string;
  name: string;
}

/** A list's entry before its venture's slug and name are read. */
type Unnamed<T> = Omit<T, 'slug' | 'name'>;

export function createOverviewService(deps: {
  db: Database;
  clock: Clock;
  cache: OrgCache;
  ventures: VenturesService;
  rollups: Pick<RollupsService, 'defaultMonth'>;
  figures: FiguresService;
  states: PortfolioStates;
  reporting: Reporting;
}) {
  const { db } = deps;

  async function compute(scope: Scope, month: string, currency: string): Promise<Overview> {
    const months = Array.from({ length: MONTHS }, (_, i) => addMonths(month, i - MONTHS + 1));
    const asOf = utcDay(deps.clock.now());
    const { first, last } = windowOf(month, asOf);
    const [state, categories] = await Promise.all([
      deps.states.state(scope.orgId, first, last, asOf),
      deps.ventures.listCategories(scope),
    ]);
    const totals = overviewSums(state, scope, month, MONTHS);
    const figures = deps.figures.figuresIn(state, scope, month);

    // The rate of every other currency at every month's end (undefined: none recorded by then).
    const converter = deps.reporting.converter(scope.orgId, currency);
    const currencies = [
      ...new Set(totals.sums.map((s) => s.currency).filter((c) => c && c !== currency)),
    ];
    await converter.load(currencies, months);
    const convert: Convert = (amount, from, atMonth) => converter.convert(amount, from, atMonth);
    const inReporting = (amount: bigint, from: string, atMonth: string) =>
      from ? convert(amount, from, atMonth) : amount;

    /**
     * A metric's figure over one category's ventures, or all. The categories' totals are added
     * up per currency first and each sum converted once (one rounding per currency and month).
     */
    const figure = (metric: string, category?: string): OverviewFigure => {
      const mine = <T extends { metric: string; category: string }>(list: T[]) =>
        list.filter(
          (r) => r.metric === metric && (category === undefined || r.category === category),
        );
      const sums = new Map<string, Map<string, { total: bigint; ventures: number }>>();
      for (const s of mine(totals.sums)) {
        const byCurrency =
          sums.get(s.month) ?? new Map<string, { total: bigint; ventures: number }>();
        sums.set(s.month, byCurrency);
        const sum = byCurrency.get(s.currency) ?? { total: 0n, ventures: 0 };
        sum.total += s.total;
        sum.ventures += s.ventures;
        byCurrency.set(s.currency, sum);
      }
      const series = months.map((m) => {
        let total = 0n;
        let reporting = 0;
        for (const [from, sum] of sums.get(m) ?? []) {
          const converted = inReporting(sum.total, from, m);
          if (converted === undefined) continue;
          total += converted;
          reporting += sum.ventures;
        }
        return { month: m, value: String(total), reporting };
      });
      // Constant rates: both months at this month's rate, so exchange moves are not growth.
      const pairs = new Map<string, { current: bigint; previous: bigint; ventures: number }>();
      for (const p of mine(totals.pairs)) {
        const pair = pairs.get(p.currency) ?? { current: 0n, previous: 0n, ventures: 0 };
        pair.current += p.current;
        pair.previous += p.previous;
        pair.ventures += p.ventures;
        pairs.set(p.currency, pair);
      }
      let currentBoth = 0n;
      let previousBoth = 0n;
      let compared = 0;
      for (const [from, pair] of pairs) {
        const a = inReporting(pair.current, from, month);
        const b = inReporting(pair.previous, from, month);
        if (a === undefined || b === undefined) continue;
        currentBoth += a;
        previousBoth += b;
        compared += pair.ventures;
      }
      const last = series.at(-1)!;
      return {
        current: last.value,
        previous: series.at(-2)!.value,
        growthBp: growthBp(currentBoth, previousBoth),
        reporting: last.reporting,
        compared,
        series,
      };
    };

    const mrr = figure('mrr');
    const total = BigInt(mrr.current);
    const categoryFigures = categories
      .filter((c) => totals.ventures.has(c.key))
      .map((c) => {
        const own = figure('mrr', c.key);
        const current = BigInt(own.current);
        return {
          key: c.key,
          label: c.label,
          ventures: totals.ventures.get(c.key)!,
          mrr: {
            current: own.current,
            growthBp: own.growthBp,
            reporting: own.reporting,
            compared: own.compared,
          },
          shareBp: total > 0n ? Number((current * 10_000n) / total) : 0,
        };
      })
      .sort((a, b) => Number(BigInt(b.mrr.current) - BigInt(a.mrr.current)));

    const movers = moversOf(totals.mrrPairs, month, convert);
    const attention = attentionOf(figures, asOf);
    // Names only for the ventures the lists show.
    const shown = [
      ...new Set(
        [
          ...movers.up,
          ...movers.down,
          ...attention.lowestHealth,
          ...attention.drops,
          ...attention.stale,
        ].map((v) => v.ventureId),
      ),
    ];
    const names = new Map(
      shown.length === 0
        ? []
        : (
            await rowsOf<VentureRow>(
              db,
              sql`select id, slug, name from portfolio_ventures
                  where org_id = ${scope.orgId} and id in (${sql.join(
                    shown.map((id) => sql`${id}::uuid`),
                    sql`, `,
                  )})`,
            )
          ).map((v) => [v.id, v]),
    );
    const named = <T extends { ventureId: string }>(list: T[]) =>
      list.flatMap(({ ventureId, ...rest }) => {
        const v = names.get(ventureId);
        return v ? [{ ventureId, slug: v.slug, name: v.name, ...rest }] : [];
      });
    return {
      month,
      previousMonth: addMonths(month, -1),
      currency,
      rates: currencies
        .map((c) => ({ c, rate: converter.rate(c, month) }))
        .filter((r) => r.rate !== undefined)
        .map(({ c, rate }) => ({
          currency: c,
          // The rate as the ledger recorded it, for the pair it was recorded for.
          base: rate!.inverted ? rate!.quote : rate!.base,
          quote: rate!.inverted ? rate!.base : rate!.quote,
          rate: rate!.rate,
          effectiveOn: rate!.effectiveOn,
        }))
        .sort((a, b) => a.currency.localeCompare(b.currency)),
      // MRR and revenue of a currency without a rate this month are left out of the totals.
      unconverted: [...totals.moneyVentures]
        .filter(([c]) => c !== currency && convert(0n, c, month) === undefined)
        .map(([c, ventures]) => ({ currency: c, ventures }))
        .sort((a, b) => a.currency.localeCompare(b.currency)),
      ventures: { total: [...totals.ventures.values()].reduce((a, b) => a + b, 0) },
      mrr,
      revenue: figure('revenue'),
      customers: figure('customers'),
      categories: categoryFigures,
      movers: { up: named(movers.up), down: named(movers.down) },
      attention: {
        ...attention,
        lowestHealth: named(attention.lowestHealth),
        drops: named(attention.drops),
        stale: named(attention.stale),
      },
    };
  }

  return {
    /** Home's overview of a month in one reporting currency (see `Overview`). */
    async overview(scope: Scope, query: OverviewQuery = {}): Promise<Overview> {
      const [month, currency] = await Promise.all([
        query.month ?? deps.rollups.defaultMonth(scope),
        deps.reporting.reportingCurrency(scope, query.currency),
      ]);
      if (scope.ventureIds !== null) return compute(scope, month, currency);
      return deps.cache.cached(`${scope.orgId}|overview|${month}|${currency}`, () =>
        compute(scope, month, currency),
      );
    },
  };
}

type Convert = (amount: bigint, from: string, month: string) => bigint | undefined;

/** The five biggest rises and falls of MRR, like for like at this month's rate. */
function moversOf(
  pairs: MrrPair[],
  month: string,
  convert: Convert,
): { up: Unnamed<Mover>[]; down: Unnamed<Mover>[] } {
  const all: Unnamed<Mover>[] = [];
  for (const { ventureId, currency, current, previous } of pairs) {
    const a = convert(current, currency, month);
    const b = convert(previous, currency, month);
    if (a === undefined || b === undefined || a === b) continue;
    all.push({
      ventureId,
      current: String(a),
      previous: String(b),
      change: String(a - b),
      growthBp: growthBp(a, b),
    });
  }
  const byChange = (x: Unnamed<Mover>, y: Unnamed<Mover>) =>
    Number(BigInt(y.change) - BigInt(x.change));
  all.sort(byChange);
  return {
    up: all.filter((m) => BigInt(m.change) > 0n).slice(0, LIST),
    down: all
      .filter((m) => BigInt(m.change) < 0n)
      .reverse()
      .slice(0, LIST),
  };
}

type Attention = Overview['attention'];

/** The ventures that need someone: low health, MRR drops, and data gone stale. */
function attentionOf(
  figures: Map<string, VentureFigures>,
  today: string,
): Omit<Attention, 'lowestHealth' | 'drops' | 'stale'> & {
  [K in 'lowestHealth' | 'drops' | 'stale']: Unnamed<Attention[K][number]>[];
} {
  const list = [...figures.values()];
  const lowestHealth = list
    .filter((f) => f.lastKpiDay !== null && f.health.score < LOW_HEALTH)
    .sort((a, b) => a.health.score - b.health.score || a.ventureId.localeCompare(b.ventureId))
    .slice(0, LIST)
    .map((f) => ({
      ventureId: f.ventureId,
      score: f.health.score,
      reason: f.health.weakest ?? `health ${f.health.score} of 100`,
    }));
  const drops = list
    .flatMap((f) => {
      const mrr = f.mrr;
      if (!mrr?.previous) return [];
      const bp = growthBp(BigInt(mrr.current), BigInt(mrr.previous));
      return bp !== null && bp <= DROP_BP ? [{ f, bp }] : [];
    })
    .sort((a, b) => a.bp - b.bp)
    .slice(0, LIST)
    .map(({ f, bp }) => ({
      ventureId: f.ventureId,
      growthBp: bp,
      reason: `MRR ${(bp / 100).toFixed(1)} % against the month before`,
    }));
  const staleAll = list
    .filter((f) => f.lastKpiDay !== null && daysBetween(f.lastKpiDay, today) > STALE_DAYS)
    .sort((a, b) => a.lastKpiDay!.localeCompare(b.lastKpiDay!));
  return {
    lowestHealth,
    drops,
    stale: staleAll.slice(0, LIST).map((f) => ({
      ventureId: f.ventureId,
      lastKpiDay: f.lastKpiDay,
      reason: `no KPI for ${daysBetween(f.lastKpiDay!, today)} days`,
    })),
    staleCount: staleAll.length,
    neverReported: list.filter((f) => f.lastKpiDay === null).length,
  };
}
