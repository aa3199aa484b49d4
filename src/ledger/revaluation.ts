import { v5 as uuidv5 } from 'uuid';
import { UserError, type Clock, type DbOrTx } from '../kernel/index.ts';
import { isDay, requireDay } from './days.ts';
import { convertMinor, utcDay } from './fx.ts';
import type {
  Account,
  AccountInput,
  Entity,
  PeriodClose,
  PeriodCloseInput,
  TransferInput,
  TransferResult,
  TransferResultCode,
} from './ledger.types.ts';
import { endOfDay } from './reports.period.ts';
import { movementBuckets } from './reports.queries.ts';
import { loadCloseHistory, loadRateBook, type BookRate } from './reports.rates.ts';

/**
 * Revaluation of foreign-currency monetary items (IAS 21.23 and .28): at a closing date, every
 * monetary account of an entity held in another currency than the entity's base currency is
 * re-measured at the closing rate, and the difference with its carrying amount (its movements at
 * the rates of their days, plus the revaluations before) is posted as an ordinary transfer in the
 * base currency between the account's revaluation account (`<code>.FX`, a sub-account in the
 * base currency, created on first use) and the foreign-exchange gain/loss account 6900 (P&L).
 *
 * Monetary accounts: assets and liabilities (cash, receivables, payables, loans) held in a
 * foreign currency. Equity, revenue and expenses never are. Rates are the statements' rates
 * (`reports.rates.ts`: closed periods frozen, cross rates through the group's base currency), so
 * after a revaluation the statements show the account plus its revaluation account at exactly
 * the closing rate. Idempotent per entity and day: the transfer id is derived from the account,
 * the day and the amounts it starts from, and a second run finds nothing left to post.
 */

/** The namespace of revaluation transfer ids (UUIDv5). */
const REVALUATION_NAMESPACE = '0b6f1c1e-6a8e-4d43-9a51-3b0f9c2a7e15';
const GAIN_LOSS_CODE = '6900';
const MONETARY_TYPES = new Set(['asset', 'liability']);

export interface RevaluationLine {
  accountId: string;
  code: string;
  /** The account's currency. */
  currency: string;
  /** Its posted balance at the end of the day, debit-positive, in its currency. */
  balance: bigint;
  /** The closing rate into the base currency. */
  rate: BookRate;
  /** The balance at the closing rate, in the base currency. */
  remeasured: bigint;
  /** Movements at their days' rates plus earlier revaluations, in the base currency. */
  carrying: bigint;
  /** `remeasured - carrying`: a gain on an asset, a loss on a liability when positive. */
  difference: bigint;
  revaluationAccountId: string | null;
  /** The transfer posted (null when there was no difference). */
  transferId: string | null;
  result: TransferResultCode | null;
}

export interface Revaluation {
  entityId: string;
  on: string;
  /** The entity's base currency: every difference is in it. */
  currency: string;
  lines: RevaluationLine[];
  /** Transfers applied by this run (`ok`); `exists` ones were applied before. */
  posted: number;
}

export interface RevaluationDeps {
  db: DbOrTx;
  clock: Clock;
  getEntity(orgId: string, id: string): Promise<Entity>;
  listEntities(orgId: string): Promise<Entity[]>;
  listAccounts(orgId: string, filter: { entityId: string }): Promise<Account[]>;
  createAccount(orgId: string, input: AccountInput): Promise<Account>;
  createTransfers(orgId: string, transfers: readonly TransferInput[]): Promise<TransferResult[]>;
}

