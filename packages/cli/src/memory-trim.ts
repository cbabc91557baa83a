/**
 * Gives a long-running node's freed heap memory back to the system once a burst of work ends.
 *
 * A storage node moving data allocates and frees thousands of 64 KiB buffers; glibc keeps the
 * freed memory in its heap, fragmented, where only `malloc_trim` returns it; and buffers that
 * died since the last garbage collection are not even freed until the next one, which an idle
 * process never runs. So when a busy process goes quiet, the trimmer runs a full collection,
 * and a moment later `malloc_trim(0)`. Measured on a 10-node grid (docs/PERFORMANCE.md "Third pass"): a
 * storage node grew from 72 to 115 MiB over two 100 MiB puts and stayed there; after the
 * collection and the trim it holds about 76 MiB. Node has no binding for `malloc_trim`, so it
 * is called through koffi (a registry FFI package with prebuilt binaries); where that or the
 * function is missing (musl, macOS), nothing is trimmed.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { onSegmentWorkersRetired } from '@tessera/immutable';
import { loadMallocTrim, type TrimFunction } from './glibc-malloc.ts';

/** How often the trimmer looks at the process's CPU time while a burst may be on, ms. */
export const TRIM_CHECK_INTERVAL_MS = 1000;
/**
 * The longest wait between two checks, ms: with nothing to trim, each quiet check doubles the
 * wait up to this. On this project's VMs every wake-up of an idle process costs ~0.5 ms of CPU,
 * so a check a second in each of a grid's 12 processes was a third of the idle grid's budget.
 * A burst that starts meanwhile is seen at the next check, and the checks are a second apart
 * again until it has been trimmed after.
 */
export const TRIM_IDLE_CHECK_INTERVAL_MS = 8000;
/**
 * Growth of the RSS since the last trim under which a burst is not worth a trim, bytes: a
 * connection monitor's ping round or a small request leaves a few hundred KiB, and the full
 * collection a trim starts with costs more than that gives back.
 */
export const TRIM_MIN_GROWTH_BYTES = 4 * 1024 * 1024;
/**
 * Quiet seconds a node waits before it trims, by role. Memory trimmed is memory the next burst
 * faults in again, and on this project's machine class a page faulted in fresh costs ~2.6 ms
 * per MiB (docs/PERFORMANCE.md, fifth pass): with a trim after every put, puts a few seconds
 * apart cost the storage nodes ~0.25 s more CPU per 100 MiB. Allocators make the same trade
 * (jemalloc returns dirty pages after 10 s by default). A client node trims after one quiet
 * second: its footprint when the next command starts is what a user sees (waiting 3 s saved it
 * ~0.1 s of CPU a put, but a 1 GiB put that started untrimmed peaked at 190–206 MiB, against
 * 179–187 started trimmed).
 */
export const TRIM_QUIET_CHECKS = { storage: 5, client: 1, introducer: 1 } as const;
/** CPU time within one check interval that counts as busy, µs (5% of a core). */
const BUSY_CPU_US = 50_000;
/** CPU time within one check interval under which the process counts as quiet, µs. */
const QUIET_CPU_US = 10_000;

/** The process's one `gc` function: each transfer and trimmer asks for it, a new context once. */
let gc: (() => void) | undefined;

/**
 * V8's full garbage collection as a function. `--expose-gc` set at run time gives new contexts
 * a `gc` global (the process's own global stays as it was).
 */
export function loadGc(): () => void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  return gc;
}

/** What a trimmer samples and calls: the process's by default, replaceable for tests. */
export interface TrimmerDeps {
  /** Cumulative CPU time of the process, µs. */
  cpuMicros(): number;
  /** Frees what died since the last garbage collection. */
  collect(): void;
  trim: TrimFunction;
  /** Runs the trim a little later (default: after TRIM_DELAY_MS). */
  defer?: (trim: () => void) => void;
  /** Called after each trim with the RSS before and after, bytes. */
  onTrim?: (before: number, after: number) => void;
  rss?: () => number;
  /** Intervals after the last busy one before it collects and trims (default 1). */
  quietChecks?: number;
}

const processRss = (): number => process.memoryUsage.rss();

/**
 * The policy: at the first quiet interval at least `quietChecks` intervals after the last busy
 * one (and with a busy one since the last trim), collect garbage, and trim shortly after (V8
 * frees the buffers a collection finds dead on a background thread, after the collection
 * returns: a trim right away found a third of them); unless the RSS grew less than
 * {@link TRIM_MIN_GROWTH_BYTES} since the last trim and nothing was freed ({@link markBusy}).
 * An idle node does nothing beyond the check itself, and checks less and less often
 * ({@link MemoryTrimmer.delayMs}). `check()` is one interval's decision (exported for tests).
 */
export class MemoryTrimmer {
  readonly #deps: TrimmerDeps;
  #last: number;
  #busySinceTrim = false;
  /** Intervals since the last busy one. */
  #calmRun = 0;
  /** Checks in a row with nothing to wait for (no busy interval since the last trim). */
  #idleRun = 0;
  /** RSS just after the last trim, bytes (0 before the first). */
  #trimmedRss = 0;
  /** Memory was freed since the last trim (markBusy): trim however little the RSS grew. */
  #freedWithoutCpu = false;
  /** Intervals without a busy one needed (see {@link TrimmerDeps.quietChecks}). */
  quietChecks: number;

