import { and, asc, eq } from 'drizzle-orm';
import type { AuditLog } from '../access/index.ts';
import {
  checkUrl,
  ErrorCodes,
  OutboundRefusedError,
  UserError,
  isUuid,
  newId,
  type Clock,
  type Database,
} from '../kernel/index.ts';
import { mcpServers } from './mcp.schema.ts';
import { secretReferences } from './hub.secrets.ts';

/** Where an external MCP server is: a command IZA OS starts, or a URL it calls. */
export const MCP_TRANSPORTS = ['stdio', 'http'] as const;
export type McpTransportKind = (typeof MCP_TRANSPORTS)[number];

/** 1..64 letters, digits, `_`, `.` or `-`, starting with a letter or digit. */
export const SERVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Headers the HTTP client sets itself; configuring them would break the protocol. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'accept',
  'connection',
  'transfer-encoding',
  'mcp-session-id',
  'mcp-protocol-version',
]);

export const McpHubErrorCodes = {
  serverNotFound: 'mcp_server_not_found',
  stdioNotAllowed: 'mcp_stdio_not_allowed',
  secretMissing: 'mcp_secret_missing',
} as const;

/** A registered server, as stored. */
export interface McpServerRecord {
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  transport: McpTransportKind;
  command: string | null;
  args: string[];
  env: Record<string, string>;
  url: string | null;
  headers: Record<string, string>;
  enabled: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface CommonInput {
  name: string;
  description?: string | null;
  enabled?: boolean;
}

/**
 * What registering a server takes. Values of `env` and `headers` may contain `{{secret:NAME}}`,
 * replaced by the organisation's vault secret NAME when connecting.
 */
export type McpServerInput = CommonInput &
  (
    | { transport: 'stdio'; command: string; args?: string[]; env?: Record<string, string> }
    | { transport: 'http'; url: string; headers?: Record<string, string> }
  );

/** Who registers a server: the local administrator may start any command, others only allowed ones. */
export interface McpRegistrar {
  /** The user or API key acting (kept as `created_by`); null for the local administrator. */
  actorId: string | null;
  /** The local administrator (the CLI on the server's machine). */
  trusted: boolean;
}

export interface McpServerStoreDeps {
  db: Database;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
  /** The organisation's vault secrets: only their names are read here. */
  secrets: { list(orgId: string): Promise<{ name: string }[]> };
  /**
   * Executables organisation administrators may register as stdio servers (`mcp.stdioCommands`),
   * matched exactly: `/usr/bin/uvx`, or `uvx` looked up in PATH.
   */
  stdioCommands: readonly string[];
  /**
   * The outbound guard's allow-list (`outbound.allowPrivate`): a Streamable HTTP server's URL
   * must be public or in it, checked at registration (400) and again at every connection.
   */
  allowPrivate: readonly string[];
}

/** The `mcp_servers` table: register, list and remove an organisation's external MCP servers. */
export function createMcpServerStore(deps: McpServerStoreDeps) {
  const { db, clock, audit } = deps;

  async function get(orgId: string, id: string): Promise<McpServerRecord> {
    const [row] = isUuid(id)
      ? await db
          .select()
          .from(mcpServers)
          .where(and(eq(mcpServers.orgId, orgId), eq(mcpServers.id, id)))
      : [];
    if (!row) throw serverNotFound(id);
    return toRecord(row);
  }

  return {
    get,

    async list(orgId: string): Promise<McpServerRecord[]> {
      const rows = await db
        .select()
        .from(mcpServers)
        .where(eq(mcpServers.orgId, orgId))
        .orderBy(asc(mcpServers.name));
      return rows.map(toRecord);
    },

    /** Every enabled server of every organisation: what a hub keeps connected. */
    async listEnabled(): Promise<McpServerRecord[]> {
      const rows = await db
        .select()
        .from(mcpServers)
        .where(eq(mcpServers.enabled, true))
        .orderBy(asc(mcpServers.id));
      return rows.map(toRecord);
    },

    /**
     * Registers a server; audited `mcp.server.create` (names of headers and variables, never
     * their values).
     * @throws UserError `conflict` (409) when the name is taken, `mcp_stdio_not_allowed` (403),
     * `mcp_secret_missing` (400) when a referenced secret does not exist.
     */
    async create(
      orgId: string,
      input: McpServerInput,
      registrar: McpRegistrar,
    ): Promise<McpServerRecord> {
      checkInput(input);
      if (input.transport === 'stdio' && !registrar.trusted) {
        checkStdioAllowed(input.command, deps.stdioCommands);
      }
      if (input.transport === 'http') {
        await checkUrl(input.url, { allowList: deps.allowPrivate }).catch((error: unknown) => {
          if (!(error instanceof OutboundRefusedError)) throw error;
          throw invalid('url', `points to an address the server may not reach: ${error.message}`);
        });
      }
      const values =
        input.transport === 'stdio'
          ? { command: input.command, args: input.args ?? [], env: input.env ?? {} }
          : { url: new URL(input.url).toString(), headers: input.headers ?? {} };
      const referenced = secretReferences(
        Object.values(input.transport === 'stdio' ? (input.env ?? {}) : (input.headers ?? {})),
      );
      if (referenced.length > 0) {
        const known = new Set((await deps.secrets.list(orgId)).map((s) => s.name));
        const missing = referenced.filter((name) => !known.has(name));
        if (missing.length > 0) {
          throw new UserError(
            McpHubErrorCodes.secretMissing,
            `No secret named ${missing.map((n) => `"${n}"`).join(', ')}: store it first (PUT /api/v1/secrets/<name>)`,
            { details: missing.map((name) => ({ path: 'secret', message: `${name} is missing` })) },
          );
        }
      }
      const now = clock.now();
      const row = {
        id: newId(),
        orgId,
        name: input.name,
        description: input.description ?? null,
        transport: input.transport,
        command: null,
        url: null,
        ...values,
        enabled: input.enabled ?? true,
        createdBy: registrar.actorId,
        createdAt: now,
        updatedAt: now,
      };
      return db.transaction(async (tx) => {
        const [created] = await tx.insert(mcpServers).values(row).onConflictDoNothing().returning();
        if (!created) {
          throw new UserError(ErrorCodes.conflict, `An MCP server named "${input.name}" exists`, {
            status: 409,
          });
        }
        const record = toRecord(created);
        await audit.record(tx, {
          action: 'mcp.server.create',
          entityType: 'mcp_server',
          entityId: record.id,
          orgId,
          after: describe(record),
        });
        return record;
      });
    },

    /** Removes a server; audited `mcp.server.delete`. */
    async remove(orgId: string, id: string): Promise<McpServerRecord> {
      if (!isUuid(id)) throw serverNotFound(id);
      return db.transaction(async (tx) => {
        const [row] = await tx
          .delete(mcpServers)
          .where(and(eq(mcpServers.orgId, orgId), eq(mcpServers.id, id)))
          .returning();
        if (!row) throw serverNotFound(id);
        const record = toRecord(row);
        await audit.record(tx, {
          action: 'mcp.server.delete',
          entityType: 'mcp_server',
          entityId: record.id,
          orgId,
          before: describe(record),
        });
        return record;
      });
    },
  };
}

export type McpServerStore = ReturnType<typeof createMcpServerStore>;

export function serverNotFound(id: string): UserError {
  return new UserError(McpHubErrorCodes.serverNotFound, `MCP server ${id} was not found`, {
    status: 404,
  });
}

function toRecord(row: typeof mcpServers.$inferSelect): McpServerRecord {
  return { ...row, transport: row.transport as McpTransportKind };
}

/** What the audit log keeps of a server: where it is, not the values of its headers or env. */
function describe(record: McpServerRecord) {
  return {
    name: record.name,
    transport: record.transport,
    command: record.command,
    args: record.args,
    url: record.url,
    envNames: Object.keys(record.env),
    headerNames: Object.keys(record.headers),
    enabled: record.enabled,
  };
}

function checkInput(input: McpServerInput): void {
  if (!SERVER_NAME_PATTERN.test(input.name)) {
    throw invalid('name', 'must be 1 to 64 letters, digits, "_", "." or "-"');
  }
  switch (input.transport) {
    case 'stdio':
      if (input.command.trim() === '') throw invalid('command', 'must not be empty');
      for (const [name, value] of Object.entries(input.env ?? {})) {
        if (!ENV_NAME.test(name)) throw invalid(`env.${name}`, 'is not a variable name');
        if (typeof value !== 'string') throw invalid(`env.${name}`, 'must be a string');
      }
      return;
    case 'http': {
      let url: URL;
      try {
        url = new URL(input.url);
      } catch {
        throw invalid('url', 'must be an absolute http:// or https:// URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw invalid('url', 'must be an absolute http:// or https:// URL');
      }
      for (const [name, value] of Object.entries(input.headers ?? {})) {
        if (!HEADER_NAME.test(name)) throw invalid(`headers.${name}`, 'is not a header name');
        if (RESERVED_HEADERS.has(name.toLowerCase())) {
          throw invalid(`headers.${name}`, 'is set by the MCP client itself');
        }
        if (typeof value !== 'string' || /[\r\n]/.test(value)) {
          throw invalid(`headers.${name}`, 'must be a single-line string');
        }
      }
      return;
    }
  }
}

function checkStdioAllowed(command: string, allowed: readonly string[]): void {
  // Exact match only: a bare name in the list allows that name looked up in PATH, not any file
  // that happens to be called the same.
  if (allowed.includes(command)) return;
  throw new UserError(
    McpHubErrorCodes.stdioNotAllowed,
    allowed.length === 0
      ? 'Stdio MCP servers run commands on the server machine: only the local administrator may register them (iza mcp servers add), unless the operator lists allowed commands in IZA_MCP_STDIO_COMMANDS'
      : `The command "${command}" is not one of the allowed stdio commands (IZA_MCP_STDIO_COMMANDS: ${allowed.join(', ')})`,
    { status: 403 },
  );
}

function invalid(path: string, message: string): UserError {
  return new UserError(ErrorCodes.validationFailed, `${path} ${message}`, {
    details: [{ path, message }],
  });
}
