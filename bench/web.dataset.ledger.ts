// The ledger part of the dashboard benchmark's data set (web.dataset.ts): foreign-currency
// accounts, rates, share capital, intercompany loans and everyday transfers, all through the
// ledger's own calls, and the check that the result holds the ledger's invariants.
import { sql } from 'drizzle-orm';
import { demoUuid, seededRandom } from '../src/flows/index.ts';
import type { Database } from '../src/kernel/index.ts';
import { MAX_BATCH, type LedgerService, type TransferInput } from '../src/ledger/index.ts';
import { addMonths } from '../src/portfolio/index.ts';

/** Transfers per `createTransfers` call. */
const BATCH = 8_000;
const FOREIGN = ['USD', 'EUR', 'GBP', 'CHF', 'JPY'] as const;
/** Units of each currency per euro where the rates start; a walk of at most 1.5% a month. */
const RATE_LEVELS: Record<string, number> = { USD: 1.05, GBP: 0.84, CHF: 0.95, JPY: 158 };
/** The demo records EUR->USD/GBP for its own months: the data set adds only what it lacks. */
const DEMO_PAIRS = new Set(['USD', 'GBP']);
const DEMO_RATE_MONTHS = 12;

/** What one kind of everyday transfer moves, with its share of all of them (percent). */
const KINDS: { weight: number; debit: string; credit: string; scale: number; text: string }[] = [
  { weight: 30, debit: '1100', credit: '4100', scale: 400, text: 'Subscription receipts' },
  { weight: 10, debit: '1200', credit: '4200', scale: 900, text: 'Product invoice' },
  { weight: 8, debit: '1100', credit: '1200', scale: 900, text: 'Invoice paid' },
  { weight: 15, debit: '6300', credit: '1100', scale: 120, text: 'Hosting and tools' },
  { weight: 5, debit: '6100', credit: '1100', scale: 2_500, text: 'Payroll' },
  { weight: 4, debit: '6200', credit: '1100', scale: 900, text: 'Rent' },
  { weight: 6, debit: '6400', credit: '1100', scale: 300, text: 'Campaign' },
  { weight: 3, debit: '6500', credit: '2000', scale: 600, text: 'Adviser invoice' },
  { weight: 3, debit: '2000', credit: '1100', scale: 600, text: 'Supplier paid' },
  { weight: 4, debit: '5000', credit: '1100', scale: 250, text: 'Cost of sales' },
  { weight: 2, debit: '6600', credit: '1100', scale: 8, text: 'Bank fees' },
  { weight: 7, debit: '1110', credit: '4110', scale: 700, text: 'Export receipts' },
  { weight: 3, debit: '6610', credit: '1110', scale: 10, text: 'Foreign bank fees' },
];

export interface LedgerPlan {
  seed: number;
  /** Postings the ledger holds at the end (half as many two-leg transfers). */
  postings: number;
  /** Months of history, ending today (`YYYY-MM-DD`). */
  months: number;
  today: string;
  log: (line: string) => void;
}

