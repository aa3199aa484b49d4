import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { keys } from '../../api/queries.ts';
import type { ApprovalPolicy, ApproverRole, Entity } from '../../api/types.ts';
import { fieldProblems } from '../../components/form.tsx';
import { EntityPicker } from '../../components/entity-picker.tsx';
import { ErrorNotice, Loading, Panel } from '../../components/ui.tsx';
import { formatDateTime, formatMoney, majorToMinor, minorDigits } from '../../format.ts';

const POLICIES = ['ledger', 'approval-policies'] as const;

export const policiesQuery = queryOptions({
  queryKey: POLICIES,
  queryFn: () => api.get<ApprovalPolicy[]>('/api/v1/ledger/approval-policies'),
});

const ROLE_LABEL: Record<ApproverRole, string> = {
  admin: 'administrators',
  editor: 'editors or administrators',
};

/**
 * Approval policies: transfers at or above a threshold wait for approval before they post.
 * Everyone who reads the books sees them; administrators add and remove them.
 */
export function ApprovalPoliciesSection(props: { canManage: boolean }) {
  const queryClient = useQueryClient();
  const policies = useQuery(policiesQuery);
  const [scope, setScope] = useState<'every' | 'one'>('every');
  // The entity list (a few hundred kilobytes for a thousand ventures) only once a policy names
  // an entity or one is being chosen.
  const entities = useQuery({
    queryKey: keys.entities,
    queryFn: () => api.get<Entity[]>('/api/v1/ledger/entities'),
    staleTime: 60_000,
    enabled:
      (props.canManage && scope === 'one') ||
      Boolean(policies.data?.some((p) => p.entityId !== null)),
  });
  const [threshold, setThreshold] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const [onlyCurrency, setOnlyCurrency] = useState(false);
  const [entityId, setEntityId] = useState('');
  const [approvals, setApprovals] = useState('1');
  const [role, setRole] = useState<ApproverRole>('admin');
  const [description, setDescription] = useState('');
  const code = currency.trim().toUpperCase();
  const create = useMutation({
    mutationFn: () =>
      api.post<ApprovalPolicy>('/api/v1/ledger/approval-policies', {
        // A malformed amount goes as typed: the API names the problem.
        thresholdAmount: majorToMinor(threshold, code) ?? threshold,
        thresholdCurrency: code,
        ...(onlyCurrency ? { currency: code } : {}),
        ...(scope === 'one' ? { entityId } : {}),
        approvalsRequired: Number(approvals),
        approverRole: role,
        ...(description.trim() ? { description: description.trim() } : {}),
      }),
    onSuccess: () => {
      setThreshold('');
      setDescription('');
      void queryClient.invalidateQueries({ queryKey: POLICIES });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      api.delete<ApprovalPolicy>(`/api/v1/ledger/approval-policies/${id}`),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: POLICIES }),
  });
  const problems = fieldProblems(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const entityName = (id: string | null) =>
    id === null ? 'Every entity' : (entities.data?.find((e) => e.id === id)?.code ?? id);
  const problem = (field: string) =>
    problems.get(field) ? (
      <span id={`policy-${field}-problem`} className="field-problem small">
        {problems.get(field)}
      </span>
    ) : null;

  return (
    <Panel title="Transfer approvals" id="approval-policies">
      <p className="muted">
        A transfer at or above a policy’s threshold waits for approval before it posts; the person
        who asked for it cannot approve it. Other currencies are compared at the day’s recorded
        rate.
      </p>
      {policies.isPending ? <Loading /> : null}
      {policies.error ? <ErrorNotice error={policies.error} /> : null}
      {remove.error ? (
        <ErrorNotice error={remove.error} title="The policy was not removed" />
      ) : null}
      {policies.data && policies.data.length === 0 ? (
        <p>No approval policy: every transfer posts at once.</p>
      ) : null}
      {policies.data && policies.data.length > 0 ? (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Approval policies">
          <table className="data-table">
            <caption className="visually-hidden">Approval policies</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">Entity</th>
                <th scope="col">Currencies</th>
                <th scope="col">Approvals</th>
                <th scope="col">Description</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {policies.data.map((p) => (
                <tr key={p.id} data-policy={p.id}>
                  <th scope="row" className="nowrap">
                    {formatMoney(p.thresholdAmount, p.thresholdCurrency)}
                  </th>
                  <td>{entityName(p.entityId)}</td>
                  <td>{p.currency ?? 'all (converted)'}</td>
                  <td>
                    {p.approvalsRequired} by {ROLE_LABEL[p.approverRole]}
                  </td>
                  <td>{p.description ?? ''}</td>
                  <td>{formatDateTime(p.createdAt)}</td>
                  <td>
                    {props.canManage ? (
                      <button
                        type="button"
                        className="button button-danger"
                        disabled={remove.isPending}
                        onClick={() => {
                          if (
                            window.confirm(
                              'Remove this policy? Transfers asked for from now on no longer wait for it; those waiting still do.',
                            )
                          ) {
                            remove.mutate(p.id);
                          }
                        }}
                      >
                        Remove
                        <span className="visually-hidden">
                          {' '}
                          the policy from {formatMoney(p.thresholdAmount, p.thresholdCurrency)}
                        </span>
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {props.canManage ? (
        <form
          className="inline-form"
          onSubmit={submit}
          aria-labelledby="new-policy-title"
          noValidate
        >
          <h3 id="new-policy-title">Add a policy</h3>
          <div className="form-row">
            <div className="field">
              <label htmlFor="policy-threshold">From (amount)</label>
              <input
                id="policy-threshold"
                inputMode="decimal"
                required
                aria-invalid={Boolean(problems.get('thresholdAmount'))}
                aria-describedby={`policy-threshold-hint${problems.get('thresholdAmount') ? ' policy-thresholdAmount-problem' : ''}`}
                value={threshold}
                onChange={(e) => setThreshold(e.target.value)}
              />
              <span id="policy-threshold-hint" className="muted small">
                In currency units, up to {minorDigits(code)} decimals
              </span>
              {problem('thresholdAmount')}
            </div>
            <div className="field">
              <label htmlFor="policy-currency">Currency</label>
              <input
                id="policy-currency"
                maxLength={3}
                required
                aria-invalid={Boolean(problems.get('thresholdCurrency'))}
                value={currency}
                onChange={(e) => setCurrency(e.target.value)}
              />
              {problem('thresholdCurrency')}
            </div>
            <div className="field">
              <label htmlFor="policy-scope">Applies to</label>
              <select
                id="policy-scope"
                value={scope}
                onChange={(e) => setScope(e.target.value as 'every' | 'one')}
              >
                <option value="every">Every entity</option>
                <option value="one">One entity</option>
              </select>
            </div>
            {scope === 'one' ? (
              <div className="field field-grow">
                <label htmlFor="policy-entity">Entity</label>
                {entities.data ? (
                  <EntityPicker
                    id="policy-entity"
                    entities={entities.data}
                    value={entityId}
                    onChange={setEntityId}
                  />
                ) : entities.error ? (
                  <ErrorNotice error={entities.error} />
                ) : (
                  <span className="muted small" role="status">
                    Loading the entities…
                  </span>
                )}
                {problem('entityId')}
              </div>
            ) : null}
            <div className="field">
              <label htmlFor="policy-approvals">Approvals needed</label>
              <select
                id="policy-approvals"
                value={approvals}
                onChange={(e) => setApprovals(e.target.value)}
              >
                {[1, 2, 3, 4, 5].map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="policy-role">Approved by</label>
              <select
                id="policy-role"
                value={role}
                onChange={(e) => setRole(e.target.value as ApproverRole)}
              >
                <option value="admin">{ROLE_LABEL.admin}</option>
                <option value="editor">{ROLE_LABEL.editor}</option>
              </select>
            </div>
            <div className="field field-grow">
              <label htmlFor="policy-description">Description</label>
              <input
                id="policy-description"
                maxLength={200}
                value={description}
                onChange={(e) => setDescription(e.target.value)}
              />
            </div>
            <label className="field-check">
              <input
                type="checkbox"
                checked={onlyCurrency}
                onChange={(e) => setOnlyCurrency(e.target.checked)}
              />
              Only transfers in this currency
            </label>
            <button type="submit" className="button button-primary" disabled={create.isPending}>
              Add policy
            </button>
          </div>
          {create.error && problems.size === 0 ? (
            <ErrorNotice error={create.error} title="The policy was not added" />
          ) : null}
        </form>
      ) : (
        <p className="muted small">Only administrators add and remove approval policies.</p>
      )}
    </Panel>
  );
}
