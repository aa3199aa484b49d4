import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, lstat, mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { NodeError, type CommandResult, type CommandRunner } from '../engine/engine.types.ts';
import { organisationFolder } from './disk.ts';

/**
 * Execute Command's sandbox: each command runs as `/bin/sh -c <command>` under bubblewrap
 * (`bwrap`, the sandbox Flatpak uses), in new user, mount, PID, IPC, UTS, cgroup and network
 * namespaces. Its file system holds the system's programs read-only (`/usr` and the links or
 * folders `/bin`, `/lib`... beside it), a few files of `/etc` programs need (no `hostname`, no
 * `passwd` but a made-up one), a fresh `/proc` and `/dev`, a small `/tmp` in memory, and the
 * organisation's files folder read-write at `/files` (its working folder and home). Nothing
 * else of the server: no data folder, key files, code, `/sys` or other organisations' folders.
 * The environment is PATH, HOME and LANG only; no network but its own loopback (unless
 * `network`); no capabilities, no new user namespaces, no setuid (`no_new_privs`). Limits:
 * processes, address space per process, file size and CPU time (rlimits, set by `prlimit`
 * inside the sandbox), wall time (past it the sandbox is killed with every process in it), and
 * output (the last `maxOutputBytes` of each stream are kept, as n8n keeps its last 10 MiB).
 *
 * A command that cannot run sandboxed does not run: without `bwrap` (or with user namespaces
 * forbidden), the node fails saying so.
 */

/** Where the organisation's folder appears inside the sandbox. */
export const SANDBOX_FOLDER = '/files';

/** n8n's cap on each stream (`MAX_OUTPUT_SIZE`): its last 10 MiB are kept. */
const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

const BWRAP_PATHS = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'];
const PRLIMIT = '/usr/bin/prlimit';

/** The descriptor the sandbox's first shell writes to once it runs (bwrap set everything up). */
const READY_FD = 6;

/** The sandbox's user (its id maps to the server's own user outside). */
const UID = 1000;
const PASSWD = `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${UID}:${UID}:sandbox:${SANDBOX_FOLDER}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`;
const GROUP = `root:x:0:\nsandbox:x:${UID}:\nnogroup:x:65534:\n`;

/** Files of `/etc` that programs read (commands found through alternatives, libraries, certificates). */
const ETC = [
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/nsswitch.conf',
  '/etc/services',
  '/etc/protocols',
  '/etc/mime.types',
];
/** What name resolution needs, shown only to commands that may use the network. */
const ETC_NETWORK = ['/etc/resolv.conf', '/etc/hosts', '/etc/gai.conf', '/etc/host.conf'];

export interface CommandSandboxOptions {
  /** The folder of every organisation's files (`IZA_WORKFLOWS_FILES_DIR`). */
  filesDir: string;
  /** The organisation whose folder the commands work in. */
  orgId: string;
  /** Wall time of one command, in milliseconds. */
  timeoutMs: number;
  /** Address space of each process, in MB (RLIMIT_AS). */
  memoryMb: number;
  /** Processes and threads at once (RLIMIT_NPROC; Linux does not apply it to root). */
  processes: number;
  /** Largest file a command writes, in bytes (RLIMIT_FSIZE); also the size of `/tmp`. */
  maxFileBytes: number;
  /** Whether commands share the server's network (no outbound guard applies). */
  network: boolean;
  /** Bytes kept of each of stdout and stderr (their end). Default 10 MiB, as n8n. */
  maxOutputBytes?: number;
  /** The bubblewrap binary; default: the first of /usr/bin, /usr/local/bin, /bin that exists. */
  bwrap?: string;
}

let bwrapFound: Promise<string | undefined> | undefined;
/** The first bubblewrap binary of the usual places (the executor has no PATH). */
function findBwrap(): Promise<string | undefined> {
  return (bwrapFound ??= (async () => {
    for (const path of BWRAP_PATHS) {
      if (await isExecutable(path)) return path;
    }
    return undefined;
  })());
}

const isExecutable = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

let systemLayout: Promise<string[]> | undefined;
/**
 * The top-level links and folders beside `/usr` as this system has them: merged `/usr` (Debian
 * 12: `/bin -> usr/bin`) gives links, an older layout folders (bound read-only).
 */
