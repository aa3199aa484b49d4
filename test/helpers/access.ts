import type { Clock, StorageTarget } from '../../src/kernel/index.ts';
import type { Role } from '../../src/access/index.ts';
import { createTestApp, type TestApp } from './app.ts';

export const PASSWORD = 'correct horse battery staple';
export const LOCAL_TOKEN = 'local-admin-token-for-tests';

export interface Caller {
  name: string;
  /** Value of the Authorization header; undefined for an anonymous caller. */
  authorization: string | undefined;
  role: Role | 'anonymous' | 'other-org-admin';
  userId?: string;
}

export interface AccessWorld extends TestApp {
  orgA: string;
  orgB: string;
  users: Record<'admin' | 'editor' | 'viewer' | 'botUser' | 'otherAdmin', string>;
  callers: Caller[];
  /** Signs in over HTTP and returns the bearer tokens. */
  login(
    email: string,
    extra?: Record<string, unknown>,
  ): Promise<{ accessToken: string; refreshToken: string; sessionId: string }>;
  inject: TestApp['app']['inject'];
}

/**
 * Two organisations: A with an admin, editor, viewer, a bot user and a bot API key; B with an
 * admin. Every caller signs in over HTTP, as a real client would.
 */
export async function createAccessWorld(
  target: StorageTarget,
  env: Record<string, string> = {},
  clock?: Clock,
): Promise<AccessWorld> {
  const t = await createTestApp({
    target,
    localAdminToken: LOCAL_TOKEN,
    ...(clock ? { clock } : {}),
    env: { IZA_RATE_LIMIT_MAX: '100000', IZA_LOGIN_RATE_LIMIT_PER_MINUTE: '1000', ...env },
  });
  const { users } = t.access;
  const a = await users.createAdmin({
    organisation: 'Alpha Studio',
    email: 'admin@alpha.test',
    name: 'Ada Admin',
    password: PASSWORD,
  });
  const b = await users.createAdmin({
    organisation: 'Beta Studio',
    email: 'admin@beta.test',
    name: 'Bea Admin',
    password: PASSWORD,
  });
  const orgA = a.organisation.id;
  const orgB = b.organisation.id;
  const add = async (email: string, name: string, role: Role) =>
    (await users.addMember(orgA, { email, name, password: PASSWORD, role }, 'system')).id;
  const ids = {
    admin: a.user.id,
    editor: await add('editor@alpha.test', 'Ed Editor', 'editor'),
    viewer: await add('viewer@alpha.test', 'Vi Viewer', 'viewer'),
    botUser: await add('bot@alpha.test', 'Bo Bot', 'bot'),
    otherAdmin: b.user.id,
  };

  const login = async (email: string, extra: Record<string, unknown> = {}) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD, ...extra },
    });
    if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
    return res.json().data as { accessToken: string; refreshToken: string; sessionId: string };
  };
  const bearer = async (email: string) => `Bearer ${(await login(email)).accessToken}`;
  const key = await t.access.apiKeys.create(
    orgA,
    { name: 'ci bot', role: 'bot' },
    { role: 'system', userId: null },
  );

  const callers: Caller[] = [
    { name: 'anonymous', authorization: undefined, role: 'anonymous' },
    {
      name: 'admin',
      authorization: await bearer('admin@alpha.test'),
      role: 'admin',
      userId: ids.admin,
    },
    {
      name: 'editor',
      authorization: await bearer('editor@alpha.test'),
      role: 'editor',
      userId: ids.editor,
    },
    {
      name: 'viewer',
      authorization: await bearer('viewer@alpha.test'),
      role: 'viewer',
      userId: ids.viewer,
    },
    {
      name: 'bot user',
      authorization: await bearer('bot@alpha.test'),
      role: 'bot',
      userId: ids.botUser,
    },
    { name: 'bot API key', authorization: `Bearer ${key.key}`, role: 'bot' },
    {
      name: 'admin of another organisation',
      authorization: await bearer('admin@beta.test'),
      role: 'other-org-admin',
      userId: ids.otherAdmin,
    },
  ];
  return { ...t, orgA, orgB, users: ids, callers, login, inject: t.app.inject.bind(t.app) };
}
