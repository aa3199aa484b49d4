import { describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/index.ts';
import { CircuitBreaker } from './agents.breaker.ts';
import { backoffMs, parseRetryAfter } from './agents.retry.ts';
import { Scheduler } from './agents.scheduler.ts';

const agent = (id: string, max = 1) => ({ id, maxConcurrentTasks: max });

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one probe through when half-open, closes on its success', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, resetMs: 10_000 }, clock);
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state).toBe('closed');
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state).toBe('closed');
    breaker.onFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.canPass()).toBe(false);
    clock.advance(9_999);
    expect(breaker.canPass()).toBe(false);
    clock.advance(1);
    expect(breaker.state).toBe('half_open');
    expect(breaker.canPass()).toBe(true);
    breaker.onStart();
    expect(breaker.canPass()).toBe(false);
    breaker.onSuccess();
    expect(breaker.state).toBe('closed');
  });

  it('opens again for a whole reset period when the probe fails', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetMs: 1000 }, clock);
    breaker.onFailure();
    clock.advance(1000);
    breaker.onStart();
    breaker.onFailure();
    expect(breaker.state).toBe('open');
    clock.advance(999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half_open');
  });
});

describe('backoff', () => {
  it('doubles up to the cap, with jitter within [half, whole], and never under Retry-After', () => {
    const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(policy, 1, undefined, () => 0)).toBe(50);
    expect(backoffMs(policy, 1, undefined, () => 1)).toBe(100);
    expect(backoffMs(policy, 3, undefined, () => 1)).toBe(400);
    expect(backoffMs(policy, 10, undefined, () => 1)).toBe(1000);
    expect(backoffMs(policy, 1, 1500, () => 1)).toBe(1500);
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:03 GMT', 1000)).toBe(2000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('Scheduler', () => {
  const make = (clock = new ManualClock()) =>
    new Scheduler({ breaker: { failureThreshold: 2, resetMs: 5000 }, clock });

  it('picks the least loaded agent, ties to the least recently assigned', () => {
    const s = make();
    const tiers = [[agent('a', 4), agent('b', 4), agent('c', 4)]];
    expect([s.tryAcquire(tiers, 1), s.tryAcquire(tiers, 1), s.tryAcquire(tiers, 1)]).toEqual([
      'a',
      'b',
      'c',
    ]);
    s.release('b');
    expect(s.tryAcquire(tiers, 1)).toBe('b');
    s.release('a');
    s.release('a');
    expect(s.tryAcquire(tiers, 1)).toBe('a');
  });

  it('spreads equal work evenly (round robin) over many tasks', () => {
    const s = make();
    const tiers = [[agent('a', 2), agent('b', 2), agent('c', 2)]];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 3000; i++) {
      const id = s.tryAcquire(tiers, 1)!;
      counts[id] = (counts[id] ?? 0) + 1;
      s.release(id);
    }
    expect(counts).toEqual({ a: 1000, b: 1000, c: 1000 });
  });

  it('never exceeds an agent limit, and serves waiting requests critical first', async () => {
    const s = make();
    const tiers = [[agent('solo', 2)]];
    expect(s.tryAcquire(tiers, 0)).toBe('solo');
    expect(s.tryAcquire(tiers, 0)).toBe('solo');
    expect(s.tryAcquire(tiers, 3)).toBeUndefined();
    const order: string[] = [];
    const waits = (['low', 'medium', 'critical', 'high'] as const).map((name, i) =>
      s.acquire(tiers, [0, 1, 3, 2][i]!).then(() => order.push(name)),
    );
    expect(s.waiting).toBe(4);
    for (let i = 0; i < 4; i++) {
      s.release('solo');
      await Promise.resolve();
      expect(s.peek('solo')!.running).toBeLessThanOrEqual(2);
    }
    s.release('solo');
    s.release('solo');
    await Promise.all(waits);
    expect(order).toEqual(['critical', 'high', 'medium', 'low']);
  });

  it('goes to the next tier (backups) when every agent of the first is open or full', () => {
    const clock = new ManualClock();
    const s = make(clock);
    const tiers = [[agent('main', 1)], [agent('backup', 1)]];
    s.live(agent('main', 1)).breaker.onFailure();
    s.live(agent('main', 1)).breaker.onFailure();
    expect(s.tryAcquire(tiers, 1)).toBe('backup');
    clock.advance(5000);
    expect(s.tryAcquire(tiers, 1)).toBe('main');
    // The probe is in flight: nothing else gets through to main.
    s.release('backup');
    expect(s.tryAcquire(tiers, 1)).toBe('backup');
  });

  it('records the verdict before serving waiting requests: a successful probe wakes them', async () => {
    const clock = new ManualClock();
    const s = make(clock);
    const tiers = [[agent('main', 2)]];
    s.live(agent('main', 2)).breaker.onFailure();
    s.live(agent('main', 2)).breaker.onFailure();
    clock.advance(5000);
    expect(s.tryAcquire(tiers, 1)).toBe('main');
    // The probe is in flight: the next request waits for its verdict.
    const waiting = s.acquire(tiers, 1);
    expect(s.waiting).toBe(1);
    s.release('main', 'success');
    await expect(waiting).resolves.toBe('main');
    expect(s.peek('main')!.breaker.state).toBe('closed');
  });

  it('holds back every agent on a cooling endpoint, and only those, until the cooldown ends', async () => {
    const clock = new ManualClock();
    const s = new Scheduler({
      breaker: { failureThreshold: 2, resetMs: 5000 },
      clock,
      endpointOf: (a) => (a.id === 'other' ? 'endpoint-2' : 'endpoint-1'),
    });
    const siblings = [[agent('one'), agent('two')]];
    s.coolDown('endpoint-1', clock.now().getTime() + 20);
    expect(s.tryAcquire(siblings, 1)).toBeUndefined();
    expect(s.tryAcquire([[agent('one')], [agent('other')]], 1)).toBe('other');
    const waiting = s.acquire(siblings, 1);
    clock.advance(20);
    // The scheduler's own timer serves the request once the cooldown is over.
    await expect(waiting).resolves.toMatch(/one|two/);
    s.stop();
  });

  it('keeps a request of lower priority behind a waiting one', () => {
    const s = make();
    const tiers = [[agent('x', 1)]];
    s.tryAcquire(tiers, 1);
    void s.acquire(tiers, 3).catch(() => undefined);
    s.release('x');
    expect(s.peek('x')!.running).toBe(1);
    expect(s.tryAcquire(tiers, 0)).toBeUndefined();
    s.stop();
  });
});
