import type { DbOrTx } from '../kernel/index.ts';
import { eliminatesAny, pairEntries } from './reports.consolidate.ts';
import {
  accountsOf,
  bucketWindow,
  convertFlows,
  eliminatedSet,
  headerOf,
  translateAccounts,
  type FigureOptions,
  type ReportContext,
} from './reports.context.ts';
import {
  accountBuckets,
  cashFlowBuckets,
  movementBuckets,
  summedPerPart,
  type Bucket,
  type FlowBucket,
  type ReportAccount,
} from './reports.queries.ts';
import {
  counterpartTotals,
  type CounterpartFlows,
  type CounterpartLayout,
  type FigureSet,
} from './reports.statements.ts';
import { createTranslator, mergeUses, type Figures } from './reports.translate.ts';
import type { EntityRates, ReportEntity, ReportHeader } from './reports.types.ts';

/**
 * A single-period statement is computed one entity at a time: each entity's accounts are read
 * and translated on their own, each account with its own record of the rates it used. Kept
 * between requests (`reports.cache.ts`), a statement is then brought up to date after a write by
 * reading and translating again only the accounts that changed (and, for the cash flow, the cash
 * moved by their entities), and assembling the parts again: merging the figures, eliminating,
 * building the lines. Pure apart from `readParts` and `readChangedAccounts`.
 */

/** One entity's share of a statement. */
export interface EntityPart {
  /** Translated figures of the entity's accounts that the statement shows. */
  figures: ReadonlyMap<string, Figures>;
  /** The rates the translation of `figures` used. */
  figureUses: readonly EntityRates[];
  /**
   * Per account of `figures`, the rates its translation used (none: nothing to translate): kept
   * once the entity has been read account by account, after a first write to it (see
   * `readChangedAccounts`), so that its next writes read only the accounts they changed. Left
   * out of a first computation: kept for every account of a large consolidation it would
   * double the statement's memory.
   */
  figureRates?: ReadonlyMap<string, readonly EntityRates[]>;
  /** Cash moved against the entity's counterpart accounts (the cash flow statement only). */
  flows: readonly CounterpartFlows[];
  /** Cash moved against intercompany accounts within the tree, removed when consolidated. */
  eliminatedFlows: readonly { account: ReportAccount; amount: bigint }[];
  /** The rates the flows' translation used. */
  flowRates: readonly EntityRates[];
  /** The rates the entity's translation used, per currency: those of its figures and flows. */
  used: readonly EntityRates[];
}

export type Parts = ReadonlyMap<string, EntityPart>;

export interface PartOptions extends FigureOptions {
  /** Also read the cash moved against each counterpart over the period. */
  flows?: boolean;
}

/** What the reads of some accounts or entities gave, by entity. */
interface Read {
  /** The shown accounts read, by entity. */
  accounts: Map<string, ReportAccount[]>;
  buckets: Map<string, Bucket[]>;
  /** The entities whose flows were read, and their flow buckets. */
  flowsRead: ReadonlySet<string>;
  flows: Map<string, FlowBucket[]>;
}

/** Reads and translates the parts of these entities of `c.tree` (in one query per kind of read). */
export async function readParts(
  db: DbOrTx,
  c: ReportContext,
  entityIds: readonly string[],
  options: PartOptions,
): Promise<Map<string, EntityPart>> {
  const wanted = new Set(entityIds);
  // A few entities of many: read by their accounts (an index range each), not by entity.
  const few = wanted.size * 4 <= c.tree.length;
  const shown = accountsOf(c, options).filter((a) => wanted.has(a.entityId));
  const read = await readBuckets(db, c, options, {
    accounts: shown,
    byEntity: few ? undefined : entityIds,
    flowsOf: options.flows ? entityIds : [],
    cashAccountIds: few
      ? c.accounts.filter((a) => a.cash && wanted.has(a.entityId)).map((a) => a.id)
      : undefined,
  });
  const entities = entitiesById(c);
  const parts = new Map<string, EntityPart>();
  for (const entityId of entityIds) {
    parts.set(entityId, partOf(c, entities.get(entityId)!, read, undefined, options, false));
  }
  return parts;
}

