import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import type { Agent, AgentTask } from '../api/types.ts';
import { Dialog } from '../components/dialog.tsx';
import { Field, FormError, fieldProblems } from '../components/form.tsx';
import { StateBadge } from '../components/ui.tsx';
import { formatDateTime } from '../format.ts';

const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;

type TaskDetail = AgentTask & { log: { seq: number; kind: string; text: string; at: string }[] };
interface Message {
  messageId: string;
  senderAgent: string;
  recipientAgent: string;
  messageType: string;
  payload: unknown;
  timestamp: string;
  taskId: string | null;
}

/** Input typed as JSON stays JSON; anything else is sent as text. */
function inputOf(text: string): unknown {
  const trimmed = text.trim();
  if (/^[[{"]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Sends a task to the agents: by capabilities (the router picks among the agents that have
 * them all) or to one agent, with a priority and an optional approval step; then opens it.
 */
export function DispatchDialog(props: {
  open: boolean;
  onClose: () => void;
  agents: Agent[];
  onDispatched: (taskId: string) => void;
}) {
  const [capabilities, setCapabilities] = useState('');
  const [agent, setAgent] = useState('');
  const [priority, setPriority] = useState<(typeof PRIORITIES)[number]>('medium');
  const [input, setInput] = useState('');
  const [approval, setApproval] = useState(false);
  const queryClient = useQueryClient();
  const dispatch = useMutation({
    mutationFn: () =>
      api.post<AgentTask>('/api/v1/agents/tasks', {
        capabilities: capabilities
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean),
        ...(agent ? { agent } : {}),
        priority,
        input: inputOf(input),
        requiresApproval: approval,
      }),
    onSuccess: async (task) => {
      await queryClient.invalidateQueries({ queryKey: ['agents'] });
      props.onClose();
      props.onDispatched(task.id);
    },
  });
  const problems = fieldProblems(dispatch.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    dispatch.mutate();
  };
  const known = [...new Set(props.agents.flatMap((a) => a.capabilities))].sort();
  return (
    <Dialog
      id="dispatch-form"
      title="Dispatch a task"
      open={props.open}
      onClose={() => {
        dispatch.reset();
        props.onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field
            id="task-capabilities"
            label="Capabilities needed"
            hint={known.length ? `Known: ${known.join(', ')}` : undefined}
            problem={problems.get('capabilities')}
          >
            {(aria) => (
              <input
                {...aria}
                value={capabilities}
                onChange={(e) => setCapabilities(e.target.value)}
              />
            )}
          </Field>
          <Field id="task-agent" label="Or one agent" problem={problems.get('agent')}>
            {(aria) => (
              <select {...aria} value={agent} onChange={(e) => setAgent(e.target.value)}>
                <option value="">Any agent with the capabilities</option>
                {props.agents.map((a) => (
                  <option key={a.id} value={a.botId}>
                    {a.name} ({a.botId})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="task-priority" label="Priority" problem={problems.get('priority')}>
            {(aria) => (
              <select
                {...aria}
                value={priority}
                onChange={(e) => setPriority(e.target.value as (typeof PRIORITIES)[number])}
              >
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field
          id="task-input"
          label="Input"
          hint="Text, or JSON starting with { or ["
          problem={problems.get('input')}
        >
          {(aria) => (
            <textarea {...aria} rows={4} value={input} onChange={(e) => setInput(e.target.value)} />
          )}
        </Field>
        <label className="field-check">
          <input
            type="checkbox"
            checked={approval}
            onChange={(e) => setApproval(e.target.checked)}
          />
          Wait for a person's approval before it runs
        </label>
        {problems.size === 0 ? <FormError error={dispatch.error} /> : null}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={dispatch.isPending}>
            {dispatch.isPending ? 'Dispatching…' : 'Dispatch'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const show = (value: unknown) =>
  typeof value === 'string' ? value : JSON.stringify(value ?? null, null, 2);

/**
 * One task: its state, input, output or error, its log (attempts, retries, failovers, tool
 * calls) and the messages of its conversation (correlation id), refreshed while it runs.
 */
export function TaskDrawer(props: { taskId: string | null; onClose: () => void }) {
  const task = useQuery({
    queryKey: ['agents', 'task', props.taskId],
    queryFn: () => api.get<TaskDetail>(`/api/v1/agents/tasks/${props.taskId}`),
    enabled: Boolean(props.taskId),
    refetchInterval: (query) =>
      ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(query.state.data?.state ?? '')
        ? false
        : 2000,
  });
  const correlation = task.data?.correlationId;
  const messages = useQuery({
    queryKey: ['agents', 'messages', correlation],
    queryFn: () =>
      api.get<Message[]>(`/api/v1/agents/messages/${encodeURIComponent(correlation!)}`),
    enabled: Boolean(correlation),
    refetchInterval: task.data && !task.data.output && !task.data.error ? 2000 : false,
  });
  const t = task.data;
  return (
    <Dialog id="task-drawer" title="Task" open={props.taskId !== null} onClose={props.onClose}>
      {task.error ? <FormError error={task.error} /> : null}
      {t ? (
        <div className="task-detail">
          <p>
            <StateBadge state={t.state} good={['succeeded']} bad={['failed', 'timed_out']} />{' '}
            <span className="muted small">
              {t.priority} · {t.capabilities.join(', ') || 'no capability'} · created{' '}
              {formatDateTime(t.createdAt)} · {t.attempts} attempt(s)
              {t.reason ? ` · ${t.reason}` : ''}
            </span>
          </p>
          <h3 className="small-heading">Input</h3>
          <pre className="json-view">{show(t.input)}</pre>
          {t.output !== null && t.output !== undefined ? (
            <>
              <h3 className="small-heading">Output</h3>
              <pre className="json-view" data-testid="task-output">
                {show(t.output)}
              </pre>
            </>
          ) : null}
          {t.error ? (
            <div className="notice notice-error" role="alert">
              {show(t.error)}
            </div>
          ) : null}
          <h3 className="small-heading">Log</h3>
          <ol className="plain-list" data-testid="task-log">
            {t.log.map((line) => (
              <li key={line.seq}>
                <span className="muted small">{formatDateTime(line.at)}</span>{' '}
                <strong>{line.kind}</strong> {line.text}
              </li>
            ))}
          </ol>
          <h3 className="small-heading">Messages</h3>
          <ol className="plain-list" data-testid="task-messages">
            {(messages.data ?? [])
              .filter((m) => m.taskId === null || m.taskId === t.id)
              .map((m) => (
                <li key={m.messageId}>
                  <span className="muted small">{formatDateTime(m.timestamp)}</span>{' '}
                  <strong>{m.messageType}</strong> {m.senderAgent} → {m.recipientAgent}
                  <pre className="json-view small">{show(m.payload)}</pre>
                </li>
              ))}
          </ol>
        </div>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </Dialog>
  );
}
