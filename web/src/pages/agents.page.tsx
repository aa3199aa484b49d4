import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { useFirstAnswers, useMe } from '../api/queries.ts';
import type { Agent, AgentMetrics, AgentTask } from '../api/types.ts';
import {
  Empty,
  ErrorNotice,
  Figure,
  Loading,
  PageHeader,
  Panel,
  ChoiceFilter,
  StateBadge,
} from '../components/ui.tsx';
import { formatBasisPoints, formatCount, formatDateTime } from '../format.ts';
import { AgentFormDialog } from './agents.form.tsx';
import { DispatchDialog, TaskDrawer } from './agents.tasks.tsx';
import { Decision, useWaitingForMe, WaitingForYou, waitsForPerson } from './waiting.tsx';

const TASK_STATES = [
  'queued',
  'assigned',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
] as const;

const keys = {
  agents: ['agents', 'list'] as const,
  metrics: ['agents', 'metrics'] as const,
  tasks: (state: string) => ['agents', 'tasks', state] as const,
};

/** A ratio (0..1) as a percentage, through basis points so formatting stays exact. */
function rate(value: number | null): string {
  return value === null ? '—' : formatBasisPoints(Math.round(value * 10_000), 1);
}

/**
 * The agents of the organisation (registry, live load, breaker, outcomes, tokens) and their
 * recent tasks, with approval of the tasks waiting for it. Everything is read from
 * `/api/v1/agents`; refreshed every 10 seconds.
 */
