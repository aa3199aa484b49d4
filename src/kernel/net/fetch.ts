import type * as Undici from 'undici';
import { OutboundRefusedError, OutboundTimeoutError, OutboundTooLargeError } from './errors.ts';
import { createGuard, schemeRefusal, type GuardOptions } from './guard.ts';
import { causeMatching, limitBody } from './limit.ts';

/**
 * `createOutboundFetch`: the one HTTP client for requests IZA OS makes on a tenant's behalf
 * (workflow nodes, agents' health checks and webhooks, MCP servers, and model providers). It is
 * `fetch` (what the AI SDK's and the MCP SDK's `fetch` options take) over an undici `Agent`
 * whose sockets connect only to addresses the guard checked, on every redirect hop, with a
 * limit on the size of an answer enforced while it streams.
 */

export interface OutboundFetchOptions extends GuardOptions {
  /**
   * The largest answer body, in bytes, counted as received and again as decoded (gzip, br,
   * deflate, zstd), so a small compressed body cannot expand past it. Past it the connection is
   * closed and reading fails with `OutboundTooLargeError`.
   */
  maxResponseBytes: number;
  /** The setting that holds `maxResponseBytes`, named in the error (e.g. an env variable). */
  limitSetting?: string;
  /** Time limit of a whole exchange (connecting, headers and body), in ms. Default: none. */
  timeoutMs?: number | undefined;
}

const OUTBOUND = Symbol.for('iza.outboundFetch');

/** A guarded `fetch`; `close()` ends its pooled connections. */
export type OutboundFetch = typeof fetch & {
  close(): Promise<void>;
  readonly maxResponseBytes: number;
  readonly [OUTBOUND]: true;
};

/** Whether `value` was made by `createOutboundFetch` (a plain `fetch` is not). */
export function isOutboundFetch(value: unknown): value is OutboundFetch {
  return typeof value === 'function' && (value as Partial<OutboundFetch>)[OUTBOUND] === true;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** undici, loaded on the first request: processes that never make one do not pay for it. */
let undici: Promise<typeof Undici> | undefined;
const loadUndici = () => (undici ??= import('undici'));

/**
 * A `fetch` for tenant-driven requests.
 * @example
 * const outbound = createOutboundFetch({ allowList: config.outbound.allowPrivate,
 *   maxResponseBytes: config.outbound.maxResponseBytes });
 * createOpenAI({ baseURL, apiKey, fetch: outbound });
 */
export function createOutboundFetch(options: OutboundFetchOptions): OutboundFetch {
  const guard = createGuard(options);
  const max = options.maxResponseBytes;
  type Client = { agent: Undici.Agent; fetch: typeof Undici.fetch };
  let client: Promise<Client> | undefined;
  let loaded: Client | undefined;
  const ready = () =>
    (client ??= loadUndici().then(({ Agent, buildConnector, fetch }) => {
      const connect = buildConnector({ lookup: guard.lookup });
      const agent = new Agent({
        connect(connectOptions, callback) {
          // Sockets skip `lookup` for IP literals: those are checked here, before connecting.
          const refusal = guard.literalRefusal(connectOptions.hostname);
          if (refusal) callback(refusal, null);
          else connect(connectOptions, callback);
        },
        // Counts the bytes as received (before decoding).
        maxResponseSize: max,
      });
      return (loaded = { agent, fetch });
    }));

  const outbound = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request =
      input instanceof Request || init?.body instanceof FormData
        ? await normalise(input, init)
        : { url: input instanceof URL ? input : new URL(input), init: init ?? {} };
    const url = request.url;
    const host = url.host;
    // Addresses are checked when a connection is made (`connect` above); a pooled connection
    // exists only for an origin that passed.
    const refusal = schemeRefusal(url);
    if (refusal) throw refusal;
    const tooLarge = () => new OutboundTooLargeError(host, max, options.limitSetting);
    const caller = request.init.signal ?? undefined;
    const timeout = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
    const ours = new AbortController();
    const signals = [ours.signal, ...(timeout ? [timeout] : []), ...(caller ? [caller] : [])];
    const failure = (error: unknown): unknown => {
      if (caller?.aborted) return caller.reason;
      const known = causeMatching(
        error,
        (e) => e instanceof OutboundRefusedError || e instanceof OutboundTooLargeError,
      );
      if (known) return known;
      if (timeout?.aborted) return new OutboundTimeoutError(host, options.timeoutMs ?? 0);
      if (causeMatching(error, (e) => (e as { code?: string }).code === SIZE_CODE)) {
        return tooLarge();
      }
      return error;
    };

    const { agent, fetch: undiciFetch } = loaded ?? (await ready());
    let upstream: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      upstream = await undiciFetch(url, {
        ...(request.init as Undici.RequestInit),
        signal: signals.length === 1 ? ours.signal : AbortSignal.any(signals),
        dispatcher: agent,
      });
    } catch (error) {
      throw failure(error);
    }
    const declared = Number(upstream.headers.get('content-length') ?? Number.NaN);
    if (declared > max) {
      const error = tooLarge();
      ours.abort(error);
      throw error;
    }
    const body = NULL_BODY.has(upstream.status) ? null : upstream.body;
    const response = new Response(
      body &&
        limitBody(body as ReadableStream<Uint8Array>, max, {
          tooLarge,
          failure,
          abort: (reason) => ours.abort(reason),
        }),
      {
        status: upstream.status,
        statusText: upstream.statusText,
        headers: upstream.headers as unknown as Headers,
      },
    );
    Object.defineProperties(response, {
      url: { value: upstream.url },
      redirected: { value: upstream.redirected },
    });
    return response;
  };

  return Object.defineProperties(outbound, {
    close: { value: async () => (client ? (await client).agent.close() : undefined) },
    maxResponseBytes: { value: max },
    [OUTBOUND]: { value: true },
  }) as unknown as OutboundFetch;
}

const SIZE_CODE = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';

/**
 * The URL and init of a request. undici's `fetch` knows only its own `Request` and `FormData`
 * classes: a global `Request` is taken apart and a global `FormData` body encoded first.
 */
async function normalise(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<{ url: URL; init: RequestInit }> {
  if (input instanceof Request) {
    const body = input.body ? await input.arrayBuffer() : undefined;
    const base: RequestInit = {
      method: input.method,
      headers: input.headers,
      redirect: input.redirect,
      signal: input.signal,
      ...(body === undefined ? {} : { body }),
    };
    return normalise(input.url, { ...base, ...init });
  }
  const url = input instanceof URL ? input : new URL(input);
  if (!(init.body instanceof FormData)) return { url, init };
  const encoded = new Response(init.body);
  const headers = new Headers(init.headers);
  headers.set('content-type', encoded.headers.get('content-type') ?? 'multipart/form-data');
  return { url, init: { ...init, headers, body: await encoded.arrayBuffer() } };
}
