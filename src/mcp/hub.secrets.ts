import { isInternalSecret } from '../access/index.ts';

/**
 * Values of an external server's headers and environment may reference vault secrets as
 * `{{secret:NAME}}` (e.g. `Authorization: Bearer {{secret:GITHUB_TOKEN}}`): the stored
 * configuration never holds the secret, and the value is opened only to connect.
 */
const REFERENCE = /\{\{\s*secret:([A-Za-z][A-Za-z0-9_.-]{0,99})\s*\}\}/g;

/** The secret names `values` reference, each once. */
export function secretReferences(values: string[]): string[] {
  const names = new Set<string>();
  for (const value of values) for (const match of value.matchAll(REFERENCE)) names.add(match[1]!);
  return [...names];
}

/** `values` with every reference replaced by its secret, opened through `reveal`. */
export async function resolveSecrets(
  values: Record<string, string>,
  reveal: (name: string) => Promise<string>,
): Promise<Record<string, string>> {
  const opened = new Map<string, string>();
  for (const name of secretReferences(Object.values(values))) {
    // A module's own secrets (agent connections' keys) are never sent to a server.
    if (isInternalSecret(name)) throw new Error(`the secret "${name}" cannot be referenced`);
    opened.set(name, await reveal(name));
  }
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key,
      value.replace(REFERENCE, (_all, name: string) => opened.get(name) ?? ''),
    ]),
  );
}
