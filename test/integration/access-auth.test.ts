import { Secret, TOTP } from 'otpauth';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kernel/index.ts';
import { createAccessWorld, PASSWORD, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

const START = '2026-06-01T10:00:00.000Z';

describe.each(storages)('signing in on $name', { timeout: 120_000 }, (storage) => {
  let w: AccessWorld | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await w?.close();
    await drop?.();
    w = undefined;
  });
  async function world(env: Record<string, string> = {}, clock = new ManualClock(START)) {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target, env, clock);
    return { w, clock };
  }
  const me = (world: AccessWorld, token: string) =>
    world.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${token}` },
    });

  it('locks an e-mail at an address after repeated failures, with Retry-After, then lets it in again', async () => {
    const { w, clock } = await world({ IZA_MAX_FAILED_LOGINS: '3', IZA_LOCKOUT_SECONDS: '600' });
    const attempt = (password: string) =>
      w.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'editor@alpha.test', password },
      });
    expect((await attempt('wrong password 1')).statusCode).toBe(401);
    expect((await attempt('wrong password 2')).statusCode).toBe(401);
    const third = await attempt('wrong password 3');
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe('account_locked');
    expect(Number(third.headers['retry-after'])).toBe(600);
    // even the right password is refused while locked
    const locked = await attempt(PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    clock.advance(601_000);
    expect((await attempt(PASSWORD)).statusCode).toBe(200);
  });

  it('locks an e-mail everywhere after the account-wide limit, across addresses', async () => {
    const { w } = await world({
      IZA_MAX_FAILED_LOGINS: '2',
      IZA_ACCOUNT_MAX_FAILED_LOGINS: '4',
      IZA_LOCKOUT_SECONDS: '600',
    });
    const attempt = (password: string, remoteAddress: string) =>
      w.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        payload: { email: 'editor@alpha.test', password },
      });
    expect((await attempt('wrong', '198.51.100.1')).statusCode).toBe(401);
    expect((await attempt('wrong', '198.51.100.1')).statusCode).toBe(429);
    expect((await attempt('wrong', '198.51.100.2')).statusCode).toBe(401);
    // Four failures in all: now the e-mail is locked from every address, the owner's too.
    const fourth = await attempt('wrong', '198.51.100.2');
    expect(fourth.statusCode).toBe(429);
    const owner = await attempt(PASSWORD, '192.0.2.77');
    expect(owner.statusCode).toBe(429);
    expect(owner.json().error.code).toBe('account_locked');
    expect(Number(owner.headers['retry-after'])).toBe(600);
  });

  it('does not tell unknown accounts from wrong passwords', async () => {
    const { w } = await world();
    const unknown = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'nobody@alpha.test', password: PASSWORD },
    });
    const wrong = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'viewer@alpha.test', password: 'not the password' },
    });
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json().error).toEqual(wrong.json().error);
  });

  it('rotates refresh tokens and ends the session when a used one comes back', async () => {
    const { w } = await world();
    const first = await w.login('editor@alpha.test');
    const refresh = (refreshToken: string) =>
      w.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
    const second = await refresh(first.refreshToken);
    expect(second.statusCode).toBe(200);
    const tokens = second.json().data;
    expect(tokens.refreshToken).not.toBe(first.refreshToken);
    expect((await me(w, tokens.accessToken)).statusCode).toBe(200);

    const reuse = await refresh(first.refreshToken);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().error.code).toBe('refresh_token_reused');
    // the whole family is gone: the newest refresh token and the access tokens too
    expect((await refresh(tokens.refreshToken)).statusCode).toBe(401);
    expect((await me(w, tokens.accessToken)).statusCode).toBe(401);
    expect((await me(w, first.accessToken)).statusCode).toBe(401);
  });

  it('expires access tokens, and refuses expired and revoked API keys', async () => {
    const { w, clock } = await world({ IZA_ACCESS_TOKEN_TTL_SECONDS: '60' });
    const { accessToken } = await w.login('viewer@alpha.test');
    const signedIn = await me(w, accessToken);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().data).toMatchObject({
      kind: 'user',
      email: 'viewer@alpha.test',
      name: expect.any(String),
      role: 'viewer',
    });

    const expiring = await w.access.apiKeys.create(
      w.orgA,
      { name: 'short-lived', role: 'bot', expiresAt: new Date(clock.now().getTime() + 3_600_000) },
      { role: 'system', userId: null },
    );
    const revoked = await w.access.apiKeys.create(
      w.orgA,
      { name: 'to revoke', role: 'viewer' },
      { role: 'system', userId: null },
    );
    const asKey = await me(w, expiring.key);
    expect(asKey.statusCode).toBe(200);
    expect(asKey.json().data).toMatchObject({ kind: 'apikey', name: null, email: null });
    expect((await me(w, revoked.key)).statusCode).toBe(200);

    const revoke = await w.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${revoked.id}`,
      headers: { authorization: w.callers.find((c) => c.name === 'admin')!.authorization! },
    });
    expect(revoke.statusCode).toBe(200);
    const afterRevoke = await me(w, revoked.key);
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json().error.message).toMatch(/revoked or expired/);

    clock.advance(3_600_001);
    expect((await me(w, expiring.key)).statusCode).toBe(401);
    expect((await me(w, accessToken)).statusCode).toBe(401);
    const listed = await w.access.apiKeys.list(w.orgA);
    expect(listed.find((k) => k.name === 'short-lived')?.lastUsedAt).not.toBeNull();
  });

  it('requires MFA for administrators when the organisation says so', async () => {
    const { w, clock } = await world();
    const admin = w.callers.find((c) => c.name === 'admin')!.authorization!;
    const set = await w.inject({
      method: 'PATCH',
      url: '/api/v1/organisation',
      headers: { authorization: admin },
      payload: { requireMfaForAdmins: true },
    });
    expect(set.json().data.requireMfaForAdmins).toBe(true);

    const { accessToken } = await w.login('admin@alpha.test');
    const auth = { authorization: `Bearer ${accessToken}` };
    const blocked = await w.inject({ method: 'GET', url: '/api/v1/users', headers: auth });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('mfa_enrolment_required');
    expect((await me(w, accessToken)).json().data.mfaEnrolmentRequired).toBe(true);
    // other roles are not affected
    const { accessToken: viewerToken } = await w.login('viewer@alpha.test');
    expect(
      (
        await w.inject({
          method: 'GET',
          url: '/api/v1/organisation',
          headers: { authorization: `Bearer ${viewerToken}` },
        })
      ).statusCode,
    ).toBe(200);

    const enrol = await w.inject({ method: 'POST', url: '/api/v1/auth/mfa/enrol', headers: auth });
    expect(enrol.statusCode).toBe(200);
    const { secret, otpauthUrl, qrSvg } = enrol.json().data;
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/IZA%20OS:admin%40alpha\.test\?/);
    expect(qrSvg).toContain('<svg');
    const code = (offsetMs = 0) =>
      TOTP.generate({
        secret: Secret.fromBase32(secret),
        timestamp: clock.now().getTime() + offsetMs,
      });
    const wrong = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/activate',
      headers: auth,
      payload: { code: '000000' === code() ? '111111' : '000000' },
    });
    expect(wrong.statusCode).toBe(401);
    const activate = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/activate',
      headers: auth,
      payload: { code: code() },
    });
    expect(activate.statusCode).toBe(200);
    const recoveryCodes: string[] = activate.json().data.recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(
      (await w.inject({ method: 'GET', url: '/api/v1/users', headers: auth })).statusCode,
    ).toBe(200);

    // from now on a password alone is not enough
    const noCode = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'admin@alpha.test', password: PASSWORD },
    });
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().error.code).toBe('mfa_required');
    clock.advance(30_000);
    const withCode = code();
    expect((await w.login('admin@alpha.test', { code: withCode })).accessToken).toMatch(/^iza_at_/);
    // the same code cannot be used twice
    const replay = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'admin@alpha.test', password: PASSWORD, code: withCode },
    });
    expect(replay.json().error.code).toBe('mfa_invalid_code');
    // a recovery code works once
    expect((await w.login('admin@alpha.test', { code: recoveryCodes[0] })).accessToken).toMatch(
      /^iza_at_/,
    );
    const again = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'admin@alpha.test', password: PASSWORD, code: recoveryCodes[0] },
    });
    expect(again.statusCode).toBe(401);
    // the secret is sealed at rest
    const stored = await w.kernel.db.execute(sql`select totp_secret_sealed as s from user_mfa`);
    expect(JSON.stringify((stored as { rows: unknown[] }).rows)).not.toContain(secret);
    // and the organisation's rule stops an administrator from turning it off
    clock.advance(30_000);
    const disable = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/disable',
      headers: auth,
      payload: { code: code() },
    });
    expect(disable.statusCode).toBe(409);
  });

  it('keeps browser sessions in httpOnly cookies and requires the CSRF token on writes', async () => {
    const { w } = await world();
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'admin@alpha.test', password: PASSWORD, mode: 'cookie' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json().data;
    expect(body.accessToken).toBeUndefined();
    expect(body.refreshToken).toBeUndefined();
    const cookies = Object.fromEntries(res.cookies.map((c) => [c.name, c]));
    expect(cookies.iza_at).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/',
    });
    expect(cookies.iza_rt).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/api/v1/auth',
    });
    expect(cookies.iza_csrf?.httpOnly).toBeFalsy();
    expect(cookies.iza_csrf?.value).toBe(body.csrfToken);
    const cookieHeader = { cookie: `iza_at=${cookies.iza_at!.value}` };

    expect(
      (await w.inject({ method: 'GET', url: '/api/v1/auth/me', headers: cookieHeader })).statusCode,
    ).toBe(200);
    const noCsrf = await w.inject({
      method: 'PATCH',
      url: '/api/v1/organisation',
      headers: cookieHeader,
      payload: { name: 'Renamed' },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('csrf_failed');
    const badCsrf = await w.inject({
      method: 'PATCH',
      url: '/api/v1/organisation',
      headers: { ...cookieHeader, 'x-csrf-token': 'guess' },
      payload: { name: 'Renamed' },
    });
    expect(badCsrf.statusCode).toBe(403);
    const good = await w.inject({
      method: 'PATCH',
      url: '/api/v1/organisation',
      headers: { ...cookieHeader, 'x-csrf-token': body.csrfToken },
      payload: { name: 'Renamed' },
    });
    expect(good.statusCode).toBe(200);

    // the refresh cookie renews the session
    const renewed = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { cookie: `iza_rt=${cookies.iza_rt!.value}` },
    });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(renewed.cookies.find((c) => c.name === 'iza_at')?.value).toMatch(/^iza_at_/);
  });

  it('lists and ends sessions, and signs out', async () => {
    const { w } = await world();
    const one = await w.login('editor@alpha.test');
    const two = await w.login('editor@alpha.test');
    const auth = { authorization: `Bearer ${one.accessToken}` };
    const list = await w.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: auth });
    const sessions = list.json().data as { id: string; current: boolean }[];
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const other = sessions.find((s) => !s.current && s.id)!;
    // the matrix world signed the editor in once already, so there are at least the two here
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    const twoSession = (
      await w.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization: `Bearer ${two.accessToken}` },
      })
    ).statusCode;
    expect(twoSession).toBe(200);
    const end = await w.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${other.id}`,
      headers: auth,
    });
    expect(end.statusCode).toBe(200);
    const logout = await w.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: auth });
    expect(logout.statusCode).toBe(200);
    expect((await me(w, one.accessToken)).statusCode).toBe(401);
  });

  it('ends every other session of the person, and only theirs', async () => {
    const { w } = await world();
    const here = await w.login('editor@alpha.test');
    const laptop = await w.login('editor@alpha.test');
    const phone = await w.login('editor@alpha.test');
    const someoneElse = await w.login('viewer@alpha.test');
    const ended = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/sessions/end-others',
      headers: { authorization: `Bearer ${here.accessToken}` },
      payload: {},
    });
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json().data.ended).toBeGreaterThanOrEqual(2);
    expect((await me(w, here.accessToken)).statusCode).toBe(200);
    expect((await me(w, laptop.accessToken)).statusCode).toBe(401);
    expect((await me(w, phone.accessToken)).statusCode).toBe(401);
    expect((await me(w, someoneElse.accessToken)).statusCode).toBe(200);
    // The ended sessions cannot be renewed either.
    const renew = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: laptop.refreshToken },
    });
    expect(renew.statusCode).toBe(401);
    const list = await w.inject({
      method: 'GET',
      url: '/api/v1/auth/sessions',
      headers: { authorization: `Bearer ${here.accessToken}` },
    });
    expect((list.json().data as { current: boolean }[]).map((s) => s.current)).toEqual([true]);
  });
});
