import { and, asc, eq, gte, inArray, isNull, lte, sql } from 'drizzle-orm';
import {
  ErrorCodes,
  UserError,
  isUuid,
  type Clock,
  type Database,
  type EventBus,
  type Logger,
  type Transaction,
} from '../kernel/index.ts';
import { parseCsv } from './portfolio.csv.ts';
import { portfolioKpis, portfolioVentures } from './portfolio.schema.ts';
import {
  MAX_KPI_BATCH,
  type CsvImportResult,
  type CsvRowError,
  type Kpi,
  type KpiInput,
  type KpiPostResult,
  type Metric,
  type Scope,
  type SeriesQuery,
} from './portfolio.types.ts';
import {
  CURRENCY,
  fromColumn,
  fromDisplay,
  parseKpiDay,
  storedValueProblem,
} from './portfolio.values.ts';
import { inScope, invalid, type PortfolioAudit, type VenturesService } from './ventures.service.ts';

/** Published after KPIs are written, once per venture: what the dashboard's live view relays. */
export const KPI_POSTED = 'portfolio.kpi.posted';

export interface KpiPostedEvent {
  orgId: string;
  ventureId: string;
  metrics: string[];
  /** The earliest and latest day written. */
  from: string;
  to: string;
  count: number;
}

export interface KpisDeps {
  db: Database;
  clock: Clock;
  audit: PortfolioAudit;
  events: Pick<EventBus, 'publish'>;
  ventures: VenturesService;
  log?: Logger | undefined;
}

type KpiRow = typeof portfolioKpis.$inferInsert;

/** Rows per INSERT: 8 parameters each, far below PostgreSQL's 65,535. */
const INSERT_CHUNK = 1_000;
/** Batches this large refresh the planner's statistics (see `analyzeAfter`). */
const ANALYZE_AFTER_ROWS = 1_000;

/**
 * Records that these ventures' KPIs changed in this transaction (`changed_xid`, read by
 * `portfolio.state.ts`). The KPI rows inserted before hold a key-share lock on their venture
 * (their foreign key); `for no key update` does not conflict with it, so two batches over the
 * same venture wait for each other (in id order) rather than deadlock.
 */
async function touchVentures(tx: Transaction, orgId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(sql`
    update portfolio_ventures set changed_xid = pg_current_xact_id()
    where id in (select id from portfolio_ventures
                 where org_id = ${orgId} and id in (${sql.join(
                   ids.map((id) => sql`${id}::uuid`),
                   sql`, `,
                 )})
                 order by id for no key update)`);
}

