import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/agents/index.ts';
import { portfolioServiceFor } from '../../src/portfolio/index.ts';
import { createAgentsWorld, type AgentsWorld } from '../fixtures/llm-agents-world.ts';
import { startLlmServer, type LlmServer } from '../fixtures/llm-server.ts';
import { storages } from '../helpers/storage.ts';

/**
 * Rate limits, budgets and the trace of a task, against loopback servers speaking the OpenAI
 * chat-completions format: each server is one provider endpoint.
 */
describe.each(storages)(
  'agents: rate limits, budgets and traces on $name',
  { timeout: 90_000 },
  (storage) => {
    let w: AgentsWorld;
    let drop: () => Promise<void>;
    const servers: LlmServer[] = [];
    let n = 0;

    beforeAll(async () => {
      for (let i = 0; i < 3; i++) servers.push(await startLlmServer());
      const created = await storage.create();
      drop = created.drop;
      w = await createAgentsWorld(created.target, {
        // Two agent faults open a breaker for a minute: a 429 must never be one.
        config: {
          breakerFailures: 2,
          breakerResetMs: 60_000,
          prices: { 'test-model': { input: 15, output: 60, currency: 'USD' } },
        },
      });
      await portfolioServiceFor(w.kernel, w.access).createVenture(
        { orgId: w.orgId, ventureIds: null },
        { slug: 'alpha', name: 'Alpha Shop', category: 'ecommerce', stage: 'launched' },
      );
    });
    afterAll(async () => {
      await w?.close();
      await drop?.();
      for (const s of servers) await s.close();
    });
    beforeEach(() => {
      n += 1;
    });

    const llmAgent = (
      botId: string,
      server: LlmServer,
      extra: Record<string, unknown> = {},
      llm: Record<string, unknown> = {},
    ) =>
      w.agents.createAgent(w.orgId, {
        botId: `${botId}-${n}`,
        name: botId,
        kind: 'llm',
        capabilities: [`cap-${n}-${botId}`],
        retryPolicy: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
        timeout: 10_000,
        llm: {
          provider: 'openai-compatible',
          model: 'test-model',
          baseUrl: server.url,
          stream: false,
          ...llm,
        },
        ...extra,
      });

    it('treats a burst of 429s as a cooldown of the endpoint, never as failures that open the breaker', async () => {
      const [s] = servers;
      const agent = await llmAgent('burst', s!, { maxConcurrentTasks: 3 });
      s!.script([
        { type: 'error', status: 429, headers: { 'retry-after': '1' } },
        { type: 'error', status: 429, headers: { 'retry-after': '1' } },
        { type: 'error', status: 429, headers: { 'retry-after': '1' } },
        { type: 'text', text: 'served' },
      ]);
      const started = Date.now();
      const tasks = await Promise.all(
        [1, 2, 3].map(() =>
          w.agents.dispatch(w.orgId, { capabilities: [`cap-${n}-burst`], input: 'x' }),
        ),
      );
      // While the endpoint cools down the tasks wait, visibly, without a slot.
      const waiting = await w.waitFor(tasks[0]!.id, ['queued', 'succeeded'], 5_000);
      if (waiting.state === 'queued') expect(waiting.reason).toBe('cooldown');
      const done = await w.waitForAll(
        tasks.map((t) => t.id),
        10_000,
      );
      expect(done.map((t) => t.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(w.agents.executor.scheduler.peek(agent.id)!.breaker.state).toBe('closed');
      // No call went to the endpoint during its cooldown.
      const first429 = s!.requests[0]!.at;
      expect(s!.requests.slice(3).every((r) => r.at - first429 >= 1000)).toBe(true);
      // The cooldown is stored for every process.
      const [row] = await rowsOf<{ reason: string }>(
        w.kernel.db,
        sql`select reason from agents_cooldowns where endpoint like 'url:%'`,
      );
      expect(row?.reason).toMatch(/429 from burst/);
      const metrics = await w.agents.metrics.registry.metrics();
      expect(metrics).toMatch(/iza_agent_rate_limited_total\{agent="burst-\d+"\} 3/);
    });

    it('holds a sibling on the same endpoint for its cooldown (Retry-After as an HTTP date)', async () => {
      const [, s] = servers;
      await llmAgent('sibling', s!);
      await llmAgent('first', s!, { backupAgents: [`sibling-${n}`] });
      const until = new Date(Date.now() + 3_000).toUTCString();
      s!.script([
        { type: 'error', status: 429, headers: { 'retry-after': until } },
        { type: 'text', text: 'after the cooldown' },
      ]);
      const task = await w.agents.dispatch(w.orgId, {
        capabilities: [`cap-${n}-first`],
        input: 'x',
      });
      const done = await w.waitFor(task.id, undefined, 10_000);
      expect(done).toMatchObject({ state: 'succeeded', output: { text: 'after the cooldown' } });
      expect(s!.requests).toHaveLength(2);
      // No call before the date the endpoint gave (whole seconds), whoever took the task.
      expect(s!.requests[1]!.at).toBeGreaterThanOrEqual(Date.parse(until) - 20);
      expect(done.log.map((l) => l.kind)).toContain('cooldown');
    });

    it('traces every attempt, failover, model call (tokens, cost, latency) and tool call', async () => {
      const [s1, s2, s3] = servers;
      s1!.script([{ type: 'error', status: 500 }]);
      s2!.script([{ type: 'error', status: 429, headers: { 'retry-after': '30' } }]);
      s3!.script([
        { type: 'tool', name: 'list_ventures', args: { search: 'alpha' } },
        { type: 'text', text: 'One venture: Alpha Shop.' },
      ]);
      await llmAgent('third', s3!, {}, { tools: ['list_ventures'] });
      await llmAgent('second', s2!, { backupAgents: [`third-${n}`] });
      await llmAgent('primary', s1!, { backupAgents: [`second-${n}`] });
      const task = await w.agents.dispatch(w.orgId, {
        capabilities: [`cap-${n}-primary`],
        input: 'Which ventures?',
      });
      const done = await w.waitFor(task.id, undefined, 10_000);
      expect(done).toMatchObject({
        state: 'succeeded',
        output: { text: 'One venture: Alpha Shop.' },
      });
      const trace = await w.agents.trace(w.orgId, done.correlationId);
      const events = trace.map((m) => {
        const p = m.payload as { event?: string; agent?: string; to?: string; code?: string };
        return [p?.event ?? m.messageType, m.messageType, m.senderAgent, m.recipientAgent];
      });
      const [a, b, c] = [`primary-${n}`, `second-${n}`, `third-${n}`];
      const model = 'openai-compatible:test-model';
      expect(events.map((e) => e.slice(0, 3))).toEqual([
        ['task', 'task', 'system'],
        ['attempt', 'status', 'router'],
        ['model_call', 'error', a],
        ['attempt_failed', 'error', a],
        ['failover', 'status', 'router'],
        ['attempt', 'status', 'router'],
        ['model_call', 'error', b],
        ['attempt_failed', 'error', b],
        ['cooldown', 'status', 'router'],
        ['failover', 'status', 'router'],
        ['attempt', 'status', 'router'],
        ['model_call', 'status', c],
        ['tool_call', 'status', c],
        ['model_call', 'status', c],
        ['response', 'response', c],
      ]);
      expect(events[2]![3]).toBe(model);
      expect(events[12]![3]).toBe('tool:list_ventures');
      const payloads = trace.map((m) => m.payload as Record<string, unknown>);
      expect(payloads[3]).toMatchObject({ code: 'provider_error', attempt: 1 });
      expect(payloads[4]).toMatchObject({ from: a, to: b, reason: 'provider_error' });
      expect(payloads[6]).toMatchObject({ ok: false, error: 'rate_limited' });
      expect(payloads[8]).toMatchObject({ agent: b, ms: 30_000, retryAfter: true });
      expect(payloads[9]).toMatchObject({ from: b, to: c, reason: 'rate_limited' });
      expect(payloads[10]).toMatchObject({ attempt: 3, agent: c });
      // 10 tokens in at 15, 5 out at 60 per million: 450 millionths of a cent.
      expect(payloads[11]).toMatchObject({
        ok: true,
        inputTokens: 10,
        outputTokens: 5,
        costMicro: '450',
        currency: 'USD',
      });
      expect(payloads[11]!.ms).toEqual(expect.any(Number));
      expect(payloads[12]).toMatchObject({ tool: 'list_ventures', ran: true, ok: true });
    });

    it('reserves budgets before calls so parallel tasks cannot overrun them', async () => {
      const [s] = servers;
      s!.script([
        { type: 'text', text: 'long answer', usage: { input: 5, output: 1990 }, delayMs: 300 },
      ]);
      const agent = await llmAgent(
        'budgeted',
        s!,
        { maxConcurrentTasks: 5, budget: { tokens: 5000 } },
        { maxOutputTokens: 2000 },
      );
      const tasks = await Promise.all(
        [1, 2, 3, 4, 5].map(() =>
          w.agents.dispatch(w.orgId, { capabilities: [`cap-${n}-budgeted`], input: 'Say hello' }),
        ),
      );
      const done = await w.waitForAll(tasks.map((t) => t.id));
      const [used] = await rowsOf<{ tokens: string }>(
        w.kernel.db,
        sql`select coalesce(sum(input_tokens + output_tokens), 0)::text as tokens
        from agents_calls where agent_id = ${agent.id}::uuid`,
      );
      expect(Number(used!.tokens)).toBeLessThanOrEqual(5000);
      // Every reservation was settled.
      const [held] = await rowsOf<{ reserved: string }>(
        w.kernel.db,
        sql`select coalesce(sum(reserved_tokens), 0)::text as reserved
        from agents_calls where agent_id = ${agent.id}::uuid`,
      );
      expect(Number(held!.reserved)).toBe(0);
      const refused = done.filter((t) => t.reason === 'budget_exceeded');
      expect(refused.length).toBeGreaterThanOrEqual(2);
      expect(done.filter((t) => t.state === 'succeeded').length).toBe(5 - refused.length);
      expect(refused[0]!.error).toMatch(/agent budgeted-\d+ token budget/);
    });

    it('refuses money budgets it cannot compare: another currency, an unpriced model', async () => {
      const [s] = servers;
      await expect(
        llmAgent('yen', s!, { budget: { amount: 500, currency: 'JPY' } }),
      ).rejects.toThrow(/budget.currency is JPY, but the model "test-model" is priced in USD/);
      await expect(
        llmAgent(
          'unpriced',
          s!,
          { budget: { amount: 500, currency: 'USD' } },
          { model: 'mystery-7b' },
        ),
      ).rejects.toThrow(/the model "mystery-7b" has no price/);
      await expect(
        w.agents.createAgent(w.orgId, {
          botId: `coded-${n}`,
          name: 'coded',
          kind: 'code',
          handler: 'echo',
          capabilities: ['coded'],
          budget: { amount: 5, currency: 'USD' },
        }),
      ).rejects.toThrow(/budget.amount/);
      // Codes of the right shape that are no currency.
      for (const code of ['QQQ', 'XXX']) {
        await expect(
          llmAgent(`code-${code}`, s!, { budget: { amount: 5, currency: code } }),
        ).rejects.toThrow(/budget.currency.*ISO 4217/);
      }
      // A task's budget in another currency than the price's: the call is refused, not converted.
      await llmAgent('priced', s!);
      s!.script([{ type: 'text', text: 'never' }]);
      const task = await w.agents.dispatch(w.orgId, {
        capabilities: [`cap-${n}-priced`],
        input: 'x',
        budget: { amount: 1000, currency: 'JPY' },
      });
      const done = await w.waitFor(task.id);
      expect(done).toMatchObject({ state: 'failed', reason: 'budget_currency' });
      expect(done.error).toMatch(/JPY.*priced in USD/);
      expect(s!.requests).toHaveLength(0);
    });
  },
);
