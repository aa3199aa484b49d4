import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ErrorCodes, IzaError, UserError, isUuid, newId, toIzaError } from '../kernel/index.ts';
import {
  MAX_BATCH,
  TRANSFER_KINDS,
  transferInputSchema,
  type TransferInputJson,
  type TransferKind,
} from '../ledger/index.ts';
import type { LedgerClient } from './ledger-client.ts';
import type { Resolver } from './ledger-resolver.ts';
import { parseCsv, toInstant, toMinor } from './ledger-format.ts';

/**
 * `iza ledger transfer import`: a file of transfers (a JSON array of objects, or CSV with a
 * header row) booked in batches of up to 8,190, one result per row. Rows name accounts and
 * amounts the way the other commands do (`ACME:1100`, `12.50`); a row that cannot be read is
 * reported with its own error and not sent, and so is the rest of its linked chain.
 */

export interface ImportOutcome {
  /** 1-based: the CSV's data row (the header not counted) or the JSON array's element. */
  row: number;
  id: string;
  /** The ledger's result code (`ok`, `exists`, `exceeds_credits`...), or why the row was not sent. */
  result: string;
  message?: string;
}

type RawValue = string | number | boolean | Record<string, unknown> | null | undefined;
type RawRow = Partial<Record<Field, RawValue>>;

const FIELDS = [
  'id',
  'kind',
  'debit',
  'credit',
  'amount',
  'currency',
  'pendingId',
  'timeout',
  'linked',
  'effectiveAt',
  'description',
  'metadata',
] as const;
type Field = (typeof FIELDS)[number];

/** Column or key names, compared without case, spaces, "_" or "-". */
const ALIASES: Record<string, Field> = {
  ...Object.fromEntries(FIELDS.map((f) => [f.toLowerCase(), f])),
  debitaccount: 'debit',
  debitaccountid: 'debit',
  creditaccount: 'credit',
  creditaccountid: 'credit',
  pending: 'pendingId',
  timeoutseconds: 'timeout',
  date: 'effectiveAt',
};
const KIND_ALIASES: Record<string, TransferKind> = { post: 'post_pending', void: 'void_pending' };
const SUCCESS = new Set(['ok', 'exists']);

/** The rows of a `.csv` or `.json` file (`format` overrides the extension). */
export function readImportFile(path: string, format?: 'csv' | 'json'): RawRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(ErrorCodes.badRequest, `Cannot read ${path}: ${(error as Error).message}`);
  }
  const kind = format ?? (extname(path).toLowerCase() === '.json' ? 'json' : 'csv');
  return kind === 'json' ? jsonRows(text, path) : csvRows(text);
}

function fieldOf(name: string): Field {
  const field = ALIASES[name.replace(/[\s_-]/g, '').toLowerCase()];
  if (!field) {
    throw new UserError(
      ErrorCodes.validationFailed,
      `Unknown column "${name}"; the columns are ${FIELDS.join(', ')}`,
    );
  }
  return field;
}

function csvRows(text: string): RawRow[] {
  const [head, ...lines] = parseCsv(text);
  if (!head) throw new UserError(ErrorCodes.validationFailed, 'The CSV file is empty');
  const fields = head.map((name) => fieldOf(name.trim()));
  return lines.map((line) =>
    Object.fromEntries(
      fields.flatMap((field, i) => {
        const value = line[i]?.trim() ?? '';
        return value === '' ? [] : [[field, value]];
      }),
    ),
  );
}

function jsonRows(text: string, path: string): RawRow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(ErrorCodes.validationFailed, `${path}: ${(error as Error).message}`);
  }
  if (typeof data === 'object' && data !== null && 'transfers' in data) data = data.transfers;
  if (!Array.isArray(data) || data.some((row) => typeof row !== 'object' || row === null)) {
    throw new UserError(
      ErrorCodes.validationFailed,
      `${path} must hold a JSON array of transfer objects`,
    );
  }
  return (data as Record<string, RawValue>[]).map((row) =>
    Object.fromEntries(Object.entries(row).map(([key, value]) => [fieldOf(key), value])),
  );
}

