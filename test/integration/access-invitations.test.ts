import { afterEach, describe, expect, it } from 'vitest';
import { createAccessWorld, PASSWORD, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

/** Joining a second organisation by invitation, and what each side may change. */
describe.each(storages)('invitations and memberships on $name', { timeout: 180_000 }, (storage) => {
  let w: AccessWorld | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await w?.close();
    await drop?.();
    w = undefined;
  });
  async function world() {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
    const auth = (name: string) => ({
      authorization: w!.callers.find((c) => c.name === name)!.authorization!,
    });
    return { w, auth, b: auth('admin of another organisation') };
  }
  const invite = (w: AccessWorld, headers: Record<string, string>, email: string, role: string) =>
    w.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers,
      payload: { email, name: 'Invited', role },
    });
  const mine = async (w: AccessWorld, headers: Record<string, string>) =>
    (await w.inject({ method: 'GET', url: '/api/v1/auth/invitations', headers })).json().data as {
      id: string;
      role: string;
      organisation: { slug: string };
    }[];

  it('makes an invited person a member once they accept, audited in the inviting organisation', async () => {
    const { w, auth, b } = await world();
    const sent = await invite(w, b, 'viewer@alpha.test', 'editor');
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().data).toMatchObject({
      id: w.users.viewer,
      status: 'invited',
      invitation: { id: expect.any(String), expiresAt: expect.any(String) },
    });
    const listed = await w.inject({ method: 'GET', url: '/api/v1/invitations', headers: b });
    expect(listed.json().data).toEqual([
      expect.objectContaining({ email: 'viewer@alpha.test', role: 'editor', status: 'pending' }),
    ]);
    const [pending] = await mine(w, auth('viewer'));
    expect(pending).toMatchObject({ role: 'editor', organisation: { slug: 'beta-studio' } });
    const accept = await w.inject({
      method: 'POST',
      url: `/api/v1/auth/invitations/${pending!.id}/accept`,
      headers: auth('viewer'),
    });
    expect(accept.json().data).toEqual({ organisationId: w.orgB, role: 'editor' });
    const members = await w.inject({ method: 'GET', url: '/api/v1/users', headers: b });
    expect(members.json().data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: 'viewer@alpha.test', role: 'editor', status: 'active' }),
      ]),
    );
    // Signed in to either organisation, with the role it gave.
    const there = await w.login('viewer@alpha.test', { organisation: 'beta-studio' });
    const me = await w.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${there.accessToken}` },
    });
    expect(me.json().data).toMatchObject({ role: 'editor', organisation: { slug: 'beta-studio' } });
    expect(me.json().data.memberships.map((m: { slug: string }) => m.slug)).toEqual([
      'alpha-studio',
      'beta-studio',
    ]);
    const log = await w.inject({ method: 'GET', url: '/api/v1/audit', headers: b });
    expect(log.json().data.entries.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['invitation.create', 'invitation.accept', 'membership.create']),
    );
    // Already a member now.
    expect((await invite(w, b, 'viewer@alpha.test', 'viewer')).statusCode).toBe(409);
  });

  it('invites a new person by link: they set their own password and join, once', async () => {
    const { w, auth, b } = await world();
    const sent = await invite(w, b, 'newcomer@gamma.test', 'editor');
    expect(sent.statusCode, sent.body).toBe(201);
    const { invitation } = sent.json().data as { invitation: { token: string; path: string } };
    expect(invitation.path).toBe(`/invite#${invitation.token}`);
    // Nobody can sign in with the account the invitation made, not even with an empty password.
    const early = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'newcomer@gamma.test', password: 'anything at all' },
    });
    expect(early.statusCode).toBe(401);
    const link = `/api/v1/auth/invitation-links/${invitation.token}`;
    const preview = await w.inject({ method: 'GET', url: link });
    expect(preview.json().data).toEqual({
      organisation: { name: expect.any(String), slug: 'beta-studio' },
      role: 'editor',
      email: 'newcomer@gamma.test',
      name: 'Invited',
      needsPassword: true,
      expiresAt: expect.any(String),
    });
    const weak = await w.inject({
      method: 'POST',
      url: `${link}/join`,
      payload: { password: 'short' },
    });
    expect(weak.statusCode).toBe(400);
    const joined = await w.inject({
      method: 'POST',
      url: `${link}/join`,
      payload: { password: 'a long enough password', name: 'Nia Newcomer' },
    });
    expect(joined.statusCode, joined.body).toBe(200);
    expect(joined.json().data).toMatchObject({ organisationId: w.orgB, role: 'editor' });
    const me = await w.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${joined.json().data.accessToken}` },
    });
    expect(me.json().data).toMatchObject({ name: 'Nia Newcomer', role: 'editor' });
    // The link works once; a made-up one answers the same.
    for (const url of [link, `/api/v1/auth/invitation-links/iza_iv_${'A'.repeat(43)}`]) {
      const again = await w.inject({ method: 'GET', url });
      expect(again.statusCode).toBe(404);
      expect(again.json().error.code).toBe('invitation_link_invalid');
    }
    const rejoin = await w.inject({
      method: 'POST',
      url: `${link}/join`,
      payload: { password: 'another long password' },
    });
    expect(rejoin.statusCode).toBe(404);
    // Organisation A sees nothing of it.
    const listedInA = await w.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: auth('admin'),
    });
    expect(JSON.stringify(listedInA.json().data)).not.toContain('newcomer@gamma.test');
  });

  it('lets an existing account join by link only with its own password', async () => {
    const { w, b } = await world();
    const sent = await invite(w, b, 'viewer@alpha.test', 'viewer');
    const { token } = (sent.json().data as { invitation: { token: string } }).invitation;
    const link = `/api/v1/auth/invitation-links/${token}`;
    expect((await w.inject({ method: 'GET', url: link })).json().data.needsPassword).toBe(false);
    // Whoever holds the link cannot take over the account by "setting" a password.
    const taken = await w.inject({
      method: 'POST',
      url: `${link}/join`,
      payload: { password: 'an attacker password' },
    });
    expect(taken.statusCode).toBe(401);
    const joined = await w.inject({
      method: 'POST',
      url: `${link}/join`,
      payload: { password: PASSWORD },
    });
    expect(joined.statusCode, joined.body).toBe(200);
    expect(joined.json().data).toMatchObject({ organisationId: w.orgB, role: 'viewer' });
  });

  it('lets someone without an organisation accept an invitation while signing in', async () => {
    const { w, auth, b } = await world();
    const removed = await w.inject({
      method: 'DELETE',
      url: `/api/v1/users/${w.users.viewer}`,
      headers: auth('admin'),
    });
    expect(removed.statusCode).toBe(200);
    const sent = await invite(w, b, 'viewer@alpha.test', 'viewer');
    const id = sent.json().data.invitation.id as string;
    const login = (extra: Record<string, unknown>) =>
      w.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'viewer@alpha.test', password: PASSWORD, ...extra },
      });
    expect((await login({})).json().error.code).toBe('not_a_member');
    const joined = await login({ acceptInvitation: id });
    expect(joined.statusCode, joined.body).toBe(200);
    expect(joined.json().data).toMatchObject({ organisationId: w.orgB, role: 'viewer' });
  });

  it('replaces a pending invitation with a new one, and lets the organisation withdraw it', async () => {
    const { w, auth, b } = await world();
    await invite(w, b, 'viewer@alpha.test', 'viewer');
    await invite(w, b, 'viewer@alpha.test', 'admin');
    const open = await mine(w, auth('viewer'));
    expect(open.map((i) => i.role)).toEqual(['admin']);
    const revoke = await w.inject({
      method: 'DELETE',
      url: `/api/v1/invitations/${open[0]!.id}`,
      headers: b,
    });
    expect(revoke.statusCode).toBe(200);
    expect(await mine(w, auth('viewer'))).toEqual([]);
    const accept = await w.inject({
      method: 'POST',
      url: `/api/v1/auth/invitations/${open[0]!.id}/accept`,
      headers: auth('viewer'),
    });
    expect(accept.statusCode).toBe(404);
    // Another organisation cannot withdraw it either.
    await invite(w, b, 'viewer@alpha.test', 'viewer');
    const [again] = await mine(w, auth('viewer'));
    const foreign = await w.inject({
      method: 'DELETE',
      url: `/api/v1/invitations/${again!.id}`,
      headers: auth('admin'),
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('grants no more than the inviter may still grant when the person accepts', async () => {
    const { w, auth, b } = await world();
    await w.access.users.addMember(
      w.orgB,
      { email: 'second@beta.test', name: 'Second', password: PASSWORD, role: 'admin' },
      'system',
    );
    const second = {
      authorization: `Bearer ${(await w.login('second@beta.test')).accessToken}`,
    };
    expect((await invite(w, second, 'viewer@alpha.test', 'admin')).statusCode).toBe(201);
    const secondId = (await w.access.users.listMembers(w.orgB)).find(
      (m) => m.email === 'second@beta.test',
    )!.id;
    await w.inject({
      method: 'PATCH',
      url: `/api/v1/users/${secondId}`,
      headers: b,
      payload: { role: 'editor' },
    });
    const [pending] = await mine(w, auth('viewer'));
    const accept = await w.inject({
      method: 'POST',
      url: `/api/v1/auth/invitations/${pending!.id}/accept`,
      headers: auth('viewer'),
    });
    expect(accept.json().data.role).toBe('editor');
  });

  it('lets people rename themselves, and organisations rename only accounts they alone hold', async () => {
    const { w, auth } = await world();
    const self = await w.inject({
      method: 'PATCH',
      url: '/api/v1/auth/me',
      headers: auth('viewer'),
      payload: { name: 'Violet Viewer' },
    });
    expect(self.statusCode, self.body).toBe(200);
    expect((await w.access.users.getMember(w.orgA, w.users.viewer)).name).toBe('Violet Viewer');
    const byAdmin = await w.inject({
      method: 'PATCH',
      url: `/api/v1/users/${w.users.editor}`,
      headers: auth('admin'),
      payload: { name: 'Edwin Editor' },
    });
    expect(byAdmin.json().data.name).toBe('Edwin Editor');
    const byKey = await w.inject({
      method: 'PATCH',
      url: '/api/v1/auth/me',
      headers: auth('bot API key'),
      payload: { name: 'Bot' },
    });
    expect(byKey.statusCode).toBe(403);
  });
});
