import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS, can, type Permission, type Role } from '../../src/access/index.ts';
import { ORG_HEADER } from '../../src/server/index.ts';
import { createAccessWorld, LOCAL_TOKEN, type AccessWorld } from '../helpers/access.ts';
import { pgliteStorage } from '../helpers/storage.ts';

/**
 * Calls every registered route as every kind of caller and checks the answer against the
 * permission matrix: a denied caller gets 401 (anonymous) or 403; an allowed one gets past
 * access control (whatever the route then says about the made-up input).
 */
describe('permission matrix over every route', { timeout: 120_000 }, () => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await pgliteStorage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  it('matches SPEC.md exactly', () => {
    expect(ROLE_PERMISSIONS).toEqual({
      admin: ['read', 'write', 'delete', 'manage_users', 'manage_bots'],
      editor: ['read', 'write'],
      viewer: ['read'],
      bot: ['read', 'write_limited'],
    });
  });

  it('every route declares an access level', () => {
    expect(w.app.registeredRoutes.length).toBeGreaterThan(30);
    for (const route of w.app.registeredRoutes)
      expect(route.access, `${route.method} ${route.url}`).toBeDefined();
  });

  it('allows and denies each caller as the matrix says', async () => {
    // An editor key limited to one venture: only routes that enforce venture scope let it in.
    const scoped = await w.access.apiKeys.create(
      w.orgA,
      { name: 'one venture', role: 'editor', ventureIds: ['00000000-0000-7000-8000-00000000abcd'] },
      { role: 'system', userId: null },
    );
    const fill = (url: string) =>
      url
        .replace(/:org\b/g, 'alpha-studio')
        .replace(/:[a-zA-Z]+/g, '00000000-0000-7000-8000-000000000000')
        .replace(/\*$/, 'x');
    const checked: string[] = [];
    for (const route of w.app.registeredRoutes) {
      // Signing out would end the caller's session for the rest of the test.
      if (route.url === '/api/v1/auth/logout') continue;
      for (const caller of [
        ...w.callers,
        {
          name: 'local administrator',
          authorization: `Bearer ${LOCAL_TOKEN}`,
          role: 'system' as const,
        },
        {
          name: 'local administrator within alpha-studio',
          authorization: `Bearer ${LOCAL_TOKEN}`,
          org: 'alpha-studio',
          role: 'system-in-org' as const,
        },
        {
          name: 'editor API key limited to a venture',
          authorization: `Bearer ${scoped.key}`,
          role: 'venture-key' as const,
        },
      ]) {
        const res = await w.inject({
          method: route.method as 'GET',
          url: fill(route.url),
          headers: {
            ...(caller.authorization ? { authorization: caller.authorization } : {}),
            ...('org' in caller ? { [ORG_HEADER]: caller.org } : {}),
          },
          ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { payload: {} } : {}),
        });
        const denied = res.statusCode === 401 || res.statusCode === 403;
        const error = denied ? (res.json().error as { code: string; message: string }) : undefined;
        const deniedByAccess =
          error !== undefined &&
          (['unauthorized', 'forbidden'].includes(error.code) ||
            (error.code === 'venture_scope' && /may only call routes/.test(error.message)));
        const expected = expectation(route.access, caller.role, route.ventureScope);
        const label = `${route.method} ${route.url} as ${caller.name}: ${res.statusCode} ${res.body.slice(0, 160)}`;
        if (expected === 'allow') expect(deniedByAccess, label).toBe(false);
        else
          expect(
            deniedByAccess && res.statusCode === (expected === 'unauthenticated' ? 401 : 403),
            label,
          ).toBe(true);
        expect(res.statusCode, label).toBeLessThan(500);
        checked.push(label);
      }
    }
    expect(checked.length).toBeGreaterThan(200);
  });

  it('never shows one organisation the data of another, even by id', async () => {
    const other = w.callers.find((c) => c.role === 'other-org-admin')!;
    const headers = { authorization: other.authorization! };
    for (const [method, url] of [
      ['GET', `/api/v1/users/${w.users.editor}`],
      ['PATCH', `/api/v1/users/${w.users.editor}`],
      ['DELETE', `/api/v1/users/${w.users.editor}`],
      ['GET', `/api/v1/users/${w.users.editor}/export`],
      ['POST', `/api/v1/users/${w.users.editor}/erase`],
    ] as const) {
      const res = await w.inject({
        method,
        url,
        headers,
        ...(method === 'PATCH' ? { payload: { role: 'viewer' } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const list = await w.inject({ method: 'GET', url: '/api/v1/users', headers });
    expect(list.json().data.map((u: { email: string }) => u.email)).toEqual(['admin@beta.test']);
    const keys = await w.inject({ method: 'GET', url: '/api/v1/api-keys', headers });
    expect(keys.json().data).toEqual([]);
    const alphaKeys = await w.access.apiKeys.list(w.orgA);
    const revoke = await w.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${alphaKeys[0]!.id}`,
      headers,
    });
    expect(revoke.statusCode).toBe(404);
    expect((await w.access.apiKeys.list(w.orgA))[0]!.revokedAt).toBeNull();
  });

  it('lets the local administrator act within the organisation it names, and only there', async () => {
    const as = (org?: string) => ({
      authorization: `Bearer ${LOCAL_TOKEN}`,
      ...(org === undefined ? {} : { [ORG_HEADER]: org }),
    });
    const list = await w.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: as('beta-studio'),
    });
    expect(list.json().data.map((u: { email: string }) => u.email)).toEqual(['admin@beta.test']);
    const byId = await w.inject({ method: 'GET', url: '/api/v1/users', headers: as(w.orgB) });
    expect(byId.json().data).toEqual(list.json().data);
    for (const headers of [as(), as('no-such-studio'), as('')]) {
      const res = await w.inject({ method: 'GET', url: '/api/v1/users', headers });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toMatch(/x-iza-org|No organisation/);
    }
    // A wrong token with the header is still nobody.
    const wrong = await w.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: { authorization: 'Bearer not-the-token', [ORG_HEADER]: 'beta-studio' },
    });
    expect(wrong.statusCode).toBe(401);
  });
});

function expectation(
  access: string,
  role: Role | 'anonymous' | 'other-org-admin' | 'system' | 'system-in-org' | 'venture-key',
  ventureScope: boolean,
): 'allow' | 'unauthenticated' | 'forbidden' {
  if (access === 'public') return 'allow';
  if (role === 'anonymous') return 'unauthenticated';
  if (role === 'venture-key') {
    if (access === 'system' || !ventureScope) return 'forbidden';
    return access === 'authenticated' || can('editor', access as Permission)
      ? 'allow'
      : 'forbidden';
  }
  if (access === 'system')
    return role === 'system' || role === 'system-in-org' ? 'allow' : 'forbidden';
  // Elsewhere the local administrator's token acts only within the organisation it names.
  if (role === 'system') return 'forbidden';
  const effective: Role = role === 'other-org-admin' || role === 'system-in-org' ? 'admin' : role;
  if (access === 'authenticated') return 'allow';
  return can(effective, access as Permission) ? 'allow' : 'forbidden';
}