function text(row: RawRow, field: Field): string | undefined {
  const value = row[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value.trim();
  if (field === 'amount') {
    throw invalid(`amount must be a string (e.g. "12.50"), so that no decimal is lost`);
  }
  if (typeof value === 'object') throw invalid(`${field} must be a string`);
  return String(value);
}

function flag(row: RawRow, field: Field): boolean | undefined {
  const value = row[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'object' ? '' : String(value).trim().toLowerCase();
  if (['true', 'yes', '1'].includes(word)) return true;
  if (['false', 'no', '0'].includes(word)) return false;
  throw invalid(`${field} must be true or false`);
}

function invalid(message: string): UserError {
  return new UserError(ErrorCodes.validationFailed, message);
}

/** One row as the API's transfer input, its accounts resolved and its amount in minor units. */
async function toTransfer(
  row: RawRow,
  resolver: Resolver,
  holdCurrency: (pendingId: string) => string | undefined,
): Promise<TransferInputJson & { id: string }> {
  const kindText = text(row, 'kind');
  const kind = kindText === undefined ? 'single' : (KIND_ALIASES[kindText] ?? kindText);
  if (!(TRANSFER_KINDS as readonly string[]).includes(kind)) {
    throw invalid(`kind "${kindText}" must be one of ${TRANSFER_KINDS.join(', ')}, post, void`);
  }
  const debitRef = text(row, 'debit');
  const creditRef = text(row, 'credit');
  const debit = debitRef === undefined ? undefined : await resolver.account(debitRef);
  const credit = creditRef === undefined ? undefined : await resolver.account(creditRef);
  const pendingId = text(row, 'pendingId');
  const given = text(row, 'currency');
  const currency =
    given ??
    debit?.currency ??
    credit?.currency ??
    (pendingId === undefined ? undefined : holdCurrency(pendingId.toLowerCase()));
  const amountText = text(row, 'amount');
  if (amountText !== undefined && currency === undefined) {
    throw invalid('currency is needed to read the amount (give it, or the accounts)');
  }
  const timeout = text(row, 'timeout');
  if (timeout !== undefined && !/^\d+$/.test(timeout)) {
    throw invalid(`timeout "${timeout}" must be a whole number of seconds`);
  }
  const effectiveAt = text(row, 'effectiveAt');
  const linked = flag(row, 'linked');
  const description = text(row, 'description');
  const metadata = row.metadata;
  const input = {
    id: text(row, 'id') ?? newId(),
    kind,
    ...(debit ? { debitAccountId: debit.id } : {}),
    ...(credit ? { creditAccountId: credit.id } : {}),
    ...(amountText === undefined ? {} : { amount: toMinor(amountText, currency!).toString() }),
    ...(currency === undefined || (given === undefined && kind.endsWith('_pending'))
      ? {}
      : { currency }),
    ...(pendingId === undefined ? {} : { pendingId }),
    ...(timeout === undefined ? {} : { timeoutSeconds: Number(timeout) }),
    ...(linked ? { linked } : {}),
    ...(effectiveAt === undefined ? {} : { effectiveAt: toInstant(effectiveAt) }),
    ...(description === undefined ? {} : { description }),
    ...(metadata === undefined || metadata === null || metadata === ''
      ? {}
      : { metadata: typeof metadata === 'string' ? parseMetadata(metadata) : metadata }),
  };
  const parsed = transferInputSchema.safeParse(input);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; '),
    );
  }
  return { ...parsed.data, id: parsed.data.id };
}

function parseMetadata(value: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // answered below
  }
  throw invalid('metadata must be a JSON object');
}

/**
 * Books the rows: reads each, then sends them in batches of up to `MAX_BATCH`, never splitting a
 * linked chain. Answers one outcome per row, in order.
 */
