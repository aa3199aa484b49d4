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
  /** Order of the last assignment (a counter): the least recently assigned wins a tie. */
  lastAssigned: number;
  breaker: CircuitBreaker;
}

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
  #counter = 0;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { breaker: BreakerSettings; clock: Clock }) {
    this.#breakerSettings = options.breaker;
    this.#clock = options.clock;
  }

  live(agent: SlotAgent): LiveAgent {
    let live = this.#agents.get(agent.id);
    if (!live) {
      live = {
        id: agent.id,
        max: agent.maxConcurrentTasks,
        running: 0,
        lastAssigned: 0,
        breaker: new CircuitBreaker(this.#breakerSettings, this.#clock),
      };
      this.#agents.set(agent.id, live);
    }
    live.max = agent.maxConcurrentTasks;
    return live;
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

  release(agentId: string): void {
    const live = this.#agents.get(agentId);
    if (live && live.running > 0) live.running -= 1;
    this.pump();
  }

  /** Gives free slots to waiting requests, highest priority first. */
  pump(): void {
    for (let i = 0; i < this.#waiting.length;) {
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

  #pick(tiers: SlotAgent[][]): LiveAgent | undefined {
    for (const tier of tiers) {
      let best: LiveAgent | undefined;
      for (const agent of tier) {
        const live = this.live(agent);
        if (live.running >= live.max || this.unhealthy.has(live.id) || !live.breaker.canPass()) {
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

  /** Wakes waiting requests when an open breaker turns half-open (only breakers delay them). */
  #armTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiting.length === 0) return;
    let soonest = Infinity;
    for (const live of this.#agents.values()) {
      if (live.breaker.state === 'open') soonest = Math.min(soonest, live.breaker.msUntilProbe);
    }
    if (soonest === Infinity) return;
    this.#timer = setTimeout(() => this.pump(), Math.max(10, soonest));
    this.#timer.unref();
  }
}

const asError = (reason: unknown): Error =>
  reason instanceof Error ? reason : new Error(String(reason));
