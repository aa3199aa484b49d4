import { basename, extname } from 'node:path';

/**
 * The name an imported file's workflow gets when the file gives none (n8n exports made by hand
 * or by other tools often lack `name`): the file's name without its folder and extension, e.g.
 * `exports/order-sync.json` -> `order-sync`. Undefined when the workflow has a name.
 */
export function nameFromFile(file: string, name: unknown): string | undefined {
  if (typeof name === 'string' && name.trim() !== '') return undefined;
  const base = basename(file.replaceAll('\\', '/'));
  const stem = base.slice(0, base.length - extname(base).length).trim();
  return stem === '' ? undefined : stem;
}