export async function importTransfers(
  ledger: LedgerClient,
  resolver: Resolver,
  rows: RawRow[],
  batchSize = MAX_BATCH,
): Promise<ImportOutcome[]> {
  const holds = await holdCurrencies(ledger, rows);
  const outcomes: ImportOutcome[] = [];
  const inputs: ((TransferInputJson & { id: string }) | undefined)[] = [];
  for (const [index, row] of rows.entries()) {
    try {
      const input = await toTransfer(row, resolver, (id) => holds.get(id));
      inputs.push(input);
      if (input.currency !== undefined) holds.set(input.id.toLowerCase(), input.currency);
      outcomes.push({ row: index + 1, id: input.id, result: 'pending' });
    } catch (error) {
      const failure = rowFailure(error);
      inputs.push(undefined);
      outcomes.push({ row: index + 1, id: text(row, 'id') ?? '', ...failure });
    }
  }

  // Chains: a row marked linked ties its outcome to the next one; a chain with a row that could
  // not be read is not sent at all.
  const chains: number[][] = [];
  let chain: number[] = [];
  for (const [index, row] of rows.entries()) {
    chain.push(index);
    if (!linkedLeniently(row)) {
      chains.push(chain);
      chain = [];
    }
  }
  if (chain.length > 0) chains.push(chain);

  const batches: number[][] = [[]];
  for (const members of chains) {
    if (members.some((i) => inputs[i] === undefined)) {
      for (const i of members) {
        if (inputs[i] !== undefined) {
          outcomes[i] = { ...outcomes[i]!, result: 'linked_event_failed' };
        }
      }
      continue;
    }
    if (members.length > batchSize) {
      for (const i of members) {
        outcomes[i] = {
          ...outcomes[i]!,
          result: 'linked_chain_too_long',
          message: `a linked chain of ${members.length} rows exceeds one batch (${batchSize})`,
        };
      }
      continue;
    }
    if (batches[batches.length - 1]!.length + members.length > batchSize) batches.push([]);
    batches[batches.length - 1]!.push(...members);
  }

  for (const batch of batches) {
    if (batch.length === 0) continue;
    const results = await ledger.createTransfers(batch.map((i) => inputs[i]!));
    for (const result of results) {
      const i = batch[result.index]!;
      outcomes[i] = { ...outcomes[i]!, id: result.id, result: result.result };
    }
  }
  return outcomes;
}

function rowFailure(error: unknown): { result: string; message: string } {
  const failure = error instanceof IzaError ? error : toIzaError(error);
  if (failure.kind !== 'user') throw failure;
  return { result: failure.code, message: failure.message };
}

function linkedLeniently(row: RawRow): boolean {
  try {
    return flag(row, 'linked') ?? false;
  } catch {
    return false;
  }
}

/** The currency of every hold that a post or void row names with an amount but no currency. */
async function holdCurrencies(ledger: LedgerClient, rows: RawRow[]): Promise<Map<string, string>> {
  const wanted = new Set<string>();
  for (const row of rows) {
    const pendingId = row.pendingId;
    if (
      typeof pendingId === 'string' &&
      isUuid(pendingId.trim()) &&
      row.amount !== undefined &&
      row.currency === undefined &&
      row.debit === undefined &&
      row.credit === undefined
    ) {
      wanted.add(pendingId.trim().toLowerCase());
    }
  }
  const currencies = new Map<string, string>();
  const ids = [...wanted];
  for (let i = 0; i < ids.length; i += 200) {
    for (const t of await ledger.lookupTransfers(ids.slice(i, i + 200))) {
      if (t.currency !== null) currencies.set(t.id, t.currency);
    }
  }
  return currencies;
}

/** Whether every row was applied (or had been before). */
export function allApplied(outcomes: ImportOutcome[]): boolean {
  return outcomes.every((o) => SUCCESS.has(o.result));
}
