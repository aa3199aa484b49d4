import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/kernel.ts';
import { runIza, spawnIza, trackProcesses, waitForServer } from '../helpers/process.ts';

const PASSWORD = 'a long enough password\n';

describe('iza user, apikey and audit commands', { timeout: 120_000 }, () => {
  const tracked = trackProcesses();
  afterEach(() => tracked.cleanup());

  it('work on the database directly, and through a running server that holds it', async () => {
    const d = tempDir('iza-cli-');
    tracked.dir(d);
    const dir = ['--data-dir', d.path];

    // no server: the commands open the database themselves
    const admin = await runIza(
      [
        'user',
        'create-admin',
        '--org',
        'Omega Studio',
        '--email',
        'o@omega.test',
        '--name',
        'Olu',
        '--password-stdin',
        '--json',
        ...dir,
      ],
      {},
      PASSWORD,
    );
    expect(admin.code, admin.output).toBe(0);
    expect(JSON.parse(admin.output)).toMatchObject({
      organisation: { slug: 'omega-studio' },
      user: { email: 'o@omega.test', role: 'admin' },
    });
    const weak = await runIza(
      [
        'user',
        'create-admin',
        '--org',
        'omega-studio',
        '--email',
        'p@omega.test',
        '--name',
        'P',
        ...dir,
      ],
      {},
      'short\n',
    );
    expect(weak.code).toBe(1);
    expect(weak.output).toContain('A password must have 12');

    // with a server running on the same folder: through its API
    const server = spawnIza(['start', '--port', '0', ...dir]);
    tracked.process(server);
    const url = await waitForServer(d.path, server);
    expect(server.output()).not.toContain('setup token');

    const key = await runIza([
      'apikey',
      'create',
      '--org',
      'omega-studio',
      '--name',
      'deploy bot',
      '--json',
      ...dir,
    ]);
    expect(key.code, key.output).toBe(0);
    const created = JSON.parse(key.output) as { id: string; key: string; role: string };
    expect(created.role).toBe('bot');
    const me = await fetch(`${url}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(me.status).toBe(200);

    const list = await runIza(['apikey', 'list', '--org', 'omega-studio', ...dir]);
    expect(list.output).toContain('deploy bot');
    expect(list.output).not.toContain(created.key);
    const revoke = await runIza(['apikey', 'revoke', created.id, '--org', 'omega-studio', ...dir]);
    expect(revoke.code, revoke.output).toBe(0);
    expect(
      (
        await fetch(`${url}/api/v1/auth/me`, {
          headers: { authorization: `Bearer ${created.key}` },
        })
      ).status,
    ).toBe(401);

    const users = await runIza(['user', 'list', '--json', ...dir]);
    expect(JSON.parse(users.output)).toEqual([
      expect.objectContaining({ email: 'o@omega.test', organisation: 'omega-studio' }),
    ]);

    // The installation's administrator disables an account everywhere, never the last admin.
    const second = await runIza(
      [
        'user',
        'create-admin',
        '--org',
        'omega-studio',
        '--email',
        'p@omega.test',
        '--name',
        'Pia',
        '--password-stdin',
        '--json',
        ...dir,
      ],
      {},
      PASSWORD,
    );
    expect(second.code, second.output).toBe(0);
    const pia = (JSON.parse(second.output) as { user: { id: string } }).user.id;
    const olu = (JSON.parse(admin.output) as { user: { id: string } }).user.id;
    const disable = await runIza(['user', 'disable', pia, ...dir]);
    expect(disable.code, disable.output).toBe(0);
    const listed = JSON.parse((await runIza(['user', 'list', '--json', ...dir])).output) as {
      email: string;
      status: string;
    }[];
    expect(listed.find((u) => u.email === 'p@omega.test')?.status).toBe('disabled');
    const last = await runIza(['user', 'disable', olu, ...dir]);
    expect(last.code).toBe(1);
    expect(last.output).toContain('last active administrator');
    expect((await runIza(['user', 'enable', pia, ...dir])).code).toBe(0);

    const verify = await runIza(['audit', 'verify', ...dir]);
    expect(verify.code, verify.output).toBe(0);
    expect(verify.output).toMatch(/ok/);
  });

  it('prints a one-time setup token when a fresh server has no administrator', async () => {
    const d = tempDir('iza-cli-');
    tracked.dir(d);
    const server = spawnIza(['start', '--port', '0', '--data-dir', d.path]);
    tracked.process(server);
    await waitForServer(d.path, server);
    const deadline = Date.now() + 10_000;
    while (!server.output().includes('setupToken') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(server.output()).toMatch(/"setupToken":"[a-z0-9]{5}(-[a-z0-9]{5}){3}"/);
  });
});
