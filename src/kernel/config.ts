import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { ErrorCodes, UserError } from './errors.ts';
import { dict } from './dict.ts';
import { allowListEntryProblem } from './net/allow-list.ts';
import { DEFAULT_AGENT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RESPONSE_BYTES } from './net/limit.ts';

/**
 * Configuration: environment variables over an optional `iza.config.json`, over defaults.
 * Parsed once at start; nothing else in IZA OS reads `process.env`.
 */

const integer = (min: number, max: number) =>
  z.preprocess(fromString(Number), z.number().int().min(min).max(max));
const boolean = () => z.preprocess(fromString(parseBoolean), z.boolean());
/** A list: a JSON array in the file, comma-separated in the environment. */
const list = () =>
  z.preprocess(
    fromString((text) =>
      text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    ),
    z.array(z.string().min(1)),
  );
/** Host names, IP addresses or CIDR ranges (the outbound guard's allow-list). */
const allowList = () =>
  list().superRefine((entries, ctx) => {
    for (const problem of entries.map(allowListEntryProblem)) if (problem) ctx.addIssue(problem);
  });

const ConfigSchema = z.strictObject({
  profile: z.enum(['development', 'testing', 'staging', 'production']).default('development'),
  host: z.string().min(1).default('localhost'),
  port: integer(0, 65_535).default(3000),
  dataDir: z.string().min(1).default('./.iza'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  databasePoolMax: integer(1, 500).default(10),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  trustProxy: boolean().default(false),
  bodyLimitBytes: integer(1024, 512 * 1024 * 1024).default(1024 * 1024),
  /** Deepest nesting of arrays and objects a request's JSON (or form, or query) may have. */
  jsonMaxDepth: integer(4, 1000).default(64),
  /** Event streams (Server-Sent Events) one user or API key may hold open at once, per process. */
  streamsPerClient: integer(1, 10_000).default(10),
  /**
   * The bearer token Prometheus presents to read `/metrics` (every series, per-agent ones
   * included). Without it, only the local administrator token can read `/metrics`.
   */
  metricsToken: z
    .string()
    .regex(/^\S{16,}$/, 'must be at least 16 characters, without spaces')
    .optional(),
  shutdownTimeoutMs: integer(0, 600_000).default(30_000),
  /** Master key for secrets at rest: 32 bytes, base64. When absent, a key file is used. */
  masterKey: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded in base64')
    .optional(),
  /** The key file (created on first run when missing). Default: master.key in the data folder. */
  masterKeyFile: z.string().min(1).optional(),
  auth: z
    .strictObject({
      /** Lifetime of an access token, in seconds. */
      accessTokenTtlSeconds: integer(30, 24 * 3600).default(900),
      /** Lifetime of a refresh token (and so of an idle session), in seconds. */
      refreshTokenTtlSeconds: integer(300, 365 * 24 * 3600).default(30 * 24 * 3600),
      /**
       * Failed sign-ins for one e-mail from one address (and wrong MFA codes of one signed-in
       * person) within `lockoutSeconds` before that address (or MFA checking) is locked.
       */
      maxFailedLogins: integer(1, 100).default(5),
      /** How long a lock lasts, and the window failures are counted in, in seconds. */
      lockoutSeconds: integer(1, 24 * 3600).default(900),
      /**
       * Failed sign-ins for one e-mail from all addresses together within `lockoutSeconds`
       * before it is locked for everyone (against guessing from many addresses); 0: no limit.
       */
      accountMaxFailedLogins: integer(0, 1_000_000).default(100),
      /** How long an invitation to join an organisation can be accepted, in seconds. */
      invitationTtlSeconds: integer(60, 365 * 24 * 3600).default(7 * 24 * 3600),
      /** Login attempts per IP address per minute. */
      loginRateLimitPerMinute: integer(1, 10_000).default(20),
      /** Mark session cookies Secure (browsers still send them to http://localhost). */
      secureCookies: boolean().default(true),
    })
    .refine(
      (a) => a.accountMaxFailedLogins === 0 || a.accountMaxFailedLogins >= a.maxFailedLogins,
      {
        message: 'must be 0 (no limit) or at least maxFailedLogins',
        path: ['accountMaxFailedLogins'],
      },
    )
    .prefault({}),
  rateLimit: z
    .strictObject({
      /** Requests per window per address, for callers that are not signed in. */
      max: integer(1, 10_000_000).default(600),
      /**
       * Requests per window per signed-in user or API key (the local administrator: none).
       * Default: ten times `max`.
       */
      authenticatedMax: integer(1, 100_000_000).optional(),
      windowMs: integer(1000, 24 * 3600 * 1000).default(60_000),
    })
    .prefault({}),
  /** The API key `iza mcp` (the stdio MCP server) acts with: its role decides what it may do. */
  apiKey: z.string().min(1).optional(),
  mcp: z
    .strictObject({
      /** How often the hub pings each connected external MCP server, in milliseconds. */
      healthIntervalMs: integer(100, 3_600_000).default(30_000),
      /** First delay before reconnecting to a server that failed, doubled per failure (ms). */
      reconnectBaseMs: integer(10, 3_600_000).default(1000),
      /** The longest delay between two reconnection attempts, in milliseconds. */
      reconnectMaxMs: integer(10, 24 * 3_600_000).default(300_000),
      /**
       * Executables that organisation administrators may register as stdio MCP servers over the
       * API (the local administrator may register any). Empty: none.
       */
      stdioCommands: list().default([]),
      /** Host names `/mcp` answers besides the loopback names (DNS rebinding protection). */
      allowedHosts: list().default([]),
      /** Browser origins allowed to call `/mcp` besides the server's own. */
      allowedOrigins: list().default([]),
    })
    .prefault({}),
  ledger: z
    .strictObject({
      /** How many days after now a transfer may be dated (its effective date). */
      maxFutureDays: integer(0, 36_600).default(366),
    })
    .prefault({}),
  agents: z
    .strictObject({
      /** A folder of declarative agents (`*.yaml`, `*.yml`, `*.json`) loaded at start. */
      folder: z.string().min(1).optional(),
      /** How long a running task's lease holds without a heartbeat, in milliseconds. */
      leaseMs: integer(1000, 3_600_000).default(30_000),
      /** Consecutive failures that open an agent's circuit breaker. */
      breakerFailures: integer(1, 1000).default(5),
      /** How long an open breaker waits before letting one probe through, in milliseconds. */
      breakerResetMs: integer(10, 3_600_000).default(30_000),
      /** How often a working process probes agents' `healthCheck` URLs, in ms; 0: never. */
      healthIntervalMs: integer(0, 86_400_000).default(30_000),
      /** Model calls per task for LLM agents unless the agent sets its own `maxSteps`. */
      maxSteps: integer(1, 50).default(8),
      /** Workers of the agents job queue in this process: its jobs only wake it to take queued tasks (no cap on running ones). */
      workerConcurrency: integer(1, 1000).default(16),
      /** Tokens all agents of one organisation may use per calendar month (UTC); 0: no limit. */
      orgMonthlyTokens: integer(0, Number.MAX_SAFE_INTEGER).default(0),
      openaiBaseUrl: z.url().default('https://api.openai.com/v1'),
      openaiApiKey: z.string().min(1).optional(),
      anthropicBaseUrl: z.url().default('https://api.anthropic.com/v1'),
      anthropicApiKey: z.string().min(1).optional(),
      /**
       * Prices per model (file only): minor units of `currency` per million tokens, integers,
       * e.g. `{ "gpt-4o-mini": { "input": 15, "output": 60, "currency": "USD" } }`.
       */
      prices: z
        .record(
          z.string().min(1),
          z.strictObject({
            input: z.number().int().min(0),
            output: z.number().int().min(0),
            currency: z.string().regex(/^[A-Z]{3}$/),
          }),
        )
        .default({}),
    })
    .prefault({}),
  /** HTTP the server makes on a tenant's behalf (kernel/net: the SSRF guard, size limits). */
  outbound: z
    .strictObject({
      /** Hosts, IP addresses or CIDR ranges reachable although not public (loopback, private). */
      allowPrivate: allowList().default([]),
      /** Largest answer a workflow node or an MCP server may send, in bytes (also decoded). */
      maxResponseBytes: integer(1024, 2 ** 30).default(DEFAULT_MAX_RESPONSE_BYTES),
      /** Largest answer of a webhook agent or an agent's health check, in bytes. */
      agentMaxResponseBytes: integer(1024, 2 ** 30).default(DEFAULT_AGENT_MAX_RESPONSE_BYTES),
    })
    .prefault({}),
  workflows: z
    .strictObject({
      /** Deprecated alias of `outbound.allowPrivate` (its entries are added to that list). */
      allowPrivateNetworks: allowList().default([]),
      /** Environment variables workflows may read with `$env` (empty: `$env` is refused). */
      allowEnv: list().default([]),
      /** Time limit of one Code node run, in milliseconds. */
      codeTimeoutMs: integer(10, 600_000).default(10_000),
      /** Heap limit of one Code node isolate, in MB. */
      codeMemoryMb: integer(8, 4096).default(64),
      /** Keep per-node data only for failed executions. */
      keepOnlyFailures: boolean().default(false),
      /** How long `POST /api/v1/workflows/:id/run` waits for the result, in milliseconds. */
      runWaitMs: integer(100, 600_000).default(30_000),
      /** How long a running execution's lease holds without a heartbeat, in milliseconds. */
      leaseMs: integer(500, 3_600_000).default(30_000),
      /** Bytes of input or output kept per node run (larger data is cut and marked). */
      maxNodeDataBytes: integer(0, 64 * 1024 * 1024).default(256 * 1024),
      /** Longest resumable state written as a checkpoint, in bytes of JSON (larger: skipped). */
      maxStateBytes: integer(1024, 1024 * 1024 * 1024).default(16 * 1024 * 1024),
      /**
       * The folder of the files workflows read and write (Read/Write Files from Disk and the
       * like): each organisation has its own folder in it, named by its id. Default: `files` in
       * the data folder.
       */
      filesDir: z.string().min(1).optional(),
      /**
       * Largest file a workflow reads from or writes to disk, in bytes; also the most one node run
       * reads from disk or unpacks from archives (Compression) in all.
       */
      maxFileBytes: integer(1024, 2 ** 30).default(32 * 1024 * 1024),
      /**
       * n8n's Execute Command node: `off` (the default: workflows that use it cannot be activated
       * and the node fails) or `sandbox` (each command runs in a bubblewrap sandbox in the
       * organisation's files folder, with no network and no view of the server).
       */
      executeCommand: z.enum(['off', 'sandbox']).default('off'),
      /** Longest run of one command, in milliseconds; then it is killed with all it started. */
      commandTimeoutMs: integer(100, 3_600_000).default(60_000),
      /** Address space each process of a command may use, in MB. */
      commandMemoryMb: integer(16, 65_536).default(1024),
      /** Processes (and threads) a command may run at once. */
      commandProcesses: integer(1, 4096).default(64),
      /**
       * Whether commands reach the network. Off by default; on, they share the server's network
       * without the outbound guard (loopback and private addresses included).
       */
      commandNetwork: boolean().default(false),
      /** Most executor processes running executions for one server or worker process. */
      executors: integer(1, 256).default(4),
      /** Most executor processes one organisation's executions may occupy (default: all but one). */
      executorsPerOrg: integer(1, 256).optional(),
      /** Heap limit of each executor process, in MB. */
      executorMemoryMb: integer(32, 65_536).default(512),
      /** Synchronous work (expressions, nodes) one execution may do, in milliseconds. */
      executionCpuMs: integer(100, 3_600_000).default(30_000),
      /** Longest single expression evaluation in the isolate, in milliseconds. */
      expressionTimeoutMs: integer(10, 600_000).default(1_000),
      /**
       * Base URL of webhook URLs as the API and dashboard show them (n8n's `WEBHOOK_URL`), e.g.
       * `https://hooks.example.com/`; absent: the URL the request came in on.
       */
      webhookUrl: z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .transform((url) => url.replace(/\/+$/, ''))
        .optional(),
      /**
       * The organisation (slug) whose webhooks also answer on n8n's un-prefixed `/webhook/<path>`:
       * `auto` (the only organisation when there is exactly one), `none`, or a slug.
       */
      webhookDefaultOrg: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be "auto", "none" or an organisation slug')
        .default('auto'),
    })
    .prefault({}),
  jobs: z
    .strictObject({
      /** Whether `iza start` also works on background jobs (an `iza worker` always does). */
      enabled: boolean().default(true),
      /** How often an idle worker looks for new jobs, in seconds. */
      pollingIntervalSeconds: z
        .preprocess(fromString(Number), z.number().min(0.5).max(3600))
        .default(2),
    })
    .prefault({}),
});

type ParsedConfig = z.infer<typeof ConfigSchema>;

export type Config = Omit<ParsedConfig, 'masterKeyFile' | 'workflows'> & {
  /** The workflows' settings, with the files folder resolved (absolute). */
  workflows: ParsedConfig['workflows'] & { filesDir: string };
  /** Where the master key file is (used when `masterKey` is not given). */
  masterKeyFile: string;
  /** The file the configuration was read from, if any. */
  configFile: string | undefined;
  /** `$env` of workflows: the variables named by `workflows.allowEnv` that are set. */
  workflowEnv: Record<string, string>;
};

/** Environment variable -> path in the configuration. */
const ENV_KEYS: Record<string, readonly string[]> = {
  IZA_PROFILE: ['profile'],
  IZA_HOST: ['host'],
  IZA_PORT: ['port'],
  IZA_DATA_DIR: ['dataDir'],
  DATABASE_URL: ['databaseUrl'],
  IZA_DB_POOL_MAX: ['databasePoolMax'],
  IZA_LOG_LEVEL: ['logLevel'],
  IZA_TRUST_PROXY: ['trustProxy'],
  IZA_BODY_LIMIT_BYTES: ['bodyLimitBytes'],
  IZA_JSON_MAX_DEPTH: ['jsonMaxDepth'],
  IZA_STREAMS_PER_CLIENT: ['streamsPerClient'],
  IZA_METRICS_TOKEN: ['metricsToken'],
  IZA_SHUTDOWN_TIMEOUT_MS: ['shutdownTimeoutMs'],
  IZA_MASTER_KEY: ['masterKey'],
  IZA_MASTER_KEY_FILE: ['masterKeyFile'],
  IZA_ACCESS_TOKEN_TTL_SECONDS: ['auth', 'accessTokenTtlSeconds'],
  IZA_REFRESH_TOKEN_TTL_SECONDS: ['auth', 'refreshTokenTtlSeconds'],
  IZA_MAX_FAILED_LOGINS: ['auth', 'maxFailedLogins'],
  IZA_LOCKOUT_SECONDS: ['auth', 'lockoutSeconds'],
  IZA_ACCOUNT_MAX_FAILED_LOGINS: ['auth', 'accountMaxFailedLogins'],
  IZA_INVITATION_TTL_SECONDS: ['auth', 'invitationTtlSeconds'],
  IZA_LOGIN_RATE_LIMIT_PER_MINUTE: ['auth', 'loginRateLimitPerMinute'],
  IZA_SECURE_COOKIES: ['auth', 'secureCookies'],
  IZA_RATE_LIMIT_MAX: ['rateLimit', 'max'],
  IZA_RATE_LIMIT_AUTHENTICATED_MAX: ['rateLimit', 'authenticatedMax'],
  IZA_RATE_LIMIT_WINDOW_MS: ['rateLimit', 'windowMs'],
  IZA_API_KEY: ['apiKey'],
  IZA_MCP_HEALTH_INTERVAL_MS: ['mcp', 'healthIntervalMs'],
  IZA_MCP_RECONNECT_BASE_MS: ['mcp', 'reconnectBaseMs'],
  IZA_MCP_RECONNECT_MAX_MS: ['mcp', 'reconnectMaxMs'],
  IZA_MCP_STDIO_COMMANDS: ['mcp', 'stdioCommands'],
  IZA_MCP_ALLOWED_HOSTS: ['mcp', 'allowedHosts'],
  IZA_MCP_ALLOWED_ORIGINS: ['mcp', 'allowedOrigins'],
  IZA_LEDGER_MAX_FUTURE_DAYS: ['ledger', 'maxFutureDays'],
  IZA_AGENTS_FOLDER: ['agents', 'folder'],
  IZA_AGENTS_LEASE_MS: ['agents', 'leaseMs'],
  IZA_AGENTS_BREAKER_FAILURES: ['agents', 'breakerFailures'],
  IZA_AGENTS_BREAKER_RESET_MS: ['agents', 'breakerResetMs'],
  IZA_AGENTS_HEALTH_INTERVAL_MS: ['agents', 'healthIntervalMs'],
  IZA_AGENTS_MAX_STEPS: ['agents', 'maxSteps'],
  IZA_AGENTS_WORKER_CONCURRENCY: ['agents', 'workerConcurrency'],
  IZA_AGENTS_ORG_MONTHLY_TOKENS: ['agents', 'orgMonthlyTokens'],
  IZA_OPENAI_BASE_URL: ['agents', 'openaiBaseUrl'],
  IZA_OPENAI_API_KEY: ['agents', 'openaiApiKey'],
  IZA_ANTHROPIC_BASE_URL: ['agents', 'anthropicBaseUrl'],
  IZA_ANTHROPIC_API_KEY: ['agents', 'anthropicApiKey'],
  IZA_OUTBOUND_ALLOW_PRIVATE: ['outbound', 'allowPrivate'],
  IZA_OUTBOUND_MAX_RESPONSE_BYTES: ['outbound', 'maxResponseBytes'],
  IZA_OUTBOUND_AGENT_MAX_RESPONSE_BYTES: ['outbound', 'agentMaxResponseBytes'],
  IZA_WORKFLOWS_ALLOW_PRIVATE_NETWORKS: ['workflows', 'allowPrivateNetworks'],
  IZA_WORKFLOWS_ALLOW_ENV: ['workflows', 'allowEnv'],
  IZA_WORKFLOWS_CODE_TIMEOUT_MS: ['workflows', 'codeTimeoutMs'],
  IZA_WORKFLOWS_CODE_MEMORY_MB: ['workflows', 'codeMemoryMb'],
  IZA_WORKFLOWS_KEEP_ONLY_FAILURES: ['workflows', 'keepOnlyFailures'],
  IZA_WORKFLOWS_RUN_WAIT_MS: ['workflows', 'runWaitMs'],
  IZA_WORKFLOWS_LEASE_MS: ['workflows', 'leaseMs'],
  IZA_WORKFLOWS_MAX_NODE_DATA_BYTES: ['workflows', 'maxNodeDataBytes'],
  IZA_WORKFLOWS_MAX_STATE_BYTES: ['workflows', 'maxStateBytes'],
  IZA_WORKFLOWS_FILES_DIR: ['workflows', 'filesDir'],
  IZA_WORKFLOWS_MAX_FILE_BYTES: ['workflows', 'maxFileBytes'],
  IZA_WORKFLOWS_EXECUTE_COMMAND: ['workflows', 'executeCommand'],
  IZA_WORKFLOWS_COMMAND_TIMEOUT_MS: ['workflows', 'commandTimeoutMs'],
  IZA_WORKFLOWS_COMMAND_MEMORY_MB: ['workflows', 'commandMemoryMb'],
  IZA_WORKFLOWS_COMMAND_PROCESSES: ['workflows', 'commandProcesses'],
  IZA_WORKFLOWS_COMMAND_NETWORK: ['workflows', 'commandNetwork'],
  IZA_WORKFLOWS_EXECUTORS: ['workflows', 'executors'],
  IZA_WORKFLOWS_EXECUTORS_PER_ORG: ['workflows', 'executorsPerOrg'],
  IZA_WORKFLOWS_EXECUTOR_MEMORY_MB: ['workflows', 'executorMemoryMb'],
  IZA_WORKFLOWS_EXECUTION_CPU_MS: ['workflows', 'executionCpuMs'],
  IZA_WORKFLOWS_EXPRESSION_TIMEOUT_MS: ['workflows', 'expressionTimeoutMs'],
  IZA_WEBHOOK_URL: ['workflows', 'webhookUrl'],
  IZA_WEBHOOK_DEFAULT_ORG: ['workflows', 'webhookDefaultOrg'],
  IZA_JOBS_ENABLED: ['jobs', 'enabled'],
  IZA_JOBS_POLL_SECONDS: ['jobs', 'pollingIntervalSeconds'],
};

/** The environment variables IZA OS reads, for documentation and `iza --help`. */
export const CONFIG_ENV_VARS = [...Object.keys(ENV_KEYS), 'IZA_CONFIG'] as const;

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Values from command-line flags; they win over everything else. `--flag` names the source. */
  overrides?: Record<string, { path: readonly string[]; value: unknown }>;
}

