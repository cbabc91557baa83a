/**
 * What the uploader and downloader need of one storage server. The network implementation
 * wraps the storage protocol's client (`@tessera/protocol`); unit tests use in-memory fakes.
 */

/** One bucket on one server: a share being uploaded. */
export interface BucketRef {
  readonly storageIndex: Uint8Array;
  readonly shareNum: number;
  readonly uploadSecret: Uint8Array;
}

/** A storage server as the client sees it. */
export interface StorageServerHandle {
  /** A stable id (the peer id string). */
  readonly id: string;
  /** The permuted ring's seed: the peer id bytes (spec §4.1, docs/PROTOCOL.md). */
  readonly permutationSeed: Uint8Array;
  /** The 20-byte seed for lease secrets and write enablers. */
  readonly leaseSeed: Uint8Array;
  /** The largest immutable share it accepts (its announced available space); Infinity if unknown. */
  readonly maxShareSize: number;
  readonly nickname: string;

  listShares(storageIndex: Uint8Array, options?: { signal?: AbortSignal }): Promise<number[]>;
  allocateBuckets(
    request: {
      storageIndex: Uint8Array;
      renewSecret: Uint8Array;
      cancelSecret: Uint8Array;
      uploadSecret: Uint8Array;
      shareNums: number[];
      allocatedSize: number;
    },
    options?: { signal?: AbortSignal },
  ): Promise<{
    alreadyHave: number[];
    allocated: number[];
    /** Of `allocated`, uploads already in progress under this secret; absent: unknown (any). */
    resumed?: number[];
  }>;
  /** Ranges `[start, end)` of the bucket already written (for resuming). */
  writtenRanges(bucket: BucketRef, options?: { signal?: AbortSignal }): Promise<[number, number][]>;
  /**
   * Writes `data` at `offset`; a list of pieces is written as their concatenation. With
   * `close`, the server also closes the upload if it can in the same request (the share must
   * then be complete): resolves true when it did, and otherwise `close` is still to be called.
   */
  write(
    bucket: BucketRef,
    offset: number,
    data: Uint8Array | readonly Uint8Array[],
    options?: { signal?: AbortSignal; close?: boolean },
  ): Promise<boolean | void>;
  close(bucket: BucketRef, options?: { signal?: AbortSignal }): Promise<void>;
  abort(bucket: BucketRef, options?: { signal?: AbortSignal }): Promise<void>;
  read(
    storageIndex: Uint8Array,
    shareNum: number,
    offset: number,
    length: number,
    options?: { signal?: AbortSignal },
  ): Promise<Uint8Array>;
  /** One-way: tell the server one of its shares is corrupt. Never throws. */
  adviseCorruptShare(storageIndex: Uint8Array, shareNum: number, reason: string): void;
}
