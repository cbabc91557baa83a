/**
 * The verifying CHK decoder (spec §2.7, §4.4): every byte it uses is checked against the cap
 * before it is trusted — UEB hash ← cap; share hash chain → `share_root_hash`; block hash tree
 * root = this share's leaf; block → block tree; decoded ciphertext segment → crypttext tree.
 * A share that fails a check is dropped (and reported) and another one is used.
 */
import {
  chkParams,
  chkShareLayout,
  decodeChkShareHeader,
  decodeChkUeb,
  decodeShareHashChain,
  equalBytes,
  HashTree,
  headerMatchesLayout,
  IncompleteHashTree,
  MAX_CHK_HEADER_LENGTH,
  MAX_UEB_LENGTH,
  uebHash,
  HASH_LENGTH,
  type ChkParams,
  type ChkShareLayout,
  type ChkUeb,
} from '@tessera/caps';
import { createSegmentCoder } from './segment-workers.ts';
import { withDeadline } from './deadline.ts';
import {
  BadCiphertextError,
  BadRangeError,
  CorruptShareError,
  NotEnoughSharesError,
} from './errors.ts';

/** Random access to one share's bytes, wherever they are. */
export interface ShareReader {
  readonly shareNum: number;
  /** Reads up to `length` bytes at `offset`; returns fewer only at the end of the share. */
  read(offset: number, length: number, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

/** The fields of a CHK read cap the decoder needs. */
export interface ChkDecodeCap {
  readonly key: Uint8Array;
  readonly uebHash: Uint8Array;
  readonly neededShares: number;
  readonly totalShares: number;
  readonly size: number;
}

/** Options of {@link decodeChk}. */
export interface ChkDecodeOptions {
  /** Bytes `[start, end)` of the plaintext (default: all). */
  range?: { start: number; end: number };
  signal?: AbortSignal;
  /** Called for each share found corrupt, with the reader it came from, so the caller can tell its server. */
  onCorruptShare?: (error: CorruptShareError, reader: ShareReader) => void;
  /** Called with plaintext bytes produced so far. */
  onProgress?: (event: { bytes: number; total: number }) => void;
  /** Deadline of one read from a share, ms (default 10 s); a slower share is replaced. */
  readTimeoutMs?: number;
  /**
   * Segments fetched ahead of the one being consumed (default 8): enough that reads from the
   * servers overlap each other and the decoding; memory is about this many segments.
   */
  segmentsAhead?: number;
  /**
   * Blocks of one share fetched by one read, at most (default 6): the next segments' blocks come
   * with the one asked for, as the segments ahead will need them. A server's cost is largely per
   * request, and a 1 MiB segment's 3-of-n block is only 341 KiB.
   */
  blocksPerRead?: number;
  /**
   * Worker threads that check, decode and decrypt segments, off the thread that receives them
   * (default: as the encoder, one per core beyond the first); 0 does it on the calling thread.
   * A one-segment file never uses them.
   */
  workers?: number;
}

const DEFAULT_SEGMENTS_AHEAD = 8;
const DEFAULT_BLOCKS_PER_READ = 6;

/** Default deadline of one share read (spec §4.4: a request is overdue after 10 s). */
export const DEFAULT_READ_TIMEOUT_MS = 10_000;

interface ShareState {
  readonly reader: ShareReader;
  /** Block hashes of this share, validated against the share tree. */
  blockHashes?: Uint8Array[];
  failed: boolean;
  /** Blocks being read ahead (unverified), by segment; taken out when used. */
  readonly ahead: Map<number, Promise<Uint8Array>>;
}

interface FileState {
  ueb: ChkUeb;
  uebBytes: Uint8Array;
  params: ChkParams;
  layout: ChkShareLayout;
  shareTree: IncompleteHashTree;
  segmentHashes?: Uint8Array[];
}

/**
 * Streams the plaintext of a CHK file from any k of its shares, verifying everything. Readers
 * are tried in order; several may read the same share (copies on different servers), and a
 * copy that fails or is corrupt is replaced by the next one.
 * @throws {NotEnoughSharesError} IMMUTABLE_NOT_ENOUGH_SHARES when fewer than k good shares remain
 * @throws {BadCiphertextError} IMMUTABLE_BAD_CIPHERTEXT when k valid shares decode to the wrong ciphertext
 * @throws {BadRangeError} IMMUTABLE_BAD_RANGE for a range outside the file
 */
export async function* decodeChk(
  cap: ChkDecodeCap,
  readers: readonly ShareReader[],
  options: ChkDecodeOptions = {},
): AsyncGenerator<Uint8Array> {
  const { signal } = options;
  const k = cap.neededShares;
  const range = options.range ?? { start: 0, end: cap.size };
  if (
    !Number.isSafeInteger(range.start) ||
    !Number.isSafeInteger(range.end) ||
    range.start < 0 ||
    range.end > cap.size ||
    range.start > range.end
  ) {
    throw new BadRangeError(
      `Cannot read bytes ${range.start}-${range.end} of a ${cap.size}-byte file`,
    );
  }
  if (range.start === range.end) return;
  // Several readers may hold the same share (copies on two servers): the first good one is used,
  // the others are alternates.
  const shares = readers.map((reader): ShareState => ({
    reader,
    failed: false,
    ahead: new Map(),
  }));
  const blocksPerRead = Math.max(1, options.blocksPerRead ?? DEFAULT_BLOCKS_PER_READ);
  /** The last segment the range needs: reads ahead stop there. */
  let lastSegment = 0;
  let file: FileState | undefined;
  const corrupt: string[] = [];

  const markBad = (s: ShareState, err: unknown): void => {
    s.failed = true;
    if (err instanceof CorruptShareError) {
      corrupt.push(err.message);
      options.onCorruptShare?.(err, s.reader);
    } else {
      corrupt.push(`share ${s.reader.shareNum}: ${(err as Error).message}`);
    }
  };

  /**
   * Reads from a share with a deadline: a share whose server is slow to answer is dropped like
   * a failed one, and another share is used (spec §4.4: overdue requests try another share).
   */
  const read = (s: ShareState, offset: number, length: number): Promise<Uint8Array> =>
    withDeadline(options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS, signal, (deadline) =>
      s.reader.read(offset, length, { signal: deadline }),
    );

  /** Reads and validates a share's metadata; afterwards it can serve blocks. */
  const prepare = async (s: ShareState): Promise<void> => {
    const num = s.reader.shareNum;
    const headerBytes = await read(s, 0, MAX_CHK_HEADER_LENGTH);
    const header = wrapCorrupt(num, () => decodeChkShareHeader(headerBytes));
    const o = header.offsets;
    const uebArea = await read(s, o.uriExtension, header.uebLengthFieldSize + MAX_UEB_LENGTH);
    if (uebArea.length < header.uebLengthFieldSize)
      throw new CorruptShareError(num, undefined, 'share is truncated');
    const view = new DataView(uebArea.buffer, uebArea.byteOffset, uebArea.byteLength);
    const uebLength =
      header.uebLengthFieldSize === 4 ? view.getUint32(0) : Number(view.getBigUint64(0));
    if (uebLength >= MAX_UEB_LENGTH || uebArea.length < header.uebLengthFieldSize + uebLength) {
      throw new CorruptShareError(num, undefined, 'bad UEB length');
    }
    const uebBytes = uebArea.subarray(
      header.uebLengthFieldSize,
      header.uebLengthFieldSize + uebLength,
    );
    if (file === undefined) {
      if (!equalBytes(uebHash(uebBytes), cap.uebHash))
        throw new CorruptShareError(num, undefined, 'UEB hash mismatch');
      const ueb = wrapCorrupt(num, () => decodeChkUeb(uebBytes));
      if (ueb.neededShares !== k || ueb.totalShares !== cap.totalShares || ueb.size !== cap.size) {
        throw new CorruptShareError(num, undefined, 'UEB disagrees with the cap');
      }
      const params = chkParams(ueb.size, k, ueb.totalShares, ueb.segmentSize);
      const shareTree = new IncompleteHashTree(ueb.totalShares);
      shareTree.setHashes([[0, ueb.shareRootHash]]);
      file = {
        ueb,
        uebBytes: uebBytes.slice(),
        params,
        layout: chkShareLayout(params, uebLength, { forceV2: header.version === 2 }),
        shareTree,
      };
    } else if (!equalBytes(uebBytes, file.uebBytes)) {
      throw new CorruptShareError(num, undefined, 'UEB hash mismatch');
    }
    const f = file;
    const layout = chkShareLayout(f.params, uebLength, { forceV2: header.version === 2 });
    if (!headerMatchesLayout(header, layout))
      throw new CorruptShareError(num, undefined, 'bad offsets');
    // Crypttext tree (until one share has given a good one), block tree and hash chain are contiguous.
    const needCrypttext = f.segmentHashes === undefined;
    const start = needCrypttext ? o.crypttextHashTree : o.blockHashTree;
    const meta = await read(s, start, o.uriExtension - start);
    if (meta.length !== o.uriExtension - start)
      throw new CorruptShareError(num, undefined, 'share is truncated');
    const treeLength = layout.hashTreeLength;
    const numSegments = f.params.numSegments;
    let at = 0;
    let segmentHashes: Uint8Array[] | undefined;
    if (needCrypttext) {
      const tree = checkTree(meta.subarray(0, treeLength), numSegments);
      if (tree === undefined || !equalBytes(tree.root, f.ueb.crypttextRootHash)) {
        throw new CorruptShareError(num, undefined, 'crypttext hash tree mismatch');
      }
      segmentHashes = tree.nodes.slice(tree.firstLeaf, tree.firstLeaf + numSegments);
      at = treeLength;
    }
    const blockTree = checkTree(meta.subarray(at, at + treeLength), numSegments);
    if (blockTree === undefined)
      throw new CorruptShareError(num, undefined, 'block hash tree mismatch');
    const chain = wrapCorrupt(num, () => decodeShareHashChain(meta.subarray(at + treeLength)));
    wrapCorrupt(num, () => f.shareTree.setHashes(chain, [[num, blockTree.root]]));
    s.blockHashes = blockTree.nodes.slice(blockTree.firstLeaf, blockTree.firstLeaf + numSegments);
    if (segmentHashes !== undefined) f.segmentHashes ??= segmentHashes;
  };

  const blockLength = (segment: number): number =>
    segment === file!.params.numSegments - 1 ? file!.params.tailBlockSize : file!.params.blockSize;

  /**
   * Share `s`'s block for `segment`, unverified: from a read already under way, or from a new
   * read that also fetches the blocks of up to `blocksPerRead - 1` following segments.
   */
  const takeBlock = (s: ShareState, segment: number): Promise<Uint8Array> => {
    let pending = s.ahead.get(segment);
    if (pending === undefined) {
      const f = file!;
      let end = segment;
      while (end < lastSegment && end + 1 - segment < blocksPerRead && !s.ahead.has(end + 1)) end++;
      const start = f.layout.offsets.data + segment * f.params.blockSize;
      const length = (end - segment) * f.params.blockSize + blockLength(end);
      const run = read(s, start, length);
      for (let g = segment; g <= end; g++) {
        const at = (g - segment) * f.params.blockSize;
        const block = run.then((bytes) => bytes.subarray(at, at + blockLength(g)));
        block.catch(() => undefined); // a block read ahead may never be asked for
        s.ahead.set(g, block);
      }
      pending = s.ahead.get(segment)!;
    }
    s.ahead.delete(segment);
    return pending;
  };

  /** Fetches share `s`'s block for `segment`; its hash is checked with the segment's decode. */
  const fetchBlock = async (s: ShareState, segment: number): Promise<Uint8Array> => {
    const block = await takeBlock(s, segment);
    if (block.length !== blockLength(segment))
      throw new CorruptShareError(s.reader.shareNum, segment, 'block is truncated');
    return block;
  };

  const usable = (): ShareState[] => shares.filter((s) => !s.failed);
  const notEnough = (cause?: unknown): NotEnoughSharesError =>
    new NotEnoughSharesError(
      new Set(usable().map((s) => s.reader.shareNum)).size,
      k,
      corrupt.length > 0 ? corrupt.slice(0, 3).join('; ') : '',
      cause === undefined ? undefined : { cause },
    );

  /** Returns k prepared shares, preparing more as needed. Primary shares first: no decode work. */
  const chooseShares = async (): Promise<ShareState[]> => {
    for (;;) {
      signal?.throwIfAborted();
      const ready = oneOfEach(
        usable()
          .filter((s) => s.blockHashes !== undefined)
          .sort((a, b) => a.reader.shareNum - b.reader.shareNum),
      );
      if (ready.length >= k) return ready.slice(0, k);
      const readyNums = new Set(ready.map((s) => s.reader.shareNum));
      const candidates = oneOfEach(
        usable().filter((s) => s.blockHashes === undefined && !readyNums.has(s.reader.shareNum)),
      );
      if (ready.length + candidates.length < k) throw notEnough();
      const batch = candidates.slice(0, k - ready.length);
      // The first share alone sets the file state; the rest can then go in parallel.
      const first = file === undefined ? batch.slice(0, 1) : batch;
      await Promise.all(
        first.map((s) =>
          prepare(s).catch((err: unknown) => {
            if (signal?.aborted) throw err;
            markBad(s, err);
          }),
        ),
      );
    }
  };

  /** Fetches, checks, decodes and decrypts the range's part of one segment. */
  const fetchSegment = async (segment: number): Promise<Uint8Array> => {
    const f = file!;
    const isTail = segment === f.params.numSegments - 1;
    const segmentLength = isTail ? f.params.tailSize : f.params.segmentSize;
    const segmentOffset = segment * f.params.segmentSize;
    const from = Math.max(range.start, segmentOffset) - segmentOffset;
    const to = Math.min(range.end, segmentOffset + segmentLength) - segmentOffset;
    for (;;) {
      const chosen = await chooseShares();
      const results = await Promise.allSettled(chosen.map((s) => fetchBlock(s, segment)));
      if (results.some((r) => r.status === 'rejected')) {
        if (signal?.aborted) signal.throwIfAborted();
        results.forEach((r, i) => {
          if (r.status === 'rejected') markBad(chosen[i], r.reason);
        });
        continue;
      }
      const result = await coder.decode({
        k,
        n: cap.totalShares,
        blocks: results.map((r) => (r as PromiseFulfilledResult<Uint8Array>).value),
        shareNums: chosen.map((s) => s.reader.shareNum),
        blockHashes: chosen.map((s) => s.blockHashes![segment]),
        segmentLength,
        segmentHash: f.segmentHashes![segment],
        key: cap.key,
        segmentOffset,
        from,
        to,
      });
      if (result.plain !== undefined) return result.plain;
      if (result.badCiphertext) throw new BadCiphertextError(segment);
      for (const i of result.badBlocks) {
        const num = chosen[i].reader.shareNum;
        markBad(chosen[i], new CorruptShareError(num, segment, 'block hash mismatch'));
      }
    }
  };

  // Metadata first, so the segment size (from the UEB) is known.
  await chooseShares();
  const f = file!;
  const coder = createSegmentCoder(f.params.numSegments > 1 ? options.workers : 0);
  const segSize = f.params.segmentSize;
  const first = Math.floor(range.start / segSize);
  const last = Math.floor((range.end - 1) / segSize);
  lastSegment = last;
  let produced = 0;
  // Segments in flight, in order; the first is the one consumed next.
  const ahead: Promise<Uint8Array>[] = [];
  const depth = Math.max(1, options.segmentsAhead ?? DEFAULT_SEGMENTS_AHEAD);
  let fetched = first;
  const fill = (): void => {
    while (ahead.length < depth && fetched <= last) {
      const p = fetchSegment(fetched++);
      p.catch(() => undefined); // awaited in order below; not unhandled meanwhile
      ahead.push(p);
    }
  };
  for (let seg = first; seg <= last; seg++) {
    fill();
    const plain = await ahead.shift()!;
    fill();
    produced += plain.length;
    options.onProgress?.({ bytes: produced, total: range.end - range.start });
    yield plain;
  }
}

/** Rebuilds a stored tree from its leaves; undefined when any stored byte disagrees. */
function checkTree(bytes: Uint8Array, numLeaves: number): HashTree | undefined {
  const leaves: Uint8Array[] = [];
  const p = (bytes.length / HASH_LENGTH + 1) / 2;
  for (let j = 0; j < numLeaves; j++) {
    const at = (p - 1 + j) * HASH_LENGTH;
    leaves.push(bytes.slice(at, at + HASH_LENGTH));
  }
  const tree = new HashTree(leaves);
  return equalBytes(tree.serialize(), bytes) ? tree : undefined;
}

function wrapCorrupt<T>(shareNum: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CorruptShareError) throw err;
    throw new CorruptShareError(shareNum, undefined, (err as Error).message, { cause: err });
  }
}

/** The first share state of each share number, in order. */
function oneOfEach<T extends { reader: ShareReader }>(states: readonly T[]): T[] {
  const seen = new Set<number>();
  return states.filter((s) => {
    if (seen.has(s.reader.shareNum)) return false;
    seen.add(s.reader.shareNum);
    return true;
  });
}