/**
 * The parts of the entities of these changed accounts of `c.tree`, from their parts in `parts`:
 * only the changed accounts are read and translated again (every shown account of an entity
 * written to for the first time, to record each account's rates: see `figureRates`), and, for
 * a statement of flows, the cash moved by each entity one of whose cash accounts changed (a
 * transfer moving cash changes its cash account). Undefined when an entity has no part yet.
 */
export async function readChangedAccounts(
  db: DbOrTx,
  c: ReportContext,
  parts: Parts,
  changed: readonly { id: string; entityId: string }[],
  options: PartOptions,
): Promise<Map<string, EntityPart> | undefined> {
  const entityIds = [...new Set(changed.map((a) => a.entityId))];
  if (entityIds.some((id) => !parts.has(id))) return undefined;
  const ids = new Set(changed.map((a) => a.id));
  const whole = new Set(entityIds.filter((id) => !parts.get(id)!.figureRates));
  const shown = accountsOf(c, options).filter((a) => ids.has(a.id) || whole.has(a.entityId));
  const cashMoved = new Set(
    options.flows
      ? changed.filter((a) => c.accountById.get(a.id)?.cash).map((a) => a.entityId)
      : [],
  );
  const read = await readBuckets(db, c, options, {
    accounts: shown,
    byEntity: undefined,
    flowsOf: [...cashMoved],
    cashAccountIds: c.accounts.filter((a) => a.cash && cashMoved.has(a.entityId)).map((a) => a.id),
  });
  const entities = entitiesById(c);
  const fresh = new Map<string, EntityPart>();
  for (const entityId of entityIds) {
    const entity = entities.get(entityId)!;
    fresh.set(entityId, partOf(c, entity, read, parts.get(entityId), options, true));
  }
  return fresh;
}

/**
 * The buckets of these shown accounts (or of every shown account of `byEntity`, read by entity)
 * and, for the entities `flowsOf`, their flow buckets (of `cashAccountIds` when given).
 */
async function readBuckets(
  db: DbOrTx,
  c: ReportContext,
  options: PartOptions,
  what: {
    accounts: readonly ReportAccount[];
    byEntity: readonly string[] | undefined;
    flowsOf: readonly string[];
    cashAccountIds: readonly string[] | undefined;
  },
): Promise<Read> {
  const from = options.periodOnly ? null : c.period.from;
  const window = bucketWindow(c, {
    ...(options.periodOnly && c.period.from ? { start: c.period.from } : {}),
    ...(from ? { cuts: [from] } : {}),
  });
  const closingRate = !(options.debitsAndCredits ?? false);
  const [buckets, flowBuckets] = await Promise.all([
    what.byEntity
      ? movementBuckets(db, c.orgId, what.byEntity, window, {
          ...(options.cashOnly ? { cashOnly: true } : {}),
          ...(options.types ? { types: options.types } : {}),
          closingRate,
        })
      : accountBuckets(
          db,
          c.orgId,
          what.accounts.map((a) => a.id),
          what.accounts
            .filter((a) => summedPerPart(a, c.baseCurrencyOf.get(a.entityId), window, closingRate))
            .map((a) => a.id),
          window,
        ),
    options.flows && what.flowsOf.length > 0
      ? cashFlowBuckets(
          db,
          c.orgId,
          what.flowsOf,
          bucketWindow(c, { start: c.period.from! }),
          what.cashAccountIds ? { cashAccountIds: what.cashAccountIds } : {},
        )
      : Promise.resolve([] as FlowBucket[]),
  ]);
  const entityOf = (accountId: string) => c.accountById.get(accountId)?.entityId;
  return {
    accounts: groupBy(what.accounts, (a) => a.entityId),
    buckets: groupBy(buckets, (b) => entityOf(b.accountId)),
    flowsRead: new Set(options.flows ? what.flowsOf : []),
    flows: groupBy(flowBuckets, (b) => entityOf(b.accountId)),
  };
}

function groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/**
 * An entity's part from what was read of it: the accounts read translated, all with one
 * translator, or `perAccount` each with its own (recording each account's rates: then either
 * every shown account of the entity was read, or `before` has each account's rates); the
 * accounts not read, and the flows when the entity's were not read, as they were in `before`.
 */
function partOf(
  c: ReportContext,
  entity: ReportEntity,
  read: Read,
  before: EntityPart | undefined,
  options: PartOptions,
  perAccount: boolean,
): EntityPart {
  const figures = new Map(before?.figures);
  const accounts = read.accounts.get(entity.id) ?? [];
  let figureUses: readonly EntityRates[];
  let figureRates: Map<string, readonly EntityRates[]> | undefined;
  if (perAccount) {
    const bucketsOf = groupBy(read.buckets.get(entity.id) ?? [], (b) => b.accountId);
    figureRates = new Map(before?.figureRates);
    for (const account of accounts) {
      const translator = createTranslator(c.book);
      const translated = translateAccounts(
        c,
        [account],
        bucketsOf.get(account.id) ?? [],
        translator,
        options,
      );
      figures.set(account.id, translated.get(account.id)!);
      const used = translator.used([entity]);
      if (used.length > 0) figureRates.set(account.id, used);
      else figureRates.delete(account.id);
    }
    figureUses = mergeUses(figureRates.values());
  } else {
    const translator = createTranslator(c.book);
    const translated = translateAccounts(
      c,
      accounts,
      read.buckets.get(entity.id) ?? [],
      translator,
      options,
    );
    for (const [id, f] of translated) figures.set(id, f);
    figureUses = translator.used([entity]);
  }
  let { flows, eliminatedFlows, flowRates } = before ?? {
    flows: [],
    eliminatedFlows: [],
    flowRates: [],
  };
  if (read.flowsRead.has(entity.id)) {
    const translator = createTranslator(c.book);
    const converted = convertFlows(c, translator, read.flows.get(entity.id) ?? []);
    flows = counterpartTotals(converted.flows);
    eliminatedFlows = amountsPerAccount(converted.eliminated);
    flowRates = translator.used([entity]);
  }
  const used = mergeUses([figureUses, flowRates]);
  return {
    figures,
    figureUses,
    ...(figureRates ? { figureRates } : {}),
    flows,
    eliminatedFlows,
    flowRates,
    used,
  };
}

/** The entities of `c.tree` by id, made once per context. */
const entityMaps = new WeakMap<ReportContext, Map<string, ReportEntity>>();
function entitiesById(c: ReportContext): ReadonlyMap<string, ReportEntity> {
  let byId = entityMaps.get(c);
  if (!byId) entityMaps.set(c, (byId = new Map(c.tree.map((e) => [e.id, e]))));
  return byId;
}

/** Amounts summed per account, in the order first met. */
function amountsPerAccount(
  items: readonly { account: ReportAccount; amount: bigint }[],
): { account: ReportAccount; amount: bigint }[] {
  const summed = new Map<string, { account: ReportAccount; amount: bigint }>();
  for (const item of items) {
    const known = summed.get(item.account.id);
    if (known) known.amount += item.amount;
    else summed.set(item.account.id, { ...item });
  }
  return [...summed.values()];
}

/** The parts of `c.tree` in tree order (an entity without a part contributes nothing). */
function inOrder(c: ReportContext, parts: Parts): EntityPart[] {
  return c.tree.flatMap((e) => {
    const part = parts.get(e.id);
    return part ? [part] : [];
  });
}

/** The header of a statement assembled from parts: the rates each entity used, in tree order. */
function headerOfParts(c: ReportContext, parts: Parts): ReportHeader {
  return headerOf(
    c,
    inOrder(c, parts).flatMap((p) => p.used),
  );
}

/**
 * A statement's parts and what is assembled from them, kept between requests: every part's
 * figures by account id, the header, and the figure sets made from them so far.
 */
