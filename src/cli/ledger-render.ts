import type {
  AccountJson,
  EntityJson,
  PostingPageJson,
  TransferJson,
  TransferResultJson,
} from './ledger-client.ts';
import type { Resolver } from './ledger-resolver.ts';
import type { ImportOutcome } from './ledger-import.ts';
import { money, toCsv, toMajor } from './ledger-format.ts';
import { keyValues, table } from './output.ts';

/**
 * How `iza ledger` shows the API's JSON to people: tables and key/value lists with amounts in
 * major units and the currency, accounts as `ENTITY:CODE`; and the CSV of the list commands
 * (amounts in major units, the currency in its own column).
 */

const codeOf = (entities: EntityJson[], id: string | null) =>
  id === null ? '' : (entities.find((e) => e.id === id)?.code ?? id);

export function entityTable(entities: EntityJson[]): string {
  if (entities.length === 0) return 'No entities yet: add one with iza ledger entity create.';
  return table(
    ['code', 'name', 'kind', 'currency', 'parent', 'closed through', 'id'],
    entities.map((e) => [
      e.code,
      e.name,
      e.kind,
      e.baseCurrency,
      codeOf(entities, e.parentId),
      e.closedThrough ?? '',
      e.id,
    ]),
  );
}

export function entityCsv(entities: EntityJson[]): string {
  return toCsv(
    ['id', 'code', 'name', 'kind', 'base_currency', 'parent_code', 'closed_through', 'created_at'],
    entities.map((e) => [
      e.id,
      e.code,
      e.name,
      e.kind,
      e.baseCurrency,
      e.parentId === null ? null : codeOf(entities, e.parentId),
      e.closedThrough,
      e.createdAt,
    ]),
  );
}

export function entityDetails(entity: EntityJson, entities: EntityJson[]): string {
  return keyValues([
    ['entity', `${entity.code} (${entity.name})`],
    ['id', entity.id],
    ['kind', entity.kind],
    ['base currency', entity.baseCurrency],
    ['parent', entity.parentId === null ? 'none' : codeOf(entities, entity.parentId)],
    ['closed through', entity.closedThrough ?? 'no period closed'],
    ['created', entity.createdAt],
  ]);
}

function limits(a: AccountJson): string {
  return [
    a.debitsMustNotExceedCredits ? 'debits <= credits' : '',
    a.creditsMustNotExceedDebits ? 'credits <= debits' : '',
    a.cash ? 'cash' : '',
    a.counterpartyEntityId === null ? '' : 'intercompany',
    a.closedAt === null ? '' : 'closed',
  ]
    .filter((flag) => flag !== '')
    .join(', ');
}

export function accountTable(accounts: AccountJson[], entities: EntityJson[]): string {
  if (accounts.length === 0) return 'No accounts.';
  return table(
    ['account', 'name', 'type', 'balance', 'pending debits', 'pending credits', 'flags', 'id'],
    accounts.map((a) => [
      `${codeOf(entities, a.entityId)}:${a.code}`,
      a.name,
      a.type,
      money(a.balance, a.currency),
      a.debitsPending === '0' ? '' : money(a.debitsPending, a.currency),
      a.creditsPending === '0' ? '' : money(a.creditsPending, a.currency),
      limits(a),
      a.id,
    ]),
  );
}

export function accountCsv(accounts: AccountJson[], entities: EntityJson[]): string {
  return toCsv(
    [
      'id',
      'entity',
      'code',
      'name',
      'type',
      'currency',
      'balance',
      'debits_posted',
      'credits_posted',
      'debits_pending',
      'credits_pending',
      'cash',
      'cash_flow',
      'debits_must_not_exceed_credits',
      'credits_must_not_exceed_debits',
      'counterparty',
      'closed_at',
    ],
    accounts.map((a) => [
      a.id,
      codeOf(entities, a.entityId),
      a.code,
      a.name,
      a.type,
      a.currency,
      toMajor(a.balance, a.currency),
      toMajor(a.debitsPosted, a.currency),
      toMajor(a.creditsPosted, a.currency),
      toMajor(a.debitsPending, a.currency),
      toMajor(a.creditsPending, a.currency),
      a.cash,
      a.cashFlow,
      a.debitsMustNotExceedCredits,
      a.creditsMustNotExceedDebits,
      a.counterpartyEntityId === null ? null : codeOf(entities, a.counterpartyEntityId),
      a.closedAt,
    ]),
  );
}

