import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../api/client.ts';
import type { Entity } from '../api/types.ts';
import { Dialog } from '../components/dialog.tsx';
import { Field, FormError, TextField, fieldProblems } from '../components/form.tsx';

/**
 * Creates a legal entity of the books: a holding or a venture's company, with its base currency
 * and, for a subsidiary, its parent. The ledger opens its standard chart of accounts; the page
 * then shows the new entity.
 */
export function EntityDialog(props: { open: boolean; onClose: () => void; entities: Entity[] }) {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'holding' | 'venture'>(
    props.entities.length === 0 ? 'holding' : 'venture',
  );
  const [currency, setCurrency] = useState('');
  const [parentId, setParentId] = useState('');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const save = useMutation({
    mutationFn: () =>
      api.post<Entity>('/api/v1/ledger/entities', {
        code: code.trim(),
        name: name.trim(),
        kind,
        baseCurrency: currency.trim().toUpperCase(),
        parentId: parentId || null,
      }),
    onSuccess: async (entity) => {
      await queryClient.invalidateQueries({ queryKey: ['ledger'] });
      props.onClose();
      void navigate(`/financial?entity=${entity.id}`);
    },
  });
  const problems = fieldProblems(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Dialog
      id="entity-form"
      title="New entity"
      open={props.open}
      onClose={props.onClose}
      description="A legal entity keeps its own books in its base currency; its accounts are opened from the standard chart."
    >
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <TextField
            id="entity-name"
            label="Name"
            required
            maxLength={200}
            problem={problems.get('name')}
            value={name}
            onChange={setName}
          />
          <TextField
            id="entity-code"
            label="Code"
            hint="Short and unique, e.g. HOLD or ACME-UK"
            required
            maxLength={40}
            problem={problems.get('code')}
            value={code}
            onChange={setCode}
          />
          <Field id="entity-kind" label="Kind" problem={problems.get('kind')}>
            {(aria) => (
              <select
                {...aria}
                value={kind}
                onChange={(e) => setKind(e.target.value as 'holding' | 'venture')}
              >
                <option value="holding">Holding company</option>
                <option value="venture">Venture company</option>
              </select>
            )}
          </Field>
          <TextField
            id="entity-currency"
            label="Base currency"
            hint="ISO 4217, e.g. EUR"
            required
            maxLength={3}
            placeholder="EUR"
            problem={problems.get('baseCurrency')}
            value={currency}
            onChange={(v) => setCurrency(v.toUpperCase())}
          />
          <Field id="entity-parent" label="Parent" problem={problems.get('parentId')}>
            {(aria) => (
              <select {...aria} value={parentId} onChange={(e) => setParentId(e.target.value)}>
                <option value="">None (a top entity)</option>
                {props.entities.map((e) => (
                  <option key={e.id} value={e.id}>
                    {e.code} {e.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {problems.size === 0 ? <FormError error={save.error} /> : null}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Create entity'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
