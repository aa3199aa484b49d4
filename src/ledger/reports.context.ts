import { isUuid, notFound, type DbOrTx } from '../kernel/index.ts';
import { requireCurrency } from './currencies.ts';
import type { AccountType } from './ledger.types.ts';
import { eliminateBalances, isEliminated, pairEntries, subtree } from './reports.consolidate.ts';
import { endOfDay, previousDay, startOfDay, type Period } from './reports.period.ts';
import {
  loadAccounts,
  loadEntities,
  type Bucket,
  type BucketWindow,
  type FlowBucket,
  type ReportAccount,
} from './reports.queries.ts';
import { loadCloseHistory, loadRateBook, type RateBook } from './reports.rates.ts';
import {
  buildCashFlow,
  counterpartTotals,
  type FigureLookup,
  type FigureSet,
  type Flow,
} from './reports.statements.ts';
import {
  compareText,
  createTranslator,
  ratesOf,
  translateFigures,
  ZERO_FIGURES,
  type Figures,
  type Translator,
} from './reports.translate.ts';
import type {
  CashFlowStatement,
  EntityRates,
  RatesDetail,
  ReportEntity,
  ReportHeader,
} from './reports.types.ts';

/**
 * What every statement is built from, loaded once per answer: the entity tree, its accounts and
 * a translator over the rates in force up to the last day asked for. The statement builders of
 * `reports.service.ts` (one period) and `reports.comparative.ts` (several) share it.
 */
export interface ReportContext {
  orgId: string;
  root: ReportEntity;
  tree: ReportEntity[];
  consolidated: boolean;
  currency: string;
  period: Period;
  accounts: ReportAccount[];
  /** Lookups over `tree` and `accounts`, made once with the context. */
  accountById: ReadonlyMap<string, ReportAccount>;
  inTree: ReadonlySet<string>;
  baseCurrencyOf: ReadonlyMap<string, string>;
  /** The rates, for translators of parts of the statement (see reports.parts.ts). */
  book: RateBook;
  translator: Translator;
  ratesDetail: RatesDetail;
}

/** Which entity, whether consolidated, and in which currency. */
export interface ReportScope {
  entityId: string;
  consolidated?: boolean;
  currency?: string;
  rates?: RatesDetail;
}

/**
 * Loads the entity (and, consolidated, its descendants), their accounts and the rates up to
 * `period.to`. An entity of another organisation, or an id that is no uuid, is a 404.
 */
export async function loadContext(
  db: DbOrTx,
  orgId: string,
  scope: ReportScope,
  period: Period,
): Promise<ReportContext> {
  if (scope.currency !== undefined) requireCurrency(scope.currency, 'currency');
  const entities = isUuid(scope.entityId) ? await loadEntities(db, orgId) : [];
  const root = entities.find((e) => e.id === scope.entityId.toLowerCase());
  if (!root) throw notFound(`Entity ${scope.entityId}`);
  const consolidated = scope.consolidated ?? false;
  const tree = consolidated ? subtree(entities, root) : [root];
  const currency = scope.currency ?? root.baseCurrency;
  // By code, then in tree order: a consolidated line takes its name from the first entity.
  const position = new Map(tree.map((e, i) => [e.id, i]));
  const accounts = (
    await loadAccounts(
      db,
      orgId,
      tree.map((e) => e.id),
    )
  ).sort(
    (a, b) => compareText(a.code, b.code) || position.get(a.entityId)! - position.get(b.entityId)!,
  );
  // Missing pairs are derived through the group's base currency: the top entity's.
  let top = root;
  for (let up = top; up.parentId !== null;) {
    const parent = entities.find((e) => e.id === up.parentId);
    if (!parent) break;
    top = up = parent;
  }
  const book = await loadRateBook(
    db,
    orgId,
    currency,
    accounts.map((a) => a.currency),
    period.to,
    {
      pivot: top.baseCurrency,
      closes: await loadCloseHistory(
        db,
        orgId,
        tree.map((e) => e.id),
      ),
    },
  );
  return {
    orgId,
    root,
    tree,
    consolidated,
    currency,
    period,
    accounts,
    accountById: new Map(accounts.map((a) => [a.id, a])),
    inTree: new Set(tree.map((e) => e.id)),
    baseCurrencyOf: new Map(tree.map((e) => [e.id, e.baseCurrency])),
    book,
    translator: createTranslator(book),
    ratesDetail: scope.rates ?? 'entities',
  };
}

/** The header of a statement over `c.period`, with the rates used so far. */
export function headerOf(
  c: ReportContext,
  used: readonly EntityRates[] = c.translator.used(c.tree),
): ReportHeader {
  return {
    entity: c.root,
    consolidated: c.consolidated,
    entities: c.tree,
    entityCount: c.tree.length,
    currency: c.currency,
    from: c.period.from,
    to: c.period.to,
    ...ratesOf(used, c.ratesDetail),
  };
}

/**
 * The window of a bucket query up to `c.period.to`: from `start` (a day; default the first
 * posting), with accounts in the report currency summed per part of the window, a new part
 * starting on each of `cuts` (days, ascending). Each part is labelled with its last day.
 */
