/**
 * Allocation of output blocks. The WASM kernel overwrites every byte of its outputs, so
 * they need no zeroing: `Buffer.allocUnsafeSlow` (malloc) skips the memset that calloc does
 * on recycled heap memory. Measured here: 3-of-10 encode of 1 MiB ≈ 1550 MB/s this way,
 * ≈ 1360 MB/s with `new Uint8Array(len)`.
 */
import { Buffer } from 'node:buffer';

/**
 * Returns a plain `Uint8Array` of `len` bytes with unspecified contents, over its own
 * `ArrayBuffer`. The caller must overwrite every byte before anyone else sees it.
 */
export function allocUninitialized(len: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(len);
  // A plain Uint8Array, not a Buffer: Buffer#slice makes views, Uint8Array#slice copies.
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}
