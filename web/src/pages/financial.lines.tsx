import { useQuery } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { api } from '../api/client.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorNotice, Loading } from '../components/ui.tsx';
import { formatDate, formatMoney } from '../format.ts';

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
interface Transfer {
  id: string;
  debitAccountId: string | null;
  creditAccountId: string | null;
  amount: string | null;
  currency: string | null;
  effectiveAt: string;
  description: string | null;
  status: string;
}

/**
 * The postings of one account of an entity over the statement's dates: each transfer with its
 * accounting date, description, the other side and the amount on this account's debit or
 * credit side (read from the ledger's journal, `GET /api/v1/ledger/journal`).
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
  const journal = useQuery({
    queryKey: ['ledger', 'journal', account?.id, props.from, props.to],
    queryFn: () =>
      api.get<{ transfers: Transfer[]; next: string | null }>('/api/v1/ledger/journal', {
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
  return (
    <Dialog
      id="account-postings"
      title={account ? `${account.code} ${account.name}` : 'Postings'}
      description={`${props.from ? `${formatDate(props.from)} to ` : 'Up to '}${formatDate(props.to)}`}
      open={props.code !== null}
      onClose={props.onClose}
    >
      {accounts.error ? <ErrorNotice error={accounts.error} /> : null}
      {journal.error ? <ErrorNotice error={journal.error} /> : null}
      {journal.isPending ? <Loading /> : null}
      {journal.data?.transfers.length === 0 ? (
        <p className="muted">No posting in these dates.</p>
      ) : null}
      {journal.data && journal.data.transfers.length > 0 ? (
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
                    <td>{t.description ?? '—'}</td>
                    <td>{other ? (names.get(other) ?? 'another entity') : '—'}</td>
                    <td className="num">{debit ? amount : ''}</td>
                    <td className="num">{debit ? '' : amount}</td>
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