export function accountDetails(a: AccountJson, entities: EntityJson[]): string {
  return keyValues([
    ['account', `${codeOf(entities, a.entityId)}:${a.code} (${a.name})`],
    ['id', a.id],
    ['type', a.type],
    ['balance', money(a.balance, a.currency)],
    ['debits posted', money(a.debitsPosted, a.currency)],
    ['credits posted', money(a.creditsPosted, a.currency)],
    ['debits pending', money(a.debitsPending, a.currency)],
    ['credits pending', money(a.creditsPending, a.currency)],
    ['limits', limits(a) || 'none'],
    ['cash flow', a.cashFlow],
    ['counterparty', codeOf(entities, a.counterpartyEntityId) || 'none'],
    ['status', a.closedAt === null ? 'open' : `closed ${a.closedAt}`],
  ]);
}

/** The balance on the account's normal side after each posting. */
function balanceAfter(account: AccountJson, after: PostingPageJson['postings'][number]['after']) {
  const debit = BigInt(after.debitsPosted) - BigInt(after.creditsPosted);
  return account.type === 'asset' || account.type === 'expense' ? debit : -debit;
}

export function postingTable(page: PostingPageJson, account: AccountJson): string {
  const rows = page.postings.map((p) => [
    p.id,
    p.effectiveAt,
    p.createdAt,
    p.transferId,
    p.side,
    money(p.amount, account.currency),
    p.pending ? 'pending' : 'posted',
    money(balanceAfter(account, p.after), account.currency),
  ]);
  const more = page.nextAfter === null ? '' : `\nMore: add --after ${page.nextAfter}`;
  if (rows.length === 0) return 'No postings.';
  return (
    table(
      ['posting', 'effective', 'recorded', 'transfer', 'side', 'amount', 'kind', 'balance after'],
      rows,
    ) + more
  );
}

export function postingCsv(page: PostingPageJson, account: AccountJson): string {
  const major = (minor: string) => toMajor(minor, account.currency);
  return toCsv(
    [
      'id',
      'effective_at',
      'created_at',
      'transfer_id',
      'side',
      'amount',
      'currency',
      'pending',
      'balance_after',
      'debits_posted_after',
      'credits_posted_after',
      'debits_pending_after',
      'credits_pending_after',
    ],
    page.postings.map((p) => [
      p.id,
      p.effectiveAt,
      p.createdAt,
      p.transferId,
      p.side,
      major(p.amount),
      account.currency,
      p.pending,
      toMajor(balanceAfter(account, p.after), account.currency),
      major(p.after.debitsPosted),
      major(p.after.creditsPosted),
      major(p.after.debitsPending),
      major(p.after.creditsPending),
    ]),
  );
}

export async function transferDetails(t: TransferJson, resolver: Resolver): Promise<string> {
  const pairs: [string, string][] = [
    ['transfer', t.id],
    ['kind', t.kind],
    ['status', t.status],
    ['result', t.result],
    ['amount', money(t.amount, t.currency)],
    ['debit', await resolver.label(t.debitAccountId)],
    ['credit', await resolver.label(t.creditAccountId)],
    ['effective', t.effectiveAt],
  ];
  if (t.pendingId !== null) pairs.push(['pending transfer', t.pendingId]);
  if (t.timeoutAt !== null) pairs.push(['times out', t.timeoutAt]);
  if (t.reversesId !== null) pairs.push(['reverses', t.reversesId]);
  if (t.description !== null) pairs.push(['description', t.description]);
  if (t.metadata !== null) pairs.push(['metadata', JSON.stringify(t.metadata)]);
  pairs.push(['batch', t.batchId], ['created', t.createdAt]);
  return keyValues(pairs);
}

/** A booking's answer, with what was asked when the command knows it. */
export function resultDetails(
  result: Pick<TransferResultJson, 'id'> & { result: string },
  extra: [string, string][] = [],
): string {
  return keyValues([['transfer', result.id], ['result', result.result], ...extra]);
}

export function importTable(outcomes: ImportOutcome[]): string {
  const failed = outcomes.filter((o) => o.result !== 'ok' && o.result !== 'exists').length;
  const summary =
    `${outcomes.length} row${outcomes.length === 1 ? '' : 's'}: ` +
    `${outcomes.length - failed} applied or already there, ${failed} not applied.`;
  if (outcomes.length === 0) return 'The file has no rows.';
  return `${table(
    ['row', 'transfer', 'result', 'message'],
    outcomes.map((o) => [o.row, o.id, o.result, o.message ?? '']),
  )}\n${summary}`;
}