  constructor(deps: TrimmerDeps) {
    this.#deps = deps;
    this.#last = deps.cpuMicros();
    this.quietChecks = deps.quietChecks ?? 1;
  }

  /**
   * Makes the trimmer collect and trim as after a busy interval (once enough quiet ones
   * followed): for memory freed without much CPU time (segment workers exiting).
   */
  markBusy(): void {
    this.#busySinceTrim = true;
    this.#freedWithoutCpu = true;
  }

  /**
   * How long to wait before the next check, ms: {@link TRIM_CHECK_INTERVAL_MS} while a trim may
   * be due, doubling with each idle check after that up to {@link TRIM_IDLE_CHECK_INTERVAL_MS}.
   */
  delayMs(): number {
    if (this.#busySinceTrim) return TRIM_CHECK_INTERVAL_MS;
    const factor = 2 ** Math.min(this.#idleRun, 10);
    return Math.min(TRIM_CHECK_INTERVAL_MS * factor, TRIM_IDLE_CHECK_INTERVAL_MS);
  }

  /** Samples CPU time; returns true when it collected (and scheduled the trim). */
  check(): boolean {
    const now = this.#deps.cpuMicros();
    const used = now - this.#last;
    this.#last = now;
    if (used >= BUSY_CPU_US) {
      this.#busySinceTrim = true;
      this.#calmRun = 0;
      this.#idleRun = 0;
      return false;
    }
    // Light work (V8's own idle-time collections, a ping) neither counts as busy nor ends the
    // wait; the trim itself waits for a quiet interval.
    this.#calmRun += 1;
    if (!this.#busySinceTrim) {
      this.#idleRun += 1;
      return false;
    }
    if (this.#calmRun < this.quietChecks || used >= QUIET_CPU_US) return false;
    this.#busySinceTrim = false;
    const rss = this.#deps.rss ?? processRss;
    const before = rss();
    const freed = this.#freedWithoutCpu;
    this.#freedWithoutCpu = false;
    if (!freed && before < this.#trimmedRss + TRIM_MIN_GROWTH_BYTES) return false;
    this.#deps.collect();
    const defer = this.#deps.defer ?? deferTrim;
    defer(() => {
      this.#deps.trim();
      this.#trimmedRss = rss();
      this.#deps.onTrim?.(before, this.#trimmedRss);
    });
    return true;
  }
}

/** How long after a collection the trim runs, ms. */
const TRIM_DELAY_MS = 250;

function deferTrim(fn: () => void): void {
  setTimeout(fn, TRIM_DELAY_MS).unref();
}

/** The process's one trimmer, shared by the nodes it runs (`grid up` runs many). */
interface SharedTrimmer {
  /** The next check; undefined once stopped. */
  timer: NodeJS.Timeout | undefined;
  trimmer: MemoryTrimmer;
  /** Each caller's callback with the quiet intervals it asked for. */
  listeners: Map<NonNullable<TrimmerDeps['onTrim']>, number>;
  unsubscribe: () => void;
}

let shared: SharedTrimmer | undefined;

/** Quiet intervals the process's trimmer waits for now; undefined when none runs (for tests). */
export function sharedTrimQuietChecks(): number | undefined {
  return shared?.trimmer.quietChecks;
}

/**
 * Starts trimming this process's heap after bursts of work (see {@link MemoryTrimmer}) once
 * `quietChecks` seconds were quiet; the timer never keeps the process alive, and a process has
 * one however many nodes it runs (waiting as long as the most eager of them asks). Returns a
 * stop function; a no-op where trimming is not available.
 */
export function startMemoryTrim(
  onTrim: NonNullable<TrimmerDeps['onTrim']>,
  quietChecks = 1,
): () => void {
  const trim = loadMallocTrim();
  if (trim === null) return () => undefined;
  if (shared === undefined) {
    const listeners = new Map<NonNullable<TrimmerDeps['onTrim']>, number>();
    const trimmer = new MemoryTrimmer({
      cpuMicros: () => {
        const u = process.cpuUsage();
        return u.user + u.system;
      },
      collect: loadGc(),
      trim,
      onTrim: (before, after) => listeners.forEach((_, l) => l(before, after)),
    });
    // Exiting workers free their heaps at once, but what they leave in glibc's arenas stays
    // until the next trim, and the process is quiet by then: trim again at the next check.
    const unsubscribe = onSegmentWorkersRetired(() => trimmer.markBusy());
    const state: SharedTrimmer = { timer: undefined, trimmer, listeners, unsubscribe };
    const schedule = (): void => {
      state.timer = setTimeout(() => {
        trimmer.check();
        if (shared === state) schedule();
      }, trimmer.delayMs());
      state.timer.unref();
    };
    schedule();
    shared = state;
  }
  const mine = shared;
  const settle = (): void => {
    mine.trimmer.quietChecks = Math.min(...mine.listeners.values());
  };
  // Each caller's own callback: the same function passed twice still stops once each.
  const listener = (before: number, after: number): void => onTrim(before, after);
  mine.listeners.set(listener, quietChecks);
  settle();
  return () => {
    mine.listeners.delete(listener);
    if (mine.listeners.size > 0) settle();
    if (mine.listeners.size === 0 && shared === mine) {
      clearTimeout(mine.timer);
      mine.unsubscribe();
      shared = undefined;
    }
  };
}
