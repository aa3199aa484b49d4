import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestKernel } from '../helpers/kernel.ts';
import { spawnNode } from '../helpers/process.ts';
import { durableStorage, durableStorages } from '../helpers/durable.ts';

const WRITER = fileURLToPath(new URL('../fixtures/ledger-writer.ts', import.meta.url));
const BATCH = 2000;

describe.each(durableStorages)(
  'a ledger writer killed with SIGKILL in the middle of batches on $name',
  { timeout: 120_000 },
  ({ storage }) => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it('leaves whole batches only, and balances equal to their postings', async () => {
      const target = await durableStorage(storage, 'iza-crash-');
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
