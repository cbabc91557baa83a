/**
 * Erasure-coding and block hashing of one segment: the bulk of a CHK encode (at 3-of-10 the
 * block hashes alone are 3.3× the plaintext; spec §2.5), and checking and decoding one on the
 * way back. What a segment worker runs (`segment-worker.ts`), and the inline coder; the pool of
 * worker threads is `segment-workers.ts`.
 */
import { aesCtr, equalBytes, TAG, taggedHash } from '@tessera/caps';
import { allocUninitialized, createCodec } from '@tessera/codec';
import type {
  DecodeJob,
  DecodeResult,
  SegmentJob,
  SegmentResult,
  WorkerJob,
} from './segment-job.ts';

export type { DecodeJob, DecodeResult, SegmentJob, SegmentResult } from './segment-job.ts';

/** Codes segments (N blocks and their N block hashes) and decodes them. */
export interface SegmentCoder {
  code(job: SegmentJob): Promise<SegmentResult>;
  decode(job: DecodeJob): Promise<DecodeResult>;
  close(): Promise<void>;
}

/**
 * Splits a padded segment into k blocks, encodes N, hashes each (spec §2.5 step 2). The blocks
 * are the job's spares (those of the right length), else new buffers; the first k are copies
 * of the segment's bytes, so each block owns its buffer.
 */
export function codeSegment(job: SegmentJob): SegmentResult {
  const { k, n, segment } = job;
  const blockLength = segment.length / k;
  const spares = (job.spares ?? []).filter((b) => b.length === blockLength);
  const block = (): Uint8Array => spares.pop() ?? allocUninitialized(blockLength);
  const inputs: Uint8Array[] = [];
  for (let j = 0; j < k; j++) inputs.push(segment.subarray(j * blockLength, (j + 1) * blockLength));
  const parity = Array.from({ length: n - k }, block);
  createCodec(k, n).encode(inputs, range(k, n), parity);
  const blocks = inputs.map((b) => {
    const own = block();
    own.set(b);
    return own;
  });
  blocks.push(...parity);
  const hashes = new Uint8Array(32 * n);
  blocks.forEach((b, j) => hashes.set(taggedHash(TAG.ENCODED_SUBSHARE, b), 32 * j));
  return { blocks, hashes, segment };
}

/** Checks k blocks, decodes them, checks the ciphertext and decrypts `[from, to)` (spec §2.7). */
export function decodeSegment(job: DecodeJob): DecodeResult {
  const badBlocks: number[] = [];
  job.blocks.forEach((b, i) => {
    if (!equalBytes(taggedHash(TAG.ENCODED_SUBSHARE, b), job.blockHashes[i])) badBlocks.push(i);
  });
  if (badBlocks.length > 0) return { badBlocks };
  const primary = createCodec(job.k, job.n).decode(job.blocks, job.shareNums);
  // The k primary blocks cover the segment (the last one padded): every byte is set below.
  const crypt = allocUninitialized(job.segmentLength);
  let at = 0;
  for (const b of primary) {
    if (at >= crypt.length) break;
    const piece = Math.min(b.length, crypt.length - at);
    crypt.set(piece === b.length ? b : b.subarray(0, piece), at);
    at += piece;
  }
  if (!equalBytes(taggedHash(TAG.CRYPTTEXT_SEGMENT, crypt), job.segmentHash))
    return { badCiphertext: true };
  const plain = aesCtr(job.key, job.segmentOffset + job.from).update(
    crypt.subarray(job.from, job.to),
  );
  return { plain };
}

/** Runs a posted job on the calling thread (what a worker does with it). */
export function runJob(job: WorkerJob): SegmentResult | DecodeResult {
  return job.kind === 'code' ? codeSegment(job) : decodeSegment(job);
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

/** Codes on the calling thread. */
export function inlineCoder(): SegmentCoder {
  return {
    code: (job) => Promise.resolve(codeSegment(job)),
    decode: (job) => Promise.resolve(decodeSegment(job)),
    close: () => Promise.resolve(),
  };
}
