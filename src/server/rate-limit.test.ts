import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessWorld, LOCAL_TOKEN, type AccessWorld } from '../../test/helpers/access.ts';
import { storages } from '../../test/helpers/storage.ts';
import { describeWindow } from './rate-limit.ts';

describe.each(storages)('rate limits on $name', (storage) => {
  let w: AccessWorld;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target, {
      IZA_RATE_LIMIT_MAX: '3',
      IZA_RATE_LIMIT_AUTHENTICATED_MAX: '5',
      IZA_RATE_LIMIT_WINDOW_MS: '60000',
    });
  });
  afterAll(async () => {
    await w.close();
    await drop();
  });

  const get = (authorization?: string, headers: Record<string, string> = {}) =>
    w.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { ...(authorization ? { authorization } : {}), ...headers },
    });
  const codes = async (n: number, send: () => ReturnType<typeof get>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await send()).statusCode);
    return out;
  };

  it('exempts the local administrator token, and counts each principal on its own', async () => {
    // The local administrator: far past every limit, never refused (iza demo through a server).
    const local = await codes(50, () =>
      w.inject({
        method: 'GET',
        url: '/api/v1/portfolio/ventures?limit=1',
        headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'x-iza-org': w.orgA },
      }),
    );
    expect(local.every((c) => c === 200)).toBe(true);

    // Signed-in callers from the same address: each has its own, higher budget.
    const admin = w.callers.find((c) => c.name === 'admin')!.authorization!;
    const key = w.callers.find((c) => c.name === 'bot API key')!.authorization!;
    expect(await codes(6, () => get(admin))).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await codes(6, () => get(key))).toEqual([200, 200, 200, 200, 200, 429]);

    // Anonymous callers share the per-address budget, which the above did not use.
    const anonymous = () => w.inject({ method: 'GET', url: '/api/v1/none' });
    expect(await codes(4, anonymous)).toEqual([404, 404, 404, 429]);
  });

  it('states the limit and its window, and the time left separately', async () => {
    const viewer = w.callers.find((c) => c.name === 'viewer')!.authorization!;
    let last = await get(viewer);
    for (let i = 0; i < 5; i++) last = await get(viewer);
    expect(last.statusCode).toBe(429);
    const retryAfter = Number(last.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const message = last.json<{ error: { code: string; message: string } }>().error;
    expect(message.code).toBe('rate_limited');
    expect(message.message).toMatch(
      new RegExp(`^Too many requests: at most 5 per 1 minute; retry in ${retryAfter} seconds?$`),
    );
  });
});

describe('describeWindow', () => {
  it('names whole units and rounds seconds up', () => {
    expect(describeWindow(60_000)).toBe('1 minute');
    expect(describeWindow(900_000)).toBe('15 minutes');
    expect(describeWindow(3_600_000)).toBe('1 hour');
    expect(describeWindow(41_000)).toBe('41 seconds');
    expect(describeWindow(1_000)).toBe('1 second');
    expect(describeWindow(1_200)).toBe('2 seconds');
  });
});
