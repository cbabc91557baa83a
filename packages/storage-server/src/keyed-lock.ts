/** A per-key async mutex: operations on one key run one at a time, in arrival order. */

export interface KeyedLock {
  /** Runs `fn` once every earlier holder of `key` has finished. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Number of keys with a holder or a waiter (for tests). */
  readonly size: number;
}

export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<void>>();
  return {
    async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      tails.set(key, tail);
      await previous;
      try {
        return await fn();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    get size() {
      return tails.size;
    },
  };
}
