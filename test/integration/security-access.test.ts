import { sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kernel/index.ts';
import { createAccessWorld, PASSWORD, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

const START = '2026-06-01T10:00:00.000Z';
const ATTACKER_ADDRESS = '203.0.113.9';

type Res = Awaited<ReturnType<AccessWorld['inject']>>;

/** The answer of a refused request: a 4xx in the envelope, with its code. */
function refused(res: Res, status: number, code?: string): { code: string; message: string } {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json<{ success: boolean; error: { code: string; message: string } }>();
  expect(body.success).toBe(false);
  if (code !== undefined) expect(body.error.code, res.body).toBe(code);
  return body.error;
}

/**
 * Attacks on membership, API keys, sign-in and MFA, each from the attacker's side: another
 * organisation's administrator, a key with less reach than it claims, a stolen session, or
 * anyone on the internet at the sign-in form.
 */
describe.each(storages)('attacks on access control on $name', { timeout: 180_000 }, (storage) => {
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
    const auth = (name: string) => ({
      authorization: w!.callers.find((c) => c.name === name)!.authorization!,
    });
    return { w, clock, auth };
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  // --- 3: one organisation taking over another's people ---------------------------------------

  it('3: adding an existing account from another organisation only invites it', async () => {
    const { w, auth } = await world();
    const b = auth('admin of another organisation');
    const add = await w.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: b,
      payload: { email: 'admin@alpha.test', name: 'Taken Over', role: 'admin' },
    });
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json().data).toMatchObject({ status: 'invited', role: 'admin' });
    // Nothing attached: B cannot see, change or disable the person, who is still A's alone.
    const members = await w.inject({ method: 'GET', url: '/api/v1/users', headers: b });
    expect(members.json().data.map((m: { email: string }) => m.email)).toEqual(['admin@beta.test']);
    for (const [method, url, payload] of [
      ['GET', `/api/v1/users/${w.users.admin}`, undefined],
      ['PATCH', `/api/v1/users/${w.users.admin}`, { status: 'disabled' }],
      ['GET', `/api/v1/users/${w.users.admin}/export`, undefined],
      ['POST', `/api/v1/users/${w.users.admin}/erase`, undefined],
      ['DELETE', `/api/v1/users/${w.users.admin}`, undefined],
    ] as const) {
      refused(
        await w.inject({ method, url, headers: b, ...(payload ? { payload } : {}) }),
        404,
        'not_found',
      );
    }
    const me = await w.inject({ method: 'GET', url: '/api/v1/auth/me', headers: auth('admin') });
    expect(me.json().data.memberships.map((m: { slug: string }) => m.slug)).toEqual([
      'alpha-studio',
    ]);
    expect(
      (await w.inject({ method: 'GET', url: '/api/v1/users', headers: auth('admin') })).statusCode,
    ).toBe(200);
    // The person sees the invitation and declines it; B's audit log records both steps.
    const invitations = await w.inject({
      method: 'GET',
      url: '/api/v1/auth/invitations',
      headers: auth('admin'),
    });
    expect(invitations.json().data).toEqual([
      expect.objectContaining({ organisation: expect.objectContaining({ slug: 'beta-studio' }) }),
    ]);
    const id = invitations.json().data[0].id as string;
    const decline = await w.inject({
      method: 'POST',
      url: `/api/v1/auth/invitations/${id}/decline`,
      headers: auth('admin'),
    });
    expect(decline.statusCode, decline.body).toBe(200);
    const log = await w.inject({ method: 'GET', url: '/api/v1/audit', headers: b });
    const actions = log.json().data.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['invitation.create', 'invitation.decline']));
    // A declined invitation cannot be accepted afterwards.
    refused(
      await w.inject({
        method: 'POST',
        url: `/api/v1/auth/invitations/${id}/accept`,
        headers: auth('admin'),
      }),
      404,
    );
  });

  it('3: once a person belongs to two organisations, each acts only on its own membership', async () => {
    const { w, auth } = await world();
    const a = auth('admin');
    const b = auth('admin of another organisation');
    // A's only administrator joins B as a viewer, by accepting B's invitation.
    const invite = await w.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: b,
      payload: { email: 'admin@alpha.test', name: 'Ada', role: 'viewer' },
    });
    expect(invite.statusCode, invite.body).toBe(201);
    const [pending] = (
      await w.inject({ method: 'GET', url: '/api/v1/auth/invitations', headers: a })
    ).json().data as { id: string }[];
    const accept = await w.inject({
      method: 'POST',
      url: `/api/v1/auth/invitations/${pending!.id}/accept`,
      headers: a,
    });
    expect(accept.statusCode, accept.body).toBe(200);
    const person = w.users.admin;

    // B disables the person: only B's membership.
    const disable = await w.inject({
      method: 'PATCH',
      url: `/api/v1/users/${person}`,
      headers: b,
      payload: { status: 'disabled' },
    });
    expect(disable.statusCode, disable.body).toBe(200);
    expect(disable.json().data.status).toBe('disabled');
    expect((await w.inject({ method: 'GET', url: '/api/v1/users', headers: a })).statusCode).toBe(
      200,
    );
    expect(
      (await w.login('admin@alpha.test', { organisation: 'alpha-studio' })).accessToken,
    ).toMatch(/^iza_at_/);
    refused(
      await w.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'admin@alpha.test', password: PASSWORD, organisation: 'beta-studio' },
      }),
      403,
    );

    // B cannot rename an account A also holds.
    const rename = await w.inject({
      method: 'PATCH',
      url: `/api/v1/users/${person}`,
      headers: b,
      payload: { name: 'Mallory' },
    });
    refused(rename, 409, 'account_shared');
    const [user] = await w.access.users.usersByIds([person]);
    expect(user).toMatchObject({ name: 'Ada Admin', status: 'active' });

    // B's export holds only what B holds: no trace of A.
    const exported = await w.inject({
      method: 'GET',
      url: `/api/v1/users/${person}/export`,
      headers: b,
    });
    expect(exported.statusCode).toBe(200);
    const text = JSON.stringify(exported.json().data);
    expect(text).not.toContain('alpha-studio');
    expect(text).not.toContain(w.orgA);
    expect(exported.json().data.memberships).toEqual([
      expect.objectContaining({ slug: 'beta-studio' }),
    ]);

    // B's erasure removes the person from B only; A's records of them stay.
    const chainA = await w.access.audit.verify();
    const erase = await w.inject({
      method: 'POST',
      url: `/api/v1/users/${person}/erase`,
      headers: b,
    });
    expect(erase.statusCode, erase.body).toBe(200);
    expect(erase.json().data.outcome).toBe('removed_from_organisation');
    const [still] = await w.access.users.usersByIds([person]);
    expect(still).toMatchObject({ email: 'admin@alpha.test', status: 'active' });
    expect((await w.inject({ method: 'GET', url: '/api/v1/users', headers: a })).statusCode).toBe(
      200,
    );
    const after = await w.access.audit.verify();
    expect(after.ok).toBe(true);
    const headA = (r: typeof after) => r.chains.find((c) => c.chain === `org:${w.orgA}`)?.head;
    expect(headA(after)).toEqual(headA(chainA));
    const redactedInA = await w.kernel.db.execute(
      sql`select count(*)::int as n from audit_log where org_id = ${w.orgA} and redacted_by is not null`,
    );
    expect((redactedInA as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
  });

  it('3: invitations expire, belong to their person, and need the person', async () => {
    const { w, clock, auth } = await world({ IZA_INVITATION_TTL_SECONDS: '3600' });
    const b = auth('admin of another organisation');
    await w.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: b,
      payload: { email: 'viewer@alpha.test', name: 'Vi', role: 'editor' },
    });
    const [invitation] = (
      await w.inject({ method: 'GET', url: '/api/v1/auth/invitations', headers: auth('viewer') })
    ).json().data as { id: string }[];
    const url = `/api/v1/auth/invitations/${invitation!.id}/accept`;
    // Someone else cannot accept it, and neither can an API key.
    refused(await w.inject({ method: 'POST', url, headers: auth('editor') }), 404);
    refused(await w.inject({ method: 'POST', url, headers: auth('bot API key') }), 403);
    clock.advance(3_601_000);
    const { accessToken } = await w.login('viewer@alpha.test');
    refused(await w.inject({ method: 'POST', url, headers: bearer(accessToken) }), 410);
    expect((await w.access.users.listMembers(w.orgB)).map((m) => m.email)).toEqual([
      'admin@beta.test',
    ]);
  });

  // --- 15: venture-scoped API keys --------------------------------------------------------------

  it('15: a venture-scoped key reaches only routes that enforce venture scope', async () => {
    const { w, auth } = await world();
    const admin = auth('admin');
    const ids: string[] = [];
    for (const slug of ['alpha', 'bravo']) {
      const res = await w.inject({
        method: 'POST',
        url: '/api/v1/portfolio/ventures',
        headers: admin,
        payload: { slug, name: slug, category: 'technology' },
      });
      ids.push(res.json().data.id as string);
    }
    const created = await w.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: admin,
      payload: { name: 'alpha only', role: 'editor', ventureIds: [ids[0]] },
    });
    const key = bearer(created.json().data.key as string);
    const entitiesBefore = await w.inject({
      method: 'GET',
      url: '/api/v1/ledger/entities',
      headers: admin,
    });
    for (const [method, url, payload] of [
      ['GET', '/api/v1/ledger/entities', undefined],
      [
        'POST',
        '/api/v1/ledger/entities',
        { code: 'BRAVO', name: 'Bravo Ltd', kind: 'venture', baseCurrency: 'EUR' },
      ],
      ['GET', '/api/v1/secrets', undefined],
      ['PUT', '/api/v1/secrets/STRIPE_KEY', { value: 'sk_live_stolen' }],
      ['GET', '/api/v1/workflows', undefined],
      ['GET', '/api/v1/agents', undefined],
      ['GET', '/api/v1/audit', undefined],
      ['GET', '/api/v1/organisation', undefined],
    ] as const) {
      const error = refused(
        await w.inject({ method, url, headers: key, ...(payload ? { payload } : {}) }),
        403,
        'venture_scope',
      );
      expect(error.message).toMatch(/limited to ventures/);
    }
    const after = await w.inject({ method: 'GET', url: '/api/v1/ledger/entities', headers: admin });
    expect(after.json().data).toEqual(entitiesBefore.json().data);
    const secrets = await w.inject({ method: 'GET', url: '/api/v1/secrets', headers: admin });
    expect(secrets.json().data).toEqual([]);
    // Its own ventures work; the others do not exist for it.
    const list = await w.inject({ method: 'GET', url: '/api/v1/portfolio/ventures', headers: key });
    expect(list.json().data.ventures.map((v: { slug: string }) => v.slug)).toEqual(['alpha']);
    refused(
      await w.inject({ method: 'GET', url: `/api/v1/portfolio/ventures/${ids[1]}`, headers: key }),
      404,
    );
  });

  // --- 16: API keys outliving their creator's rights ---------------------------------------------

  it('16: a key acts with at most its creator’s current role, and not at all once they are gone', async () => {
    const { w, auth } = await world();
    const admin = auth('admin');
    await w.access.users.addMember(
      w.orgA,
      { email: 'admin2@alpha.test', name: 'Second Admin', password: PASSWORD, role: 'admin' },
      'system',
    );
    const second = bearer((await w.login('admin2@alpha.test')).accessToken);
    const secondId = (await w.access.users.listMembers(w.orgA)).find(
      (m) => m.email === 'admin2@alpha.test',
    )!.id;
    const mint = async (headers: Record<string, string>, name: string) => {
      const res = await w.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers,
        payload: { name, role: 'admin' },
      });
      expect(res.statusCode, res.body).toBe(201);
      return bearer(res.json().data.key as string);
    };
    const key = await mint(second, 'admin key');
    // A key minted by that key answers for the same person.
    const child = await mint(key, 'minted by a key');
    const users = (headers: Record<string, string>) =>
      w.inject({ method: 'GET', url: '/api/v1/users', headers });
    const org = (headers: Record<string, string>) =>
      w.inject({ method: 'GET', url: '/api/v1/organisation', headers });
    expect((await users(key)).statusCode).toBe(200);

    const patch = (payload: Record<string, unknown>) =>
      w.inject({ method: 'PATCH', url: `/api/v1/users/${secondId}`, headers: admin, payload });
    expect((await patch({ role: 'editor' })).statusCode).toBe(200);
    // At once (no wait for the principal cache): editor rights only.
    for (const k of [key, child]) {
      refused(await users(k), 403, 'forbidden');
      expect((await org(k)).statusCode).toBe(200);
      refused(
        await w.inject({
          method: 'POST',
          url: '/api/v1/api-keys',
          headers: k,
          payload: { name: `escalate ${Math.random()}`, role: 'admin' },
        }),
        403,
      );
    }
    expect((await patch({ status: 'disabled' })).statusCode).toBe(200);
    for (const k of [key, child]) refused(await org(k), 401);
    expect((await patch({ status: 'active' })).statusCode).toBe(200);
    expect((await org(key)).statusCode).toBe(200);
    const remove = await w.inject({
      method: 'DELETE',
      url: `/api/v1/users/${secondId}`,
      headers: admin,
    });
    expect(remove.statusCode).toBe(200);
    for (const k of [key, child]) refused(await org(k), 401);
  });

  // --- 19: guessing TOTP codes with a stolen session ---------------------------------------------

  it('19: wrong MFA codes from a signed-in session lock MFA checks like failed sign-ins', async () => {
    const { w, clock } = await world({ IZA_MAX_FAILED_LOGINS: '3', IZA_LOCKOUT_SECONDS: '60' });
    const session = bearer((await w.login('viewer@alpha.test')).accessToken);
    const enrol = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/enrol',
      headers: session,
    });
    const secret = Secret.fromBase32(enrol.json().data.secret as string);
    const code = () => TOTP.generate({ secret, timestamp: clock.now().getTime() });
    const activate = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/activate',
      headers: session,
      payload: { code: code() },
    });
    expect(activate.statusCode).toBe(200);
    clock.advance(30_000);
    const disable = (c: string) =>
      w.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa/disable',
        headers: session,
        payload: { code: c },
      });
    const wrong = code() === '000000' ? '111111' : '000000';
    refused(await disable(wrong), 401, 'mfa_invalid_code');
    refused(await disable(wrong), 401, 'mfa_invalid_code');
    const locked = await disable(wrong);
    refused(locked, 429, 'mfa_locked');
    expect(Number(locked.headers['retry-after'])).toBe(60);
    // Even the right code waits now, and MFA stays on.
    const right = await disable(code());
    refused(right, 429, 'mfa_locked');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    expect(await w.access.mfa.isEnabled(w.users.viewer)).toBe(true);
    clock.advance(61_000);
    expect((await disable(code())).statusCode).toBe(200);
  });

  // --- 20: lockout as a weapon and an oracle -------------------------------------------------------

  it('20: failures from an attacker’s address do not lock the owner out', async () => {
    const { w } = await world({ IZA_MAX_FAILED_LOGINS: '3', IZA_LOCKOUT_SECONDS: '600' });
    const attempt = (password: string, remoteAddress: string) =>
      w.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        payload: { email: 'editor@alpha.test', password },
      });
    for (let i = 0; i < 2; i++) refused(await attempt('wrong', ATTACKER_ADDRESS), 401);
    const locked = await attempt('wrong', ATTACKER_ADDRESS);
    refused(locked, 429);
    expect(Number(locked.headers['retry-after'])).toBe(600);
    refused(await attempt(PASSWORD, ATTACKER_ADDRESS), 429);
    // The owner, from their own address, signs in as usual.
    expect((await attempt(PASSWORD, '198.51.100.20')).statusCode).toBe(200);
  });

  it('20: unknown e-mails answer exactly like known ones, locked or not', async () => {
    const { w } = await world({ IZA_MAX_FAILED_LOGINS: '3', IZA_LOCKOUT_SECONDS: '600' });
    const answers = async (email: string) => {
      const seen: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await w.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: ATTACKER_ADDRESS,
          payload: { email, password: `guess ${i}` },
        });
        const { code, message } = res.json().error as { code: string; message: string };
        seen.push([res.statusCode, code, message, res.headers['retry-after'] ?? null]);
      }
      return seen;
    };
    const known = await answers('editor@alpha.test');
    const unknown = await answers('nobody@alpha.test');
    expect(known.map((k) => (k as unknown[])[0])).toEqual([401, 401, 429, 429, 429]);
    expect(unknown).toEqual(known);
  });

  // --- 24: refreshing a session of someone who lost access ---------------------------------------

  it('24: a disabled, removed or erased person cannot refresh a session, which then ends', async () => {
    const { w, auth } = await world();
    const admin = auth('admin');
    const refresh = (refreshToken: string) =>
      w.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
    const ended = async (session: { sessionId: string }) => {
      const rows = await w.kernel.db.execute(
        sql`select revoked_at from sessions where id = ${session.sessionId}`,
      );
      return (rows as { rows: { revoked_at: unknown }[] }).rows[0]?.revoked_at != null;
    };

    // A disabled membership.
    const editor = await w.login('editor@alpha.test');
    await w.inject({
      method: 'PATCH',
      url: `/api/v1/users/${w.users.editor}`,
      headers: admin,
      payload: { status: 'disabled' },
    });
    refused(await refresh(editor.refreshToken), 401, 'invalid_refresh_token');
    expect(await ended(editor)).toBe(true);
    await w.inject({
      method: 'PATCH',
      url: `/api/v1/users/${w.users.editor}`,
      headers: admin,
      payload: { status: 'active' },
    });
    // The session stays ended.
    refused(await refresh(editor.refreshToken), 401);

    // An account disabled for the whole installation.
    const viewer = await w.login('viewer@alpha.test');
    await w.kernel.db.execute(
      sql`update users set status = 'disabled' where id = ${w.users.viewer}`,
    );
    refused(await refresh(viewer.refreshToken), 401, 'invalid_refresh_token');
    expect(await ended(viewer)).toBe(true);

    // A removed member.
    const bot = await w.login('bot@alpha.test');
    await w.inject({ method: 'DELETE', url: `/api/v1/users/${w.users.botUser}`, headers: admin });
    refused(await refresh(bot.refreshToken), 401, 'invalid_refresh_token');
    expect(await ended(bot)).toBe(true);

    // An erased person.
    await w.access.users.addMember(
      w.orgA,
      { email: 'leaving@alpha.test', name: 'Leaving', password: PASSWORD, role: 'viewer' },
      'system',
    );
    const leaving = await w.login('leaving@alpha.test');
    const id = (await w.access.users.listMembers(w.orgA)).find(
      (m) => m.email === 'leaving@alpha.test',
    )!.id;
    expect(
      (await w.inject({ method: 'POST', url: `/api/v1/users/${id}/erase`, headers: admin }))
        .statusCode,
    ).toBe(200);
    refused(await refresh(leaving.refreshToken), 401, 'invalid_refresh_token');
  });
});
