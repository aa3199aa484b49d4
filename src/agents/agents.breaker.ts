import type { Clock } from '../kernel/index.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses work before letting one probe through (half-open), ms. */
  resetMs: number;
}

/**
 * A circuit breaker for one agent. Closed: work passes, consecutive failures are counted; at
 * `failureThreshold` it opens. Open: nothing passes until `resetMs` has gone by on the clock;
 * then half-open: exactly one probe passes. The probe's success closes it; its failure opens it
 * again for another `resetMs`. Time comes from the injected clock, so tests move it by hand.
 */
export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  readonly #clock: Clock;
  #failures = 0;
  #openedAt: number | null = null;
  #probing = false;

  constructor(settings: BreakerSettings, clock: Clock) {
    this.#settings = settings;
    this.#clock = clock;
  }

  get state(): BreakerState {
    if (this.#openedAt === null) return 'closed';
    return this.#clock.now().getTime() - this.#openedAt >= this.#settings.resetMs
      ? 'half_open'
      : 'open';
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it already would). */
  get msUntilProbe(): number {
    if (this.#openedAt === null) return 0;
    return Math.max(0, this.#openedAt + this.#settings.resetMs - this.#clock.now().getTime());
  }

  /** Whether work may start now (in half-open, only while no probe is in flight). */
  canPass(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    return state === 'half_open' && !this.#probing;
  }

  /** Work starts: in half-open it becomes the probe. */
  onStart(): void {
    if (this.state === 'half_open') this.#probing = true;
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#probing = false;
  }

  onFailure(): void {
    const state = this.state;
    this.#probing = false;
    if (state === 'half_open') {
      this.#openedAt = this.#clock.now().getTime();
      return;
    }
    if (state === 'open') return;
    this.#failures += 1;
    if (this.#failures >= this.#settings.failureThreshold) {
      this.#openedAt = this.#clock.now().getTime();
    }
  }

  /** The probe ended without a verdict on the agent (e.g. cancelled): let another one try. */
  onAbandon(): void {
    this.#probing = false;
  }
}

export const BREAKER_STATE_VALUE: Record<BreakerState, number> = {
  closed: 0,
  half_open: 1,
  open: 2,
};
