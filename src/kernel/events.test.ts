import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestKernel } from '../../test/helpers/kernel.ts';
import { postgresStorage, storages } from '../../test/helpers/storage.ts';
import { runWithContext } from './context.ts';
import type { IzaEvent } from './events.ts';

describe.each(storages)('event bus on $name', (storage) => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
    cleanup = [];
  });

  it('delivers to subscribers of the type and of every type, with the correlation id', async () => {
    const { target, drop } = await storage.create();
    const kernel = await createTestKernel({ target, workJobs: false });
    cleanup.push(drop, () => kernel.close());
    const typed: IzaEvent[] = [];
    const all: IzaEvent[] = [];
    const off = kernel.events.subscribe('venture.created', (e) => {
      typed.push(e);
    });
    kernel.events.subscribe('*', (e) => {
      all.push(e);
    });
    await runWithContext({ correlationId: 'req-7' }, () =>
      kernel.events.publish('venture.created', { id: 'v1' }),
    );
    await kernel.events.publish('transfer.posted', { id: 't1' });
    await vi.waitFor(() => expect(all).toHaveLength(2), { timeout: 5000, interval: 20 });
    expect(typed).toHaveLength(1);
    expect(typed[0]).toMatchObject({
      type: 'venture.created',
      payload: { id: 'v1' },
      correlationId: 'req-7',
    });

    off();
    await kernel.events.publish('venture.created', { id: 'v2' });
    await vi.waitFor(() => expect(all).toHaveLength(3), { timeout: 5000, interval: 20 });
    expect(typed).toHaveLength(1);
  });

  it('keeps delivering when a subscriber throws', async () => {
    const { target, drop } = await storage.create();
    const kernel = await createTestKernel({ target, workJobs: false });
    cleanup.push(drop, () => kernel.close());
    const got: string[] = [];
    kernel.events.subscribe('x', () => {
      throw new Error('broken subscriber');
    });
    kernel.events.subscribe('x', (e) => {
      got.push(e.id);
    });
    await kernel.events.publish('x', {});
    await vi.waitFor(() => expect(got).toHaveLength(1), { timeout: 5000, interval: 20 });
  });
});

describe.skipIf(!postgresStorage)('event bus across processes sharing a server', () => {
  it('delivers an event published by one kernel to another', async () => {
    const { target, drop } = await postgresStorage!.create();
    const a = await createTestKernel({ target, workJobs: false });
    const b = await createTestKernel({ target, workJobs: false });
    try {
      expect(b.events.mode).toBe('postgres');
      const seen: IzaEvent[] = [];
      b.events.subscribe('alert.fired', (e) => {
        seen.push(e);
      });
      await a.events.publish('alert.fired', { rule: 'cash-low' });
      await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 5000, interval: 20 });
      expect(seen[0]?.payload).toEqual({ rule: 'cash-low' });
      await expect(a.events.publish('big', { blob: 'x'.repeat(10_000) })).rejects.toThrow(
        /too large/,
      );
    } finally {
      await a.close();
      await b.close();
      await drop();
    }
  });
});
