/**
 * The push half of an upload: sends the encoder's share writes to their buckets. Consecutive
 * blocks of one share go out as one `write` request (a server's cost is largely per request);
 * each server holds at most a budget of bytes, queued for it or sent and not yet acknowledged,
 * so the uploader's memory stays flat whatever the file size; and every block is given back to
 * the encoder (`ShareWrite.release`) once its server has acknowledged it, so its memory is
 * reused for a later block instead of waiting for the garbage collector.
 */
import type { ShareWrite } from '@tessera/immutable';
import type { BucketRef, StorageServerHandle } from './server.ts';

/** A bucket the upload writes, and the byte ranges an earlier run already wrote there. */
export interface PushBucket {
  readonly server: StorageServerHandle;
  readonly bucket: BucketRef;
  written: [number, number][];
}

/** Options of a {@link SharePusher}. */
export interface SharePusherOptions {
  /** Bytes one server may hold, queued and unacknowledged, before `send` waits. */
  readonly budgetPerServer: number;
  /** Largest request: consecutive writes to one share are merged up to this many bytes. */
  readonly maxWriteBytes: number;
  readonly signal?: AbortSignal;
  /**
   * Called when a write fails. The caller decides what that means for the upload; it stops
   * writes to the server by removing its buckets from the map the pusher was given.
   */
  readonly onFailure: (server: StorageServerHandle, err: unknown) => void;
}

interface Budget {
  bytes: number;
  waiters: (() => void)[];
}

interface Queued {
  readonly to: PushBucket;
  readonly offset: number;
  readonly writes: ShareWrite[];
  bytes: number;
}

/** Gives blocks back to the encoder. */
function release(writes: readonly ShareWrite[]): void {
  for (const w of writes) w.release?.();
}

/**
 * Pushes share writes (see the module comment). A block is given back only after its server
 * acknowledged it, or when it never reaches a server (the share was dropped or already
 * written): after a failed or aborted request the connection may still hold its bytes, so
 * those blocks are left to the garbage collector.
 */
export class SharePusher {
  /** Share bytes acknowledged by servers. */
  bytesSent = 0;
  /** Share bytes not sent because an earlier run of the upload wrote them. */
  skipped = 0;
  /** Shares whose server closed the upload with its last write (see {@link finish}). */
  readonly closed = new Set<number>();
  readonly #buckets: ReadonlyMap<number, PushBucket>;
  readonly #options: SharePusherOptions;
  readonly #budgets = new Map<string, Budget>();
  readonly #queued = new Map<number, Queued>();
  /** Requests sent and not yet answered, per share. */
  readonly #inFlight = new Map<number, number>();

  /** `buckets`: share number → bucket, read at each step (the caller removes failed ones). */
  constructor(buckets: ReadonlyMap<number, PushBucket>, options: SharePusherOptions) {
    this.#buckets = buckets;
    this.#options = options;
  }

  /** Queues one write, waiting while its server's budget is spent. */
  async send(w: ShareWrite): Promise<void> {
    const to = this.#buckets.get(w.shareNum);
    if (to === undefined) return release([w]);
    const length = w.data.length;
    const end = w.offset + length;
    if (to.written.some(([s, e]) => s <= w.offset && e >= end)) {
      this.skipped += length;
      return release([w]);
    }
    const budget = this.#budget(to.server.id);
    const { budgetPerServer, maxWriteBytes } = this.#options;
    if (budget.bytes > 0 && budget.bytes + length > budgetPerServer) {
      // What this server has queued goes out first: otherwise its budget could fill with
      // writes that wait for each other (a server holding several shares).
      for (const [shareNum, q] of this.#queued)
        if (q.to.server === to.server) this.#flush(shareNum);
      while (budget.bytes > 0 && budget.bytes + length > budgetPerServer) {
        await new Promise<void>((resolve) => budget.waiters.push(resolve));
      }
      if (this.#buckets.get(w.shareNum) !== to) return release([w]);
    }
    budget.bytes += length;
    const q = this.#queued.get(w.shareNum);
    if (q !== undefined && q.offset + q.bytes === w.offset && q.bytes + length <= maxWriteBytes) {
      q.writes.push(w);
      q.bytes += length;
    } else {
      this.#flush(w.shareNum);
      this.#queued.set(w.shareNum, { to, offset: w.offset, writes: [w], bytes: length });
    }
    if (this.#queued.get(w.shareNum)!.bytes >= maxWriteBytes) this.#flush(w.shareNum);
  }

  /**
   * Sends what is queued and waits until every server has answered every write. A share's
   * last write asks its server to close the upload too when it is the share's only unanswered
   * one (a close must not overtake a write): such shares end up in {@link closed}; the caller
   * closes the others.
   */
  async finish(): Promise<void> {
    for (const shareNum of [...this.#queued.keys()]) {
      this.#flush(shareNum, (this.#inFlight.get(shareNum) ?? 0) === 0);
    }
    for (const budget of this.#budgets.values()) {
      while (budget.bytes > 0) await new Promise<void>((resolve) => budget.waiters.push(resolve));
    }
  }

  #budget(serverId: string): Budget {
    let budget = this.#budgets.get(serverId);
    if (budget === undefined) {
      budget = { bytes: 0, waiters: [] };
      this.#budgets.set(serverId, budget);
    }
    return budget;
  }

  /**
   * Sends one share's queued writes as one request (the pieces framed as they are, no copy);
   * `close`: ask the server to close the upload after it.
   */
  #flush(shareNum: number, close = false): void {
    const q = this.#queued.get(shareNum);
    if (q === undefined) return;
    this.#queued.delete(shareNum);
    const budget = this.#budget(q.to.server.id);
    const settle = (): void => {
      budget.bytes -= q.bytes;
      budget.waiters.splice(0).forEach((wake) => wake());
    };
    if (this.#buckets.get(shareNum) !== q.to) {
      release(q.writes);
      settle();
      return;
    }
    const data = q.writes.length === 1 ? q.writes[0].data : q.writes.map((w) => w.data);
    this.#inFlight.set(shareNum, (this.#inFlight.get(shareNum) ?? 0) + 1);
    q.to.server
      .write(q.to.bucket, q.offset, data, { signal: this.#options.signal, close })
      .then(
        (closed) => {
          this.bytesSent += q.bytes;
          if (close && closed === true) this.closed.add(shareNum);
          release(q.writes);
        },
        (err: unknown) => this.#options.onFailure(q.to.server, err),
      )
      .finally(() => {
        const left = this.#inFlight.get(shareNum)! - 1;
        if (left === 0) this.#inFlight.delete(shareNum);
        else this.#inFlight.set(shareNum, left);
        settle();
      });
  }
}
