import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readLiveLockHolder } from '../../src/kernel/index.ts';
import { tempDir } from '../helpers/kernel.ts';

/**
 * The first hour of a newcomer, as they would live it: `npm start`, the `iza` command (run as
 * `bin/iza.mjs` is, without the flags the other process tests add), a process manager stopping
 * the server, a command run in the wrong folder.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IZA = join(ROOT, 'bin/iza.mjs');
const SHUTDOWN_TIMEOUT_MS = 5_000;

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Run {
  const child = spawn(command, args, {
    cwd,
    // Its own process group, as a service manager or a terminal starts it.
    detached: true,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      IZA_LOG_LEVEL: 'warn',
      IZA_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function iza(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; input?: string } = {},
) {
  const run = start(process.execPath, [IZA, ...args], env, options.cwd);
  run.child.stdin!.end(options.input ?? '');
  const code = await run.exited;
  return { code, output: run.output() };
}

/** Every process of a process group (`ps -g`). */
function group(pgid: number): number[] {
  const ps = spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

async function waitForUrl(dataDir: string, run: Run, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`exited early:\n${run.output()}`);
    const holder = readLiveLockHolder(dataDir);
    if (holder?.apiUrl) return holder.apiUrl;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no server within ${timeoutMs} ms:\n${run.output()}`);
}

describe('iza on a first run', { timeout: 240_000 }, () => {
  const groups: number[] = [];
  const dirs: { remove(): void }[] = [];
  afterEach(() => {
    for (const pgid of groups.splice(0)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const d of dirs.splice(0)) d.remove();
  });
  const folder = () => {
    const d = tempDir('iza-first-');
    dirs.push(d);
    return d.path;
  };

  const stopCases: { name: string; command: string; args: string[]; signal: NodeJS.Signals }[] = [
    { name: 'npm start', command: 'npm', args: ['start'], signal: 'SIGTERM' },
    { name: 'npm start', command: 'npm', args: ['start'], signal: 'SIGINT' },
    {
      name: 'npm run iza -- start',
      command: 'npm',
      args: ['run', 'iza', '--', 'start'],
      signal: 'SIGTERM',
    },
    {
      name: 'bin/iza.mjs start',
      command: process.execPath,
      args: [IZA, 'start'],
      signal: 'SIGTERM',
    },
  ];
  it.each(stopCases)(
    '$name stops as a whole on $signal sent to its top process only',
    async ({ command, args, signal }) => {
      const dataDir = join(folder(), '.iza');
      const run = start(command, args, { IZA_DATA_DIR: dataDir, IZA_PORT: '0' });
      const pgid = run.child.pid!;
      groups.push(pgid);
      const url = await waitForUrl(dataDir, run);
      expect(group(pgid).length).toBeGreaterThan(0);

      const sent = Date.now();
      process.kill(pgid, signal); // the top process alone, as systemd or a supervisor does
      await run.exited;
      // Everything else of the tree leaves within the shutdown timeout too.
      while (group(pgid).length > 0 && Date.now() - sent < SHUTDOWN_TIMEOUT_MS + 5_000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(group(pgid), run.output()).toEqual([]);
      expect(Date.now() - sent).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 5_000);
      expect(existsSync(join(dataDir, 'iza.lock'))).toBe(false);
      await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    },
  );

  it('refuses a second server on the same folder at once, naming the folder, pid and URL', async () => {
    const dataDir = join(folder(), '.iza');
    const starting = Date.now();
    const first = start(process.execPath, [IZA, 'start'], {
      IZA_DATA_DIR: dataDir,
      IZA_PORT: '0',
    });
    groups.push(first.child.pid!);
    const url = await waitForUrl(dataDir, first);
    const startTook = Date.now() - starting;
    const holder = readLiveLockHolder(dataDir)!;

    const began = Date.now();
    const second = await iza(['start'], { IZA_DATA_DIR: dataDir, IZA_PORT: '0' });
    const took = Date.now() - began;
    expect(second.code).toBe(1);
    expect(second.output).toContain(
      `The data folder ${dataDir} is in use by process ${holder.pid}`,
    );
    expect(second.output).toContain(`serving ${url}`);
    // Before the database, the modules and the server load: a fraction of a whole start, on
    // whatever machine (a fixed bound fails on a slow or busy one).
    expect(took).toBeLessThan(startTook);
  });

  it('never creates a data folder for a command that only reads, and says which it uses', async () => {
    const elsewhere = folder();
    for (const args of [['status'], ['venture', 'list'], ['workflow', 'list']]) {
      const run = await iza(args, {}, { cwd: elsewhere });
      expect(run.code, run.output).toBe(1);
      expect(run.output).toContain(`No IZA OS installation in ${join(elsewhere, '.iza')}`);
      expect(run.output).toMatch(/--data-dir <folder> or IZA_DATA_DIR/);
      expect(existsSync(join(elsewhere, '.iza'))).toBe(false);
    }
    const migrate = await iza(['migrate'], {}, { cwd: elsewhere });
    expect(migrate.code, migrate.output).toBe(0);
    expect(migrate.output).toContain(`iza: created the data folder ${join(elsewhere, '.iza')}`);
    const status = await iza(['status'], {}, { cwd: elsewhere });
    expect(status.code, status.output).toBe(0);
    expect(status.output).toContain(`data folder  ${join(elsewhere, '.iza')}`);
    expect(status.output).not.toContain('created the data folder');
  });

  it('runs the demo through a running server, and again to completion', async () => {
    const dataDir = join(folder(), '.iza');
    // Anonymous callers get 20 requests a minute: the local administrator is not one of them.
    const env = { IZA_DATA_DIR: dataDir, IZA_PORT: '0', IZA_RATE_LIMIT_MAX: '20' };
    const server = start(process.execPath, [IZA, 'start'], env);
    groups.push(server.child.pid!);
    await waitForUrl(dataDir, server);
    const admin = await iza(
      ['user', 'create-admin', '--org', 'Demo Studio', '--email', 'a@demo.test', '--name', 'A'],
      env,
      { input: 'correct horse battery staple\n' },
    );
    expect(admin.code, admin.output).toBe(0);

    const first = await iza(['demo', '--ventures', '15', '--json'], env);
    expect(first.code, first.output).toBe(0);
    expect(JSON.parse(first.output)).toMatchObject({ ventures: 15, venturesThere: 0 });
    const again = await iza(['demo', '--ventures', '15', '--json'], env);
    expect(again.code, again.output).toBe(0);
    expect(JSON.parse(again.output)).toMatchObject({
      ventures: 15,
      venturesThere: 15,
      ledger: { transfers: 0 },
    });
    const list = await iza(['venture', 'list', '--json', '--limit', '100'], env);
    expect(list.code, list.output).toBe(0);
    const page = JSON.parse(list.output) as { total: number; ventures: { id: string }[] };
    expect(page.total).toBe(15);
    // a venture by the end of its id, as copied from the list
    const one = page.ventures[3]!;
    const shown = await iza(['venture', 'show', one.id.slice(-8), '--json'], env);
    expect(shown.code, shown.output).toBe(0);
    expect((JSON.parse(shown.output) as { id: string }).id).toBe(one.id);
  });

  it('names imported workflows without a name after their file, and finds them by name or part of the id', async () => {
    const base = folder();
    const dataDir = join(base, '.iza');
    const env = { IZA_DATA_DIR: dataDir, IZA_PORT: '0' };
    const server = start(process.execPath, [IZA, 'start'], env);
    groups.push(server.child.pid!);
    await waitForUrl(dataDir, server);
    const admin = await iza(
      ['user', 'create-admin', '--org', 'Flow Studio', '--email', 'a@flow.test', '--name', 'A'],
      env,
      { input: 'correct horse battery staple\n' },
    );
    expect(admin.code, admin.output).toBe(0);
    const exports = join(base, 'exports');
    mkdirSync(exports);
    const workflow = (name?: string) =>
      JSON.stringify({
        ...(name === undefined ? {} : { name }),
        nodes: [
          {
            name: 'Start',
            type: 'n8n-nodes-base.manualTrigger',
            typeVersion: 1,
            position: [0, 0],
            parameters: {},
          },
        ],
        connections: {},
      });
    writeFileSync(join(exports, 'order-sync.json'), workflow());
    writeFileSync(join(exports, 'invoice-reminder.json'), workflow(''));
    writeFileSync(join(exports, 'named.json'), workflow('Weekly report'));
    writeFileSync(join(exports, 'twin-a.json'), workflow('Twin'));
    writeFileSync(join(exports, 'twin-b.json'), workflow('Twin'));

    const imported = await iza(['workflow', 'import', exports, '--json'], env, { cwd: base });
    expect(imported.code, imported.output).toBe(0);
    const files = (
      JSON.parse(imported.output) as { files: { file: string; name: string; id: string }[] }
    ).files;
    expect(Object.fromEntries(files.map((f) => [f.file, f.name]))).toEqual({
      'exports/invoice-reminder.json': 'invoice-reminder',
      'exports/named.json': 'Weekly report',
      'exports/order-sync.json': 'order-sync',
      'exports/twin-a.json': 'Twin',
      'exports/twin-b.json': 'Twin',
    });

    const byName = await iza(['workflow', 'show', 'order-sync', '--json'], env);
    expect(byName.code, byName.output).toBe(0);
    const orderSync = files.find((f) => f.name === 'order-sync')!;
    expect((JSON.parse(byName.output) as { id: string }).id).toBe(orderSync.id);
    const byEnd = await iza(['workflow', 'show', orderSync.id.slice(-6), '--json'], env);
    expect((JSON.parse(byEnd.output) as { name: string }).name).toBe('order-sync');
    // ids start with their creation time: workflows imported together share the start
    const shared = await iza(['workflow', 'show', orderSync.id.slice(0, 8)], env);
    expect(shared.code).toBe(1);
    expect(shared.output).toMatch(/names \d+ workflows:/);

    const twins = await iza(['workflow', 'show', 'Twin'], env);
    expect(twins.code).toBe(1);
    expect(twins.output).toContain('"Twin" names 2 workflows:');
    for (const t of files.filter((f) => f.name === 'Twin')) expect(twins.output).toContain(t.id);
    const none = await iza(['workflow', 'show', 'no-such-flow'], env);
    expect(none.code).toBe(1);
    expect(none.output).toContain('No workflow "no-such-flow"');
  });
});