export function createRevaluation(deps: RevaluationDeps) {
  const { db, clock } = deps;

  /**
   * Re-measures the entity's foreign-currency monetary accounts at the closing rate of `on`
   * (default today) and posts the differences, dated the end of that day.
   * @throws UserError 422 when `on` is after today or a rate is missing, 409 when `on` is in a
   *   closed period.
   */
  async function revalue(
    orgId: string,
    entityId: string,
    options: { on?: string } = {},
  ): Promise<Revaluation> {
    const today = utcDay(clock.now());
    const on = options.on === undefined ? today : requireDay(options.on, 'on');
    if (on > today) {
      throw new UserError('ledger_revaluation_in_future', `on (${on}) is after today (${today})`, {
        status: 422,
        details: [{ path: 'on', message: 'must not be after today' }],
      });
    }
    const entity = await deps.getEntity(orgId, entityId);
    if (entity.closedThrough !== null && on <= entity.closedThrough) {
      throw new UserError(
        'period_closed',
        `Entity ${entity.code} is closed through ${entity.closedThrough}: revalue after it`,
        { status: 409, details: [{ path: 'on', message: 'falls in a closed period' }] },
      );
    }
    const accounts = await deps.listAccounts(orgId, { entityId: entity.id });
    const monetary = accounts.filter(
      (a) => MONETARY_TYPES.has(a.type) && a.currency !== entity.baseCurrency,
    );
    const base = { entityId: entity.id, on, currency: entity.baseCurrency, lines: [], posted: 0 };
    if (monetary.length === 0) return base;
    const gainLoss = accounts.find((a) => a.code === GAIN_LOSS_CODE);
    if (!gainLoss || gainLoss.currency !== entity.baseCurrency) {
      throw new UserError(
        'ledger_revaluation_account_missing',
        `Entity ${entity.code} has no ${GAIN_LOSS_CODE} account in ${entity.baseCurrency} for exchange differences`,
        { status: 422 },
      );
    }
    const entities = await deps.listEntities(orgId);
    let top = entity;
    for (let up = top; up.parentId !== null;) {
      const parent = entities.find((e) => e.id === up.parentId);
      if (!parent) break;
      top = up = parent;
    }
    const book = await loadRateBook(
      db,
      orgId,
      entity.baseCurrency,
      monetary.map((a) => a.currency),
      on,
      { pivot: top.baseCurrency, closes: await loadCloseHistory(db, orgId, [entity.id]) },
    );
    const buckets = await movementBuckets(
      db,
      orgId,
      [entity.id],
      { currency: entity.baseCurrency, start: null, end: endOfDay(on), cuts: [], lastDay: on },
      { types: ['asset', 'liability'] },
    );
    const byCode = new Map(accounts.map((a) => [a.code, a]));
    const lines: RevaluationLine[] = [];
    const transfers: TransferInput[] = [];
    for (const account of monetary) {
      const companion0 = byCode.get(`${account.code}.FX`);
      const moved = buckets.some(
        (b) => b.accountId === account.id || b.accountId === companion0?.id,
      );
      // Never moved by then: nothing to re-measure, no rate needed.
      if (!moved) continue;
      let balance = 0n;
      let carrying = 0n;
      for (const b of buckets) {
        if (b.accountId !== account.id) continue;
        const net = b.debits - b.credits;
        balance += net;
        if (net === 0n) continue;
        const rate = book.on(account.currency, b.day, entity.id);
        carrying += convertMinor(net, account.currency, entity.baseCurrency, rate.fraction);
      }
      let companion = byCode.get(`${account.code}.FX`);
      if (companion) {
        for (const b of buckets) if (b.accountId === companion.id) carrying += b.debits - b.credits;
      }
      const rate = book.on(account.currency, on, entity.id);
      const remeasured = convertMinor(
        balance,
        account.currency,
        entity.baseCurrency,
        rate.fraction,
      );
      const difference = remeasured - carrying;
      const line: RevaluationLine = {
        accountId: account.id,
        code: account.code,
        currency: account.currency,
        balance,
        rate,
        remeasured,
        carrying,
        difference,
        revaluationAccountId: companion?.id ?? null,
        transferId: null,
        result: null,
      };
      lines.push(line);
      if (difference === 0n) continue;
      companion ??= await deps.createAccount(orgId, {
        entityId: entity.id,
        code: `${account.code}.FX`,
        name: `${account.name}: revaluation`,
        type: account.type,
        currency: entity.baseCurrency,
        parentAccountId: account.id,
        cashFlow: account.cashFlow,
        counterpartyEntityId: account.counterpartyEntityId,
      });
      line.revaluationAccountId = companion.id;
      // The same state gives the same id (a concurrent run answers `exists`); a revaluation
      // reversed since changes the revaluation account's totals, so the next run posts anew.
      line.transferId = uuidv5(
        [
          orgId,
          account.id,
          on,
          carrying,
          remeasured,
          companion.debitsPosted,
          companion.creditsPosted,
        ].join(' '),
        REVALUATION_NAMESPACE,
      );
      const gain = difference > 0n;
      transfers.push({
        id: line.transferId,
        debitAccountId: gain ? companion.id : gainLoss.id,
        creditAccountId: gain ? gainLoss.id : companion.id,
        amount: gain ? difference : -difference,
        currency: entity.baseCurrency,
        effectiveAt: new Date(endOfDay(on).getTime() - 1),
        description: `Revaluation of ${account.code} (${account.currency}) at ${rate.rate} on ${on}`,
        metadata: {
          revaluation: {
            accountId: account.id,
            on,
            currency: account.currency,
            balance: balance.toString(),
            rate: rate.rate,
            rateEffectiveOn: rate.effectiveOn,
            carrying: carrying.toString(),
            remeasured: remeasured.toString(),
          },
        },
      });
    }
    if (transfers.length > 0) {
      const results = await deps.createTransfers(orgId, transfers);
      const byId = new Map(results.map((r) => [r.id, r.result]));
      for (const line of lines) {
        if (line.transferId !== null) line.result = byId.get(line.transferId) ?? null;
      }
    }
    return { ...base, lines, posted: lines.filter((l) => l.result === 'ok').length };
  }

  return { revalue };
}

/**
 * A period close preceded by the revaluation of its last day: a revaluation that cannot be done
 * or is not applied refuses the close. An invalid or already closed `through` goes straight to
 * the close, which answers it.
 */
export async function closeRevalued(
  revalue: ReturnType<typeof createRevaluation>['revalue'],
  close: (orgId: string, entityId: string, input: PeriodCloseInput) => Promise<PeriodClose>,
  getEntity: (orgId: string, id: string) => Promise<Entity>,
  clock: Clock,
  orgId: string,
  entityId: string,
  input: PeriodCloseInput,
): Promise<PeriodClose> {
  const entity = await getEntity(orgId, entityId);
  const open = entity.closedThrough === null || input.through > entity.closedThrough;
  if (isDay(input.through) && open && input.through <= utcDay(clock.now())) {
    const run = await revalue(orgId, entity.id, { on: input.through });
    const failed = run.lines.find(
      (l) => l.result !== null && l.result !== 'ok' && l.result !== 'exists',
    );
    if (failed) {
      throw new UserError(
        'ledger_revaluation_failed',
        `The revaluation of ${failed.code} was not applied (${failed.result}): the period stays open`,
        { status: 409, details: run.lines.map((l) => ({ code: l.code, result: l.result })) },
      );
    }
  }
  return close(orgId, entity.id, input);
}
