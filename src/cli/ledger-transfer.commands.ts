import { Command, Option } from 'commander';
import { UserError, newId } from '../kernel/index.ts';
import { MAX_BATCH } from '../ledger/index.ts';
import { act, common, inLedger, wholeNumber, reportResult, type Flags } from './ledger-actions.ts';
import { money, toInstant, toMinor } from './ledger-format.ts';
import { allApplied, importTransfers, readImportFile } from './ledger-import.ts';
import { importTable, transferDetails } from './ledger-render.ts';
import { journalTable } from './ledger-journal.render.ts';
import { emit } from './output.ts';

/** `iza ledger transfer ...`: book, hold and post or void, show, reverse, import. */
export function transferCommand(): Command {
  const transfer = new Command('transfer').description(
    'double-entry transfers: book, hold and post or void, reverse, import',
  );

  common(
    transfer
      .command('create')
      .description('book a transfer from one account to another of the same entity')
      .requiredOption('--debit <account>', 'account debited (id or ENTITY:CODE)')
      .requiredOption('--credit <account>', 'account credited (id or ENTITY:CODE)')
      .requiredOption('--amount <amount>', 'amount in major units, e.g. 12.50')
      .option('--currency <code>', "currency (ISO 4217; default: the debit account's)")
      .option(
        '--id <uuid>',
        'transfer id, the idempotency key: reuse it to retry safely (default: a new one, printed)',
      )
      .option('--pending', 'reserve the amount only: post or void it later (two-phase)')
      .option(
        '--timeout <seconds>',
        'with --pending: the hold expires after this many seconds',
        wholeNumber,
      )
      .option('--description <text>', 'a description (up to 500 characters)')
      .option(
        '--effective-at <when>',
        'when it counts in the books: a day or an ISO date-time (default: now)',
      )
      .action(
        act(
          async (
            flags: Flags & {
              debit: string;
              credit: string;
              amount: string;
              currency?: string;
              id?: string;
              pending?: boolean;
              timeout?: number;
              description?: string;
              effectiveAt?: string;
            },
          ) => {
            if (flags.timeout !== undefined && !flags.pending) {
              throw new UserError('validation_failed', '--timeout needs --pending');
            }
            // Checked before the ledger is opened when the currency is known already.
            if (flags.currency) toMinor(flags.amount, flags.currency.toUpperCase(), '--amount');
            const effectiveAt = flags.effectiveAt
              ? toInstant(flags.effectiveAt, '--effective-at')
              : undefined;
            const id = flags.id ?? newId();
            const [result, extra] = await inLedger(
              flags,
              'transfer create',
              async (ledger, resolve) => {
                const debit = await resolve.account(flags.debit);
                const credit = await resolve.account(flags.credit);
                const currency = flags.currency?.toUpperCase() ?? debit.currency;
                const amount = toMinor(flags.amount, currency, '--amount');
                const answer = await ledger.createTransfer({
                  id,
                  kind: flags.pending ? 'pending' : 'single',
                  debitAccountId: debit.id,
                  creditAccountId: credit.id,
                  amount: amount.toString(),
                  currency,
                  ...(flags.timeout === undefined ? {} : { timeoutSeconds: flags.timeout }),
                  ...(flags.description === undefined ? {} : { description: flags.description }),
                  ...(effectiveAt === undefined ? {} : { effectiveAt }),
                });
                const details: [string, string][] = [
                  ['amount', money(amount, currency)],
                  ['debit', await resolve.label(debit.id)],
                  ['credit', await resolve.label(credit.id)],
                ];
                if (flags.pending) details.push(['kind', 'pending (post or void it later)']);
                return [answer, details] as const;
              },
            );
            reportResult(result, flags.json ?? false, extra);
          },
        ),
      ),
  );

  for (const [name, kind, what] of [
    ['post', 'post_pending', 'post a pending transfer: book all of it, or a smaller --amount'],
    ['void', 'void_pending', 'void a pending transfer: release its reservation'],
  ] as const) {
    common(
      transfer
        .command(`${name} <pendingId>`)
        .description(what)
        .option(
          '--amount <amount>',
          name === 'post'
            ? 'amount to book in major units (default: all of it; the rest is released)'
            : 'the amount of the hold, in major units (checked against it)',
        )
        .option(
          '--id <uuid>',
          `id of the ${name} transfer, the idempotency key (default: a new one)`,
        )
        .option('--description <text>', 'a description (up to 500 characters)')
        .action(
          act(
            async (
              pendingId: string,
              flags: Flags & { amount?: string; id?: string; description?: string },
            ) => {
              const id = flags.id ?? newId();
              const [result, extra] = await inLedger(flags, `transfer ${name}`, async (ledger) => {
                const hold = await ledger.getTransfer(pendingId);
                const amount =
                  flags.amount === undefined
                    ? undefined
                    : toMinor(flags.amount, hold.currency ?? '', '--amount');
                const answer = await ledger.createTransfer({
                  id,
                  kind,
                  pendingId: hold.id,
                  ...(amount === undefined ? {} : { amount: amount.toString() }),
                  ...(flags.description === undefined ? {} : { description: flags.description }),
                });
                const details: [string, string][] = [
                  ['pending transfer', hold.id],
                  ['amount', money(amount ?? hold.amount, hold.currency)],
                ];
                return [answer, details] as const;
              });
              reportResult(result, flags.json ?? false, extra);
            },
          ),
        ),
    );
  }

  common(
    transfer
      .command('show <id>')
      .description('one transfer, applied or failed, with its status')
      .action(
        act(async (id: string, flags: Flags) => {
          const [found, text] = await inLedger(flags, 'transfer show', async (ledger, resolve) => {
            const t = await ledger.getTransfer(id);
            return [t, await transferDetails(t, resolve)] as const;
          });
          emit(found, flags.json ?? false, () => text);
        }),
      ),
  );

  common(
    transfer
      .command('list')
      .description(
        'transfers by accounting (effective) date, oldest first: of an account, of an entity, in a range of days',
      )
      .option('--account <account>', 'only transfers debiting or crediting it (id or ENTITY:CODE)')
      .option('--entity <entity>', 'only transfers on its accounts (id or code)')
      .option('--from <day>', 'effective on or after this day (YYYY-MM-DD, UTC)')
      .option('--to <day>', 'effective on or before this day (YYYY-MM-DD, UTC)')
      .option('--failed', 'include failed transfers')
      .option('--limit <n>', 'at most this many (1 to 1000, default 100)', wholeNumber)
      .option('--after <cursor>', 'the next page (printed under the previous one)'),
  ).action(
    act(
      async (
        flags: Flags & {
          account?: string;
          entity?: string;
          from?: string;
          to?: string;
          failed?: boolean;
          limit?: number;
          after?: string;
        },
      ) => {
        const [page, text] = await inLedger(flags, 'transfer list', async (ledger, resolve) => {
          const page = await ledger.listTransfers({
            ...(flags.account === undefined
              ? {}
              : { accountId: (await resolve.account(flags.account)).id }),
            ...(flags.entity === undefined
              ? {}
              : { entityId: (await resolve.entity(flags.entity)).id }),
            ...(flags.from === undefined ? {} : { from: flags.from }),
            ...(flags.to === undefined ? {} : { to: flags.to }),
            ...(flags.failed ? { failed: true } : {}),
            ...(flags.limit === undefined ? {} : { limit: flags.limit }),
            ...(flags.after === undefined ? {} : { after: flags.after }),
          });
          return [page, flags.json ? '' : await journalTable(page, resolve)] as const;
        });
        emit(page, flags.json ?? false, () => text);
      },
    ),
  );

  common(
    transfer
      .command('reverse <id>')
      .description('correct a posted transfer with its opposite (the history is never edited)')
      .option(
        '--id <uuid>',
        'id of the reversing transfer, the idempotency key (default: a new one)',
      )
      .option('--description <text>', 'a description (default: "Reversal of <id>")')
      .option(
        '--effective-at <when>',
        'when the reversal counts in the books: a day or an ISO date-time (default: now)',
      )
      .action(
        act(
          async (
            original: string,
            flags: Flags & { id?: string; description?: string; effectiveAt?: string },
          ) => {
            const id = flags.id ?? newId();
            const effectiveAt = flags.effectiveAt
              ? toInstant(flags.effectiveAt, '--effective-at')
              : undefined;
            const result = await inLedger(flags, 'transfer reverse', (ledger) =>
              ledger.reverseTransfer(original, {
                id,
                ...(flags.description === undefined ? {} : { description: flags.description }),
                ...(effectiveAt === undefined ? {} : { effectiveAt }),
              }),
            );
            reportResult(result, flags.json ?? false, [['reverses', original]]);
          },
        ),
      ),
  );

  common(
    transfer
      .command('import <file>')
      .description(
        `book the transfers of a CSV or JSON file, one result per row (batches of up to ${MAX_BATCH.toLocaleString('en')})`,
      )
      .addOption(
        new Option('--format <format>', 'file format (default: from the extension)').choices([
          'csv',
          'json',
        ]),
      )
      .addHelpText(
        'after',
        `
CSV has a header row; JSON is an array of objects with the same names. Columns (empty: absent):
  id           transfer id (UUID; default a new one): keep it to retry the file safely
  kind         single (default), pending, post or void
  debit        debited account (id or ENTITY:CODE)
  credit       credited account (id or ENTITY:CODE)
  amount       in major units, e.g. 12.50 (a string in JSON)
  currency     default: the debit account's (for post/void: the hold's)
  pendingId    for post and void: the pending transfer
  timeout      for pending: seconds until the hold expires
  linked       true: this row succeeds or fails with the next one
  effectiveAt  a day or an ISO date-time (default: now)
  description  text
  metadata     a JSON object

Exits with 1 when a row was not applied ("exists": applied before, counts as applied).`,
      ),
  ).action(
    act(async (file: string, flags: Flags & { format?: 'csv' | 'json' }) => {
      const rows = readImportFile(file, flags.format);
      const outcomes = await inLedger(flags, 'transfer import', (ledger, resolve) =>
        importTransfers(ledger, resolve, rows),
      );
      emit(outcomes, flags.json ?? false, importTable);
      if (!allApplied(outcomes)) {
        const failed = outcomes.filter((o) => o.result !== 'ok' && o.result !== 'exists').length;
        throw new UserError(
          'import_incomplete',
          `${failed} of ${outcomes.length} rows were not applied`,
        );
      }
    }),
  );
  return transfer;
}
