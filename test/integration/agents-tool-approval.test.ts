import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerAgentRoutes, rowsOf } from '../../src/agents/index.ts';
import { portfolioServiceFor } from '../../src/portfolio/index.ts';
import { buildApp } from '../../src/server/index.ts';
import { sql } from 'drizzle-orm';
import { createAgentsWorld, type AgentsWorld } from '../fixtures/llm-agents-world.ts';
import { startLlmServer, type LlmServer } from '../fixtures/llm-server.ts';
import { storages } from '../helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';

/**
 * Human approval of individual tool calls: a real AI SDK client against the scripted loopback
 * model, the agents' REST routes on a real app over the same (working) service. A call of a
 * tool in `approveTools` pauses the task (`waiting` / `tool_approval`, checkpoint in the row);
 * approve runs it and the conversation goes on, reject tells the model it was rejected.
 */
describe.each(storages)('tool call approval on $name', { timeout: 60_000 }, (storage) => {
  let w: AgentsWorld;
  let llm: LlmServer;
  let app: FastifyInstance;
  let drop: () => Promise<void>;
  let admin: Record<string, string>;
  let editor: Record<string, string>;
  let viewer: Record<string, string>;
  let workflowId: string;
  let n = 0;

  beforeAll(async () => {
    llm = await startLlmServer();
    const created = await storage.create();
    drop = created.drop;
    w = await createAgentsWorld(created.target, {
      config: { prices: { 'test-model': { input: 15, output: 60, currency: 'USD' } } },
    });
    await portfolioServiceFor(w.kernel, w.access).createVenture(
      { orgId: w.orgId, ventureIds: null },
      { slug: 'alpha', name: 'Alpha Shop', category: 'ecommerce', stage: 'launched' },
    );
    workflowId = (await w.createWorkflow('Invoice reminder')).id;
    app = await buildApp({
      kernel: w.kernel,
      access: w.access,
      modules: [{ name: 'agents', routes: (a) => registerAgentRoutes(a, w.agents) }],
      webRoot: '/nonexistent/iza-web/',
    });
    for (const role of ['editor', 'viewer'] as const) {
      await w.access.users.addMember(
        w.orgId,
        { email: `${role}@agents.test`, name: role, password: PASSWORD, role },
        'system',
      );
    }
    const bearer = async (email: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: PASSWORD },
      });
      return { authorization: `Bearer ${res.json().data.accessToken as string}` };
    };
    admin = await bearer('admin@agents.test');
    editor = await bearer('editor@agents.test');
    viewer = await bearer('viewer@agents.test');
  });
  afterAll(async () => {
    await app?.close();
    await w?.close();
    await drop?.();
    await llm?.close();
  });
  beforeEach(() => {
    n += 1;
  });

  async function llmAgent(llmExtra: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: admin,
      payload: {
        botId: `approver-${n}`,
        name: `Approver ${n}`,
        kind: 'llm',
        capabilities: [`cap-${n}`],
        retryPolicy: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 50 },
        timeout: 5000,
        llm: {
          provider: 'openai-compatible',
          model: 'test-model',
          baseUrl: llm.url,
          tools: ['list_ventures', 'get_workflow', 'search_workflow_executions'],
          ...llmExtra,
        },
        ...extra,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { llm: { approveTools: string[] } };
  }
  async function dispatch(): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/agents/tasks',
      headers: editor,
      payload: { capabilities: [`cap-${n}`], input: 'Which ventures do we have?' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.id as string;
  }
  const getTask = async (id: string) => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/agents/tasks/${id}`,
      headers: viewer,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as Awaited<ReturnType<AgentsWorld['agents']['getTask']>>;
  };
  const decide = (
    id: string,
    verb: 'approve' | 'reject',
    payload: Record<string, unknown> = {},
    headers = admin,
  ) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/agents/tasks/${id}/${verb}`,
      headers,
      payload,
    });
  const messagesOf = (i: number) => llm.requests[i]!.body.messages as Record<string, unknown>[];

  it('pauses before a tool that needs approval; approve runs it and the model goes on', async () => {
    const agent = await llmAgent({ approveTools: ['list_ventures'], stream: false });
    expect(agent.llm.approveTools).toEqual(['list_ventures']);
    llm.script([
      {
        type: 'tool',
        name: 'list_ventures',
        args: { search: 'alpha' },
        usage: { input: 100, output: 10 },
      },
      {
        type: 'text',
        text: 'You have one venture, Alpha Shop.',
        usage: { input: 200, output: 20 },
      },
    ]);
    const id = await dispatch();
    await w.waitFor(id, ['waiting']);
    const waiting = await getTask(id);
    expect(waiting).toMatchObject({
      state: 'waiting',
      reason: 'tool_approval',
      pendingToolCalls: [{ id: 'call_1', tool: 'list_ventures', args: { search: 'alpha' } }],
      tokensUsed: '110',
    });
    // The model was called once and the tool did not run.
    expect(llm.requests).toHaveLength(1);
    expect(waiting.log.filter((l) => l.kind === 'tool')).toEqual([]);
    expect(waiting.log.find((l) => l.kind === 'approval')?.text).toMatch(
      /list_ventures\(\{"search":"alpha"\}\) \(call_1\) waits for a person's approval/,
    );
    const listed = await app.inject({
      method: 'GET',
      url: '/api/v1/agents/tasks?state=waiting',
      headers: viewer,
    });
    expect(listed.json().data.find((t: { id: string }) => t.id === id)).toMatchObject({
      pendingToolCalls: [{ id: 'call_1', tool: 'list_ventures' }],
    });
    // The pause lives in the row: the conversation, steps and usage so far, the pending call.
    const [row] = await rowsOf<{ checkpoint: Record<string, unknown>; lease_owner: string | null }>(
      w.kernel.db,
      sql`select checkpoint, lease_owner from agents_tasks where id = ${id}`,
    );
    expect(row!.lease_owner).toBeNull();
    expect(row!.checkpoint).toMatchObject({
      steps: 1,
      usage: { inputTokens: 100, outputTokens: 10 },
      pending: [{ id: 'call_1', tool: 'list_ventures' }],
    });
    expect(JSON.stringify(row!.checkpoint.messages)).toContain('tool-call');
    expect(
      w.agents.executor.scheduler.peek((await w.agents.getAgent(w.orgId, `approver-${n}`)).id)
        ?.running ?? 0,
    ).toBe(0);

    for (const headers of [viewer, editor]) {
      const refused = await decide(id, 'approve', {}, headers);
      expect(refused.statusCode).toBe(403);
    }
    const ok = await decide(id, 'approve', { note: 'fine' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().data).toMatchObject({
      state: 'queued',
      approvedBy: expect.stringMatching(/^user:/),
    });
    expect(ok.json().data.pendingToolCalls).toBeUndefined();

    const done = await w.waitFor(id);
    expect(done).toMatchObject({
      state: 'succeeded',
      output: { text: 'You have one venture, Alpha Shop.', steps: 2 },
      tokensUsed: '330',
    });
    expect(llm.requests).toHaveLength(2);
    const second = messagesOf(1);
    // The first call is not sent again: the conversation goes on with the tool's result.
    expect(second.filter((m) => m.role === 'user')).toHaveLength(1);
    expect(second.find((m) => m.role === 'assistant')).toMatchObject({
      tool_calls: [{ id: 'call_1', function: { name: 'list_ventures' } }],
    });
    const result = second.find((m) => m.role === 'tool');
    expect(result).toMatchObject({ tool_call_id: 'call_1' });
    expect(String(result!.content)).toContain('Alpha Shop');
    expect(done.log.filter((l) => l.kind === 'tool').map((l) => l.text)).toEqual([
      'list_ventures({"search":"alpha"})',
    ]);

    const again = await decide(id, 'approve');
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toMatch(/is not waiting for an approval \(succeeded\)/);
    const audit = await w.access.audit.list(w.orgId, { entityType: 'agent_task', entityId: id });
    expect(audit.entries.map((e) => e.action).sort()).toEqual([
      'agents.task.dispatch',
      'agents.tool_call.approve',
    ]);
    const trace = await w.agents.trace(w.orgId, done.correlationId);
    // The trace: the attempt, the model call, the call waiting, the pause, the decision, the
    // resumed attempt, the approved call run, the model's last call, the answer.
    expect(trace.map((m) => (m.payload as { event?: string })?.event ?? m.messageType)).toEqual([
      'task',
      'attempt',
      'model_call',
      'tool_call',
      'status',
      'status',
      'attempt',
      'tool_call',
      'model_call',
      'response',
    ]);
    const steps = trace.filter((m) => !(m.payload as { event?: string })?.event);
    expect(steps.map((m) => m.messageType)).toEqual(['task', 'status', 'status', 'response']);
    expect(steps[1]!.payload).toMatchObject({
      state: 'waiting',
      reason: 'tool_approval',
      pendingToolCalls: [{ id: 'call_1', tool: 'list_ventures' }],
    });
    expect(steps[2]!.payload).toMatchObject({
      decision: 'tool_calls',
      toolCalls: [{ id: 'call_1', tool: 'list_ventures', decision: 'approved' }],
      note: 'fine',
    });
  });

  it('reject: the model reads that a person rejected the call, and answers', async () => {
    await llmAgent({ approveTools: ['*'] });
    llm.script([
      { type: 'tool', name: 'list_ventures', args: {} },
      { type: 'text', text: 'I could not look at the ventures.' },
    ]);
    const id = await dispatch();
    await w.waitFor(id, ['waiting']);
    expect(llm.requests).toHaveLength(1);
    const res = await decide(id, 'reject', { note: 'not today' });
    expect(res.statusCode, res.body).toBe(200);
    const done = await w.waitFor(id);
    expect(done).toMatchObject({
      state: 'succeeded',
      output: { text: 'I could not look at the ventures.', steps: 2 },
      tokensUsed: '30',
    });
    expect(llm.requests).toHaveLength(2);
    const result = JSON.stringify(messagesOf(1).find((m) => m.role === 'tool'));
    expect(result).toContain('A person rejected this tool call');
    expect(result).toContain('not today');
    expect(result).not.toContain('Alpha Shop');
    expect(done.log.filter((l) => l.kind === 'tool')).toEqual([]);
    const audit = await w.access.audit.list(w.orgId, { entityType: 'agent_task', entityId: id });
    expect(audit.entries.map((e) => e.action)).toContain('agents.tool_call.reject');
  });

  it('runs tools without approval at once, and decides per call', async () => {
    await llmAgent({ approveTools: ['get_workflow', 'search_workflow_executions'], stream: false });
    llm.script([
      {
        type: 'tools',
        calls: [
          { name: 'list_ventures', args: {} },
          { name: 'get_workflow', args: { id: workflowId } },
          { name: 'search_workflow_executions', args: {} },
        ],
      },
      { type: 'text', text: 'Alpha Shop has the invoice reminder.' },
    ]);
    const id = await dispatch();
    await w.waitFor(id, ['waiting']);
    const waiting = await getTask(id);
    expect(waiting.pendingToolCalls!.map((c) => c.id)).toEqual(['call_2', 'call_3']);
    // The tool that needs no approval ran in the same step.
    expect(waiting.log.filter((l) => l.kind === 'tool').map((l) => l.text)).toEqual([
      'list_ventures({})',
    ]);
    const unknown = await decide(id, 'approve', { decisions: { call_9: 'approve' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toMatch(/does not wait for tool calls call_9/);
    const ok = await decide(id, 'approve', { decisions: { call_3: 'reject' } });
    expect(ok.statusCode, ok.body).toBe(200);
    const done = await w.waitFor(id);
    expect(done).toMatchObject({ state: 'succeeded', output: { steps: 2 } });
    const results = messagesOf(1).filter((m) => m.role === 'tool');
    const byId = Object.fromEntries(results.map((m) => [m.tool_call_id, String(m.content)]));
    expect(byId.call_1).toContain('Alpha Shop');
    expect(byId.call_2).toContain('Invoice reminder');
    expect(byId.call_3).toContain('A person rejected this tool call');
    const audit = await w.access.audit.list(w.orgId, { entityType: 'agent_task', entityId: id });
    expect(audit.entries.map((e) => e.action).sort()).toEqual([
      'agents.task.dispatch',
      'agents.tool_call.approve',
      'agents.tool_call.reject',
    ]);
  });

  it('counts steps across pauses', async () => {
    await llmAgent({ approveTools: ['list_ventures'], maxSteps: 2, stream: false });
    llm.script([{ type: 'tool', name: 'list_ventures', args: {} }]);
    const id = await dispatch();
    await w.waitFor(id, ['waiting']);
    expect((await decide(id, 'approve')).statusCode).toBe(200);
    await w.waitFor(id, ['waiting']);
    // Waiting again after the second model call, which asked for the tool once more.
    expect(await getTask(id)).toMatchObject({ state: 'waiting', reason: 'tool_approval' });
    expect(llm.requests).toHaveLength(2);
    expect((await decide(id, 'approve')).statusCode).toBe(200);
    const done = await w.waitFor(id);
    expect(done).toMatchObject({ state: 'failed', reason: 'step_limit' });
    expect(llm.requests).toHaveLength(2);
  });

  it('reject with endTask ends the task; decisions are refused where they do not apply', async () => {
    await llmAgent({ approveTools: ['list_ventures'], stream: false });
    llm.script([{ type: 'tool', name: 'list_ventures', args: {} }]);
    const id = await dispatch();
    await w.waitFor(id, ['waiting']);
    const res = await decide(id, 'reject', { endTask: true, note: 'no' });
    expect(res.json().data).toMatchObject({ state: 'cancelled', reason: 'rejected' });
    expect(res.json().data.error).toMatch(/^Rejected by user:.*: no$/);
    expect(llm.requests).toHaveLength(1);
    expect((await decide(id, 'reject')).statusCode).toBe(409);

    const whole = await app.inject({
      method: 'POST',
      url: '/api/v1/agents/tasks',
      headers: editor,
      payload: { capabilities: [`cap-${n}`], input: 'x', requiresApproval: true },
    });
    const wholeId = whole.json().data.id as string;
    const refused = await decide(wholeId, 'approve', { decisions: { call_1: 'approve' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toMatch(/approval of the whole task/);
    expect((await decide(wholeId, 'reject')).json().data).toMatchObject({ state: 'cancelled' });
  });

  it('refuses approveTools that name a tool the agent does not have', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: admin,
      payload: {
        botId: `bad-${n}`,
        name: 'Bad',
        kind: 'llm',
        capabilities: ['bad'],
        llm: { provider: 'builtin', tools: ['list_ventures'], approveTools: ['get_workflow'] },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(
      /llm\.approveTools names "get_workflow", which is not among the agent's tools \(list_ventures\)/,
    );
  });

  it('pauses the built-in offline provider too', async () => {
    await llmAgent({
      provider: 'builtin',
      model: 'builtin-echo',
      tools: ['list_ventures', 'search_workflow_executions'],
      approveTools: ['list_ventures'],
    });
    const id = await dispatch();
    await w.waitFor(id, ['waiting']);
    expect(await getTask(id)).toMatchObject({
      reason: 'tool_approval',
      pendingToolCalls: [{ id: 'builtin_list_ventures', tool: 'list_ventures', args: {} }],
    });
    expect((await decide(id, 'approve')).statusCode).toBe(200);
    const done = await w.waitFor(id);
    expect(done).toMatchObject({ state: 'succeeded', output: { offlineDemo: true } });
    expect((done.output as { text: string }).text).toMatch(
      /read search_workflow_executions, list_ventures\.$/,
    );
    expect(
      (done.output as { toolResults: Record<string, unknown> }).toolResults.list_ventures,
    ).toMatchObject({
      total: 1,
    });

    const rejected = await dispatch();
    await w.waitFor(rejected, ['waiting']);
    expect((await decide(rejected, 'reject')).statusCode).toBe(200);
    const after = await w.waitFor(rejected);
    expect((after.output as { text: string }).text).toMatch(
      /read search_workflow_executions; a person rejected list_ventures\.$/,
    );
  });
});
