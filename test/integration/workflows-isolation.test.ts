import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { pgliteStorage } from '../helpers/storage.ts';
import { createWorkflow, manualWorkflow, node } from '../helpers/workflows.ts';

/**
 * Hostile workflows against the executor processes: each only hurts itself. Organisation B
 * (an attacker with a workflow editor's rights) runs workflows that burn CPU, exhaust memory or
 * tamper with the expression sandbox; organisation A's executions and the server's other
 * requests must go on, and A's results must not change.
 */

const set = (name: string, value: string) =>
  node(
    name,
    'set',
    { assignments: { assignments: [{ id: 'v', name: 'v', value, type: 'string' }] } },
    3.4,
  );
const code = (name: string, js: string) => node(name, 'code', { jsCode: js }, 2);
const workflow = manualWorkflow;

/** An expression the host evaluator leaves to the isolate, busy for `ms` per item. */
const busy = (ms: number) =>
  `={{ (() => { const end = Date.now() + ${ms}; while (Date.now() < end) {} return 'done' })() }}`;

interface Run {
  status: string;
  finished: boolean;
  error: { name: string; message: string } | null;
  output?: Record<string, unknown>[];
}

/**
 * A world for the limits tests: organisation A's editor creates and runs workflows over HTTP, in
 * one executor process (so innocent executions share it with hostile ones), with `env`.
 */
