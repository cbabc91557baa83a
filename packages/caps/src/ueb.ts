/**
 * The URI extension block (spec §2.8): the sorted `key:ns(value)` record every share carries,
 * whose hash goes into the cap.
 */
import { TAG, HASH_LENGTH, MAX_UEB_LENGTH } from './constants.ts';
import { MalformedUebError } from './errors.ts';
import { taggedHash } from './hash.ts';
import { netstring, readNetstring } from './netstring.ts';
import type { ChkParams } from './chk-key.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const KEY_PATTERN = /^[a-zA-Z_-]+$/;

/** The fields of a CHK file's UEB, as Tahoe's current writer emits them. */
export interface ChkUeb {
  readonly codecName: 'crs';
  readonly segmentSize: number;
  readonly neededShares: number;
  readonly totalShares: number;
  readonly size: number;
  readonly numSegments: number;
  /** Padded tail segment size, from `tail_codec_params`. */
  readonly paddedTailSize: number;
  readonly crypttextHash: Uint8Array;
  readonly crypttextRootHash: Uint8Array;
  readonly shareRootHash: Uint8Array;
}

/**
 * Serializes a UEB: keys sorted bytewise, each `key ":" ns(value)`, no separators.
 * @throws {RangeError} for a key outside `[a-zA-Z_-]+`
 */
export function encodeUeb(
  fields: Readonly<Record<string, Uint8Array | string | number>>,
): Uint8Array {
  const keys = Object.keys(fields).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: Uint8Array[] = [];
  for (const key of keys) {
    if (!KEY_PATTERN.test(key)) throw new RangeError(`Bad UEB key ${JSON.stringify(key)}`);
    const v = fields[key];
    parts.push(encoder.encode(`${key}:`), netstring(typeof v === 'number' ? String(v) : v));
  }
  return concat(parts);
}

/** Builds the UEB of a CHK file from its parameters and root hashes (spec §2.8). */
export function encodeChkUeb(
  params: ChkParams,
  hashes: { crypttextHash: Uint8Array; crypttextRootHash: Uint8Array; shareRootHash: Uint8Array },
): Uint8Array {
  const k = params.neededShares;
  const n = params.totalShares;
  return encodeUeb({
    codec_name: 'crs',
    codec_params: `${params.segmentSize}-${k}-${n}`,
    tail_codec_params: `${params.paddedTailSize}-${k}-${n}`,
    size: params.size,
    segment_size: params.segmentSize,
    num_segments: params.numSegments,
    needed_shares: k,
    total_shares: n,
    crypttext_hash: hashes.crypttextHash,
    crypttext_root_hash: hashes.crypttextRootHash,
    share_root_hash: hashes.shareRootHash,
  });
}

/** The length of a CHK UEB for these parameters (hashes are fixed-size), known before upload. */
export function chkUebLength(params: ChkParams): number {
  const zero = new Uint8Array(HASH_LENGTH);
  return encodeChkUeb(params, { crypttextHash: zero, crypttextRootHash: zero, shareRootHash: zero })
    .length;
}

/** `H["allmydata_uri_extension_v1"](ueb)`, the hash a CHK cap pins. */
export function uebHash(ueb: Uint8Array): Uint8Array {
  return taggedHash(TAG.URI_EXTENSION, ueb);
}

/**
 * Parses a UEB into its raw fields.
 * @throws {MalformedUebError} CAPS_MALFORMED_UEB
 */
export function decodeUeb(bytes: Uint8Array): Map<string, Uint8Array> {
  if (bytes.length >= MAX_UEB_LENGTH) {
    throw new MalformedUebError(`Cannot parse UEB: ${bytes.length} bytes is too long`);
  }
  const out = new Map<string, Uint8Array>();
  let i = 0;
  while (i < bytes.length) {
    const colon = bytes.indexOf(0x3a, i);
    if (colon < 0) throw new MalformedUebError(`Cannot parse UEB: no ":" after key at ${i}`);
    let key: string;
    try {
      key = decoder.decode(bytes.subarray(i, colon));
    } catch {
      throw new MalformedUebError(`Cannot parse UEB: key at ${i} is not UTF-8`);
    }
    if (!KEY_PATTERN.test(key)) throw new MalformedUebError(`Cannot parse UEB: bad key at ${i}`);
    if (out.has(key)) throw new MalformedUebError(`Cannot parse UEB: duplicate key "${key}"`);
    let entry;
    try {
      entry = readNetstring(bytes, colon + 1);
    } catch (err) {
      throw new MalformedUebError(
        `Cannot parse UEB: bad value of "${key}": ${(err as Error).message}`,
      );
    }
    out.set(key, entry.value);
    i = entry.end;
  }
  return out;
}

/**
 * Parses and checks a CHK UEB: every field present and well-formed, consistent parameters.
 * @throws {MalformedUebError} CAPS_MALFORMED_UEB
 */
export function decodeChkUeb(bytes: Uint8Array): ChkUeb {
  const f = decodeUeb(bytes);
  const text = (key: string): string => {
    const v = f.get(key);
    if (v === undefined) throw new MalformedUebError(`Cannot parse UEB: missing "${key}"`);
    try {
      return decoder.decode(v);
    } catch {
      throw new MalformedUebError(`Cannot parse UEB: "${key}" is not text`);
    }
  };
  const num = (key: string, s = text(key)): number => {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(s))
      throw new MalformedUebError(`Cannot parse UEB: "${key}" is not a number`);
    const v = Number(s);
    if (!Number.isSafeInteger(v))
      throw new MalformedUebError(`Cannot parse UEB: "${key}" is too large`);
    return v;
  };
  const hash = (key: string): Uint8Array => {
    const v = f.get(key);
    if (v?.length !== HASH_LENGTH)
      throw new MalformedUebError(`Cannot parse UEB: "${key}" is not 32 bytes`);
    return v;
  };
  const codecParams = (key: string): [number, number, number] => {
    const parts = text(key).split('-');
    if (parts.length !== 3) throw new MalformedUebError(`Cannot parse UEB: bad "${key}"`);
    return [num(key, parts[0]), num(key, parts[1]), num(key, parts[2])];
  };
  if (text('codec_name') !== 'crs')
    throw new MalformedUebError('Cannot parse UEB: codec is not "crs"');
  const ueb: ChkUeb = {
    codecName: 'crs',
    segmentSize: num('segment_size'),
    neededShares: num('needed_shares'),
    totalShares: num('total_shares'),
    size: num('size'),
    numSegments: num('num_segments'),
    paddedTailSize: codecParams('tail_codec_params')[0],
    crypttextHash: hash('crypttext_hash'),
    crypttextRootHash: hash('crypttext_root_hash'),
    shareRootHash: hash('share_root_hash'),
  };
  const [segsize, k, n] = codecParams('codec_params');
  const [, tk, tn] = codecParams('tail_codec_params');
  const { neededShares, totalShares, segmentSize, size, numSegments, paddedTailSize } = ueb;
  const consistent =
    segsize === segmentSize &&
    k === neededShares &&
    tk === k &&
    n === totalShares &&
    tn === n &&
    k >= 1 &&
    k <= n &&
    n <= 256 &&
    segmentSize >= 1 &&
    segmentSize % k === 0 &&
    size >= 1 &&
    numSegments === Math.ceil(size / segmentSize) &&
    paddedTailSize === Math.ceil((size % segmentSize || segmentSize) / k) * k;
  if (!consistent)
    throw new MalformedUebError('Cannot parse UEB: inconsistent encoding parameters');
  return ueb;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
