/**
 * The CHK share layout (spec §2.9): a v1 (uint32) or v2 (uint64) header of offsets, then the
 * blocks, the (unused, zero) plaintext hash tree, the crypttext hash tree, this share's block
 * hash tree, its share hash chain, and the length-prefixed UEB.
 */
import { HASH_LENGTH } from './constants.ts';
import { MalformedShareError } from './errors.ts';
import { hashTreeNodeCount, neededHashes } from './merkle.ts';
import type { ChkParams } from './chk-key.ts';

/** Byte offsets of a share's sections, from the start of the share data. */
export interface ChkShareOffsets {
  readonly data: number;
  readonly plaintextHashTree: number;
  readonly crypttextHashTree: number;
  readonly blockHashTree: number;
  readonly shareHashChain: number;
  readonly uriExtension: number;
}

/** Everything needed to write or read one CHK share of a given file. */
export interface ChkShareLayout {
  readonly version: 1 | 2;
  readonly headerLength: number;
  readonly blockSize: number;
  readonly shareDataLength: number;
  readonly offsets: ChkShareOffsets;
  /** Bytes of each hash tree section: `(2P-1) × 32`. */
  readonly hashTreeLength: number;
  /** Entries in the share hash chain. */
  readonly shareHashChainEntries: number;
  /** 4 in v1, 8 in v2. */
  readonly uebLengthFieldSize: 4 | 8;
  readonly uebLength: number;
  /** Total bytes of the share, which the uploader allocates and writes. */
  readonly allocatedSize: number;
}

const V1_HEADER = 0x24;
const V2_HEADER = 0x44;
const LIMIT_V1 = 2 ** 32;
/** Bytes per share hash chain entry: uint16 node index + hash. */
export const SHARE_HASH_ENTRY_LENGTH = 2 + HASH_LENGTH;

/**
 * The layout of every share of a CHK file. v1 unless a field would not fit in 32 bits
 * (or `forceV2`), as Tahoe's `make_write_bucket_proxy` decides.
 */
export function chkShareLayout(
  params: ChkParams,
  uebLength: number,
  options: { forceV2?: boolean } = {},
): ChkShareLayout {
  const treeLength = hashTreeNodeCount(params.numSegments) * HASH_LENGTH;
  const chainEntries = neededHashes(params.totalShares, 0, true).length;
  const build = (version: 1 | 2): ChkShareLayout => {
    const headerLength = version === 1 ? V1_HEADER : V2_HEADER;
    const data = headerLength;
    const plaintextHashTree = data + params.shareDataLength;
    const crypttextHashTree = plaintextHashTree + treeLength;
    const blockHashTree = crypttextHashTree + treeLength;
    const shareHashChain = blockHashTree + treeLength;
    const uriExtension = shareHashChain + chainEntries * SHARE_HASH_ENTRY_LENGTH;
    const uebLengthFieldSize = version === 1 ? 4 : 8;
    return {
      version,
      headerLength,
      blockSize: params.blockSize,
      shareDataLength: params.shareDataLength,
      offsets: {
        data,
        plaintextHashTree,
        crypttextHashTree,
        blockHashTree,
        shareHashChain,
        uriExtension,
      },
      hashTreeLength: treeLength,
      shareHashChainEntries: chainEntries,
      uebLengthFieldSize,
      uebLength,
      allocatedSize: uriExtension + uebLengthFieldSize + uebLength,
    };
  };
  const v1 = build(1);
  const fitsV1 =
    v1.blockSize < LIMIT_V1 && v1.shareDataLength < LIMIT_V1 && v1.offsets.uriExtension < LIMIT_V1;
  return fitsV1 && options.forceV2 !== true ? v1 : build(2);
}

/** The header bytes of a share with this layout. */
export function encodeChkShareHeader(layout: ChkShareLayout): Uint8Array {
  const out = new Uint8Array(layout.headerLength);
  const view = new DataView(out.buffer);
  const o = layout.offsets;
  const fields = [
    layout.blockSize,
    layout.shareDataLength,
    o.data,
    o.plaintextHashTree,
    o.crypttextHashTree,
    o.blockHashTree,
    o.shareHashChain,
    o.uriExtension,
  ];
  view.setUint32(0, layout.version);
  fields.forEach((v, i) => {
    if (layout.version === 1) view.setUint32(4 + 4 * i, v);
    else view.setBigUint64(4 + 8 * i, BigInt(v));
  });
  return out;
}