/** KPI time series: batch upserts, CSV import with a row-by-row report, series by range. */
export function createKpisService(deps: KpisDeps) {
  const { db, clock, audit, ventures } = deps;

  /** Open (not archived) ventures of the scope, by id or slug. */
  async function openVentures(
    scope: Scope,
    by: 'id' | 'slug',
    refs: string[],
  ): Promise<Map<string, string>> {
    const wanted = [...new Set(refs)].filter((r) => by === 'slug' || isUuid(r));
    if (wanted.length === 0) return new Map();
    const column = by === 'id' ? portfolioVentures.id : portfolioVentures.slug;
    const rows = await db
      .select({ id: portfolioVentures.id, slug: portfolioVentures.slug })
      .from(portfolioVentures)
      .where(
        and(
          eq(portfolioVentures.orgId, scope.orgId),
          inArray(column, wanted),
          isNull(portfolioVentures.archivedAt),
          inScope(scope),
        ),
      );
    return new Map(rows.map((r) => [by === 'id' ? r.id : r.slug, r.id]));
  }

  async function write(tx: Transaction, scope: Scope, rows: KpiRow[]): Promise<number> {
    let written = 0;
    const changed = new Set<string>();
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const result = await tx
        .insert(portfolioKpis)
        .values(rows.slice(i, i + INSERT_CHUNK))
        .onConflictDoUpdate({
          target: [portfolioKpis.ventureId, portfolioKpis.metric, portfolioKpis.day],
          set: {
            value: sql`excluded.value`,
            currency: sql`excluded.currency`,
            period: sql`excluded.period`,
            updatedAt: sql`excluded.updated_at`,
          },
          // An unchanged value is not a change (nor an event).
          setWhere: sql`(${portfolioKpis.value}, ${portfolioKpis.currency}, ${portfolioKpis.period}) is distinct from (excluded.value, excluded.currency, excluded.period)`,
        })
        .returning({ ventureId: portfolioKpis.ventureId });
      written += result.length;
      for (const r of result) changed.add(r.ventureId);
    }
    await touchVentures(tx, scope.orgId, [...changed]);
    const ventureIds = [...new Set(rows.map((r) => r.ventureId))];
    await audit.record(tx, {
      action: 'portfolio.kpi.post',
      entityType: 'portfolio_venture',
      entityId: ventureIds.length === 1 ? ventureIds[0]! : null,
      orgId: scope.orgId,
      after: {
        rows: rows.length,
        written,
        ventures: ventureIds.length,
        metrics: [...new Set(rows.map((r) => r.metric))].sort(),
      },
    });
    return written;
  }

  /**
   * After a large write, refreshes the planner's statistics: PGlite runs no autovacuum, and with
   * stale row counts the roll-up joins turn into nested loops (seconds instead of milliseconds
   * after a bulk import). On a server this only brings autovacuum's analyze forward.
   */
  async function analyzeAfter(rows: number): Promise<void> {
    if (rows < ANALYZE_AFTER_ROWS) return;
    await db.execute(sql`analyze portfolio_kpis, portfolio_ventures`);
  }

  /** Tells subscribers (the SSE route) what changed, one event per venture. */
  async function announce(scope: Scope, rows: KpiRow[]): Promise<void> {
    const byVenture = new Map<string, KpiRow[]>();
    for (const row of rows) {
      let list = byVenture.get(row.ventureId);
      if (!list) byVenture.set(row.ventureId, (list = []));
      list.push(row);
    }
    for (const [ventureId, list] of byVenture) {
      const days = list.map((r) => r.day).sort();
      const event: KpiPostedEvent = {
        orgId: scope.orgId,
        ventureId,
        metrics: [...new Set(list.map((r) => r.metric))].sort(),
        from: days[0]!,
        to: days.at(-1)!,
        count: list.length,
      };
      // The KPIs are stored: a lost notification only delays the dashboard.
      await deps.events.publish(KPI_POSTED, event).catch((error: unknown) => {
        deps.log?.warn({ err: error }, 'could not publish portfolio.kpi.posted');
      });
    }
  }

  function metricMap(metrics: Metric[]): Map<string, Metric> {
    return new Map(metrics.map((m) => [m.key, m]));
  }

  return {
    /**
     * Stores a batch of KPI values (at most `MAX_KPI_BATCH`), replacing any value of the same
     * venture, metric and day. All or nothing: one invalid item refuses the batch, with every
     * problem in `details` (`items.<index>.<field>`).
     */
    async postKpis(scope: Scope, items: KpiInput[]): Promise<KpiPostResult> {
      if (items.length === 0) throw invalid('items', 'must hold at least one KPI');
      if (items.length > MAX_KPI_BATCH) {
        throw invalid('items', `may hold at most ${MAX_KPI_BATCH} KPIs per batch`);
      }
      const metrics = metricMap(await ventures.listMetrics(scope));
      const known = await openVentures(
        scope,
        'id',
        items.map((i) => i.ventureId),
      );
      const problems: { path: string; message: string }[] = [];
      const rows = new Map<string, KpiRow>();
      const now = clock.now();
      items.forEach((item, index) => {
        const problem = (field: string, message: string) =>
          problems.push({ path: `items.${index}.${field}`, message });
        if (!known.has(item.ventureId))
          problem('ventureId', 'is not an open venture you may write');
        const metric = metrics.get(item.metric);
        if (!metric) problem('metric', `is not a metric of the organisation`);
        const day = parseKpiDay(item.day);
        if (!day) problem('day', 'must be a date YYYY-MM-DD or a month YYYY-MM');
        let value = item.value;
        if (metric) {
          if ((value === undefined) === (item.displayValue === undefined)) {
            problem('value', 'give either value (stored unit) or displayValue, not both');
          } else if (item.displayValue !== undefined) {
            const converted = fromDisplay(metric.unit, item.displayValue, item.currency);
            if ('problem' in converted) problem('displayValue', converted.problem);
            else value = converted.value;
          } else {
            const valueProblem = storedValueProblem(metric.unit, value!);
            if (valueProblem) problem('value', valueProblem);
          }
          if (metric.unit === 'money') {
            if (!item.currency || !CURRENCY.test(item.currency)) {
              problem('currency', 'is required for a money metric (ISO 4217, e.g. EUR)');
            }
          } else if (item.currency !== undefined) {
            problem('currency', `is only for money metrics (${metric.key} is ${metric.unit})`);
          }
        }
        if (problems.length === 0 && day && metric && value !== undefined) {
          rows.set(`${item.ventureId}/${item.metric}/${day.day}`, {
            orgId: scope.orgId,
            ventureId: item.ventureId,
            metric: item.metric,
            day: day.day,
            period: day.period,
            value,
            currency: metric.unit === 'money' ? item.currency! : null,
            updatedAt: now,
          });
        }
      });
      if (problems.length > 0) {
        throw new UserError(
          ErrorCodes.validationFailed,
          `${problems.length} invalid KPI value(s): ${problems
            .slice(0, 5)
            .map((p) => `${p.path} ${p.message}`)
            .join('; ')}`,
          { details: problems },
        );
      }
      const list = [...rows.values()];
      const written = await db.transaction((tx) => write(tx, scope, list));
      await analyzeAfter(list.length);
      await announce(scope, list);
      return {
        written,
        ventureIds: [...new Set(list.map((r) => r.ventureId))],
        metrics: [...new Set(list.map((r) => r.metric))].sort(),
      };
    },

    /**
     * Imports KPIs from CSV text with the columns `venture` (slug), `metric`, `date`, `value` and
     * `currency` (money metrics only). Values are as people write them: money in major units
     * (`1234.56`), percentages in percent (`2.5`). Every valid row is written in one
     * transaction; every invalid one is reported with its line number, column and reason.
     * Nothing is written on a dry run.
     */
    async importCsv(
      scope: Scope,
      text: string,
      options: { dryRun?: boolean } = {},
    ): Promise<CsvImportResult> {
      const dryRun = options.dryRun ?? false;
      const records = parseCsv(text);
      const header = records.shift();
      const errors: CsvRowError[] = [];
      const columns = new Map(
        (header?.fields ?? []).map((name, i) => [name.trim().toLowerCase(), i]),
      );
      const missing = ['venture', 'metric', 'date', 'value'].filter((c) => !columns.has(c));
      if (!header || missing.length > 0) {
        throw new UserError(
          ErrorCodes.validationFailed,
          `The CSV header must name the columns venture, metric, date, value (and currency for money); missing: ${missing.join(', ') || 'the header'}`,
          { details: missing.map((column) => ({ row: 1, column, reason: 'missing column' })) },
        );
      }
      if (records.length > MAX_KPI_BATCH * 20) {
        throw invalid('csv', `may hold at most ${MAX_KPI_BATCH * 20} rows per import`);
      }
      const cell = (fields: string[], name: string) => {
        const i = columns.get(name);
        return i === undefined ? '' : (fields[i] ?? '').trim();
      };
      const metrics = metricMap(await ventures.listMetrics(scope));
      const slugs = await openVentures(
        scope,
        'slug',
        records.map((r) => cell(r.fields, 'venture')),
      );
      const rows = new Map<string, { line: number; row: KpiRow }>();
      const now = clock.now();
      for (const { line, fields } of records) {
        const before = errors.length;
        const error = (column: string, reason: string) =>
          errors.push({ row: line, column, reason });
        const slug = cell(fields, 'venture');
        const ventureId = slugs.get(slug);
        if (!ventureId) {
          error('venture', slug === '' ? 'is empty' : `no open venture "${slug}"`);
        }
        const metricKey = cell(fields, 'metric');
        const metric = metrics.get(metricKey);
        if (!metric) {
          error(
            'metric',
            metricKey === ''
              ? 'is empty'
              : `unknown metric "${metricKey}" (known: ${[...metrics.keys()].join(', ')})`,
          );
        }
        const dateText = cell(fields, 'date');
        const day = parseKpiDay(dateText);
        if (!day) error('date', `"${dateText}" is not a date YYYY-MM-DD or a month YYYY-MM`);
        const currencyText = cell(fields, 'currency').toUpperCase();
        let value: string | undefined;
        if (metric) {
          if (metric.unit === 'money' && !CURRENCY.test(currencyText)) {
            error(
              'currency',
              currencyText === ''
                ? `is required for ${metric.key} (money)`
                : `"${currencyText}" is not an ISO 4217 code`,
            );
          } else if (metric.unit !== 'money' && currencyText !== '') {
            error('currency', `must be empty: ${metric.key} is ${metric.unit}, not money`);
          }
          const converted = fromDisplay(
            metric.unit,
            cell(fields, 'value'),
            metric.unit === 'money' && CURRENCY.test(currencyText) ? currencyText : undefined,
          );
          if ('problem' in converted) {
            if (converted.problem !== 'needs a currency') error('value', converted.problem);
          } else value = converted.value;
        }
        if (errors.length > before || !ventureId || !metric || !day || value === undefined) {
          continue;
        }
        const key = `${ventureId}/${metric.key}/${day.day}`;
        const earlier = rows.get(key);
        if (earlier) {
          error('date', `repeats row ${earlier.line} (same venture, metric and date)`);
          continue;
        }
        rows.set(key, {
          line,
          row: {
            orgId: scope.orgId,
            ventureId,
            metric: metric.key,
            day: day.day,
            period: day.period,
            value,
            currency: metric.unit === 'money' ? currencyText : null,
            updatedAt: now,
          },
        });
      }
      const valid = [...rows.values()].map((r) => r.row);
      let applied = 0;
      if (!dryRun && valid.length > 0) {
        await db.transaction((tx) => write(tx, scope, valid));
        applied = valid.length;
        await analyzeAfter(valid.length);
        await announce(scope, valid);
      }
      errors.sort((a, b) => a.row - b.row);
      return { dryRun, rows: records.length, valid: valid.length, applied, errors };
    },

    /** A venture's series, oldest first, per metric, between two days (inclusive). */
    async series(
      scope: Scope,
      ventureRef: string,
      query: SeriesQuery = {},
    ): Promise<{ ventureId: string; kpis: Kpi[] }> {
      const venture = await ventures.getVenture(scope, ventureRef);
      const from = query.from === undefined ? undefined : parseKpiDay(query.from)?.day;
      const to = query.to === undefined ? undefined : parseKpiDay(query.to);
      if (query.from !== undefined && !from) throw invalid('from', 'must be YYYY-MM-DD or YYYY-MM');
      if (query.to !== undefined && !to) throw invalid('to', 'must be YYYY-MM-DD or YYYY-MM');
      // A month as the upper bound means its last day.
      const toDay =
        to?.period === 'month'
          ? sql`(${to.day}::date + interval '1 month' - interval '1 day')::date`
          : to?.day;
      const rows = await db
        .select()
        .from(portfolioKpis)
        .where(
          and(
            eq(portfolioKpis.orgId, scope.orgId),
            eq(portfolioKpis.ventureId, venture.id),
            query.metrics?.length ? inArray(portfolioKpis.metric, query.metrics) : undefined,
            from ? gte(portfolioKpis.day, from) : undefined,
            toDay === undefined ? undefined : lte(portfolioKpis.day, toDay),
          ),
        )
        .orderBy(asc(portfolioKpis.metric), asc(portfolioKpis.day));
      return {
        ventureId: venture.id,
        kpis: rows.map((r) => ({
          ventureId: r.ventureId,
          metric: r.metric,
          day: r.day,
          period: r.period as 'day' | 'month',
          value: fromColumn(r.value),
          currency: r.currency,
        })),
      };
    },
  };
}

export type KpisService = ReturnType<typeof createKpisService>;
