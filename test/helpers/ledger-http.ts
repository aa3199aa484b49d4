import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import { newId, type Kernel, type ManualClock } from '../../src/kernel/index.ts';
import { buildApp } from '../../src/server/index.ts';
import { createTestKernel } from './kernel.ts';
import type { storages } from './storage.ts';

const PASSWORD = 'correct horse battery staple';
export const LEDGER = '/api/v1/ledger';

/**
 * The ledger's HTTP API with two organisations: `admin` of Alpha and `other`, the admin of Beta.
 */
export async function createLedgerHttpWorld(
  storage: (typeof storages)[number],
  options: { clock?: ManualClock; env?: Record<string, string> } = {},
) {
  const created = await storage.create();
  const kernel: Kernel = await createTestKernel({
    target: created.target,
    workJobs: false,
    ...(options.clock ? { clock: options.clock } : {}),
    env: {
      IZA_RATE_LIMIT_MAX: '100000',
      IZA_LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      ...options.env,
    },
  });
  const access = createAccess(kernel);
  const app: FastifyInstance = await buildApp({ kernel, access });
  for (const [organisation, email] of [
    ['Alpha Studio', 'admin@alpha.test'],
    ['Beta Studio', 'admin@beta.test'],
  ] as const) {
    await access.users.createAdmin({ organisation, email, name: email, password: PASSWORD });
  }
  const auth = { admin: '', other: '' };
  for (const [who, email] of [
    ['admin', 'admin@alpha.test'],
    ['other', 'admin@beta.test'],
  ] as const) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    auth[who] = `Bearer ${res.json().data.accessToken as string}`;
  }
  const call = (
    who: keyof typeof auth,
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: Record<string, unknown>,
  ) =>
    app.inject({
      method,
      url,
      headers: { authorization: auth[who] },
      ...(payload ? { payload } : {}),
    });

  /** An entity of `who`'s organisation, and a way to add accounts to it. */
  async function book(who: keyof typeof auth = 'admin', baseCurrency = 'EUR') {
    const res = await call(who, 'POST', `${LEDGER}/entities`, {
      code: `E${newId().slice(-8)}`,
      name: 'Acme Ventures',
      kind: 'venture',
      baseCurrency,
    });
    expect(res.statusCode).toBe(201);
    const entity = res.json().data as { id: string; accounts: { id: string; code: string }[] };
    const account = async (code: string, extra: Record<string, unknown> = {}) => {
      const made = await call(who, 'POST', `${LEDGER}/accounts`, {
        entityId: entity.id,
        code,
        name: code,
        type: 'asset',
        ...extra,
      });
      expect(made.statusCode, made.body).toBe(201);
      return made.json().data as { id: string };
    };
    return { entity, account };
  }

  return {
    kernel,
    app,
    call,
    book,
    async close() {
      await app.close();
      await kernel.close();
      await created.drop();
    },
  };
}
