/**
 * A typed client of the storage protocol: one method per request, plus pipelined bulk writes
 * and reads of a whole share. It wraps an `RpcClient` of {@link storageServiceDefinition}, so
 * errors are the RPC layer's: a server's refusal is a `RemoteError` whose `code` is a
 * `STORAGE_*` code of {@link STORAGE_WIRE_ERROR_CODES} or a `PROTOCOL_*` code.
 * @packageDocumentation
 */
import type { PeerId } from '@libp2p/interface';
import { setMaxListeners } from 'node:events';
import { InvalidMessageError, RemoteError } from './errors.ts';
import type { CallOptions, RpcClient } from './rpc-client.ts';
import { MAX_WRITE_DATA_BYTES, STORAGE_WIRE_ERROR_CODES } from './storage-limits.ts';
import type { StorageWireErrorCode } from './storage-limits.ts';
import type { StorageMessages } from './storage-messages.ts';
import type {
  AddLeaseRequest,
  AdviseCorruptShareBody,
  AllocateBucketsReply,
  AllocateBucketsRequest,
  BucketId,
  CancelLeaseReply,
  CancelLeaseRequest,
  ReadRequest,
  RenewLeaseRequest,
  ShareId,
  SlotChangedNotification,
  SlotReadRequest,
  SlotShareData,
  SlotSubscription,
  SlotTestAndWriteRequest,
  StatsReply,
  WriteReply,
  WriteRequest,
  WrittenRangesReply,
} from './storage-validate.ts';

/** An RPC client of the storage service. */
export type StorageRpcClient = RpcClient<StorageMessages, SlotSubscription>;

/** Default bytes per `write` or `read` request of the bulk helpers. */
export const DEFAULT_STORAGE_CHUNK_BYTES = 1024 * 1024;

/** Default requests the bulk helpers keep in flight. */
export const DEFAULT_STORAGE_IN_FLIGHT = 8;

/** Options of {@link StorageClient.writeShare}. */
export interface WriteShareOptions extends CallOptions {
  /** Where in the share the first byte goes (default 0). */
  offset?: number;
  /** Bytes per `write` request, 1..`MAX_WRITE_DATA_BYTES` (default 1 MiB). */
  chunkBytes?: number;
  /** Writes sent without waiting for their replies (default 8). */
  maxInFlight?: number;
  /** Called with the bytes acknowledged so far, in order. */
  onProgress?: (acknowledgedBytes: number) => void;
}

/** Options of {@link StorageClient.readShare}. */
export interface ReadShareOptions extends CallOptions {
  /** First byte to read (default 0). */
  offset?: number;
  /** Bytes to read; absent reads to the end of the share. */
  length?: number;
  /** Bytes per `read` request, at most `MAX_READ_TOTAL_BYTES` (default 1 MiB). */
  chunkBytes?: number;
  /** Reads sent ahead of the consumer (default 8). */
  maxInFlight?: number;
}

/** A live slot subscription: iterate it for changes; `close()` (or `break`) unsubscribes. */
export interface SlotWatch extends AsyncIterable<SlotChangedNotification> {
  readonly peer: PeerId;
  close(): Promise<void>;
}

const WIRE_CODES: ReadonlySet<string> = new Set(STORAGE_WIRE_ERROR_CODES);

/**
 * True when `err` is a storage server's refusal (with `code`, when given).
 * @example
 * ```ts
 * if (isStorageRemoteError(err, 'STORAGE_READ_ONLY')) markReadOnly(server);
 * ```
 */
export function isStorageRemoteError(
  err: unknown,
  code?: StorageWireErrorCode,
): err is RemoteError {
  return (
    err instanceof RemoteError &&
    (code === undefined ? WIRE_CODES.has(err.code) : err.code === code)
  );
}

