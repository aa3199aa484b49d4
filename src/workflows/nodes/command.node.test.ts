import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, testEngine, wf } from '../engine/test-helpers.test-support.ts';
import {
  createCommandSandbox,
  sandboxProblem,
  type CommandSandboxOptions,
} from './command.sandbox.ts';
import { createDiskAccess } from './disk.ts';

/**
 * Execute Command: n8n's output and item semantics, and the sandbox its commands run in (real
 * bubblewrap processes). The sandbox tests need `bwrap` (Debian's bubblewrap package, which CI
 * installs); without it they are skipped, and say why.
 */

const isRoot = process.getuid?.() === 0;

const root = mkdtempSync(join(tmpdir(), 'iza-commands-'));
const filesDir = join(root, 'files');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sandbox = (orgId: string, options: Partial<CommandSandboxOptions> = {}) =>
  createCommandSandbox({
    filesDir,
    orgId,
    timeoutMs: 10_000,
    memoryMb: 512,
    processes: 64,
    maxFileBytes: 1024 * 1024,
    network: false,
    ...options,
  });

const probe = await sandboxProblem();
const withSandbox = probe === undefined ? describe : describe.skip;
const sandboxTitle = (title: string) =>
  probe === undefined ? title : `${title} (skipped: ${probe}; apt-get install bubblewrap)`;

/** Manual trigger -> Code (the items) -> Execute Command. */
const commandWorkflow = (
  items: Record<string, unknown>[],
  parameters: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) =>
  wf(
    [
      ['Start', 'manualTrigger'],
      [
        'Items',
        'code',
        { jsCode: `return ${JSON.stringify(items.map((json) => ({ json })))};` },
        { typeVersion: 2 },
      ],
      ['Command', 'executeCommand', parameters, extra],
    ],
    ['Start>Items', 'Items>Command'],
  );

describe('Execute Command turned off (the default)', () => {
  it('fails naming the node and the setting that turns it on, running nothing', async () => {
    const result = await run(commandWorkflow([{}], { command: 'touch /files/ran' }));
    expect(result.status).toBe('error');
    expect(result.error).toMatchObject({
      node: 'Command',
      message:
        'Execute Command is turned off on this server: an administrator turns it on with IZA_WORKFLOWS_EXECUTE_COMMAND=sandbox',
    });
  });

  it('with continue-on-fail, names the setting in the error item, running nothing', async () => {
    const result = await run(
      commandWorkflow([{}], { command: 'true' }, { onError: 'continueRegularOutput' }),
    );
    expect(result.lastNodeOutput[0]?.json.error).toMatch(/IZA_WORKFLOWS_EXECUTE_COMMAND=sandbox/);
  });
});

describe('the sandbox without its tool', () => {
  it('refuses to run the command rather than run it unsandboxed', async () => {
    const missing = sandbox('orgtool', { bwrap: join(root, 'no-bwrap') });
    await expect(missing.run(`touch ${join(root, 'ran')}`)).rejects.toThrow(
      'The command sandbox needs bubblewrap (bwrap), which this server does not have',
    );
    expect(existsSync(join(root, 'ran'))).toBe(false);
  });

  it("fails when bwrap cannot set the sandbox up, without naming the server's paths", async () => {
    // As bwrap answers where user namespaces are forbidden or a folder cannot be mounted.
    const fake = join(root, 'fake-bwrap');
    writeFileSync(
      fake,
      '#!/bin/sh\nwhile [ "$1" != --bind ]; do shift; done\necho "bwrap: Can\'t find source path $2: Permission denied" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    await expect(sandbox('orgfake', { bwrap: fake }).run('true')).rejects.toThrow(
      "The command sandbox could not be set up: bwrap: Can't find source path /files: Permission denied",
    );
  });
});

