/**
 * Retry delays for unreachable introducers: exponential, bounded by a maximum, with jitter so
 * that a grid's nodes do not all retry at the same instant after an introducer restart.
 * @packageDocumentation
 */

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay, ms. */
  initialDelayMs: number;
  /** Largest delay, ms. */
  maxDelayMs: number;
}

/** Doubling delays from `initialDelayMs` up to `maxDelayMs`; `reset()` after a success. */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  #next: number;

  /** @throws {RangeError} when a delay is negative or `maxDelayMs < initialDelayMs` */
  constructor(options: BackoffOptions) {
    if (!(options.initialDelayMs >= 0) || !(options.maxDelayMs >= options.initialDelayMs)) {
      throw new RangeError('Cannot back off: need 0 <= initialDelayMs <= maxDelayMs');
    }
    this.#initial = options.initialDelayMs;
    this.#max = options.maxDelayMs;
    this.#next = this.#initial;
  }

  /** The next delay (between half and all of the current step), then doubles the step. */
  next(): number {
    const step = this.#next;
    this.#next = Math.min(this.#max, Math.max(1, step * 2));
    return Math.round(step / 2 + (Math.random() * step) / 2);
  }

  reset(): void {
    this.#next = this.#initial;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
