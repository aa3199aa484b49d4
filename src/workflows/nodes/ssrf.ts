import {
  checkUrl as checkOutboundUrl,
  createOutboundFetch,
  DEFAULT_MAX_RESPONSE_BYTES,
  isOutboundFetch,
  OutboundRefusedError,
  OutboundTimeoutError,
  OutboundTooLargeError,
  ALLOW_LIST_SETTING,
  type OutboundFetch,
} from '../../kernel/net/index.ts';
import { NodeError, type HttpOptions } from '../engine/engine.types.ts';

/**
 * The HTTP client of the workflow nodes that make requests (HTTP Request, RSS Read, GraphQL):
 * the kernel's outbound guard (`kernel/net`), so every hop connects only to an address it
 * checked and no answer grows past the size limit.
 */

/** The guard's refusal, as the workflows module has always exported it. */
export { OutboundRefusedError as SsrfError };

/** The setting that holds the workflow nodes' answer size limit. */
export const LIMIT_SETTING = 'IZA_OUTBOUND_MAX_RESPONSE_BYTES';

/** Throws `SsrfError` when `url` may not be requested (see kernel `checkUrl`). */
export function checkUrl(url: URL | string, allowList: readonly string[] = []): Promise<void> {
  return checkOutboundUrl(url, { allowList });
}

const clients = new WeakMap<HttpOptions, OutboundFetch>();

/**
 * The guarded fetch for an engine's `HttpOptions`: its `fetch` when given (it must come from
 * `createOutboundFetch`: a plain fetch would bypass the guard), otherwise one client per
 * options object over `allowList`, with the default size limit.
 */
export function outboundFor(http: HttpOptions): OutboundFetch {
  if (http.fetch !== undefined) {
    if (isOutboundFetch(http.fetch)) return http.fetch;
    throw new NodeError(
      "This engine's HTTP client is not guarded: HttpOptions.fetch must come from createOutboundFetch",
    );
  }
  let client = clients.get(http);
  if (!client) {
    client = createOutboundFetch({
      allowList: http.allowList ?? [],
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      limitSetting: LIMIT_SETTING,
    });
    clients.set(http, client);
  }
  return client;
}

/** A failure of a request or of reading its answer, as the node's error. */
export function requestFailure(error: unknown, timeoutMs: number): unknown {
  if (error instanceof OutboundRefusedError) {
    return new NodeError(error.message, {
      description: `Workflows reach public addresses only; the server's allow-list (${ALLOW_LIST_SETTING}) names the private hosts or ranges they may reach.`,
      cause: error,
    });
  }
  if (error instanceof OutboundTooLargeError) {
    return new NodeError(error.message, {
      description: `Ask the server for less (a page, a range), or raise ${LIMIT_SETTING}.`,
      cause: error,
    });
  }
  if (
    error instanceof OutboundTimeoutError ||
    (error as Error | undefined)?.name === 'TimeoutError'
  ) {
    return new NodeError(`No answer within ${timeoutMs} ms`, {
      description: 'Raise the node\'s "Timeout" option, or check that the server answers.',
      cause: error,
    });
  }
  return error;
}
