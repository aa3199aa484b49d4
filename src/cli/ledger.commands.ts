import { Command, Option } from 'commander';
import { isUuid } from '../kernel/index.ts';
import { ACCOUNT_TYPES, CASH_FLOW_CLASSES, ENTITY_KINDS } from '../ledger/index.ts';
import type { AccountType, CashFlowClass, EntityKind } from '../ledger/index.ts';
import { act, common, inLedger, wholeNumber, type Flags } from './ledger-actions.ts';
import {
  accountCsv,
  accountDetails,
  accountTable,
  entityCsv,
  entityDetails,
  entityTable,
  postingCsv,
  postingTable,
} from './ledger-render.ts';
import { fxCommand, intercompanyCommand } from './ledger-fx.commands.ts';
import { approvalsCommand } from './ledger-approvals.commands.ts';
import { addLedgerReportCommands } from './ledger-report.command.ts';
import { transferCommand } from './ledger-transfer.commands.ts';
import { revaluationTable } from './ledger-journal.render.ts';
import { emit, keyValues, table } from './output.ts';

/**
 * `iza ledger ...`: entities, accounts and transfers of the ledger, through the server that holds
 * the data folder or on the database directly. Amounts are typed and shown in major units
 * (`12.50`), converted exactly to and from the API's minor units.
 */

const EXAMPLES = `
Accounts are named by id or <entity code>:<account code> (ACME:1100); entities by id or code.
Amounts are in major units of the currency (12.50 EUR), exact to its minor unit.

Examples:
  iza ledger entity create --code ACME --name "Acme GmbH" --kind venture --currency EUR
  iza ledger account list --entity ACME
  iza ledger transfer create --debit ACME:1100 --credit ACME:4000 --amount 12.50
  iza ledger transfer create --debit ACME:1100 --credit ACME:4000 --amount 99 --pending --timeout 3600
  iza ledger transfer post <pending id> --amount 80
  iza ledger transfer import bank.csv
  iza ledger approvals list`;

/** The `ledger` command with its subcommands. */
export function ledgerCommand(): Command {
  const ledger = new Command('ledger')
    .description('double-entry books: entities, accounts, transfers, exchange rates and reports')
    .addHelpText('after', EXAMPLES);
  ledger.addCommand(entityCommand());
  ledger.addCommand(accountCommand());
  ledger.addCommand(transferCommand());
  ledger.addCommand(fxCommand());
  ledger.addCommand(intercompanyCommand());
  ledger.addCommand(approvalsCommand());
  addLedgerReportCommands(ledger);
  return ledger;
}