function systemRoot(): Promise<string[]> {
  return (systemLayout ??= (async () => {
    const args = ['--ro-bind', '/usr', '/usr'];
    for (const name of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
      const info = await lstat(name).catch(() => undefined);
      if (info?.isSymbolicLink()) args.push('--symlink', await readlink(name), name);
      else if (info?.isDirectory()) args.push('--ro-bind', name, name);
    }
    return args;
  })());
}

/** A stream's last `max` bytes. */
function tail(max: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk: Buffer) {
      chunks.push(chunk);
      size += chunk.length;
      while (chunks.length > 1 && size - chunks[0]!.length >= max) size -= chunks.shift()!.length;
    },
    text(): string {
      const all = Buffer.concat(chunks, size);
      return all.subarray(Math.max(0, all.length - max)).toString('utf8');
    },
  };
}

/** The arguments of one sandboxed run (bwrap's, then prlimit's, then the shell's). */
async function sandboxArgs(
  options: CommandSandboxOptions,
  folder: string,
  command: string,
): Promise<string[]> {
  const tmpBytes = Math.max(1024 * 1024, options.maxFileBytes);
  const cpuSeconds = Math.ceil(options.timeoutMs / 1000) + 1;
  const etc = options.network ? [...ETC, ...ETC_NETWORK] : ETC;
  return [
    '--unshare-all',
    ...(options.network ? ['--share-net'] : []),
    '--unshare-user',
    '--disable-userns',
    '--uid',
    String(UID),
    '--gid',
    String(UID),
    '--hostname',
    'sandbox',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/local/bin:/usr/bin:/bin',
    '--setenv',
    'HOME',
    SANDBOX_FOLDER,
    '--setenv',
    'LANG',
    'C.UTF-8',
    ...(await systemRoot()),
    ...etc.flatMap((path) => ['--ro-bind-try', path, path]),
    '--ro-bind-data',
    '4',
    '/etc/passwd',
    '--ro-bind-data',
    '5',
    '/etc/group',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(tmpBytes),
    '--tmpfs',
    '/tmp',
    '--bind',
    folder,
    SANDBOX_FOLDER,
    '--chdir',
    SANDBOX_FOLDER,
    '--json-status-fd',
    '3',
    '--',
    PRLIMIT,
    `--as=${options.memoryMb * 1024 * 1024}`,
    `--nproc=${options.processes}`,
    `--fsize=${options.maxFileBytes}`,
    `--cpu=${cpuSeconds}`,
    '--nofile=1024',
    '--core=0',
    '--',
    // The first shell says it started (the sandbox is set up), lets go of the descriptor,
    // then runs the command as n8n does: `/bin/sh -c <command>`.
    '/bin/sh',
    '-c',
    `printf . >&${READY_FD}; exec ${READY_FD}>&-; exec /bin/sh -c "$1"`,
    'sh',
    command,
  ];
}

/** Whether the command started inside the sandbox, and its exit code as bubblewrap reports it. */
interface SandboxStatus {
  started: boolean;
  exitCode: number | undefined;
}

function readStatus(stream: Duplex, status: SandboxStatus): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    pending += text;
    // One JSON document per line.
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end).trim();
      pending = pending.slice(end + 1);
      if (line === '') continue;
      try {
        const doc = JSON.parse(line) as Record<string, unknown>;
        if (typeof doc['exit-code'] === 'number') status.exitCode = doc['exit-code'];
      } catch {
        // Not bubblewrap's status: ignored.
      }
    }
  });
}

