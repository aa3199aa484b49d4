import type { ReportAccount } from './reports.queries.ts';
import type { Figures } from './reports.translate.ts';
import { compareText } from './reports.translate.ts';
import type {
  AccountRef,
  EliminationEntry,
  EliminationSide,
  LineBase,
  ReportEntity,
} from './reports.types.ts';

/**
 * Consolidation: the entity tree, intercompany elimination and the merging of the entities'
 * accounts into statement lines.
 */

/** `root` and all its descendants: the root first, then depth first, children by code. */
export function subtree(entities: readonly ReportEntity[], root: ReportEntity): ReportEntity[] {
  const children = new Map<string, ReportEntity[]>();
  for (const entity of entities) {
    if (entity.parentId === null) continue;
    const list = children.get(entity.parentId) ?? [];
    list.push(entity);
    children.set(entity.parentId, list);
  }
  const out: ReportEntity[] = [];
  const seen = new Set<string>();
  const visit = (entity: ReportEntity) => {
    if (seen.has(entity.id)) return;
    seen.add(entity.id);
    out.push(entity);
    const list = [...(children.get(entity.id) ?? [])].sort((a, b) => compareText(a.code, b.code));
    for (const child of list) visit(child);
  };
  visit(root);
  return out;
}

/**
 * An intercompany balance that consolidation removes: an asset or liability account whose
 * counterparty is another entity of the tree. Equity, revenue and expense accounts with a
 * counterparty are kept (see README: what is not eliminated).
 */
export function isEliminated(account: ReportAccount, tree: ReadonlySet<string>): boolean {
  return (
    (account.type === 'asset' || account.type === 'liability') &&
    account.counterpartyEntityId !== null &&
    account.counterpartyEntityId !== account.entityId &&
    tree.has(account.counterpartyEntityId)
  );
}

interface PairSide {
  entityId: string;
  accounts: Map<string, AccountRef>;
  amount: bigint;
}

/**
 * Groups amounts on intercompany accounts by the pair of entities they are between, into one
 * entry per pair: each side's accounts and net amount, and their difference. `order` lists the
 * tree's entities: the earlier one of a pair is its `first` side.
 */
export function pairEntries(
  items: Iterable<{ account: ReportAccount; amount: bigint }>,
  order: readonly ReportEntity[],
): EliminationEntry[] {
  const position = new Map(order.map((e, i) => [e.id, i]));
  const pairs = new Map<string, { first: PairSide; second: PairSide }>();
  for (const { account, amount } of items) {
    const own = account.entityId;
    const other = account.counterpartyEntityId!;
    const ownFirst = (position.get(own) ?? 0) < (position.get(other) ?? 0);
    const [a, b] = ownFirst ? [own, other] : [other, own];
    const key = `${a} ${b}`;
    let pair = pairs.get(key);
    if (!pair) {
      const side = (entityId: string): PairSide => ({ entityId, accounts: new Map(), amount: 0n });
      pair = { first: side(a), second: side(b) };
      pairs.set(key, pair);
    }
    const side = ownFirst ? pair.first : pair.second;
    side.accounts.set(account.id, { id: account.id, code: account.code, name: account.name });
    side.amount += amount;
  }
  const code = new Map(order.map((e) => [e.id, e.code]));
  const out = (side: PairSide): EliminationSide => ({
    entityId: side.entityId,
    entityCode: code.get(side.entityId) ?? '',
    accounts: [...side.accounts.values()].sort((x, y) => compareText(x.code, y.code)),
    amount: side.amount,
  });
  return [...pairs.values()]
    .map((pair) => ({
      first: out(pair.first),
      second: out(pair.second),
      difference: pair.first.amount + pair.second.amount,
    }))
    .sort(
      (x, y) =>
        (position.get(x.first.entityId) ?? 0) - (position.get(y.first.entityId) ?? 0) ||
        (position.get(x.second.entityId) ?? 0) - (position.get(y.second.entityId) ?? 0),
    );
}

/**
 * The intercompany balances between entities of the tree, which consolidation removes (the
 * caller reads their accounts' figures as zero): one entry per pair of entities says what was removed (closing balances,
 * debit-positive). The differences are left for the translation-differences line, which is
 * computed as what makes the statement balance.
 */
export function eliminateBalances(
  accounts: readonly ReportAccount[],
  figures: { get(id: string): Figures | undefined },
  tree: readonly ReportEntity[],
): { entries: EliminationEntry[]; eliminated: Map<string, bigint> } {
  const eliminated = new Map<string, bigint>();
  const items: { account: ReportAccount; amount: bigint }[] = [];
  for (const account of eliminable(accounts, tree).accounts) {
    const closing = figures.get(account.id)?.closing ?? 0n;
    items.push({ account, amount: closing });
    eliminated.set(account.id, closing);
  }
  return { entries: pairEntries(items, tree), eliminated };
}

/** Per account selection (see `accountsOf`): its intercompany accounts within a tree. */
const eliminables = new WeakMap<
  readonly ReportAccount[],
  { tree: readonly ReportEntity[]; accounts: ReportAccount[]; ids: ReadonlySet<string> }
>();

/**
 * The accounts of `accounts` that consolidation over `tree` eliminates, found once per selection
 * and tree: a statement brought up to date after a write walks only them, not every account.
 */
