import { sql } from 'drizzle-orm';
import { utcDay } from '../ledger/index.ts';
import type { Clock, Database } from '../kernel/index.ts';
import type { FiguresService, VentureFigures } from './figures.service.ts';
import { venturesWhere, type OrgCache } from './portfolio.cache.ts';
import type { Scope } from './portfolio.types.ts';
import { addMonths, daysBetween, fromColumn, growthBp } from './portfolio.values.ts';
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

interface Row extends Record<string, unknown> {
  venture_id: string;
  metric: string;
  currency: string;
  month: string;
  value: string;
}

/** A metric's value of a venture in a month, in its currency ('' for counts). */
interface Amount {
  currency: string;
  value: bigint;
}
/** A metric's values by venture, then by month. */
type ByVenture = Map<string, Map<string, Amount>>;

interface VentureRow extends Record<string, unknown> {
  id: string;
  slug: string;
  name: string;
  category: string;
}

export function createOverviewService(deps: {
  db: Database;
  clock: Clock;
  cache: OrgCache;
  ventures: VenturesService;
  rollups: Pick<RollupsService, 'defaultMonth'>;
  figures: FiguresService;
  reporting: Reporting;
}) {
  const { db } = deps;

  async function compute(scope: Scope, month: string, currency: string): Promise<Overview> {
    const months = Array.from({ length: MONTHS }, (_, i) => addMonths(month, i - MONTHS + 1));
    const previousMonth = addMonths(month, -1);
    const [rows, ventureRows, categories, figures] = await Promise.all([
      rowsOf<Row>(
        db,
        sql`with v as (select id from portfolio_ventures where ${venturesWhere(scope)})
            select k.venture_id, k.metric, coalesce(k.currency, '') as currency,
                   to_char(k.day, 'YYYY-MM') as month,
                   (case when k.metric = 'revenue' then sum(k.value)
                         else (array_agg(k.value order by k.day desc))[1] end)::text as value
            from portfolio_kpis k join v on v.id = k.venture_id
            where k.org_id = ${scope.orgId} and k.metric in ('revenue', 'mrr', 'customers')
              and k.day >= ${`${months[0]}-01`}::date and k.day < ${`${addMonths(month, 1)}-01`}::date
            group by 1, 2, 3, 4`,
      ),
      rowsOf<VentureRow>(
        db,
        sql`select id, slug, name, category from portfolio_ventures where ${venturesWhere(scope)}`,
      ),
      deps.ventures.listCategories(scope),
      deps.figures.ventureFigures(scope, month),
    ]);

    // The rate of every other currency at every month's end (undefined: none recorded by then).
    const converter = deps.reporting.converter(scope.orgId, currency);
    const currencies = [...new Set(rows.map((r) => r.currency).filter((c) => c && c !== currency))];
    await converter.load(currencies, months);
    const convert: Convert = (amount, from, atMonth) => converter.convert(amount, from, atMonth);

    // values[metric][venture][month] = { currency, value }
    const values = new Map<string, ByVenture>();
    for (const row of rows) {
      const byVenture: ByVenture = values.get(row.metric) ?? new Map<string, Map<string, Amount>>();
      values.set(row.metric, byVenture);
      const byMonth = byVenture.get(row.venture_id) ?? new Map<string, Amount>();
      byVenture.set(row.venture_id, byMonth);
      // A venture that changed currency within a month: the first row wins (rare; documented).
      if (!byMonth.has(row.month)) {
        byMonth.set(row.month, {
          currency: row.currency,
          value: BigInt(fromColumn(row.value).split('.')[0]!),
        });
      }
    }
    const unconverted = new Map<string, Set<string>>();

    /** A metric's figure over some ventures (all when `only` is undefined). */
    /**
     * A metric's figure over some ventures (all when `only` is undefined). Values are added up
     * per currency first and each sum converted once (one rounding per currency and month).
     */
    const figure = (metric: string, only?: Set<string>): OverviewFigure => {
      const byVenture: ByVenture = values.get(metric) ?? new Map<string, Map<string, Amount>>();
      const sums = months.map(() => new Map<string, { total: bigint; ventures: Set<string> }>());
      const pairs = new Map<string, { now: bigint; before: bigint; ventures: number }>();
      for (const [ventureId, byMonth] of byVenture) {
        if (only && !only.has(ventureId)) continue;
        for (const [i, m] of months.entries()) {
          const value = byMonth.get(m);
          if (!value) continue;
          const sum = sums[i]!.get(value.currency) ?? { total: 0n, ventures: new Set<string>() };
          sum.total += value.value;
          sum.ventures.add(ventureId);
          sums[i]!.set(value.currency, sum);
        }
        const now = byMonth.get(month);
        const before = byMonth.get(previousMonth);
        if (now && before && now.currency === before.currency) {
          const pair = pairs.get(now.currency) ?? { now: 0n, before: 0n, ventures: 0 };
          pair.now += now.value;
          pair.before += before.value;
          pair.ventures += 1;
          pairs.set(now.currency, pair);
        }
      }
      const inReporting = (amount: bigint, from: string, atMonth: string) =>
        from ? convert(amount, from, atMonth) : amount;
      const series = months.map((m, i) => {
        let total = 0n;
        let reporting = 0;
        for (const [from, sum] of sums[i]!) {
          const converted = inReporting(sum.total, from, m);
          if (converted === undefined) {
            if (m === month) {
              const set = unconverted.get(from) ?? new Set<string>();
              for (const id of sum.ventures) set.add(id);
              unconverted.set(from, set);
            }
            continue;
          }
          total += converted;
          reporting += sum.ventures.size;
        }
        return { month: m, value: String(total), reporting };
      });
      // Constant rates: both months at this month's rate, so exchange moves are not growth.
      let currentBoth = 0n;
      let previousBoth = 0n;
      let compared = 0;
      for (const [from, pair] of pairs) {
        const a = inReporting(pair.now, from, month);
        const b = inReporting(pair.before, from, month);
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
    const byCategory = new Map<string, Set<string>>();
    for (const v of ventureRows) {
      const set = byCategory.get(v.category) ?? new Set();
      set.add(v.id);
      byCategory.set(v.category, set);
    }
    const total = BigInt(mrr.current);
    const categoryFigures = categories
      .filter((c) => byCategory.has(c.key))
      .map((c) => {
        const ids = byCategory.get(c.key)!;
        const own = figure('mrr', ids);
        const current = BigInt(own.current);
        return {
          key: c.key,
          label: c.label,
          ventures: ids.size,
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

    const names = new Map(ventureRows.map((v) => [v.id, v]));
    const movers = moversOf(
      values.get('mrr') ?? new Map<string, Map<string, Amount>>(),
      month,
      previousMonth,
      convert,
      names,
    );
    return {
      month,
      previousMonth,
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
      unconverted: [...unconverted]
        .map(([c, ids]) => ({ currency: c, ventures: ids.size }))
        .sort((a, b) => a.currency.localeCompare(b.currency)),
      ventures: { total: ventureRows.length },
      mrr,
      revenue: figure('revenue'),
      customers: figure('customers'),
      categories: categoryFigures,
      movers,
      attention: attentionOf(figures, names, utcDay(deps.clock.now())),
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
  mrr: ByVenture,
  month: string,
  previousMonth: string,
  convert: Convert,
  names: Map<string, VentureRow>,
): { up: Mover[]; down: Mover[] } {
  const all: Mover[] = [];
  for (const [ventureId, byMonth] of mrr) {
    const now = byMonth.get(month);
    const before = byMonth.get(previousMonth);
    const venture = names.get(ventureId);
    if (!now || !before || now.currency !== before.currency || !venture) continue;
    const a = convert(now.value, now.currency, month);
    const b = convert(before.value, before.currency, month);
    if (a === undefined || b === undefined || a === b) continue;
    all.push({
      ventureId,
      slug: venture.slug,
      name: venture.name,
      current: String(a),
      previous: String(b),
      change: String(a - b),
      growthBp: growthBp(a, b),
    });
  }
  const byChange = (x: Mover, y: Mover) => Number(BigInt(y.change) - BigInt(x.change));
  all.sort(byChange);
  return {
    up: all.filter((m) => BigInt(m.change) > 0n).slice(0, LIST),
    down: all
      .filter((m) => BigInt(m.change) < 0n)
      .reverse()
      .slice(0, LIST),
  };
}

/** The ventures that need someone: low health, MRR drops, and data gone stale. */
function attentionOf(
  figures: Map<string, VentureFigures>,
  names: Map<string, VentureRow>,
  today: string,
): Overview['attention'] {
  const list = [...figures.values()].filter((f) => names.has(f.ventureId));
  const about = (f: VentureFigures) => {
    const v = names.get(f.ventureId)!;
    return { ventureId: v.id, slug: v.slug, name: v.name };
  };
  const lowestHealth = list
    .filter((f) => f.lastKpiDay !== null && f.health.score < LOW_HEALTH)
    .sort((a, b) => a.health.score - b.health.score || a.ventureId.localeCompare(b.ventureId))
    .slice(0, LIST)
    .map((f) => ({
      ...about(f),
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
      ...about(f),
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
      ...about(f),
      lastKpiDay: f.lastKpiDay,
      reason: `no KPI for ${daysBetween(f.lastKpiDay!, today)} days`,
    })),
    staleCount: staleAll.length,
    neverReported: list.filter((f) => f.lastKpiDay === null).length,
  };
}
