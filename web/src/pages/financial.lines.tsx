import { useQuery } from '@tanstack/react-query';
import { createContext, useContext, useState } from 'react';
import { api } from '../api/client.ts';
import { useMe } from '../api/queries.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorNotice, Loading } from '../components/ui.tsx';
import { formatDate, formatMoney } from '../format.ts';
import {
  ReverseTransferForm,
  reversible,
  transferLabel,
  type JournalTransfer,
} from './financial.reverse.tsx';

/** Opens an account's postings from a statement line (null: lines are not links). */
export const DrillContext = createContext<((code: string) => void) | null>(null);

/** An account's code and name in a statement; a button to its postings when drilling is on. */
export function AccountLabel(props: { code: string; name: string }) {
  const drill = useContext(DrillContext);
  const text = (
    <>
      <span className="muted">{props.code}</span> {props.name}
    </>
  );
  if (!drill) return text;
  return (
    <button
      type="button"
      className="link-button account-link"
      onClick={() => drill(props.code)}
      aria-label={`Postings of ${props.code} ${props.name}`}
    >
      {text}
    </button>
  );
}

const ZERO = /^-?0+$/;
const INTEGER = /^-?\d+$/;

/** Whether every amount of a statement line is zero (the code and name are not amounts). */
function zeroLine(line: Record<string, unknown>): boolean {
  return Object.entries(line).every(
    ([key, value]) =>
      key === 'code' || typeof value !== 'string' || !INTEGER.test(value) || ZERO.test(value),
  );
}

/** The report with the lines whose amounts are all zero left out, wherever its `lines` are. */
export function withoutZeroLines<T>(report: T): T {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === 'lines' && Array.isArray(inner)
          ? (inner as Record<string, unknown>[]).filter((line) => !zeroLine(line))
          : walk(inner),
      ]),
    );
  };
  return walk(report) as T;
}

interface Account {
  id: string;
  code: string;
  name: string;
  currency: string;
}
/**
 * The postings of one account of an entity over the statement's dates: each transfer with its
 * accounting date, description, the other side and the amount on this account's debit or
 * credit side (read from the ledger's journal, `GET /api/v1/ledger/journal`). Editors and
 * administrators may reverse a posted transfer from its line.
 */
export function AccountPostingsDialog(props: {
  entityId: string;
  code: string | null;
  from: string | null;
  to: string;
  onClose: () => void;
}) {
  const accounts = useQuery({
    queryKey: ['ledger', 'accounts', props.entityId],
    queryFn: () =>
      api.get<Account[]>('/api/v1/ledger/accounts', { query: { entityId: props.entityId } }),
    enabled: props.code !== null,
  });
  const account = accounts.data?.find((a) => a.code === props.code);
  const role = useMe().data?.role;
  const canWrite = role === 'admin' || role === 'editor';
  const [reversing, setReversing] = useState<JournalTransfer | null>(null);
  const journal = useQuery({
    queryKey: ['ledger', 'journal', account?.id, props.from, props.to],
    queryFn: () =>
      api.get<{ transfers: JournalTransfer[]; next: string | null }>('/api/v1/ledger/journal', {
        query: {
          accountId: account!.id,
          ...(props.from ? { from: props.from } : {}),
          to: props.to,
          limit: '200',
        },
      }),
    enabled: Boolean(account),
  });
  const names = new Map((accounts.data ?? []).map((a) => [a.id, `${a.code} ${a.name}`]));
  /** The transfers of this page that a listed one reverses. */
  const reversed = new Set((journal.data?.transfers ?? []).map((t) => t.reversesId));
  return (
    <Dialog
      id="account-postings"
      title={account ? `${account.code} ${account.name}` : 'Postings'}
      description={`${props.from ? `${formatDate(props.from)} to ` : 'Up to '}${formatDate(props.to)}`}
      open={props.code !== null}
      onClose={() => {
        setReversing(null);
        props.onClose();
      }}
    >
      {accounts.error ? <ErrorNotice error={accounts.error} /> : null}
      {journal.error ? <ErrorNotice error={journal.error} /> : null}
      {journal.isPending ? <Loading /> : null}
      {journal.data?.transfers.length === 0 ? (
        <p className="muted">No posting in these dates.</p>
      ) : null}
      {reversing ? (
        <ReverseTransferForm
          key={reversing.id}
          transfer={reversing}
          onDone={() => setReversing(null)}
        />
      ) : null}
      {journal.data && journal.data.transfers.length > 0 && !reversing ? (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Postings">
          <table className="data-table compact">
            <caption className="visually-hidden">Postings of the account</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Description</th>
                <th scope="col">Other account</th>
                <th scope="col" className="num">
                  Debit
                </th>
                <th scope="col" className="num">
                  Credit
                </th>
                {canWrite ? (
                  <th scope="col">
                    <span className="visually-hidden">Correction</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {journal.data.transfers.map((t) => {
                const debit = t.debitAccountId === account?.id;
                const other = debit ? t.creditAccountId : t.debitAccountId;
                const amount =
                  t.amount && t.currency ? formatMoney(t.amount, t.currency) : (t.amount ?? '');
                return (
                  <tr key={t.id} data-transfer={t.id}>
                    <td className="nowrap">{formatDate(t.effectiveAt)}</td>
                    <td>
                      {t.reversesId ? <span className="badge">Reversal</span> : null}{' '}
                      {t.description ?? '—'}
                    </td>
                    <td>{other ? (names.get(other) ?? 'another entity') : '—'}</td>
                    <td className="num">{debit ? amount : ''}</td>
                    <td className="num">{debit ? '' : amount}</td>
                    {canWrite ? (
                      <td className="nowrap">
                        {reversed.has(t.id) ? (
                          <span className="muted small">Reversed</span>
                        ) : reversible(t) && !t.reversesId ? (
                          <button
                            type="button"
                            className="link-button"
                            aria-label={`Reverse ${transferLabel(t)}`}
                            onClick={() => setReversing(t)}
                          >
                            Reverse
                          </button>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {journal.data?.next ? (
        <p className="muted small">
          The first 200 are shown; the journal has more (CLI: iza ledger transfer list).
        </p>
      ) : null}
    </Dialog>
  );
}
