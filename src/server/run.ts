import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createAccess } from '../access/index.ts';
import {
  createKernel,
  createLogger,
  type Config,
  type Kernel,
  type Logger,
} from '../kernel/index.ts';
import { buildApp } from './app.ts';
import { LOCAL_ADMIN_TOKEN_FILE } from './local-admin.ts';
import { createModules, defineModuleQueues } from './modules.ts';
import { handleShutdownSignals } from './shutdown.ts';

export { LOCAL_ADMIN_TOKEN_FILE };

export interface RunServerOptions {
  config: Config;
  /** Extra routes (tests use this for routes that only tests need). */
  register?: (app: FastifyInstance) => void | Promise<void>;
  /** Stop and exit on SIGTERM/SIGINT (default true). */
  handleSignals?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  kernel: Kernel;
  /** Where this server answers, e.g. http://127.0.0.1:3000. */
  url: string;
  /** Stops taking requests, finishes those in flight and the running jobs, closes the database. */
  stop(): Promise<void>;
}

/** `iza start`: the kernel, the HTTP app on the configured port, and graceful shutdown. */
export async function runServer(options: RunServerOptions): Promise<RunningServer> {
  const { config } = options;
  const log = createLogger({ level: config.logLevel });
  if (!(options.handleSignals ?? true)) return startServer(options, log);
  // From the first moment: a signal during start-up (a supervisor stopping a server that is
  // still migrating) waits for the start to finish, then stops it the same graceful way.
  // Without this, it would kill the process before its lock and token file were cleaned up.
  // (Signals are handled on the event loop: none can come between these two statements.)
  const starting = startServer(options, log);
  handleShutdownSignals({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    stop: async () => {
      const server = await starting.catch(() => undefined);
      await server?.stop();
    },
  });
  return starting;
}

async function startServer(options: RunServerOptions, log: Logger): Promise<RunningServer> {
  const { config } = options;
  const kernel = await createKernel({
    config,
    command: 'iza start',
    workJobs: config.jobs.enabled,
    log,
  });
  let tokenFile: string | undefined;
  try {
    const access = createAccess(kernel);
    const modules = createModules({ kernel, access });
    await defineModuleQueues(modules);
    let localAdminToken: string | undefined;
    if (kernel.database.lock) {
      localAdminToken = randomBytes(32).toString('base64url');
      tokenFile = join(config.dataDir, LOCAL_ADMIN_TOKEN_FILE);
      writeFileSync(tokenFile, localAdminToken, { mode: 0o600 });
    }
    const app = await buildApp({
      kernel,
      access,
      localAdminToken,
      modules,
      ...(options.register ? { register: options.register } : {}),
    });
    await app.listen({ host: config.host, port: config.port });
    const url = reachableUrl(app, config.host);
    kernel.database.lock?.update({ apiUrl: url });
    kernel.log.info(
      { url, storage: kernel.database.kind, location: kernel.database.location },
      'IZA OS is listening',
    );
    await access.setup.issueToken(url);

    let stopping: Promise<void> | undefined;
    const server: RunningServer = {
      app,
      kernel,
      url,
      stop() {
        stopping ??= (async () => {
          try {
            await app.close();
          } finally {
            await kernel.close();
            if (tokenFile) rmSync(tokenFile, { force: true });
          }
        })();
        return stopping;
      },
    };
    return server;
  } catch (error) {
    if (tokenFile) rmSync(tokenFile, { force: true });
    await kernel.close();
    throw error;
  }
}

function reachableUrl(app: FastifyInstance, host: string): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const name =
    host === '0.0.0.0' || host === 'localhost'
      ? '127.0.0.1'
      : host === '::'
        ? '[::1]'
        : host.includes(':')
          ? `[${host}]`
          : host;
  return `http://${name}:${port}`;
}
