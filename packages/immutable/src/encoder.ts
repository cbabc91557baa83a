/**
 * The streaming CHK encoder (spec §2.5): key pass, then per segment encrypt → zfec → block
 * hashes, yielding each share's bytes in Tahoe's write order, then the trees, hash chains and
 * UEB. Memory holds a few segments whatever the file size.
 */
import {
  aesCtr,
  chkParams,
  chkShareLayout,
  chkStorageIndex,
  chkUebLength,
  convergentKeyHasher,
  encodeChkShareHeader,
  encodeChkUeb,
  encodeShareHashChain,
  encodeUebWithLength,
  formatCap,
  HashTree,
  KEY_LENGTH,
  LIT_THRESHOLD,
  randomChkKey,
  TAG,
  taggedHasher,
  uebHash,
  type ChkParams,
  type ChkShareLayout,
} from '@tessera/caps';
import {
  DEFAULT_MAX_SEGMENT_SIZE,
  DEFAULT_NEEDED_SHARES,
  DEFAULT_TOTAL_SHARES,
} from './constants.ts';
import { SourceChangedError } from './errors.ts';
import { fixedChunks, measureSource, type ByteSource } from './source.ts';
import { BlockPool } from './block-pool.ts';
import type { SegmentCoder, SegmentResult } from './segment-coder.ts';
import { createSegmentCoder } from './segment-workers.ts';

/** Options of {@link planChkUpload}. */
export interface ChkEncodeOptions {
  /** k (default 3). */
  neededShares?: number;
  /** N (default 10). */
  totalShares?: number;
  /** Maximum segment size in bytes (default 1 MiB). */
  maxSegmentSize?: number;
  /** The convergence secret; the key is derived from it and the content (two passes). */
  convergenceSecret?: Uint8Array;
  /** A fixed key instead (random-key mode: one pass). Default when no secret is given: random. */
  key?: Uint8Array;
  /** Write v2 shares even when v1 would do (for tests). */
  forceV2?: boolean;
  /** Worker threads for erasure coding and block hashing (default: 1 per extra core, ≤ 2; 0 = inline). */
  workers?: number;
  signal?: AbortSignal;
  /** Called with plaintext bytes read so far, on each pass: `{ pass: 'key' | 'encode' }`. */
  onProgress?: (event: { pass: 'key' | 'encode'; bytes: number; total: number }) => void;
}

/** One `write(offset, data)` into one share's bucket. */
export interface ShareWrite {
  readonly shareNum: number;
  readonly offset: number;
  readonly data: Uint8Array;
  /**
   * Call once `data` has been written (the server acknowledged it) and nothing holds it any
   * more: the encoder reuses its memory for a later block. Never touch `data` afterwards.
   * Optional: a write never released is garbage collected as usual.
   */
  readonly release?: () => void;
}

/** The caps of an encoded file. */
export interface ChkEncodeResult {
  readonly readCap: string;
  readonly verifyCap: string | undefined;
  readonly uebHash: Uint8Array | undefined;
  readonly size: number;
}

/** A file ready to be encoded: its key, storage index and share layout are known. */
export interface ChkUploadPlan {
  /** True for files of 55 bytes or less: no shares, the cap carries the data. */
  readonly literal: boolean;
  readonly size: number;
  readonly params: ChkParams | undefined;
  readonly layout: ChkShareLayout | undefined;
  readonly key: Uint8Array | undefined;
  readonly storageIndex: Uint8Array | undefined;
  /**
   * Encodes the file, yielding batches of share writes in write order: the header and first
   * block, each later block, then the tail sections. `shareNums` limits which shares are
   * produced (default all). Consume it fully, then call {@link ChkUploadPlan.result}.
   */
  encode(shareNums?: readonly number[]): AsyncGenerator<ShareWrite[]>;
  /** The caps, once `encode` has finished (a literal file needs no encode). */
  result(): ChkEncodeResult;
}

/**
 * Prepares a CHK upload: measures the source, derives the key (reading the source once for a
 * convergent key) and computes the storage index and the share layout.
 * @throws {RangeError} for bad encoding parameters
 * @example
 * ```ts
 * const plan = await planChkUpload(await fileSource('f.bin'), { convergenceSecret });
 * for await (const batch of plan.encode()) for (const w of batch) await bucket[w.shareNum].write(w.offset, w.data);
 * console.log(plan.result().readCap);
 * ```
 */