function entityCommand(): Command {
  const entity = new Command('entity').description(
    'legal entities (ventures and holding companies), each with its chart of accounts',
  );

  common(entity.command('list').description('every legal entity of the organisation'), {
    csv: true,
  }).action(
    act(async (flags: Flags) => {
      const entities = await inLedger(flags, 'entity list', (ledger) => ledger.listEntities());
      if (flags.csv) process.stdout.write(`${entityCsv(entities)}\n`);
      else emit(entities, flags.json ?? false, entityTable);
    }),
  );

  common(
    entity
      .command('show <entity>')
      .description('one legal entity, by id or code')
      .action(
        act(async (ref: string, flags: Flags) => {
          const [found, entities] = await inLedger(flags, 'entity show', async (_, resolve) => [
            await resolve.entity(ref),
            await resolve.entities(),
          ]);
          emit(found, flags.json ?? false, (e) => entityDetails(e, entities));
        }),
      ),
  );

  common(
    entity
      .command('create')
      .description('create a legal entity with the template chart of accounts')
      .requiredOption('--code <code>', 'short unique code, e.g. ACME (letters, digits, . _ -)')
      .requiredOption('--name <name>', 'legal name')
      .addOption(
        new Option('--kind <kind>', 'venture or holding company')
          .choices(ENTITY_KINDS)
          .makeOptionMandatory(),
      )
      .requiredOption('--currency <code>', 'base currency (ISO 4217), e.g. EUR')
      .option('--parent <entity>', 'parent entity (id or code), e.g. the holding company')
      .action(
        act(
          async (
            flags: Flags & {
              code: string;
              name: string;
              kind: EntityKind;
              currency: string;
              parent?: string;
            },
          ) => {
            const created = await inLedger(flags, 'entity create', async (ledger, resolve) =>
              ledger.createEntity({
                code: flags.code,
                name: flags.name,
                kind: flags.kind,
                baseCurrency: flags.currency.toUpperCase(),
                ...(flags.parent ? { parentId: (await resolve.entity(flags.parent)).id } : {}),
              }),
            );
            emit(created, flags.json ?? false, (c) =>
              [
                entityDetails(c, [c]),
                '',
                `${c.accounts.length} accounts from the chart template:`,
                table(
                  ['account', 'name', 'type'],
                  c.accounts.map((a) => [`${c.code}:${a.code}`, a.name, a.type]),
                ),
              ].join('\n'),
            );
          },
        ),
      ),
  );

  common(
    entity
      .command('close-period <entity>')
      .description(
        "close an entity's books through a day: transfers dated on or before it are refused",
      )
      .requiredOption(
        '--through <day>',
        'last day to close (YYYY-MM-DD, UTC, inclusive): after the current close, not after today',
      )
      .option('--note <text>', 'a note kept with the close')
      .action(
        act(async (ref: string, flags: Flags & { through: string; note?: string }) => {
          const closed = await inLedger(flags, 'entity close-period', async (ledger, resolve) =>
            ledger.closePeriod((await resolve.entity(ref)).id, {
              through: flags.through,
              ...(flags.note === undefined ? {} : { note: flags.note }),
            }),
          );
          emit(closed, flags.json ?? false, (c) =>
            keyValues([
              ['closed through', c.closedThrough],
              ['before', c.previousClosedThrough ?? 'no period closed'],
              ['note', c.note ?? ''],
              ['id', c.id],
            ]),
          );
        }),
      ),
  );

  common(
    entity
      .command('revalue <entity>')
      .description(
        "re-measure the entity's foreign-currency assets and liabilities at the closing rate; the differences go to 6900 (runs at every period close too)",
      )
      .option('--on <day>', 'the closing day (YYYY-MM-DD, UTC; default today)')
      .action(
        act(async (ref: string, flags: Flags & { on?: string }) => {
          const run = await inLedger(flags, 'entity revalue', async (ledger, resolve) =>
            ledger.revalue((await resolve.entity(ref)).id, {
              ...(flags.on === undefined ? {} : { on: flags.on }),
            }),
          );
          emit(run, flags.json ?? false, (r) => revaluationTable(r));
        }),
      ),
  );

  common(
    entity
      .command('periods <entity>')
      .description("an entity's period closes, oldest first")
      .action(
        act(async (ref: string, flags: Flags) => {
          const closes = await inLedger(flags, 'entity periods', async (ledger, resolve) =>
            ledger.listPeriodCloses((await resolve.entity(ref)).id),
          );
          emit(closes, flags.json ?? false, (rows) =>
            rows.length === 0
              ? 'No period closed yet.'
              : table(
                  ['closed through', 'before', 'note', 'at', 'id'],
                  rows.map((c) => [
                    c.closedThrough,
                    c.previousClosedThrough ?? '',
                    c.note ?? '',
                    c.createdAt,
                    c.id,
                  ]),
                ),
          );
        }),
      ),
  );
  return entity;
}

