import { Command, Option } from 'commander';
import { UserError, isUuid, newId } from '../kernel/index.ts';
import { INTERCOMPANY_KINDS, type IntercompanyKind } from '../ledger/index.ts';
import { act, common, inLedger, reportResult, type Flags } from './ledger-actions.ts';
import type { FxRateJson, IntercompanyResultJson } from './ledger-client.ts';
import { money, toCsv, toInstant, toMinor } from './ledger-format.ts';
import { emit, keyValues, table } from './output.ts';

/**
 * `iza ledger fx ...` (exchange rates) and `iza ledger intercompany ...` (money between two
 * entities of the organisation, across currencies at the recorded rate).
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function day(value: string, what: string): string {
  if (!DAY.test(value)) {
    throw new UserError('validation_failed', `${what} "${value}" must be a day, e.g. 2026-03-31`);
  }
  return value;
}

const upper = (value: string | undefined) => value?.toUpperCase();

function rateTable(rates: FxRateJson[]): string {
  if (rates.length === 0) return 'No exchange rates.';
  return table(
    ['pair', 'rate', 'from day', 'source', 'recorded'],
    rates.map((r) => [`${r.base}/${r.quote}`, r.rate, r.effectiveOn, r.source ?? '', r.createdAt]),
  );
}

/** `iza ledger fx ...`. */
export function fxCommand(): Command {
  const fx = new Command('fx').description(
    'exchange rates (decimal strings, never floats) used across currencies',
  );

  common(
    fx
      .command('record')
      .description('record an exchange rate: one --base is worth --rate --quote from --on onwards')
      .requiredOption('--base <code>', 'base currency (ISO 4217), e.g. EUR')
      .requiredOption('--quote <code>', 'quote currency (ISO 4217), e.g. USD')
      .requiredOption('--rate <decimal>', 'units of quote per unit of base, e.g. 1.0825')
      .requiredOption('--on <day>', 'first day it applies (YYYY-MM-DD); it holds until a later one')
      .option('--source <text>', 'where it comes from, e.g. ECB')
      .action(
        act(
          async (
            flags: Flags & {
              base: string;
              quote: string;
              rate: string;
              on: string;
              source?: string;
            },
          ) => {
            const input = {
              base: flags.base.toUpperCase(),
              quote: flags.quote.toUpperCase(),
              rate: flags.rate,
              effectiveOn: day(flags.on, '--on'),
              ...(flags.source === undefined ? {} : { source: flags.source }),
            };
            const out = await inLedger(flags, 'fx record', (ledger) =>
              ledger.recordFxRates([input]),
            );
            emit(out, flags.json ?? false, (o) =>
              [
                o.recorded > 0 ? 'Recorded.' : 'Already recorded with this rate: nothing changed.',
                rateTable(o.rates),
              ].join('\n'),
            );
          },
        ),
      ),
  );

  common(
    fx
      .command('list')
      .description('recorded exchange rates, by pair and day')
      .option('--base <code>', 'only this base currency')
      .option('--quote <code>', 'only this quote currency')
      .option('--from <day>', 'only rates from this day on (YYYY-MM-DD, inclusive)')
      .option('--to <day>', 'only rates up to this day (YYYY-MM-DD, inclusive)'),
    { csv: true },
  ).action(
    act(async (flags: Flags & { base?: string; quote?: string; from?: string; to?: string }) => {
      const filter = Object.fromEntries(
        Object.entries({
          base: upper(flags.base),
          quote: upper(flags.quote),
          from: flags.from === undefined ? undefined : day(flags.from, '--from'),
          to: flags.to === undefined ? undefined : day(flags.to, '--to'),
        }).filter(([, value]) => value !== undefined),
      );
      const rates = await inLedger(flags, 'fx list', (ledger) => ledger.listFxRates(filter));
      if (flags.csv) {
        process.stdout.write(
          `${toCsv(
            ['id', 'base', 'quote', 'rate', 'effective_on', 'source', 'created_at'],
            rates.map((r) => [r.id, r.base, r.quote, r.rate, r.effectiveOn, r.source, r.createdAt]),
          )}\n`,
        );
      } else emit(rates, flags.json ?? false, rateTable);
    }),
  );

  common(
    fx
      .command('lookup')
      .description(
        'the rate in force on a day (recorded for the pair, or the inverse of its opposite)',
      )
      .requiredOption('--base <code>', 'base currency, e.g. EUR')
      .requiredOption('--quote <code>', 'quote currency, e.g. USD')
      .option('--on <day>', 'the day (YYYY-MM-DD; default: today, UTC)')
      .action(
        act(async (flags: Flags & { base: string; quote: string; on?: string }) => {
          const on =
            flags.on === undefined ? new Date().toISOString().slice(0, 10) : day(flags.on, '--on');
          const applied = await inLedger(flags, 'fx lookup', (ledger) =>
            ledger.lookupFxRate(flags.base.toUpperCase(), flags.quote.toUpperCase(), on),
          );
          emit(applied, flags.json ?? false, (a) =>
            keyValues([
              ['pair', `${a.base}/${a.quote}`],
              ['on', a.on],
              ['rate', a.inverted ? `1 / ${a.rate} (inverse of ${a.quote}/${a.base})` : a.rate],
              ['recorded for', a.effectiveOn],
              ['exactly', `${a.numerator} / ${a.denominator}`],
            ]),
          );
        }),
      ),
  );
  return fx;
}

