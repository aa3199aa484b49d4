import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { INTERNAL_SECRET_PREFIX, type Access, type AuditLog } from '../access/index.ts';
import {
  ErrorCodes,
  UserError,
  currentActor,
  isUuid,
  newId,
  notFound,
  OutboundRefusedError,
  type Clock,
  type Database,
  type Logger,
} from '../kernel/index.ts';
import {
  connectionInputSchema,
  connectionPatchSchema,
  type ConnectionJson,
  type ConnectionKind,
  type ConnectionModel,
} from './agents.connections.dto.ts';
import type { Agent, LlmSettings } from './agents.dto.ts';
import { agentsConnections } from './agents.schema.ts';

type Row = typeof agentsConnections.$inferSelect;

/** A provider connection as the service holds it (the key stays in the vault). */
export interface Connection {
  id: string;
  orgId: string;
  name: string;
  kind: ConnectionKind;
  baseUrl: string;
  secretName: string | null;
  keyDigest: string | null;
  models: ConnectionModel[];
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConnectionsDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  audit: Pick<AuditLog, 'record'>;
  /** Where keys are sealed: the access module's secrets service. */
  secrets: Pick<Access['secrets'], 'put' | 'reveal' | 'remove'>;
  /** The organisation's agents, to refuse a change that would break one. */
  agents: (orgId: string) => Promise<Agent[]>;
  /** The outbound guard's check of a base URL (the operator's configured ones pass). */
  checkUrl: (url: string) => Promise<void>;
}

/** The prefix of the organisation secrets that hold connections' keys. */
export const CONNECTION_SECRET_PREFIX = `${INTERNAL_SECRET_PREFIX}agents.connection.`;

