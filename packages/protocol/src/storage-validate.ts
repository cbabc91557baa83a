/**
 * The bodies of the storage protocol and their hand-written validators (STYLE §5). Each
 * validator takes what MessagePack decoding produced and returns a fresh typed value or throws
 * {@link InvalidMessageError} (`PROTOCOL_INVALID_MESSAGE`); the same validators check what a
 * client sends before it sends it. Limits: `storage-limits.ts`.
 * @packageDocumentation
 */
import { InvalidMessageError } from './errors.ts';
import { ByteParts } from './framing.ts';
import {
  MAX_ADVISORY_REASON_BYTES,
  MAX_READ_RANGES,
  MAX_READ_TOTAL_BYTES,
  MAX_REPORTED_RANGES,
  MAX_SHARE_NUM,
  MAX_SHARES_PER_REQUEST,
  MAX_SLOT_READ_VECTOR_BYTES,
  MAX_SLOT_TEST_BYTES,
  MAX_SLOT_VECTORS_PER_SHARE,
  MAX_SLOT_WRITE_BYTES,
  MAX_SUBSCRIBED_SLOTS,
  MAX_WRITE_DATA_BYTES,
  STORAGE_INDEX_BYTES,
  STORAGE_SECRET_BYTES,
} from './storage-limits.ts';
import {
  expectArrayOf,
  expectBoolean,
  expectBytes,
  expectObject,
  expectOneOf,
  expectOptional,
  expectString,
  expectUint,
  field,
} from './validate.ts';

/** A half-open byte range `[offset, offset + length)`; its end is a safe integer. */
export interface StorageRange {
  offset: number;
  length: number;
}

/** A final share. */
export interface ShareId {
  storageIndex: Uint8Array;
  shareNum: number;
}

/** An upload in progress: a share and the secret that proves the uploader. */
export interface BucketId extends ShareId {
  uploadSecret: Uint8Array;
}

export interface AllocateBucketsRequest {
  storageIndex: Uint8Array;
  renewSecret: Uint8Array;
  cancelSecret: Uint8Array;
  uploadSecret: Uint8Array;
  /** Distinct, 0..255. */
  shareNums: number[];
  /** Bytes of each share. */
  allocatedSize: number;
}

export interface AllocateBucketsReply {
  /** Every immutable share the server holds for the storage index (not only those asked). */
  alreadyHave: number[];
  /** Shares the caller may now write, including its own uploads in progress (resume). */
  allocated: number[];
  /**
   * Of `allocated`, the uploads already in progress under this upload secret: only these can
   * hold bytes (ask `written-ranges`); the others are new and empty. Absent from servers before
   * protocol 1.1, where any allocated share may be a resume.
   */
  resumed?: number[];
}

export interface WriteRequest extends BucketId {
  offset: number;
  /**
   * At most `MAX_WRITE_DATA_BYTES`. A sender may give the bytes as {@link ByteParts} (sent
   * without joining them); a receiver always gets a Uint8Array.
   */
  data: Uint8Array | ByteParts;
  /** Ask for the list of missing ranges in the reply (costs the server a little). */
  reportMissing?: boolean;
  /**
   * Close the upload after this write, as `close` would (protocol 1.2): the last write of a
   * share saves a round trip. A server that does not know the field ignores it and its reply
   * has no `closed`: the sender then sends `close`.
   */
  close?: boolean;
}

export interface WriteReply {
  /** Bytes of the share the server now holds. */
  written: number;
  /** Ranges still missing, when asked for (at most `MAX_REPORTED_RANGES`). */
  missing?: StorageRange[];
  /** True when the write asked to close the upload and it was closed (a final share now). */
  closed?: boolean;
}

export interface WrittenRangesReply {
  allocatedSize: number;
  written: StorageRange[];
  missing: StorageRange[];
  /** True when a list was cut at `MAX_REPORTED_RANGES`. */
  truncated: boolean;
}

/** The reply of requests that only succeed or fail. */
export type EmptyReply = Record<string, never>;