export interface Assembly {
  parts: Parts;
  figures: ReadonlyMap<string, Figures>;
  header: ReportHeader;
  /**
   * The accounts whose figures are not those of the assembly this one was made from (see
   * `reassemble`); null: a first assembly, every figure new.
   */
  changed: ReadonlySet<string> | null;
  /** Figure sets by their options (see `figureSetOfParts`). */
  sets: Map<string, FigureSet>;
}

/** The assembly of a statement's parts, all read. */
export function assemble(c: ReportContext, parts: Parts): Assembly {
  const figures = new Map<string, Figures>();
  for (const part of inOrder(c, parts)) {
    for (const [id, f] of part.figures) figures.set(id, f);
  }
  return { parts, figures, header: headerOfParts(c, parts), changed: null, sets: new Map() };
}

/**
 * The assembly after the parts of some entities were read again (`fresh`), from the one before,
 * whose figures it takes over and changes in place: `before` is not to be used afterwards (the
 * kept statement it belonged to is replaced by this one). The header stays when each fresh
 * part used the same rates as before (the usual case: another posting on a day and in a
 * currency already translated), and so do the figure sets none of whose eliminated accounts
 * changed.
 */
export function reassemble(
  c: ReportContext,
  before: Assembly,
  fresh: ReadonlyMap<string, EntityPart>,
): Assembly {
  const parts = new Map(before.parts);
  const figures = before.figures as Map<string, Figures>;
  const changed = new Set<string>();
  let sameRates = true;
  for (const [entityId, part] of fresh) {
    const old = parts.get(entityId);
    for (const id of old?.figures.keys() ?? []) {
      if (!part.figures.has(id)) {
        figures.delete(id);
        changed.add(id);
      }
    }
    for (const [id, f] of part.figures) {
      if (figures.get(id) !== f) changed.add(id);
      figures.set(id, f);
    }
    sameRates &&= JSON.stringify(old?.used ?? null) === JSON.stringify(part.used);
    parts.set(entityId, part);
  }
  const sets = new Map<string, FigureSet>();
  for (const [key, set] of before.sets) {
    if (!eliminatesAny(set.accounts, c.tree, changed)) sets.set(key, set);
  }
  return {
    parts,
    figures,
    header: sameRates ? before.header : headerOfParts(c, parts),
    changed,
    sets,
  };
}

/**
 * The figure set of an assembly, eliminated when consolidated (see `figureSetOf`): made once
 * per assembly and options, and taken over by the next assembly while none of the accounts it
 * eliminates changed (it reads the figures, changed in place, through the assembly's map).
 */
export function figureSetOfParts(
  c: ReportContext,
  assembly: Assembly,
  options: FigureOptions,
): FigureSet {
  const key = `${options.cashOnly ?? false}|${options.types?.join(',') ?? ''}`;
  let set = assembly.sets.get(key);
  if (!set) {
    set = eliminatedSet(c, accountsOf(c, options), assembly.figures, options);
    assembly.sets.set(key, set);
  }
  return set;
}

/** Per context: where its cash flow statement keeps its counterparts' lines between updates. */
const layouts = new WeakMap<ReportContext, CounterpartLayout>();

/**
 * The cash flows of the parts: kept ones, the eliminated ones paired by entities, and the
 * context's memo of the counterparts' lines (see `buildCashFlow`).
 */
export function flowsOfParts(
  c: ReportContext,
  parts: Parts,
): {
  counterparts: CounterpartFlows[];
  eliminations: ReturnType<typeof pairEntries>;
  layout: CounterpartLayout;
} {
  const ordered = inOrder(c, parts);
  let layout = layouts.get(c);
  if (!layout) layouts.set(c, (layout = {}));
  return {
    counterparts: ordered.flatMap((p) => p.flows),
    eliminations: pairEntries(
      ordered.flatMap((p) => p.eliminatedFlows),
      c.tree,
    ),
    layout,
  };
}