export function AgentsPage() {
  const [state, setState] = useState('');
  const role = useMe().data?.role;
  const canDecide = role === 'admin';
  const canDispatch = role === 'admin' || role === 'editor';
  const [dialog, setDialog] = useState<'register' | 'dispatch' | null>(null);
  const [editing, setEditing] = useState<Agent | null>(null);
  const [openTask, setOpenTask] = useState<string | null>(null);
  const agents = useQuery({
    queryKey: keys.agents,
    queryFn: ({ signal }) => api.get<Agent[]>('/api/v1/agents', { signal }),
    refetchInterval: 10_000,
  });
  const metrics = useQuery({
    queryKey: keys.metrics,
    queryFn: ({ signal }) => api.get<AgentMetrics>('/api/v1/agents/metrics', { signal }),
    refetchInterval: 10_000,
  });
  const tasks = useQuery({
    queryKey: keys.tasks(state),
    queryFn: ({ signal }) =>
      api.get<AgentTask[]>('/api/v1/agents/tasks', {
        query: { limit: 25, state: state || undefined },
        signal,
      }),
    refetchInterval: 10_000,
  });
  const byAgent = new Map((metrics.data?.agents ?? []).map((m) => [m.agentId, m]));
  const names = new Map((agents.data ?? []).map((a) => [a.id, a.name]));
  // The banner of what waits for you, the agents and the tasks show in one paint: the banner or
  // the agents' figures arriving later would push the panels below them down (layout shifts).
  const ready = useFirstAnswers([useWaitingForMe().settled, agents, metrics, tasks]);

  return (
    <>
      <PageHeader
        title="Agents"
        intro="AI, code and webhook agents: who can take which tasks, how loaded and healthy they are, and what they did."
        actions={
          <>
            {canDecide ? (
              <button type="button" className="button" onClick={() => setDialog('register')}>
                Register agent
              </button>
            ) : null}
            {canDispatch ? (
              <button
                type="button"
                className="button button-primary"
                onClick={() => setDialog('dispatch')}
              >
                Dispatch task
              </button>
            ) : null}
          </>
        }
      />
      <AgentFormDialog open={dialog === 'register'} onClose={() => setDialog(null)} />
      {editing ? (
        <AgentFormDialog
          key={editing.updatedAt}
          open
          agent={editing}
          onClose={() => setEditing(null)}
        />
      ) : null}
      <DispatchDialog
        open={dialog === 'dispatch'}
        onClose={() => setDialog(null)}
        agents={agents.data ?? []}
        onDispatched={setOpenTask}
      />
      <TaskDrawer taskId={openTask} onClose={() => setOpenTask(null)} />
      {ready ? (
        <>
          <WaitingForYou canDecide={canDecide} />
          <Panel title="Agents" id="agents">
            {agents.isPending ? <Loading /> : null}
            {agents.error ? <ErrorNotice error={agents.error} /> : null}
            {metrics.data ? (
              <dl className="figures">
                <Figure
                  label="Agents"
                  value={formatCount(agents.data?.length ?? 0)}
                  metric="agents.count"
                />
                <Figure
                  label="Tasks queued"
                  value={formatCount(metrics.data.organisation.queued)}
                  metric="agents.queued"
                />
                <Figure
                  label="Tokens used"
                  value={formatCount(metrics.data.organisation.tokens)}
                  metric="agents.tokens"
                />
              </dl>
            ) : null}
            {agents.data && agents.data.length === 0 ? (
              <Empty title="No agent is registered yet.">
                <p>
                  Register one here, with declarative files (<code>agents/*.yaml</code> with{' '}
                  <code>IZA_AGENTS_FOLDER</code>) or with the <code>iza agent</code> command.
                </p>
                {canDecide ? (
                  <p>
                    <button
                      type="button"
                      className="button button-primary"
                      onClick={() => setDialog('register')}
                    >
                      Register agent
                    </button>
                  </p>
                ) : null}
              </Empty>
            ) : null}
            {agents.data && agents.data.length > 0 ? (
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Agents">
                <table className="data-table">
                  <caption className="visually-hidden">Agents with their load and outcomes</caption>
                  <thead>
                    <tr>
                      <th scope="col">Agent</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Capabilities</th>
                      <th scope="col">Breaker</th>
                      <th scope="col">Health</th>
                      <th scope="col" className="num">
                        Running
                      </th>
                      <th scope="col" className="num">
                        Succeeded
                      </th>
                      <th scope="col" className="num">
                        Failed
                      </th>
                      <th scope="col" className="num">
                        Error rate
                      </th>
                      <th scope="col" className="num">
                        p50
                      </th>
                      <th scope="col" className="num">
                        Tokens
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {agents.data.map((agent) => {
                      const m = byAgent.get(agent.id);
                      const breaker = m?.breaker ?? agent.live?.breaker ?? 'closed';
                      return (
                        <tr key={agent.id} data-agent={agent.botId}>
                          <th scope="row">
                            {agent.name}
                            <div className="muted small">
                              <code>{agent.botId}</code> · {agent.tier}
                              {agent.enabled ? '' : ' · disabled'}
                            </div>
                            {canDecide && agent.source === 'api' ? (
                              <button
                                type="button"
                                className="button button-quiet small"
                                onClick={() => setEditing(agent)}
                              >
                                Edit<span className="visually-hidden"> {agent.name}</span>
                              </button>
                            ) : null}
                          </th>
                          <td>
                            {agent.kind === 'llm'
                              ? `${agent.llm?.provider ?? 'llm'} ${agent.llm?.model ?? ''}`
                              : agent.kind}
                            {agent.llm?.offlineDemo ? (
                              <span className="badge" title="Deterministic built-in provider">
                                offline demo
                              </span>
                            ) : null}
                          </td>
                          <td>{agent.capabilities.join(', ') || '—'}</td>
                          <td>
                            <StateBadge
                              state={breaker}
                              good={['closed']}
                              bad={['open', 'half_open']}
                            />
                          </td>
                          <td title={agent.health.detail ?? undefined}>
                            <StateBadge
                              state={agent.health.state}
                              good={['healthy']}
                              bad={['unhealthy']}
                            />
                            {agent.health.detail ? (
                              <div className="muted small">{agent.health.detail}</div>
                            ) : null}
                          </td>
                          <td className="num">
                            {formatCount(m?.running ?? agent.live?.running ?? 0)} /{' '}
                            {formatCount(agent.maxConcurrentTasks)}
                          </td>
                          <td className="num" data-metric={`agent.${agent.botId}.succeeded`}>
                            {formatCount(m?.tasks.succeeded ?? 0)}
                          </td>
                          <td className="num">{formatCount(m?.tasks.failed ?? 0)}</td>
                          <td className="num">{rate(m?.errorRate ?? null)}</td>
                          <td className="num nowrap">
                            {m?.latencyMsP50 === null || m?.latencyMsP50 === undefined
                              ? '—'
                              : `${formatCount(m.latencyMsP50)} ms`}
                          </td>
                          <td className="num">{formatCount(m?.tokens ?? '0')}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            ) : null}
          </Panel>

          <Panel
            title="Recent tasks"
            id="tasks"
            actions={
              <ChoiceFilter
                id="task-state"
                label="State"
                value={state}
                choices={TASK_STATES}
                onChange={setState}
              />
            }
          >
            {tasks.isPending ? <Loading /> : null}
            {tasks.error ? <ErrorNotice error={tasks.error} /> : null}
            {tasks.data && tasks.data.length === 0 ? (
              <Empty title={state ? `No ${state} task.` : 'No task yet.'}>
                {state ? (
                  <p>
                    <button type="button" className="button" onClick={() => setState('')}>
                      Show every task
                    </button>
                  </p>
                ) : canDispatch ? (
                  <p>
                    <button
                      type="button"
                      className="button button-primary"
                      onClick={() => setDialog('dispatch')}
                    >
                      Dispatch a task
                    </button>
                  </p>
                ) : null}
              </Empty>
            ) : null}
            {tasks.data && tasks.data.length > 0 ? (
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Recent tasks">
                <table className="data-table">
                  <caption className="visually-hidden">The 25 newest tasks</caption>
                  <thead>
                    <tr>
                      <th scope="col">Created</th>
                      <th scope="col">State</th>
                      <th scope="col">Priority</th>
                      <th scope="col">Capabilities</th>
                      <th scope="col">Agent</th>
                      <th scope="col" className="num">
                        Attempts
                      </th>
                      <th scope="col">Reason</th>
                      <th scope="col">Correlation</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {tasks.data.map((task) => (
                      <tr key={task.id} data-task={task.id} data-state={task.state}>
                        <td className="nowrap">
                          <button
                            type="button"
                            className="link-button"
                            onClick={() => setOpenTask(task.id)}
                          >
                            {formatDateTime(task.createdAt)}
                            <span className="visually-hidden"> (open the task)</span>
                          </button>
                        </td>
                        <td>
                          <StateBadge
                            state={task.state}
                            good={['succeeded']}
                            bad={['failed', 'timed_out']}
                          />
                        </td>
                        <td>{task.priority}</td>
                        <td>{task.capabilities.join(', ') || '—'}</td>
                        <td>{task.agentId ? (names.get(task.agentId) ?? task.agentId) : '—'}</td>
                        <td className="num">{task.attempts}</td>
                        <td>
                          {task.reason ?? task.error ?? '—'}
                          {task.pendingToolCalls?.map((call) => (
                            <div key={call.id} className="muted small">
                              <code>{call.tool}</code> {JSON.stringify(call.args)}
                            </div>
                          ))}
                        </td>
                        <td>
                          <code className="small">{task.correlationId}</code>
                        </td>
                        <td>
                          {waitsForPerson(task) && canDecide ? <Decision taskId={task.id} /> : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </Panel>
        </>
      ) : (
        <Loading />
      )}
    </>
  );
}
