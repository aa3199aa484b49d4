import { createAccess } from '../access/index.ts';
import { createKernel, type Config } from '../kernel/index.ts';
import { createModules, defineModuleQueues } from './modules.ts';
import { handleShutdownSignals } from './shutdown.ts';

/** `iza worker`: the kernel and every module's job queues, no HTTP; stops on SIGTERM/SIGINT. */
export async function runWorker(options: { config: Config }): Promise<void> {
  const { config } = options;
  const kernel = await createKernel({ config, command: 'iza worker', workJobs: true });
  try {
    await defineModuleQueues(createModules({ kernel, access: createAccess(kernel) }));
  } catch (error) {
    await kernel.close();
    throw error;
  }
  kernel.log.info(
    { storage: kernel.database.kind, location: kernel.database.location },
    'IZA OS worker is running',
  );
  handleShutdownSignals({
    log: kernel.log,
    timeoutMs: config.shutdownTimeoutMs,
    stop: () => kernel.close(),
  });
}
