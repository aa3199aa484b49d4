import type { Logger } from '../kernel/index.ts';

/**
 * On SIGTERM or SIGINT: stop gracefully, then exit 0. A second signal, or a stop that takes
 * longer than `timeoutMs` (plus a margin), exits at once with status 1.
 */
export function handleShutdownSignals(options: {
  log: Logger;
  timeoutMs: number;
  stop: () => Promise<void>;
}): void {
  const { log } = options;
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    shuttingDown = true;
    log.info({ signal }, 'shutting down: finishing requests and jobs in flight');
    const force = setTimeout(() => {
      log.error({ timeoutMs: options.timeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, options.timeoutMs + 5000);
    force.unref();
    options.stop().then(
      () => {
        log.info('stopped');
        log.flush();
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        log.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
