/**
 * Arithmetic in GF(2^8) with zfec's field: polynomial 0x11D, generator 2 (Tahoe §2.6).
 * Addition is XOR; multiplication goes through log/exp tables, and a full 256×256 product
 * table serves the kernels.
 */
import { GF_GENERATOR, GF_POLYNOMIAL } from './constants.ts';

/** `GF_EXP[i] = α^i` for i in [0, 510): doubled so `GF_EXP[log a + log b]` needs no mod. */
export const GF_EXP: Uint8Array = new Uint8Array(510);

/** `GF_LOG[x] = i` with `α^i = x`, for x ≠ 0 (`GF_LOG[0]` is unused and left 0). */
export const GF_LOG: Uint8Array = new Uint8Array(256);

/** `GF_INV[x]` = the multiplicative inverse of x (`GF_INV[0]` is unused and left 0). */
export const GF_INV: Uint8Array = new Uint8Array(256);

/** `GF_MUL_TABLE[a * 256 + b] = a ⊗ b`: row a is "multiply by a" as a lookup table. */
export const GF_MUL_TABLE: Uint8Array = new Uint8Array(256 * 256);

{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = x;
    GF_EXP[i + 255] = x;
    GF_LOG[x] = i;
    // Multiply by α = 2: shift, and reduce by the polynomial when x^8 appears.
    x *= GF_GENERATOR;
    if (x & 0x100) x ^= GF_POLYNOMIAL;
  }
  // Tahoe §2.6: inverse[x] = α^(255 - log x).
  for (let v = 1; v < 256; v++) GF_INV[v] = GF_EXP[255 - GF_LOG[v]];
  for (let a = 1; a < 256; a++) {
    const la = GF_LOG[a];
    for (let b = 1; b < 256; b++) GF_MUL_TABLE[a * 256 + b] = GF_EXP[la + GF_LOG[b]];
  }
}

function checkByte(x: number, what: string): void {
  if (!Number.isInteger(x) || x < 0 || x > 255) {
    throw new RangeError(
      `Cannot use ${what} "${x}" as a field element: expected an integer in [0, 255]`,
    );
  }
}

/**
 * Multiplies two elements of GF(2^8) (zfec's field).
 *
 * @throws RangeError if an argument is not an integer in [0, 255]
 * @example
 * ```ts
 * gfMul(3, 7); // 9
 * ```
 */
export function gfMul(a: number, b: number): number {
  checkByte(a, 'a');
  checkByte(b, 'b');
  return GF_MUL_TABLE[a * 256 + b];
}

/**
 * Returns the multiplicative inverse of a non-zero element of GF(2^8) (zfec's field).
 *
 * @throws RangeError if `x` is 0 or not an integer in [0, 255]
 * @example
 * ```ts
 * gfMul(gfInv(29), 29); // 1
 * ```
 */
export function gfInv(x: number): number {
  checkByte(x, 'x');
  if (x === 0) throw new RangeError('Cannot invert 0 in GF(2^8)');
  return GF_INV[x];
}
