import { sql, type SQL } from 'drizzle-orm';
import {
  changedSince,
  createKeptStates,
  type Database,
  type Transaction,
} from '../kernel/index.ts';
import { coveredUntil } from './health.ts';
import { compareText, fromColumn } from './portfolio.values.ts';

/**
 * What Home's overview and the ventures' figures are computed from: every open venture of an
 * organisation with its KPIs per metric, currency and month over a window of months, kept in
 * memory and brought up to date at every request from what changed since it was read.
 *
 * Every write to a venture or its KPIs sets the venture's `changed_xid` to the writing
 * transaction; a request reads, in one read-only repeatable-read transaction, the ventures
 * written since the snapshot the state was read in (an index range), and reads again only
 * those. Ventures that were not changed keep the same `VentureState` object, so what is derived
 * from one (its figures, `figures.service.ts`) is derived once. A venture deleted outright (the
 * demo's reset) is noticed by the count of open ventures, and the state is read afresh.
 */

/** One metric's KPIs of one venture in one month and currency. */
export interface VentureMonth {
  metric: string;
  /** ISO 4217, '' for counts. */
  currency: string;
  /** `YYYY-MM`. */
  month: string;
  /** Revenue: the month's sum; other metrics: the latest value (whole minor units or a count). */
  value: bigint;
  /** The day of the latest KPI in it. */
  last: string;
  /** KPIs dated after the state's day (`asOf`), kept apart: figures as of today leave them out. */
  future: boolean;
}

export interface VentureState {
  id: string;
  category: string;
  /** Revenue, MRR, customers and churn, by month, then by latest day (a month in two currencies: the later last). */
  months: VentureMonth[];
  /** The last day its KPIs cover as of `asOf` (a month's value covers the month), or null. */
  covered: string | null;
}

export interface PortfolioState {
  /** First and last month (`YYYY-MM`) of the window, and the day it is read as of. */
  first: string;
  last: string;
  asOf: string;
  /** The organisation's open ventures, by id. */
  ventures: ReadonlyMap<string, VentureState>;
}

/** The metrics the overview and the health score read. */
const METRICS = ['revenue', 'mrr', 'customers', 'churn'];

interface Entry {
  snapshot: string;
  state: PortfolioState;
}

/**
 * Keeps one state per organisation, window and day (the `maxEntries` most recently used, each
 * dropped once unused for `idleMs`). Requests for one state take turns, each starting from the
 * state the one before left, so a first read is shared, not repeated. A failed request keeps
 * nothing (see `createKeptStates`).
 */
export function createPortfolioStates(db: Database, maxEntries = 16, idleMs = 30 * 60_000) {
  const states = createKeptStates<Entry>({ maxEntries, idleMs });

  return {
    /** The state of the organisation's open ventures for months `first`..`last`, as of `asOf`. */
    async state(orgId: string, first: string, last: string, asOf: string): Promise<PortfolioState> {
      const entry = await states.next(`${orgId}|${first}|${last}|${asOf}`, (base) =>
        db.transaction((tx) => refresh(tx, orgId, { first, last, asOf }, base), {
          isolationLevel: 'repeatable read',
          accessMode: 'read only',
        }),
      );
      return entry.state;
    },
  };
}

export type PortfolioStates = ReturnType<typeof createPortfolioStates>;

type Window = Pick<PortfolioState, 'first' | 'last' | 'asOf'>;

interface Changes extends Record<string, unknown> {
  snapshot: string;
  open: number;
  changed: string | null;
}

/** The state from `base` brought up to date, or read afresh without one. */
async function refresh(
  tx: Transaction,
  orgId: string,
  window: Window,
  base: Entry | undefined,
): Promise<Entry> {
  const changed = base ? sql`${changedSince(sql`changed_xid`, base.snapshot)}` : sql`false`;
  const result = await tx.execute(sql`
    select pg_current_snapshot()::text as snapshot,
      (select count(*)::int from portfolio_ventures
        where org_id = ${orgId} and archived_at is null) as open,
      (select json_agg(id)::text from portfolio_ventures
        where org_id = ${orgId} and ${changed}) as changed`);
  const row = (result as { rows: Changes[] }).rows[0]!;
  const ids = row.changed === null ? [] : (JSON.parse(row.changed) as string[]);
  if (base) {
    const open = Number(row.open);
    if (ids.length === 0 && base.state.ventures.size === open) {
      return { snapshot: row.snapshot, state: base.state };
    }
    const ventures = new Map(base.state.ventures);
    for (const id of ids) ventures.delete(id);
    if (ids.length > 0) {
      for (const venture of await readVentures(tx, orgId, window, ids)) {
        ventures.set(venture.id, venture);
      }
    }
    // A venture deleted outright wrote nothing that is left to find: the count tells.
    if (ventures.size === open) {
      return { snapshot: row.snapshot, state: { ...window, ventures } };
    }
  }
  const ventures = new Map(
    (await readVentures(tx, orgId, window, null)).map((venture) => [venture.id, venture]),
  );
  return { snapshot: row.snapshot, state: { ...window, ventures } };
}

