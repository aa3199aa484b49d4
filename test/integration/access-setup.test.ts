import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { pgliteStorage } from '../helpers/storage.ts';

describe('first run', { timeout: 60_000 }, () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('creates the first administrator only with the one-time token from the log, once', async () => {
    t = await createTestApp({ target: (await pgliteStorage.create()).target });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/setup' })).json().data).toEqual({
      needed: true,
    });
    const token = await t.access.setup.issueToken('http://127.0.0.1:3000');
    expect(token).toMatch(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/);
    const logged = t.logs().find((l) => typeof l.setupToken === 'string');
    expect(logged?.setupToken).toBe(token);

    const body = {
      organisation: 'Gamma Studio',
      email: 'Owner@Gamma.test',
      name: 'Gia Owner',
      password: 'a long enough password',
    };
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { ...body, token: 'aaaaa-bbbbb-ccccc-ddddd' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('invalid_setup_token');

    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { ...body, token },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().data.user).toMatchObject({ email: 'owner@gamma.test', role: 'admin' });
    expect(ok.json().data.organisation).toMatchObject({
      name: 'Gamma Studio',
      slug: 'gamma-studio',
    });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/setup' })).json().data).toEqual({
      needed: false,
    });

    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { ...body, email: 'x@gamma.test', token },
    });
    expect(again.statusCode).toBe(403);
    expect(await t.access.setup.issueToken('http://127.0.0.1:3000')).toBeUndefined();

    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'owner@gamma.test', password: body.password },
    });
    expect(login.statusCode).toBe(200);
  });

  it('offers the same through the form on the web root', async () => {
    t = await createTestApp({ target: (await pgliteStorage.create()).target });
    const token = (await t.access.setup.issueToken('http://127.0.0.1:3000'))!;
    const page = await t.app.inject({ method: 'GET', url: '/' });
    expect(page.body).toContain('<form method="post" action="/setup">');
    const form = (fields: Record<string, string>) =>
      t!.app.inject({
        method: 'POST',
        url: '/setup',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      });
    const fields = {
      token,
      organisation: 'Delta <Studio>',
      name: 'Dee',
      email: 'dee@delta.test',
      password: 'short',
    };
    const short = await form(fields);
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('A password must have 12');
    expect(short.body).toContain('value="Delta &#60;Studio&#62;"');
    const done = await form({ ...fields, password: 'a long enough password' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/?setup=done');
    const after = await t.app.inject({ method: 'GET', url: '/?setup=done' });
    expect(after.body).toContain('The first administrator has been created');
  });

  it("sends the new administrator to the dashboard's sign-in, which confirms the setup", async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'iza-web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>dashboard</title>');
    try {
      t = await createTestApp({ target: (await pgliteStorage.create()).target, webRoot });
      const token = (await t.access.setup.issueToken('http://127.0.0.1:3000'))!;
      const done = await t.app.inject({
        method: 'POST',
        url: '/setup',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          token,
          organisation: 'Echo',
          name: 'Eve',
          email: 'eve@echo.test',
          password: 'a long enough password',
        }).toString(),
      });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe('/login?setup=done');
    } finally {
      rmSync(webRoot, { recursive: true, force: true });
    }
  });
});

describe('rate limits per key, per user and per address', { timeout: 60_000 }, () => {
  let w: AccessWorld | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await w?.close();
    await cleanup?.();
    w = undefined;
    cleanup = undefined;
  });

  it('gives each API key and each user a budget of its own', async () => {
    w = await createAccessWorld((await pgliteStorage.create()).target, {
      IZA_RATE_LIMIT_AUTHENTICATED_MAX: '5',
    });
    const call = (authorization: string) =>
      w!.inject({ method: 'GET', url: '/api/v1/organisation', headers: { authorization } });
    const key = w.callers.find((c) => c.name === 'bot API key')!.authorization!;
    const viewer = w.callers.find((c) => c.name === 'viewer')!.authorization!;
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await call(key)).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await call(key);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // another principal from the same address is not affected
    expect((await call(viewer)).statusCode).toBe(200);
  });

  it('limits sign-in attempts per address more strictly', async () => {
    const t = await createTestApp({
      target: (await pgliteStorage.create()).target,
      env: { IZA_LOGIN_RATE_LIMIT_PER_MINUTE: '3' },
    });
    cleanup = () => t.close();
    const codes = [];
    for (let i = 0; i < 4; i++) {
      codes.push(
        (
          await t.app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            payload: { email: `nobody${i}@x.test`, password: 'whatever it is' },
          })
        ).statusCode,
      );
    }
    expect(codes).toEqual([401, 401, 401, 429]);
  });
});
