import type { DbOrTx } from '../kernel/index.ts';
import type { AccountType } from './ledger.types.ts';
import {
  bucketWindow,
  cashFlowOf,
  figureSetOf,
  headerOf,
  loadContext,
  type FigureOptions,
  type ReportContext,
} from './reports.context.ts';
import {
  checkDay,
  invalid,
  lastPeriods,
  type CalendarPeriod,
  type Period,
} from './reports.period.ts';
import {
  cashFlowBuckets,
  movementBuckets,
  type BucketOptions,
  type Bucket,
  type FlowBucket,
} from './reports.queries.ts';
import { buildBalanceSheet, buildProfitAndLoss } from './reports.statements.ts';
import {
  MAX_PERIODS,
  type ComparativeKind,
  type ComparativeQuery,
  type ComparativeStatements,
  type ReportHeader,
  type StatementBody,
  type StatementByKind,
} from './reports.types.ts';

/**
 * Comparative statements: one statement per calendar period, side by side, read within the
 * caller's transaction (the reports service's is read-only and repeatable-read: one snapshot, so
 * a transfer posted meanwhile is in every column or in none). The entity tree, its accounts and the rates are loaded once; the posted
 * movements of the whole span are read in one aggregate per statement (two for the cash flow),
 * with accounts in the report currency summed per period, and each column is built from its
 * slice of them by the same pure functions as the one-period statements, so a column equals,
 * figure for figure, the statement the one-period route gives for its dates.
 */

const PROFIT_AND_LOSS: readonly AccountType[] = ['revenue', 'expense'];

type Body<K extends ComparativeKind> = StatementBody<StatementByKind[K]>;

/** A statement without the header fields the comparative answer gives once. */
function bodyOf<S extends ReportHeader>(statement: S): StatementBody<S> {
  const {
    entity: _entity,
    consolidated: _consolidated,
    entities: _entities,
    entityCount: _entityCount,
    currency: _currency,
    rates: _rates,
    ratesByCurrency: _ratesByCurrency,
    ...body
  } = statement;
  return body;
}

/** Buckets of the days `from` (null: since the beginning) to `to`. */
function slice<B extends { day: string }>(buckets: readonly B[], from: string | null, to: string) {
  return buckets.filter((b) => b.day <= to && (from === null || b.day >= from));
}

/** The context of one column (its period), sharing the loaded tree, accounts and translator. */
const over = (c: ReportContext, period: Period): ReportContext => ({ ...c, period });

export async function comparativeStatements<K extends ComparativeKind>(
  tx: DbOrTx,
  orgId: string,
  kind: K,
  query: ComparativeQuery,
  today: string,
): Promise<ComparativeStatements<K>> {
  if (!Number.isInteger(query.count) || query.count < 1 || query.count > MAX_PERIODS) {
    throw invalid('count', `must be a whole number from 1 to ${MAX_PERIODS}`);
  }
  const periods = lastPeriods(query.period, query.count, checkDay(query.to ?? today, 'to'));
  const span: Period = { from: periods[0]!.from, to: periods.at(-1)!.to };
  const c = await loadContext(tx, orgId, query, span);
  const entityIds = c.tree.map((e) => e.id);
  // Each period's first day starts a part: accounts in the report currency are summed per
  // period (labelled with its last day), the others per day, as they are translated.
  const cuts = periods.map((p) => p.from);
  const read: Reads = {
    movements: (start, filter) =>
      movementBuckets(
        tx,
        orgId,
        entityIds,
        bucketWindow(c, { ...(start ? { start } : {}), cuts }),
        // No comparative statement shows debits and credits (see BucketOptions).
        { ...filter, closingRate: true },
      ),
    flows: (start) => cashFlowBuckets(tx, orgId, entityIds, bucketWindow(c, { start, cuts })),
  };
  const { columns, total } = await BUILDERS[kind](c, read, periods, span);
  return {
    ...pickShared(headerOf(c)),
    kind,
    period: query.period,
    from: span.from!,
    to: span.to,
    periods: periods.map((p, i) => ({ ...p, statement: columns[i]! })),
    total,
  };
}

/** The two aggregates, over the whole span, within the answer's transaction. */
interface Reads {
  movements(
    start: string | undefined,
    filter: Pick<BucketOptions, 'cashOnly' | 'types'>,
  ): Promise<Bucket[]>;
  flows(start: string): Promise<FlowBucket[]>;
}

type Builder<K extends ComparativeKind> = (
  c: ReportContext,
  read: Reads,
  periods: readonly CalendarPeriod[],
  span: Period,
) => Promise<{ columns: Body<K>[]; total: Body<K> | null }>;

const BUILDERS: { [K in ComparativeKind]: Builder<K> } = {
  /** As of each period's last day; no total (balances do not add up over time). */
  'balance-sheet': async (c, read, periods) => {
    const buckets = await read.movements(undefined, {});
    const columns = periods.map((p) => {
      const at = over(c, { from: null, to: p.to });
      return bodyOf(
        buildBalanceSheet(headerOf(at), figureSetOf(at, slice(buckets, null, p.to), {})),
      );
    });
    return { columns, total: null };
  },
  'profit-and-loss': async (c, read, periods, span) => {
    const options: FigureOptions = { periodOnly: true, types: PROFIT_AND_LOSS };
    const buckets = await read.movements(span.from!, { types: PROFIT_AND_LOSS });
    const build = (period: Period) => {
      const at = over(c, period);
      const set = figureSetOf(at, slice(buckets, period.from, period.to), options);
      return bodyOf(buildProfitAndLoss(headerOf(at), set));
    };
    return { columns: periods.map(build), total: build(span) };
  },
  'cash-flow': async (c, read, periods, span) => {
    const cash = await read.movements(undefined, { cashOnly: true });
    const flows = await read.flows(span.from!);
    const build = (period: Period) => {
      const at = over(c, period);
      const set = figureSetOf(at, slice(cash, null, period.to), { cashOnly: true });
      return bodyOf(cashFlowOf(at, set, slice(flows, period.from, period.to)));
    };
    return { columns: periods.map(build), total: build(span) };
  },
};

function pickShared(header: ReportHeader) {
  return {
    entity: header.entity,
    consolidated: header.consolidated,
    entities: header.entities,
    entityCount: header.entityCount,
    currency: header.currency,
    rates: header.rates,
    ratesByCurrency: header.ratesByCurrency,
  };
}
