import type { Entity } from '../api/types.ts';

/**
 * The ledger's entities as a tree (each entity under its `parentId`: holding -> subsidiaries ->
 * ventures' entities), and the rows the picker shows of it: the expanded branches, or, while
 * filtering, every match with the entities above it. Plain data and loops: it runs on every
 * keystroke over hundreds of entities.
 */

export interface EntityNode {
  entity: Entity;
  /** 1 for a top-level entity (aria-level). */
  level: number;
  parent: EntityNode | null;
  children: EntityNode[];
  /** Code, name and currency in lower case: what a filter is matched against. */
  text: string;
}

export interface EntityTree {
  roots: EntityNode[];
  byId: ReadonlyMap<string, EntityNode>;
}

/** Holdings before ventures, then by code. */
const order = (a: EntityNode, b: EntityNode) =>
  (a.entity.kind === 'holding' ? 0 : 1) - (b.entity.kind === 'holding' ? 0 : 1) ||
  (a.entity.code < b.entity.code ? -1 : a.entity.code > b.entity.code ? 1 : 0);

/** Builds the tree; an entity whose parent is not in the list (or a cycle) becomes a root. */
export function buildEntityTree(entities: readonly Entity[]): EntityTree {
  const byId = new Map<string, EntityNode>();
  for (const entity of entities) {
    byId.set(entity.id, {
      entity,
      level: 1,
      parent: null,
      children: [],
      text: `${entity.code} ${entity.name} ${entity.baseCurrency}`.toLowerCase(),
    });
  }
  const roots: EntityNode[] = [];
  for (const node of byId.values()) {
    const parent = node.entity.parentId ? byId.get(node.entity.parentId) : undefined;
    if (parent && !isAncestor(node, parent)) {
      node.parent = parent;
      parent.children.push(node);
    } else {
      roots.push(node);
    }
  }
  const settle = (list: EntityNode[], level: number) => {
    list.sort(order);
    for (const node of list) {
      node.level = level;
      settle(node.children, level + 1);
    }
  };
  settle(roots, 1);
  return { roots, byId };
}

/** Whether `node` is `other` or above it (linking them would make a cycle). */
function isAncestor(node: EntityNode, other: EntityNode): boolean {
  for (let up: EntityNode | null = other; up; up = up.parent) if (up === node) return true;
  return false;
}

/** One row of the picker: a tree item as shown. */
export interface EntityRow {
  node: EntityNode;
  /** Whether it matches the filter (false: shown only because a descendant matches). */
  match: boolean;
  expanded: boolean;
  /** aria-posinset / aria-setsize among the siblings shown. */
  position: number;
  siblings: number;
}

/**
 * The rows shown, in tree order. Without a filter: the roots and the children of every expanded
 * entity. With one (matched in code, name or currency, case-insensitively): each match and the
 * entities above it, every branch on the way open.
 */
export function visibleRows(
  tree: EntityTree,
  filter: string,
  expanded: ReadonlySet<string>,
): EntityRow[] {
  const query = filter.trim().toLowerCase();
  const rows: EntityRow[] = [];
  if (query === '') {
    const walk = (list: EntityNode[]) => {
      list.forEach((node, i) => {
        const open = node.children.length > 0 && expanded.has(node.entity.id);
        rows.push({ node, match: true, expanded: open, position: i + 1, siblings: list.length });
        if (open) walk(node.children);
      });
    };
    walk(tree.roots);
    return rows;
  }
  // Which nodes have a match at or below them.
  const keep = new Map<EntityNode, boolean>();
  const mark = (node: EntityNode): boolean => {
    let below = false;
    for (const child of node.children) below = mark(child) || below;
    const self = node.text.includes(query);
    if (self || below) keep.set(node, self);
    return self || below;
  };
  for (const root of tree.roots) mark(root);
  const walk = (list: EntityNode[]) => {
    const shown = list.filter((node) => keep.has(node));
    shown.forEach((node, i) => {
      const open = node.children.some((child) => keep.has(child));
      rows.push({
        node,
        match: keep.get(node)!,
        expanded: open,
        position: i + 1,
        siblings: shown.length,
      });
      if (open) walk(node.children);
    });
  };
  walk(tree.roots);
  return rows;
}

/** The entity's ancestors' ids, nearest first: the branches to open to show it. */
export function ancestorIds(tree: EntityTree, id: string): string[] {
  const out: string[] = [];
  for (let up = tree.byId.get(id)?.parent ?? null; up; up = up.parent) out.push(up.entity.id);
  return out;
}

/** `text` cut around the first occurrence of `query` (case-insensitive), for highlighting. */
export function splitMatch(
  text: string,
  query: string,
): { before: string; match: string; after: string } | null {
  const q = query.trim().toLowerCase();
  if (q === '') return null;
  const at = text.toLowerCase().indexOf(q);
  if (at < 0) return null;
  return {
    before: text.slice(0, at),
    match: text.slice(at, at + q.length),
    after: text.slice(at + q.length),
  };
}