export function bucketWindow(
  c: ReportContext,
  options: { start?: string; cuts?: readonly string[] },
): BucketWindow {
  return {
    currency: c.currency,
    start: options.start === undefined ? null : startOfDay(options.start),
    end: endOfDay(c.period.to),
    cuts: (options.cuts ?? []).map((day) => ({ at: startOfDay(day), label: previousDay(day) })),
    lastDay: c.period.to,
  };
}

/** What a statement needs of the accounts' figures. */
export interface FigureOptions {
  /** Only the movements of the period (profit and loss): no opening part. */
  periodOnly?: boolean;
  cashOnly?: boolean;
  types?: readonly AccountType[];
  debitsAndCredits?: boolean;
}

/**
 * Translated figures of the accounts a statement needs over `c.period`, eliminated when
 * consolidated, from buckets that cover at least the period (a bucket labelled after
 * `c.period.to` must not be among them). Pure: no I/O.
 */
export function figureSetOf(
  c: ReportContext,
  buckets: readonly Bucket[],
  options: FigureOptions,
): FigureSet {
  const accounts = accountsOf(c, options);
  return eliminatedSet(
    c,
    accounts,
    translateAccounts(c, accounts, buckets, c.translator, options),
    options,
  );
}

/** Per context's accounts (shared by a comparative answer's columns): per selection. */
const selections = new WeakMap<readonly ReportAccount[], Map<string, ReportAccount[]>>();

/**
 * The accounts a statement with these options shows: the same array for the same context's
 * accounts and selection, so what is derived from it (the lines, see `layoutOf`) is made once.
 */
export function accountsOf(c: ReportContext, options: FigureOptions): readonly ReportAccount[] {
  let byKey = selections.get(c.accounts);
  if (!byKey) selections.set(c.accounts, (byKey = new Map<string, ReportAccount[]>()));
  const key = `${options.cashOnly ?? false}|${options.types?.join(',') ?? ''}`;
  let accounts = byKey.get(key);
  if (!accounts) {
    accounts = c.accounts.filter(
      (a) => (!options.cashOnly || a.cash) && (!options.types || options.types.includes(a.type)),
    );
    byKey.set(key, accounts);
  }
  return accounts;
}

/** These accounts' figures over `c.period` from their buckets, translated by `translator`. */
export function translateAccounts(
  c: ReportContext,
  accounts: readonly ReportAccount[],
  buckets: readonly Bucket[],
  translator: Translator,
  options: FigureOptions,
): Map<string, Figures> {
  const from = options.periodOnly ? null : c.period.from;
  return translateFigures(
    accounts,
    buckets,
    { from, to: c.period.to, openingDay: from ? previousDay(from) : null },
    translator,
    {
      debitsAndCredits: options.debitsAndCredits ?? false,
      historical: (a) => a.currency !== c.baseCurrencyOf.get(a.entityId),
    },
  );
}

/**
 * The figure set of these accounts' translated figures: consolidated (and neither a cash nor a
 * typed selection), the intercompany balances within the tree are eliminated: their accounts'
 * figures read as zero.
 */
export function eliminatedSet(
  c: ReportContext,
  accounts: readonly ReportAccount[],
  figures: FigureLookup,
  options: FigureOptions,
): FigureSet {
  if (!c.consolidated || options.cashOnly || options.types) {
    return { accounts, figures, eliminated: new Map(), eliminations: [] };
  }
  const { entries, eliminated } = eliminateBalances(accounts, figures, c.tree);
  return {
    accounts,
    figures: { get: (id) => (eliminated.has(id) ? ZERO_FIGURES : figures.get(id)) },
    eliminated,
    eliminations: entries,
  };
}

/**
 * The cash flow statement over `c.period` from its cash accounts' figures and the cash moved
 * against each counterpart in the period (buckets outside it must not be among them).
 */
export function cashFlowOf(
  c: ReportContext,
  cash: FigureSet,
  buckets: readonly FlowBucket[],
): CashFlowStatement {
  const { flows, eliminated } = convertFlows(c, c.translator, buckets);
  return buildCashFlow(headerOf(c), {
    cash,
    counterparts: counterpartTotals(flows),
    eliminations: pairEntries(eliminated, c.tree),
  });
}

/**
 * Cash flow buckets translated: the flows the statement keeps, and (consolidated) those against
 * intercompany accounts within the tree, signed, for the elimination entries.
 */
export function convertFlows(
  c: ReportContext,
  translator: Translator,
  buckets: readonly FlowBucket[],
): { flows: Flow[]; eliminated: { account: ReportAccount; amount: bigint }[] } {
  const flows: Flow[] = [];
  const eliminated: { account: ReportAccount; amount: bigint }[] = [];
  for (const bucket of buckets) {
    const account = c.accountById.get(bucket.accountId);
    // The counterpart belongs to the same entity as the cash account, so it was loaded.
    if (!account) continue;
    const amount = translator.convert(bucket.amount, account, bucket.day, 'movement');
    if (c.consolidated && isEliminated(account, c.inTree)) {
      eliminated.push({ account, amount: bucket.direction === 'in' ? amount : -amount });
    } else {
      flows.push({ account, direction: bucket.direction, amount });
    }
  }
  return { flows, eliminated };
}
