import { createHash } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Clock, Config, Database, EventBus, Logger } from '../kernel/index.ts';
import type { Agent } from './agents.dto.ts';
import { sameEndpoint } from './agents.provider.ts';
import { agentsCooldowns } from './agents.schema.ts';

/** Published when an endpoint starts (or extends) a cooldown: every process's scheduler hears. */
export const COOLDOWN_EVENT = 'agents.endpoint.cooldown';

/** Without `Retry-After`, a 429 cools its endpoint down this long. */
export const DEFAULT_COOLDOWN_MS = 1_000;

const normal = (url: string) => {
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    return url;
  }
};
const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

/**
 * The endpoint an agent's calls go to, as a key shared by every agent that uses it: rate limits
 * belong to the endpoint and its credential, not to one agent. An organisation's connection is
 * one endpoint (its URL and key); agents on the installation's configured URL share the
 * installation's endpoint across organisations (the installation's key); an agent's own
 * `baseUrl` (called without a key) is an endpoint of its organisation; a webhook agent's URL
 * likewise. Undefined for agents that call nothing (code, the built-in provider).
 */
export function endpointKey(
  config: Pick<Config['agents'], 'openaiBaseUrl' | 'anthropicBaseUrl'>,
  agent: Pick<Agent, 'orgId' | 'kind' | 'llm' | 'webhookUrl'>,
): string | undefined {
  if (agent.kind === 'webhook' && agent.webhookUrl) {
    return `webhook:${agent.orgId}:${digest(normal(agent.webhookUrl))}`;
  }
  const llm = agent.llm;
  if (agent.kind !== 'llm' || !llm || llm.provider === 'builtin') return undefined;
  if (llm.connection !== undefined) return `connection:${agent.orgId}:${digest(llm.connection)}`;
  const configured = llm.provider === 'anthropic' ? config.anthropicBaseUrl : config.openaiBaseUrl;
  if (llm.baseUrl === undefined || sameEndpoint(llm.baseUrl, configured)) {
    return `installation:${llm.provider}:${digest(normal(configured))}`;
  }
  return `url:${agent.orgId}:${digest(normal(llm.baseUrl))}`;
}

/**
 * Cooldowns of endpoints in the database (`agents_cooldowns`), so that every process honours
 * one: a 429 writes it (the later of the stored and the new end wins) and publishes it; each
 * process's scheduler keeps the ends it heard of, and loads the live ones at start. `until`
 * reads the stored end before a call, for a cooldown another process set that this one has
 * not heard of yet.
 */
export function createCooldowns(deps: {
  db: Database;
  clock: Clock;
  events: EventBus;
  log: Logger;
  /** Where an end goes in this process (the scheduler). */
  apply: (endpoint: string, untilMs: number) => void;
}) {
  const { db, clock } = deps;
  deps.events.subscribe(COOLDOWN_EVENT, (event) => {
    const { endpoint, until } = event.payload as { endpoint: string; until: number };
    if (typeof endpoint === 'string' && Number.isFinite(until)) deps.apply(endpoint, until);
  });

  return {
    /** An endpoint answered 429: no call to it before `untilMs` (clock time), anywhere. */
    async record(endpoint: string, orgId: string | null, untilMs: number, reason: string) {
      deps.apply(endpoint, untilMs);
      const until = new Date(untilMs);
      const now = clock.now();
      await db
        .insert(agentsCooldowns)
        .values({ endpoint, orgId, until, reason, at: now })
        .onConflictDoUpdate({
          target: agentsCooldowns.endpoint,
          set: {
            until: sql`greatest(${agentsCooldowns.until}, excluded.until)`,
            reason: sql`case when excluded.until > ${agentsCooldowns.until} then excluded.reason else ${agentsCooldowns.reason} end`,
            at: now,
          },
        });
      await deps.events
        .publish(COOLDOWN_EVENT, { endpoint, until: untilMs })
        .catch((error: unknown) => deps.log.warn({ err: error }, 'cooldown not published'));
    },
    /** The stored end of an endpoint's cooldown (clock ms), 0 when it is not cooling down. */
    async until(endpoint: string): Promise<number> {
      const [row] = await db
        .select({ until: agentsCooldowns.until })
        .from(agentsCooldowns)
        .where(and(eq(agentsCooldowns.endpoint, endpoint), gt(agentsCooldowns.until, clock.now())));
      if (!row) return 0;
      deps.apply(endpoint, row.until.getTime());
      return row.until.getTime();
    },
    /** The live cooldowns into this process's scheduler (at start). */
    async load(): Promise<void> {
      const rows = await db
        .select()
        .from(agentsCooldowns)
        .where(gt(agentsCooldowns.until, clock.now()));
      for (const row of rows) deps.apply(row.endpoint, row.until.getTime());
    },
  };
}

export type Cooldowns = ReturnType<typeof createCooldowns>;
