/**
 * Group commit: items handed over while a write is in flight wait and go together in the next
 * one, so under load one transaction records hundreds of tasks (the ledger's transfers do the
 * same). Alone, an item is written at once: no timer, no added latency. `write` answers one
 * result per item, in order.
 */
export function createBatcher<T, R = void>(
  write: (items: T[]) => Promise<R[] | void>,
  maxBatch = 500,
): { add(item: T): Promise<R>; readonly pending: number } {
  let queue: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await write(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve((results ? results[i] : undefined) as R));
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    running = false;
  }

  return {
    add(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!running) void drain();
      });
    },
    get pending() {
      return queue.length;
    },
  };
}
