import { and, asc, eq } from 'drizzle-orm';
import type { AuditLog } from '../access/index.ts';
import {
  ErrorCodes,
  OutboundRefusedError,
  UserError,
  isUuid,
  newId,
  notFound,
  type Clock,
  type Database,
  type EventBus,
} from '../kernel/index.ts';
import {
  agentInputSchema,
  type Agent,
  type AgentDefinition,
  type AgentInput,
  type HealthState,
} from './agents.dto.ts';
import { endpointUrlProblem } from './agents.connections.dto.ts';
import type { Connections } from './agents.connections.ts';
import { agentsAgents } from './agents.schema.ts';
import { budgetProblem, type Prices } from './agents.budget.ts';

export const AGENTS_CHANGED = 'agents.registry.changed';

/** The payload of `AGENTS_CHANGED`; `health` when a probe changed an agent's health state. */
export interface AgentsChanged {
  orgId: string;
  health?: { agentId: string; state: HealthState };
}
/** Other processes' changes reach this one by event; this bounds the staleness if one is lost. */
const CACHE_MS = 5000;

type Row = typeof agentsAgents.$inferSelect;

export interface RegistryDeps {
  db: Database;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
  events: EventBus;
  /** Handlers registered in code, to refuse a code agent naming none. */
  hasHandler: (name: string) => boolean;
  /** The organisation's provider connections, which `llm.connection` must name. */
  connections: Pick<Connections, 'check' | 'kindOf'>;
  /** The outbound guard's check of a URL the server will request (`AgentsOutbound.checkUrl`). */
  checkUrl: (url: string) => Promise<void>;
  /** The same for an LLM base URL (the operator's configured ones pass). */
  checkLlmUrl: (url: string) => Promise<void>;
  /** The prices an LLM agent's calls are counted at (its connection's, else the configured). */
  pricesFor: (orgId: string, llm: NonNullable<AgentDefinition['llm']>) => Promise<Prices>;
}

/** The stored definition: bigint budgets as decimal strings (JSON has no int8). */
function toStored(definition: AgentDefinition): unknown {
  return JSON.parse(
    JSON.stringify(definition, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  );
}

function toAgent(row: Row): Agent {
  const definition = agentInputSchema.parse({ ...(row.definition as object), botId: row.botId });
  return {
    ...definition,
    enabled: row.enabled,
    id: row.id,
    orgId: row.orgId,
    source: row.source as Agent['source'],
    health: {
      state: row.healthState as HealthState,
      checkedAt: row.healthCheckedAt?.toISOString() ?? null,
      detail: row.healthDetail,
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const invalid = (field: string, message: string) =>
  new UserError(ErrorCodes.validationFailed, `${field} ${message}`, {
    details: [{ path: field, message }],
  });

/** Parses a definition; a bad field is a validation error naming it (not an internal error). */
function parseDefinition(input: unknown): AgentDefinition {
  const parsed = agentInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.') || 'body',
    message: issue.message,
  }));
  throw new UserError(
    ErrorCodes.validationFailed,
    `Invalid agent: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
    { details },
  );
}

/** Checks what zod cannot: a kind's required fields, handlers, self-references. */
function checkDefinition(d: AgentDefinition, hasHandler: (name: string) => boolean): void {
  switch (d.kind) {
    case 'llm':
      if (!d.llm) throw invalid('llm', 'is required for an LLM agent (provider, model, ...)');
      if (d.llm.baseUrl !== undefined) {
        const problem = endpointUrlProblem(d.llm.baseUrl);
        if (problem) throw invalid('llm.baseUrl', problem);
      }
      for (const name of d.llm.approveTools) {
        if (name !== '*' && !d.llm.tools.includes(name)) {
          throw invalid(
            'llm.approveTools',
            `names "${name}", which is not among the agent's tools (${d.llm.tools.join(', ') || 'none'})`,
          );
        }
      }
      break;
    case 'code':
      if (!d.handler) throw invalid('handler', 'is required for a code agent');
      if (!hasHandler(d.handler)) {
        throw invalid('handler', `"${d.handler}" is not a code agent handler of this server`);
      }
      break;
    case 'webhook':
      if (!d.webhookUrl) throw invalid('webhookUrl', 'is required for a webhook agent');
      break;
    default: {
      const never: never = d.kind;
      throw invalid('kind', `unknown kind ${String(never)}`);
    }
  }
  if (d.backupAgents.includes(d.botId)) throw invalid('backupAgents', 'cannot name the agent');
}

/**
 * An agent naming a connection takes its provider from it: the built-in provider (the default
 * when none is given) has no use for a connection. An unknown connection is left for
 * `connections.check` to refuse.
 */