export interface ReadRequest extends ShareId {
  /** At most `MAX_READ_RANGES`, adding up to at most `MAX_READ_TOTAL_BYTES`. */
  ranges: StorageRange[];
}

export interface ReadReply {
  /** One entry per range; short (or empty) past the end of the share. */
  data: Uint8Array[];
}

export interface StorageIndexRequest {
  storageIndex: Uint8Array;
}

export interface ListSharesReply {
  shareNums: number[];
}

export interface AddLeaseRequest {
  storageIndex: Uint8Array;
  renewSecret: Uint8Array;
  cancelSecret: Uint8Array;
}

export interface AddLeaseReply {
  /** Shares of the storage index now leased (0 is not an error). */
  shares: number;
}

export interface RenewLeaseRequest {
  storageIndex: Uint8Array;
  renewSecret: Uint8Array;
}

export interface RenewLeaseReply {
  renewed: number;
}

export interface CancelLeaseRequest {
  storageIndex: Uint8Array;
  cancelSecret: Uint8Array;
}

export interface CancelLeaseReply {
  cancelled: number;
  /** Shares deleted because their last lease went. */
  deletedShares: number;
}

export interface SlotReadRequest {
  storageIndex: Uint8Array;
  /** Empty means every share of the slot. */
  shareNums: number[];
  ranges: StorageRange[];
}

/** The read vector's bytes from one share of a slot. */
export interface SlotShareData {
  shareNum: number;
  data: Uint8Array[];
}

export interface SlotReadReply {
  shares: SlotShareData[];
}

/** Tahoe §3.2: passes when `share[offset, offset + length)` equals `specimen`. */
export interface SlotTestVector {
  offset: number;
  length: number;
  /** Only `eq` exists (Tahoe dropped the others); a server refuses any other. */
  op: 'eq';
  specimen: Uint8Array;
}

export interface SlotWriteVector {
  offset: number;
  data: Uint8Array;
}

export interface SlotShareVectors {
  shareNum: number;
  test: SlotTestVector[];
  write: SlotWriteVector[];
  /** 0 deletes the share, a smaller length truncates; absent leaves it. */
  newLength?: number;
}

export interface SlotTestAndWriteRequest {
  storageIndex: Uint8Array;
  writeEnabler: Uint8Array;
  renewSecret: Uint8Array;
  cancelSecret: Uint8Array;
  /** One entry per share, distinct share numbers. */
  vectors: SlotShareVectors[];
  /** Read from every share of the slot before any write. */
  readVector: StorageRange[];
}

export interface SlotTestAndWriteReply {
  ok: boolean;
  reads: SlotShareData[];
}

export interface AdviseCorruptShareBody extends ShareId {
  /** 1 to `MAX_ADVISORY_REASON_BYTES` UTF-8 bytes. */
  reason: string;
}

export interface StatsReply {
  shareCount: number;
  immutableShareCount: number;
  mutableShareCount: number;
  bytesUsed: number;
  leaseCount: number;
  incomingCount: number;
  incomingBytes: number;
  availableSpace: number;
  readOnly: boolean;
  /** Bytes charged to the asking client, and its quota if it has one. */
  clientUsed: number;
  clientLimit?: number;
}

/** The body that subscribes to changes of mutable slots. */
export interface SlotSubscription {
  storageIndexes: Uint8Array[];
}

