import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UserError } from '../kernel/index.ts';
import { HttpErrorCodes } from './errors.ts';

/**
 * Slots for long-lived answers (Server-Sent Events): each user or API key may hold at most
 * `perClient` open at once in this process, so one caller cannot pile up connections, timers
 * and event-bus subscriptions until the server runs out. A route takes a slot before it starts
 * streaming and gives it back when the stream ends, however it ends.
 */
export interface StreamSlots {
  /**
   * Takes a slot for the caller of `request`.
   * @returns `release`, to call when the stream ends (calling it again does nothing).
   * @throws UserError 429 `too_many_streams` when the caller holds every slot already.
   */
  open(request: FastifyRequest): () => void;
  /** Streams open now: of one caller (`key:<id>`, `user:<id>`), or all. */
  count(client?: string): number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-caller limit of open event streams (see server/streams.ts). */
    streams: StreamSlots;
  }
}

/** Who a stream counts against: the API key, else the user, else the address. */
export function streamClientOf(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.apiKeyId) return `key:${p.apiKeyId}`;
  if (p?.userId) return `user:${p.userId}`;
  if (p) return `local:${p.orgId ?? 'system'}`;
  return `ip:${request.ip}`;
}

export function createStreamSlots(perClient: number): StreamSlots {
  const open = new Map<string, number>();
  return {
    open(request) {
      const client = streamClientOf(request);
      const held = open.get(client) ?? 0;
      if (held >= perClient) {
        throw new UserError(
          HttpErrorCodes.tooManyStreams,
          `At most ${perClient} event streams may be open at once per user or API key; close one first`,
          { status: 429, details: { limit: perClient } },
        );
      }
      open.set(client, held + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(client) ?? 1) - 1;
        if (left > 0) open.set(client, left);
        else open.delete(client);
      };
    },
    count(client) {
      if (client !== undefined) return open.get(client) ?? 0;
      let total = 0;
      for (const n of open.values()) total += n;
      return total;
    },
  };
}

export function registerStreamSlots(app: FastifyInstance, perClient: number): StreamSlots {
  const slots = createStreamSlots(perClient);
  app.decorate('streams', slots);
  return slots;
}
