import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { Config } from '../kernel/index.ts';
import type { Prices } from './agents.budget.ts';
import type { ConnectionKind } from './agents.connections.dto.ts';
import { ConnectionKeyError, connectionProblem, type Connections } from './agents.connections.ts';
import type { LlmSettings } from './agents.dto.ts';
import { AgentRunError } from './agents.retry.ts';

type AgentsConfig = Config['agents'];
export type FetchFunction = typeof globalThis.fetch;

/**
 * The `fetch` functions provider calls go through (the agents module's dependency; default:
 * the global `fetch` for both). `tenant` carries every request to a URL an organisation set
 * (a connection's base URL, an agent's own `llm.baseUrl`): the place for an SSRF guard.
 * `operator` carries requests to the installation's configured base URLs
 * (`IZA_OPENAI_BASE_URL`, `IZA_ANTHROPIC_BASE_URL`), which may well be private (a local
 * Ollama) and are trusted as the operator's choice.
 */
export interface ProviderFetch {
  operator: FetchFunction;
  tenant: FetchFunction;
}

/** Where one LLM agent's calls go, with which key, through which fetch, at which prices. */
export interface Endpoint {
  kind: ConnectionKind;
  baseUrl: string;
  /** Sent only to `baseUrl` (see `keyedFetch`); undefined: no credential at all. */
  apiKey: string | undefined;
  /**
   * `installation`: the configured base URL and key; `connection`: the organisation's named
   * connection; `agent`: the agent's own `baseUrl`, called without a key.
   */
  source: 'installation' | 'connection' | 'agent';
  fetch: FetchFunction;
  prices: Prices;
}

/** Two base URLs are the same endpoint when they parse to the same URL (trailing `/` aside). */
export function sameEndpoint(a: string, b: string): boolean {
  const norm = (value: string) => {
    try {
      return new URL(value).href.replace(/\/+$/, '');
    } catch {
      return value;
    }
  };
  return norm(a) === norm(b);
}

const pricesOf = (models: { id: string; price?: Prices[string] | undefined }[]): Prices =>
  Object.fromEntries(models.flatMap((m) => (m.price ? [[m.id, m.price]] : [])));

/**
 * The endpoint of an LLM agent's calls, resolved at each execution:
 * - `llm.connection`: the organisation's connection of that name (its URL, its key opened from
 *   the vault, its prices), through the tenant fetch. Only the organisation's own connections
 *   can be named; one that is gone, no longer fits, or whose key was replaced behind its back
 *   fails the task (not retried).
 * - no connection, no `baseUrl` (or the configured one): the installation's base URL and key
 *   from the configuration, through the operator fetch, as before connections existed.
 * - an agent's own `baseUrl`: called through the tenant fetch with no key. The installation's
 *   keys go to the URLs they were configured with and nowhere else.
 */
/** Whether `url` is one of the base URLs the operator configured (`IZA_*_BASE_URL`). */
export function operatorEndpoint(
  config: Pick<AgentsConfig, 'openaiBaseUrl' | 'anthropicBaseUrl'>,
  url: string,
): boolean {
  return sameEndpoint(url, config.openaiBaseUrl) || sameEndpoint(url, config.anthropicBaseUrl);
}

export function createEndpoints(deps: {
  config: AgentsConfig;
  connections: Pick<Connections, 'find' | 'key'>;
  fetch: ProviderFetch;
}) {
  const { config } = deps;
  const fail = (code: string, message: string) =>
    new AgentRunError(code, message, { retryable: false, agentFault: false });

  return async function endpointFor(orgId: string, settings: LlmSettings): Promise<Endpoint> {
    if (settings.provider === 'builtin') {
      throw fail('misconfigured', 'the built-in provider has no endpoint');
    }
    if (settings.connection !== undefined) {
      const connection = await deps.connections.find(orgId, settings.connection);
      if (!connection) {
        throw fail(
          'connection_missing',
          `The agent's connection "${settings.connection}" does not exist in this organisation`,
        );
      }
      const problem = connectionProblem(settings, connection);
      if (problem) throw fail('misconfigured', `llm.connection ${problem}`);
      let apiKey: string | undefined;
      try {
        apiKey = await deps.connections.key(connection);
      } catch (error) {
        if (error instanceof ConnectionKeyError) throw fail(error.code, error.message);
        throw error;
      }
      return {
        kind: connection.kind,
        baseUrl: connection.baseUrl,
        apiKey,
        source: 'connection',
        fetch: deps.fetch.tenant,
        prices: pricesOf(connection.models),
      };
    }
    const anthropic = settings.provider === 'anthropic';
    const configured = anthropic ? config.anthropicBaseUrl : config.openaiBaseUrl;
    if (settings.baseUrl === undefined || sameEndpoint(settings.baseUrl, configured)) {
      return {
        kind: settings.provider,
        baseUrl: configured,
        apiKey: anthropic ? config.anthropicApiKey : config.openaiApiKey,
        source: 'installation',
        fetch: deps.fetch.operator,
        prices: config.prices,
      };
    }
    return {
      kind: settings.provider,
      baseUrl: settings.baseUrl,
      apiKey: undefined,
      source: 'agent',
      fetch: deps.fetch.tenant,
      prices: config.prices,
    };
  };
}

export type EndpointFor = ReturnType<typeof createEndpoints>;

const urlOf = (input: Parameters<FetchFunction>[0]): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;

/**
 * The endpoint's fetch, deciding every request's credential itself: whatever header the SDK
 * set (or found in the process environment, as the Anthropic client does with
 * `ANTHROPIC_API_KEY`) is removed, and the endpoint's key is added only to requests under its
 * own base URL.
 */
export function keyedFetch(endpoint: Endpoint): FetchFunction {
  const prefix = `${endpoint.baseUrl.replace(/\/+$/, '')}/`;
  return (input, init) => {
    const headers = new Headers(
      init?.headers ?? (input instanceof Request ? input.headers : undefined),
    );
    headers.delete('authorization');
    headers.delete('x-api-key');
    if (endpoint.apiKey !== undefined && urlOf(input).startsWith(prefix)) {
      if (endpoint.kind === 'anthropic') headers.set('x-api-key', endpoint.apiKey);
      else headers.set('authorization', `Bearer ${endpoint.apiKey}`);
    }
    return endpoint.fetch(input, { ...init, headers });
  };
}

/** The AI SDK model for `model` at `endpoint`; the key travels only through `keyedFetch`. */
export function modelFor(endpoint: Endpoint, model: string): LanguageModel {
  const fetch = keyedFetch(endpoint);
  switch (endpoint.kind) {
    case 'openai-compatible':
      return createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: endpoint.baseUrl,
        includeUsage: true,
        fetch,
      }).chatModel(model);
    case 'anthropic':
      // An explicit (empty) key, so the client never reads ANTHROPIC_API_KEY from the
      // environment; `keyedFetch` replaces the header.
      return createAnthropic({ baseURL: endpoint.baseUrl, apiKey: '', fetch })(model);
    default: {
      const never: never = endpoint.kind;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}
