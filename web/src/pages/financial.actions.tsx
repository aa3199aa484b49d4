import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client.ts';
import type { ApprovalPolicy, Entity, TransferRequest } from '../api/types.ts';
import { Dialog } from '../components/dialog.tsx';
import { Field, FormError, TextField, fieldProblems } from '../components/form.tsx';
import { formatDate, formatMoney, majorToMinor, minorDigits } from '../format.ts';
import { approvalProgress } from './financial.approvals.tsx';

interface LedgerAccount {
  id: string;
  code: string;
  name: string;
  type: string;
  currency: string;
  closedAt: string | null;
}

export const todayUtc = () => new Date().toISOString().slice(0, 10);

/** The ledger's queries are under `['ledger']`: every statement shows the write at once. */
export function useLedgerWrite<T>(write: () => Promise<T>, onDone: (result: T) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: ['ledger'] });
      onDone(result);
    },
  });
}

/** A dialog form's Cancel and submit buttons; the submit one says it is saving. */
export function FormActions(props: { busy: boolean; label: string; onCancel: () => void }) {
  return (
    <div className="dialog-actions">
      <button type="button" className="button" onClick={props.onCancel}>
        Cancel
      </button>
      <button type="submit" className="button button-primary" disabled={props.busy}>
        {props.busy ? 'Saving…' : props.label}
      </button>
    </div>
  );
}

/** The day a write counts in the books (`effectiveAt`), with the API's problem beside it. */
export function AccountingDateField(props: {
  id: string;
  value: string;
  onChange: (day: string) => void;
  problems: Map<string, string>;
}) {
  return (
    <TextField
      id={props.id}
      label="Accounting date"
      type="date"
      required
      problem={props.problems.get('effectiveAt')}
      value={props.value}
      onChange={props.onChange}
    />
  );
}

/** A transfer's description (at most 500 characters), with the API's problem beside it. */
export function DescriptionField(props: {
  id: string;
  value: string;
  onChange: (text: string) => void;
  problems: Map<string, string>;
}) {
  return (
    <TextField
      id={props.id}
      label="Description"
      maxLength={500}
      problem={props.problems.get('description')}
      value={props.value}
      onChange={props.onChange}
    />
  );
}

/** What became of a write: posted (green), sent for approval (plain) or refused (an alert). */
export function WriteOutcome(props: {
  testId: string;
  outcome: { result: string; text: string };
  failed?: boolean;
  children?: ReactNode;
}) {
  const { result, text } = props.outcome;
  const tone = props.failed
    ? 'notice-error'
    : result === 'awaiting_approval'
      ? ''
      : 'notice-success';
  return (
    <div
      className={`notice ${tone}`}
      role={props.failed ? 'alert' : 'status'}
      data-testid={props.testId}
      data-result={result}
    >
      <p>{text}</p>
      {props.children}
    </div>
  );
}

/** `PUT /api/v1/ledger/transfers/:id`: posted (200), or waiting for approval (202). */
type TransferAnswer =
  { result: 'ok' | 'exists' } | { result: 'awaiting_approval'; request: TransferRequest };

/**
 * The lowest threshold of the approval policies that apply to an entity's transfers in a
 * currency, for the dialog's hint: policies of other currencies compare converted amounts.
 */
function approvalHint(policies: ApprovalPolicy[], entityId: string, currency: string) {
  const applying = policies.filter(
    (p) =>
      (p.entityId === null || p.entityId === entityId) &&
      (p.currency === null || p.currency === currency),
  );
  if (applying.length === 0) return null;
  const same = applying.filter((p) => p.thresholdCurrency === currency);
  const lowest = (same.length > 0 ? same : applying).reduce((a, b) =>
    BigInt(b.thresholdAmount) < BigInt(a.thresholdAmount) ? b : a,
  );
  const from = formatMoney(lowest.thresholdAmount, lowest.thresholdCurrency);
  return same.length > 0
    ? `From ${from}, a transfer waits for approval before it posts.`
    : `From the equivalent of ${from}, a transfer waits for approval before it posts.`;
}

