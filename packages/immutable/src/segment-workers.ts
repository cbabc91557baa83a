/**
 * The process's pool of segment worker threads: the coding runs there so it overlaps reading,
 * encryption and the crypttext hashes on the calling thread. Buffers move between threads by
 * transfer, never by copy. See docs/PERFORMANCE.md for the measurements.
 *
 * In the bundled CLI the worker is a sibling file of the bundle (`scripts/bundle-cli.mjs`
 * builds both); when the package runs from TypeScript sources (tests), it is the compiled one
 * in `dist/`.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { allocUninitialized } from '@tessera/codec';
import { ownsBuffer } from './block-pool.ts';
import { inlineCoder, type SegmentCoder } from './segment-coder.ts';
import type {
  DecodeJob,
  DecodeResult,
  SegmentJob,
  SegmentResult,
  WorkerJob,
} from './segment-job.ts';

interface Pending {
  resolve: (r: SegmentResult | DecodeResult) => void;
  reject: (e: Error) => void;
}

function workerUrl(): URL {
  const fromSources = import.meta.url.endsWith('.ts');
  return new URL(
    fromSources ? '../dist/segment-worker.js' : './segment-worker.js',
    import.meta.url,
  );
}

/** A detached-safe copy: only a buffer that owns its whole ArrayBuffer may be transferred. */
function ownBuffer(b: Uint8Array): Uint8Array {
  if (ownsBuffer(b)) return b;
  // Not `slice()`: that zeroes the new buffer before copying into it.
  const own = allocUninitialized(b.length);
  own.set(b);
  return own;
}

/** How long the workers wait for another job before they exit (a busy process keeps them). */
export const WORKER_IDLE_EXIT_MS = 2000;
/** How long new workers wait for their first job (a 1 GiB upload's key pass comes first). */
const WORKER_FIRST_JOB_MS = 30_000;

const retiredListeners = new Set<() => void>();

/**
 * Calls `listener` each time idle segment workers exit (a process that trims its heap when it
 * goes quiet can trim again then). Returns the function that removes it.
 */
export function onSegmentWorkersRetired(listener: () => void): () => void {
  retiredListeners.add(listener);
  return () => retiredListeners.delete(listener);
}

/**
 * A pool of `size` worker threads, round-robin. Idle workers are unref'd so they never keep
 * the process alive; a worker with jobs pending is ref'd so the process waits for it. Workers
 * that had no job for {@link WORKER_IDLE_EXIT_MS} exit, and the next job starts new ones: a
 * long-running node does not keep their heaps (and the dead buffers a quiet worker never
 * collects) between transfers. Measured: a client node after three 100 MiB gets held
 * 103–128 MiB, fresh 76 (docs/PERFORMANCE.md "Fourth pass").
 */
class WorkerPool implements SegmentCoder {
  private workers: Worker[] = [];
  private readonly pending = new Map<number, Pending & { worker: Worker }>();
  private readonly busy = new Map<Worker, number>();
  /** Workers told to exit: their `exit` is expected. */
  private readonly retiring = new Set<Worker>();
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private failure: Error | undefined;
  readonly size: number;

  constructor(size: number) {
    this.size = size;
    this.spawn();
  }

  /** Starts the workers when there are none. */
  private spawn(): void {
    if (this.workers.length > 0) return;
    const url = workerUrl();
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(url);
      w.unref();
      w.on(
        'message',
        (msg: { id: number; result?: SegmentResult | DecodeResult; error?: string }) => {
          const p = this.pending.get(msg.id);
          if (p === undefined) return;
          this.settle(msg.id, p);
          if (msg.result !== undefined) p.resolve(msg.result);
          else p.reject(new Error(`Segment worker failed: ${msg.error ?? 'unknown error'}`));
        },
      );
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (!this.retiring.delete(w))
          this.fail(new Error(`Segment worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.busy.set(w, 0);
    }
    this.idleSoon(WORKER_FIRST_JOB_MS);
  }

  private settle(id: number, p: { worker: Worker }): void {
    this.pending.delete(id);
    const left = this.busy.get(p.worker)! - 1;
    this.busy.set(p.worker, left);
    if (left === 0) p.worker.unref();
    if (this.pending.size === 0) this.idleSoon();
  }

  /** (Re)starts the countdown after which idle workers exit. */
  private idleSoon(ms = WORKER_IDLE_EXIT_MS): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.retire(), ms);
    this.idleTimer.unref();
  }

  private retire(): void {
    if (this.pending.size > 0 || this.failure !== undefined) return;
    for (const w of this.workers) {
      this.retiring.add(w);
      void w.terminate();
    }
    this.workers = [];
    this.busy.clear();
    for (const listener of retiredListeners) listener();
  }

  private fail(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    clearTimeout(this.idleTimer);
    for (const [id, p] of this.pending) {
      this.settle(id, p);
      p.reject(this.failure);
    }
    if (sharedPool === this) sharedPool = undefined;
  }

  /** Workers running now (none once they have been idle a while). */
  get running(): number {
    return this.workers.length;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  code(job: SegmentJob): Promise<SegmentResult> {
    const segment = ownBuffer(job.segment);
    const spares = (job.spares ?? []).filter(ownsBuffer);
    return this.#post({ kind: 'code', ...job, segment, spares }, [
      segment,
      ...spares,
    ]) as Promise<SegmentResult>;
  }

  decode(job: DecodeJob): Promise<DecodeResult> {
    // Blocks are views into larger read buffers: each is copied once to move it.
    const blocks = job.blocks.map(ownBuffer);
    return this.#post({ kind: 'decode', ...job, blocks }, blocks) as Promise<DecodeResult>;
  }

  #post(job: WorkerJob, moved: readonly Uint8Array[]): Promise<SegmentResult | DecodeResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    clearTimeout(this.idleTimer);
    this.spawn();
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length];
    return new Promise<SegmentResult | DecodeResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      const n = this.busy.get(worker)! + 1;
      this.busy.set(worker, n);
      if (n === 1) worker.ref();
      worker.postMessage({ id, job }, [...new Set(moved.map((b) => b.buffer as ArrayBuffer))]);
    });
  }

  /** The shared pool outlives each encode; closing is for {@link closeSegmentWorkers}. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('Segment workers were shut down');
    clearTimeout(this.idleTimer);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

let sharedPool: WorkerPool | undefined;

/**
 * A segment coder. With `workers` > 0 it is the process-wide pool of worker threads (started
 * on first use, so the caller can start it early and overlap the startup with other work);
 * with 0, the calling thread. The default uses one worker per core beyond the first, at
 * least one, at most two.
 */
export function createSegmentCoder(workers = defaultWorkers()): SegmentCoder {
  if (workers <= 0) return inlineCoder();
  if (sharedPool === undefined || sharedPool.closed || sharedPool.size !== workers) {
    void sharedPool?.terminate();
    sharedPool = new WorkerPool(workers);
  }
  return sharedPool;
}

/** Worker threads running now in the shared pool (0 before first use and once they idled out). */
export function runningSegmentWorkers(): number {
  return sharedPool?.running ?? 0;
}

/** Stops the shared worker threads (they never keep a process alive; this frees them early). */
export async function closeSegmentWorkers(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  await pool?.terminate();
}

function defaultWorkers(): number {
  return Math.min(2, Math.max(1, availableParallelism() - 1));
}
