import type { RetryPolicy } from './agents.dto.ts';

/** Why an execution failed, with whether another attempt may help. */
export class AgentRunError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  /** The endpoint asked us to wait this long (`Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** Whether the failure says something about the agent (counts for its breaker). */
  readonly agentFault: boolean;

  constructor(
    code: string,
    message: string,
    options: { retryable: boolean; retryAfterMs?: number; agentFault?: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentRunError';
    this.code = code;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.agentFault = options.agentFault ?? options.retryable;
  }
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): exponential from
 * `initialDelayMs`, capped at `maxDelayMs`, with "equal jitter" (half fixed, half random) so
 * retries of many tasks do not hit an endpoint in step; never shorter than `Retry-After`.
 */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.max(Math.round(jittered), retryAfterMs ?? 0);
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
