/**
 * zfec's coding matrix (Tahoe §2.6) and Gauss-Jordan inversion over GF(2^8).
 * Matrices are row-major `Uint8Array`s.
 */
import { MAX_SHARES } from './constants.ts';
import { GF_EXP, GF_INV, GF_MUL_TABLE } from './gf256.ts';

const encodingCache = new Map<number, Uint8Array>();

/**
 * Checks `1 ≤ k ≤ n ≤ 256`.
 *
 * @throws TypeError if k or n is not an integer; RangeError if out of range
 */
export function checkParams(k: number, n: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(n)) {
    throw new TypeError(`Cannot create a ${k}-of-${n} code: k and n must be integers`);
  }
  if (k < 1 || k > n || n > MAX_SHARES) {
    throw new RangeError(`Cannot create a ${k}-of-${n} code: expected 1 ≤ k ≤ n ≤ ${MAX_SHARES}`);
  }
}

/**
 * Inverts a `size`×`size` matrix by Gauss-Jordan elimination.
 *
 * @throws RangeError if the matrix is singular (never for k rows of a coding matrix)
 */
export function invertMatrix(matrix: Uint8Array, size: number): Uint8Array {
  const a = Uint8Array.from(matrix);
  const inv = new Uint8Array(size * size);
  for (let i = 0; i < size; i++) inv[i * size + i] = 1;
  for (let col = 0; col < size; col++) {
    let pivot = col;
    while (pivot < size && a[pivot * size + col] === 0) pivot++;
    if (pivot === size) throw new RangeError('Cannot invert the matrix: it is singular');
    if (pivot !== col) {
      swapRows(a, size, pivot, col);
      swapRows(inv, size, pivot, col);
    }
    // Scale the pivot row so the pivot is 1.
    const scale = GF_INV[a[col * size + col]];
    scaleRow(a, size, col, scale);
    scaleRow(inv, size, col, scale);
    // Eliminate the column from every other row (addition is XOR).
    for (let r = 0; r < size; r++) {
      const f = a[r * size + col];
      if (r === col || f === 0) continue;
      addScaledRow(a, size, r, col, f);
      addScaledRow(inv, size, r, col, f);
    }
  }
  return inv;
}

function swapRows(m: Uint8Array, size: number, r1: number, r2: number): void {
  for (let c = 0; c < size; c++) {
    const t = m[r1 * size + c];
    m[r1 * size + c] = m[r2 * size + c];
    m[r2 * size + c] = t;
  }
}

function scaleRow(m: Uint8Array, size: number, r: number, f: number): void {
  const row = f * 256;
  for (let c = 0; c < size; c++) m[r * size + c] = GF_MUL_TABLE[row + m[r * size + c]];
}

/** `m[dst] ^= f ⊗ m[src]`. */
function addScaledRow(m: Uint8Array, size: number, dst: number, src: number, f: number): void {
  const row = f * 256;
  for (let c = 0; c < size; c++) m[dst * size + c] ^= GF_MUL_TABLE[row + m[src * size + c]];
}

/** `a` (rows×inner) times `b` (inner×cols). */
function multiply(a: Uint8Array, b: Uint8Array, rows: number, inner: number, cols: number) {
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < inner; i++) {
      const f = a[r * inner + i];
      if (f === 0) continue;
      for (let c = 0; c < cols; c++) out[r * cols + c] ^= GF_MUL_TABLE[f * 256 + b[i * cols + c]];
    }
  }
  return out;
}

/**
 * Builds zfec's n×k encoding matrix (Tahoe §2.6): a Vandermonde matrix V on the points
 * 0, 1, α, …, α^(n-2), made systematic as E = V · V_top⁻¹. The result is shared: callers
 * must not modify it.
 */
export function sharedEncodingMatrix(k: number, n: number): Uint8Array {
  const key = k * (MAX_SHARES + 1) + n;
  let e = encodingCache.get(key);
  if (e !== undefined) return e;
  const v = new Uint8Array(n * k);
  // Row 0 is the evaluation at point 0: [1, 0, …, 0].
  v[0] = 1;
  // Row r ≥ 1 is the evaluation at α^(r-1): [α^((r-1)·c) mod 255 for c in 0..k-1].
  for (let r = 1; r < n; r++) {
    for (let c = 0; c < k; c++) v[r * k + c] = GF_EXP[((r - 1) * c) % 255];
  }
  const topInverse = invertMatrix(v.subarray(0, k * k), k);
  e = new Uint8Array(n * k);
  for (let i = 0; i < k; i++) e[i * k + i] = 1;
  e.set(multiply(v.subarray(k * k), topInverse, n - k, k, k), k * k);
  encodingCache.set(key, e);
  return e;
}
