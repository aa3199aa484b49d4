import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentInput } from '../../src/agents/index.ts';
import { ManualClock } from '../../src/kernel/index.ts';
import { createAgentsWorld, type AgentsWorld } from '../fixtures/llm-agents-world.ts';
import { storages } from '../helpers/storage.ts';

/** A promise with its resolve, to hold a code agent until the test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe.each(storages)('routing agent tasks on $name', { timeout: 60_000 }, (storage) => {
  let w: AgentsWorld;
  let drop: () => Promise<void>;
  const clock = new ManualClock('2026-06-01T00:00:00Z');
  const gates = new Map<string, ReturnType<typeof gate>>();
  const started: string[] = [];
  const concurrency = { now: new Map<string, number>(), max: new Map<string, number>() };
  let flakyFails = true;
  let hook: Server;
  let hookUrl: string;
  const hookReplies: { status: number; body: string }[] = [];

  const code = (
    botId: string,
    handler: string,
    capabilities: string[],
    extra: Partial<AgentInput> = {},
  ) =>
    w.agents.createAgent(w.orgId, {
      botId,
      name: botId,
      kind: 'code',
      handler,
      capabilities,
      ...extra,
    });
  const run = async (input: Parameters<AgentsWorld['agents']['dispatch']>[1]) =>
    w.waitFor((await w.agents.dispatch(w.orgId, input)).id);

  beforeAll(async () => {
    hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const reply = hookReplies.shift() ?? { status: 200, body: '{}' };
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/agent`;
    const created = await storage.create();
    drop = created.drop;
    w = await createAgentsWorld(created.target, {
      clock,
      config: { breakerFailures: 2, breakerResetMs: 60_000 },
      // The fake webhook agent is on loopback: the outbound guard reaches it when allow-listed.
      env: { IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1' },
      handlers: {
        held: async ({ input }) => {
          const key = String(input);
          started.push(key);
          await gates.get(key)?.opened;
          return key;
        },
        counted: async ({ input }) => {
          const agent = String((input as { agent?: string })?.agent ?? 'x');
          void agent;
          return null;
        },
        busy: async ({ taskId }) => {
          void taskId;
          return null;
        },
        flaky: async () => {
          if (flakyFails) throw new Error('flaky is down');
          return 'flaky ok';
        },
        hang: async ({ signal }) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          }),
      },
    });
    // Concurrency is measured inside two agents' handlers, by botId.
    for (const botId of ['load-a', 'load-b']) {
      w.agents.registerHandler(`load-${botId}`, async () => {
        const now = (concurrency.now.get(botId) ?? 0) + 1;
        concurrency.now.set(botId, now);
        concurrency.max.set(botId, Math.max(now, concurrency.max.get(botId) ?? 0));
        await new Promise((r) => setTimeout(r, 3));
        concurrency.now.set(botId, (concurrency.now.get(botId) ?? 1) - 1);
        return null;
      });
    }
  });
  afterAll(async () => {
    for (const g of gates.values()) g.open();
    await w?.close();
    await drop?.();
    await new Promise<void>((r) => hook?.close(() => r()));
  });

  it('routes by capability, and fails at once with the reason when no agent can ever take a task', async () => {
    const writer = await code('writer', 'echo', ['write']);
    const seo = await code('seo-writer', 'echo', ['write', 'seo']);
    const task = await run({ capabilities: ['write', 'seo'], input: 'x' });
    expect(task).toMatchObject({ state: 'succeeded', agentId: seo.id });
    const plain = await run({ capabilities: ['write'], input: 'y' });
    expect([writer.id, seo.id]).toContain(plain.agentId);

    const none = await w.agents.dispatch(w.orgId, { capabilities: ['translate'], input: 'z' });
    expect(none).toMatchObject({ state: 'failed', reason: 'no_capable_agent' });
    expect(none.error).toMatch(
      /No enabled agent has every capability of the task \(translate\).*writer \[write\]/,
    );
    const trace = await w.agents.trace(w.orgId, none.correlationId);
    expect(trace.map((m) => m.messageType)).toEqual(['task', 'error']);
  });

  it('sends work to the least loaded agent', async () => {
    const a = await code('least-a', 'held', ['least'], { maxConcurrentTasks: 5 });
    const b = await code('least-b', 'held', ['least'], { maxConcurrentTasks: 5 });
    for (const key of ['l1', 'l2', 'l3']) gates.set(key, gate());
    const t1 = await w.agents.dispatch(w.orgId, { agent: 'least-a', input: 'l1' });
    const t2 = await w.agents.dispatch(w.orgId, { agent: 'least-a', input: 'l2' });
    expect([t1.agentId, t2.agentId]).toEqual([a.id, a.id]);
    const t3 = await w.agents.dispatch(w.orgId, { capabilities: ['least'], input: 'l3' });
    expect(t3.agentId).toBe(b.id);
    for (const key of ['l1', 'l2', 'l3']) gates.get(key)!.open();
    for (const t of [t1, t2, t3]) expect((await w.waitFor(t.id)).state).toBe('succeeded');
  });

  it('spreads many tasks fairly and never exceeds an agent limit under load', async () => {
    await code('load-a', 'load-load-a', ['load'], { maxConcurrentTasks: 3 });
    await code('load-b', 'load-load-b', ['load'], { maxConcurrentTasks: 3 });
    const tasks = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        w.agents.dispatch(w.orgId, { capabilities: ['load'], input: i }),
      ),
    );
    const done = await w.waitForAll(tasks.map((t) => t.id));
    expect(done.every((t) => t.state === 'succeeded')).toBe(true);
    expect(concurrency.max.get('load-a')).toBeLessThanOrEqual(3);
    expect(concurrency.max.get('load-b')).toBeLessThanOrEqual(3);
    const perAgent = new Map<string, number>();
    for (const t of done) perAgent.set(t.agentId!, (perAgent.get(t.agentId!) ?? 0) + 1);
    expect([...perAgent.values()].every((n) => n >= 45)).toBe(true);
  });

  it('starts queued tasks critical first', async () => {
    await code('solo', 'held', ['solo'], { maxConcurrentTasks: 1 });
    gates.set('blocker', gate());
    const blocker = await w.agents.dispatch(w.orgId, { capabilities: ['solo'], input: 'blocker' });
    expect(blocker.state).toBe('running');
    const queued = [];
    for (const priority of ['low', 'medium', 'critical', 'high'] as const) {
      queued.push(
        await w.agents.dispatch(w.orgId, { capabilities: ['solo'], priority, input: priority }),
      );
    }
    expect(queued.map((t) => t.state)).toEqual(['queued', 'queued', 'queued', 'queued']);
    const deadline = Date.now() + 15_000;
    while (w.agents.executor.scheduler.waiting < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    started.length = 0;
    gates.get('blocker')!.open();
    await w.waitForAll(queued.map((t) => t.id));
    expect(started).toEqual(['critical', 'high', 'medium', 'low']);
  });

  it('fails over to the backup, opens the breaker, and closes it after a successful half-open probe', async () => {
    const flaky = await code('flaky', 'flaky', ['fragile'], {
      backupAgents: ['steady'],
      retryPolicy: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 },
    });
    const steady = await code('steady', 'echo', ['other']);
    for (let i = 0; i < 2; i++) {
      const task = await run({ capabilities: ['fragile'], input: `f${i}` });
      expect(task).toMatchObject({ state: 'succeeded', agentId: steady.id, attempts: 2 });
      expect(task.log.map((l) => l.kind)).toContain('failover');
    }
    expect(w.agents.agentJson(flaky).live?.breaker).toBe('open');
    // Open: the task goes straight to the backup.
    const direct = await run({ capabilities: ['fragile'], input: 'f3' });
    expect(direct).toMatchObject({ state: 'succeeded', agentId: steady.id, attempts: 1 });

    flakyFails = false;
    clock.advance(60_000);
    expect(w.agents.agentJson(flaky).live?.breaker).toBe('half_open');
    const probe = await run({ capabilities: ['fragile'], input: 'f4' });
    expect(probe).toMatchObject({ state: 'succeeded', agentId: flaky.id, output: 'flaky ok' });
    expect(w.agents.agentJson(flaky).live?.breaker).toBe('closed');
  });

  it('waits for approval, then runs; or ends on rejection', async () => {
    await code('payer', 'echo', ['pay'], { requiresApproval: true });
    const task = await w.agents.dispatch(w.orgId, {
      capabilities: ['pay'],
      input: { amount: '100' },
    });
    expect(task).toMatchObject({ state: 'waiting', reason: 'approval' });
    expect(
      (await w.agents.listTasks(w.orgId, { state: 'waiting', limit: 10 })).map((t) => t.id),
    ).toContain(task.id);
    await w.agents.approve(w.orgId, task.id, 'fine');
    expect(await w.waitFor(task.id)).toMatchObject({
      state: 'succeeded',
      approvedBy: 'system',
      output: { amount: '100' },
    });

    const other = await w.agents.dispatch(w.orgId, { capabilities: ['pay'], input: 'no' });
    await w.agents.reject(w.orgId, other.id, 'not now');
    expect(await w.agents.getTask(w.orgId, other.id)).toMatchObject({
      state: 'cancelled',
      reason: 'rejected',
    });
    await expect(w.agents.approve(w.orgId, other.id)).rejects.toThrow(
      /not waiting for an approval/,
    );
  });

  it('times out an execution and cancels a running task', async () => {
    await code('sleeper', 'hang', ['sleep'], { timeout: 100, retryPolicy: { maxAttempts: 1 } });
    const timedOut = await run({ capabilities: ['sleep'], input: null });
    expect(timedOut).toMatchObject({ state: 'timed_out', reason: 'timeout' });
    expect(timedOut.error).toMatch(/did not finish within 100 ms/);

    await code('waiter', 'hang', ['wait'], { timeout: 60_000 });
    const running = await w.agents.dispatch(w.orgId, { capabilities: ['wait'], input: null });
    expect(running.state).toBe('running');
    await w.agents.cancel(w.orgId, running.id);
    const cancelled = await w.waitFor(running.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', reason: 'cancelled' });
    await new Promise((r) => setTimeout(r, 50));
    expect(w.agents.executor.executing).toBe(0);
  });

  it('calls webhook agents over HTTP, failing over when they answer 503', async () => {
    const hookAgent = await w.agents.createAgent(w.orgId, {
      botId: 'hook',
      name: 'Hook',
      kind: 'webhook',
      webhookUrl: hookUrl,
      capabilities: ['hook'],
      backupAgents: ['hook-backup'],
      retryPolicy: { maxAttempts: 2, initialDelayMs: 10 },
    });
    const backup = await code('hook-backup', 'echo', ['spare']);
    hookReplies.push({
      status: 200,
      body: JSON.stringify({ messageType: 'response', payload: { answer: 42 } }),
    });
    const ok = await run({ capabilities: ['hook'], input: 'q', correlationId: 'conv-hook' });
    expect(ok).toMatchObject({ state: 'succeeded', agentId: hookAgent.id, output: { answer: 42 } });

    hookReplies.push({ status: 503, body: 'down' });
    const failover = await run({ capabilities: ['hook'], input: 'q2', correlationId: 'conv-hook' });
    expect(failover).toMatchObject({ state: 'succeeded', agentId: backup.id, output: 'q2' });

    const trace = await w.agents.trace(w.orgId, 'conv-hook');
    // Every attempt and the failover are messages of the conversation.
    expect(trace.map((m) => `${m.messageType}:${m.senderAgent}`)).toEqual([
      'task:system',
      'status:router',
      'response:hook',
      'task:system',
      'status:router',
      'error:hook',
      'status:router',
      'status:router',
      'response:hook-backup',
    ]);
    expect(trace.slice(5, 8).map((m) => m.payload)).toMatchObject([
      { event: 'attempt_failed', agent: 'hook', attempt: 1, code: 'webhook_error' },
      { event: 'failover', from: 'hook', to: 'hook-backup', reason: 'webhook_error' },
      { event: 'attempt', agent: 'hook-backup', attempt: 2 },
    ]);
    expect(trace[0]).toMatchObject({
      recipientAgent: 'hook',
      priority: 'medium',
      correlationId: 'conv-hook',
    });
  });
});
