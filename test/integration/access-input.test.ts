import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { pgliteStorage } from '../helpers/storage.ts';

const NASTY = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  'Robert"); DELETE FROM memberships; --',
  '\\x00\\u0000%00',
  '$$; select pg_sleep(5); $$',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '😀'.repeat(50),
];

/** Bad input of every kind gets a clear 4xx in the envelope, never a 500. */
describe('bad input to the access routes', { timeout: 120_000 }, () => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let admin: Record<string, string>;
  beforeAll(async () => {
    const created = await pgliteStorage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target, { IZA_BODY_LIMIT_BYTES: '16384' });
    admin = { authorization: w.callers.find((c) => c.name === 'admin')!.authorization! };
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  const expectClear4xx = (
    res: {
      statusCode: number;
      json: () => { success: boolean; error: { code: string; message: string } };
    },
    label: string,
  ) => {
    expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, label).toBeLessThan(500);
    const body = res.json();
    expect(body.success, label).toBe(false);
    expect(body.error.code, label).toMatch(/^[a-z_]+$/);
    expect(body.error.message.length, label).toBeGreaterThan(5);
  };

  it('refuses malformed tokens with 401', async () => {
    for (const authorization of [
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      'Bearer iza_at_short',
      'Bearer iza_at_' + 'A'.repeat(43),
      'Bearer iza_key_abc_def',
      'Bearer iza_key_' + 'a'.repeat(12) + '_' + 'B'.repeat(43),
      "Bearer ' OR 1=1 --",
      'Bearer ' + 'x'.repeat(5000),
    ]) {
      const res = await w.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization },
      });
      expect(res.statusCode, authorization.slice(0, 40)).toBe(401);
      expectClear4xx(res, authorization.slice(0, 40));
    }
    const cookie = await w.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: 'iza_at=garbage' },
    });
    expect(cookie.statusCode).toBe(401);
    const refresh = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: 'iza_rt_nope' },
    });
    expect(refresh.statusCode).toBe(401);
  });

  it('refuses oversized bodies with 413', async () => {
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin,
      payload: { email: 'big@alpha.test', name: 'x'.repeat(20_000), role: 'viewer' },
    });
    expect(res.statusCode).toBe(413);
    expectClear4xx(res, 'oversized');
  });

  it('refuses unknown fields, naming them', async () => {
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin,
      payload: { email: 'new@alpha.test', name: 'New', role: 'viewer', isSuperuser: true },
    });
    expect(res.statusCode).toBe(400);
    expectClear4xx(res, 'unknown field');
    expect(res.json().error.message).toContain('isSuperuser');
  });

  it('refuses wrong types, bad e-mails, unknown roles and short passwords', async () => {
    for (const payload of [
      { email: 'not an email', name: 'X', role: 'viewer' },
      { email: 'a@alpha.test', name: 42, role: 'viewer' },
      { email: 'a@alpha.test', name: 'X', role: 'superadmin' },
      { email: 'a@alpha.test', name: 'X', role: 'viewer', password: 'short' },
      [],
      'text',
    ]) {
      const res = await w.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: admin,
        payload: payload as object,
      });
      expectClear4xx(res, JSON.stringify(payload));
    }
  });

  it('stores SQL metacharacters in every string field as plain text', async () => {
    const attempts: {
      method: 'POST' | 'PATCH' | 'GET' | 'PUT';
      url: string;
      payload?: Record<string, unknown>;
    }[] = [];
    for (const [i, nasty] of NASTY.entries()) {
      attempts.push(
        { method: 'POST', url: '/api/v1/auth/login', payload: { email: nasty, password: nasty } },
        {
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: {
            email: 'admin@alpha.test',
            password: nasty,
            organisation: nasty,
            code: nasty.slice(0, 32),
          },
        },
        {
          method: 'POST',
          url: '/api/v1/users',
          payload: {
            email: `n${i}@alpha.test`,
            name: nasty,
            role: 'viewer',
            password: 'a long enough password',
          },
        },
        { method: 'PATCH', url: `/api/v1/users/${w.users.viewer}`, payload: { name: nasty } },
        { method: 'PATCH', url: '/api/v1/organisation', payload: { name: nasty } },
        {
          method: 'POST',
          url: '/api/v1/api-keys',
          payload: { name: `${nasty} ${i}`, role: 'bot' },
        },
        { method: 'GET', url: `/api/v1/users/${encodeURIComponent(nasty)}` },
        { method: 'GET', url: `/api/v1/audit?action=${encodeURIComponent(nasty)}` },
        {
          method: 'POST',
          url: '/api/v1/setup',
          payload: {
            token: nasty,
            organisation: nasty,
            email: 'x@y.test',
            name: nasty,
            password: nasty,
          },
        },
      );
    }
    for (const attempt of attempts) {
      const res = await w.inject({
        method: attempt.method,
        url: attempt.url,
        headers: admin,
        ...(attempt.payload ? { payload: attempt.payload } : {}),
      });
      const label = `${attempt.method} ${attempt.url} ${JSON.stringify(attempt.payload ?? {}).slice(0, 80)}`;
      expect(res.statusCode, `${label}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
      if (res.statusCode >= 400) expectClear4xx(res, label);
    }
    // stored verbatim, and nothing was dropped
    const members = await w.access.users.listMembers(w.orgA);
    expect(members.map((m) => m.name)).toEqual(expect.arrayContaining([NASTY[1], NASTY[2]]));
    expect(members.length).toBeGreaterThanOrEqual(4 + NASTY.length);
  });
});
