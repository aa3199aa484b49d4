import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, UnexpectedError } from '../kernel/index.ts';
import type { RouteAccess } from './access.ts';
import {
  envelopeOf,
  errorEnvelopeSchema,
  successJson,
  successJsonHead,
  successJsonTail,
} from './envelope.ts';
import { acceptsGzip, gzipHead, gzipWithTail, type GzipHead } from './gzip.ts';

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's clock (the envelope's timestamp), decorated by `buildApp`. */
    now(): Date;
  }
}

export interface RouteSpec<
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  P extends z.ZodType | undefined,
  R extends z.ZodType,
  A extends z.ZodType | undefined = undefined,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** Who may call it: required, so no route can forget it. */
  access: RouteAccess;
  /**
   * The handler limits what it reads and changes to the ventures of an API key limited to some
   * (`principal.ventureIds`). Only such routes accept those keys (`server/access.ts`).
   */
  ventureScope?: boolean;
  tags: string[];
  summary: string;
  description?: string;
  body?: B;
  query?: Q;
  params?: P;
  /** The schema of `data` in the envelope. */
  response: R;
  /** The success status (default 200). */
  status?: 200 | 201 | 202;
  /**
   * A second success answer: 202 Accepted, with this schema, when the handler answers
   * `accepted(data)` (the work was accepted but is not done: a transfer waiting for
   * approval instead of posting).
   */
  accepted?: A;
  /** A stricter rate limit for this route (requests per minute per client). */
  rateLimitPerMinute?: number;
  /** A larger (or smaller) body limit than the server's, in bytes (batch endpoints). */
  bodyLimit?: number;
}

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * Adds a JSON route: input validated by its zod schemas, the handler's return value wrapped in
 * the `ApiResponse` envelope, and everything documented in OpenAPI.
 */
export function addRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
  A extends z.ZodType | undefined = undefined,
>(
  app: FastifyInstance,
  spec: RouteSpec<B, Q, P, R, A>,
  handler: (
    input: RouteInput<Infer<B>, Infer<Q>, Infer<P>>,
  ) => Promise<
    z.input<R> | Kept<z.input<R>> | (A extends z.ZodType ? Accepted<z.input<A>> : never)
  >,
): void {
  const status = spec.status ?? 200;
  /**
   * Kept answers (see `kept`), each serialized once while it is kept: the JSON of its data and,
   * once a client took gzip, the compressed envelope up to its metadata.
   */
  const serialized = new WeakMap<object, { json: string; gzip?: GzipHead }>();
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
    config: {
      access: spec.access,
      ...(spec.ventureScope ? { ventureScope: true } : {}),
      ...(spec.rateLimitPerMinute
        ? { rateLimit: { max: spec.rateLimitPerMinute, timeWindow: 60_000 } }
        : {}),
    },
    schema: {
      tags: spec.tags,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.access === 'public' ? {} : { security: [{ bearer: [] }] }),
      ...(spec.body ? { body: spec.body } : {}),
      ...(spec.query ? { querystring: spec.query } : {}),
      ...(spec.params ? { params: spec.params } : {}),
      response: {
        [status]: envelopeOf(spec.response),
        ...(spec.accepted ? { 202: envelopeOf(spec.accepted) } : {}),
        '4XX': errorEnvelopeSchema,
        '5XX': errorEnvelopeSchema,
      },
    },
    handler: async (request, reply) => {
      const data = await handler({
        body: request.body as Infer<B>,
        query: request.query as Infer<Q>,
        params: request.params as Infer<P>,
        request,
        reply,
      });
      if (data instanceof Accepted) {
        reply.status(202);
        return data.data;
      }
      if (data instanceof Kept) {
        let kept = serialized.get(data.key);
        if (kept === undefined) {
          // What the serializer would write: the response schema's encoding, as JSON. An answer
          // that does not fit its schema is the server's fault, as with the serializer.
          const encoded = z.safeEncode(spec.response, data.data() as z.output<R>);
          if (!encoded.success) {
            throw new UnexpectedError(
              ErrorCodes.internal,
              `The answer of ${spec.url} does not fit its schema`,
              { cause: encoded.error },
            );
          }
          kept = { json: JSON.stringify(encoded.data) };
          serialized.set(data.key, kept);
        }
        if (status !== 200) reply.status(status);
        reply.type('application/json; charset=utf-8');
        // A large kept answer is compressed once, not at every request (the compression
        // plugin leaves a body that is already encoded alone).
        if (
          kept.json.length >= KEPT_GZIP_BYTES &&
          acceptsGzip(request.headers['accept-encoding'])
        ) {
          kept.gzip ??= gzipHead(successJsonHead(kept.json));
          reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding');
          return gzipWithTail(kept.gzip, successJsonTail(request.id, app.now()));
        }
        return successJson(kept.json, request.id, app.now());
      }
      if (status !== 200) reply.status(status);
      return data;
    },
  });
}

/** Kept answers from this size (characters of JSON) go out compressed once (see `gzip.ts`). */
const KEPT_GZIP_BYTES = 64 * 1024;

/**
 * An answer the service keeps between requests (the same `key` object while it is unchanged):
 * serialized once per key and route, then sent as that text in a fresh envelope. `data` makes
 * the JSON value from the kept object when it is first sent.
 */
export class Kept<T> {
  readonly key: object;
  readonly data: () => T;
  constructor(key: object, data: () => T) {
    this.key = key;
    this.data = data;
  }
}

/** Answers `data(key)`, serialized once for as long as the service keeps `key`. */
export function kept<K extends object, T>(key: K, data: (key: K) => T): Kept<T> {
  return new Kept(key, () => data(key));
}

/** A route's 202 answer (see `RouteSpec.accepted`). */
export class Accepted<T> {
  readonly data: T;
  constructor(data: T) {
    this.data = data;
  }
}

/** Answers 202 Accepted with `data` from a route declaring `accepted`. */
export function accepted<T>(data: T): Accepted<T> {
  return new Accepted(data);
}
