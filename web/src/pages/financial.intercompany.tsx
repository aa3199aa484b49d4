import { useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import type { Entity, TransferRequest } from '../api/types.ts';
import { Dialog } from '../components/dialog.tsx';
import { Field, FormError, TextField, fieldProblems } from '../components/form.tsx';
import { formatDate, formatMoney, majorToMinor, minorDigits } from '../format.ts';
import {
  AccountingDateField,
  DescriptionField,
  FormActions,
  WriteOutcome,
  todayUtc,
  useLedgerWrite,
} from './financial.actions.tsx';
import { approvalProgress } from './financial.approvals.tsx';
import { EntityPicker } from '../components/entity-picker.tsx';

type Kind = 'loan' | 'repayment';

interface Leg {
  id: string;
  entityId: string;
  result: string;
  amount: string;
  currency: string;
}

/** `POST /api/v1/ledger/intercompany-transfers`: both legs (200), or waiting for approval (202). */
type IntercompanyAnswer =
  | { result: string; legs: Leg[]; rate: { rate: string; effectiveOn: string; base: string } }
  | { result: 'awaiting_approval'; request: TransferRequest };

/** What a leg's result code means when the ledger did not book the pair. */
const REFUSALS: Record<string, string> = {
  exceeds_credits: "an account's balance limit would be crossed",
  exceeds_debits: "an account's balance limit would be crossed",
  period_closed: 'the date is in a closed period of one of the entities',
  account_closed: 'one of the accounts is closed',
};

/**
 * Moves cash between two entities of the books: a loan from this entity to another, or a
 * repayment from this one (the borrower) to its lender. The ledger books one transfer in each
 * entity's base currency through their intercompany accounts, the other side converted at the
 * day's rate, both or neither; an approval policy that catches either leg holds both.
 */
export function IntercompanyDialog(props: {
  entity: Entity;
  entities: readonly Entity[];
  open: boolean;
  onClose: () => void;
}) {
  const { entity, entities } = props;
  const [id, setId] = useState(() => crypto.randomUUID());
  const [kind, setKind] = useState<Kind>('loan');
  const [toId, setToId] = useState('');
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState(entity.baseCurrency);
  const [day, setDay] = useState(todayUtc());
  const [description, setDescription] = useState('');
  const [outcome, setOutcome] = useState<{ result: string; text: string } | null>(null);
  const others = entities.filter((e) => e.id !== entity.id);
  const to = others.find((e) => e.id === toId);
  const currencies = [...new Set([entity.baseCurrency, ...(to ? [to.baseCurrency] : [])])];
  const minor = majorToMinor(amount, currency);
  const names = new Map(entities.map((e) => [e.id, e.code]));
  const save = useLedgerWrite(
    () =>
      api.post<IntercompanyAnswer>('/api/v1/ledger/intercompany-transfers', {
        id,
        kind,
        fromEntityId: entity.id,
        toEntityId: toId,
        // A malformed amount goes as typed: the ledger names the problem.
        amount: minor ?? amount,
        currency,
        effectiveAt: `${day}T12:00:00.000Z`,
        ...(description.trim() ? { description: description.trim() } : {}),
      }),
    (answer) => {
      // Answered: the next submission is a new transfer (a lost answer keeps the id for a retry).
      setId(crypto.randomUUID());
      if ('request' in answer) {
        setOutcome({
          result: answer.result,
          text: `Sent for approval: neither side posts until it is approved (${approvalProgress(answer.request)}). It is listed under “Transfers waiting for approval”.`,
        });
      } else if (answer.result === 'ok' || answer.result === 'exists') {
        const legs = answer.legs
          .map((l) => `${formatMoney(l.amount, l.currency)} in ${names.get(l.entityId) ?? ''}`)
          .join(' and ');
        setOutcome({
          result: answer.result,
          text: `Booked ${legs} on ${formatDate(day)} (rate ${answer.rate.rate} of ${formatDate(answer.rate.effectiveOn)}).`,
        });
      } else {
        setOutcome({
          result: answer.result,
          text: `Not booked: ${REFUSALS[answer.result] ?? answer.result.replaceAll('_', ' ')}.`,
        });
        return;
      }
      setAmount('');
      setDescription('');
    },
  );
  const problems = fieldProblems(save.error);
  const close = () => {
    save.reset();
    setOutcome(null);
    props.onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setOutcome(null);
    save.mutate();
  };
  const failed =
    outcome !== null && !['ok', 'exists', 'awaiting_approval'].includes(outcome.result);
  return (
    <Dialog
      id="intercompany-form"
      title={`Intercompany transfer from ${entity.name}`}
      description="Cash leaves this entity’s bank account for the other’s, through their intercompany accounts; each side is booked in its entity’s base currency."
      open={props.open}
      onClose={close}
    >
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field id="intercompany-kind" label="Kind" problem={problems.get('kind')}>
            {(aria) => (
              <select {...aria} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
                <option value="loan">Loan to the other entity</option>
                <option value="repayment">Repayment to the lender</option>
              </select>
            )}
          </Field>
          <Field id="intercompany-to" label="To entity" problem={problems.get('toEntityId')}>
            {(aria) => (
              <EntityPicker
                id={aria.id}
                entities={others}
                value={toId}
                onChange={(next) => {
                  setToId(next);
                  const chosen = others.find((e) => e.id === next);
                  if (currency !== entity.baseCurrency && currency !== chosen?.baseCurrency) {
                    setCurrency(entity.baseCurrency);
                  }
                }}
              />
            )}
          </Field>
          <TextField
            id="intercompany-amount"
            label="Amount"
            hint={`In currency units, up to ${minorDigits(currency)} decimals; the other side is converted at the day’s rate.`}
            inputMode="decimal"
            required
            problem={problems.get('amount')}
            value={amount}
            onChange={setAmount}
          />
          <Field id="intercompany-currency" label="Currency" problem={problems.get('currency')}>
            {(aria) => (
              <select {...aria} value={currency} onChange={(e) => setCurrency(e.target.value)}>
                {currencies.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <AccountingDateField
            id="intercompany-day"
            value={day}
            onChange={setDay}
            problems={problems}
          />
        </div>
        <DescriptionField
          id="intercompany-description"
          value={description}
          onChange={setDescription}
          problems={problems}
        />
        {problems.size === 0 ? <FormError error={save.error} /> : null}
        {outcome ? (
          <WriteOutcome testId="intercompany-outcome" outcome={outcome} failed={failed} />
        ) : null}
        <FormActions busy={save.isPending} label="Book transfer" onCancel={close} />
      </form>
    </Dialog>
  );
}
