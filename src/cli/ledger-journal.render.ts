import type { JournalPageJson, RevaluationJson } from './ledger-client.ts';
import { money } from './ledger-format.ts';
import type { Resolver } from './ledger-resolver.ts';
import { table } from './output.ts';

/** `iza ledger transfer list`: one row per transfer, by accounting date. */
export async function journalTable(page: JournalPageJson, resolver: Resolver): Promise<string> {
  if (page.transfers.length === 0) return 'No transfers.';
  const rows: string[][] = [];
  for (const t of page.transfers) {
    rows.push([
      t.effectiveAt,
      t.id,
      t.kind,
      t.status,
      money(t.amount, t.currency),
      await resolver.label(t.debitAccountId),
      await resolver.label(t.creditAccountId),
      t.description ?? '',
    ]);
  }
  const more = page.next === null ? '' : `\nMore: add --after ${page.next}`;
  return (
    table(
      ['effective', 'transfer', 'kind', 'status', 'amount', 'debit', 'credit', 'description'],
      rows,
    ) + more
  );
}

/** `iza ledger entity revalue`: each foreign-currency account and what was posted. */
export function revaluationTable(run: RevaluationJson): string {
  if (run.lines.length === 0) {
    return `No asset or liability of this entity is held in another currency than ${run.currency}.`;
  }
  const rows = run.lines.map((l) => [
    l.code,
    money(l.balance, l.currency),
    `${l.rate.rate}${l.rate.derived ? ` (via ${l.rate.derived.via})` : ''}`,
    money(l.remeasured, run.currency),
    money(l.carrying, run.currency),
    money(l.difference, run.currency),
    l.result ?? 'nothing to post',
  ]);
  return `${table(
    ['account', 'balance', 'rate', 'remeasured', 'carried', 'difference', 'result'],
    rows,
  )}\nRevalued on ${run.on}: ${run.posted} transfer${run.posted === 1 ? '' : 's'} posted.`;
}