/**
 * Books one transfer between two accounts of an entity, in their currency, typed in currency
 * units. The id is chosen here once per dialog, so sending again after a lost answer books it
 * once (the ledger's idempotency), and a refused request can be corrected and sent again. When an
 * approval policy catches it, it does not post: the dialog says it went to approval.
 */
export function TransferDialog(props: { entity: Entity; open: boolean; onClose: () => void }) {
  const [id, setId] = useState(() => crypto.randomUUID());
  const [debit, setDebit] = useState('');
  const [credit, setCredit] = useState('');
  const [amount, setAmount] = useState('');
  const [day, setDay] = useState(todayUtc());
  const [description, setDescription] = useState('');
  const [booked, setBooked] = useState<{ text: string; result: string } | null>(null);
  const policies = useQuery({
    queryKey: ['ledger', 'approval-policies'],
    queryFn: () => api.get<ApprovalPolicy[]>('/api/v1/ledger/approval-policies'),
    enabled: props.open,
    staleTime: 60_000,
  });
  const accounts = useQuery({
    queryKey: ['ledger', 'accounts', props.entity.id],
    queryFn: () =>
      api.get<LedgerAccount[]>('/api/v1/ledger/accounts', { query: { entityId: props.entity.id } }),
    enabled: props.open,
  });
  const open = (accounts.data ?? []).filter((a) => a.closedAt === null);
  const currency = open.find((a) => a.id === debit)?.currency ?? props.entity.baseCurrency;
  const minor = majorToMinor(amount, currency);
  const hint = approvalHint(policies.data ?? [], props.entity.id, currency);
  const save = useLedgerWrite(
    () =>
      api.put<TransferAnswer>(`/api/v1/ledger/transfers/${id}`, {
        debitAccountId: debit,
        creditAccountId: credit,
        // A malformed amount goes as typed: the ledger names the problem.
        amount: minor ?? amount,
        currency,
        effectiveAt: `${day}T12:00:00.000Z`,
        ...(description.trim() ? { description: description.trim() } : {}),
      }),
    (answer) => {
      setBooked(
        answer.result === 'awaiting_approval'
          ? {
              result: answer.result,
              text: `Sent for approval: ${amount} ${currency} on ${formatDate(day)} posts once approved (${approvalProgress(answer.request)}). It is listed under “Transfers waiting for approval”.`,
            }
          : { result: answer.result, text: `Booked ${amount} ${currency} on ${formatDate(day)}.` },
      );
      setId(crypto.randomUUID());
      setAmount('');
      setDescription('');
    },
  );
  const problems = fieldProblems(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBooked(null);
    save.mutate();
  };
  const close = () => {
    save.reset();
    setBooked(null);
    props.onClose();
  };
  const accountOptions = open.map((a) => (
    <option key={a.id} value={a.id}>
      {a.code} {a.name} ({a.currency})
    </option>
  ));
  return (
    <Dialog
      id="transfer-form"
      title={`New transfer in ${props.entity.name}`}
      open={props.open}
      onClose={close}
    >
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field id="transfer-debit" label="Debit account" problem={problems.get('debitAccountId')}>
            {(aria) => (
              <select {...aria} required value={debit} onChange={(e) => setDebit(e.target.value)}>
                <option value="">Choose an account</option>
                {accountOptions}
              </select>
            )}
          </Field>
          <Field
            id="transfer-credit"
            label="Credit account"
            problem={problems.get('creditAccountId')}
          >
            {(aria) => (
              <select {...aria} required value={credit} onChange={(e) => setCredit(e.target.value)}>
                <option value="">Choose an account</option>
                {accountOptions}
              </select>
            )}
          </Field>
          <TextField
            id="transfer-amount"
            label={`Amount (${currency})`}
            hint={`In currency units, up to ${minorDigits(currency)} decimals.${hint ? ` ${hint}` : ''}`}
            inputMode="decimal"
            required
            problem={problems.get('amount') ?? problems.get('currency')}
            value={amount}
            onChange={setAmount}
          />
          <AccountingDateField
            id="transfer-day"
            value={day}
            onChange={setDay}
            problems={problems}
          />
        </div>
        <DescriptionField
          id="transfer-description"
          value={description}
          onChange={setDescription}
          problems={problems}
        />
        {problems.size === 0 ? <FormError error={save.error} /> : null}
        {booked ? <WriteOutcome testId="transfer-outcome" outcome={booked} /> : null}
        <FormActions busy={save.isPending} label="Book transfer" onCancel={close} />
      </form>
    </Dialog>
  );
}

