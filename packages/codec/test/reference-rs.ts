/**
 * A textbook Reed-Solomon code, written from Tahoe §2.6 alone and kept slow and obvious:
 * carry-less multiplication reduced by 0x11D bit by bit, inverses by search, the matrix by
 * its definition, and byte-by-byte sums. The codec's kernels are checked against it.
 */

/** a ⊗ b in GF(2^8) mod x^8+x^4+x^3+x^2+1, by shift-and-add. */
export function slowMul(a: number, b: number): number {
  let product = 0;
  for (let bit = 0; bit < 8; bit++) {
    if (b & (1 << bit)) product ^= a << bit;
  }
  for (let bit = 14; bit >= 8; bit--) {
    if (product & (1 << bit)) product ^= 0x11d << (bit - 8);
  }
  return product;
}

/** The x with a ⊗ x = 1, by trying every x. */
export function slowInv(a: number): number {
  for (let x = 1; x < 256; x++) if (slowMul(a, x) === 1) return x;
  throw new Error(`0 has no inverse`);
}

/** α^e, α = 2, by repeated multiplication. */
function slowPow(e: number): number {
  let x = 1;
  for (let i = 0; i < e; i++) x = slowMul(x, 2);
  return x;
}

/** Inverts a square matrix (array of rows) by Gauss-Jordan. */
export function slowInvert(m: number[][]): number[][] {
  const size = m.length;
  const a = m.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < size; col++) {
    const pivot = a.findIndex((row, r) => r >= col && row[col] !== 0);
    if (pivot < 0) throw new Error('singular');
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const inv = slowInv(a[col][col]);
    a[col] = a[col].map((x) => slowMul(x, inv));
    for (let r = 0; r < size; r++) {
      const f = a[r][col];
      if (r !== col && f !== 0) a[r] = a[r].map((x, j) => x ^ slowMul(f, a[col][j]));
    }
  }
  return a.map((row) => row.slice(size));
}

function slowMatMul(a: number[][], b: number[][]): number[][] {
  return a.map((row) =>
    b[0].map((_, c) => row.reduce((acc, x, i) => acc ^ slowMul(x, b[i][c]), 0)),
  );
}

/**
 * zfec's n×k matrix: Vandermonde on the points 0, 1, α, …, α^(n-2) (row 0 = [1, 0, …, 0],
 * row r = [α^((r-1)·c)]), times the inverse of its top k×k block.
 */
export function slowMatrix(k: number, n: number): number[][] {
  const v: number[][] = [];
  for (let r = 0; r < n; r++) {
    const row: number[] = [];
    for (let c = 0; c < k; c++)
      row.push(r === 0 ? (c === 0 ? 1 : 0) : slowPow(((r - 1) * c) % 255));
    v.push(row);
  }
  return slowMatMul(v, slowInvert(v.slice(0, k)));
}

/** Block j = XOR over c of E[j][c] ⊗ input[c], byte by byte, for each j in shareNums. */
export function slowEncode(
  k: number,
  n: number,
  inputs: readonly Uint8Array[],
  shareNums: readonly number[],
): Uint8Array[] {
  const e = slowMatrix(k, n);
  const len = inputs[0].length;
  return shareNums.map((j) => {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      let sum = 0;
      for (let c = 0; c < k; c++) sum ^= slowMul(e[j][c], inputs[c][i]);
      out[i] = sum;
    }
    return out;
  });
}

/** Solves for the inputs: invert the k rows of E for the given shares, multiply. */
export function slowDecode(
  k: number,
  n: number,
  blocks: readonly Uint8Array[],
  shareNums: readonly number[],
): Uint8Array[] {
  const e = slowMatrix(k, n);
  const d = slowInvert(shareNums.map((s) => e[s]));
  const len = blocks[0].length;
  return d.map((row) => {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      let sum = 0;
      for (let c = 0; c < k; c++) sum ^= slowMul(row[c], blocks[c][i]);
      out[i] = sum;
    }
    return out;
  });
}