/** What a share's header says; readers trust only the offsets (spec §2.9). */
export interface ChkShareHeader {
  readonly version: 1 | 2;
  readonly headerLength: number;
  /** Written by uploaders, ignored by readers. */
  readonly blockSize: number;
  /** Written by uploaders, ignored by readers. */
  readonly shareDataLength: number;
  readonly offsets: ChkShareOffsets;
  readonly uebLengthFieldSize: 4 | 8;
}

/** Bytes a reader should fetch to be sure of having the whole header (v2 is longest). */
export const MAX_CHK_HEADER_LENGTH = V2_HEADER;

/**
 * Parses a share header from its first bytes (at least 0x24 for v1, 0x44 for v2).
 * @throws {MalformedShareError} CAPS_MALFORMED_SHARE for an unknown version, a short read,
 * or offsets out of order
 */
export function decodeChkShareHeader(bytes: Uint8Array): ChkShareHeader {
  if (bytes.length < 4) throw new MalformedShareError('Cannot parse share header: too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(0);
  if (version !== 1 && version !== 2) {
    throw new MalformedShareError(`Cannot parse share header: unknown version ${version}`);
  }
  const headerLength = version === 1 ? V1_HEADER : V2_HEADER;
  if (bytes.length < headerLength) {
    throw new MalformedShareError(
      `Cannot parse share header: ${bytes.length} bytes, need ${headerLength}`,
    );
  }
  const field = (i: number): number => {
    if (version === 1) return view.getUint32(4 + 4 * i);
    const v = view.getBigUint64(4 + 8 * i);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new MalformedShareError(`Cannot parse share header: field ${i} is too large`);
    }
    return Number(v);
  };
  const [blockSize, shareDataLength, data, pt, ct, bht, shc, ueb] = [0, 1, 2, 3, 4, 5, 6, 7].map(
    field,
  );
  const ordered = [data, pt, ct, bht, shc, ueb];
  if (data !== headerLength || ordered.some((v, i) => i > 0 && v < ordered[i - 1])) {
    throw new MalformedShareError('Cannot parse share header: offsets out of order');
  }
  return {
    version,
    headerLength,
    blockSize,
    shareDataLength,
    offsets: {
      data,
      plaintextHashTree: pt,
      crypttextHashTree: ct,
      blockHashTree: bht,
      shareHashChain: shc,
      uriExtension: ueb,
    },
    uebLengthFieldSize: version === 1 ? 4 : 8,
  };
}

/** Serializes share hash chain entries: uint16 index then the 32-byte hash, in the given order. */
export function encodeShareHashChain(
  entries: readonly (readonly [number, Uint8Array])[],
): Uint8Array {
  const out = new Uint8Array(entries.length * SHARE_HASH_ENTRY_LENGTH);
  const view = new DataView(out.buffer);
  entries.forEach(([index, hash], i) => {
    view.setUint16(i * SHARE_HASH_ENTRY_LENGTH, index);
    out.set(hash, i * SHARE_HASH_ENTRY_LENGTH + 2);
  });
  return out;
}

/**
 * Parses share hash chain entries.
 * @throws {MalformedShareError} CAPS_MALFORMED_SHARE when the length is not a whole number of entries
 */
export function decodeShareHashChain(bytes: Uint8Array): [number, Uint8Array][] {
  if (bytes.length % SHARE_HASH_ENTRY_LENGTH !== 0) {
    throw new MalformedShareError('Cannot parse share hash chain: partial entry');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: [number, Uint8Array][] = [];
  for (let o = 0; o < bytes.length; o += SHARE_HASH_ENTRY_LENGTH) {
    out.push([view.getUint16(o), bytes.slice(o + 2, o + SHARE_HASH_ENTRY_LENGTH)]);
  }
  return out;
}

/** Encodes the UEB length field (uint32 in v1, uint64 in v2) followed by the UEB. */
export function encodeUebWithLength(ueb: Uint8Array, fieldSize: 4 | 8): Uint8Array {
  const out = new Uint8Array(fieldSize + ueb.length);
  const view = new DataView(out.buffer);
  if (fieldSize === 4) view.setUint32(0, ueb.length);
  else view.setBigUint64(0, BigInt(ueb.length));
  out.set(ueb, fieldSize);
  return out;
}

/** Checks that a header's offsets are exactly those of the expected layout. */
export function headerMatchesLayout(header: ChkShareHeader, layout: ChkShareLayout): boolean {
  const a = header.offsets;
  const b = layout.offsets;
  return (
    header.version === layout.version &&
    a.data === b.data &&
    a.plaintextHashTree === b.plaintextHashTree &&
    a.crypttextHashTree === b.crypttextHashTree &&
    a.blockHashTree === b.blockHashTree &&
    a.shareHashChain === b.shareHashChain &&
    a.uriExtension === b.uriExtension
  );
}
