import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { portfolioServiceFor } from '../../src/portfolio/index.ts';
import { createAgentsWorld, type AgentsWorld } from '../fixtures/llm-agents-world.ts';
import { startLlmServer, type LlmServer } from '../fixtures/llm-server.ts';
import { storages } from '../helpers/storage.ts';

/**
 * LLM agents through the real AI SDK clients against a loopback server speaking the OpenAI
 * chat-completions format (and Anthropic's messages API), scripted per test.
 */
describe.each(storages)('LLM agents on $name', { timeout: 60_000 }, (storage) => {
  let w: AgentsWorld;
  let llm: LlmServer;
  let drop: () => Promise<void>;
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
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
    await llm?.close();
  });
  beforeEach(() => {
    n += 1;
  });

  /** A fresh agent per test (its own breaker), on the loopback endpoint. */
  async function llmAgent(
    extra: Record<string, unknown> = {},
    llmExtra: Record<string, unknown> = {},
  ) {
    return w.agents.createAgent(w.orgId, {
      botId: `llm-${n}`,
      name: `LLM ${n}`,
      kind: 'llm',
      capabilities: [`cap-${n}`],
      retryPolicy: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
      timeout: 5000,
      llm: { provider: 'openai-compatible', model: 'test-model', baseUrl: llm.url, ...llmExtra },
      ...extra,
    });
  }
  const dispatch = (extra: Record<string, unknown> = {}) =>
    w.agents.dispatch(w.orgId, { capabilities: [`cap-${n}`], input: 'Say hello', ...extra });

  it('streams a completion to the task log and records tokens and cost per call', async () => {
    await llmAgent();
    llm.script([
      {
        type: 'text',
        text: 'Hello there',
        chunks: ['Hel', 'lo ', 'there'],
        usage: { input: 1000, output: 200 },
      },
    ]);
    const task = await w.waitFor((await dispatch()).id);
    expect(task.state).toBe('succeeded');
    expect(task.output).toMatchObject({
      text: 'Hello there',
      steps: 1,
      provider: 'openai-compatible',
    });
    expect(llm.requests[0]!.body).toMatchObject({ model: 'test-model', stream: true });
    expect(
      task.log
        .filter((l) => l.kind === 'output')
        .map((l) => l.text)
        .join(''),
    ).toBe('Hello there');
    expect(task.tokensUsed).toBe('1200');
    // 1000 x 15 + 200 x 60 millionths of a cent
    expect(task.costMicro).toBe('27000');
    const stats = await w.agents.stats(w.orgId);
    expect(stats.agents.find((a) => a.botId === `llm-${n}`)).toMatchObject({
      tokens: '1200',
      costMicro: '27000',
    });
  });

  it('runs tool calls against the platform and sends their results back', async () => {
    await llmAgent({}, { tools: ['list_ventures', 'get_workflow'], stream: false });
    const workflow = await w.createWorkflow('Invoice reminder');
    llm.script([
      { type: 'tool', name: 'list_ventures', args: { search: 'alpha' } },
      { type: 'tool', name: 'get_workflow', args: { id: workflow.id } },
      { type: 'text', text: 'You have one venture, Alpha Shop.' },
    ]);
    const task = await w.waitFor((await dispatch()).id);
    expect(task.state).toBe('succeeded');
    expect(task.output).toMatchObject({ text: 'You have one venture, Alpha Shop.', steps: 3 });
    expect(llm.requests).toHaveLength(3);
    const tools = (llm.requests[0]!.body.tools as { function: { name: string } }[]).map(
      (t) => t.function.name,
    );
    expect(tools.sort()).toEqual(['get_workflow', 'list_ventures']);
    const second = JSON.stringify(llm.requests[1]!.body.messages);
    expect(second).toContain('Alpha Shop');
    const third = JSON.stringify(llm.requests[2]!.body.messages);
    // The tool read the stored workflow: its name and n8n definition went back to the model.
    expect(third).toContain('Invoice reminder');
    expect(third).toContain('n8n-nodes-base.manualTrigger');
    expect(task.log.filter((l) => l.kind === 'tool').map((l) => l.text)).toEqual([
      'list_ventures({"search":"alpha"})',
      `get_workflow({"id":"${workflow.id}"})`,
    ]);
  });

  it('ends a tool loop at the step limit with an explicit reason', async () => {
    await llmAgent({}, { tools: ['list_ventures'], maxSteps: 3, stream: false });
    llm.script([{ type: 'tool', name: 'list_ventures', args: {} }]);
    const task = await w.waitFor((await dispatch()).id);
    expect(task).toMatchObject({ state: 'failed', reason: 'step_limit' });
    expect(task.error).toMatch(/Stopped after 3 model calls/);
    expect(llm.requests).toHaveLength(3);
  });

  it('retries 500s with backoff and succeeds', async () => {
    await llmAgent();
    llm.script([
      { type: 'error', status: 500 },
      { type: 'error', status: 502 },
      { type: 'text', text: 'finally' },
    ]);
    const task = await w.waitFor((await dispatch()).id);
    expect(task).toMatchObject({ state: 'succeeded', attempts: 3 });
    expect(task.log.filter((l) => l.kind === 'retry')).toHaveLength(2);
    expect(llm.requests).toHaveLength(3);
  });

  it('waits at least Retry-After after a 429', async () => {
    await llmAgent();
    llm.script([
      { type: 'error', status: 429, headers: { 'retry-after': '1' } },
      { type: 'text', text: 'after the wait' },
    ]);
    const task = await w.waitFor((await dispatch()).id);
    expect(task.state).toBe('succeeded');
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1]!.at - llm.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(task.log.find((l) => l.kind === 'cooldown')?.text).toMatch(/1000 ms \(Retry-After\)/);
  });

  it('times out a call that does not answer', async () => {
    await llmAgent({ timeout: 300, retryPolicy: { maxAttempts: 1 } });
    llm.script([{ type: 'hang' }]);
    const started = Date.now();
    const task = await w.waitFor((await dispatch()).id);
    expect(task).toMatchObject({ state: 'timed_out', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('retries a malformed response, and fails with its reason when it persists', async () => {
    await llmAgent({ retryPolicy: { maxAttempts: 2, initialDelayMs: 10 } }, { stream: false });
    llm.script([
      { type: 'raw', body: '{"choices": "not a list"' },
      { type: 'text', text: 'good' },
    ]);
    const ok = await w.waitFor((await dispatch()).id);
    expect(ok).toMatchObject({ state: 'succeeded', attempts: 2 });

    llm.script([{ type: 'raw', body: '<html>proxy error</html>' }]);
    const bad = await w.waitFor((await dispatch()).id);
    expect(bad).toMatchObject({ state: 'failed', reason: 'malformed_response', attempts: 2 });
  });

  it('refuses a call that would exceed the task budget, before calling', async () => {
    await llmAgent({}, { maxOutputTokens: 500 });
    llm.script([{ type: 'text', text: 'never' }]);
    const task = await w.waitFor((await dispatch({ budget: { tokens: 100 } })).id);
    expect(task).toMatchObject({ state: 'failed', reason: 'budget_exceeded' });
    expect(task.error).toMatch(/Refused before the call: task token budget: 0 tokens used/);
    expect(llm.requests).toHaveLength(0);
  });

  it('refuses calls past the agent budget', async () => {
    await llmAgent({ budget: { tokens: 550 } }, { maxOutputTokens: 100 });
    llm.script([{ type: 'text', text: 'spent', usage: { input: 400, output: 100 } }]);
    expect((await w.waitFor((await dispatch()).id)).state).toBe('succeeded');
    const second = await w.waitFor((await dispatch()).id);
    expect(second).toMatchObject({ state: 'failed', reason: 'budget_exceeded' });
    expect(second.error).toMatch(/agent llm-\d+ token budget: 500 tokens used/);
    expect(llm.requests).toHaveLength(1);
  });

  it('talks to Anthropic through its messages API', async () => {
    await llmAgent({}, { provider: 'anthropic', model: 'claude-test', stream: false });
    llm.script([{ type: 'text', text: 'Bonjour', usage: { input: 12, output: 3 } }]);
    const task = await w.waitFor((await dispatch()).id);
    expect(task).toMatchObject({ state: 'succeeded', tokensUsed: '15' });
    expect(task.output).toMatchObject({ text: 'Bonjour', provider: 'anthropic' });
    expect(llm.requests[0]!.path).toBe('/v1/messages');
    expect(llm.requests[0]!.body).toMatchObject({
      model: 'claude-test',
      system: expect.anything(),
    });
  });

  it('labels the built-in deterministic provider as an offline demo', async () => {
    const agent = await w.agents.createAgent(w.orgId, {
      botId: `offline-${n}`,
      name: 'Offline',
      kind: 'llm',
      capabilities: [`cap-${n}`],
      llm: { provider: 'builtin', tools: ['list_ventures'] },
    });
    expect(w.agents.agentJson(agent).llm).toMatchObject({ provider: 'builtin', offlineDemo: true });
    const task = await w.waitFor((await dispatch()).id);
    expect(task.state).toBe('succeeded');
    expect(task.output).toMatchObject({ offlineDemo: true, provider: 'builtin' });
    expect((task.output as { text: string }).text).toMatch(
      /^\[offline demo: built-in deterministic provider, no model\]/,
    );
  });
});
