import { OperationalError, UserError } from '../errors.ts';

/** Stable codes of the outbound HTTP guard's failures. */
export const OutboundErrorCodes = {
  /** The URL's scheme or address may not be reached (SSRF guard). */
  refused: 'outbound_refused',
  /** The answer was larger than the configured limit. */
  tooLarge: 'outbound_response_too_large',
  /** No complete answer within the time limit. */
  timeout: 'outbound_timeout',
} as const;

/**
 * A request the guard refused before connecting: a scheme other than http(s), or an address
 * that is not public unicast and not in the allow-list. 400 when it answers an API call.
 */
export class OutboundRefusedError extends UserError {
  constructor(message: string, details?: { host: string; address?: string; range?: string }) {
    super(OutboundErrorCodes.refused, message, { status: 400, details });
  }
}

/** An answer past the size limit; the connection was closed when the limit was passed. */
export class OutboundTooLargeError extends UserError {
  readonly limitBytes: number;

  constructor(host: string, limitBytes: number, setting: string | undefined) {
    super(
      OutboundErrorCodes.tooLarge,
      `the answer of ${host} is larger than ${formatBytes(limitBytes)} (${limitBytes} bytes), the limit${setting ? ` set by ${setting}` : ''}: the connection was closed`,
      { status: 422, details: { host, limitBytes, ...(setting ? { setting } : {}) } },
    );
    this.limitBytes = limitBytes;
  }
}

/** No complete answer (headers and body) within the guard's time limit. */
export class OutboundTimeoutError extends OperationalError {
  constructor(host: string, timeoutMs: number) {
    super(OutboundErrorCodes.timeout, `no complete answer from ${host} within ${timeoutMs} ms`, {
      details: { host, timeoutMs },
    });
  }
}

/** `1048576` -> `1 MiB`; `1500` -> `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
