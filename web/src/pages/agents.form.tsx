import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import type { Agent } from '../api/types.ts';
import { Dialog } from '../components/dialog.tsx';
import { Field, FormError, TextField, fieldProblems } from '../components/form.tsx';
import { majorToMinor, shiftDecimal, minorDigits } from '../format.ts';

/** The read-only platform tools an LLM agent may be given (src/agents/agents.dto.ts). */
const TOOLS = ['list_ventures', 'get_workflow', 'search_workflow_executions'] as const;
const TIERS = ['worker', 'manager', 'strategist', 'maestro'] as const;

interface Connection {
  name: string;
  kind: string;
  models: { id: string }[];
}

interface Draft {
  botId: string;
  name: string;
  kind: 'llm' | 'code' | 'webhook';
  tier: string;
  capabilities: string;
  maxConcurrentTasks: string;
  timeoutSeconds: string;
  backupAgents: string;
  requiresApproval: boolean;
  enabled: boolean;
  connection: string;
  model: string;
  systemPrompt: string;
  tools: string[];
  handler: string;
  webhookUrl: string;
  budgetTokens: string;
  budgetAmount: string;
  budgetCurrency: string;
}

const list = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

function draftOf(agent: Agent | undefined): Draft {
  const currency = agent?.budget?.currency ?? 'USD';
  return {
    botId: agent?.botId ?? '',
    name: agent?.name ?? '',
    kind: agent?.kind ?? 'llm',
    tier: agent?.tier ?? 'worker',
    capabilities: agent?.capabilities.join(', ') ?? '',
    maxConcurrentTasks: String(agent?.maxConcurrentTasks ?? 1),
    timeoutSeconds: String((agent?.timeout ?? 60_000) / 1000),
    backupAgents: agent?.backupAgents.join(', ') ?? '',
    requiresApproval: agent?.requiresApproval ?? false,
    enabled: agent?.enabled ?? true,
    connection: agent?.llm?.connection ?? '',
    model: agent?.llm?.model ?? '',
    systemPrompt: agent?.llm?.systemPrompt ?? '',
    tools: agent?.llm?.tools ?? [],
    handler: agent?.handler ?? '',
    webhookUrl: agent?.webhookUrl ?? '',
    budgetTokens: agent?.budget?.tokens ?? '',
    budgetAmount: agent?.budget?.amount
      ? shiftDecimal(agent.budget.amount, minorDigits(currency))
      : '',
    budgetCurrency: currency,
  };
}

/** The API's body from the form; a money budget typed in major units becomes minor units. */
function bodyOf(draft: Draft, creating: boolean): Record<string, unknown> {
  const budget: Record<string, string> = {};
  if (draft.budgetTokens.trim()) budget.tokens = draft.budgetTokens.trim();
  if (draft.budgetAmount.trim()) {
    const currency = draft.budgetCurrency.trim().toUpperCase();
    budget.amount = majorToMinor(draft.budgetAmount, currency) ?? draft.budgetAmount.trim();
    budget.currency = currency;
  }
  return {
    ...(creating ? { botId: draft.botId.trim(), kind: draft.kind } : {}),
    name: draft.name.trim(),
    tier: draft.tier,
    capabilities: list(draft.capabilities),
    maxConcurrentTasks: Number(draft.maxConcurrentTasks),
    timeout: Math.round(Number(draft.timeoutSeconds) * 1000),
    backupAgents: list(draft.backupAgents),
    requiresApproval: draft.requiresApproval,
    enabled: draft.enabled,
    ...(draft.kind === 'llm'
      ? {
          llm: {
            ...(draft.connection ? { connection: draft.connection } : { provider: 'builtin' }),
            ...(draft.model.trim() ? { model: draft.model.trim() } : {}),
            ...(draft.systemPrompt.trim() ? { systemPrompt: draft.systemPrompt } : {}),
            tools: draft.tools,
          },
        }
      : {}),
    ...(draft.kind === 'code' ? { handler: draft.handler.trim() } : {}),
    ...(draft.kind === 'webhook' ? { webhookUrl: draft.webhookUrl.trim() } : {}),
    ...(Object.keys(budget).length ? { budget } : {}),
  };
}