function positive(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in 1..${max}, got ${value}`);
  }
  return value;
}

/** A controller that also aborts with `signal`; `dispose` detaches it from `signal`. */
function linked(signal: AbortSignal | undefined): {
  controller: AbortController;
  dispose: () => void;
} {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // every request in flight listens
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted === true) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => signal?.removeEventListener('abort', onAbort) };
}

/** Splits and joins `source` into chunks of exactly `size` bytes (the last may be shorter). */
async function* rechunk(
  source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array> {
  const pieces = source instanceof Uint8Array ? [source] : source;
  let buffer: Uint8Array | undefined;
  let filled = 0;
  for await (const piece of pieces) {
    let at = 0;
    if (buffer !== undefined) {
      const n = Math.min(size - filled, piece.length);
      buffer.set(piece.subarray(0, n), filled);
      filled += n;
      at = n;
      if (filled < size) continue;
      yield buffer;
      buffer = undefined;
    }
    while (piece.length - at >= size) {
      yield piece.subarray(at, at + size);
      at += size;
    }
    if (at < piece.length) {
      buffer = new Uint8Array(size);
      buffer.set(piece.subarray(at));
      filled = piece.length - at;
    }
  }
  if (buffer !== undefined && filled > 0) yield buffer.subarray(0, filled);
}

function badReply(path: string, what: string): InvalidMessageError {
  return new InvalidMessageError(path, `Invalid message: ${path} ${what}`);
}

function sharesToMap(shares: SlotShareData[]): Map<number, Uint8Array[]> {
  return new Map(shares.map((s) => [s.shareNum, s.data]));
}

/** Typed calls to one storage server. Create it with {@link storageClient}. */
export class StorageClient {
  /** The underlying RPC client (for `close()`, or calls by name). */
  readonly rpc: StorageRpcClient;

  constructor(rpc: StorageRpcClient) {
    this.rpc = rpc;
  }

  /**
   * Tahoe `allocate_buckets`: opens uploads for `shareNums` and leases every share held.
   * Requested shares in neither list were refused (no room, or another uploader's).
   * @throws {RemoteError} `STORAGE_READ_ONLY`, `STORAGE_QUOTA_EXCEEDED`, `STORAGE_SHARE_TOO_LARGE`,
   *   `STORAGE_WRONG_SHARE_TYPE`, and the RPC errors of `RpcClient.request`
   */
  async allocateBuckets(
    request: AllocateBucketsRequest,
    options?: CallOptions,
  ): Promise<AllocateBucketsReply> {
    return this.rpc.request('allocate-buckets', request, options);
  }

  /**
   * Writes bytes into an open upload. Writes may be pipelined: send several before awaiting.
   * @throws {RemoteError} `STORAGE_WRITE_PAST_END`, `STORAGE_CONFLICTING_WRITE`,
   *   `STORAGE_NO_SUCH_UPLOAD`, `STORAGE_BAD_UPLOAD_SECRET`, `STORAGE_READ_ONLY`
   */
  async write(request: WriteRequest, options?: CallOptions): Promise<WriteReply> {
    return this.rpc.request('write', request, options);
  }

  /**
   * What an open upload already holds, for resuming it (also keeps it from being swept).
   * @throws {RemoteError} `STORAGE_NO_SUCH_UPLOAD`, `STORAGE_BAD_UPLOAD_SECRET`
   */
  async writtenRanges(bucket: BucketId, options?: CallOptions): Promise<WrittenRangesReply> {
    return this.rpc.request('written-ranges', bucket, options);
  }

  /**
   * Makes a fully written upload a visible share.
   * @throws {RemoteError} `STORAGE_INCOMPLETE_SHARE`, `STORAGE_NO_SUCH_UPLOAD`,
   *   `STORAGE_BAD_UPLOAD_SECRET`, `STORAGE_READ_ONLY`
   */
  async close(bucket: BucketId, options?: CallOptions): Promise<void> {
    await this.rpc.request('close', bucket, options);
  }

  /** Deletes an open upload. @throws {RemoteError} `STORAGE_NO_SUCH_UPLOAD`, `STORAGE_BAD_UPLOAD_SECRET` */
  async abort(bucket: BucketId, options?: CallOptions): Promise<void> {
    await this.rpc.request('abort', bucket, options);
  }

  /**
   * Reads ranges of a final immutable share; ranges past its end come back short.
   * @throws {RemoteError} `STORAGE_NO_SUCH_SHARE`, `STORAGE_WRONG_SHARE_TYPE`,
   *   `STORAGE_CORRUPT_CONTAINER`
   * @throws {InvalidMessageError} when the reply does not answer the ranges asked
   */
  async read(request: ReadRequest, options?: CallOptions): Promise<Uint8Array[]> {
    const { data } = await this.rpc.request('read', request, options);
    if (data.length !== request.ranges.length) {
      throw badReply(
        'reply.data',
        `has ${data.length} entries for ${request.ranges.length} ranges`,
      );
    }
    data.forEach((d, i) => {
      if (d.length > request.ranges[i].length) throw badReply(`reply.data[${i}]`, 'is too long');
    });
    return data;
  }

  /** The immutable shares the server holds for a storage index (Tahoe `get_buckets`). */
  async listShares(storageIndex: Uint8Array, options?: CallOptions): Promise<number[]> {
    return (await this.rpc.request('list-shares', { storageIndex }, options)).shareNums;
  }

  /**
   * Adds (or renews) a lease on every share of a storage index; returns how many shares.
   * @throws {RemoteError} `STORAGE_READ_ONLY`
   */
  async addLease(request: AddLeaseRequest, options?: CallOptions): Promise<number> {
    return (await this.rpc.request('add-lease', request, options)).shares;
  }

  /** Renews matching leases; returns how many. @throws {RemoteError} `STORAGE_NO_SUCH_LEASE` */
  async renewLease(request: RenewLeaseRequest, options?: CallOptions): Promise<number> {
    return (await this.rpc.request('renew-lease', request, options)).renewed;
  }

  /**
   * Removes matching leases; shares left without one are deleted.
   * @throws {RemoteError} `STORAGE_NO_SUCH_LEASE`, `STORAGE_READ_ONLY`
   */
  async cancelLease(request: CancelLeaseRequest, options?: CallOptions): Promise<CancelLeaseReply> {
    return this.rpc.request('cancel-lease', request, options);
  }

  /**
   * Tahoe `slot_readv`: share number → one entry per range (empty `shareNums`: every share).
   * @throws {RemoteError} `STORAGE_WRONG_SHARE_TYPE`, `STORAGE_READ_TOO_LARGE`
   */
  async slotRead(
    request: SlotReadRequest,
    options?: CallOptions,
  ): Promise<Map<number, Uint8Array[]>> {
    const { shares } = await this.rpc.request('slot-read', request, options);
    const asked = new Set(request.shareNums);
    for (const s of shares) {
      if (asked.size > 0 && !asked.has(s.shareNum)) {
        throw badReply('reply.shares', `has share ${s.shareNum}, which was not asked for`);
      }
      if (s.data.length !== request.ranges.length) {
        throw badReply(
          'reply.shares',
          `answers ${s.data.length} of ${request.ranges.length} ranges`,
        );
      }
    }
    return sharesToMap(shares);
  }

  /**
   * Tahoe `slot_testv_and_readv_and_writev`, atomic per slot on this server: `ok` is whether
   * every test passed (and so every write was applied); `reads` is the read vector applied to
   * every share before any write.
   * @throws {RemoteError} `STORAGE_BAD_WRITE_ENABLER`, `STORAGE_READ_ONLY`,
   *   `STORAGE_QUOTA_EXCEEDED`, `STORAGE_NO_SPACE`, `STORAGE_SHARE_TOO_LARGE`,
   *   `STORAGE_WRONG_SHARE_TYPE`
   */
  async slotTestAndWrite(
    request: SlotTestAndWriteRequest,
    options?: CallOptions,
  ): Promise<{ ok: boolean; reads: Map<number, Uint8Array[]> }> {
    const reply = await this.rpc.request('slot-test-and-write', request, options);
    return { ok: reply.ok, reads: sharesToMap(reply.reads) };
  }

  /**
   * Watches mutable slots: yields a change each time a share of one of them is written.
   * @example
   * ```ts
   * const watch = await client.watchSlots([storageIndex]);
   * for await (const change of watch) console.log(change.shareNum, change.seqnum);
   * ```
   */
  async watchSlots(storageIndexes: Uint8Array[], options?: CallOptions): Promise<SlotWatch> {
    const sub = await this.rpc.subscribe({ storageIndexes }, options);
    async function* changes(): AsyncGenerator<SlotChangedNotification> {
      for await (const n of sub) if (n.type === 'slot-changed') yield n.body;
    }
    return { peer: sub.peer, close: () => sub.close(), [Symbol.asyncIterator]: changes };
  }

  /** One-way: tells the server one of its shares is corrupt. Resolves once sent. */
  async adviseCorruptShare(body: AdviseCorruptShareBody, options?: CallOptions): Promise<void> {
    await this.rpc.send('advise-corrupt-share', body, options);
  }

  /** Share, byte and lease counts, free space, and this client's usage and quota. */
  async stats(options?: CallOptions): Promise<StatsReply> {
    return this.rpc.request('stats', {}, options);
  }

  /**
   * Writes `source` into an open upload from `offset` on, in `chunkBytes` requests with up to
   * `maxInFlight` unanswered at once; resolves with the share's bytes held once all are answered.
   * On the first failure the writes still in flight are cancelled and that error is thrown.
   * @throws the errors of {@link StorageClient.write}
   * @throws {RangeError} for a bad `chunkBytes`, `maxInFlight` or `offset`
   * @example
   * ```ts
   * const bucket = { storageIndex, shareNum: 0, uploadSecret };
   * await client.writeShare(bucket, shareBytes, { onProgress: (n) => bar.update(n) });
   * await client.close(bucket);
   * ```
   */
  async writeShare(
    bucket: BucketId,
    source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options: WriteShareOptions = {},
  ): Promise<WriteReply> {
    const chunkBytes = positive(
      'chunkBytes',
      options.chunkBytes ?? DEFAULT_STORAGE_CHUNK_BYTES,
      MAX_WRITE_DATA_BYTES,
    );
    const maxInFlight = positive(
      'maxInFlight',
      options.maxInFlight ?? DEFAULT_STORAGE_IN_FLIGHT,
      1024,
    );
    let offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
    const { controller, dispose } = linked(options.signal);
    const call = { signal: controller.signal, timeoutMs: options.timeoutMs };
    const inFlight: Array<{ reply: Promise<WriteReply>; length: number }> = [];
    let acknowledged = 0;
    let written = 0;
    const settleOldest = async (): Promise<void> => {
      const next = inFlight.shift();
      if (next === undefined) return;
      written = Math.max(written, (await next.reply).written);
      acknowledged += next.length;
      options.onProgress?.(acknowledged);
    };
    try {
      for await (const data of rechunk(source, chunkBytes)) {
        const reply = this.write({ ...bucket, offset, data }, call);
        reply.catch(() => {}); // awaited in order below; an early failure must not go unhandled
        inFlight.push({ reply, length: data.length });
        offset += data.length;
        if (inFlight.length >= maxInFlight) await settleOldest();
      }
      while (inFlight.length > 0) await settleOldest();
    } catch (err) {
      controller.abort(err);
      throw err;
    } finally {
      dispose();
    }
    return { written };
  }

  /**
   * Reads a final immutable share as a stream of chunks, `maxInFlight` reads ahead of the
   * consumer; stops at `length` or at the end of the share.
   * @throws the errors of {@link StorageClient.read}
   * @throws {RangeError} for a bad `chunkBytes`, `maxInFlight`, `offset` or `length`
   * @example
   * ```ts
   * for await (const chunk of client.readShare({ storageIndex, shareNum: 0 })) sink.write(chunk);
   * ```
   */
  async *readShare(share: ShareId, options: ReadShareOptions = {}): AsyncGenerator<Uint8Array> {
    const chunkBytes = positive(
      'chunkBytes',
      options.chunkBytes ?? DEFAULT_STORAGE_CHUNK_BYTES,
      8 * 1024 * 1024,
    );
    const maxInFlight = positive(
      'maxInFlight',
      options.maxInFlight ?? DEFAULT_STORAGE_IN_FLIGHT,
      1024,
    );
    const start = options.offset ?? 0;
    const end = options.length === undefined ? Number.MAX_SAFE_INTEGER : start + options.length;
    if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(end) || end < start) {
      throw new RangeError(
        `offset and length must give a range of safe integers, got ${start}..${end}`,
      );
    }
    const { controller, dispose } = linked(options.signal);
    const call = { signal: controller.signal, timeoutMs: options.timeoutMs };
    const ahead: Array<{ data: Promise<Uint8Array[]>; length: number }> = [];
    let next = start;
    try {
      for (;;) {
        while (ahead.length < maxInFlight && next < end) {
          const length = Math.min(chunkBytes, end - next);
          const data = this.read({ ...share, ranges: [{ offset: next, length }] }, call);
          data.catch(() => {}); // awaited in order below
          ahead.push({ data, length });
          next += length;
        }
        const head = ahead.shift();
        if (head === undefined) return;
        const [chunk] = await head.data;
        if (chunk.length > 0) yield chunk;
        if (chunk.length < head.length) return; // the end of the share
      }
    } finally {
      controller.abort(new Error('read finished'));
      dispose();
    }
  }
}

/**
 * Wraps an RPC client of {@link storageServiceDefinition} in typed storage calls.
 * @example
 * ```ts
 * const client = storageClient(rpcClient(node, serverAddrs, { service: storageServiceDefinition }));
 * const { allocated } = await client.allocateBuckets({ storageIndex, renewSecret, cancelSecret,
 *   uploadSecret, shareNums: [0, 1], allocatedSize });
 * ```
 */
export function storageClient(rpc: StorageRpcClient): StorageClient {
  return new StorageClient(rpc);
}
