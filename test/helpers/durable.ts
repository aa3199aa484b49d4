import type { StorageTarget } from '../../src/kernel/index.ts';
import { tempDir } from './kernel.ts';
import { postgresStorage, type TestStorage } from './storage.ts';

/** A storage a separate process can open, kill and reopen: PGlite files, or a server database. */
export type DurableStorage = 'pglite' | TestStorage;

/** The storages crash tests run on: PGlite files always, PostgreSQL when the suite has one. */
export const durableStorages: { name: string; storage: DurableStorage }[] = [
  { name: 'pglite', storage: 'pglite' },
  ...(postgresStorage ? [{ name: 'postgres', storage: postgresStorage }] : []),
];

/**
 * A data folder (and, on PostgreSQL, a fresh database) for a process under test: the `env` to
 * start it with, the `target` to inspect it from the test, and `drop` to remove both.
 */
export async function durableStorage(
  storage: DurableStorage,
  prefix = 'iza-crash-',
): Promise<{ env: Record<string, string>; target: StorageTarget; drop: () => Promise<void> }> {
  const dir = tempDir(prefix);
  if (storage === 'pglite') {
    return {
      env: { IZA_DATA_DIR: dir.path },
      target: { kind: 'pglite', dataDir: dir.path },
      drop: async () => dir.remove(),
    };
  }
  const created = await storage.create();
  const url = created.target.kind === 'postgres' ? created.target.url : '';
  return {
    env: { DATABASE_URL: url, IZA_DATA_DIR: dir.path },
    target: created.target,
    drop: async () => {
      dir.remove();
      await created.drop();
    },
  };
}
