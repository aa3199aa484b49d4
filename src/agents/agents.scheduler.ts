import type { Clock } from '../kernel/index.ts';
import { CircuitBreaker, type BreakerSettings } from './agents.breaker.ts';

/** What the scheduler needs to know of an agent. */
export interface SlotAgent {
  id: string;
  maxConcurrentTasks: number;
}

/** This process's live view of one agent: tasks running here and its breaker. */
export interface LiveAgent {
  id: string;
  max: number;
  running: number;
  /**
   * Slots this process may use: `max` when limits are per process; with limits across
   * processes, what the slot leases grant it (agents.slots.ts), which may be fewer.
   */
  granted: number;
  /** Order of the last assignment (a counter): the least recently assigned wins a tie. */
  lastAssigned: number;
  breaker: CircuitBreaker;
  /** The provider endpoint its calls go to (agents.cooldowns.ts), if any. */
  endpoint: string | undefined;
  /** The definition `endpoint` was worked out from. */
  of: SlotAgent | undefined;
}

/** What the work that held a slot says about its agent (`CircuitBreaker`). */
export type Verdict = 'success' | 'failure' | 'abandon';

interface Waiter {
  rank: number;
  seq: number;
  tiers: SlotAgent[][];
  resolve: (agentId: string) => void;
  reject: (error: unknown) => void;
}

/**
 * Places work on agent slots in this process. A request names tiers of agents in order of
 * preference (the capable agents, then their backups; after a failure, the failed agent's
 * backups first). It gets the first tier that has an agent whose breaker lets work through and
 * that has a free slot; within the tier, the least loaded agent (running / limit), ties to the
 * least recently assigned, which spreads equal work round robin. Requests wait in priority
 * order (critical first, then first come), and a waiting request never blocks one of lower
 * priority that needs other agents.
 */
export class Scheduler {
  readonly #agents = new Map<string, LiveAgent>();
  readonly #waiting: Waiter[] = [];
  readonly #breakerSettings: BreakerSettings;
  readonly #clock: Clock;
  /** Agents the health prober found unhealthy: like an open breaker, they take no new work. */
  readonly unhealthy = new Set<string>();
  readonly #shared: boolean;
  readonly #onShortage: () => void;
  readonly #endpointOf: (agent: SlotAgent) => string | undefined;
  /** Endpoints cooling down (rate limited) and until when, clock ms. */
  readonly #cooling = new Map<string, number>();
  #counter = 0;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;

  /**
   * `shared`: slots are granted across processes (`setGranted`); a request that finds an agent
   * short of grants but under its limit calls `onShortage` so that more can be asked for.
   */
  constructor(options: {
    breaker: BreakerSettings;
    clock: Clock;
    shared?: boolean;
    onShortage?: () => void;
    /** The endpoint an agent calls, whose cooldowns hold it back (none by default). */
    endpointOf?: (agent: SlotAgent) => string | undefined;
  }) {
    this.#endpointOf = options.endpointOf ?? (() => undefined);
    this.#breakerSettings = options.breaker;
    this.#clock = options.clock;
    this.#shared = options.shared ?? false;
    this.#onShortage = options.onShortage ?? (() => undefined);
  }