async function withConnectionKind(
  orgId: string,
  definition: AgentDefinition,
  connections: Pick<Connections, 'kindOf'>,
): Promise<AgentDefinition> {
  const llm = definition.llm;
  if (llm?.connection === undefined || llm.provider !== 'builtin') return definition;
  const kind = await connections.kindOf(orgId, llm.connection);
  return kind ? { ...definition, llm: { ...llm, provider: kind } } : definition;
}

/**
 * Refuses (400, naming the field) a health check or webhook URL the outbound guard would refuse,
 * when it is new or changed; the guard checks every connection again, whatever was saved.
 */
async function checkUrls(
  d: AgentDefinition,
  before: Partial<AgentDefinition> | undefined,
  checks: { checkUrl: (url: string) => Promise<void>; checkLlmUrl: (url: string) => Promise<void> },
): Promise<void> {
  const urls: [
    field: string,
    url: string | undefined,
    was: string | undefined,
    check: typeof checks.checkUrl,
  ][] = [
    [
      'healthCheck',
      d.healthCheck === 'none' ? undefined : d.healthCheck,
      before?.healthCheck,
      checks.checkUrl,
    ],
    ['webhookUrl', d.webhookUrl, before?.webhookUrl, checks.checkUrl],
    ['llm.baseUrl', d.llm?.baseUrl, before?.llm?.baseUrl, checks.checkLlmUrl],
  ];
  for (const [field, url, was, check] of urls) {
    if (url === undefined || url === was) continue;
    try {
      await check(url);
    } catch (error) {
      if (error instanceof OutboundRefusedError) {
        throw invalid(field, `points to an address the server may not reach: ${error.message}`);
      }
      throw error;
    }
  }
}