export class ConfigError extends UserError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(ErrorCodes.configInvalid, `Invalid configuration:\n  ${problems.join('\n  ')}`, {
      details: problems,
    });
    this.problems = problems;
  }
}

/**
 * Reads and validates the configuration.
 * @throws ConfigError naming every bad key, where it came from and what is allowed.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const raw = dict<unknown>();
  const sources = new Map<string, string>();

  const explicitFile = nonEmpty(env.IZA_CONFIG);
  const configFile = explicitFile
    ? resolve(cwd, explicitFile)
    : existsSync(resolve(cwd, 'iza.config.json'))
      ? resolve(cwd, 'iza.config.json')
      : undefined;
  if (configFile) {
    const fileLabel = explicitFile ?? 'iza.config.json';
    const parsed = readConfigFile(configFile, fileLabel);
    Object.assign(raw, parsed);
    for (const path of leafPaths(parsed))
      sources.set(path.join('.'), `${fileLabel}: ${path.join('.')}`);
  }
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const value = nonEmpty(env[name]);
    if (value === undefined) continue;
    setPath(raw, path, value);
    sources.set(path.join('.'), name);
  }
  for (const [flag, { path, value }] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    setPath(raw, path, value);
    sources.set(path.join('.'), flag);
  }

  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        const where = [...issue.path.map(String)];
        const prefix = where.length > 0 ? `${where.join('.')}.` : '';
        const allowed = describeKeys(where);
        return `${configFile ? 'iza.config.json' : 'config'}: unknown key ${issue.keys
          .map((k) => `"${prefix}${k}"`)
          .join(', ')} (allowed: ${allowed})`;
      }
      const source = sources.get(key) ?? key;
      const got = getPath(raw, issue.path.map(String));
      return `${source}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    });
    throw new ConfigError(problems);
  }
  const config = result.data;
  // One allow-list for every outbound request; the workflows' old setting adds to it.
  const allowPrivate = [
    ...new Set([...config.outbound.allowPrivate, ...config.workflows.allowPrivateNetworks]),
  ];
  const dataDir = isAbsolute(config.dataDir) ? config.dataDir : resolve(cwd, config.dataDir);
  return {
    ...config,
    dataDir,
    masterKeyFile: resolve(cwd, config.masterKeyFile ?? resolve(dataDir, 'master.key')),
    agents:
      config.agents.folder === undefined
        ? config.agents
        : { ...config.agents, folder: resolve(cwd, config.agents.folder) },
    outbound: { ...config.outbound, allowPrivate },
    workflows: {
      ...config.workflows,
      allowPrivateNetworks: allowPrivate,
      filesDir: resolve(cwd, config.workflows.filesDir ?? join(dataDir, 'files')),
    },
    configFile,
    workflowEnv: Object.fromEntries(
      config.workflows.allowEnv.flatMap((name) =>
        env[name] === undefined ? [] : [[name, env[name]]],
      ),
    ),
  };
}

function readConfigFile(path: string, label: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${label}: cannot be read (${(error as Error).message})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${label}: is not valid JSON (${(error as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${label}: must hold a JSON object`]);
  }
  return parsed as Record<string, unknown>;
}

function describeKeys(path: string[]): string {
  let schema: z.ZodType = ConfigSchema;
  for (const key of path) {
    const inner = unwrap(schema);
    if (!(inner instanceof z.ZodObject)) return '?';
    schema = (inner.shape as Record<string, z.ZodType>)[key] ?? schema;
  }
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape).join(', ') : '?';
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function fromString<T>(parse: (text: string) => T) {
  return (value: unknown) => (typeof value === 'string' ? parse(value.trim()) : value);
}

function parseBoolean(text: string): boolean | string {
  const lower = text.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  return text;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}

function getPath(target: unknown, path: readonly string[]): unknown {
  let node = target;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function leafPaths(value: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([key, child]) =>
    typeof child === 'object' && child !== null && !Array.isArray(child)
      ? leafPaths(child as Record<string, unknown>, [...prefix, key])
      : [[...prefix, key]],
  );
}