/** `iza ledger intercompany ...`. */
export function intercompanyCommand(): Command {
  const intercompany = new Command('intercompany').description(
    'money between two entities (a loan or its repayment), booked in both, across currencies',
  );

  common(
    intercompany
      .command('create')
      .description(
        "move cash from one entity to another: one transfer in each entity's books and base currency, both or neither",
      )
      .requiredOption('--from <entity>', 'where the cash leaves (id or code): the lender of a loan')
      .requiredOption('--to <entity>', 'where the cash arrives (id or code)')
      .requiredOption('--amount <amount>', 'amount in major units, e.g. 1000.00')
      .option('--currency <code>', "base currency of either entity (default: --from's)")
      .addOption(
        new Option('--kind <kind>', 'a loan, or its repayment by the borrower')
          .choices(INTERCOMPANY_KINDS)
          .default('loan'),
      )
      .option(
        '--from-account <account>',
        "account the cash leaves (default: --from's 1100 bank account)",
      )
      .option(
        '--to-account <account>',
        "account the cash arrives on (default: --to's 1100 bank account)",
      )
      .option(
        '--id <uuid>',
        "the idempotency key, also the first transfer's id (default: a new one)",
      )
      .option(
        '--effective-at <when>',
        'a day or an ISO date-time (default: now); its day picks the rate',
      )
      .option('--description <text>', 'a description (up to 500 characters)')
      .action(
        act(
          async (
            flags: Flags & {
              from: string;
              to: string;
              amount: string;
              currency?: string;
              kind: IntercompanyKind;
              fromAccount?: string;
              toAccount?: string;
              id?: string;
              effectiveAt?: string;
              description?: string;
            },
          ) => {
            const effectiveAt = flags.effectiveAt
              ? toInstant(flags.effectiveAt, '--effective-at')
              : undefined;
            const [out, labels] = await inLedger(
              flags,
              'intercompany create',
              async (ledger, resolve) => {
                const from = await resolve.entity(flags.from);
                const to = await resolve.entity(flags.to);
                const account = async (ref: string | undefined, owner: string) =>
                  ref === undefined
                    ? undefined
                    : (
                        await resolve.account(
                          ref.includes(':') || isUuid(ref) ? ref : `${owner}:${ref}`,
                        )
                      ).id;
                const fromAccountId = await account(flags.fromAccount, from.code);
                const toAccountId = await account(flags.toAccount, to.code);
                const currency = flags.currency?.toUpperCase() ?? from.baseCurrency;
                const result = await ledger.createIntercompanyTransfer({
                  id: flags.id ?? newId(),
                  kind: flags.kind,
                  fromEntityId: from.id,
                  toEntityId: to.id,
                  amount: toMinor(flags.amount, currency, '--amount').toString(),
                  currency,
                  ...(fromAccountId === undefined ? {} : { fromAccountId }),
                  ...(toAccountId === undefined ? {} : { toAccountId }),
                  ...(effectiveAt === undefined ? {} : { effectiveAt }),
                  ...(flags.description === undefined ? {} : { description: flags.description }),
                });
                const names = new Map<string, string>();
                if (result.result === 'awaiting_approval') return [result, names] as const;
                for (const leg of result.legs) {
                  for (const id of [leg.debitAccountId, leg.creditAccountId]) {
                    names.set(id, await resolve.label(id));
                  }
                }
                return [result, names] as const;
              },
            );
            if (out.result === 'awaiting_approval') {
              reportResult(out, flags.json ?? false, [
                ['intercompany', 'both legs wait for approval as one request'],
              ]);
              return;
            }
            emit(out, flags.json ?? false, (o) => intercompanyDetails(o, labels));
            if (out.result !== 'ok' && out.result !== 'exists') {
              throw new UserError(out.result, `Intercompany transfer ${out.id} was not applied`);
            }
          },
        ),
      ),
  );
  return intercompany;
}

function intercompanyDetails(o: IntercompanyResultJson, labels: Map<string, string>): string {
  const rate =
    o.rate.base === o.rate.quote
      ? 'none (same currency)'
      : `${o.rate.base}/${o.rate.quote} ${o.rate.inverted ? `1 / ${o.rate.rate}` : o.rate.rate} (recorded for ${o.rate.effectiveOn})`;
  return [
    keyValues([
      ['intercompany transfer', o.id],
      ['kind', o.kind],
      ['result', o.result],
      ['rate', rate],
    ]),
    table(
      ['transfer', 'debit', 'credit', 'amount', 'result'],
      o.legs.map((leg) => [
        leg.id,
        labels.get(leg.debitAccountId) ?? leg.debitAccountId,
        labels.get(leg.creditAccountId) ?? leg.creditAccountId,
        money(leg.amount, leg.currency),
        leg.result,
      ]),
    ),
  ].join('\n');
}
