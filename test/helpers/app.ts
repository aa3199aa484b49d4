import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/index.ts';
import type { Kernel, StorageTarget } from '../../src/kernel/index.ts';
import { captureLogs, createTestKernel } from './kernel.ts';

export interface TestApp {
  app: FastifyInstance;
  kernel: Kernel;
  logs: ReturnType<typeof captureLogs>['lines'];
  close(): Promise<void>;
}

/** The real HTTP app on a test kernel, for `app.inject()`. */
export async function createTestApp(options: {
  target: StorageTarget;
  env?: Record<string, string>;
  localAdminToken?: string;
  register?: (app: FastifyInstance) => void | Promise<void>;
}): Promise<TestApp> {
  const { log, lines } = captureLogs('info');
  const kernel = await createTestKernel({
    target: options.target,
    log,
    workJobs: false,
    ...(options.env ? { env: options.env } : {}),
  });
  try {
    const app = await buildApp({
      kernel,
      ...(options.localAdminToken ? { localAdminToken: options.localAdminToken } : {}),
      ...(options.register ? { register: options.register } : {}),
    });
    return {
      app,
      kernel,
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
