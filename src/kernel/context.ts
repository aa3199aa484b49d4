import { AsyncLocalStorage } from 'node:async_hooks';

/** Who is acting: a signed-in user, an API key, the local administrator, or the system itself. */
export interface Actor {
  type: 'user' | 'apikey' | 'system';
  /** The user or API key id; null for the system. */
  id: string | null;
  /** The organisation the actor works in; null for the system and the local administrator. */
  orgId: string | null;
}

/** What travels with a unit of work (a request, a job) through every await. */
export interface WorkContext {
  correlationId: string;
  /** Set once the request is authenticated; audit entries read it. */
  actor?: Actor;
}

const storage = new AsyncLocalStorage<WorkContext>();

/** Runs `fn` with `context` visible to everything it calls, including log lines. */
export function runWithContext<T>(context: WorkContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): WorkContext | undefined {
  return storage.getStore();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

export function currentActor(): Actor | undefined {
  return storage.getStore()?.actor;
}
