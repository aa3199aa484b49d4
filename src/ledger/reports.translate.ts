import { convertMinor } from './fx.ts';
import type { BookRate, RateBook } from './reports.rates.ts';
import type { Bucket, ReportAccount } from './reports.queries.ts';
import type {
  CurrencyRates,
  EntityRates,
  RateInfo,
  RatesDetail,
  TrialBalanceFigures,
} from './reports.types.ts';

/**
 * Currency translation for the statements: every amount is converted from its account's
 * currency into the report currency with the rates of `ledger_fx_rates` (exact fractions,
 * rounded half to even once per converted sum, see fx.ts). Balance-sheet balances use the rate
 * in force on the day they are taken (closing rate); movements use the rate in force on their
 * own day, one conversion per account and day. Whatever that leaves unbalanced is the currency
 * translation difference, an equity line of its own.
 */

/** Why an amount is converted: which rate of the period applies. */
export type RateRole = 'opening' | 'closing' | 'movement';

/** Converts amounts into the report currency and remembers which rates each entity used. */
export interface Translator {
  readonly currency: string;
  convert(amount: bigint, account: ReportAccount, day: string, role: RateRole): bigint;
  /** The rates used, by entity (in `entityOrder`) then currency. */
  used(entityOrder: readonly { id: string; code: string }[]): EntityRates[];
}

export function createTranslator(book: RateBook): Translator {
  const uses = new Map<string, EntityRates>();
  const record = (account: ReportAccount, day: string, role: RateRole, rate: BookRate) => {
    const key = `${account.entityId} ${account.currency}`;
    let use = uses.get(key);
    if (!use) {
      use = {
        entityId: account.entityId,
        entityCode: '',
        currency: account.currency,
        sameCurrency: account.currency === book.target,
        closing: null,
        opening: null,
        movements: [],
      };
      uses.set(key, use);
    }
    if (use.sameCurrency) return;
    const info: RateInfo = {
      rate: rate.rate,
      effectiveOn: rate.effectiveOn,
      inverted: rate.inverted,
      ...(rate.derived ? { derived: rate.derived } : {}),
    };
    if (role !== 'movement') {
      use[role] = { ...info, day };
      return;
    }
    let movement = use.movements.find(
      (m) =>
        m.effectiveOn === info.effectiveOn && m.inverted === info.inverted && m.rate === info.rate,
    );
    if (!movement) {
      movement = { ...info, firstDay: day, lastDay: day };
      use.movements.push(movement);
    }
    if (day < movement.firstDay) movement.firstDay = day;
    if (day > movement.lastDay) movement.lastDay = day;
  };
  return {
    currency: book.target,
    convert(amount, account, day, role) {
      if (amount === 0n) return 0n;
      const rate = book.on(account.currency, day, account.entityId);
      record(account, day, role, rate);
      return account.currency === book.target
        ? amount
        : convertMinor(amount, account.currency, book.target, rate.fraction);
    },
    used(entityOrder) {
      const order = new Map(entityOrder.map((e, i) => [e.id, i]));
      return [...uses.values()]
        .map((use) => {
          const entity = entityOrder[order.get(use.entityId) ?? -1];
          return {
            ...use,
            entityCode: entity?.code ?? '',
            movements: [...use.movements].sort((a, b) => compareText(a.firstDay, b.firstDay)),
          };
        })
        .sort(
          (a, b) =>
            (order.get(a.entityId) ?? 0) - (order.get(b.entityId) ?? 0) ||
            compareText(a.currency, b.currency),
        );
    },
  };
}

/** A movement rate and the days it was used from and to. */
type Movement = RateInfo & { firstDay: string; lastDay: string };

/** What identifies a rate: its value, the day it took effect and whether it is inverted. */
const rateKey = (r: RateInfo) => `${r.rate}|${r.effectiveOn}|${r.inverted}`;

/**
 * Adds `movements` to `list` (indexed by `rateKey` in `byRate`): a rate not there yet as a copy,
 * one already there widened to the days of both.
 */
function addMovements(
  list: Movement[],
  byRate: Map<string, Movement>,
  movements: readonly Movement[],
): void {
  for (const movement of movements) {
    const known = byRate.get(rateKey(movement));
    if (!known) {
      const copy = { ...movement };
      byRate.set(rateKey(movement), copy);
      list.push(copy);
    } else {
      if (movement.firstDay < known.firstDay) known.firstDay = movement.firstDay;
      if (movement.lastDay > known.lastDay) known.lastDay = movement.lastDay;
    }
  }
}

/**
 * The rates of several translators of one entity's amounts as one translator over all of them
 * would have recorded them (see `Translator.used`): per currency, its closing and opening rate
 * (the same day and so the same rate for every account of the entity), and each movement rate
 * from the first to the last day any of them used it. Lets an entity's figures be translated
 * one account at a time, and only the accounts that changed be translated again.
 */
export function mergeUses(lists: Iterable<readonly EntityRates[]>): EntityRates[] {
  const merged = new Map<string, EntityRates>();
  const movementKeys = new Map<EntityRates, Map<string, Movement>>();
  for (const list of lists) {
    for (const use of list) {
      const key = `${use.entityId} ${use.currency}`;
      let known = merged.get(key);
      if (!known) {
        known = { ...use, movements: [] };
        merged.set(key, known);
        movementKeys.set(known, new Map());
      }
      known.closing ??= use.closing;
      known.opening ??= use.opening;
      addMovements(known.movements, movementKeys.get(known)!, use.movements);
    }
  }
  return [...merged.values()]
    .map((use) => ({
      ...use,
      movements: use.movements.sort((a, b) => compareText(a.firstDay, b.firstDay)),
    }))
    .sort((a, b) => compareText(a.entityId, b.entityId) || compareText(a.currency, b.currency));
}