function limitsWorld(env: Record<string, string>) {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let a: Record<string, string>;
  beforeAll(async () => {
    const storage = await pgliteStorage.create();
    drop = storage.drop;
    w = await createAccessWorld(storage.target, {
      IZA_WORKFLOWS_RUN_WAIT_MS: '120000',
      IZA_WORKFLOWS_EXECUTORS: '1',
      IZA_WORKFLOWS_CODE_TIMEOUT_MS: '60000',
      ...env,
    });
    a = { authorization: w.callers.find((c) => c.role === 'editor')!.authorization! };
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });
  return {
    create: async (body: unknown): Promise<string> => {
      const res = await w.inject({
        method: 'POST',
        url: '/api/v1/workflows',
        headers: a,
        payload: body as object,
      });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json().data as { id: string }).id;
    },
    run: async (id: string): Promise<Run> => {
      const res = await w.inject({
        method: 'POST',
        url: `/api/v1/workflows/${id}/run`,
        headers: a,
        payload: { waitMs: 120_000 },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data as Run;
    },
  };
}

describe('executor processes: a hostile workflow only hurts itself', { timeout: 180_000 }, () => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let a: Record<string, string>;
  let b: Record<string, string>;

  const create = (headers: Record<string, string>, body: unknown, world = w) =>
    createWorkflow(world, headers, body);
  const run = async (headers: Record<string, string>, id: string, world = w): Promise<Run> => {
    const res = await world.inject({
      method: 'POST',
      url: `/api/v1/workflows/${id}/run`,
      headers,
      payload: { waitMs: 120_000 },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as Run;
  };
  /** Resolves with the order in which the given promises settled. */
  const settleOrder = async (runs: Record<string, Promise<unknown>>) => {
    const order: string[] = [];
    await Promise.all(Object.entries(runs).map(([k, p]) => p.then(() => order.push(k))));
    return order;
  };

  beforeAll(async () => {
    const storage = await pgliteStorage.create();
    drop = storage.drop;
    w = await createAccessWorld(storage.target, { IZA_WORKFLOWS_RUN_WAIT_MS: '120000' });
    a = { authorization: w.callers.find((c) => c.role === 'editor')!.authorization! };
    b = { authorization: w.callers.find((c) => c.role === 'other-org-admin')!.authorization! };
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  it('keeps answering other requests and organisations while one execution is busy for seconds', async () => {
    // Five items, each held 800 ms in the isolate: on the request thread this froze the server.
    const hostile = await create(
      b,
      workflow('b busy', [
        code('Items', 'return [1, 2, 3, 4, 5].map((i) => ({ json: { i } }));'),
        set('Busy', busy(800)),
      ]),
    );
    const innocent = await create(a, workflow('a plain', [set('Hello', '=hello {{ 6 * 7 }}')]));
    const slow = run(b, hostile);
    await new Promise((r) => setTimeout(r, 300));
    const health = w.inject({ method: 'GET', url: '/health/live' });
    const other = run(a, innocent);
    const order = await settleOrder({ slow, health, other });
    expect(order.indexOf('slow')).toBe(2);
    expect((await other).output).toEqual([{ v: 'hello 42' }]);
    expect((await slow).status).toBe('succeeded');
  });

  it('fails an expression that grows past its memory, and nothing else', async () => {
    // A few kilobytes of expression that, evaluated on the host, built gigabytes.
    const part = "'x'.repeat(999999).split('')";
    const grow = `={{ ${part}.concat(${Array.from({ length: 120 }, () => part).join(', ')}).length }}`;
    expect(grow.length).toBeLessThan(5_000);
    const hostile = await create(b, workflow('b grow', [set('Grow', grow)]));
    const innocent = await create(a, workflow('a plain 2', [set('Hello', '=still {{ 1 + 1 }}')]));
    const failed = await run(b, hostile);
    // Past the host's allocation budget the block goes to the isolate, which stops it at its
    // memory or time limit: a clear expression error, not an exhausted heap.
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/memory|longer than/);
    expect((await run(a, innocent)).output).toEqual([{ v: 'still 2' }]);
  });

  it("keeps one organisation's changes to the expression sandbox from another's results", async () => {
    // Luxon caches time zones; organisation B rewrites the cached Europe/Paris zone.
    const tamper = await create(
      b,
      workflow('b tamper', [
        set(
          'Tamper',
          "={{ (() => { const z = DateTime.fromMillis(0, { zone: 'Europe/Paris' }).zone; z.offset = () => 600; return 'done' })() }}",
        ),
      ]),
    );
    const reader = await create(
      a,
      workflow('a reads the time', [
        set(
          'When',
          "={{ [0].map((ms) => DateTime.fromMillis(ms, { zone: 'Europe/Paris' }).toISO())[0] }}",
        ),
      ]),
    );
    expect((await run(a, reader)).output).toEqual([{ v: '1970-01-01T01:00:00.000+01:00' }]);
    expect((await run(b, tamper)).status).toBe('succeeded');
    expect((await run(a, reader)).output).toEqual([{ v: '1970-01-01T01:00:00.000+01:00' }]);
  });
});

describe('executor processes: limits per execution', { timeout: 180_000 }, () => {
  const { create, run } = limitsWorld({ IZA_WORKFLOWS_EXECUTION_CPU_MS: '1500' });

  it('stops an execution at its processing budget, counted over all its items', async () => {
    // Ten items of 400 ms each: every one under the expression time-out, together past the budget.
    const id = await create(
      workflow('busy items', [
        code('Items', 'return Array.from({ length: 10 }, (_, i) => ({ json: { i } }));'),
        set('Busy', busy(400)),
      ]),
    );
    const result = await run(id);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ name: 'ExecutionLimit' });
    expect(result.error?.message).toMatch(/1500 ms of processing time/);
  });

  it('ends a process held by one section past the budget; the execution beside it starts again', async () => {
    // Sorting 400,000 items is one synchronous section far longer than the 1.5 s budget.
    const hostile = await create(
      workflow('long sort', [
        code(
          'Items',
          'return Array.from({ length: 400000 }, (_, i) => ({ json: { k: (i * 7919) % 400000 } }));',
        ),
        node('Sort', 'sort', {
          sortFieldsUi: { sortField: [{ fieldName: 'k', order: 'ascending' }] },
        }),
      ]),
    );
    const innocent = await create(
      workflow('waits beside it', [
        node('Pause', 'wait', { amount: 2, unit: 'seconds' }, 1.1),
        set('Done', '=finished'),
      ]),
    );
    const [bad, good] = await Promise.all([run(hostile), run(innocent)]);
    expect(bad.status).toBe('failed');
    expect(bad.error?.name).toBe('ExecutionLimit');
    expect(good.status).toBe('succeeded');
    expect(good.output).toEqual([{ v: 'finished' }]);
  });
});

describe('executor processes: memory per process', { timeout: 180_000 }, () => {
  const { create, run } = limitsWorld({
    // Time enough that only memory can end the hostile execution, however busy the machine.
    IZA_WORKFLOWS_EXECUTION_CPU_MS: '120000',
    IZA_WORKFLOWS_EXECUTOR_MEMORY_MB: '128',
    IZA_WORKFLOWS_CODE_MEMORY_MB: '1024',
  });

  it('fails the execution that exhausts its process’s memory; the one beside it finishes', async () => {
    // 300 MB of JSON from a Code node (its isolate may hold it) into a process limited to 128 MB.
    const hostile = await create(
      workflow('huge output', [
        code(
          'Huge',
          "const row = 'x'.repeat(1000); return Array.from({ length: 300000 }, (_, i) => ({ json: { i, row } }));",
        ),
      ]),
    );
    const innocent = await create(
      workflow('small beside it', [
        node('Pause', 'wait', { amount: 1, unit: 'seconds' }, 1.1),
        set('Done', '=fine'),
      ]),
    );
    const [bad, good] = await Promise.all([run(hostile), run(innocent)]);
    expect(bad.status).toBe('failed');
    expect(bad.error?.message).toMatch(/memory/);
    expect(good.status).toBe('succeeded');
    expect(good.output).toEqual([{ v: 'fine' }]);
  });
});
