import type { Item, NodeContext, NodeType } from '../engine/engine.types.ts';

const BASE = 'n8n-nodes-base.';

/** Declares an `n8n-nodes-base` node type (the short name is prefixed). */
export function defineNode(def: Omit<NodeType, 'type'> & { name: string }): NodeType {
  const { name, ...rest } = def;
  return { type: name.includes('.') ? name : BASE + name, ...rest };
}

/** Runs `fn` for each input item, applying n8n's per-item continue-on-fail rule. */
export async function perItem(
  ctx: NodeContext,
  fn: (item: Item, index: number) => Promise<Item | Item[] | null> | Item | Item[] | null,
): Promise<Item[]> {
  const out: Item[] = [];
  const items = ctx.input();
  for (let i = 0; i < items.length; i++) {
    try {
      const r = await fn(items[i]!, i);
      if (r === null) continue;
      for (const item of Array.isArray(r) ? r : [r]) out.push({ ...item, pairedItem: { item: i } });
    } catch (error) {
      if (!ctx.continueOnFail || ctx.node.onError === 'continueErrorOutput') throw error;
      out.push({
        json: { error: error instanceof Error ? error.message : String(error) },
        pairedItem: { item: i },
      });
    }
  }
  return out;
}

/**
 * A file as items carry it: the bytes in base64 with their type and size (as n8n shows it:
 * `12 B`, `1.23 kB`), and the file's name and extension when it has them.
 */
export function binaryFile(
  bytes: Buffer,
  mimeType: string,
  file: { fileName?: string; fileExtension?: string } = {},
): NonNullable<Item['binary']>[string] {
  return {
    data: bytes.toString('base64'),
    mimeType,
    ...(file.fileName !== undefined ? { fileName: file.fileName } : {}),
    ...(file.fileExtension !== undefined ? { fileExtension: file.fileExtension } : {}),
    fileSize: prettyBytes(bytes.length),
  };
}

/** A size as n8n shows a file's (pretty-bytes 5: decimal units, three significant digits). */
export function prettyBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  if (bytes < 1) return `${bytes} B`;
  const exponent = Math.min(Math.floor(Math.log10(bytes) / 3), units.length - 1);
  return `${Number((bytes / 1000 ** exponent).toPrecision(3))} ${units[exponent]}`;
}

/** Reads a dotted path (`a.b[0].c`) from an object, as n8n's `get` does. */
export function getField(obj: unknown, path: string): unknown {
  if (obj !== null && typeof obj === 'object' && Object.hasOwn(obj, path)) {
    return (obj as Record<string, unknown>)[path];
  }
  let at: unknown = obj;
  for (const key of path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Writes a dotted path, creating objects on the way (refuses prototype keys). */
export function setField(
  obj: Record<string, unknown>,
  path: string,
  value: unknown,
  dotted = true,
): void {
  const keys = dotted ? path.replace(/\[(\d+)\]/g, '.$1').split('.') : [path];
  let at: Record<string, unknown> = obj;
  for (const [i, key] of keys.entries()) {
    if (UNSAFE_KEYS.has(key)) throw new Error(`field name "${key}" is not allowed`);
    if (i === keys.length - 1) {
      at[key] = value;
      return;
    }
    const next = at[key];
    if (next === null || typeof next !== 'object') at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
}

/** Removes a dotted path. */
export function deleteField(obj: Record<string, unknown>, path: string): void {
  if (Object.hasOwn(obj, path)) {
    delete obj[path];
    return;
  }
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = getField(obj, keys.join('.'));
  if (parent !== null && typeof parent === 'object')
    delete (parent as Record<string, unknown>)[last];
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Field lists n8n writes as "a, b" strings or arrays. */
export function fieldList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return [];
}

/** A parameter or field as text: objects as JSON, null/undefined as `fallback`. */
export function text(value: unknown, fallback = ''): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return '';
}
