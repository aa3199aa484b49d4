/**
 * How much synchronous work an execution may do. Expressions, extension methods and the
 * synchronous part of every node run inside `meter.run()`, which adds the wall time spent to
 * the execution's total; once the total passes the budget the execution fails with
 * `ExecutionLimitError` (never retried, never continued past: see the executor). A section
 * that never returns (a runaway regular expression) cannot be stopped from inside its own
 * thread: the process pool notices the silence and ends the process (isolation/pool.ts).
 */
export interface ExecutionMeter {
  /** Runs `fn` as this execution's work, counted against its budget. */
  run<T>(fn: () => T): T;
  /** Milliseconds of budget left (a time-out for sandboxed evaluations). */
  remainingMs(): number;
  /** The error to end the execution with once its budget is spent (a node may have caught it). */
  exceeded(): ExecutionLimitError | undefined;
}

/** Raised when an execution passes one of its limits (processing time, memory). */
export class ExecutionLimitError extends Error {
  readonly limit: 'cpu' | 'memory';
  constructor(limit: 'cpu' | 'memory', message: string) {
    super(message);
    this.name = 'ExecutionLimit';
    this.limit = limit;
  }
}

/** No budget: the engine used as a library (tests, the corpus check). */
export const UNMETERED: ExecutionMeter = {
  run: (fn) => fn(),
  remainingMs: () => Number.POSITIVE_INFINITY,
  exceeded: () => undefined,
};

/** The message of a spent budget, shared with the pool's own enforcement. */
export const cpuLimitMessage = (budgetMs: number): string =>
  `the execution used more than its ${budgetMs} ms of processing time (IZA_WORKFLOWS_EXECUTION_CPU_MS) and was stopped`;

/**
 * A meter with a budget of `budgetMs` milliseconds of synchronous work. Nested sections count
 * once. `now` is a monotonic clock in milliseconds.
 */
export function budgetMeter(options: {
  budgetMs: number;
  now?: () => number;
}): ExecutionMeter & { usedMs(): number } {
  const { budgetMs } = options;
  const now = options.now ?? (() => performance.now());
  let used = 0;
  let depth = 0;
  let started = 0;
  const exceeded = () => new ExecutionLimitError('cpu', cpuLimitMessage(budgetMs));
  return {
    run<T>(fn: () => T): T {
      if (depth > 0) return fn();
      if (used >= budgetMs) throw exceeded();
      started = now();
      depth++;
      const settle = () => {
        depth--;
        used += now() - started;
      };
      let result: T;
      try {
        result = fn();
      } catch (error) {
        settle();
        // A sandboxed evaluation stopped by the time-out this meter gave it is the budget's
        // doing: say so, rather than the evaluation's own "ran longer than" message.
        if (used >= budgetMs && !(error instanceof ExecutionLimitError)) throw exceeded();
        throw error;
      }
      settle();
      if (used >= budgetMs) throw exceeded();
      return result;
    },
    remainingMs: () => Math.max(0, budgetMs - used - (depth > 0 ? now() - started : 0)),
    exceeded: () => (used >= budgetMs ? exceeded() : undefined),
    usedMs: () => used,
  };
}
