import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { UserError } from '../kernel/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Where modules register series about organisations' own things (the agents module's
     * per-agent series): only the operator reads them, at `/metrics` with a metrics token.
     */
    metricsRegistry: Registry;
  }
}

export interface MetricsOptions {
  /** `IZA_METRICS_TOKEN`: the bearer token Prometheus presents at `/metrics`. */
  token: string | undefined;
  /** The local administrator token, which may read `/metrics` too. */
  localAdminToken: string | undefined;
}

/** The path organisation administrators (the dashboard's Monitoring page) read. */
export const SERVER_METRICS_PATH = '/api/v1/server/metrics';

/**
 * Prometheus metrics in two views:
 *
 * - `/metrics`, for the operator's Prometheus: the process (CPU, memory, event loop, GC),
 *   requests by route template and status, and the series modules add about organisations'
 *   own things (per-agent tasks, tokens, cost). It holds every tenant's figures, so it needs
 *   `Authorization: Bearer` with `IZA_METRICS_TOKEN` or the local administrator token.
 * - `/api/v1/server/metrics`, for organisation administrators (signed in, or an admin API key):
 *   the process and request series only, none about any organisation.
 *
 * Route templates, not raw URLs, keep the number of series bounded.
 */
export function registerMetrics(app: FastifyInstance, options: MetricsOptions): Registry {
  const server = new Registry();
  collectDefaultMetrics({ register: server, prefix: 'iza_' });
  const tenants = new Registry();
  app.decorate('metricsRegistry', tenants);
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'iza_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames,
    registers: [server],
  });
  const duration = new Histogram({
    name: 'iza_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [server],
  });

  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });

  const operator = operatorCheck(options);
  app.get(
    '/metrics',
    {
      // Not an organisation's route: it checks its own credential (the metrics token).
      config: { access: 'public', envelope: false, rateLimit: false },
      schema: { hide: true },
      onRequest: async (request, reply) => {
        reply.header('www-authenticate', 'Bearer realm="IZA OS metrics"');
        operator(request);
        reply.removeHeader('www-authenticate');
      },
    },
    async (_request, reply) => {
      reply.header('content-type', server.contentType);
      return `${await server.metrics()}\n${await tenants.metrics()}`;
    },
  );
  app.get(
    SERVER_METRICS_PATH,
    {
      config: { access: 'manage_users', envelope: false },
      schema: {
        tags: ['system'],
        summary: 'The server process’s metrics (Prometheus text), without any organisation’s',
        description:
          'For administrators: the process (memory, event loop) and requests by route template and status. Series about organisations (per-agent ones) are only at `/metrics`, for the operator.',
        security: [{ bearer: [] }],
      },
    },
    async (_request, reply) => {
      reply.header('content-type', server.contentType);
      reply.header('cache-control', 'no-store');
      return server.metrics();
    },
  );
  return server;
}

/** The check of `/metrics`: a bearer token equal to the metrics or local administrator token. */
function operatorCheck(options: MetricsOptions) {
  const digests = [options.token, options.localAdminToken]
    .filter((t): t is string => t !== undefined)
    .map(digest);
  return (request: FastifyRequest): void => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const given = match ? digest(match[1]!) : undefined;
    // Every digest is compared, so the time taken does not tell which one matched.
    let ok = false;
    for (const d of digests) if (given && timingSafeEqual(given, d)) ok = true;
    if (ok) return;
    throw new UserError(
      match ? 'metrics_token_invalid' : 'metrics_token_required',
      match
        ? 'The bearer token is not the metrics token (IZA_METRICS_TOKEN)'
        : `/metrics holds every organisation's figures: send the metrics token (IZA_METRICS_TOKEN) as "Authorization: Bearer <token>"; administrators find the server's own figures at ${SERVER_METRICS_PATH}`,
      { status: match ? 403 : 401 },
    );
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
