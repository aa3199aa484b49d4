import { afterEach, describe, expect, it } from 'vitest';
import { storages } from '../../../test/helpers/storage.ts';
import { createLogger } from '../log.ts';
import { openDatabase, type DatabaseHandle } from './client.ts';
import { migrateDatabase, migrationStates } from './migrate.ts';

const log = createLogger({ level: 'silent' });

/** Tables, columns and types of the public schema: what a migration would change. */
async function schemaSnapshot(handle: DatabaseHandle): Promise<string[]> {
  const text = `select table_name || '.' || column_name || ':' || data_type as c
    from information_schema.columns where table_schema = 'public' order by 1`;
  const rows = handle.pglite
    ? (await handle.pglite.query<{ c: string }>(text)).rows
    : ((await handle.pool!.query(text)).rows as { c: string }[]);
  return rows.map((r) => r.c);
}

describe.each(storages)('migrations on $name', (storage) => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
    cleanup = [];
  });

  it('apply every committed migration once, and a second run changes nothing', async () => {
    const { target, drop } = await storage.create();
    const handle = await openDatabase({ target, log });
    cleanup.push(drop, () => handle.close());

    expect((await migrationStates(handle)).every((m) => !m.applied)).toBe(true);
    const first = await migrateDatabase(handle);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(first.applied).toEqual(first.migrations.map((m) => m.tag));
    expect(first.migrations.every((m) => m.applied)).toBe(true);
    const schemaAfterFirst = await schemaSnapshot(handle);
    expect(schemaAfterFirst).toContain('kernel_settings.key:text');

    const second = await migrateDatabase(handle);
    expect(second.applied).toEqual([]);
    expect(await schemaSnapshot(handle)).toEqual(schemaAfterFirst);
  });
});

describe.skipIf(!storages.some((s) => s.name === 'postgres'))('migrations on one server', () => {
  it('are serialised when several processes start at once', async () => {
    const postgres = storages.find((s) => s.name === 'postgres')!;
    const { target, drop } = await postgres.create();
    const handles = await Promise.all([1, 2, 3].map(() => openDatabase({ target, log })));
    try {
      const reports = await Promise.all(handles.map((h) => migrateDatabase(h)));
      const appliedTotal = reports.flatMap((r) => r.applied);
      // every migration applied exactly once across the three
      expect(appliedTotal.sort()).toEqual(reports[0]!.migrations.map((m) => m.tag).sort());
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await drop();
    }
  });
});
