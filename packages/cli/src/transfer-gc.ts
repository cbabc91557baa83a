/**
 * Keeps a transfer's dead buffers from piling up while it runs.
 *
 * A put moves about five bytes of short-lived buffers through the main thread per byte of the
 * file (the AES output, the Noise ciphertext of every block), and many of them outlive a
 * scavenge while the sockets drain: V8 then frees them only in a full collection, which it
 * starts once about 64 MB of such memory has accumulated, and glibc keeps the heap that high
 * afterwards. Measured on a 10-node grid (docs/PERFORMANCE.md "Fourth pass"): the client
 * node's arrayBuffers climbed from ~25 to ~60 MB between full collections, which ran every
 * ~200 ms. While a transfer runs, this collector looks at the main thread's ArrayBuffer memory
 * every {@link TRANSFER_GC_CHECK_MS} and runs a full collection once it grew by
 * {@link TRANSFER_GARBAGE_BYTES}: the same collections, earlier, so less memory waits for them.
 */
import { loadGc } from './memory-trim.ts';

/** How often the collector looks, ms. */
export const TRANSFER_GC_CHECK_MS = 50;
/** Growth of ArrayBuffer memory since the last collection that triggers the next one, bytes. */
export const TRANSFER_GARBAGE_BYTES = 16 * 1024 * 1024;

/** What the collector reads and calls: the process's by default, replaceable for tests. */
export interface TransferCollectorDeps {
  /** Bytes held by ArrayBuffers allocated on this thread (live, or dead and not yet freed). */
  arrayBuffers(): number;
  /** A full garbage collection. */
  collect(): void;
}

/**
 * The policy, one check at a time (exported for tests): collect when ArrayBuffer memory is
 * {@link TRANSFER_GARBAGE_BYTES} above its lowest reading since the last collection. The
 * reading right after a collection only sets the new floor: V8 frees the dead buffers on a
 * background thread after the collection returns.
 */
export class TransferCollector {
  readonly #deps: TransferCollectorDeps;
  #floor: number | undefined;

  constructor(deps: TransferCollectorDeps) {
    this.#deps = deps;
    this.#floor = deps.arrayBuffers();
  }

  /** Reads the memory; returns true when it collected. */
  check(): boolean {
    const now = this.#deps.arrayBuffers();
    if (this.#floor === undefined || now < this.#floor) {
      this.#floor = now;
      return false;
    }
    if (now - this.#floor < TRANSFER_GARBAGE_BYTES) return false;
    this.#deps.collect();
    this.#floor = undefined;
    return true;
  }
}

/** The process's one collector, shared by the transfers running at once. */
let shared: { timer: NodeJS.Timeout; transfers: number } | undefined;

/**
 * Runs the collector while at least one transfer holds it; returns the release function
 * (idempotent). The timer never keeps the process alive.
 */
export function collectDuringTransfer(): () => void {
  if (shared === undefined) {
    const collector = new TransferCollector({
      arrayBuffers: () => process.memoryUsage().arrayBuffers,
      collect: loadGc(),
    });
    const timer = setInterval(() => collector.check(), TRANSFER_GC_CHECK_MS);
    timer.unref();
    shared = { timer, transfers: 0 };
  }
  const mine = shared;
  mine.transfers++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    mine.transfers--;
    if (mine.transfers === 0 && shared === mine) {
      clearInterval(mine.timer);
      shared = undefined;
    }
  };
}