export async function planChkUpload(
  source: ByteSource,
  options: ChkEncodeOptions = {},
): Promise<ChkUploadPlan> {
  const k = options.neededShares ?? DEFAULT_NEEDED_SHARES;
  const n = options.totalShares ?? DEFAULT_TOTAL_SHARES;
  const maxSegmentSize = options.maxSegmentSize ?? DEFAULT_MAX_SEGMENT_SIZE;
  const { signal } = options;
  const size = await measureSource(source, signal);
  if (size <= LIT_THRESHOLD) return literalPlan(source, size, signal);

  const params = chkParams(size, k, n, maxSegmentSize);
  // Workers pay off from the second segment on; starting them now overlaps their startup
  // with the key pass. A one-segment file codes inline.
  const coder = createSegmentCoder(params.numSegments > 1 ? options.workers : 0);
  let key: Uint8Array;
  if (options.key !== undefined) {
    if (options.key.length !== KEY_LENGTH) throw new RangeError('CHK key must be 16 bytes');
    key = options.key;
  } else if (options.convergenceSecret !== undefined) {
    const hasher = convergentKeyHasher(options.convergenceSecret, params);
    let read = 0;
    for await (const chunk of source.open({ signal, chunkSize: maxSegmentSize, transient: true })) {
      hasher.update(chunk);
      read += chunk.length;
      options.onProgress?.({ pass: 'key', bytes: read, total: size });
    }
    if (read !== size)
      throw new SourceChangedError(`Cannot encode: source was ${size} bytes, then ${read}`);
    key = hasher.digest(KEY_LENGTH);
  } else {
    key = randomChkKey();
  }
  const storageIndex = chkStorageIndex(key);
  const layout = chkShareLayout(params, chkUebLength(params), { forceV2: options.forceV2 });
  let result: ChkEncodeResult | undefined;

  return {
    literal: false,
    size,
    params,
    layout,
    key,
    storageIndex,
    async *encode(shareNums) {
      const wanted = shareNums === undefined ? [...Array(n).keys()] : [...shareNums];
      result = yield* encodeShares(source, params, layout, key, wanted, coder, options);
    },
    result() {
      if (result === undefined)
        throw new Error('ChkUploadPlan.result() called before encode() finished');
      return result;
    },
  };
}

async function literalPlan(
  source: ByteSource,
  size: number,
  signal?: AbortSignal,
): Promise<ChkUploadPlan> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source.open({ signal })) parts.push(chunk);
  const data = Buffer.concat(parts);
  if (data.length !== size)
    throw new SourceChangedError(`Cannot encode: source was ${size} bytes, then ${data.length}`);
  const readCap = formatCap({ kind: 'lit', data: new Uint8Array(data) });
  return {
    literal: true,
    size,
    params: undefined,
    layout: undefined,
    key: undefined,
    storageIndex: undefined,
    async *encode() {},
    result: () => ({ readCap, verifyCap: undefined, uebHash: undefined, size }),
  };
}

/**
 * Segments coded ahead of the one being yielded, so the workers never wait. Each holds its N
 * blocks (3.3 MiB at 1 MiB 3-of-10): 4 held ~7 MiB more than 2 in a 1 GiB put, no faster.
 */
const SEGMENTS_IN_FLIGHT = 2;

