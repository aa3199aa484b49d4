import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessWorld, LOCAL_TOKEN, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

/**
 * The agents' REST API on the real app: the registry, dispatch, approvals, cancellation,
 * traces and metrics, permissions and organisation isolation, errors in the envelope. This app
 * works no jobs, so tasks stay queued: execution is covered by agents-router and agents-llm.
 */
describe.each(storages)('agents over HTTP on $name', { timeout: 60_000 }, (storage) => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let admin: Record<string, string>;
  let editor: Record<string, string>;
  let viewer: Record<string, string>;
  let otherAdmin: Record<string, string>;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
    const auth = (role: string) => ({
      authorization: w.callers.find((c) => c.role === role)!.authorization!,
    });
    admin = auth('admin');
    editor = auth('editor');
    viewer = auth('viewer');
    otherAdmin = auth('other-org-admin');
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  const agent = {
    botId: 'site-analyst',
    name: 'Site analyst',
    kind: 'llm',
    tier: 'worker',
    capabilities: ['site-analysis'],
    dependencies: [],
    healthCheck: 'none',
    maxConcurrentTasks: 2,
    timeout: 30_000,
    retryPolicy: { maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 1000 },
    llm: { provider: 'builtin' },
    budget: { tokens: '100000', amount: 500, currency: 'USD' },
  };

  it('registers, lists, shows, changes and removes agents (manage_bots), audited', async () => {
    const refused = await w.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: editor,
      payload: agent,
    });
    expect(refused.statusCode).toBe(403);
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: admin,
      payload: agent,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data).toMatchObject({
      botId: 'site-analyst',
      source: 'api',
      llm: { provider: 'builtin', offlineDemo: true },
      budget: { tokens: '100000', amount: '500', currency: 'USD' },
      live: { running: 0, breaker: 'closed' },
    });
    const dup = await w.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: admin,
      payload: agent,
    });
    expect(dup.statusCode).toBe(409);

    const list = await w.inject({ method: 'GET', url: '/api/v1/agents', headers: viewer });
    expect(list.json().data.map((a: { botId: string }) => a.botId)).toEqual(['site-analyst']);
    const other = await w.inject({ method: 'GET', url: '/api/v1/agents', headers: otherAdmin });
    expect(other.json().data).toEqual([]);
    const hidden = await w.inject({
      method: 'GET',
      url: '/api/v1/agents/by/site-analyst',
      headers: otherAdmin,
    });
    expect(hidden.statusCode).toBe(404);

    const patch = await w.inject({
      method: 'PATCH',
      url: '/api/v1/agents/by/site-analyst',
      headers: admin,
      payload: { maxConcurrentTasks: 4 },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    // The fields left out keep their values (no defaults over them).
    expect(patch.json().data).toMatchObject({
      maxConcurrentTasks: 4,
      retryPolicy: { maxAttempts: 2 },
      timeout: 30_000,
    });

    const temp = await w.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: admin,
      payload: { botId: 'temp', name: 'Temp', kind: 'code', handler: 'echo', capabilities: ['x'] },
    });
    expect(temp.statusCode).toBe(201);
    const del = await w.inject({ method: 'DELETE', url: '/api/v1/agents/by/temp', headers: admin });
    expect(del.statusCode).toBe(200);

    const audit = w.access.audit;
    const entries = await audit.list(w.orgA, { entityType: 'agent' });
    expect(entries.entries.map((e) => e.action).sort()).toEqual([
      'agents.agent.create',
      'agents.agent.create',
      'agents.agent.delete',
      'agents.agent.update',
    ]);
  });

  it('answers bad definitions with the field at fault in the envelope', async () => {
    const noLlm = await w.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: admin,
      payload: { botId: 'bad', name: 'Bad', kind: 'llm', capabilities: ['x'] },
    });
    expect(noLlm.statusCode).toBe(400);
    expect(noLlm.json()).toMatchObject({ success: false, error: { code: 'validation_failed' } });
    expect(noLlm.json().error.message).toMatch(/llm is required/);
    const noHandler = await w.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: admin,
      payload: { botId: 'bad2', name: 'Bad', kind: 'code', handler: 'nope', capabilities: ['x'] },
    });
    expect(noHandler.json().error.message).toMatch(/"nope" is not a code agent handler/);
    const shape = await w.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: admin,
      payload: { botId: 'Bad Id', name: '', kind: 'robot', capabilities: [] },
    });
    expect(shape.statusCode).toBe(400);
    expect(JSON.stringify(shape.json().error.details)).toMatch(/botId/);
    const money = await w.inject({
      method: 'POST',
      url: '/api/v1/agents/tasks',
      headers: editor,
      payload: { capabilities: ['site-analysis'], input: 'x', budget: { amount: 1.5 } },
    });
    expect(money.statusCode).toBe(400);
  });

  it('dispatches, lists, shows, cancels tasks and traces their messages', async () => {
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/agents/tasks',
      headers: editor,
      payload: {
        capabilities: ['site-analysis'],
        priority: 'high',
        input: { url: 'https://example.com' },
        correlationId: 'conv-http',
        budget: { tokens: 5000, amount: '25', currency: 'USD' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const task = res.json().data;
    expect(task).toMatchObject({
      state: 'queued',
      priority: 'high',
      budget: { tokens: '5000', amount: '25' },
    });

    const none = await w.inject({
      method: 'POST',
      url: '/api/v1/agents/tasks',
      headers: editor,
      payload: { capabilities: ['quantum'], input: null },
    });
    expect(none.json().data).toMatchObject({ state: 'failed', reason: 'no_capable_agent' });

    const empty = await w.inject({
      method: 'POST',
      url: '/api/v1/agents/tasks',
      headers: editor,
      payload: { input: 1 },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toMatch(/capabilities must name at least one/);

    const list = await w.inject({
      method: 'GET',
      url: '/api/v1/agents/tasks?state=queued',
      headers: viewer,
    });
    expect(list.json().data.map((t: { id: string }) => t.id)).toContain(task.id);
    const show = await w.inject({
      method: 'GET',
      url: `/api/v1/agents/tasks/${task.id}`,
      headers: viewer,
    });
    expect(show.json().data).toMatchObject({ id: task.id, log: [] });
    const foreign = await w.inject({
      method: 'GET',
      url: `/api/v1/agents/tasks/${task.id}`,
      headers: otherAdmin,
    });
    expect(foreign.statusCode).toBe(404);

    const cancel = await w.inject({
      method: 'POST',
      url: `/api/v1/agents/tasks/${task.id}/cancel`,
      headers: editor,
      payload: {},
    });
    expect(cancel.json().data).toMatchObject({ state: 'cancelled', reason: 'cancelled' });
    const again = await w.inject({
      method: 'POST',
      url: `/api/v1/agents/tasks/${task.id}/cancel`,
      headers: editor,
      payload: {},
    });
    expect(again.statusCode).toBe(409);

    const trace = await w.inject({
      method: 'GET',
      url: '/api/v1/agents/messages/conv-http',
      headers: viewer,
    });
    expect(trace.json().data.map((m: { messageType: string }) => m.messageType)).toEqual([
      'task',
      'status',
    ]);
    expect(trace.json().data[0]).toMatchObject({
      senderAgent: expect.stringMatching(/^user:/),
      recipientAgent: 'router',
      priority: 'high',
      correlationId: 'conv-http',
      payload: { capabilities: ['site-analysis'], input: { url: 'https://example.com' } },
    });
  });

  it('holds a task for approval; only manage_bots decides', async () => {
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/agents/tasks',
      headers: editor,
      payload: { capabilities: ['site-analysis'], input: 'deploy', requiresApproval: true },
    });
    const task = res.json().data;
    expect(task).toMatchObject({ state: 'waiting', reason: 'approval' });
    const byEditor = await w.inject({
      method: 'POST',
      url: `/api/v1/agents/tasks/${task.id}/approve`,
      headers: editor,
      payload: {},
    });
    expect(byEditor.statusCode).toBe(403);
    const ok = await w.inject({
      method: 'POST',
      url: `/api/v1/agents/tasks/${task.id}/approve`,
      headers: admin,
      payload: { note: 'go' },
    });
    expect(ok.json().data).toMatchObject({
      state: 'queued',
      approvedBy: expect.stringMatching(/^user:/),
    });
    const entries = await w.access.audit.list(w.orgA, {
      entityType: 'agent_task',
      entityId: task.id,
    });
    expect(entries.entries.map((e) => e.action).sort()).toEqual([
      'agents.task.approve',
      'agents.task.dispatch',
    ]);
  });

  it('reports metrics per agent in the API and in /metrics', async () => {
    const res = await w.inject({ method: 'GET', url: '/api/v1/agents/metrics', headers: viewer });
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data.agents.find((a: { botId: string }) => a.botId === 'site-analyst')).toMatchObject({
      breaker: 'closed',
      tokens: '0',
      costMicro: '0',
    });
    expect(data.organisation.queued).toBeGreaterThanOrEqual(1);
    const prom = await w.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${LOCAL_TOKEN}` },
    });
    expect(prom.body).toContain('iza_agent_tasks_total');
    expect(prom.body).toContain('iza_agent_breaker_state');
    const docs = await w.inject({ method: 'GET', url: '/docs/json' });
    expect(Object.keys(docs.json().paths)).toContain('/api/v1/agents/tasks/{id}/approve');
  });
});