interface Row extends Record<string, unknown> {
  id: string;
  category: string;
  /** `[metric, currency, month's first day, value, last day, future]` per group (JSON), or null. */
  monthly: string | null;
  day: string | null;
}

/**
 * The open ventures of the organisation (those of `ids` only, when given) with their KPIs over
 * the window. One row per venture, its months as JSON: PGlite decodes every field of every row
 * in JavaScript, and a row per venture, metric and month is 50,000 rows for 1,000 ventures.
 */
async function readVentures(
  tx: Transaction,
  orgId: string,
  { first, last, asOf }: Window,
  ids: readonly string[] | null,
): Promise<VentureState[]> {
  const only: SQL =
    ids === null
      ? sql``
      : sql`and id in (${sql.join(
          ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`;
  const rows = (
    (await tx.execute(sql`
      with v as (select id, category from portfolio_ventures
                 where org_id = ${orgId} and archived_at is null ${only}),
      -- A month is its first day (formatting every row's day costs more than the rest). KPIs
      -- after asOf are grouped apart.
      g as (
        select k.venture_id, k.metric, coalesce(k.currency, '') as currency,
               date_trunc('month', k.day::timestamp)::date as month,
               k.day > ${asOf}::date as future,
               -- Revenue's sum, the other metrics' latest value: arrays compare element by
               -- element, so the day (as a number) decides (no sort, no lookup).
               case when k.metric = 'revenue' then sum(k.value) filter (where k.metric = 'revenue')
                    else (max(array[k.day - date '2000-01-01', k.value])
                            filter (where k.metric <> 'revenue'))[2]
               end as value,
               max(k.day) as last, bool_or(k.period = 'month') as whole
        from portfolio_kpis k join v on v.id = k.venture_id
        where k.org_id = ${orgId} and k.day >= ${`${first}-01`}::date
          and k.day < (${`${last}-01`}::date + interval '1 month')
        group by 1, 2, 3, 4, 5
      ),
      per as (
        -- The last day its KPIs cover as of asOf: a month's value covers the month.
        select venture_id,
               case when bool_or(not future) then
                 least(greatest(max(last) filter (where not future),
                                (max(month) filter (where whole and not future)
                                  + interval '1 month' - interval '1 day')::date),
                       ${asOf}::date)
               end as covered,
               json_agg(json_build_array(metric, currency, month, value::text, last, future))
                 filter (where metric in (${sql.join(
                   METRICS.map((m) => sql`${m}`),
                   sql`, `,
                 )})) as monthly
        from g group by 1
      )
      select v.id, v.category, per.monthly::text as monthly,
             to_char(per.covered, 'YYYY-MM-DD') as day
      from v left join per on per.venture_id = v.id`)) as { rows: Row[] }
  ).rows;
  // A KPI before the window covers less than any in it: only the ventures without one in it
  // look further back (by primary key).
  const before = rows.filter((r) => r.day === null).map((r) => r.id);
  const earlier = new Map(
    before.length === 0
      ? []
      : (
          (await tx.execute(sql`
            select venture_id, to_char(max(${coveredUntil(asOf)}), 'YYYY-MM-DD') as day
            from portfolio_kpis
            where org_id = ${orgId} and day < ${`${first}-01`}::date
              and venture_id in (${sql.join(
                before.map((id) => sql`${id}::uuid`),
                sql`, `,
              )})
            group by venture_id`)) as { rows: { venture_id: string; day: string }[] }
        ).rows.map((r) => [r.venture_id, r.day]),
  );
  return rows.map(({ id, category, monthly, day }) => {
    const values =
      monthly === null
        ? []
        : (JSON.parse(monthly) as [string, string, string, string, string, boolean][]);
    values.sort((a, b) => compareText(a[2], b[2]) || compareText(a[4], b[4]));
    return {
      id,
      category,
      months: values.map(([metric, currency, month, value, lastDay, future]) => ({
        metric,
        currency,
        month: month.slice(0, 7),
        value: BigInt(fromColumn(value).split('.')[0]!),
        last: lastDay,
        future,
      })),
      covered: day ?? earlier.get(id) ?? null,
    };
  });
}
