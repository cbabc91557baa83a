/** Public types of the share store: its options, requests and results. */
import type { ByteRange } from './errors.ts';
import type { ShareKind } from './containers.ts';
import type { StoreLogger } from './logger.ts';

export type { ByteRange } from './errors.ts';
export type { ShareKind } from './containers.ts';
export type { StoreLogger } from './logger.ts';

/** Every async method takes an optional abort signal (STYLE §3). */
export interface AbortOptions {
  signal?: AbortSignal;
}

/** Options of the maintenance calls; `nowSeconds` overrides the clock (Unix seconds). */
export interface TimeOptions extends AbortOptions {
  nowSeconds?: number;
}

/** What the store needs from `fs.statfs`: free blocks for unprivileged users and block size. */
export interface StatFsResult {
  bavail: number | bigint;
  bsize: number | bigint;
}

/** `fs.promises.statfs`, injectable for tests. */
export type StatFs = (path: string) => Promise<StatFsResult>;

/** Per-client quotas in bytes. Clients with no limit are unlimited. */
export interface QuotaConfig {
  /** Limit for every client not listed in `clients` (absent: unlimited). */
  defaultBytes?: number;
  /** Limits by client id (the id the protocol layer passes, e.g. a peer id). */
  clients?: Readonly<Record<string, number>>;
}

/** Options of {@link createShareStore}. */
export interface ShareStoreInit {
  /** Directory that holds everything (created if missing). */
  dir: string;
  /** Bytes of free disk space the store must leave alone (Tahoe `reserved_space`). Default 0. */
  reservedSpace?: number;
  /** Refuse every write (`STORAGE_READ_ONLY`); reads, aborts and sweeps still work. */
  readOnly?: boolean;
  /**
   * Write uploads past the page cache (`O_DIRECT`) where the file system allows it, probed at
   * start. Default true; false always writes through the page cache.
   */
  directWrites?: boolean;
  quotas?: QuotaConfig;
  /** Lifetime of a new or renewed lease. Default 31 days. */
  leaseDurationSeconds?: number;
  /** How long an unclosed upload survives without a write. Default 600. */
  incomingGraceSeconds?: number;
  /** Period of the built-in sweep of abandoned uploads; 0 turns it off. Default 60. */
  sweepIntervalSeconds?: number;
  /** Largest share (data bytes) accepted, immutable or mutable. Default 2^40. */
  maxShareSize?: number;
  logger?: StoreLogger;
  /** Free-space probe; defaults to `fs.promises.statfs`. */
  statfs?: StatFs;
  /** Wall clock in Unix milliseconds; defaults to `Date.now`. */
  clock?: () => number;
}

/** Arguments of {@link ShareStore.allocateBuckets} (Tahoe `allocate_buckets`, §3.2). */
export interface AllocateRequest {
  storageIndex: Uint8Array;
  renewSecret: Uint8Array;
  cancelSecret: Uint8Array;
  /** Opaque, 16..64 bytes; needed to write, close, abort or resume the buckets. */
  uploadSecret: Uint8Array;
  shareNums: number[];
  allocatedSize: number;
  /** Quota key and lease owner; absent means the anonymous client `''`. */
  clientId?: string;
}

export interface AllocateResult {
  /** Every immutable share held for the storage index (not only the ones asked about). */
  alreadyHave: number[];
  /** Shares the caller may now write, including resumable uploads under the same secret. */
  allocated: number[];
  /** Of `allocated`, the uploads already in progress under this secret (the rest are empty). */
  resumed: number[];
}

/** Names an in-progress upload. */
export interface BucketRef {
  storageIndex: Uint8Array;
  shareNum: number;
  uploadSecret: Uint8Array;
}

export interface BucketWrite {
  offset: number;
  data: Uint8Array;
}

/** Where an upload stands: what is written and what is still missing. */
export interface BucketProgress {
  allocatedSize: number;
  written: ByteRange[];
  missing: ByteRange[];
}

/** Names a final share. */
export interface ShareRef {
  storageIndex: Uint8Array;
  shareNum: number;
}

export interface LeaseSecrets {
  renewSecret: Uint8Array;
  cancelSecret: Uint8Array;
}

export interface LeaseOptions extends AbortOptions {
  /** Recorded as the lease owner. */
  clientId?: string;
}

export interface CancelResult {
  /** Leases removed. */
  cancelled: number;
  /** Shares deleted because their last lease went. */
  deletedShares: number;
}