function eliminable(accounts: readonly ReportAccount[], tree: readonly ReportEntity[]) {
  const known = eliminables.get(accounts);
  if (known?.tree === tree) return known;
  const inTree = new Set(tree.map((e) => e.id));
  const found = accounts.filter((account) => isEliminated(account, inTree));
  const entry = { tree, accounts: found, ids: new Set(found.map((a) => a.id)) };
  eliminables.set(accounts, entry);
  return entry;
}

/** Whether consolidating `accounts` over `tree` eliminates any of the accounts `ids`. */
export function eliminatesAny(
  accounts: readonly ReportAccount[],
  tree: readonly ReportEntity[],
  ids: Iterable<string>,
): boolean {
  const { ids: eliminated } = eliminable(accounts, tree);
  if (eliminated.size === 0) return false;
  for (const id of ids) if (eliminated.has(id)) return true;
  return false;
}

/** Accounts of one code and type across the entities, as one statement line. */
export interface MergedLine<T> extends LineBase {
  accounts: ReportAccount[];
  values: T[];
}

/** Lines of an account selection (see `layoutOf`), per selection and type. */
const layouts = new WeakMap<readonly ReportAccount[], Map<string, MergedLine<string>[]>>();

/**
 * The lines of `accounts` (of one `type` only, if given), each with its accounts' ids as values:
 * made once per selection and type (the same `accounts` array: see `accountsOf`), as a statement
 * brought up to date after a write has the same lines with other figures. Not to be changed.
 */
export function layoutOf(
  accounts: readonly ReportAccount[],
  type?: ReportAccount['type'],
): readonly MergedLine<string>[] {
  let byType = layouts.get(accounts);
  if (!byType) layouts.set(accounts, (byType = new Map<string, MergedLine<string>[]>()));
  let lines = byType.get(type ?? '');
  if (!lines) {
    lines = mergeLines(type ? accounts.filter((a) => a.type === type) : accounts, (a) => a.id);
    byType.set(type ?? '', lines);
  }
  return lines;
}

/**
 * Merges accounts into lines by code and type (every entity starts from the same chart), the
 * parents before their sub-accounts, siblings by code. A line's name and parent are those of its
 * first account in `accounts`' order.
 */
export function mergeLines<T>(
  accounts: readonly ReportAccount[],
  valueOf: (account: ReportAccount) => T,
): MergedLine<T>[] {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const lines = new Map<string, MergedLine<T>>();
  const keyOf = (a: { type: string; code: string }) => `${a.type} ${a.code}`;
  for (const account of accounts) {
    const key = keyOf(account);
    let line = lines.get(key);
    if (!line) {
      const parent = account.parentAccountId ? byId.get(account.parentAccountId) : undefined;
      line = {
        code: account.code,
        name: account.name,
        type: account.type,
        parentCode: parent && parent.type === account.type ? parent.code : null,
        depth: 0,
        accountIds: [],
        accounts: [],
        values: [],
      };
      lines.set(key, line);
    }
    line.accountIds.push(account.id);
    line.accounts.push(account);
    line.values.push(valueOf(account));
  }
  const children = new Map<string, MergedLine<T>[]>();
  const roots: MergedLine<T>[] = [];
  for (const line of lines.values()) {
    const parent =
      line.parentCode === null
        ? undefined
        : lines.get(keyOf({ type: line.type, code: line.parentCode }));
    if (!parent || parent === line) {
      line.parentCode = null;
      roots.push(line);
    } else {
      const list = children.get(keyOf(parent)) ?? [];
      list.push(line);
      children.set(keyOf(parent), list);
    }
  }
  const byCode = (a: MergedLine<T>, b: MergedLine<T>) => compareText(a.code, b.code);
  const ordered: MergedLine<T>[] = [];
  const seen = new Set<MergedLine<T>>();
  const visit = (line: MergedLine<T>, depth: number) => {
    if (seen.has(line)) return;
    seen.add(line);
    line.depth = depth;
    ordered.push(line);
    for (const child of (children.get(keyOf(line)) ?? []).sort(byCode)) visit(child, depth + 1);
  };
  for (const root of roots.sort(byCode)) visit(root, 0);
  // A parent cycle (not possible through the service, which sets parents at creation) would
  // leave lines unvisited: list them at the top level rather than lose them.
  for (const line of lines.values()) {
    if (!seen.has(line)) {
      line.parentCode = null;
      visit(line, 0);
    }
  }
  return ordered;
}

/**
 * Each line's own amount plus those of all its sub-lines, for lines in `mergeLines` order.
 */
export function rollUp(
  lines: readonly { parentCode: string | null; depth: number }[],
  own: readonly bigint[],
): bigint[] {
  const totals = [...own];
  // Sub-lines follow their parent, one level deeper: the parent is the nearest earlier line of
  // a smaller depth. Walking backwards then adds each line's total into its parent's.
  const stack: number[] = [];
  const parentIndex = lines.map((line, i) => {
    while (stack.length > 0 && lines[stack[stack.length - 1]!]!.depth >= line.depth) stack.pop();
    const parent = line.parentCode === null ? undefined : stack[stack.length - 1];
    stack.push(i);
    return parent;
  });
  for (let i = lines.length - 1; i >= 0; i--) {
    const parent = parentIndex[i];
    if (parent !== undefined) totals[parent] = totals[parent]! + totals[i]!;
  }
  return totals;
}