withSandbox(sandboxTitle('Execute Command, as n8n answers'), () => {
  const engine = () => testEngine({ commands: sandbox('orgn8n') });
  const items = [{ value: 'n8n' }, { value: 'test' }];

  it('runs once by default, at the first item, and per item without executeOnce', async () => {
    const once = await run(
      commandWorkflow(items, { command: '=echo {{ $json.value }}' }),
      {},
      engine(),
    );
    expect(once.status, JSON.stringify(once.error)).toBe('success');
    expect(once.runData.Command![0]!.data.main[0]).toEqual([
      { json: { exitCode: 0, stderr: '', stdout: 'n8n' }, pairedItem: { item: 0 } },
    ]);
    const all = await run(
      commandWorkflow(items, { executeOnce: false, command: '=echo {{ $json.value }}' }),
      {},
      engine(),
    );
    expect(all.runData.Command![0]!.data.main[0]).toEqual([
      { json: { exitCode: 0, stderr: '', stdout: 'n8n' }, pairedItem: { item: 0 } },
      { json: { exitCode: 0, stderr: '', stdout: 'test' }, pairedItem: { item: 1 } },
    ]);
  });

  it('trims the output and keeps stderr apart', async () => {
    const result = await run(
      commandWorkflow([{}], { command: "printf '  two\\nlines \\n\\n'; echo warning >&2" }),
      {},
      engine(),
    );
    expect(result.lastNodeOutput).toEqual([
      { json: { exitCode: 0, stderr: 'warning', stdout: 'two\nlines' }, pairedItem: { item: 0 } },
    ]);
  });

  it('fails on a non-zero exit code with stderr, or the code, as n8n 2.x', async () => {
    const withStderr = await run(
      commandWorkflow([{}], { command: 'echo out; echo "no such thing" >&2; exit 3' }),
      {},
      engine(),
    );
    expect(withStderr.status).toBe('error');
    expect(withStderr.error?.message).toBe('no such thing');
    const silent = await run(commandWorkflow([{}], { command: 'exit 4' }), {}, engine());
    expect(silent.error?.message).toBe('Command failed with exit code 4');
    const continued = await run(
      commandWorkflow(
        items,
        { executeOnce: false, command: '=test {{ $json.value }} = n8n && echo ok' },
        { onError: 'continueRegularOutput' },
      ),
      {},
      engine(),
    );
    expect(continued.status).toBe('success');
    expect(continued.lastNodeOutput.map((i) => i.json)).toEqual([
      { exitCode: 0, stderr: '', stdout: 'ok' },
      { error: 'Command failed with exit code 1' },
    ]);
  });
});

