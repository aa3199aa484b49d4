import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestKernel } from '../../test/helpers/kernel.ts';
import { storages } from '../../test/helpers/storage.ts';
import { createAccess } from '../access/index.ts';
import { ManualClock, type Kernel } from '../kernel/index.ts';
import { defineLedgerQueues, LEDGER_EXPIRE_QUEUE } from './ledger.jobs.ts';
import { createLedgerService, type LedgerService } from './ledger.service.ts';
import { createBook, single, START } from './ledger.test-support.ts';

describe.each(storages)('ledger jobs on $name', { timeout: 60_000 }, (storage) => {
  let kernel: Kernel;
  let ledger: LedgerService;
  let drop: () => Promise<void>;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    kernel = await createTestKernel({ target: created.target, clock, workJobs: true });
    ledger = createLedgerService({ db: kernel.db, clock, audit: createAccess(kernel).audit });
    await defineLedgerQueues(kernel.jobs, ledger);
  });
  afterAll(async () => {
    await kernel.close();
    await drop();
  });

  it('schedules the sweep, and a sweep job releases holds past their timeout', async () => {
    expect(await kernel.jobs.schedules()).toContainEqual(
      expect.objectContaining({ queue: LEDGER_EXPIRE_QUEUE, cron: '* * * * *' }),
    );
    const { orgId, account } = await createBook(ledger);
    const [a, b] = [await account(), await account()];
    const hold = single(a, b, 12n, { kind: 'pending', timeoutSeconds: 5 });
    await ledger.createTransfers(orgId, [hold]);
    clock.advance(5_000);
    await kernel.jobs.send(LEDGER_EXPIRE_QUEUE, {});
    await vi.waitFor(
      async () => expect((await ledger.getTransfer(orgId, hold.id)).status).toBe('expired'),
      { timeout: 20_000, interval: 100 },
    );
    expect((await ledger.getAccount(orgId, a.id)).debitsPending).toBe(0n);
  });
});
