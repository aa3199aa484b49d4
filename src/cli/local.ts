import { createAccess, type Access } from '../access/index.ts';
import {
  ErrorCodes,
  UserError,
  createKernel,
  createLogger,
  type Config,
  type Kernel,
} from '../kernel/index.ts';
import { callServer, findRunningServer, type RemoteServer } from './remote.ts';

/**
 * Runs a CLI command against a running server (through its API, with the local administrator
 * token) when one holds the data folder, or against the database directly when none does.
 */
export async function viaServerOrLocally<T>(
  config: Config,
  command: string,
  remote: (server: RemoteServer, call: typeof callServer) => Promise<T>,
  local: (context: { kernel: Kernel; access: Access }) => Promise<T>,
): Promise<T> {
  const server = findRunningServer(config);
  if (server) return remote(server, callServer);
  const kernel = await createKernel({
    config,
    command,
    workJobs: false,
    log: createLogger({ level: 'warn' }),
  });
  try {
    return await local({ kernel, access: createAccess(kernel) });
  } finally {
    await kernel.close();
  }
}

/** Reads a secret: from standard input when piped, else by asking twice without echo. */
export async function readSecret(prompt: string): Promise<string> {
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