async function* encodeShares(
  source: ByteSource,
  params: ChkParams,
  layout: ChkShareLayout,
  key: Uint8Array,
  wanted: number[],
  coder: SegmentCoder,
  options: ChkEncodeOptions,
): AsyncGenerator<ShareWrite[], ChkEncodeResult> {
  const { neededShares: k, totalShares: n, segmentSize, numSegments } = params;
  const cipher = aesCtr(key);
  const crypttextHasher = taggedHasher(TAG.CRYPTTEXT);
  const segmentHashes: Uint8Array[] = [];
  const header = encodeChkShareHeader(layout);
  // Every share's block hashes, segment by segment.
  const blockHashes: Uint8Array[][] = Array.from({ length: n }, () => []);
  const inFlight: Promise<SegmentResult>[] = [];

  let emitted = 0;
  let read = 0;
  // Buffers reused from segment to segment (see block-pool.ts): padded segments, which come
  // back with their results, and blocks, given back by the consumer (ShareWrite.release).
  const segmentBuffers = new BlockPool();
  const spareBlocks = new BlockPool();
  const emit = (r: SegmentResult): ShareWrite[] => {
    const segment = emitted++;
    segmentBuffers.give(r.segment);
    for (let j = 0; j < n; j++) blockHashes[j].push(r.hashes.subarray(32 * j, 32 * j + 32));
    const offset = layout.offsets.data + segment * params.blockSize;
    const writes = wanted.map((shareNum): ShareWrite => {
      const block = r.blocks[shareNum];
      if (segment === 0) return { shareNum, offset: 0, data: concat2(header, block) };
      let released = false;
      const release = (): void => {
        // Only once: a second call could give back the block after its reuse.
        if (!released) spareBlocks.give(block);
        released = true;
      };
      return { shareNum, offset, data: block, release };
    });
    // Blocks no write carries (unwanted shares; the first segment's, copied behind the header).
    const carried = new Set(writes.map((w) => w.data));
    for (const b of r.blocks) if (!carried.has(b)) spareBlocks.give(b);
    return writes;
  };

  try {
    let segment = 0;
    const chunks = fixedChunks(
      source.open({ signal: options.signal, chunkSize: segmentSize, transient: true }),
      segmentSize,
    );
    for await (const plain of chunks) {
      if (segment >= numSegments) throw new SourceChangedError('Cannot encode: source grew');
      const isTail = segment === numSegments - 1;
      if (plain.length !== (isTail ? params.tailSize : segmentSize)) {
        throw new SourceChangedError('Cannot encode: source changed size');
      }
      const crypt = cipher.update(plain);
      crypttextHasher.update(crypt);
      segmentHashes.push(taggedHasher(TAG.CRYPTTEXT_SEGMENT).update(crypt).digest());
      const paddedLength = (isTail ? params.tailBlockSize : params.blockSize) * k;
      // Into a buffer that comes back with the result: `crypt` dies here, young and cheap to
      // collect, and the segment buffers moving between threads are a handful, reused.
      const padded = segmentBuffers.take(paddedLength);
      padded.set(crypt);
      padded.fill(0, crypt.length);
      const spares = spareBlocks.takeSpares(paddedLength / k, n);
      inFlight.push(coder.code({ k, n, segment: padded, spares }));
      read += plain.length;
      options.onProgress?.({ pass: 'encode', bytes: read, total: params.size });
      segment++;
      if (inFlight.length >= SEGMENTS_IN_FLIGHT) yield emit(await inFlight.shift()!);
    }
    if (segment !== numSegments) throw new SourceChangedError('Cannot encode: source shrank');
    while (inFlight.length > 0) yield emit(await inFlight.shift()!);
  } finally {
    // Do not leave rejections of abandoned segments unhandled.
    for (const p of inFlight) p.catch(() => undefined);
  }

  const crypttextTree = new HashTree(segmentHashes);
  const blockTrees = blockHashes.map((hashes) => new HashTree(hashes));
  const shareTree = new HashTree(blockTrees.map((t) => t.root));
  const ueb = encodeChkUeb(params, {
    crypttextHash: crypttextHasher.digest(),
    crypttextRootHash: crypttextTree.root,
    shareRootHash: shareTree.root,
  });
  const uebBytes = encodeUebWithLength(ueb, layout.uebLengthFieldSize);
  const plaintextTree = new Uint8Array(layout.hashTreeLength);
  const crypttextTreeBytes = crypttextTree.serialize();
  yield wanted.map((shareNum) => {
    const tail = new Uint8Array(layout.allocatedSize - layout.offsets.plaintextHashTree);
    let o = 0;
    for (const part of [
      plaintextTree,
      crypttextTreeBytes,
      blockTrees[shareNum].serialize(),
      encodeShareHashChain(shareTree.chain(shareNum, true)),
      uebBytes,
    ]) {
      tail.set(part, o);
      o += part.length;
    }
    return { shareNum, offset: layout.offsets.plaintextHashTree, data: tail };
  });

  const hash = uebHash(ueb);
  const common = { uebHash: hash, neededShares: k, totalShares: n, size: params.size };
  const readCap = formatCap({ kind: 'chk', key, ...common });
  const verifyCap = formatCap({
    kind: 'chk-verifier',
    storageIndex: chkStorageIndex(key),
    ...common,
  });
  return { readCap, verifyCap, uebHash: hash, size: params.size };
}

function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