/** Why a connection's key cannot be used: a stable code the task's `reason` carries. */
export class ConnectionKeyError extends Error {
  readonly code: 'connection_key_missing' | 'connection_key_changed';
  constructor(code: ConnectionKeyError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

const digestOf = (connectionId: string, key: string) =>
  createHash('sha256').update(`${connectionId}\n${key}`).digest('hex');

const invalid = (path: string, message: string) =>
  new UserError(ErrorCodes.validationFailed, `${path} ${message}`, {
    details: [{ path, message }],
  });

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || 'body',
    message: issue.message,
  }));
  throw new UserError(
    ErrorCodes.validationFailed,
    `Invalid connection: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
    { details },
  );
}

const toConnection = (row: Row): Connection => ({
  ...row,
  kind: row.kind as ConnectionKind,
  models: row.models as ConnectionModel[],
});

/** What an agent's `llm` settings need of the connection they name, or why they cannot use it. */
export function connectionProblem(llm: LlmSettings, connection: Connection): string | undefined {
  if (llm.provider !== connection.kind) {
    return `names connection "${connection.name}" of kind ${connection.kind}, but llm.provider is ${llm.provider}`;
  }
  if (llm.baseUrl !== undefined) {
    return 'cannot be given with llm.baseUrl (the connection has the base URL)';
  }
  if (!connection.models.some((m) => m.id === llm.model)) {
    return `names connection "${connection.name}", which does not offer model ${llm.model} (it offers ${connection.models.map((m) => m.id).join(', ')})`;
  }
  return undefined;
}

/**
 * Provider connections of an organisation: CRUD (audited, scoped to the organisation), the
 * key sealed as an organisation secret under a fresh name per key (so a row always names a
 * complete key), and `key()` for the runtime.
 */
export function createConnections(deps: ConnectionsDeps) {
  const { db, clock, audit, secrets } = deps;
  const log = deps.log.child({ module: 'agents' });
  const actorId = () => currentActor()?.id ?? null;
  const described = (c: Connection) => ({
    name: c.name,
    kind: c.kind,
    baseUrl: c.baseUrl,
    models: c.models,
    hasKey: c.secretName !== null,
    description: c.description,
  });

  /** Seals `key` under a new secret name for connection `id`. */
  async function sealKey(orgId: string, id: string, name: string, key: string) {
    const secretName = `${CONNECTION_SECRET_PREFIX}${id}.${randomBytes(4).toString('hex')}`;
    await secrets.put(
      orgId,
      {
        name: secretName,
        value: key,
        description: `API key of the agents' provider connection "${name}"`,
      },
      actorId(),
    );
    return { secretName, keyDigest: digestOf(id, key) };
  }

  /** Removes a sealed key that no row names any more (a failure leaves it, logged). */
  async function dropKey(orgId: string, secretName: string | null) {
    if (!secretName) return;
    await secrets.remove(orgId, secretName).catch((error: unknown) => {
      log.warn({ err: error, secret: secretName }, 'could not remove an unused connection key');
    });
  }

  /** The agents of the organisation that name `name` in `llm.connection`. */
  async function usersOf(orgId: string, name: string): Promise<Agent[]> {
    return (await deps.agents(orgId)).filter((a) => a.llm?.connection === name);
  }

  async function list(orgId: string): Promise<Connection[]> {
    const rows = await db
      .select()
      .from(agentsConnections)
      .where(eq(agentsConnections.orgId, orgId))
      .orderBy(asc(agentsConnections.name));
    return rows.map(toConnection);
  }

  /** A connection by name (what agents name), or undefined. */
  async function find(orgId: string, name: string): Promise<Connection | undefined> {
    const [row] = await db
      .select()
      .from(agentsConnections)
      .where(and(eq(agentsConnections.orgId, orgId), eq(agentsConnections.name, name)));
    return row && toConnection(row);
  }

  /** A connection by id or name. @throws 404 when the organisation has none such. */
  async function get(orgId: string, ref: string): Promise<Connection> {
    const [row] = await db
      .select()
      .from(agentsConnections)
      .where(
        and(
          eq(agentsConnections.orgId, orgId),
          isUuid(ref) ? eq(agentsConnections.id, ref) : eq(agentsConnections.name, ref),
        ),
      );
    if (!row) throw notFound(`Connection ${ref}`);
    return toConnection(row);
  }

  /** Refuses (400 on `baseUrl`) a base URL on a network the server may not reach. */
  async function checkBaseUrl(url: string): Promise<void> {
    try {
      await deps.checkUrl(url);
    } catch (error) {
      if (!(error instanceof OutboundRefusedError)) throw error;
      throw invalid('baseUrl', `points to an address the server may not reach: ${error.message}`);
    }
  }

  async function create(orgId: string, raw: unknown): Promise<Connection> {
    const input = parse(connectionInputSchema, raw);
    await checkBaseUrl(input.baseUrl);
    const id = newId();
    // The key is sealed first (the secrets service writes in its own transaction); the row
    // that names it commits after, and a row that cannot be written takes the key away again.
    const key = input.apiKey ? await sealKey(orgId, id, input.name, input.apiKey) : undefined;
    const now = clock.now();
    try {
      return await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(agentsConnections)
          .values({
            id,
            orgId,
            name: input.name,
            kind: input.kind,
            baseUrl: input.baseUrl,
            secretName: key?.secretName ?? null,
            keyDigest: key?.keyDigest ?? null,
            models: input.models,
            description: input.description ?? null,
            createdAt: now,
            updatedAt: now,
          })
          .onConflictDoNothing()
          .returning();
        if (!row) {
          throw new UserError(ErrorCodes.conflict, `A connection "${input.name}" exists`, {
            status: 409,
          });
        }
        const connection = toConnection(row);
        await audit.record(tx, {
          action: 'agents.connection.create',
          entityType: 'agent_connection',
          entityId: id,
          orgId,
          after: described(connection),
        });
        return connection;
      });
    } catch (error) {
      await dropKey(orgId, key?.secretName ?? null);
      throw error;
    }
  }

  async function update(orgId: string, ref: string, raw: unknown): Promise<Connection> {
    const current = await get(orgId, ref);
    const patch = parse(connectionPatchSchema, raw);
    if (patch.baseUrl && patch.baseUrl !== current.baseUrl) await checkBaseUrl(patch.baseUrl);
    const next: Connection = {
      ...current,
      ...(patch.kind ? { kind: patch.kind } : {}),
      ...(patch.baseUrl ? { baseUrl: patch.baseUrl } : {}),
      ...(patch.models ? { models: patch.models } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
    };
    const broken = (await usersOf(orgId, current.name))
      .map((agent) => [agent.botId, agent.llm && connectionProblem(agent.llm, next)] as const)
      .filter(([, problem]) => problem !== undefined);
    if (broken.length > 0) {
      throw new UserError(
        ErrorCodes.conflict,
        `Connection ${current.name} is used by agents this change would break: ${broken.map(([botId, problem]) => `${botId} (llm.connection ${problem})`).join('; ')}`,
        { status: 409 },
      );
    }
    const key =
      typeof patch.apiKey === 'string'
        ? await sealKey(orgId, current.id, current.name, patch.apiKey)
        : undefined;
    const keyChanged = patch.apiKey !== undefined;
    try {
      const updated = await db.transaction(async (tx) => {
        const [row] = await tx
          .update(agentsConnections)
          .set({
            kind: next.kind,
            baseUrl: next.baseUrl,
            models: next.models,
            description: next.description,
            ...(keyChanged
              ? { secretName: key?.secretName ?? null, keyDigest: key?.keyDigest ?? null }
              : {}),
            updatedAt: clock.now(),
          })
          .where(
            and(
              eq(agentsConnections.orgId, orgId),
              eq(agentsConnections.id, current.id),
              // Another change committed since `current` was read: its key must not be lost.
              eq(agentsConnections.updatedAt, current.updatedAt),
            ),
          )
          .returning();
        if (!row) {
          throw new UserError(
            ErrorCodes.conflict,
            `Connection ${current.name} changed meanwhile; try again`,
            { status: 409 },
          );
        }
        const connection = toConnection(row);
        await audit.record(tx, {
          action: 'agents.connection.update',
          entityType: 'agent_connection',
          entityId: current.id,
          orgId,
          before: described(current),
          after: { ...described(connection), ...(keyChanged ? { keyChanged: true } : {}) },
        });
        return connection;
      });
      if (keyChanged) await dropKey(orgId, current.secretName);
      return updated;
    } catch (error) {
      await dropKey(orgId, key?.secretName ?? null);
      throw error;
    }
  }

  async function remove(orgId: string, ref: string): Promise<Connection> {
    const current = await get(orgId, ref);
    const users = await usersOf(orgId, current.name);
    if (users.length > 0) {
      throw new UserError(
        ErrorCodes.conflict,
        `Connection ${current.name} is used by ${users.map((a) => a.botId).join(', ')}: change or remove them first`,
        { status: 409 },
      );
    }
    await db.transaction(async (tx) => {
      const deleted = await tx
        .delete(agentsConnections)
        .where(and(eq(agentsConnections.orgId, orgId), eq(agentsConnections.id, current.id)))
        .returning({ id: agentsConnections.id });
      if (deleted.length === 0) throw notFound(`Connection ${ref}`);
      await audit.record(tx, {
        action: 'agents.connection.delete',
        entityType: 'agent_connection',
        entityId: current.id,
        orgId,
        before: described(current),
      });
    });
    await dropKey(orgId, current.secretName);
    return current;
  }

  /**
   * The connection's key for a call (undefined when it has none), opened from the vault.
   * @throws ConnectionKeyError when the sealed key is gone, or is not the one the connection
   * was given (replaced through the secrets API, which `write` may use).
   */
  async function key(connection: Connection): Promise<string | undefined> {
    if (!connection.secretName || !connection.keyDigest) return undefined;
    let value: string;
    try {
      value = await secrets.reveal(connection.orgId, connection.secretName);
    } catch (error) {
      if (error instanceof UserError && error.status === 404) {
        throw new ConnectionKeyError(
          'connection_key_missing',
          `The key of connection ${connection.name} was deleted; set it again on the connection`,
        );
      }
      throw error;
    }
    if (digestOf(connection.id, value) !== connection.keyDigest) {
      throw new ConnectionKeyError(
        'connection_key_changed',
        `The key of connection ${connection.name} was replaced outside the connection (through the secrets API); not used. Set it again on the connection (manage_bots)`,
      );
    }
    return value;
  }

  /** Checks the connection an agent definition names: it must be the organisation's own. */
  async function check(orgId: string, llm: LlmSettings): Promise<void> {
    if (llm.connection === undefined) return;
    const connection = await find(orgId, llm.connection);
    if (!connection) {
      throw invalid(
        'llm.connection',
        `names no connection of this organisation ("${llm.connection}")`,
      );
    }
    const problem = connectionProblem(llm, connection);
    if (problem) throw invalid('llm.connection', problem);
  }

  /** The kind an agent's `llm` takes from its connection when it names no provider. */
  async function kindOf(orgId: string, name: string): Promise<ConnectionKind | undefined> {
    return (await find(orgId, name))?.kind;
  }

  function json(c: Connection): ConnectionJson {
    return {
      id: c.id,
      name: c.name,
      kind: c.kind,
      baseUrl: c.baseUrl,
      hasKey: c.secretName !== null,
      models: c.models,
      description: c.description,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  }

  return { list, find, get, create, update, remove, key, check, kindOf, json };
}

export type Connections = ReturnType<typeof createConnections>;