/** The header's rates: per entity (unless only `currencies` were asked for) and per currency. */
export function ratesOf(
  used: readonly EntityRates[],
  detail: RatesDetail,
): { rates: EntityRates[]; ratesByCurrency: CurrencyRates[] } {
  const byCurrency = new Map<string, CurrencyRates>();
  /** Each currency's movement rates by what identifies a rate (see `sameRate`). */
  const movementsOf = new Map<
    string,
    Map<string, RateInfo & { firstDay: string; lastDay: string }>
  >();
  const sameRate = (a: RateInfo, b: RateInfo) => rateKey(a) === rateKey(b);
  const addPoint = (
    list: (RateInfo & { day: string })[],
    rate: (RateInfo & { day: string }) | null,
  ) => {
    if (rate && !list.some((r) => sameRate(r, rate) && r.day === rate.day)) list.push(rate);
  };
  for (const use of used) {
    let entry = byCurrency.get(use.currency);
    let movements = movementsOf.get(use.currency);
    if (!entry || !movements) {
      entry = {
        currency: use.currency,
        sameCurrency: use.sameCurrency,
        entities: 0,
        closing: [],
        opening: [],
        movements: [],
      };
      movements = new Map();
      byCurrency.set(use.currency, entry);
      movementsOf.set(use.currency, movements);
    }
    entry.entities += 1;
    addPoint(entry.closing, use.closing);
    addPoint(entry.opening, use.opening);
    addMovements(entry.movements, movements, use.movements);
  }
  const ratesByCurrency = [...byCurrency.values()]
    .map((entry) => ({
      ...entry,
      movements: entry.movements.sort((a, b) => compareText(a.firstDay, b.firstDay)),
    }))
    .sort((a, b) => compareText(a.currency, b.currency));
  return { rates: detail === 'entities' ? [...used] : [], ratesByCurrency };
}

/** Translated figures of every account, debit-positive. See TrialBalanceFigures. */
export type Figures = Omit<TrialBalanceFigures, 'translation'>;

export const ZERO_FIGURES: Readonly<Figures> = {
  opening: 0n,
  debits: 0n,
  credits: 0n,
  closing: 0n,
};

const BALANCE_SHEET_TYPES = new Set(['asset', 'liability', 'equity']);

export function isBalanceSheetAccount(account: { type: string }): boolean {
  return BALANCE_SHEET_TYPES.has(account.type);
}

/**
 * Each account's opening (before `from`), debits and credits (from `from` to `to`) and closing
 * balance, translated. Balance-sheet accounts: opening at the rate in force the day before
 * `from`, closing at the rate of `to`, debits and credits at each day's rate. Revenue and
 * expense accounts: every day's net movement at that day's rate, so closing = opening + the
 * period's movements, and the period's debits and credits at each day's rate.
 *
 * Debits and credits are left at zero unless `debitsAndCredits` (only the trial balance shows
 * them): a statement that shows none needs no rate for the days balance-sheet accounts moved.
 */
export function translateFigures(
  accounts: readonly ReportAccount[],
  buckets: readonly Bucket[],
  period: { from: string | null; to: string; openingDay: string | null },
  translator: Translator,
  options: {
    debitsAndCredits: boolean;
    /**
     * Balance-sheet accounts carried at historical rates (each day's movement at that day's
     * rate, like revenue and expenses): those held in a currency other than their entity's
     * base currency, whose remeasurement at the closing rate is what revaluation posts.
     */
    historical?: (account: ReportAccount) => boolean;
  },
): Map<string, Figures> {
  const byAccount = new Map<string, Bucket[]>();
  for (const bucket of buckets) {
    const list = byAccount.get(bucket.accountId);
    if (list) list.push(bucket);
    else byAccount.set(bucket.accountId, [bucket]);
  }
  const result = new Map<string, Figures>();
  for (const account of accounts) {
    const atClosingRate = isBalanceSheetAccount(account) && !options.historical?.(account);
    const figures = { ...ZERO_FIGURES };
    let nativeOpening = 0n;
    let nativeClosing = 0n;
    for (const b of byAccount.get(account.id) ?? []) {
      const net = b.debits - b.credits;
      nativeClosing += net;
      const before = period.from !== null && b.day < period.from;
      if (before) {
        nativeOpening += net;
        if (!atClosingRate) {
          figures.opening += translator.convert(net, account, b.day, 'movement');
        }
        continue;
      }
      if (options.debitsAndCredits) {
        figures.debits += translator.convert(b.debits, account, b.day, 'movement');
        figures.credits += translator.convert(b.credits, account, b.day, 'movement');
      }
      if (!atClosingRate) {
        figures.closing += translator.convert(net, account, b.day, 'movement');
      }
    }
    if (atClosingRate) {
      if (period.openingDay !== null) {
        figures.opening = translator.convert(nativeOpening, account, period.openingDay, 'opening');
      }
      figures.closing = translator.convert(nativeClosing, account, period.to, 'closing');
    } else {
      figures.closing += figures.opening;
    }
    result.set(account.id, figures);
  }
  return result;
}

/** Orders codes and days by their characters, whatever the locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
