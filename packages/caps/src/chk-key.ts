/**
 * CHK parameters, the convergent encryption key and the storage index (spec §2.2–§2.4).
 */
import { randomBytes } from 'node:crypto';
import { TAG, KEY_LENGTH, STORAGE_INDEX_LENGTH } from './constants.ts';
import { taggedHash, taggedHasher, type TaggedHasher } from './hash.ts';
import { netstring } from './netstring.ts';

/** The segmentation of one CHK file (spec §2.2). */
export interface ChkParams {
  /** Plaintext length in bytes. */
  readonly size: number;
  readonly neededShares: number;
  readonly totalShares: number;
  /** The adjusted segment size: `nextmul(min(max, size), k)`. */
  readonly segmentSize: number;
  readonly numSegments: number;
  /** Bytes of ciphertext in the last segment (a full segment when it divides evenly). */
  readonly tailSize: number;
  /** The tail segment padded to a multiple of k. */
  readonly paddedTailSize: number;
  /** Bytes per share per full segment: `segmentSize / k`. */
  readonly blockSize: number;
  /** Bytes per share for the tail segment. */
  readonly tailBlockSize: number;
  /** Bytes of block data in each share: `ceil(size / k)`. */
  readonly shareDataLength: number;
}

function nextMultiple(n: number, k: number): number {
  return Math.ceil(n / k) * k;
}

/**
 * Computes the segmentation of a CHK file (spec §2.2).
 * @throws {RangeError} for sizes or parameters outside what Tahoe accepts
 */
export function chkParams(
  size: number,
  neededShares: number,
  totalShares: number,
  maxSegmentSize: number,
): ChkParams {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`Bad CHK size ${size}`);
  if (!Number.isInteger(neededShares) || !Number.isInteger(totalShares)) {
    throw new RangeError('Share counts must be integers');
  }
  if (neededShares < 1 || neededShares > totalShares || totalShares > 256) {
    throw new RangeError(`Bad encoding ${neededShares}-of-${totalShares}: need 1 ≤ k ≤ n ≤ 256`);
  }
  if (!Number.isSafeInteger(maxSegmentSize) || maxSegmentSize < 1) {
    throw new RangeError(`Bad maximum segment size ${maxSegmentSize}`);
  }
  const k = neededShares;
  const segmentSize = nextMultiple(Math.min(maxSegmentSize, size), k);
  const numSegments = Math.ceil(size / segmentSize);
  const tailSize = size % segmentSize || segmentSize;
  const paddedTailSize = nextMultiple(tailSize, k);
  const blockSize = segmentSize / k;
  const tailBlockSize = paddedTailSize / k;
  return {
    size,
    neededShares,
    totalShares,
    segmentSize,
    numSegments,
    tailSize,
    paddedTailSize,
    blockSize,
    tailBlockSize,
    shareDataLength: blockSize * (numSegments - 1) + tailBlockSize,
  };
}

/**
 * The tag of the convergent key hash: the prefix, then `ns(secret)` and `ns("k,N,segsize")`
 * (spec §2.3; `happy` is not part of it, the *adjusted* segment size is).
 */
export function convergentKeyTag(
  convergenceSecret: Uint8Array,
  neededShares: number,
  totalShares: number,
  segmentSize: number,
): Uint8Array {
  const prefix = new TextEncoder().encode(TAG.CONVERGENT_KEY_PREFIX);
  const a = netstring(convergenceSecret);
  const b = netstring(`${neededShares},${totalShares},${segmentSize}`);
  const tag = new Uint8Array(prefix.length + a.length + b.length);
  tag.set(prefix, 0);
  tag.set(a, prefix.length);
  tag.set(b, prefix.length + a.length);
  return tag;
}

/**
 * Starts hashing a plaintext into its convergent key: feed every byte with `update`, then
 * `digest(16)` is the AES key (spec §2.3).
 */
export function convergentKeyHasher(
  convergenceSecret: Uint8Array,
  params: Pick<ChkParams, 'neededShares' | 'totalShares' | 'segmentSize'>,
): TaggedHasher {
  return taggedHasher(
    convergentKeyTag(
      convergenceSecret,
      params.neededShares,
      params.totalShares,
      params.segmentSize,
    ),
  );
}

/** A fresh random 16-byte key for random-key (non-convergent) uploads. */
export function randomChkKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_LENGTH));
}

/** The storage index of a CHK file: `H[key_to_storage_index](key)[:16]` (spec §2.4). */
export function chkStorageIndex(key: Uint8Array): Uint8Array {
  if (key.length !== KEY_LENGTH)
    throw new RangeError(`CHK key must be 16 bytes, got ${key.length}`);
  return taggedHash(TAG.CHK_KEY_TO_STORAGE_INDEX, key, STORAGE_INDEX_LENGTH);
}
