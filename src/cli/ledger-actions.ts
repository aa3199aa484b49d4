import { InvalidArgumentError, Option, type Command } from 'commander';
import { UserError } from '../kernel/index.ts';
import {
  withLedger,
  type LedgerClient,
  type LedgerFlags,
  type TransferResultJson,
} from './ledger-client.ts';
import { createResolver, type Resolver } from './ledger-resolver.ts';
import { resultDetails } from './ledger-render.ts';
import { configFrom, dataDirOption, jsonOption } from './options.ts';
import { emit } from './output.ts';

/** What every `iza ledger` command shares: its common options, ledger access and errors. */

export interface Flags extends LedgerFlags {
  json?: boolean;
  csv?: boolean;
}

/** Adds the options every ledger command takes (organisation, data folder, JSON, maybe CSV). */
export function common(command: Command, options: { csv?: boolean } = {}): Command {
  command
    .addOption(
      new Option(
        '--org <slug>',
        'organisation, by slug or id (default: the only one of this installation)',
      ),
    )
    .addOption(dataDirOption())
    .addOption(jsonOption());
  if (options.csv) {
    command.addOption(
      new Option(
        '--csv',
        'print CSV (amounts in major units, currency in its own column)',
      ).conflicts('json'),
    );
  }
  return command;
}

/** Runs a command's work with the ledger of the chosen organisation. */
export function inLedger<T>(
  flags: Flags,
  name: string,
  work: (ledger: LedgerClient, resolver: Resolver) => Promise<T>,
): Promise<T> {
  return withLedger(configFrom(flags), flags, `iza ledger ${name}`, (ledger) =>
    work(ledger, createResolver(ledger)),
  );
}

/** A command's action whose errors keep their message and gain their code (`act.ts`). */
export { act } from './act.ts';

/**
 * Prints a booking's answer and fails the command when the ledger did not apply it. A transfer
 * waiting for approval is recorded, not refused: the command succeeds and says how to approve it.
 */
export function reportResult(
  result: Pick<TransferResultJson, 'id'> & { result: string },
  json: boolean,
  extra: [string, string][],
): void {
  if (result.result === 'awaiting_approval') {
    emit(result, json, (r) =>
      resultDetails(r, [
        ...extra,
        ['next', `it posts once approved: iza ledger approvals approve ${r.id} (by someone else)`],
      ]),
    );
    return;
  }
  emit(result, json, (r) => resultDetails(r, extra));
  if (result.result !== 'ok' && result.result !== 'exists') {
    throw new UserError(result.result, `Transfer ${result.id} was not applied`);
  }
}

export function wholeNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('Not a whole number.');
  return Number(value);
}