function accountCommand(): Command {
  const account = new Command('account').description('accounts with their balances and postings');

  common(
    account
      .command('list')
      .description('accounts with their balances, of one entity or of every entity')
      .option('--entity <entity>', 'only this entity (id or code)'),
    { csv: true },
  ).action(
    act(async (flags: Flags & { entity?: string }) => {
      const [accounts, entities] = await inLedger(
        flags,
        'account list',
        async (ledger, resolve) => [
          await ledger.listAccounts(
            flags.entity ? (await resolve.entity(flags.entity)).id : undefined,
          ),
          await resolve.entities(),
        ],
      );
      if (flags.csv) process.stdout.write(`${accountCsv(accounts, entities)}\n`);
      else emit(accounts, flags.json ?? false, (rows) => accountTable(rows, entities));
    }),
  );

  common(
    account
      .command('show <account>')
      .description('one account with its totals, by id or ENTITY:CODE (e.g. ACME:1100)')
      .action(
        act(async (ref: string, flags: Flags) => {
          const [found, entities] = await inLedger(
            flags,
            'account show',
            async (ledger, resolve) => [
              await ledger.getAccount((await resolve.account(ref)).id),
              await resolve.entities(),
            ],
          );
          emit(found, flags.json ?? false, (a) => accountDetails(a, entities));
        }),
      ),
  );

  common(
    account
      .command('create')
      .description('add an account to an entity')
      .requiredOption('--entity <entity>', 'the entity (id or code)')
      .requiredOption('--code <code>', 'code unique in the entity, e.g. 1110')
      .requiredOption('--name <name>', 'name, e.g. "Bank: savings"')
      .addOption(
        new Option('--type <type>', 'account type').choices(ACCOUNT_TYPES).makeOptionMandatory(),
      )
      .option('--currency <code>', "currency (ISO 4217; default: the entity's base currency)")
      .option('--parent <account>', 'parent account: its code in the same entity, or its id')
      .option('--cash', 'cash or a cash equivalent (the cash-flow statement is made of these)')
      .addOption(
        new Option(
          '--cash-flow <class>',
          'where cash moving against it is reported (default operating)',
        ).choices(CASH_FLOW_CLASSES),
      )
      .option(
        '--counterparty <entity>',
        'makes it an intercompany account with this other entity (id or code)',
      )
      .addOption(
        new Option(
          '--debits-must-not-exceed-credits',
          'refuse transfers that would take its debits past its credits (an asset that must not go below zero, e.g. a bank account)',
        ).conflicts('creditsMustNotExceedDebits'),
      )
      .option(
        '--credits-must-not-exceed-debits',
        'refuse transfers that would take its credits past its debits (a liability or revenue account that must not go below zero)',
      )
      .action(
        act(
          async (
            flags: Flags & {
              entity: string;
              code: string;
              name: string;
              type: AccountType;
              currency?: string;
              parent?: string;
              cash?: boolean;
              cashFlow?: CashFlowClass;
              counterparty?: string;
              debitsMustNotExceedCredits?: boolean;
              creditsMustNotExceedDebits?: boolean;
            },
          ) => {
            const created = await inLedger(flags, 'account create', async (ledger, resolve) => {
              const owner = await resolve.entity(flags.entity);
              const parent =
                flags.parent === undefined
                  ? undefined
                  : await resolve.account(
                      flags.parent.includes(':') || isUuid(flags.parent)
                        ? flags.parent
                        : `${owner.code}:${flags.parent}`,
                    );
              return ledger.createAccount({
                entityId: owner.id,
                code: flags.code,
                name: flags.name,
                type: flags.type,
                ...(flags.currency ? { currency: flags.currency.toUpperCase() } : {}),
                ...(parent ? { parentAccountId: parent.id } : {}),
                ...(flags.cash ? { cash: true } : {}),
                ...(flags.cashFlow ? { cashFlow: flags.cashFlow } : {}),
                ...(flags.counterparty
                  ? { counterpartyEntityId: (await resolve.entity(flags.counterparty)).id }
                  : {}),
                ...(flags.debitsMustNotExceedCredits ? { debitsMustNotExceedCredits: true } : {}),
                ...(flags.creditsMustNotExceedDebits ? { creditsMustNotExceedDebits: true } : {}),
              });
            });
            emit(created, flags.json ?? false, (a) => `Created.\n${accountDetails(a, [])}`);
          },
        ),
      ),
  );

  common(
    account
      .command('close <account>')
      .description(
        'close an account: no transfer may touch it afterwards (refused while it has pending transfers)',
      )
      .action(
        act(async (ref: string, flags: Flags) => {
          const [closed, entities] = await inLedger(
            flags,
            'account close',
            async (ledger, resolve) => [
              await ledger.closeAccount((await resolve.account(ref)).id),
              await resolve.entities(),
            ],
          );
          emit(closed, flags.json ?? false, (a) => `Closed.\n${accountDetails(a, entities)}`);
        }),
      ),
  );

  common(
    account
      .command('postings <account>')
      .description("an account's postings, oldest first, each with the balance after it")
      .option('--limit <n>', 'at most this many (1 to 1000, default 100)', wholeNumber)
      .option(
        '--after <posting>',
        'only postings after this posting id (the previous page)',
        wholeNumber,
      ),
    { csv: true },
  ).action(
    act(async (ref: string, flags: Flags & { limit?: number; after?: number }) => {
      const [page, found] = await inLedger(flags, 'account postings', async (ledger, resolve) => {
        const target = await resolve.account(ref);
        const page = await ledger.listPostings(target.id, {
          ...(flags.limit === undefined ? {} : { limit: flags.limit }),
          ...(flags.after === undefined ? {} : { after: flags.after }),
        });
        return [page, target] as const;
      });
      if (flags.csv) {
        process.stdout.write(`${postingCsv(page, found)}\n`);
        if (page.nextAfter !== null) process.stderr.write(`More: add --after ${page.nextAfter}\n`);
      } else emit(page, flags.json ?? false, (p) => postingTable(p, found));
    }),
  );
  return account;
}
