/** The message shapes between the encoder and its segment workers. */

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
