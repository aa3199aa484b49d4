import pg from 'pg';
import type { DatabaseHandle } from './db/client.ts';
import { ErrorCodes, UserError } from './errors.ts';
import { newId } from './ids.ts';
import type { Logger } from './log.ts';
import { currentCorrelationId, runWithContext } from './context.ts';
import type { Clock } from './clock.ts';

/**
 * The event bus: in-process on an embedded database (one process owns it), and PostgreSQL
 * LISTEN/NOTIFY on a server, so every `iza start` and `iza worker` sharing it sees every event.
 *
 * Events are notifications, not durable work: a process that is down when an event is
 * published misses it. Work that must happen goes through jobs.
 */
export interface IzaEvent<T = unknown> {
  id: string;
  type: string;
  payload: T;
  at: string;
  correlationId: string | undefined;
}

export type EventHandler = (event: IzaEvent) => void | Promise<void>;

export interface EventBus {
  readonly mode: 'in-process' | 'postgres';
  /** Publishes to every subscriber in every process sharing the database. */
  publish<T>(type: string, payload: T): Promise<void>;
  /** Subscribes to one event type, or to every type with `'*'`. Returns the unsubscribe function. */
  subscribe(type: string, handler: EventHandler): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'iza_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;

export async function createEventBus(deps: {
  database: DatabaseHandle;
  log: Logger;
  clock: Clock;
}): Promise<EventBus> {
  const log = deps.log.child({ module: 'events' });
  const handlers = new Map<string, Set<EventHandler>>();

  const deliver = (event: IzaEvent) => {
    for (const name of [event.type, '*']) {
      for (const listener of handlers.get(name) ?? []) {
        const context = { correlationId: event.correlationId ?? event.id };
        void runWithContext(context, async () => {
          try {
            await listener(event);
          } catch (error) {
            log.error({ err: error, eventType: event.type }, 'event handler failed');
          }
        });
      }
    }
  };

  const makeEvent = <T>(type: string, payload: T): IzaEvent<T> => ({
    id: newId(),
    type,
    payload,
    at: deps.clock.now().toISOString(),
    correlationId: currentCorrelationId(),
  });

  const subscribe = (type: string, handler: EventHandler) => {
    let set = handlers.get(type);
    if (!set) handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  };

  const pool = deps.database.pool;
  if (!pool) {
    return {
      mode: 'in-process',
      async publish(type, payload) {
        const event = makeEvent(type, payload);
        queueMicrotask(() => deliver(event));
        return Promise.resolve();
      },
      subscribe,
      async close() {
        handlers.clear();
        return Promise.resolve();
      },
    };
  }

  const listener = new PostgresListener(pool.options, log, (text) => {
    try {
      deliver(JSON.parse(text) as IzaEvent);
    } catch (error) {
      log.warn({ err: error }, 'ignored a malformed event notification');
    }
  });
  await listener.start();
  return {
    mode: 'postgres',
    async publish(type, payload) {
      const text = JSON.stringify(makeEvent(type, payload));
      if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
        throw new UserError(
          ErrorCodes.badRequest,
          `Event "${type}" is too large for a notification (${Buffer.byteLength(text)} bytes, at most ${MAX_PAYLOAD_BYTES}); publish an id and let subscribers read the rest`,
        );
      }
      await pool.query('select pg_notify($1, $2)', [CHANNEL, text]);
    },
    subscribe,
    async close() {
      handlers.clear();
      await listener.stop();
    },
  };
}

/** A dedicated connection that LISTENs, and reconnects with backoff when it drops. */
class PostgresListener {
  #client: pg.Client | undefined;
  #stopped = false;
  #retryMs = 250;
  #timer: NodeJS.Timeout | undefined;
  readonly #options: pg.ClientConfig;
  readonly #log: Logger;
  readonly #onPayload: (text: string) => void;

  constructor(options: pg.ClientConfig, log: Logger, onPayload: (text: string) => void) {
    this.#options = options;
    this.#log = log;
    this.#onPayload = onPayload;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ ...this.#options, application_name: 'iza-os listener' });
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.#onPayload(message.payload);
    });
    client.on('error', (error) => {
      this.#log.warn({ err: error }, 'event listener connection failed; reconnecting');
      this.#reconnect(client);
    });
    client.on('end', () => this.#reconnect(client));
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.#client = client;
    this.#retryMs = 250;
  }

  #reconnect(failed: pg.Client): void {
    if (this.#stopped || this.#client !== failed || this.#timer) return;
    this.#client = undefined;
    failed.removeAllListeners('end');
    void failed.end().catch(() => undefined);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.start().catch((error: unknown) => {
        this.#log.warn({ err: error, retryMs: this.#retryMs }, 'event listener reconnect failed');
        this.#retryMs = Math.min(this.#retryMs * 2, 10_000);
        const placeholder = new pg.Client(this.#options);
        this.#client = placeholder;
        this.#reconnect(placeholder);
      });
    }, this.#retryMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
