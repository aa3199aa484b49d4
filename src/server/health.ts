import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { VERSION, type Kernel } from '../kernel/index.ts';
import { envelopeOf } from './envelope.ts';

const componentSchema = z.object({
  status: z.enum(['up', 'down']),
  detail: z.string().optional(),
  latencyMs: z.number().optional(),
});

const healthSchema = z.object({
  status: z.enum(['ok', 'down']),
  version: z.string(),
  uptimeSeconds: z.number(),
  components: z
    .object({
      database: componentSchema.extend({ kind: z.enum(['pglite', 'postgres']) }),
      jobs: componentSchema.extend({ working: z.boolean() }),
      events: componentSchema.extend({ mode: z.enum(['in-process', 'postgres']) }),
    })
    // What modules add (`app.healthDetails`), e.g. the MCP hub.
    .catchall(componentSchema.loose()),
});

/**
 * A module's line in `/health` (the route is public: counts, never names). Informational: only
 * the database and the queues decide whether the answer is 503.
 */
export type HealthDetail = () => z.infer<typeof componentSchema>;

declare module 'fastify' {
  interface FastifyInstance {
    healthDetails: Map<string, HealthDetail>;
  }
}

type Health = z.infer<typeof healthSchema>;

/** Readiness is checked at most once a second, however often probes ask. */
const CACHE_MS = 1000;

export function registerHealth(app: FastifyInstance, kernel: Kernel): void {
  const started = Date.now();
  app.decorate('healthDetails', new Map<string, HealthDetail>());
  let cached: { at: number; value: Promise<Health> } | undefined;

  const check = async (): Promise<Health> => {
    const t0 = performance.now();
    const database = await kernel.database.ping().then(
      () => ({ status: 'up' as const, latencyMs: round(performance.now() - t0) }),
      (error: unknown) => ({ status: 'down' as const, detail: (error as Error).message }),
    );
    const jobs =
      database.status === 'up'
        ? await kernel.jobs.depth().then(
            (queues) => ({
              status: 'up' as const,
              detail: `${queues.reduce((n, q) => n + q.queued, 0)} queued in ${queues.length} queues`,
            }),
            (error: unknown) => ({ status: 'down' as const, detail: (error as Error).message }),
          )
        : { status: 'down' as const, detail: 'database unavailable' };
    return {
      status: database.status === 'up' && jobs.status === 'up' ? 'ok' : 'down',
      version: VERSION,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      components: {
        database: { ...database, kind: kernel.database.kind },
        jobs: { ...jobs, working: kernel.jobs.working },
        events: { status: 'up', mode: kernel.events.mode },
        ...Object.fromEntries([...app.healthDetails].map(([name, detail]) => [name, detail()])),
      },
    };
  };

  app.get(
    '/health',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['system'],
        summary: 'Liveness and readiness, with the state of each component',
        description: 'Answers 200 when ready, 503 when a component is down.',
        response: { 200: envelopeOf(healthSchema), 503: envelopeOf(healthSchema) },
      },
    },
    async (_request, reply) => {
      const now = Date.now();
      if (!cached || now - cached.at > CACHE_MS) cached = { at: now, value: check() };
      const health = await cached.value;
      return reply.status(health.status === 'ok' ? 200 : 503).send(health);
    },
  );

  app.get(
    '/health/live',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['system'],
        summary: 'Liveness only: the process answers',
        response: { 200: envelopeOf(z.object({ status: z.literal('ok') })) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
