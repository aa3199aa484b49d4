import { createAccess } from '../access/index.ts';
import { ManualClock, newId, type Kernel, type StorageTarget } from '../kernel/index.ts';
import { createTestKernel } from '../../test/helpers/kernel.ts';
import {
  ledgerAccountDays,
  ledgerAccounts,
  ledgerApprovalPolicies,
  ledgerEntities,
  ledgerFxRates,
  ledgerPeriodCloses,
  ledgerPostings,
  ledgerTransferApprovals,
  ledgerTransferRequests,
  ledgerTransfers,
} from './ledger.schema.ts';
import { createLedgerService, type LedgerService } from './ledger.service.ts';
import type { Account, AccountInput, TransferInput } from './ledger.types.ts';

/** What the ledger tests share: a kernel on one storage, a manual clock, the real audit log. */
export interface LedgerWorld {
  kernel: Kernel;
  clock: ManualClock;
  ledger: LedgerService;
  audit: ReturnType<typeof createAccess>['audit'];
  close(): Promise<void>;
}

export const START = '2026-03-01T09:00:00.000Z';

export async function createLedgerWorld(target: StorageTarget): Promise<LedgerWorld> {
  const clock = new ManualClock(START);
  const kernel = await createTestKernel({ target, clock, workJobs: false });
  const access = createAccess(kernel);
  const ledger = createLedgerService({ db: kernel.db, clock, audit: access.audit });
  return { kernel, clock, ledger, audit: access.audit, close: () => kernel.close() };
}

/** Empties the ledger's tables between tests (the audit log is left alone). */
export async function resetLedger(kernel: Kernel): Promise<void> {
  await kernel.db.delete(ledgerTransferApprovals);
  await kernel.db.delete(ledgerTransferRequests);
  await kernel.db.delete(ledgerApprovalPolicies);
  await kernel.db.delete(ledgerPostings);
  await kernel.db.delete(ledgerAccountDays);
  await kernel.db.delete(ledgerTransfers);
  await kernel.db.delete(ledgerAccounts);
  await kernel.db.delete(ledgerPeriodCloses);
  await kernel.db.delete(ledgerFxRates);
  await kernel.db.delete(ledgerEntities);
}

/** An entity in a fresh organisation, and a way to add accounts to it. */
export async function createBook(ledger: LedgerService, currency = 'EUR') {
  const orgId = newId();
  const { entity, accounts: chart } = await ledger.createEntity(orgId, {
    code: 'ACME',
    name: 'Acme Ventures',
    kind: 'venture',
    baseCurrency: currency,
  });
  let next = 9000;
  const account = (input: Partial<Omit<AccountInput, 'entityId'>> = {}): Promise<Account> =>
    ledger.createAccount(orgId, {
      entityId: entity.id,
      code: String(next++),
      name: `Test account ${next}`,
      type: 'asset',
      ...input,
    });
  return { orgId, entity, chart, account };
}

/** A single transfer with a fresh id. */
export function single(
  debit: Account | string,
  credit: Account | string,
  amount: bigint,
  extra: Partial<TransferInput> = {},
): TransferInput {
  return {
    id: newId(),
    debitAccountId: typeof debit === 'string' ? debit : debit.id,
    creditAccountId: typeof credit === 'string' ? credit : credit.id,
    amount,
    currency: 'EUR',
    ...extra,
  };
}