/** Accounts, rates, capital, intercompany loans and everyday transfers up to `plan.postings`. */
export async function fillLedger(
  db: Database,
  ledger: LedgerService,
  orgId: string,
  plan: LedgerPlan,
): Promise<{ currencies: string[]; firstDay: string }> {
  const { today, log, seed, months, postings } = plan;
  const random = seededRandom(seed * 7 + 1);
  const thisMonth = today.slice(0, 7);
  const firstMonth = addMonths(thisMonth, -(months - 1));
  const firstDay = `${firstMonth}-01`;
  const entities = await ledger.listEntities(orgId);
  const holding = entities.find((e) => e.kind === 'holding')!;
  const ventures = entities.filter((e) => e.kind === 'venture');

  // Rates: the first of every month from a month before the books start, for each pair from
  // the holding's EUR, less those the demo recorded.
  const rates: {
    base: string;
    quote: string;
    rate: string;
    effectiveOn: string;
    source: string;
  }[] = [];
  for (const [quote, level] of Object.entries(RATE_LEVELS)) {
    let value = level;
    for (let m = months; m >= 0; m--) {
      value *= 1 + (random() - 0.5) * 0.03;
      if (DEMO_PAIRS.has(quote) && m <= DEMO_RATE_MONTHS) continue;
      rates.push({
        base: 'EUR',
        quote,
        // A generated figure fixed to a decimal string once: a rate, never money.
        rate: value.toFixed(quote === 'JPY' ? 2 : 4),
        effectiveOn: `${addMonths(thisMonth, -m)}-01`,
        source: 'bench',
      });
    }
  }
  await ledger.recordFxRates(orgId, rates);

  // Each venture's foreign-currency accounts, under the template's parents.
  const accounts = new Map<string, Map<string, string>>();
  const currencyOf = new Map<string, string>();
  const foreignOf = new Map<string, string>();
  for (const entity of entities) {
    const rows = await ledger.listAccounts(orgId, { entityId: entity.id });
    accounts.set(entity.id, new Map(rows.map((a) => [a.code, a.id])));
    currencyOf.set(entity.id, entity.baseCurrency);
  }
  await inParallel(ventures, 4, async (entity, i) => {
    const choices = FOREIGN.filter((c) => c !== entity.baseCurrency);
    const foreign = choices[i % choices.length]!;
    foreignOf.set(entity.id, foreign);
    const codes = accounts.get(entity.id)!;
    for (const [code, name, type, parent, cash] of [
      ['1110', `Bank (${foreign})`, 'asset', '1100', true],
      ['4110', `Export revenue (${foreign})`, 'revenue', '4000', false],
      ['6610', `Bank fees (${foreign})`, 'expense', '6000', false],
    ] as const) {
      const account = await ledger.createAccount(orgId, {
        entityId: entity.id,
        code,
        name,
        type,
        currency: foreign,
        parentAccountId: codes.get(parent)!,
        cash,
      });
      codes.set(code, account.id);
    }
  });

  const at = (day: string, ms: number) => new Date(new Date(`${day}T00:00:00.000Z`).getTime() + ms);
  const submit = async (transfers: TransferInput[]) => {
    for (let i = 0; i < transfers.length; i += MAX_BATCH) {
      const results = await ledger.createTransfers(orgId, transfers.slice(i, i + MAX_BATCH));
      const refused = results.find((r) => r.result !== 'ok');
      if (refused) throw new Error(`a data-set transfer was refused: ${refused.result}`);
    }
  };
  // Share capital: the holding's, then each venture's, on the first day.
  const capital = (entityId: string, amount: bigint): TransferInput => ({
    id: demoUuid(`bench/${seed}/capital/${entityId}`),
    debitAccountId: accounts.get(entityId)!.get('1100')!,
    creditAccountId: accounts.get(entityId)!.get('3000')!,
    amount,
    currency: currencyOf.get(entityId)!,
    effectiveAt: at(firstDay, 9 * 3_600_000),
    description: 'Share capital',
  });
  await submit([
    capital(holding.id, 500_000_000n),
    ...ventures.map((v) => capital(v.id, BigInt(2_000_000 + Math.floor(random() * 8_000_000)))),
  ]);
  // An intercompany loan from the holding to each venture in its second month, in EUR
  // (converted into the venture's currency at that day's rate): two linked legs each.
  const loanDay = `${addMonths(firstMonth, 1)}-03`;
  await inParallel(ventures, 4, async (venture) => {
    const result = await ledger.createIntercompanyTransfer(orgId, {
      id: demoUuid(`bench/${seed}/loan/${venture.id}`),
      kind: 'loan',
      fromEntityId: holding.id,
      toEntityId: venture.id,
      amount: BigInt(1_000_000 + Math.floor(random() * 4_000_000)),
      currency: 'EUR',
      effectiveAt: at(loanDay, 10 * 3_600_000),
      description: 'Working capital loan',
    });
    if (result.result !== 'ok') throw new Error(`a data-set loan was refused: ${result.result}`);
  });

  // Everyday transfers until the ledger holds postings / 2 transfers, spread evenly over the
  // ventures and uniformly over the days from the first day to now.
  const [{ count }] = (
    (await db.execute(
      sql`select count(*)::int as count from ledger_transfers where org_id = ${orgId}`,
    )) as { rows: [{ count: number }] }
  ).rows;
  const remaining = postings / 2 - count;
  const span = Date.now() - new Date(`${firstDay}T00:00:00.000Z`).getTime();
  const total = KINDS.reduce((s, k) => s + k.weight, 0);
  const started = performance.now();
  for (let done = 0; done < remaining; done += BATCH) {
    const batch: TransferInput[] = [];
    for (let i = done; i < Math.min(remaining, done + BATCH); i++) {
      const venture = ventures[i % ventures.length]!;
      let r = random() * total;
      const kind = KINDS.find((k) => (r -= k.weight) < 0) ?? KINDS[0]!;
      const foreign = kind.debit.startsWith('1110') || kind.credit === '1110';
      const currency = foreign ? foreignOf.get(venture.id)! : currencyOf.get(venture.id)!;
      // Whole units of about `scale` (JPY has no minor unit, and a yen is worth little).
      const major = kind.scale * (0.2 + random() * 1.6) * (currency === 'JPY' ? 150 : 1);
      const codes = accounts.get(venture.id)!;
      batch.push({
        id: demoUuid(`bench/${seed}/t/${i}`),
        debitAccountId: codes.get(kind.debit)!,
        creditAccountId: codes.get(kind.credit)!,
        amount: BigInt(Math.max(1, Math.round(major * (currency === 'JPY' ? 1 : 100)))),
        currency,
        effectiveAt: new Date(Date.now() - Math.floor(random() * span) - 60_000),
        description: kind.text,
      });
    }
    await submit(batch);
    const n = Math.min(remaining, done + BATCH);
    if ((done / BATCH) % 10 === 0 || n === remaining) {
      log(
        `${n} of ${remaining} everyday transfers (${Math.round(n / ((performance.now() - started) / 1000))}/s)`,
      );
    }
  }
  return {
    currencies: [...new Set([...currencyOf.values(), ...foreignOf.values()])].sort(),
    firstDay,
  };
}