/** Tahoe §3.2 test vector: passes when `share[offset, offset+length)` equals `specimen`. */
export interface TestVector {
  offset: number;
  length: number;
  specimen: Uint8Array;
}

export interface WriteVector {
  offset: number;
  data: Uint8Array;
}

export interface TestWriteVector {
  test: TestVector[];
  write: WriteVector[];
  /** 0 deletes the share; a smaller length truncates; null/absent/larger leaves it. */
  newLength?: number | null;
}

/** Arguments of {@link ShareStore.slotTestAndWrite} (Tahoe `slot_testv_and_readv_and_writev`). */
export interface SlotTestAndWriteRequest {
  storageIndex: Uint8Array;
  writeEnabler: Uint8Array;
  renewSecret: Uint8Array;
  cancelSecret: Uint8Array;
  testWriteVectors: Map<number, TestWriteVector>;
  readVector: ByteRange[];
  clientId?: string;
}

export interface SlotTestAndWriteResult {
  /** Whether every test passed (and so every write was applied). */
  ok: boolean;
  /** The read vector applied to every share of the slot before any write. */
  reads: Map<number, Uint8Array[]>;
}

export interface SlotReadRequest {
  storageIndex: Uint8Array;
  /** Empty means every share of the slot. */
  shareNums: number[];
  ranges: ByteRange[];
}

/** A mutable share changed: parsed from its SDMF/MDMF prefix (Tahoe §5.2, §5.3). */
export interface SlotChange {
  storageIndex: Uint8Array;
  shareNum: number;
  seqnum: bigint;
  rootHash: Uint8Array;
}

export type SlotChangeListener = (change: SlotChange) => void;

/** A share with at least one expired lease. */
export interface ExpiredShare {
  storageIndex: Uint8Array;
  shareNum: number;
  kind: ShareKind;
  size: number;
  expiredLeases: number;
  liveLeases: number;
}

export interface GarbageReport {
  deletedShares: number;
  freedBytes: number;
  removedLeases: number;
}

export interface StoreStats {
  shareCount: number;
  immutableShareCount: number;
  mutableShareCount: number;
  /** Data bytes of final shares. */
  bytesUsed: number;
  leaseCount: number;
  /** Unclosed uploads and the bytes allocated to them. */
  incomingCount: number;
  incomingBytes: number;
}

export interface ClientUsage {
  clientId: string;
  used: number;
  /** Absent when the client has no quota. */
  limit?: number;
}

/**
 * The on-disk share store: immutable buckets, mutable slots, leases and their garbage
 * collection. A library: the protocol handlers call it; it never touches the network.
 */
export interface ShareStore {
  /** Loads state from disk (recovering from any crash); idempotent. */
  start(): Promise<void>;
  /** Waits for running operations, persists upload progress, closes the journal; idempotent. */
  stop(): Promise<void>;
  isStarted(): boolean;

  /**
   * Tahoe `allocate_buckets`: leases the shares already held, opens uploads for the others.
   * @throws {StorageError} STORAGE_INVALID_*, STORAGE_SHARE_TOO_LARGE, STORAGE_READ_ONLY,
   *   STORAGE_QUOTA_EXCEEDED, STORAGE_WRONG_SHARE_TYPE
   */
  allocateBuckets(request: AllocateRequest, options?: AbortOptions): Promise<AllocateResult>;
  /**
   * Writes bytes into an open upload.
   * @throws {StorageError} STORAGE_NO_SUCH_UPLOAD, STORAGE_BAD_UPLOAD_SECRET,
   *   STORAGE_WRITE_PAST_END, STORAGE_CONFLICTING_WRITE, STORAGE_INVALID_*, STORAGE_READ_ONLY
   */
  writeBucket(
    bucket: BucketRef,
    write: BucketWrite,
    options?: AbortOptions,
  ): Promise<BucketProgress>;
  /** What an open upload holds and still needs. @throws {StorageError} STORAGE_NO_SUCH_UPLOAD, STORAGE_BAD_UPLOAD_SECRET */
  writtenRanges(bucket: BucketRef, options?: AbortOptions): Promise<BucketProgress>;
  /**
   * Makes a fully written upload a visible share (atomic rename).
   * @throws {StorageError} STORAGE_INCOMPLETE_SHARE (`missing`), STORAGE_NO_SUCH_UPLOAD,
   *   STORAGE_BAD_UPLOAD_SECRET, STORAGE_READ_ONLY
   */
  closeBucket(bucket: BucketRef, options?: AbortOptions): Promise<void>;
  /** Deletes an open upload. @throws {StorageError} STORAGE_NO_SUCH_UPLOAD, STORAGE_BAD_UPLOAD_SECRET */
  abortBucket(bucket: BucketRef, options?: AbortOptions): Promise<void>;
  /**
   * Reads ranges of a final immutable share; reads past the end are short.
   * @throws {StorageError} STORAGE_NO_SUCH_SHARE, STORAGE_WRONG_SHARE_TYPE, STORAGE_READ_TOO_LARGE,
   *   STORAGE_CORRUPT_CONTAINER, STORAGE_INVALID_*
   */
  readShare(share: ShareRef, ranges: ByteRange[], options?: AbortOptions): Promise<Uint8Array[]>;
  /** The final immutable shares of a storage index. */
  listShares(storageIndex: Uint8Array, options?: AbortOptions): Promise<number[]>;

