import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { StorageTarget } from '../../src/kernel/index.ts';

/**
 * The storages database tests run on: embedded PGlite (in memory) always, and a real PostgreSQL
 * server when TEST_DATABASE_URL is set (as `.ci/run` does). Each `create()` gives a fresh, empty
 * database; `drop()` removes it.
 */
export interface TestStorage {
  name: 'pglite' | 'postgres';
  create: () => Promise<{ target: StorageTarget; drop: () => Promise<void> }>;
}

const serverUrl = process.env.TEST_DATABASE_URL;

export const pgliteStorage: TestStorage = {
  name: 'pglite',
  create: async () => ({ target: { kind: 'memory' }, drop: async () => undefined }),
};

export const postgresStorage: TestStorage | undefined = serverUrl
  ? {
      name: 'postgres',
      async create() {
        const name = `iza_test_${randomBytes(6).toString('hex')}`;
        await adminQuery(`create database ${name}`);
        const url = new URL(serverUrl);
        url.pathname = `/${name}`;
        return {
          target: { kind: 'postgres', url: url.toString(), poolMax: 5 },
          drop: () => adminQuery(`drop database if exists ${name} with (force)`),
        };
      },
    }
  : undefined;

/** Every storage available here: use with `describe.each(storages)`. */
export const storages: TestStorage[] = [
  pgliteStorage,
  ...(postgresStorage ? [postgresStorage] : []),
];

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
