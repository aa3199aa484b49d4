import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import type { TransferRequest } from '../api/types.ts';
import { FormError, fieldProblems } from '../components/form.tsx';
import { formatDate, formatMoney } from '../format.ts';
import {
  AccountingDateField,
  DescriptionField,
  FormActions,
  WriteOutcome,
  todayUtc,
  useLedgerWrite,
} from './financial.actions.tsx';
import { approvalProgress } from './financial.approvals.tsx';

/** A posted movement of the journal, as the account's postings list it. */
export interface JournalTransfer {
  id: string;
  kind: string;
  status: string;
  debitAccountId: string | null;
  creditAccountId: string | null;
  amount: string | null;
  currency: string | null;
  effectiveAt: string;
  description: string | null;
  reversesId: string | null;
}

/** `POST /api/v1/ledger/transfers/:id/reverse`: posted (200), or waiting for approval (202). */
type ReverseAnswer =
  | { result: string; transfer: { id: string } }
  | { result: 'awaiting_approval'; request: TransferRequest };

/** Whether a journal line can be corrected with its opposite: posted money that moved. */
export function reversible(t: JournalTransfer): boolean {
  return t.status === 'posted' && t.kind !== 'void_pending' && t.amount !== null;
}

/** The movement in words: "12 Mar 2026, €1,200.00, Office rent". */
export function transferLabel(t: JournalTransfer): string {
  const amount = t.amount && t.currency ? formatMoney(t.amount, t.currency) : '';
  return [formatDate(t.effectiveAt), amount, t.description].filter(Boolean).join(', ');
}

/**
 * Corrects a posted transfer with its opposite under a new id (the history is never edited):
 * the accounting date and description of the correction, then `POST …/reverse`. The new id is
 * chosen once per form, so sending again after a lost answer reverses once. An approval policy
 * may hold the reversal like any transfer of its amount: the form then says it went to approval.
 */
export function ReverseTransferForm(props: { transfer: JournalTransfer; onDone: () => void }) {
  const { transfer } = props;
  const [id] = useState(() => crypto.randomUUID());
  const [day, setDay] = useState(todayUtc());
  const [description, setDescription] = useState(
    `Reversal of ${transfer.description ?? formatDate(transfer.effectiveAt)}`.slice(0, 500),
  );
  const [outcome, setOutcome] = useState<{ result: string; text: string } | null>(null);
  const first = useRef<HTMLDivElement>(null);
  useEffect(() => first.current?.querySelector('input')?.focus(), []);
  const save = useLedgerWrite(
    () =>
      api.post<ReverseAnswer>(`/api/v1/ledger/transfers/${transfer.id}/reverse`, {
        id,
        effectiveAt: `${day}T12:00:00.000Z`,
        ...(description.trim() ? { description: description.trim() } : {}),
      }),
    (answer) =>
      setOutcome(
        'request' in answer
          ? {
              result: answer.result,
              text: `Sent for approval: the reversal posts once approved (${approvalProgress(answer.request)}). It is listed under “Transfers waiting for approval”.`,
            }
          : {
              result: answer.result,
              text: `Reversed: the opposite movement is booked on ${formatDate(day)}.`,
            },
      ),
  );
  const problems = fieldProblems(save.error);
  const label = transferLabel(transfer);
  return (
    <form
      className="reverse-form"
      data-testid="reverse-form"
      aria-labelledby="reverse-title"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <h3 id="reverse-title">Reverse {label}</h3>
      <p className="muted small">
        The transfer stays in the books; its opposite is booked beside it, so both accounts return
        to where they were before it.
      </p>
      {outcome ? (
        <WriteOutcome testId="reverse-outcome" outcome={outcome}>
          <p>
            <button type="button" className="button" onClick={props.onDone}>
              Back to the postings
            </button>
          </p>
        </WriteOutcome>
      ) : (
        <>
          <div className="form-grid" ref={first}>
            <AccountingDateField
              id="reverse-day"
              value={day}
              onChange={setDay}
              problems={problems}
            />
            <DescriptionField
              id="reverse-description"
              value={description}
              onChange={setDescription}
              problems={problems}
            />
          </div>
          {problems.size === 0 ? <FormError error={save.error} /> : null}
          <FormActions busy={save.isPending} label="Reverse transfer" onCancel={props.onDone} />
        </>
      )}
    </form>
  );
}
