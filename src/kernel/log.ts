import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';
import { currentCorrelationId } from './context.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Where JSON lines go; standard output when absent. */
  destination?: DestinationStream;
}

/**
 * The process logger: JSON lines, one per event, each carrying the correlation id of the
 * request or job it belongs to. Modules take a child: `log.child({ module: 'ledger' })`.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      // The customer's LogEntry shape: timestamp, level (upper case), service, correlationId,
      // message; the other fields of a line sit beside them.
      base: { service: 'iza-os' },
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      serializers: { err: serializeError },
      mixin() {
        const correlationId = currentCorrelationId();
        return correlationId === undefined ? {} : { correlationId };
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'headers.cookie',
          '*.password',
          '*.token',
          '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}

/**
 * pino's error serializer, without the properties some libraries hang on errors (a database
 * client with its whole connection state, a request) that bloat lines and may leak secrets.
 */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const key of ['client', 'connection', 'request', 'response', 'socket', 'config']) {
    delete serialized[key];
  }
  return serialized;
}
