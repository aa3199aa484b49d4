import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import { newId, type Kernel } from '../../src/kernel/index.ts';
import {
  createLedgerService,
  type Account,
  type LedgerService,
  type TransferInput,
} from '../../src/ledger/index.ts';
import { captureLogs, createTestKernel } from '../helpers/kernel.ts';
import { postgresStorage } from '../helpers/storage.ts';

/**
 * Many processes' worth of writers (separate kernels, so separate connection pools) on one
 * PostgreSQL, all fighting over a few accounts with balance limits. The row locks, taken in id
 * order, must keep every limit with no deadlock and no lost or doubled money.
 */
const CLIENTS = 6;
const WORKERS_PER_CLIENT = 2;
const RUN_MS = 3_000;

interface Client {
  kernel: Kernel;
  ledger: LedgerService;
  logs: ReturnType<typeof captureLogs>['lines'];
}

interface Applied {
  debit: string;
  credit: string;
  amount: bigint;
}

describe.skipIf(!postgresStorage)('ledger under concurrent writers on PostgreSQL', () => {
  const clients: Client[] = [];
  let drop: () => Promise<void>;
  let orgId: string;
  let wallet: Account;
  let sinks: Account[];
  let ring: Account[];
  let bank: Account;

  beforeAll(async () => {
    const created = await postgresStorage!.create();
    drop = created.drop;
    for (let i = 0; i < CLIENTS; i++) {
      const { log, lines } = captureLogs('debug');
      const kernel = await createTestKernel({ target: created.target, workJobs: false, log });
      const audit = createAccess(kernel).audit;
      clients.push({
        kernel,
        ledger: createLedgerService({ db: kernel.db, clock: kernel.clock, audit, log }),
        logs: lines,
      });
    }
    const { ledger } = clients[0]!;
    orgId = newId();
    const { entity } = await ledger.createEntity(orgId, {
      code: 'HOT',
      name: 'Hot accounts',
      kind: 'venture',
      baseCurrency: 'EUR',
    });
    const account = (code: string, limited: boolean) =>
      ledger.createAccount(orgId, {
        entityId: entity.id,
        code,
        name: code,
        type: limited ? 'liability' : 'asset',
        debitsMustNotExceedCredits: limited,
      });
    bank = await account('BANK', false);
    wallet = await account('WALLET', true);
    sinks = [await account('SINK1', false), await account('SINK2', false)];
    ring = [await account('A', true), await account('B', true), await account('C', true)];
    const fund = (to: Account, amount: bigint): TransferInput => ({
      id: newId(),
      debitAccountId: bank.id,
      creditAccountId: to.id,
      amount,
      currency: 'EUR',
    });
    const funded = await ledger.createTransfers(orgId, [
      fund(wallet, 2_000n),
      ...ring.map((a) => fund(a, 300n)),
    ]);
    expect(funded.map((r) => r.result)).toEqual(['ok', 'ok', 'ok', 'ok']);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) await c.kernel.close();
    await drop?.();
  });

  it(
    'drains a hot account and moves money around a ring without overdraft or deadlock',
    { timeout: 60_000 },
    async () => {
      const applied: Applied[] = [];
      const refused = new Map<string, number>();
      const deadline = Date.now() + RUN_MS;
      let seed = 7;
      const random = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return seed % n;
      };
      const transfer = (
        debit: Account,
        credit: Account,
        amount: bigint,
        extra: Partial<TransferInput> = {},
      ): TransferInput => ({
        id: newId(),
        debitAccountId: debit.id,
        creditAccountId: credit.id,
        amount,
        currency: 'EUR',
        ...extra,
      });
      const submit = async (ledger: LedgerService, batch: TransferInput[]) => {
        const results = await ledger.createTransfers(orgId, batch);
        results.forEach(({ result }, i) => {
          const t = batch[i]!;
          if (result !== 'ok') refused.set(result, (refused.get(result) ?? 0) + 1);
          else if (t.kind === undefined || t.kind === 'single') {
            applied.push({
              debit: t.debitAccountId!,
              credit: t.creditAccountId!,
              amount: t.amount!,
            });
          }
        });
        return results;
      };

      /** Spends from the wallet: single transfers, and holds that are then posted in part or voided. */
      const drain = async (ledger: LedgerService) => {
        while (Date.now() < deadline) {
          const sink = sinks[random(2)]!;
          const amount = BigInt(1 + random(9));
          if (random(3) === 0) {
            const hold = transfer(wallet, sink, amount, { kind: 'pending', timeoutSeconds: 60 });
            const [held] = await submit(ledger, [hold]);
            if (held!.result !== 'ok') continue;
            const post = random(2) === 0;
            const part = post ? BigInt(1 + random(Number(amount))) : amount;
            const [done] = await submit(ledger, [
              {
                id: newId(),
                kind: post ? 'post_pending' : 'void_pending',
                pendingId: hold.id,
                ...(post ? { amount: part } : {}),
              },
            ]);
            expect(done!.result).toBe('ok');
            if (post) applied.push({ debit: wallet.id, credit: sink.id, amount: part });
          } else {
            await submit(ledger, [transfer(wallet, sink, amount), transfer(wallet, sink, amount)]);
          }
        }
      };

      /** Money both ways between ring accounts at once, in batches naming them in any order. */
      const swap = async (ledger: LedgerService) => {
        while (Date.now() < deadline) {
          const batch = Array.from({ length: 1 + random(3) }, () => {
            const from = random(3);
            const to = (from + 1 + random(2)) % 3;
            return transfer(ring[from]!, ring[to]!, BigInt(1 + random(60)));
          });
          await submit(ledger, batch);
        }
      };

      const started = performance.now();
      await Promise.all(
        clients.flatMap((c, i) =>
          Array.from({ length: WORKERS_PER_CLIENT }, (_, w) =>
            (i + w) % 2 === 0 ? drain(c.ledger) : swap(c.ledger),
          ),
        ),
      );
      const ms = performance.now() - started;

      const ledger = clients[0]!.ledger;
      const accounts = await ledger.listAccounts(orgId);
      const byId = new Map(accounts.map((a) => [a.id, a]));
      const funding = new Map<string, bigint>([
        [wallet.id, 2_000n],
        ...ring.map((a) => [a.id, 300n] as [string, bigint]),
      ]);
      for (const a of [wallet, ...sinks, ...ring]) {
        const now = byId.get(a.id)!;
        const debits = applied.filter((t) => t.debit === a.id).reduce((s, t) => s + t.amount, 0n);
        const credits = applied.filter((t) => t.credit === a.id).reduce((s, t) => s + t.amount, 0n);
        // exactly what the callers were told was applied, no more, no less
        expect(now.debitsPosted, a.code).toBe(debits);
        expect(now.creditsPosted, a.code).toBe(credits + (funding.get(a.id) ?? 0n));
        expect(now.debitsPending + now.creditsPending, a.code).toBe(0n);
        if (now.debitsMustNotExceedCredits) {
          expect(now.debitsPosted).toBeLessThanOrEqual(now.creditsPosted);
        }
      }
      expect(accounts.reduce((s, a) => s + a.debitsPosted, 0n)).toBe(
        accounts.reduce((s, a) => s + a.creditsPosted, 0n),
      );
      // fixed lock order: PostgreSQL never had to break a deadlock
      const retries = clients.flatMap((c) =>
        c.logs().filter((l) => l.msg === 'ledger transaction retried'),
      );
      expect(retries.filter((l) => l.code === '40P01')).toEqual([]);
      // the limits were actually fought over
      expect(refused.get('exceeds_credits') ?? 0).toBeGreaterThan(0);
      console.info(
        `${applied.length} transfers applied by ${CLIENTS * WORKERS_PER_CLIENT} writers in ${ms.toFixed(0)} ms; refused: ${JSON.stringify(Object.fromEntries(refused))}; retries: ${retries.length}`,
      );
    },
  );
});