/**
 * Registers an agent or changes one: who it is, what it can do (capabilities), how much at
 * once, its backups, approvals, and for an AI agent the provider connection, model, prompt,
 * tools and budget. The server checks the whole definition and names each problem.
 */
export function AgentFormDialog(props: { open: boolean; onClose: () => void; agent?: Agent }) {
  const creating = !props.agent;
  const [draft, setDraft] = useState<Draft>(() => draftOf(props.agent));
  const set = (changes: Partial<Draft>) => setDraft((d) => ({ ...d, ...changes }));
  const connections = useQuery({
    queryKey: ['agents', 'connections'],
    queryFn: () => api.get<Connection[]>('/api/v1/agents/connections'),
    enabled: props.open && draft.kind === 'llm',
    retry: false,
  });
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () =>
      creating
        ? api.post<Agent>('/api/v1/agents', bodyOf(draft, true))
        : api.patch<Agent>(
            `/api/v1/agents/by/${encodeURIComponent(props.agent!.botId)}`,
            bodyOf(draft, false),
          ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['agents'] });
      props.onClose();
    },
  });
  const problems = fieldProblems(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const close = () => {
    save.reset();
    setDraft(draftOf(props.agent));
    props.onClose();
  };
  const models = connections.data?.find((c) => c.name === draft.connection)?.models ?? [];

  return (
    <Dialog
      id="agent-form"
      title={creating ? 'Register an agent' : `Edit ${props.agent!.name}`}
      open={props.open}
      onClose={close}
    >
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <TextField
            id="agent-name"
            label="Name"
            problem={problems.get('name')}
            required
            value={draft.name}
            onChange={(v) => set({ name: v })}
          />
          {creating ? (
            <TextField
              id="agent-bot-id"
              label="Bot id"
              hint="Lower case, digits and dashes; it cannot change"
              problem={problems.get('botId')}
              required
              value={draft.botId}
              onChange={(v) => set({ botId: v })}
            />
          ) : null}
          {creating ? (
            <Field id="agent-kind" label="Kind" problem={problems.get('kind')}>
              {(aria) => (
                <select
                  {...aria}
                  value={draft.kind}
                  onChange={(e) => set({ kind: e.target.value as Draft['kind'] })}
                >
                  <option value="llm">AI model</option>
                  <option value="code">Code handler</option>
                  <option value="webhook">Webhook</option>
                </select>
              )}
            </Field>
          ) : null}
          <Field id="agent-tier" label="Tier" problem={problems.get('tier')}>
            {(aria) => (
              <select {...aria} value={draft.tier} onChange={(e) => set({ tier: e.target.value })}>
                {TIERS.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <TextField
            id="agent-capabilities"
            label="Capabilities"
            hint="What it can do, separated by commas: tasks are routed by these"
            problem={problems.get('capabilities')}
            required
            value={draft.capabilities}
            onChange={(v) => set({ capabilities: v })}
          />
          <Field
            id="agent-parallel"
            label="Tasks at once"
            problem={problems.get('maxConcurrentTasks')}
          >
            {(aria) => (
              <input
                {...aria}
                type="number"
                min={1}
                value={draft.maxConcurrentTasks}
                onChange={(e) => set({ maxConcurrentTasks: e.target.value })}
              />
            )}
          </Field>
          <Field id="agent-timeout" label="Time limit (seconds)" problem={problems.get('timeout')}>
            {(aria) => (
              <input
                {...aria}
                type="number"
                min={0.01}
                step="any"
                value={draft.timeoutSeconds}
                onChange={(e) => set({ timeoutSeconds: e.target.value })}
              />
            )}
          </Field>
          <TextField
            id="agent-backups"
            label="Backup agents"
            hint="Bot ids tried in order when this one fails"
            problem={problems.get('backupAgents')}
            value={draft.backupAgents}
            onChange={(v) => set({ backupAgents: v })}
          />
          {draft.kind === 'llm' ? (
            <>
              <Field
                id="agent-connection"
                label="Provider connection"
                problem={problems.get('connection')}
              >
                {(aria) => (
                  <select
                    {...aria}
                    value={draft.connection}
                    onChange={(e) => set({ connection: e.target.value })}
                  >
                    <option value="">Built-in offline demo (no model)</option>
                    {(connections.data ?? []).map((c) => (
                      <option key={c.name} value={c.name}>
                        {c.name} ({c.kind})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {draft.connection ? (
                <Field id="agent-model" label="Model" problem={problems.get('model')}>
                  {(aria) => (
                    <>
                      <input
                        {...aria}
                        list="agent-model-list"
                        value={draft.model}
                        onChange={(e) => set({ model: e.target.value })}
                      />
                      <datalist id="agent-model-list">
                        {models.map((m) => (
                          <option key={m.id} value={m.id} />
                        ))}
                      </datalist>
                    </>
                  )}
                </Field>
              ) : null}
            </>
          ) : null}
          {draft.kind === 'code' ? (
            <TextField
              id="agent-handler"
              label="Handler"
              problem={problems.get('handler')}
              value={draft.handler}
              onChange={(v) => set({ handler: v })}
            />
          ) : null}
          {draft.kind === 'webhook' ? (
            <TextField
              id="agent-webhook"
              label="Webhook URL"
              problem={problems.get('webhookUrl')}
              type="url"
              value={draft.webhookUrl}
              onChange={(v) => set({ webhookUrl: v })}
            />
          ) : null}
          <TextField
            id="agent-budget-tokens"
            label="Token budget"
            hint="Empty: no limit"
            problem={problems.get('tokens')}
            inputMode="numeric"
            value={draft.budgetTokens}
            onChange={(v) => set({ budgetTokens: v })}
          />
          <Field
            id="agent-budget-amount"
            label={`Money budget (${draft.budgetCurrency || 'currency'})`}
            hint="In currency units; empty: no limit"
            problem={problems.get('amount') ?? problems.get('currency') ?? problems.get('budget')}
          >
            {(aria) => (
              <div className="input-pair">
                <input
                  {...aria}
                  inputMode="decimal"
                  value={draft.budgetAmount}
                  onChange={(e) => set({ budgetAmount: e.target.value })}
                />
                <input
                  aria-label="Budget currency"
                  maxLength={3}
                  size={4}
                  value={draft.budgetCurrency}
                  onChange={(e) => set({ budgetCurrency: e.target.value.toUpperCase() })}
                />
              </div>
            )}
          </Field>
        </div>
        {draft.kind === 'llm' ? (
          <>
            <Field id="agent-prompt" label="System prompt" problem={problems.get('systemPrompt')}>
              {(aria) => (
                <textarea
                  {...aria}
                  rows={3}
                  value={draft.systemPrompt}
                  placeholder="You are a helpful agent of IZA OS."
                  onChange={(e) => set({ systemPrompt: e.target.value })}
                />
              )}
            </Field>
            <fieldset className="checks">
              <legend>Tools it may call (read-only)</legend>
              {TOOLS.map((tool) => (
                <label key={tool} className="field-check">
                  <input
                    type="checkbox"
                    checked={draft.tools.includes(tool)}
                    onChange={(e) =>
                      set({
                        tools: e.target.checked
                          ? [...draft.tools, tool]
                          : draft.tools.filter((t) => t !== tool),
                      })
                    }
                  />
                  <code>{tool}</code>
                </label>
              ))}
            </fieldset>
          </>
        ) : null}
        <div className="form-row">
          <label className="field-check">
            <input
              type="checkbox"
              checked={draft.requiresApproval}
              onChange={(e) => set({ requiresApproval: e.target.checked })}
            />
            Its tasks wait for a person's approval
          </label>
          <label className="field-check">
            <input
              type="checkbox"
              checked={draft.enabled}
              onChange={(e) => set({ enabled: e.target.checked })}
            />
            Enabled
          </label>
        </div>
        {problems.size === 0 ? <FormError error={save.error} /> : null}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : creating ? 'Register agent' : 'Save changes'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
