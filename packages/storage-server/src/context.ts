/** The state every store module shares, built once by `createShareStore`. */
import type { ContainerFile } from './container-file.ts';
import { AbortedError } from './errors.ts';
import type { KeyedLock } from './keyed-lock.ts';
import type { Layout } from './layout.ts';
import type { LeaseIndex } from './lease-index.ts';
import type { LeaseJournal } from './lease-journal.ts';
import type { Log } from './logger.ts';
import type { RangeSet } from './ranges.ts';
import type { QuotaConfig, SlotChange, StatFs } from './types.ts';

export interface StoreConfig {
  reservedSpace: number;
  readOnly: boolean;
  directWrites: boolean;
  quotas: QuotaConfig;
  leaseDurationSeconds: number;
  incomingGraceSeconds: number;
  sweepIntervalSeconds: number;
  maxShareSize: number;
  statfs: StatFs;
  clock: () => number;
}

/** A lease waiting in an unclosed upload; it moves to the index at close. */
export interface PendingLease {
  renewHash: Uint8Array;
  cancelHash: Uint8Array;
  ownerId: string;
}

/** An unclosed immutable upload. */
export interface Bucket {
  siName: string;
  shareNum: number;
  allocatedSize: number;
  uploadSecretHash: Uint8Array;
  clientId: string;
  leases: PendingLease[];
  /** Bytes written (and read back identical on rewrite); the sidecar has a durable subset. */
  ranges: RangeSet;
  lastActivitySeconds: number;
  /** Written ranges not yet persisted to the sidecar. */
  dirty: boolean;
  flushTimer: NodeJS.Timeout | undefined;
  /**
   * The container, open for writing between requests (opened by the first write, closed when
   * the bucket closes, aborts or the store stops); undefined when not open.
   */
  file?: ContainerFile;
  /** Closed, aborted or swept: no longer usable even if a caller still holds it. */
  gone: boolean;
}

export interface StoreContext {
  layout: Layout;
  config: StoreConfig;
  index: LeaseIndex;
  journal: LeaseJournal;
  locks: KeyedLock;
  log: Log;
  /** Unclosed uploads by `bucketKey`. */
  buckets: Map<string, Bucket>;
  /** Bytes promised to mutable writes in flight, by owner (quota and space accounting). */
  pendingBytes: Map<string, number>;
  /** Whether upload containers are written past the page cache (see container-file.ts). */
  directWrites: boolean;
  /** How many buckets hold their container open (`Bucket.file`); at most MAX_OPEN_BUCKET_FILES. */
  openBucketFiles: number;
  emitSlotChange(change: SlotChange): void;
}

export function bucketKey(siName: string, shareNum: number): string {
  return `${siName}/${shareNum}`;
}

/** Lock key serializing everything that touches one storage index. */
export function siLockKey(siName: string): string {
  return `si:${siName}`;
}

/** Lock key serializing writes, flushes and the close of one upload. */
export function bucketLockKey(siName: string, shareNum: number): string {
  return `b:${siName}/${shareNum}`;
}

export function nowSeconds(ctx: StoreContext): number {
  return Math.floor(ctx.config.clock() / 1000);
}

/** Throws {@link AbortedError} if the signal is aborted (before anything changes). */
export function checkAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) {
    throw new AbortedError(`Cannot ${what}: aborted`, { cause: signal.reason });
  }
}