withSandbox(sandboxTitle('the command sandbox'), () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  const secret = 'sesame-4711';

  beforeAll(async () => {
    process.env.IZA_COMMAND_TEST_SECRET = secret;
    server = createServer((socket) => {
      connections++;
      socket.end('hello\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    delete process.env.IZA_COMMAND_TEST_SECRET;
    await new Promise((resolve) => server.close(resolve));
  });

  it("works in the organisation's folder, the one Read/Write Files uses", async () => {
    const result = await sandbox('orga').run('pwd; echo $HOME; echo made > made.txt; id -un');
    expect(result).toEqual({ exitCode: 0, stdout: '/files\n/files\nsandbox', stderr: '' });
    const disk = createDiskAccess({ filesDir, orgId: 'orga', maxFileBytes: 1024 });
    expect((await disk.read('/made.txt')).toString()).toBe('made\n');
    await disk.write('/data/from-disk.txt', Buffer.from('written by a node'));
    expect((await sandbox('orga').run('cat data/from-disk.txt')).stdout).toBe('written by a node');
  });

  it("cannot see another organisation's files", async () => {
    await sandbox('orga').run('echo A secret > secret.txt');
    const b = await sandbox('orgb').run(
      `ls -a /files; cat secret.txt; cat ${join(filesDir, 'orga', 'secret.txt')}; ls ${filesDir}`,
    );
    expect(b.stdout).toBe('.\n..');
    expect(b.stderr).toMatch(/secret.txt: No such file or directory/);
    expect(b.stdout + b.stderr).not.toContain('A secret');
  });

  it("cannot read the server's files: data folder, key files, code, /etc/hostname", async () => {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'master.key'), 'the-master-key');
    const result = await sandbox('orgc').run(
      `cat ${join(dataDir, 'master.key')}; cat ${join(process.cwd(), 'package.json')}; cat /etc/hostname; ls /sys; ls /`,
    );
    // The system's programs, and nothing else of the server.
    const system = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'].filter((name) =>
      existsSync(`/${name}`),
    );
    expect(result.stdout.split('\n').sort()).toEqual(
      [...system, 'dev', 'etc', 'files', 'proc', 'tmp', 'usr'].sort(),
    );
    expect(result.stderr).toMatch(/master.key: No such file or directory/);
    expect(result.stderr).toMatch(/hostname: No such file or directory/);
    expect(result.stdout + result.stderr).not.toContain('the-master-key');
  });

  it("does not see the server's environment", async () => {
    expect(process.env.IZA_COMMAND_TEST_SECRET).toBe(secret);
    const result = await sandbox('orgc').run(
      "env | sort; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'",
    );
    expect(result.stdout).not.toContain(secret);
    expect(
      result.stdout.split('\n').filter((l) => !l.startsWith('PWD=') && !l.startsWith('OLDPWD=')),
    ).toEqual(
      expect.arrayContaining(['HOME=/files', 'LANG=C.UTF-8', 'PATH=/usr/local/bin:/usr/bin:/bin']),
    );
    const names = new Set(result.stdout.split('\n').map((l) => l.split('=')[0]));
    for (const name of names)
      expect(['HOME', 'LANG', 'PATH', 'PWD', 'SHLVL', '_', '']).toContain(name);
  });

  it('has no network: a server on the loopback address is out of reach', async () => {
    const result = await sandbox('orgc').run(
      `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected && cat <&3'`,
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).not.toContain('connected');
    expect(result.stderr).toMatch(/Connection refused|Network is unreachable/);
    expect(connections).toBe(0);
  });

  it('is stopped at the time limit, with every process it started', async () => {
    const started = Date.now();
    await expect(
      sandbox('orgd', { timeoutMs: 700 }).run('(sleep 1; echo late > late.txt) & sleep 30'),
    ).rejects.toThrow('The command did not finish within 700 ms and was stopped');
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(existsSync(join(filesDir, 'orgd', 'late.txt'))).toBe(false);
  });

  it('stops when the execution is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(sandbox('orgd').run('sleep 30', { signal: controller.signal })).rejects.toThrow(
      /cancelled/,
    );
  });

  it('keeps only the end of a large output, as n8n keeps its last 10 MiB', async () => {
    const result = await sandbox('orge', { maxOutputBytes: 1000 }).run(
      "head -c 100000 /dev/zero | tr '\\0' a; echo; echo end",
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBeLessThanOrEqual(1000);
    expect(result.stdout.endsWith('aaa\nend')).toBe(true);
  });

  it('limits memory per process and the size of files it writes', async () => {
    const memory = await sandbox('orge', { memoryMb: 64 }).run(
      'dd if=/dev/zero of=/dev/null bs=200M count=1',
    );
    expect(memory.exitCode).not.toBe(0);
    expect(memory.stderr).toMatch(/memory exhausted/);
    const big = await sandbox('orge', { maxFileBytes: 64 * 1024 }).run(
      'head -c 100000 /dev/zero > big.bin',
    );
    expect(big.exitCode).not.toBe(0);
    expect(
      (await createDiskAccess({ filesDir, orgId: 'orge', maxFileBytes: 1 << 20 }).read('big.bin'))
        .length,
    ).toBe(64 * 1024);
  });

  it.skipIf(isRoot)(
    `limits the processes it runs at once${isRoot ? ' (skipped: Linux does not apply RLIMIT_NPROC to root)' : ''}`,
    async () => {
      const result = await sandbox('orgf', { processes: 10 }).run(
        'for i in $(seq 30); do sleep 2 & done; wait',
      );
      expect(result.stderr).toMatch(/fork/i);
    },
  );
});
