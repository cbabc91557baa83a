/** The message shapes between the CHK encoder/decoder and the segment workers. */

/** One segment to code: `segment` is the padded ciphertext, k blocks long. */
export interface SegmentJob {
  readonly k: number;
  readonly n: number;
  readonly segment: Uint8Array;
  /**
   * Blocks of earlier results, no longer used, to code into instead of new buffers (moved with
   * the job, never copied; those of another length than this segment's blocks are dropped).
   */
  readonly spares?: readonly Uint8Array[];
}

/**
 * The coded segment: its N blocks (shares 0..k-1 hold the segment's bytes, the rest parity),
 * each over an `ArrayBuffer` of its own so it can be given back alone, N×32 hash bytes, and
 * the job's `segment` buffer back (no longer used: the caller can fill it again).
 */
export interface SegmentResult {
  readonly blocks: Uint8Array[];
  readonly hashes: Uint8Array;
  readonly segment: Uint8Array;
}

/**
 * One segment to check and decode (spec §2.7): k blocks as read from shares `shareNums`, each
 * checked against its block hash, decoded to ciphertext, checked against the segment hash, and
 * bytes `[from, to)` of the segment decrypted.
 */
export interface DecodeJob {
  readonly k: number;
  readonly n: number;
  readonly blocks: readonly Uint8Array[];
  readonly shareNums: readonly number[];
  /** The validated block hash of each block, in the same order. */
  readonly blockHashes: readonly Uint8Array[];
  /** The segment's ciphertext length (the blocks hold it padded). */
  readonly segmentLength: number;
  /** The validated crypttext segment hash. */
  readonly segmentHash: Uint8Array;
  readonly key: Uint8Array;
  /** The segment's offset in the file: the AES-CTR position of its first byte. */
  readonly segmentOffset: number;
  readonly from: number;
  readonly to: number;
}

/**
 * A decode's outcome: the plaintext; or the indices (into the job's blocks) whose hash failed,
 * so those shares can be dropped; or `badCiphertext` when k good blocks decode to ciphertext
 * that fails its hash.
 */
export type DecodeResult =
  | {
      readonly plain: Uint8Array;
      readonly badBlocks?: undefined;
      readonly badCiphertext?: undefined;
    }
  | {
      readonly plain?: undefined;
      readonly badBlocks: readonly number[];
      readonly badCiphertext?: undefined;
    }
  | { readonly plain?: undefined; readonly badBlocks?: undefined; readonly badCiphertext: true };

/** What a worker is posted: a segment to code or one to decode. */
export type WorkerJob =
  ({ readonly kind: 'code' } & SegmentJob) | ({ readonly kind: 'decode' } & DecodeJob);