/** Records an exchange rate: one unit of `base` is worth `rate` units of `quote` from a day on. */
export function FxRateDialog(props: { currencies: string[]; open: boolean; onClose: () => void }) {
  const [base, setBase] = useState(props.currencies[0] ?? 'EUR');
  const [quote, setQuote] = useState(props.currencies[1] ?? 'USD');
  const [rate, setRate] = useState('');
  const [day, setDay] = useState(todayUtc());
  const save = useLedgerWrite(
    () =>
      api.post('/api/v1/ledger/fx-rates', {
        rates: [
          {
            base: base.trim().toUpperCase(),
            quote: quote.trim().toUpperCase(),
            rate: rate.trim(),
            effectiveOn: day,
          },
        ],
      }),
    () => props.onClose(),
  );
  const problems = fieldProblems(save.error);
  return (
    <Dialog
      id="fx-rate-form"
      title="Record an exchange rate"
      description="Statements of a closed period keep the rates known when it was closed."
      open={props.open}
      onClose={() => {
        save.reset();
        props.onClose();
      }}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
        noValidate
      >
        <div className="form-grid">
          <TextField
            id="fx-base"
            label="One unit of"
            maxLength={3}
            required
            problem={problems.get('base')}
            value={base}
            onChange={setBase}
          />
          <TextField
            id="fx-quote"
            label="is worth, in"
            maxLength={3}
            required
            problem={problems.get('quote')}
            value={quote}
            onChange={setQuote}
          />
          <TextField
            id="fx-rate"
            label="Rate"
            hint='A decimal, e.g. "1.0825"'
            inputMode="decimal"
            required
            problem={problems.get('rate')}
            value={rate}
            onChange={setRate}
          />
          <TextField
            id="fx-day"
            label="In force from"
            type="date"
            required
            problem={problems.get('effectiveOn')}
            value={day}
            onChange={setDay}
          />
        </div>
        {problems.size === 0 ? <FormError error={save.error} /> : null}
        <FormActions busy={save.isPending} label="Record rate" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

/**
 * Closes an entity's books through a day: its foreign-currency balances are revalued first, and
 * nothing may be dated on or before that day afterwards.
 */
export function ClosePeriodDialog(props: { entity: Entity; open: boolean; onClose: () => void }) {
  const lastMonthEnd = (() => {
    const now = new Date();
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0))
      .toISOString()
      .slice(0, 10);
  })();
  const [through, setThrough] = useState(lastMonthEnd);
  const [note, setNote] = useState('');
  const save = useLedgerWrite(
    () =>
      api.post(`/api/v1/ledger/entities/${props.entity.id}/close-period`, {
        through,
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    () => props.onClose(),
  );
  const problems = fieldProblems(save.error);
  return (
    <Dialog
      id="close-period-form"
      title={`Close the books of ${props.entity.name}`}
      description={
        props.entity.closedThrough
          ? `Closed through ${formatDate(props.entity.closedThrough)} so far.`
          : 'No period is closed yet.'
      }
      open={props.open}
      onClose={() => {
        save.reset();
        props.onClose();
      }}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
        noValidate
      >
        <div className="form-grid">
          <TextField
            id="close-through"
            label="Close through"
            type="date"
            required
            problem={problems.get('through')}
            value={through}
            onChange={setThrough}
          />
          <TextField
            id="close-note"
            label="Note"
            problem={problems.get('note')}
            value={note}
            onChange={setNote}
          />
        </div>
        <p className="muted small">
          Foreign-currency balances are revalued at that day's rate first; afterwards nothing may be
          dated on or before it.
        </p>
        {problems.size === 0 ? <FormError error={save.error} /> : null}
        <FormActions busy={save.isPending} label="Close period" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
