import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import { useMetrics } from '../api/queries.ts';
import type { Venture } from '../api/types.ts';
import { Dialog } from '../components/dialog.tsx';
import { Field, FormError, TextField, fieldProblems } from '../components/form.tsx';
import { formatDate } from '../format.ts';

/** This month as YYYY-MM and today as YYYY-MM-DD, in the browser's time zone. */
function today(): { month: string; day: string } {
  const now = new Date();
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(
    now.getDate(),
  ).padStart(2, '0')}`;
  return { month: day.slice(0, 7), day };
}

/**
 * Records one KPI value for a venture, typed as people write it (12.50 for money in major
 * units, 2.5 for 2.5 %): the server converts it exactly to the stored unit.
 */
export function PostKpiDialog(props: {
  venture: Venture;
  defaultCurrency: string;
  open: boolean;
  onClose: () => void;
}) {
  const metrics = useMetrics();
  const [metric, setMetric] = useState('mrr');
  const [period, setPeriod] = useState<'month' | 'day'>('month');
  const [when, setWhen] = useState(today());
  const [value, setValue] = useState('');
  const [currency, setCurrency] = useState(props.defaultCurrency);
  const [posted, setPosted] = useState<string | null>(null);
  const unit = metrics.data?.find((m) => m.key === metric)?.unit;
  const queryClient = useQueryClient();
  const post = useMutation({
    mutationFn: () =>
      api.post('/api/v1/portfolio/kpis', {
        kpis: [
          {
            ventureId: props.venture.id,
            metric,
            day: period === 'month' ? when.month : when.day,
            displayValue: value.trim(),
            ...(unit === 'money' ? { currency: currency.trim().toUpperCase() } : {}),
          },
        ],
      }),
    onSuccess: async () => {
      setPosted(`${metrics.data?.find((m) => m.key === metric)?.label ?? metric} recorded.`);
      setValue('');
      await queryClient.invalidateQueries({ queryKey: ['portfolio'] });
    },
  });
  const problems = fieldProblems(post.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPosted(null);
    post.mutate();
  };
  const close = () => {
    post.reset();
    setPosted(null);
    props.onClose();
  };
  return (
    <Dialog
      id="kpi-form"
      title={`Record a KPI of ${props.venture.name}`}
      open={props.open}
      onClose={close}
    >
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field id="kpi-metric" label="Metric" problem={problems.get('metric')}>
            {(aria) => (
              <select {...aria} value={metric} onChange={(e) => setMetric(e.target.value)}>
                {(metrics.data ?? []).map((m) => (
                  <option key={m.key} value={m.key}>
                    {m.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="kpi-period" label="For">
            {(aria) => (
              <select
                {...aria}
                value={period}
                onChange={(e) => setPeriod(e.target.value as 'month' | 'day')}
              >
                <option value="month">A whole month</option>
                <option value="day">One day</option>
              </select>
            )}
          </Field>
          <Field
            id="kpi-day"
            label={period === 'month' ? 'Month' : 'Day'}
            problem={problems.get('day')}
          >
            {(aria) =>
              period === 'month' ? (
                <input
                  {...aria}
                  type="month"
                  required
                  value={when.month}
                  onChange={(e) => setWhen({ ...when, month: e.target.value })}
                />
              ) : (
                <input
                  {...aria}
                  type="date"
                  required
                  value={when.day}
                  onChange={(e) => setWhen({ ...when, day: e.target.value })}
                />
              )
            }
          </Field>
          <TextField
            id="kpi-value"
            label="Value"
            hint={
              unit === 'money'
                ? 'In currency units, e.g. 1250.50'
                : unit === 'percent'
                  ? 'In percent, e.g. 2.5'
                  : unit === 'count'
                    ? 'A whole number'
                    : 'A decimal number'
            }
            problem={problems.get('displayValue') ?? problems.get('value')}
            inputMode="decimal"
            required
            value={value}
            onChange={setValue}
          />
          {unit === 'money' ? (
            <Field id="kpi-currency" label="Currency" problem={problems.get('currency')}>
              {(aria) => (
                <input
                  {...aria}
                  required
                  maxLength={3}
                  autoCapitalize="characters"
                  value={currency}
                  onChange={(e) => setCurrency(e.target.value)}
                />
              )}
            </Field>
          ) : null}
        </div>
        {problems.size === 0 ? <FormError error={post.error} /> : null}
        {posted ? (
          <div className="notice notice-success" role="status">
            <p>{posted}</p>
          </div>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={close}>
            Close
          </button>
          <button type="submit" className="button button-primary" disabled={post.isPending}>
            {post.isPending ? 'Recording…' : 'Record'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Archives a venture after a confirmation: it leaves lists and roll-ups, its data stays. */
export function ArchiveVentureDialog(props: {
  venture: Venture;
  open: boolean;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const archive = useMutation({
    mutationFn: () =>
      api.post<Venture>(`/api/v1/portfolio/ventures/${props.venture.id}/archive`, {}),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['portfolio'] });
      props.onClose();
    },
  });
  return (
    <Dialog
      id="archive-venture"
      title={`Archive ${props.venture.name}?`}
      description={`Created ${formatDate(props.venture.createdAt)}. An archived venture leaves lists and roll-ups; its KPIs and books stay.`}
      open={props.open}
      onClose={() => {
        archive.reset();
        props.onClose();
      }}
    >
      <FormError error={archive.error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onClose}>
          Keep it
        </button>
        <button
          type="button"
          className="button button-danger"
          disabled={archive.isPending}
          onClick={() => archive.mutate()}
        >
          {archive.isPending ? 'Archiving…' : 'Archive venture'}
        </button>
      </div>
    </Dialog>
  );
}
