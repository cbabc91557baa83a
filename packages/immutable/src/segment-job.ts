/** The message shapes between the CHK encoder/decoder and the segment workers. */

/** One segment to code: `segment` is the padded ciphertext, k blocks long. */
export interface SegmentJob {
  readonly k: number;
  readonly n: number;
  readonly segment: Uint8Array;
}

/** The coded segment: the input back (its first k blocks are shares 0..k-1), N-k parity blocks, N×32 hash bytes. */
export interface SegmentResult {
  readonly segment: Uint8Array;
  readonly parity: Uint8Array[];
  readonly hashes: Uint8Array;
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
