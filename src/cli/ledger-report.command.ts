import { writeFileSync } from 'node:fs';
import { Argument, Option, type Command } from 'commander';
import { REPORT_KINDS, type ReportKind } from '../ledger/index.ts';
import { withLedger } from './ledger-client.ts';
import { createResolver } from './ledger-resolver.ts';
import { configFrom, dataDirOption, jsonOption } from './options.ts';
import { emit } from './output.ts';
import { renderReport, reportCsv, type ReportJson } from './ledger-report.render.ts';

interface ReportFlags {
  entity: string;
  org?: string;
  consolidated?: boolean;
  from?: string;
  to?: string;
  asOf?: string;
  currency?: string;
  dataDir?: string;
  json?: boolean;
  /** `true`: to standard output; a string: to that file. */
  csv?: boolean | string;
}

const EXAMPLES = `
Days are UTC and inclusive. Amounts are shown in major units of the report's currency.

Examples:
  iza ledger report balance-sheet --entity HOLD --consolidated --as-of 2026-03-31
  iza ledger report profit-and-loss --entity ACME --from 2026-01-01 --to 2026-03-31
  iza ledger report cash-flow --entity ACME --from 2026-01-01 --currency USD --csv cash.csv
  iza ledger report trial-balance --entity ACME --as-of 2026-03-31 --json`;

/**
 * Adds `report <statement>` to the `iza ledger` command: the trial balance, balance sheet, profit
 * and loss or cash flow of an entity (or its consolidated tree), as a table, the API's JSON or
 * CSV. Through the server holding the data folder when one runs, else on the database directly.
 */
export function addLedgerReportCommands(ledger: Command): void {
  ledger
    .command('report')
    .description('financial statements of an entity, or consolidated over its descendants')
    .addArgument(new Argument('<statement>', 'which statement').choices(REPORT_KINDS))
    .requiredOption('--entity <entity>', 'the entity (id or code); the root when consolidated')
    .option('--org <org>', 'organisation (slug or id; default: the only one)')
    .option('--consolidated', 'the entity and all its descendants, intercompany eliminated')
    .option('--from <day>', 'first day (profit and loss, cash flow: default 1 January)')
    .option('--to <day>', 'last day, inclusive (default today)')
    .option('--as-of <day>', 'the day of a balance sheet or trial balance (default today)')
    .option('--currency <code>', "report currency (default: the entity's base currency)")
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .addOption(
      new Option('--csv [file]', 'CSV export, to standard output or a file').conflicts('json'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (kind: ReportKind, flags: ReportFlags) => {
      const report = await fetchReport(kind, flags);
      if (flags.csv === undefined || flags.csv === false) {
        emit(report, flags.json ?? false, (r) => renderReport(kind, r));
        return;
      }
      const csv = `${reportCsv(kind, report)}\n`;
      if (flags.csv === true) process.stdout.write(csv);
      else {
        writeFileSync(flags.csv, csv);
        process.stdout.write(`Wrote ${flags.csv}\n`);
      }
    });
}

/** The statement as the API answers it, from the server or from the database. */
async function fetchReport(kind: ReportKind, flags: ReportFlags): Promise<ReportJson> {
  return withLedger(configFrom(flags), flags, `iza ledger report ${kind}`, async (ledger) => {
    const entity = await createResolver(ledger).entity(flags.entity);
    const report = await ledger.report(kind, {
      entityId: entity.id,
      ...(flags.consolidated ? { consolidated: true } : {}),
      ...(flags.from ? { from: flags.from } : {}),
      ...(flags.to ? { to: flags.to } : {}),
      ...(flags.asOf ? { asOf: flags.asOf } : {}),
      ...(flags.currency ? { currency: flags.currency.toUpperCase() } : {}),
    });
    return report as ReportJson;
  });
}
