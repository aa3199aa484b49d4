import type { FastifyInstance } from 'fastify';
import { createAccess, type Access } from '../../src/access/index.ts';
import { buildApp } from '../../src/server/index.ts';
import type { Clock, Kernel, StorageTarget } from '../../src/kernel/index.ts';
import { captureLogs, createTestKernel } from './kernel.ts';

export interface TestApp {
  app: FastifyInstance;
  kernel: Kernel;
  access: Access;
  logs: ReturnType<typeof captureLogs>['lines'];
  close(): Promise<void>;
}

const NO_WEB_ROOT = '/nonexistent/iza-web/';

/** The real HTTP app on a test kernel, for `app.inject()`. */
export async function createTestApp(options: {
  target: StorageTarget;
  env?: Record<string, string>;
  localAdminToken?: string;
  clock?: Clock;
  register?: (app: FastifyInstance) => void | Promise<void>;
  /** A built dashboard to serve at `/`; none by default, so `/` is the status page. */
  webRoot?: string;
}): Promise<TestApp> {
  const { log, lines } = captureLogs('info');
  const kernel = await createTestKernel({
    target: options.target,
    log,
    workJobs: false,
    ...(options.env ? { env: options.env } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  try {
    const access = createAccess(kernel);
    const app = await buildApp({
      kernel,
      access,
      ...(options.localAdminToken ? { localAdminToken: options.localAdminToken } : {}),
      ...(options.register ? { register: options.register } : {}),
      webRoot: options.webRoot ?? NO_WEB_ROOT,
    });
    return {
      app,
      kernel,
      access,
      logs: lines,
      async close() {
        await app.close();
        await kernel.close();
      },
    };
  } catch (error) {
    await kernel.close();
    throw error;
  }
}