  live(agent: SlotAgent): LiveAgent {
    let live = this.#agents.get(agent.id);
    if (!live) {
      live = {
        id: agent.id,
        max: agent.maxConcurrentTasks,
        running: 0,
        granted: this.#shared ? 0 : Infinity,
        lastAssigned: 0,
        breaker: new CircuitBreaker(this.#breakerSettings, this.#clock),
        endpoint: undefined,
        of: undefined,
      };
      this.#agents.set(agent.id, live);
    }
    live.max = agent.maxConcurrentTasks;
    if (live.of !== agent) {
      live.of = agent;
      live.endpoint = this.#endpointOf(agent);
    }
    return live;
  }

  /**
   * The endpoint is rate limited until `untilMs` (clock time): no agent calling it gets a slot
   * before then; waiting requests are served when it ends (or by other agents at once).
   */
  coolDown(endpoint: string, untilMs: number): void {
    if ((this.#cooling.get(endpoint) ?? 0) >= untilMs) return;
    this.#cooling.set(endpoint, untilMs);
    this.#armTimer();
  }

  /** How long the agent's endpoint still cools down, in ms (0: it does not). */
  coolingMs(agent: SlotAgent): number {
    const endpoint = this.live(agent).endpoint;
    return endpoint === undefined ? 0 : this.#coolingMsOf(endpoint);
  }

  #coolingMsOf(endpoint: string): number {
    const until = this.#cooling.get(endpoint);
    if (until === undefined) return 0;
    const left = until - this.#clock.now().getTime();
    if (left > 0) return left;
    this.#cooling.delete(endpoint);
    return 0;
  }

  /** Endpoints cooling down now (metrics). */
  get coolingEndpoints(): number {
    let n = 0;
    for (const endpoint of [...this.#cooling.keys()]) if (this.#coolingMsOf(endpoint) > 0) n++;
    return n;
  }

  peek(agentId: string): LiveAgent | undefined {
    return this.#agents.get(agentId);
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  get liveAgents(): LiveAgent[] {
    return [...this.#agents.values()];
  }

  /**
   * The agents of the first tier that could take work when none of them has a slot granted
   * here: their limit is not reached, so more may be granted (limits across processes). Empty
   * when one of them has a free slot here.
   */
  short(tiers: SlotAgent[][]): string[] {
    const usable = this.#firstUsableTier(tiers);
    if (usable.some((live) => live.running < live.granted)) return [];
    return usable.map((live) => live.id);
  }

  /** The agents of the first tier that could ever take work now (open, under their limit). */
  #firstUsableTier(tiers: SlotAgent[][]): LiveAgent[] {
    for (const tier of tiers) {
      const usable = tier
        .map((agent) => this.live(agent))
        .filter((live) => this.#open(live) && live.running < live.max);
      if (usable.length > 0) return usable;
    }
    return [];
  }

  /** A slot now, or undefined: never waits (the dispatch fast path). */
  tryAcquire(tiers: SlotAgent[][], rank: number): string | undefined {
    // A request of lower priority than one already waiting must queue behind it.
    if (this.#waiting.some((w) => w.rank > rank)) return undefined;
    const chosen = this.#pick(tiers);
    if (chosen) this.#take(chosen);
    return chosen?.id;
  }

  /** A slot, waiting for one in priority order; rejects when `signal` aborts. */
  acquire(tiers: SlotAgent[][], rank: number, signal?: AbortSignal): Promise<string> {
    const now = this.tryAcquire(tiers, rank);
    if (now) return Promise.resolve(now);
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter = { rank, seq: this.#seq++, tiers, resolve, reject };
      if (signal) {
        if (signal.aborted) return reject(asError(signal.reason));
        signal.addEventListener(
          'abort',
          () => {
            const i = this.#waiting.indexOf(waiter);
            if (i >= 0) this.#waiting.splice(i, 1);
            reject(asError(signal.reason));
          },
          { once: true },
        );
      }
      const at = this.#waiting.findIndex((w) => w.rank < rank);
      this.#waiting.splice(at === -1 ? this.#waiting.length : at, 0, waiter);
      this.#armTimer();
    });
  }

  /** Slots granted to this process for an agent (limits across processes). */
  setGranted(agentId: string, granted: number): void {
    const live = this.#agents.get(agentId);
    if (!live || live.granted === granted) return;
    const grew = granted > live.granted;
    live.granted = granted;
    if (grew) this.pump();
  }

  /**
   * What each agent could use here now: its running tasks plus the waiting requests that would
   * take it (a request counts for the agents of its first tier that could ever pass, its later
   * tiers only when those are at their limit or their breakers are open), at most its limit.
   */
  demand(): Map<string, number> {
    const wanted = new Map<string, number>();
    for (const live of this.#agents.values()) wanted.set(live.id, live.running);
    for (const waiter of this.#waiting) {
      for (const live of this.#firstUsableTier(waiter.tiers)) {
        wanted.set(live.id, (wanted.get(live.id) ?? 0) + 1);
      }
    }
    for (const [id, n] of wanted) wanted.set(id, Math.min(n, this.#agents.get(id)!.max));
    return wanted;
  }

  /**
   * Gives a slot back with the breaker's verdict on the work that held it, recorded before the
   * waiting requests are served: a half-open breaker's probe that succeeded closes it first, so
   * the requests waiting on that agent are woken now, not at the next unrelated release.
   */
  release(agentId: string, verdict: Verdict = 'abandon'): void {
    const live = this.#agents.get(agentId);
    if (live) {
      if (verdict === 'success') live.breaker.onSuccess();
      else if (verdict === 'failure') live.breaker.onFailure();
      else live.breaker.onAbandon();
      if (live.running > 0) live.running -= 1;
    }
    this.pump();
  }

  /** Gives free slots to waiting requests, highest priority first. */
  pump(): void {
    for (let i = 0; i < this.#waiting.length && this.#anyFree();) {
      const waiter = this.#waiting[i]!;
      const chosen = this.#pick(waiter.tiers);
      if (!chosen) {
        i++;
        continue;
      }
      this.#waiting.splice(i, 1);
      this.#take(chosen);
      waiter.resolve(chosen.id);
    }
    this.#armTimer();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error('scheduler stopped'));
  }

  #take(live: LiveAgent): void {
    live.running += 1;
    live.lastAssigned = ++this.#counter;
    live.breaker.onStart();
  }

  /** The agent may take work: healthy (or never probed) and its breaker lets work through. */
  #open(live: LiveAgent): boolean {
    return (
      !this.unhealthy.has(live.id) &&
      live.breaker.canPass() &&
      (live.endpoint === undefined || this.#coolingMsOf(live.endpoint) === 0)
    );
  }

  /** Some agent has a slot to give: otherwise no waiting request can be served. */
  #anyFree(): boolean {
    for (const live of this.#agents.values()) {
      if (live.running < Math.min(live.max, live.granted) && this.#open(live)) return true;
    }
    return false;
  }

  #pick(tiers: SlotAgent[][]): LiveAgent | undefined {
    let short = false;
    try {
      return this.#pickIn(tiers, () => (short = true));
    } finally {
      if (short) this.#onShortage();
    }
  }

  #pickIn(tiers: SlotAgent[][], onShort: () => void): LiveAgent | undefined {
    for (const tier of tiers) {
      let best: LiveAgent | undefined;
      for (const agent of tier) {
        const live = this.live(agent);
        if (live.running >= live.max || !this.#open(live)) continue;
        if (live.running >= live.granted) {
          onShort();
          continue;
        }
        if (!best) {
          best = live;
          continue;
        }
        const load = live.running / live.max;
        const bestLoad = best.running / best.max;
        if (load < bestLoad || (load === bestLoad && live.lastAssigned < best.lastAssigned)) {
          best = live;
        }
      }
      if (best) return best;
    }
    return undefined;
  }

  /**
   * Wakes waiting requests when an open breaker turns half-open or an endpoint's cooldown ends
   * (only these delay them on their own; everything else changes through `release` / `pump`).
   */
  #armTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiting.length === 0) return;
    let soonest = Infinity;
    for (const live of this.#agents.values()) {
      if (live.breaker.state === 'open') soonest = Math.min(soonest, live.breaker.msUntilProbe);
    }
    for (const endpoint of [...this.#cooling.keys()]) {
      const left = this.#coolingMsOf(endpoint);
      if (left > 0) soonest = Math.min(soonest, left);
    }
    if (soonest === Infinity) return;
    this.#timer = setTimeout(() => this.pump(), Math.max(10, soonest));
    this.#timer.unref();
  }
}

const asError = (reason: unknown): Error =>
  reason instanceof Error ? reason : new Error(String(reason));
