import type { DbOrTx } from '../kernel/index.ts';
import { pairEntries } from './reports.consolidate.ts';
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
import type { FigureSet, Flow } from './reports.statements.ts';
import { createTranslator, type Figures } from './reports.translate.ts';
import type { EntityRates, ReportHeader } from './reports.types.ts';

/**
 * A single-period statement is computed one entity at a time: each entity's accounts are read
 * and translated on their own, with their own record of the rates used. Kept between requests
 * (`reports.cache.ts`), a statement is then brought up to date after a write by reading and
 * translating again only the entities whose accounts changed, and assembling the parts again:
 * merging the figures, eliminating, building the lines. Pure apart from `readParts`.
 */

/** One entity's share of a statement. */
export interface EntityPart {
  /** Translated figures of the entity's accounts that the statement shows. */
  figures: ReadonlyMap<string, Figures>;
  /** Cash moved against the entity's counterpart accounts (the cash flow statement only). */
  flows: readonly Flow[];
  /** Cash moved against intercompany accounts within the tree, removed when consolidated. */
  eliminatedFlows: readonly { account: ReportAccount; amount: bigint }[];
  /** The rates the entity's translation used, per currency. */
  used: readonly EntityRates[];
}

export type Parts = ReadonlyMap<string, EntityPart>;

export interface PartOptions extends FigureOptions {
  /** Also read the cash moved against each counterpart over the period. */
  flows?: boolean;
}

/** Reads and translates the parts of these entities of `c.tree` (in one query per kind of read). */
export async function readParts(
  db: DbOrTx,
  c: ReportContext,
  entityIds: readonly string[],
  options: PartOptions,
): Promise<Map<string, EntityPart>> {
  const from = options.periodOnly ? null : c.period.from;
  const wanted = new Set(entityIds);
  const shown = accountsOf(c, options);
  // A few entities of many: read by their accounts (an index range each), not by entity.
  const few = wanted.size * 4 <= c.tree.length;
  const window = bucketWindow(c, {
    ...(options.periodOnly && c.period.from ? { start: c.period.from } : {}),
    ...(from ? { cuts: [from] } : {}),
  });
  const closingRate = !(options.debitsAndCredits ?? false);
  const read = shown.filter((a) => wanted.has(a.entityId));
  const [buckets, flowBuckets] = await Promise.all([
    few
      ? accountBuckets(
          db,
          c.orgId,
          read.map((a) => a.id),
          read
            .filter((a) => summedPerPart(a, c.baseCurrencyOf.get(a.entityId), window, closingRate))
            .map((a) => a.id),
          window,
        )
      : movementBuckets(db, c.orgId, entityIds, window, {
          ...(options.cashOnly ? { cashOnly: true } : {}),
          ...(options.types ? { types: options.types } : {}),
          closingRate,
        }),
    options.flows
      ? cashFlowBuckets(
          db,
          c.orgId,
          entityIds,
          bucketWindow(c, { start: c.period.from! }),
          few
            ? {
                cashAccountIds: c.accounts
                  .filter((a) => a.cash && wanted.has(a.entityId))
                  .map((a) => a.id),
              }
            : {},
        )
      : Promise.resolve([] as FlowBucket[]),
  ]);
  const group = <T>(items: Iterable<T>, entityOf: (item: T) => string | undefined) => {
    const groups = new Map<string, T[]>();
    for (const item of items) {
      const entityId = entityOf(item);
      if (entityId === undefined || !wanted.has(entityId)) continue;
      const list = groups.get(entityId);
      if (list) list.push(item);
      else groups.set(entityId, [item]);
    }
    return groups;
  };
  const accounts = group(shown, (a) => a.entityId);
  const bucketsOf = group<Bucket>(buckets, (b) => c.accountById.get(b.accountId)?.entityId);
  const flowsOf = group<FlowBucket>(flowBuckets, (b) => c.accountById.get(b.accountId)?.entityId);
  const entityOf = new Map(c.tree.map((e) => [e.id, e]));
  const parts = new Map<string, EntityPart>();
  for (const entityId of entityIds) {
    const translator = createTranslator(c.book);
    const figures = translateAccounts(
      c,
      accounts.get(entityId) ?? [],
      bucketsOf.get(entityId) ?? [],
      translator,
      options,
    );
    const { flows, eliminated } = convertFlows(c, translator, flowsOf.get(entityId) ?? []);
    parts.set(entityId, {
      figures,
      flows: flowsPerAccount(flows),
      eliminatedFlows: amountsPerAccount(eliminated),
      used: translator.used([entityOf.get(entityId)!]),
    });
  }
  return parts;
}

/**
 * Flows summed per counterpart account and direction, in the order first met: the statement
 * sums them per account and direction anyway, and a part then holds a few dozen flows rather
 * than one per day.
 */
function flowsPerAccount(flows: readonly Flow[]): Flow[] {
  const summed = new Map<string, Flow>();
  for (const flow of flows) {
    const key = `${flow.direction} ${flow.account.id}`;
    const known = summed.get(key);
    if (known) known.amount += flow.amount;
    else summed.set(key, { ...flow });
  }
  return [...summed.values()];
}

/** Amounts summed per account, in the order first met (see `flowsPerAccount`). */
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
 * figures by account id, and the header.
 */
export interface Assembly {
  parts: Parts;
  figures: ReadonlyMap<string, Figures>;
  header: ReportHeader;
}

/** The assembly of a statement's parts, all read. */
export function assemble(c: ReportContext, parts: Parts): Assembly {
  const figures = new Map<string, Figures>();
  for (const part of inOrder(c, parts)) {
    for (const [id, f] of part.figures) figures.set(id, f);
  }
  return { parts, figures, header: headerOfParts(c, parts) };
}

/**
 * The assembly after the parts of some entities were read again (`fresh`), from the one before,
 * whose figures it takes over and changes in place: `before` is not to be used afterwards (the
 * kept statement it belonged to is replaced by this one). The header stays when each fresh
 * part used the same rates as before (the usual case: another posting on a day and in a
 * currency already translated).
 */
export function reassemble(
  c: ReportContext,
  before: Assembly,
  fresh: ReadonlyMap<string, EntityPart>,
): Assembly {
  const parts = new Map(before.parts);
  const figures = before.figures as Map<string, Figures>;
  let sameRates = true;
  for (const [entityId, part] of fresh) {
    const old = parts.get(entityId);
    for (const id of old?.figures.keys() ?? []) {
      if (!part.figures.has(id)) figures.delete(id);
    }
    for (const [id, f] of part.figures) figures.set(id, f);
    sameRates &&= JSON.stringify(old?.used ?? null) === JSON.stringify(part.used);
    parts.set(entityId, part);
  }
  return { parts, figures, header: sameRates ? before.header : headerOfParts(c, parts) };
}

/** The figure set of an assembly, eliminated when consolidated (see `figureSetOf`). */
export function figureSetOfParts(
  c: ReportContext,
  assembly: Assembly,
  options: FigureOptions,
): FigureSet {
  return eliminatedSet(c, accountsOf(c, options), assembly.figures, options);
}

/** The cash flows of the parts: kept ones, and the eliminated ones paired by entities. */
export function flowsOfParts(
  c: ReportContext,
  parts: Parts,
): { flows: Flow[]; eliminations: ReturnType<typeof pairEntries> } {
  const ordered = inOrder(c, parts);
  return {
    flows: ordered.flatMap((p) => p.flows),
    eliminations: pairEntries(
      ordered.flatMap((p) => p.eliminatedFlows),
      c.tree,
    ),
  };
}
