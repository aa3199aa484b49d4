import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DataDirLockedError,
  ErrorCodes,
  OperationalError,
  UserError,
  readLiveLockHolder,
  type Config,
} from '../kernel/essentials.ts';
import { LOCAL_ADMIN_TOKEN_FILE, ORG_HEADER } from '../server/local-admin.ts';

/**
 * An embedded database belongs to one process. When a server holds the data folder, CLI
 * commands ask it over its API with the local administrator token it wrote there.
 */
export interface RemoteServer {
  url: string;
  token: string;
  /** The organisation (id or slug) calls act within, as its administrator; none for system routes. */
  org?: string;
}

/**
 * The running server for this configuration's data folder, if one holds it.
 * @throws DataDirLockedError when another kind of process (a worker, another command) holds it.
 */
export function findRunningServer(config: Config): RemoteServer | undefined {
  if (config.databaseUrl) return undefined;
  const holder = readLiveLockHolder(config.dataDir);
  if (!holder) return undefined;
  if (!holder.apiUrl) throw new DataDirLockedError(config.dataDir, holder);
  let token: string;
  try {
    token = readFileSync(join(config.dataDir, LOCAL_ADMIN_TOKEN_FILE), 'utf8').trim();
  } catch (error) {
    throw new UserError(
      ErrorCodes.forbidden,
      `A server (process ${holder.pid}) holds ${config.dataDir} but its token file cannot be read: ${(error as Error).message}`,
      { status: 403 },
    );
  }
  return { url: holder.apiUrl, token };
}

/** Calls the server and unwraps the `ApiResponse` envelope, raising its error as a `UserError`. */
export async function callServer<T>(
  server: RemoteServer,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, server.url), {
      method,
      headers: {
        authorization: `Bearer ${server.token}`,
        ...(server.org === undefined ? {} : { [ORG_HEADER]: server.org }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch (error) {
    throw new OperationalError(
      ErrorCodes.serviceUnavailable,
      `The server at ${server.url} holds the data folder but does not answer: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const envelope = (await response.json().catch(() => undefined)) as
    { success: boolean; data?: T; error?: { code: string; message: string } } | undefined;
  if (!envelope) {
    throw new OperationalError(
      ErrorCodes.serviceUnavailable,
      `The server at ${server.url} answered ${response.status} without a JSON body`,
    );
  }
  if (!envelope.success) {
    throw new UserError(
      envelope.error?.code ?? ErrorCodes.badRequest,
      envelope.error?.message ?? `HTTP ${response.status}`,
    );
  }
  return envelope.data as T;
}
