/**
 * The answer's body as the caller reads it: counted chunk by chunk (after decoding), failing
 * with the size error and closing the connection as soon as the count passes the limit, so no
 * more than the limit is ever held, whatever the body's encoding or declared length.
 */
export function limitBody(
  source: ReadableStream<Uint8Array>,
  maxBytes: number,
  on: {
    tooLarge: () => Error;
    /** Turns a read failure (timeout, reset, undici's own size check) into the error to show. */
    failure: (error: unknown) => unknown;
    /** Ends the exchange (aborts the request, which closes the connection). */
    abort: (reason: unknown) => void;
  },
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          controller.error(on.failure(error));
          return;
        }
        if (chunk.done) {
          controller.close();
          return;
        }
        seen += chunk.value.byteLength;
        if (seen > maxBytes) {
          const error = on.tooLarge();
          on.abort(error);
          reader.cancel(error).catch(() => undefined);
          controller.error(error);
          return;
        }
        controller.enqueue(chunk.value);
      },
      async cancel(reason) {
        on.abort(reason);
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/** The first error in `error`'s cause chain that `test` accepts. */
export function causeMatching(error: unknown, test: (e: object) => boolean): unknown {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    if (test(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The default limit of an answer to a workflow node or from an MCP server: 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** The default limit of an answer from a webhook agent or an agent's health check: 1 MiB. */
export const DEFAULT_AGENT_MAX_RESPONSE_BYTES = 1024 * 1024;