/** Pushed to subscribers after a share of a watched slot changed. */
export interface SlotChangedNotification {
  storageIndex: Uint8Array;
  shareNum: number;
  /** uint64 from the share's SDMF/MDMF prefix. */
  seqnum: bigint;
  rootHash: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------------------------

function invalid(path: string, what: string): never {
  throw new InvalidMessageError(path, `Invalid message: ${path} ${what}`);
}

function storageIndexAt(o: Record<string, unknown>, key: string, path: string): Uint8Array {
  return expectBytes(field(o, key), `${path}.${key}`, { length: STORAGE_INDEX_BYTES });
}

function secretAt(o: Record<string, unknown>, key: string, path: string): Uint8Array {
  return expectBytes(field(o, key), `${path}.${key}`, { length: STORAGE_SECRET_BYTES });
}

function shareNum(value: unknown, path: string): number {
  return expectUint(value, path, { max: MAX_SHARE_NUM });
}

function shareNums(value: unknown, path: string, distinct: boolean): number[] {
  const nums = expectArrayOf(value, path, shareNum, { maxLength: MAX_SHARES_PER_REQUEST });
  if (distinct && new Set(nums).size !== nums.length) invalid(path, 'repeats a share number');
  return nums;
}

function uintAt(o: Record<string, unknown>, key: string, path: string): number {
  return expectUint(field(o, key), `${path}.${key}`);
}

/** A range whose end is a safe integer. */
function range(value: unknown, path: string): StorageRange {
  const o = expectObject(value, path);
  const offset = uintAt(o, 'offset', path);
  const length = uintAt(o, 'length', path);
  if (!Number.isSafeInteger(offset + length)) invalid(path, 'ends past 2^53 - 1');
  return { offset, length };
}

function ranges(value: unknown, path: string, maxCount: number, maxTotal: number): StorageRange[] {
  const list = expectArrayOf(value, path, range, { maxLength: maxCount });
  let total = 0;
  for (const r of list) total += r.length;
  if (total > maxTotal) invalid(path, `asks for ${total} bytes, at most ${maxTotal}`);
  return list;
}

function reportedRanges(value: unknown, path: string): StorageRange[] {
  return expectArrayOf(value, path, range, { maxLength: MAX_REPORTED_RANGES });
}

function bytesList(value: unknown, path: string, maxCount: number, maxTotal: number): Uint8Array[] {
  const list = expectArrayOf(value, path, (v, p) => expectBytes(v, p, { maxLength: maxTotal }), {
    maxLength: maxCount,
  });
  let total = 0;
  for (const b of list) total += b.length;
  if (total > maxTotal) invalid(path, `carries ${total} bytes, at most ${maxTotal}`);
  return list;
}

function slotShareData(maxTotal: number) {
  return (value: unknown, path: string): SlotShareData => {
    const o = expectObject(value, path);
    return {
      shareNum: shareNum(field(o, 'shareNum'), `${path}.shareNum`),
      data: bytesList(field(o, 'data'), `${path}.data`, MAX_READ_RANGES, maxTotal),
    };
  };
}

function slotSharesData(value: unknown, path: string, maxTotal: number): SlotShareData[] {
  const list = expectArrayOf(value, path, slotShareData(maxTotal), {
    maxLength: MAX_SHARES_PER_REQUEST,
  });
  if (new Set(list.map((s) => s.shareNum)).size !== list.length) {
    invalid(path, 'repeats a share number');
  }
  let total = 0;
  for (const s of list) for (const d of s.data) total += d.length;
  if (total > maxTotal) invalid(path, `carries ${total} bytes, at most ${maxTotal}`);
  return list;
}

// ---------------------------------------------------------------------------------------------
// Request and reply validators
// ---------------------------------------------------------------------------------------------

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateAllocateBucketsRequest(value: unknown): AllocateBucketsRequest {
  const o = expectObject(value, 'body');
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    renewSecret: secretAt(o, 'renewSecret', 'body'),
    cancelSecret: secretAt(o, 'cancelSecret', 'body'),
    uploadSecret: secretAt(o, 'uploadSecret', 'body'),
    shareNums: shareNums(field(o, 'shareNums'), 'body.shareNums', true),
    allocatedSize: uintAt(o, 'allocatedSize', 'body'),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateAllocateBucketsReply(value: unknown): AllocateBucketsReply {
  const o = expectObject(value, 'reply');
  const resumed = field(o, 'resumed');
  return {
    alreadyHave: shareNums(field(o, 'alreadyHave'), 'reply.alreadyHave', true),
    allocated: shareNums(field(o, 'allocated'), 'reply.allocated', true),
    ...(resumed === undefined || resumed === null
      ? {}
      : { resumed: shareNums(resumed, 'reply.resumed', true) }),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateBucketId(value: unknown): BucketId {
  const o = expectObject(value, 'body');
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    shareNum: shareNum(field(o, 'shareNum'), 'body.shareNum'),
    uploadSecret: secretAt(o, 'uploadSecret', 'body'),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateWriteRequest(value: unknown): WriteRequest {
  const o = expectObject(value, 'body');
  const offset = uintAt(o, 'offset', 'body');
  const raw = field(o, 'data');
  let data: Uint8Array | ByteParts;
  if (raw instanceof ByteParts) {
    // Only a local sender makes one (decoding never does): check it as the bytes it stands for.
    if (raw.byteLength > MAX_WRITE_DATA_BYTES)
      invalid('body.data', `must be at most ${MAX_WRITE_DATA_BYTES} bytes, got ${raw.byteLength}`);
    for (const part of raw.parts)
      expectBytes(part, 'body.data', { maxLength: MAX_WRITE_DATA_BYTES });
    data = raw;
  } else {
    data = expectBytes(raw, 'body.data', { maxLength: MAX_WRITE_DATA_BYTES });
  }
  const length = data instanceof ByteParts ? data.byteLength : data.length;
  if (!Number.isSafeInteger(offset + length)) invalid('body.offset', 'ends past 2^53 - 1');
  const reportMissing = expectOptional(field(o, 'reportMissing'), 'body.reportMissing', (v, p) =>
    expectBoolean(v, p),
  );
  const close = expectOptional(field(o, 'close'), 'body.close', (v, p) => expectBoolean(v, p));
  return {
    ...validateBucketId(o),
    offset,
    data,
    ...(reportMissing === true ? { reportMissing } : {}),
    ...(close === true ? { close } : {}),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateWriteReply(value: unknown): WriteReply {
  const o = expectObject(value, 'reply');
  const missing = expectOptional(field(o, 'missing'), 'reply.missing', reportedRanges);
  const closed = expectOptional(field(o, 'closed'), 'reply.closed', (v, p) => expectBoolean(v, p));
  return {
    written: uintAt(o, 'written', 'reply'),
    ...(missing === undefined ? {} : { missing }),
    ...(closed === true ? { closed } : {}),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateWrittenRangesReply(value: unknown): WrittenRangesReply {
  const o = expectObject(value, 'reply');
  return {
    allocatedSize: uintAt(o, 'allocatedSize', 'reply'),
    written: reportedRanges(field(o, 'written'), 'reply.written'),
    missing: reportedRanges(field(o, 'missing'), 'reply.missing'),
    truncated: expectBoolean(field(o, 'truncated'), 'reply.truncated'),
  };
}

/** Any map; its keys are ignored (a later minor version may add some). */
export function validateEmpty(value: unknown): EmptyReply {
  expectObject(value, 'body');
  return {};
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateReadRequest(value: unknown): ReadRequest {
  const o = expectObject(value, 'body');
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    shareNum: shareNum(field(o, 'shareNum'), 'body.shareNum'),
    ranges: ranges(field(o, 'ranges'), 'body.ranges', MAX_READ_RANGES, MAX_READ_TOTAL_BYTES),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateReadReply(value: unknown): ReadReply {
  const o = expectObject(value, 'reply');
  return { data: bytesList(field(o, 'data'), 'reply.data', MAX_READ_RANGES, MAX_READ_TOTAL_BYTES) };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateStorageIndexRequest(value: unknown): StorageIndexRequest {
  const o = expectObject(value, 'body');
  return { storageIndex: storageIndexAt(o, 'storageIndex', 'body') };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateListSharesReply(value: unknown): ListSharesReply {
  const o = expectObject(value, 'reply');
  return { shareNums: shareNums(field(o, 'shareNums'), 'reply.shareNums', true) };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateAddLeaseRequest(value: unknown): AddLeaseRequest {
  const o = expectObject(value, 'body');
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    renewSecret: secretAt(o, 'renewSecret', 'body'),
    cancelSecret: secretAt(o, 'cancelSecret', 'body'),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateAddLeaseReply(value: unknown): AddLeaseReply {
  return { shares: uintAt(expectObject(value, 'reply'), 'shares', 'reply') };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateRenewLeaseRequest(value: unknown): RenewLeaseRequest {
  const o = expectObject(value, 'body');
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    renewSecret: secretAt(o, 'renewSecret', 'body'),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateRenewLeaseReply(value: unknown): RenewLeaseReply {
  return { renewed: uintAt(expectObject(value, 'reply'), 'renewed', 'reply') };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateCancelLeaseRequest(value: unknown): CancelLeaseRequest {
  const o = expectObject(value, 'body');
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    cancelSecret: secretAt(o, 'cancelSecret', 'body'),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateCancelLeaseReply(value: unknown): CancelLeaseReply {
  const o = expectObject(value, 'reply');
  return {
    cancelled: uintAt(o, 'cancelled', 'reply'),
    deletedShares: uintAt(o, 'deletedShares', 'reply'),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateSlotReadRequest(value: unknown): SlotReadRequest {
  const o = expectObject(value, 'body');
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    shareNums: shareNums(field(o, 'shareNums'), 'body.shareNums', true),
    ranges: ranges(field(o, 'ranges'), 'body.ranges', MAX_READ_RANGES, MAX_READ_TOTAL_BYTES),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateSlotReadReply(value: unknown): SlotReadReply {
  const o = expectObject(value, 'reply');
  return { shares: slotSharesData(field(o, 'shares'), 'reply.shares', MAX_READ_TOTAL_BYTES) };
}

function slotTestVector(value: unknown, path: string): SlotTestVector {
  const o = expectObject(value, path);
  const { offset, length } = range(o, path);
  return {
    offset,
    length,
    op: expectOneOf(field(o, 'op'), `${path}.op`, ['eq']),
    specimen: expectBytes(field(o, 'specimen'), `${path}.specimen`, {
      maxLength: MAX_SLOT_TEST_BYTES,
    }),
  };
}

function slotWriteVector(value: unknown, path: string): SlotWriteVector {
  const o = expectObject(value, path);
  const offset = uintAt(o, 'offset', path);
  const data = expectBytes(field(o, 'data'), `${path}.data`, { maxLength: MAX_SLOT_WRITE_BYTES });
  if (!Number.isSafeInteger(offset + data.length)) invalid(path, 'ends past 2^53 - 1');
  return { offset, data };
}

function slotShareVectors(value: unknown, path: string): SlotShareVectors {
  const o = expectObject(value, path);
  const limit = { maxLength: MAX_SLOT_VECTORS_PER_SHARE };
  const newLength = expectOptional(field(o, 'newLength'), `${path}.newLength`, (v, p) =>
    expectUint(v, p),
  );
  return {
    shareNum: shareNum(field(o, 'shareNum'), `${path}.shareNum`),
    test: expectArrayOf(field(o, 'test'), `${path}.test`, slotTestVector, limit),
    write: expectArrayOf(field(o, 'write'), `${path}.write`, slotWriteVector, limit),
    ...(newLength === undefined ? {} : { newLength }),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateSlotTestAndWriteRequest(value: unknown): SlotTestAndWriteRequest {
  const o = expectObject(value, 'body');
  const vectors = expectArrayOf(field(o, 'vectors'), 'body.vectors', slotShareVectors, {
    maxLength: MAX_SHARES_PER_REQUEST,
  });
  if (new Set(vectors.map((v) => v.shareNum)).size !== vectors.length) {
    invalid('body.vectors', 'repeats a share number');
  }
  let testBytes = 0;
  let writeBytes = 0;
  for (const v of vectors) {
    for (const t of v.test) testBytes += t.specimen.length;
    for (const w of v.write) writeBytes += w.data.length;
  }
  if (testBytes > MAX_SLOT_TEST_BYTES) {
    invalid('body.vectors', `tests ${testBytes} bytes, at most ${MAX_SLOT_TEST_BYTES}`);
  }
  if (writeBytes > MAX_SLOT_WRITE_BYTES) {
    invalid('body.vectors', `writes ${writeBytes} bytes, at most ${MAX_SLOT_WRITE_BYTES}`);
  }
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    writeEnabler: secretAt(o, 'writeEnabler', 'body'),
    renewSecret: secretAt(o, 'renewSecret', 'body'),
    cancelSecret: secretAt(o, 'cancelSecret', 'body'),
    vectors,
    readVector: ranges(
      field(o, 'readVector'),
      'body.readVector',
      MAX_READ_RANGES,
      MAX_SLOT_READ_VECTOR_BYTES,
    ),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateSlotTestAndWriteReply(value: unknown): SlotTestAndWriteReply {
  const o = expectObject(value, 'reply');
  return {
    ok: expectBoolean(field(o, 'ok'), 'reply.ok'),
    reads: slotSharesData(
      field(o, 'reads'),
      'reply.reads',
      MAX_SHARES_PER_REQUEST * MAX_SLOT_READ_VECTOR_BYTES,
    ),
  };
}

const utf8 = new TextEncoder();

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateAdviseCorruptShare(value: unknown): AdviseCorruptShareBody {
  const o = expectObject(value, 'body');
  const reason = expectString(field(o, 'reason'), 'body.reason', {
    minLength: 1,
    maxLength: MAX_ADVISORY_REASON_BYTES,
  });
  if (utf8.encode(reason).length > MAX_ADVISORY_REASON_BYTES) {
    invalid('body.reason', `is longer than ${MAX_ADVISORY_REASON_BYTES} UTF-8 bytes`);
  }
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    shareNum: shareNum(field(o, 'shareNum'), 'body.shareNum'),
    reason,
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateStatsReply(value: unknown): StatsReply {
  const o = expectObject(value, 'reply');
  const clientLimit = expectOptional(field(o, 'clientLimit'), 'reply.clientLimit', (v, p) =>
    expectUint(v, p),
  );
  return {
    shareCount: uintAt(o, 'shareCount', 'reply'),
    immutableShareCount: uintAt(o, 'immutableShareCount', 'reply'),
    mutableShareCount: uintAt(o, 'mutableShareCount', 'reply'),
    bytesUsed: uintAt(o, 'bytesUsed', 'reply'),
    leaseCount: uintAt(o, 'leaseCount', 'reply'),
    incomingCount: uintAt(o, 'incomingCount', 'reply'),
    incomingBytes: uintAt(o, 'incomingBytes', 'reply'),
    availableSpace: uintAt(o, 'availableSpace', 'reply'),
    readOnly: expectBoolean(field(o, 'readOnly'), 'reply.readOnly'),
    clientUsed: uintAt(o, 'clientUsed', 'reply'),
    ...(clientLimit === undefined ? {} : { clientLimit }),
  };
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateSlotSubscription(value: unknown): SlotSubscription {
  const o = expectObject(value, 'body');
  const storageIndexes = expectArrayOf(
    field(o, 'storageIndexes'),
    'body.storageIndexes',
    (v, p) => expectBytes(v, p, { length: STORAGE_INDEX_BYTES }),
    { minLength: 1, maxLength: MAX_SUBSCRIBED_SLOTS },
  );
  return { storageIndexes };
}

const MAX_UINT64 = (1n << 64n) - 1n;

function uint64(value: unknown, path: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_UINT64) invalid(path, 'is not a uint64');
    return value;
  }
  return BigInt(expectUint(value, path));
}

/** @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` */
export function validateSlotChanged(value: unknown): SlotChangedNotification {
  const o = expectObject(value, 'body');
  return {
    storageIndex: storageIndexAt(o, 'storageIndex', 'body'),
    shareNum: shareNum(field(o, 'shareNum'), 'body.shareNum'),
    seqnum: uint64(field(o, 'seqnum'), 'body.seqnum'),
    rootHash: expectBytes(field(o, 'rootHash'), 'body.rootHash', { length: 32 }),
  };
}
