import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics at `/metrics`: the process (CPU, memory, event loop, GC) plus request
 * counts and latency by route template and status. Route templates, not raw URLs, keep the
 * number of series bounded.
 */
export function registerMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'iza_' });
  // Modules register their own metrics here (the agents module's per-agent series).
  app.decorate('metricsRegistry', registry);
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'iza_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'iza_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
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

  app.get(
    '/metrics',
    {
      config: { access: 'public', envelope: false, rateLimit: false },
      schema: { hide: true },
    },
    async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  );
  return registry;
}
