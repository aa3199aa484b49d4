import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestKernel, tempDir } from '../helpers/kernel.ts';
import { spawnNode } from '../helpers/process.ts';
import { postgresStorage, type TestStorage } from '../helpers/storage.ts';
import type { StorageTarget } from '../../src/kernel/index.ts';

const WRITER = fileURLToPath(new URL('../fixtures/ledger-writer.ts', import.meta.url));
const BATCH = 2000;

/** Files for PGlite (the interesting case: the process owns the database), a database on a server. */
async function durable(
  storage: 'pglite' | TestStorage,
): Promise<{ env: Record<string, string>; target: StorageTarget; drop: () => Promise<void> }> {
  if (storage === 'pglite') {
    const dir = tempDir('iza-crash-');
    return {
      env: { IZA_DATA_DIR: dir.path },
      target: { kind: 'pglite', dataDir: dir.path } as StorageTarget,
      drop: async () => dir.remove(),
    };
  }
  const created = await storage.create();
  const url = created.target.kind === 'postgres' ? created.target.url : '';
  const dir = tempDir('iza-crash-');
  return {
    env: { DATABASE_URL: url, IZA_DATA_DIR: dir.path },
    target: created.target,
    drop: async () => {
      dir.remove();
      await created.drop();
    },
  };
}

const cases: { name: string; storage: 'pglite' | TestStorage }[] = [
  { name: 'pglite', storage: 'pglite' },
  ...(postgresStorage ? [{ name: 'postgres', storage: postgresStorage }] : []),
];

describe.each(cases)(
  'a ledger writer killed with SIGKILL in the middle of batches on $name',
  { timeout: 120_000 },
  ({ storage }) => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it('leaves whole batches only, and balances equal to their postings', async () => {
      const target = await durable(storage);
      cleanup = target.drop;
      const writer = spawnNode([WRITER], {
        ...target.env,
        BATCH: String(BATCH),
        IZA_LOG_LEVEL: 'warn',
      });
      const deadline = Date.now() + 90_000;
      while (!/committed 3\n/.test(writer.output()) && Date.now() < deadline) {
        if (writer.child.exitCode !== null) throw new Error(writer.output());
        await new Promise((r) => setTimeout(r, 20));
      }
      // in the middle of the next batch
      await new Promise((r) => setTimeout(r, 150));
      writer.child.kill('SIGKILL');
      await writer.exited;
      const committed = Math.max(
        ...[...writer.output().matchAll(/committed (\d+)/g)].map((m) => Number(m[1])),
      );

      const kernel = await createTestKernel({ target: target.target, workJobs: false });
      try {
        const rows = async (text: string) =>
          ((await kernel.db.execute(sql.raw(text))) as { rows: Record<string, unknown>[] }).rows;
        const [transfers] = await rows('select count(*)::int as n from ledger_transfers');
        const n = Number(transfers!.n);
        expect(n % BATCH).toBe(0);
        expect(n / BATCH).toBeGreaterThanOrEqual(committed);
        expect(n / BATCH).toBeLessThanOrEqual(committed + 1);
        const mismatched = await rows(`
          select a.id from ledger_accounts a
          left join (select account_id,
                       sum(case when side = 'debit' and not pending then amount else 0 end) as d,
                       sum(case when side = 'credit' and not pending then amount else 0 end) as c
                     from ledger_postings group by account_id) p on p.account_id = a.id
          where a.debits_posted <> coalesce(p.d, 0) or a.credits_posted <> coalesce(p.c, 0)`);
        expect(mismatched).toEqual([]);
        const [totals] = await rows(
          'select sum(debits_posted)::text as d, sum(credits_posted)::text as c from ledger_accounts',
        );
        expect(totals!.d).toBe(totals!.c);
        const [batches] = await rows(
          "select count(*)::int as n from audit_log where action = 'ledger.transfers.create'",
        );
        expect(Number(batches!.n)).toBe(n / BATCH);
      } finally {
        await kernel.close();
      }
    });
  },
);