/** Counts, and every account's totals equal to the sums of its postings (the ledger's invariant). */
export async function verifyLedger(
  db: Database,
  orgId: string,
  plan: Pick<LedgerPlan, 'postings' | 'log'>,
): Promise<{
  entities: number;
  accounts: number;
  fxRates: number;
  transfers: number;
  postings: number;
}> {
  const one = async (query: ReturnType<typeof sql>) =>
    Number(((await db.execute(query)) as { rows: { n: number | string }[] }).rows[0]!.n);
  const counts = {
    entities: await one(sql`select count(*) as n from ledger_entities where org_id = ${orgId}`),
    accounts: await one(sql`select count(*) as n from ledger_accounts where org_id = ${orgId}`),
    fxRates: await one(sql`select count(*) as n from ledger_fx_rates where org_id = ${orgId}`),
    transfers: await one(
      sql`select count(*) as n from ledger_transfers where org_id = ${orgId} and status = 'posted'`,
    ),
    postings: await one(sql`select count(*) as n from ledger_postings where org_id = ${orgId}`),
  };
  const unbalanced = await one(sql`
    select count(*) as n from ledger_accounts a
    left join (
      select account_id,
        sum(case when side = 'debit' then amount else 0 end) as debits,
        sum(case when side = 'credit' then amount else 0 end) as credits
      from ledger_postings where org_id = ${orgId} and not pending group by account_id
    ) p on p.account_id = a.id
    where a.org_id = ${orgId}
      and (a.debits_posted <> coalesce(p.debits, 0) or a.credits_posted <> coalesce(p.credits, 0))`);
  const sides = await one(sql`
    select count(*) as n from (
      select transfer_id from ledger_postings where org_id = ${orgId}
      group by transfer_id
      having sum(case when side = 'debit' then amount else -amount end) <> 0) t`);
  if (counts.postings !== plan.postings || unbalanced !== 0 || sides !== 0) {
    throw new Error(
      `the data set is not what it should be: ${JSON.stringify({ ...counts, unbalanced, unbalancedTransfers: sides })}`,
    );
  }
  plan.log(`verified: ${JSON.stringify(counts)}, every account's totals equal its postings' sums`);
  return counts;
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}