/** The agent registry: definitions in `agents_agents`, cached per organisation. */
export function createRegistry(deps: RegistryDeps) {
  const { db, clock, audit } = deps;
  const cache = new Map<string, { at: number; agents: Agent[] }>();
  /** Reads in flight per organisation: a burst of dispatches after a change reads once. */
  const loading = new Map<string, Promise<Agent[]>>();
  let invalidations = 0;
  const forget = (orgId: string) => {
    invalidations += 1;
    cache.delete(orgId);
    loading.delete(orgId);
  };
  deps.events.subscribe(AGENTS_CHANGED, (event) => {
    const orgId = (event.payload as Partial<AgentsChanged>).orgId;
    if (orgId) forget(orgId);
  });
  /** Drops this process's cache of the organisation and tells the other processes. */
  const changed = async (orgId: string, health?: AgentsChanged['health']) => {
    forget(orgId);
    await deps.events.publish<AgentsChanged>(AGENTS_CHANGED, {
      orgId,
      ...(health ? { health } : {}),
    });
  };

  async function list(orgId: string): Promise<Agent[]> {
    const hit = cache.get(orgId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.agents;
    let pending = loading.get(orgId);
    if (!pending) {
      const generation = invalidations;
      const read: Promise<Agent[]> = db
        .select()
        .from(agentsAgents)
        .where(eq(agentsAgents.orgId, orgId))
        .orderBy(asc(agentsAgents.botId))
        .then((rows) => {
          const agents = rows.map(toAgent);
          // A change published while reading may not be in these rows: answer, don't cache.
          if (generation === invalidations) cache.set(orgId, { at: Date.now(), agents });
          return agents;
        })
        .finally(() => {
          if (loading.get(orgId) === read) loading.delete(orgId);
        });
      loading.set(orgId, read);
      pending = read;
    }
    return pending;
  }

  /** An agent by id or botId. */
  async function get(orgId: string, ref: string): Promise<Agent> {
    const agent = (await list(orgId)).find((a) => a.id === ref || a.botId === ref);
    if (!agent) throw notFound(`Agent ${ref}`);
    return agent;
  }

  /** A money budget the agent's prices cannot check is refused (400 naming the model). */
  async function checkBudget(orgId: string, d: AgentDefinition): Promise<void> {
    if (d.budget?.amount === undefined) return;
    const prices = d.llm ? await deps.pricesFor(orgId, d.llm) : {};
    const problem = budgetProblem(d, prices);
    if (problem) throw invalid(problem.path, problem.message);
  }

  async function create(
    orgId: string,
    input: AgentInput | AgentDefinition,
    source: Agent['source'] = 'api',
  ): Promise<Agent> {
    const definition = await withConnectionKind(orgId, parseDefinition(input), deps.connections);
    checkDefinition(definition, deps.hasHandler);
    if (definition.llm) await deps.connections.check(orgId, definition.llm);
    await checkBudget(orgId, definition);
    await checkUrls(definition, undefined, deps);
    const now = clock.now();
    const row: Row = {
      id: newId(),
      orgId,
      botId: definition.botId,
      name: definition.name,
      kind: definition.kind,
      source,
      enabled: definition.enabled,
      definition: toStored(definition),
      healthState: 'unknown',
      healthCheckedAt: null,
      healthDetail: null,
      createdAt: now,
      updatedAt: now,
    };
    const agent = await db.transaction(async (tx) => {
      const inserted = await tx.insert(agentsAgents).values(row).onConflictDoNothing().returning();
      if (inserted.length === 0) {
        throw new UserError(ErrorCodes.conflict, `An agent "${definition.botId}" exists`, {
          status: 409,
        });
      }
      await audit.record(tx, {
        action: 'agents.agent.create',
        entityType: 'agent',
        entityId: row.id,
        orgId,
        after: row.definition,
      });
      return toAgent(row);
    });
    await changed(orgId);
    return agent;
  }

  async function update(orgId: string, ref: string, patch: unknown): Promise<Agent> {
    const current = await get(orgId, ref);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw invalid('body', 'must be an object of the fields to change');
    }
    if ('botId' in patch && patch.botId !== current.botId) {
      throw invalid('botId', 'cannot change (delete the agent and create another)');
    }
    const {
      id: _id,
      orgId: _org,
      source: _source,
      health: _health,
      createdAt: _c,
      updatedAt: _u,
      ...base
    } = current;
    // Merged before parsing, so defaults never overwrite what the patch leaves out.
    const definition = await withConnectionKind(
      orgId,
      parseDefinition({
        ...(toStored(base) as object),
        ...(toStored(patch as AgentDefinition) as object),
      }),
      deps.connections,
    );
    checkDefinition(definition, deps.hasHandler);
    if (definition.llm) await deps.connections.check(orgId, definition.llm);
    await checkBudget(orgId, definition);
    await checkUrls(definition, current, deps);
    // A new health check has not been probed yet.
    const healthReset = definition.healthCheck !== current.healthCheck;
    const agent = await db.transaction(async (tx) => {
      const [row] = await tx
        .update(agentsAgents)
        .set({
          name: definition.name,
          kind: definition.kind,
          enabled: definition.enabled,
          definition: toStored(definition),
          ...(healthReset
            ? { healthState: 'unknown', healthCheckedAt: null, healthDetail: null }
            : {}),
          updatedAt: clock.now(),
        })
        .where(and(eq(agentsAgents.orgId, orgId), eq(agentsAgents.id, current.id)))
        .returning();
      if (!row) throw notFound(`Agent ${ref}`);
      await audit.record(tx, {
        action: 'agents.agent.update',
        entityType: 'agent',
        entityId: current.id,
        orgId,
        before: toStored(base),
        after: row.definition,
      });
      return toAgent(row);
    });
    await changed(orgId, healthReset ? { agentId: current.id, state: 'unknown' } : undefined);
    return agent;
  }

  async function remove(orgId: string, ref: string): Promise<Agent> {
    const current = await get(orgId, ref);
    await db.transaction(async (tx) => {
      await tx
        .delete(agentsAgents)
        .where(and(eq(agentsAgents.orgId, orgId), eq(agentsAgents.id, current.id)));
      await audit.record(tx, {
        action: 'agents.agent.delete',
        entityType: 'agent',
        entityId: current.id,
        orgId,
        before: { botId: current.botId, name: current.name },
      });
    });
    await changed(orgId);
    return current;
  }

  /**
   * Creates or replaces the file-defined agent `botId` (idempotent: an unchanged file writes
   * nothing). An agent of the same botId created by the API is left alone and reported.
   */
  async function upsertFromFile(
    orgId: string,
    fromFile: AgentDefinition,
  ): Promise<'created' | 'updated' | 'unchanged' | 'conflict'> {
    // Compared as it would be stored (a connection's provider filled in), so an unchanged
    // file writes nothing.
    const definition = await withConnectionKind(orgId, fromFile, deps.connections);
    const existing = (await list(orgId)).find((a) => a.botId === definition.botId);
    if (!existing) {
      await create(orgId, definition, 'file');
      return 'created';
    }
    if (existing.source !== 'file') return 'conflict';
    const {
      id: _id,
      orgId: _o,
      source: _s,
      health: _h,
      createdAt: _c,
      updatedAt: _u,
      ...base
    } = existing;
    if (JSON.stringify(toStored(base)) === JSON.stringify(toStored(definition))) {
      return 'unchanged';
    }
    await update(orgId, existing.id, definition);
    return 'updated';
  }

  return { list, get, create, update, remove, upsertFromFile, changed, isUuid };
}

export type Registry = ReturnType<typeof createRegistry>;
