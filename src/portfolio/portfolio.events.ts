import type { FastifyInstance } from 'fastify';
import { UserError, type EventBus, type IzaEvent } from '../kernel/index.ts';
import { KPI_POSTED, type KpiPostedEvent } from './kpis.service.ts';
import { scopeOf } from './portfolio.routes.ts';

const URL = '/api/v1/portfolio/events';
/** Event types the stream relays. */
const RELAYED = [KPI_POSTED] as const;

export interface PortfolioEventsOptions {
  events: Pick<EventBus, 'subscribe'>;
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
}

/**
 * `GET /api/v1/portfolio/events`: Server-Sent Events of the caller's organisation (and, for an
 * API key limited to some ventures, of those ventures only), fed by the kernel's event bus, so
 * every process sharing a PostgreSQL server relays every event. Each event is
 * `event: <type>`, `id: <event id>`, `data: <JSON payload>`; comment lines (`: heartbeat`) keep
 * the connection alive. Streams end when the server shuts down. Each user or API key may hold
 * `streamsPerClient` streams open at once (`app.streams`); one more is a 429 in the envelope.
 */
export function registerPortfolioEvents(app: FastifyInstance, options: PortfolioEventsOptions) {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of [...open]) stop();
  });

  app.route({
    method: 'GET',
    url: URL,
    // Events of other ventures are filtered out for a venture-scoped key (below).
    config: { access: 'read', envelope: false, rateLimit: false, ventureScope: true },
    schema: {
      tags: ['portfolio'],
      summary: 'Live portfolio events (Server-Sent Events)',
      description:
        'Send `Accept: text/event-stream`. Relays `portfolio.kpi.posted` (`{ ventureId, metrics, from, to, count }`) for the caller’s organisation; a `: heartbeat` comment every 15 s. Each user or API key may hold `IZA_STREAMS_PER_CLIENT` streams open at once (default 10); one more is refused with 429 `too_many_streams`.',
      security: [{ bearer: [] }],
    },
    handler: async (request, reply) => {
      const scope = scopeOf(request);
      if (!(request.headers.accept ?? '').includes('text/event-stream')) {
        throw new UserError(
          'not_acceptable',
          'This route is a Server-Sent Events stream: send "Accept: text/event-stream"',
          { status: 400 },
        );
      }
      const allowed = scope.ventureIds === null ? null : new Set(scope.ventureIds);
      // One of the caller's stream slots (429 when all are taken), given back when it ends.
      const release = app.streams.open(request);
      reply.hijack();
      const raw = reply.raw;
      // The security headers already set on the reply, which a hijacked reply does not send.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) raw.setHeader(name, value);
      }
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      raw.write('retry: 3000\n: connected\n\n');

      const relay = (event: IzaEvent) => {
        const payload = event.payload as KpiPostedEvent;
        if (payload.orgId !== scope.orgId) return;
        if (allowed && !allowed.has(payload.ventureId)) return;
        const { orgId: _org, ...data } = payload;
        raw.write(
          `event: ${event.type}\nid: ${event.id}\ndata: ${JSON.stringify({ ...data, at: event.at })}\n\n`,
        );
      };
      const unsubscribe = RELAYED.map((type) => options.events.subscribe(type, relay));
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      const stop = () => {
        if (!open.delete(stop)) return;
        release();
        clearInterval(heartbeat);
        for (const off of unsubscribe) off();
        if (!raw.writableEnded) raw.end();
      };
      open.add(stop);
      request.raw.on('close', stop);
      raw.on('close', stop);
      if (raw.destroyed) stop();
    },
  });
  return { openStreams: () => open.size };
}
