import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestKernel, tempDir } from '../../test/helpers/kernel.ts';
import { storages, type TestStorage } from '../../test/helpers/storage.ts';
import { currentCorrelationId, runWithContext } from './context.ts';
import type { StorageTarget } from './db/client.ts';
import type { Kernel } from './kernel.ts';

/** A storage that outlives a process: files for PGlite, a database for PostgreSQL. */
async function durableTarget(storage: TestStorage) {
  if (storage.name === 'pglite') {
    const dir = tempDir();
    return {
      target: { kind: 'pglite', dataDir: dir.path } as StorageTarget,
      drop: async () => dir.remove(),
    };
  }
  return storage.create();
}

describe.each(storages)('jobs on $name', (storage) => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
    cleanup = [];
  });

  async function kernel(target: StorageTarget, workJobs = true): Promise<Kernel> {
    const k = await createTestKernel({ target, workJobs });
    cleanup.push(() => k.close());
    return k;
  }

  it('runs a job with the correlation id of the code that queued it', async () => {
    const { target, drop } = await storage.create();
    cleanup.push(drop);
    const k = await kernel(target);
    const seen: { data: unknown; correlationId: string | undefined }[] = [];
    await k.jobs.define<{ n: number }>({
      name: 'test.echo',
      handler: async (job) => {
        seen.push({ data: job.data, correlationId: currentCorrelationId() });
      },
    });
    await runWithContext({ correlationId: 'req-42' }, () => k.jobs.send('test.echo', { n: 7 }));
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 10_000, interval: 50 });
    expect(seen[0]).toEqual({ data: { n: 7 }, correlationId: 'req-42' });
  });

  it('retries a failed job', async () => {
    const { target, drop } = await storage.create();
    cleanup.push(drop);
    const k = await kernel(target);
    const attempts: number[] = [];
    await k.jobs.define({
      name: 'test.flaky',
      retryLimit: 2,
      retryDelaySeconds: 1,
      retryBackoff: false,
      handler: async (job) => {
        attempts.push(job.retryCount);
        if (job.retryCount === 0) throw new Error('first attempt fails');
      },
    });
    await k.jobs.send('test.flaky', {});
    await vi.waitFor(() => expect(attempts).toEqual([0, 1]), { timeout: 15_000, interval: 100 });
  });

  it('refuses to queue on a queue that was never defined', async () => {
    const { target, drop } = await storage.create();
    cleanup.push(drop);
    const k = await kernel(target);
    await expect(k.jobs.send('test.nowhere', {})).rejects.toThrow(
      /No job queue named "test.nowhere"/,
    );
  });

  it('keeps cron schedules, and refuses one with a bad expression', async () => {
    const { target, drop } = await storage.create();
    cleanup.push(drop);
    const k = await kernel(target, false);
    await k.jobs.define({ name: 'test.nightly', handler: async () => undefined });
    await k.jobs.schedule('test.nightly', '0 3 * * *', { report: 'daily' });
    expect(await k.jobs.schedules()).toEqual([
      { queue: 'test.nightly', cron: '0 3 * * *', tz: 'UTC' },
    ]);
    await expect(k.jobs.schedule('test.nightly', 'every day', {})).rejects.toThrow();
    await k.jobs.unschedule('test.nightly');
    expect(await k.jobs.schedules()).toEqual([]);
  });

  it('keeps a job queued before a stop and runs it after the restart', async () => {
    const { target, drop } = await durableTarget(storage);
    cleanup.push(drop);

    const first = await createTestKernel({ target, workJobs: false });
    await first.jobs.define({ name: 'test.durable', handler: async () => undefined });
    await first.jobs.send('test.durable', { order: 1 });
    const depth = await first.jobs.depth();
    expect(depth.find((q) => q.queue === 'test.durable')?.queued).toBe(1);
    await first.close();

    const second = await kernel(target);
    const done: unknown[] = [];
    await second.jobs.define({
      name: 'test.durable',
      handler: async (job) => {
        done.push(job.data);
      },
    });
    await vi.waitFor(() => expect(done).toEqual([{ order: 1 }]), {
      timeout: 15_000,
      interval: 100,
    });
  });

  it('drains a backlog one job after another, not one job per polling interval', async () => {
    const { target, drop } = await durableTarget(storage);
    cleanup.push(drop);
    // Queued while nothing works the queue (as schedules queue a minute's runs for workers).
    const first = await createTestKernel({ target, workJobs: false });
    await first.jobs.define({ name: 'test.backlog', handler: async () => undefined });
    for (let order = 0; order < 6; order++) await first.jobs.send('test.backlog', { order });
    await first.close();

    // One worker polling every 60 s: each job it finds is followed by the next at once.
    const second = await createTestKernel({ target, env: { IZA_JOBS_POLL_SECONDS: '60' } });
    cleanup.push(() => second.close());
    const done: unknown[] = [];
    await second.jobs.define({
      name: 'test.backlog',
      concurrency: 1,
      handler: async (job) => {
        done.push(job.data);
      },
    });
    await vi.waitFor(() => expect(done).toHaveLength(6), { timeout: 30_000, interval: 100 });
    expect(done).toEqual([0, 1, 2, 3, 4, 5].map((order) => ({ order })));
  });
});
