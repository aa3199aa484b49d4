import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/kernel.ts';
import { runIza, spawnIza, spawnNode, trackProcesses, waitForServer } from '../helpers/process.ts';

const SLOW_SERVER = fileURLToPath(new URL('../fixtures/slow-server.ts', import.meta.url));

describe('iza processes on one data folder', { timeout: 90_000 }, () => {
  const tracked = trackProcesses();
  afterEach(() => tracked.cleanup());
  const dataDir = () => {
    const d = tempDir('iza-proc-');
    tracked.dir(d);
    return d.path;
  };

  it('refuses a second server on the same folder, naming the first, which keeps serving', async () => {
    const dir = dataDir();
    const first = spawnIza(['start', '--port', '0', '--data-dir', dir]);
    tracked.process(first);
    const url = await waitForServer(dir, first);

    const second = await runIza(['start', '--port', '0', '--data-dir', dir]);
    expect(second.code).toBe(1);
    expect(second.output).toContain(
      `The data folder ${dir} is in use by process ${first.child.pid}`,
    );
    expect(second.output).toContain(`serving ${url}`);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { data: { status: string } }).data.status).toBe('ok');
  });

  it('lets CLI commands reach the running server through its API', async () => {
    const dir = dataDir();
    const server = spawnIza(['start', '--port', '0', '--data-dir', dir]);
    tracked.process(server);
    const url = await waitForServer(dir, server);

    const status = await runIza(['status', '--json', '--data-dir', dir]);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.output) as {
      server: string;
      pid: number;
      storage: { kind: string };
    };
    expect(parsed).toMatchObject({
      server: url,
      pid: server.child.pid,
      storage: { kind: 'pglite' },
    });

    const migrate = await runIza(['migrate', '--data-dir', dir]);
    expect(migrate.code).toBe(0);
    expect(migrate.output).toContain('The database schema is up to date.');
  });

  it('opens the database itself when no server runs', async () => {
    const dir = dataDir();
    const migrate = await runIza(['migrate', '--json', '--data-dir', dir]);
    expect(migrate.code).toBe(0);
    expect((JSON.parse(migrate.output) as { applied: string[] }).applied).toContain('0000_kernel');
    const status = await runIza(['status', '--data-dir', dir]);
    expect(status.code).toBe(0);
    expect(status.output).toMatch(/server\s+not running/);
    expect(status.output).toMatch(/migrations\s+(\d+) of \1 applied/);
    expect(existsSync(join(dir, 'iza.lock'))).toBe(false);
  });

  it('recovers the lock of a server that died', async () => {
    const dir = dataDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(
      join(dir, 'iza.lock'),
      JSON.stringify({
        pid: Number(dead.stdout.toString()),
        startTime: '1',
        hostname: hostname(),
        command: 'iza start',
        startedAt: '2026-01-01T00:00:00Z',
        apiUrl: 'http://127.0.0.1:1',
      }),
    );
    const server = spawnIza(['start', '--port', '0', '--data-dir', dir]);
    tracked.process(server);
    const url = await waitForServer(dir, server);
    expect(url).not.toBe('http://127.0.0.1:1');
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('on SIGTERM finishes the request and the job in flight, then exits 0', async () => {
    const dir = dataDir();
    const server = spawnNode([SLOW_SERVER], {
      IZA_DATA_DIR: dir,
      IZA_PORT: '0',
      IZA_JOBS_POLL_SECONDS: '0.5',
    });
    tracked.process(server);
    const url = await waitForServer(dir, server);

    const job = await fetch(`${url}/test/slow-job?ms=1500`, { method: 'POST' });
    const jobId = ((await job.json()) as { data: { id: string } }).data.id;
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(dir, `job-started-${jobId}`)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const slow = fetch(`${url}/test/slow?ms=1500`);
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill('SIGTERM');

    const response = await slow;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: unknown }).data).toEqual({ slept: 1500 });
    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(existsSync(join(dir, `job-done-${jobId}`))).toBe(true);
    expect(readdirSync(dir)).not.toContain('iza.lock');
    expect(server.output()).toContain('"message":"stopped"');
  });

  it(
    'keeps the data folder and every file in it from other users, whatever the umask',
    { timeout: 150_000 },
    async () => {
      const dir = dataDir();
      // An older installation's folder, open to everyone, and a process started with umask 0.
      chmodSync(dir, 0o777);
      writeFileSync(join(dir, 'notes.txt'), 'left by an older version', { mode: 0o666 });
      const umask = process.umask(0);
      let server: ReturnType<typeof spawnIza>;
      try {
        server = spawnIza(['start', '--port', '0', '--data-dir', dir]);
      } finally {
        process.umask(umask);
      }
      tracked.process(server);
      // A first start creates the embedded database, which takes a while on a busy machine.
      const url = await waitForServer(dir, server, 120_000);
      expect((await fetch(`${url}/health`)).status).toBe(200);

      const written = readdirSync(dir);
      expect(written).toEqual(
        expect.arrayContaining([
          'pgdata',
          'iza.lock',
          'local-admin.token',
          'master.key',
          'notes.txt',
        ]),
      );
      const open: string[] = [];
      const pending = [dir];
      while (pending.length > 0) {
        const path = pending.pop()!;
        const stat = lstatSync(path);
        if ((stat.mode & 0o077) !== 0) open.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
        if (stat.isDirectory())
          for (const name of readdirSync(path)) pending.push(join(path, name));
      }
      expect(open).toEqual([]);
      expect(server.output()).toContain('narrowed to its owner');
    },
  );

  it('stops at start-up with a message naming a bad setting', async () => {
    const result = await runIza(['start', '--data-dir', dataDir()], { IZA_PORT: 'abc' });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/Invalid configuration:\n\s+IZA_PORT: .*\(got "abc"\)/);
    expect(result.output).not.toContain('    at ');
  });
});

describe('iza worker', { timeout: 90_000 }, () => {
  it('holds the data folder, works jobs without HTTP, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir('iza-worker-');
    const worker = spawnIza(['worker', '--data-dir', dir.path]);
    try {
      const deadline = Date.now() + 60_000;
      while (!worker.output().includes('IZA OS worker is running') && Date.now() < deadline) {
        if (worker.child.exitCode !== null) throw new Error(worker.output());
        await new Promise((r) => setTimeout(r, 100));
      }
      const status = await runIza(['status', '--data-dir', dir.path]);
      expect(status.code).toBe(1);
      expect(status.output).toContain(`in use by process ${worker.child.pid} (iza worker`);
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
      expect(existsSync(join(dir.path, 'iza.lock'))).toBe(false);
    } finally {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      dir.remove();
    }
  });
});
