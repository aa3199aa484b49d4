import {
  checkUrl,
  createOutboundFetch,
  type Config,
  type OutboundFetch,
  type Resolver,
} from '../kernel/index.ts';

/**
 * The agents' HTTP on a tenant's behalf, through the kernel's outbound guard: health checks and
 * webhook calls connect only to addresses the guard checked (public ones, or the operator's
 * allow-list `IZA_OUTBOUND_ALLOW_PRIVATE`), their answers limited to
 * `IZA_OUTBOUND_AGENT_MAX_RESPONSE_BYTES`; `checkUrl` refuses such URLs when an agent is saved.
 */
export interface AgentsOutbound {
  /** Throws `OutboundRefusedError` for a URL the guard refuses (names that do not resolve pass). */
  checkUrl: (url: string) => Promise<void>;
  /** Webhook agents' calls (the task's own time limit applies). */
  webhook: OutboundFetch;
  /** Health probes (they read no body: a small limit). */
  probe: OutboundFetch;
  /**
   * LLM calls to a base URL an organisation set (its connections, an agent's `baseUrl`); the
   * operator's configured base URLs keep the plain fetch (they may be private: a local model).
   */
  llm: OutboundFetch;
}

/** A probe reads the status only; a body is never needed. */
const PROBE_MAX_BYTES = 64 * 1024;
const LIMIT_SETTING = 'IZA_OUTBOUND_AGENT_MAX_RESPONSE_BYTES';

export function createAgentsOutbound(
  settings: Pick<Config['outbound'], 'allowPrivate' | 'agentMaxResponseBytes' | 'maxResponseBytes'>,
  lookup?: Resolver,
): AgentsOutbound {
  const guard = { allowList: settings.allowPrivate, ...(lookup ? { lookup } : {}) };
  return {
    checkUrl: (url) => checkUrl(url, guard),
    webhook: createOutboundFetch({
      ...guard,
      maxResponseBytes: settings.agentMaxResponseBytes,
      limitSetting: LIMIT_SETTING,
    }),
    probe: createOutboundFetch({
      ...guard,
      maxResponseBytes: Math.min(PROBE_MAX_BYTES, settings.agentMaxResponseBytes),
      limitSetting: LIMIT_SETTING,
    }),
    // A streamed answer counts too: the larger, general limit.
    llm: createOutboundFetch({
      ...guard,
      maxResponseBytes: settings.maxResponseBytes,
      limitSetting: 'IZA_OUTBOUND_MAX_RESPONSE_BYTES',
    }),
  };
}
