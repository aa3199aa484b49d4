import type { Access } from '../access/index.ts';
import { ErrorCodes, UserError, type Config } from '../kernel/essentials.ts';
import type { Kernel } from '../kernel/index.ts';
import { announceCreation, requireDataFolder } from './data-folder.ts';
import { runWithoutSnapshot } from './node-flags.ts';
import { callServer, findRunningServer, type RemoteServer } from './remote.ts';

export interface LocalOptions {
  /** The command sets an installation up: it may create a missing data folder (and says so). */
  creates?: boolean;
  /** Say nothing on standard error about creating it (`--json`: the output is for a program). */
  quiet?: boolean;
  /**
   * The command loads no domain module (status, migrate, audit, secrets): it runs no workflow
   * code, so it need not start over with V8's snapshot off (`runWithoutSnapshot`).
   */
  kernelOnly?: boolean;
}

/**
 * Runs a CLI command against a running server (through its API, with the local administrator
 * token) when one holds the data folder, or against the database directly when none does. The
 * database, the access module and every domain module load only in the second case.
 */
export async function viaServerOrLocally<T>(
  config: Config,
  command: string,
  remote: (server: RemoteServer, call: typeof callServer) => Promise<T>,
  local: (context: { kernel: Kernel; access: Access }) => Promise<T>,
  options: LocalOptions = {},
): Promise<T> {
  const server = findRunningServer(config);
  if (server) return remote(server, callServer);
  return withLocalKernel(config, command, options, (kernel, access) => local({ kernel, access }));
}

/** Opens the database of the data folder in this process (no server holds it). */
export async function withLocalKernel<T>(
  config: Config,
  command: string,
  options: LocalOptions,
  work: (kernel: Kernel, access: Access) => Promise<T>,
): Promise<T> {
  if (!options.creates) requireDataFolder(config);
  if (!options.kernelOnly) runWithoutSnapshot();
  const created = options.quiet ? () => undefined : announceCreation(config);
  const [{ createKernel, createLogger }, { createAccess }] = await Promise.all([
    import('../kernel/index.ts'),
    import('../access/index.ts'),
  ]);
  const kernel = await createKernel({
    config,
    command,
    workJobs: false,
    log: createLogger({ level: 'warn' }),
  });
  created();
  try {
    return await work(kernel, createAccess(kernel));
  } finally {
    await kernel.close();
  }
}

/**
 * Reads a secret: from standard input when piped, else by asking twice without echo. The
 * command first becomes the process that will use it (see `runWithoutSnapshot`), so standard
 * input is read once, by that process.
 */
export async function readSecret(prompt: string): Promise<string> {
  runWithoutSnapshot();
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  const first = await askHidden(`${prompt}: `);
  const second = await askHidden(`${prompt} (again): `);
  if (first !== second) throw new UserError(ErrorCodes.badRequest, 'The two entries differ');
  return first;
}

async function askHidden(question: string): Promise<string> {
  process.stdout.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  try {
    for await (const chunk of stdin) {
      for (const char of (chunk as Buffer).toString('utf8')) {
        if (char === '\r' || char === '\n') {
          process.stdout.write('\n');
          return value;
        }
        if (char === '\u0003') throw new UserError(ErrorCodes.badRequest, 'Cancelled');
        if (char === '\u007f') value = value.slice(0, -1);
        else value += char;
      }
    }
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
  return value;
}
