import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccessWorld, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

/** Every text value stored in the tables that can hold personal data. */
async function everything(w: AccessWorld): Promise<string> {
  const dumps: unknown[] = [];
  for (const table of [
    'users',
    'memberships',
    'sessions',
    'audit_log',
    'api_keys',
    'user_mfa',
    'organisations',
  ]) {
    const result = await w.kernel.db.execute(sql.raw(`select * from ${table}`));
    dumps.push((result as { rows: unknown[] }).rows);
  }
  return JSON.stringify(dumps);
}

describe.each(storages)('GDPR requests on $name', { timeout: 120_000 }, (storage) => {
  let w: AccessWorld | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await w?.close();
    await drop?.();
    w = undefined;
  });

  it('exports everything held about a person, then erases it and keeps the audit chain verifiable', async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
    const admin = { authorization: w.callers.find((c) => c.name === 'admin')!.authorization! };
    const editor = w.users.editor;
    await w.inject({
      method: 'PATCH',
      url: `/api/v1/users/${editor}`,
      headers: admin,
      payload: { name: 'Edwina Editor' },
    });

    const exported = await w.inject({
      method: 'GET',
      url: `/api/v1/users/${editor}/export`,
      headers: admin,
    });
    expect(exported.statusCode).toBe(200);
    const data = exported.json().data;
    expect(data.user).toMatchObject({
      id: editor,
      email: 'editor@alpha.test',
      name: 'Edwina Editor',
    });
    expect(data.memberships).toEqual([
      expect.objectContaining({ slug: 'alpha-studio', role: 'editor' }),
    ]);
    expect(data.sessions.length).toBeGreaterThan(0);
    expect(data.sessions[0]).toHaveProperty('ip');
    expect(data.activity.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['user.create', 'membership.create', 'membership.update']),
    );
    // people can ask for their own data too
    const self = await w.inject({
      method: 'GET',
      url: '/api/v1/auth/me/export',
      headers: { authorization: w.callers.find((c) => c.name === 'editor')!.authorization! },
    });
    expect(self.json().data.user.email).toBe('editor@alpha.test');

    expect(await everything(w)).toContain('editor@alpha.test');
    const erase = await w.inject({
      method: 'POST',
      url: `/api/v1/users/${editor}/erase`,
      headers: admin,
    });
    expect(erase.statusCode).toBe(200);
    expect(erase.json().data.redactedAuditEntries).toBeGreaterThanOrEqual(3);

    const after = await everything(w);
    expect(after).not.toContain('editor@alpha.test');
    expect(after).not.toContain('Edwina');
    expect(after).not.toContain('Ed Editor');
    // other people's data is untouched
    expect(after).toContain('viewer@alpha.test');

    const verify = await w.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: admin });
    expect(verify.statusCode).toBe(200);
    expect(verify.json().data.ok).toBe(true);
    const all = await w.access.audit.verify();
    expect(all.ok).toBe(true);

    // the erased person can no longer sign in, and their session is gone
    const login = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'editor@alpha.test', password: 'correct horse battery staple' },
    });
    expect(login.statusCode).toBe(401);
    const old = await w.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: w.callers.find((c) => c.name === 'editor')!.authorization! },
    });
    expect(old.statusCode).toBe(401);
  });

  it('refuses to erase the last administrator', async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
    const admin = { authorization: w.callers.find((c) => c.name === 'admin')!.authorization! };
    const res = await w.inject({
      method: 'POST',
      url: `/api/v1/users/${w.users.admin}/erase`,
      headers: admin,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('last_admin');
  });
});