/** Builds the command runner of one organisation's executions. */
export function createCommandSandbox(options: CommandSandboxOptions): CommandRunner {
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return {
    async run(command, runOptions = {}) {
      const signal = runOptions.signal;
      if (signal?.aborted) throw cancelled();
      const bwrap = options.bwrap ?? (await findBwrap());
      if (bwrap === undefined || !(await isExecutable(bwrap)))
        throw missingTool('bubblewrap (bwrap)');
      if (!(await isExecutable(PRLIMIT))) throw missingTool('prlimit (util-linux)');
      const folder = await organisationFolder(options.filesDir, options.orgId);
      const args = await sandboxArgs(options, folder, command);
      return await new Promise<CommandResult>((resolve, reject) => {
        const child = spawn(bwrap, args, {
          stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
          // Its own process group, so that a kill reaches bwrap and whatever it started.
          detached: true,
          env: {},
        });
        const stdout = tail(maxOutput);
        const stderr = tail(maxOutput);
        const status: SandboxStatus = { started: false, exitCode: undefined };
        let stopped: NodeError | undefined;
        child.stdout!.on('data', (chunk: Buffer) => stdout.add(chunk));
        child.stderr!.on('data', (chunk: Buffer) => stderr.add(chunk));
        // Descriptors 3 to 6 are duplex pipes: bwrap's status out, the made-up passwd and group
        // in, and the sandbox's word that it runs.
        const [, , , statusStream, passwd, group, ready] =
          child.stdio as unknown as (Duplex | null)[];
        for (const stream of [statusStream, passwd, group, ready]) stream?.on('error', () => {});
        if (statusStream) readStatus(statusStream, status);
        ready?.once('data', () => {
          status.started = true;
        });
        passwd?.end(PASSWD);
        group?.end(GROUP);

        // bwrap dies with its process group; the sandbox's first process then dies with it
        // (`--die-with-parent`), and with it every process of its PID namespace.
        const kill = (why: NodeError) => {
          stopped ??= why;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        };
        const timer = setTimeout(() => {
          kill(
            new NodeError(
              `The command did not finish within ${options.timeoutMs} ms and was stopped`,
              {
                description:
                  'Every process it started was stopped with it. The limit is the setting IZA_WORKFLOWS_COMMAND_TIMEOUT_MS.',
              },
            ),
          );
        }, options.timeoutMs);
        const onAbort = () => kill(cancelled());
        signal?.addEventListener('abort', onAbort, { once: true });

        child.on('error', (error) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          reject(
            new NodeError(`The command sandbox could not be started (${error.message})`, {
              cause: error,
            }),
          );
        });
        child.on('close', (code, killedBy) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (stopped) return reject(stopped);
          if (!status.started) {
            // bwrap's reason, without the server's paths.
            const reason = (stderr.text().trim().split('\n')[0] ?? '')
              .replaceAll(folder, SANDBOX_FOLDER)
              .replaceAll(options.filesDir, '<files folder>');
            return reject(
              new NodeError(
                `The command sandbox could not be set up: ${reason || `bwrap ended with ${code ?? killedBy}`}`,
                {
                  description:
                    'Commands run only inside bubblewrap, which needs user namespaces: check that the server may create them (sysctl kernel.unprivileged_userns_clone, AppArmor).',
                },
              ),
            );
          }
          resolve({
            exitCode: status.exitCode ?? code ?? 128,
            stdout: stdout.text().trim(),
            stderr: stderr.text().trim(),
          });
        });
      });
    },
  };
}

function missingTool(tool: string): NodeError {
  return new NodeError(`The command sandbox needs ${tool}, which this server does not have`, {
    description:
      "Execute Command never runs a command outside its sandbox. An administrator installs Debian's bubblewrap package (apt-get install bubblewrap), or turns the node off (IZA_WORKFLOWS_EXECUTE_COMMAND=off).",
  });
}

function cancelled(): NodeError {
  return new NodeError(
    'The execution was cancelled while its command ran; the command was stopped',
  );
}

/**
 * Why commands cannot run sandboxed on this machine (bubblewrap missing, namespaces forbidden),
 * or undefined when they can: runs `true` in a sandbox over a temporary folder.
 */
export async function sandboxProblem(): Promise<string | undefined> {
  const filesDir = await mkdtemp(join(tmpdir(), 'iza-sandbox-check-'));
  try {
    const sandbox = createCommandSandbox({
      filesDir,
      orgId: 'check',
      timeoutMs: 10_000,
      memoryMb: 256,
      processes: 16,
      maxFileBytes: 1024 * 1024,
      network: false,
    });
    const { exitCode } = await sandbox.run('true');
    return exitCode === 0 ? undefined : `the sandbox answered exit code ${exitCode}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await rm(filesDir, { recursive: true, force: true });
  }
}
