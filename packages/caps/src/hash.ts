/**
 * SHA-256d and Tahoe's tagged hashes (spec §1.1). Bulk hashing goes through `node:crypto`
 * (SHA-NI on this machine class; STYLE §2), small values too since the call overhead is low.
 */
import { createHash, type Hash } from 'node:crypto';
import { netstring } from './netstring.ts';

const encoder = new TextEncoder();

function asBytes(x: Uint8Array | string): Uint8Array {
  return typeof x === 'string' ? encoder.encode(x) : x;
}

function digest(h: Hash): Uint8Array {
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return digest(createHash('sha256').update(data));
}

/** SHA-256d: SHA-256 of SHA-256 of `data`. */
export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

/** Incremental tagged SHA-256d: `sha256d(ns(tag) ‖ data…)`. */
export interface TaggedHasher {
  update(data: Uint8Array): TaggedHasher;
  /** Finishes the hash; `truncate` keeps the leading bytes. */
  digest(truncate?: number): Uint8Array;
}

/** Starts an incremental tagged hash `H[tag](…)` (spec §1.1). */
export function taggedHasher(tag: Uint8Array | string): TaggedHasher {
  const inner = createHash('sha256').update(netstring(tag));
  const hasher: TaggedHasher = {
    update(data) {
      inner.update(data);
      return hasher;
    },
    digest(truncate = 32) {
      return sha256(digest(inner)).subarray(0, truncate);
    },
  };
  return hasher;
}

/** `H[tag](data)`: `sha256d(ns(tag) ‖ data)`, optionally truncated (spec §1.1). */
export function taggedHash(
  tag: Uint8Array | string,
  data: Uint8Array | string,
  truncate = 32,
): Uint8Array {
  return taggedHasher(tag).update(asBytes(data)).digest(truncate);
}

/** `H2[tag](a, b)`: `sha256d(ns(tag) ‖ ns(a) ‖ ns(b))` (spec §1.1). */
export function taggedPairHash(
  tag: Uint8Array | string,
  a: Uint8Array | string,
  b: Uint8Array | string,
  truncate = 32,
): Uint8Array {
  return taggedHasher(tag).update(netstring(a)).update(netstring(b)).digest(truncate);
}