  /**
   * Adds (or renews, if the renew secret matches) a lease on every share of the storage index;
   * returns how many shares there are. @throws {StorageError} STORAGE_READ_ONLY, STORAGE_INVALID_*
   */
  addLease(
    storageIndex: Uint8Array,
    secrets: LeaseSecrets,
    options?: LeaseOptions,
  ): Promise<number>;
  /** Renews matching leases; returns how many. @throws {StorageError} STORAGE_NO_SUCH_LEASE, STORAGE_READ_ONLY */
  renewLease(
    storageIndex: Uint8Array,
    renewSecret: Uint8Array,
    options?: AbortOptions,
  ): Promise<number>;
  /**
   * Removes matching leases; a share left without leases is deleted.
   * @throws {StorageError} STORAGE_NO_SUCH_LEASE, STORAGE_READ_ONLY
   */
  cancelLease(
    storageIndex: Uint8Array,
    cancelSecret: Uint8Array,
    options?: AbortOptions,
  ): Promise<CancelResult>;
  /** Shares with at least one lease expired at `nowSeconds` (from the index; no file is read). */
  expiredLeases(nowSeconds?: number): ExpiredShare[];
  /** Deletes shares whose leases have all expired and drops expired leases from the rest. */
  collectGarbage(options?: TimeOptions): Promise<GarbageReport>;
  /** Deletes uploads idle for longer than the grace period; returns how many. */
  sweepIncoming(options?: TimeOptions): Promise<number>;

  /**
   * Tahoe `slot_testv_and_readv_and_writev`, atomic per slot.
   * @throws {StorageError} STORAGE_BAD_WRITE_ENABLER, STORAGE_WRONG_SHARE_TYPE, STORAGE_READ_ONLY,
   *   STORAGE_QUOTA_EXCEEDED, STORAGE_NO_SPACE, STORAGE_SHARE_TOO_LARGE, STORAGE_READ_TOO_LARGE,
   *   STORAGE_INVALID_*
   */
  slotTestAndWrite(
    request: SlotTestAndWriteRequest,
    options?: AbortOptions,
  ): Promise<SlotTestAndWriteResult>;
  /** Tahoe `slot_readv`. @throws {StorageError} STORAGE_WRONG_SHARE_TYPE, STORAGE_READ_TOO_LARGE, STORAGE_INVALID_* */
  slotRead(request: SlotReadRequest, options?: AbortOptions): Promise<Map<number, Uint8Array[]>>;
  /** Registers a listener for mutable share changes; returns the unsubscribe function. */
  onSlotChanged(listener: SlotChangeListener): () => void;

  /**
   * Records a corruption report if the share exists and there is room; returns whether it did.
   * @throws {StorageError} STORAGE_INVALID_ARGUMENT (reason not 1..32765 characters), STORAGE_READ_ONLY
   */
  adviseCorruptShare(share: ShareRef, reason: string, options?: AbortOptions): Promise<boolean>;
  /** Free bytes after the reserved space and what open uploads were promised; 0 if read-only. */
  availableSpace(options?: AbortOptions): Promise<number>;
  /** Bytes charged to a client and its quota. */
  clientUsage(clientId: string): ClientUsage;
  /** Share, byte, lease and upload counts (from the index). */
  stats(): StoreStats;
}
