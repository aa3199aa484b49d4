import type { Jobs } from '../kernel/index.ts';
import type { LedgerService } from './ledger.service.ts';

/** The queue whose jobs release pending transfers past their timeout. */
export const LEDGER_EXPIRE_QUEUE = 'ledger.expire-pending';

/**
 * Declares the ledger's background work: a sweep every minute (cron, UTC) that releases holds
 * past their timeout, so a hold on an account nobody touches does not stay reserved. Batches
 * release the expired holds they meet anyway; the sweep only bounds how long others linger.
 * For `MODULES` in `src/server/modules.ts`: `queues: (kernel) => defineLedgerQueues(kernel.jobs, ledger)`.
 */
export async function defineLedgerQueues(
  jobs: Jobs,
  ledger: Pick<LedgerService, 'expirePending'>,
  cron = '* * * * *',
): Promise<void> {
  await jobs.define<Record<string, never>>({
    name: LEDGER_EXPIRE_QUEUE,
    // The next run sweeps again: no need to retry a failed one.
    retryLimit: 0,
    handler: async () => ledger.expirePending(),
  });
  await jobs.schedule(LEDGER_EXPIRE_QUEUE, cron, {});
}
