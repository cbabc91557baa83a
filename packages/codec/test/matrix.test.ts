import { describe, expect, it } from 'vitest';
import { createCodec, encodingMatrix } from '../src/index.ts';
import { slowMatrix } from './reference-rs.ts';

/** Row r of an n×k row-major matrix. */
function row(m: Uint8Array, k: number, r: number): number[] {
  return [...m.subarray(r * k, r * k + k)];
}

describe('encodingMatrix', () => {
  it('gives the (2,3) parity row of Tahoe §2.6', () => {
    expect([...encodingMatrix(2, 3)]).toEqual([1, 0, 0, 1, 3, 2]);
  });

  it('gives the (3,10) parity rows of Tahoe §2.6', () => {
    const e = encodingMatrix(3, 10);
    const parity = [3, 4, 5, 6, 7, 8, 9].map((r) => row(e, 3, r));
    expect(parity).toEqual([
      [15, 8, 6],
      [45, 48, 28],
      [153, 224, 120],
      [11, 231, 237],
      [137, 59, 179],
      [70, 241, 182],
      [186, 217, 98],
    ]);
  });

  it('is all ones for k = 1', () => {
    expect([...encodingMatrix(1, 256)]).toEqual(new Array<number>(256).fill(1));
  });

  it('is systematic: the top k rows are the identity', () => {
    for (const [k, n] of [
      [1, 1],
      [5, 9],
      [128, 256],
      [256, 256],
    ]) {
      const e = encodingMatrix(k, n);
      for (let r = 0; r < k; r++) {
        const expected = new Array<number>(k).fill(0);
        expected[r] = 1;
        expect(row(e, k, r)).toEqual(expected);
      }
    }
  });

  it('matches the textbook construction', () => {
    for (const [k, n] of [
      [1, 1],
      [1, 5],
      [2, 3],
      [3, 10],
      [4, 4],
      [7, 30],
      [12, 40],
      [20, 256],
    ]) {
      const e = encodingMatrix(k, n);
      const slow = slowMatrix(k, n);
      for (let r = 0; r < n; r++) expect(row(e, k, r)).toEqual(slow[r]);
    }
  });

  it('returns a copy the codec does not depend on', () => {
    encodingMatrix(2, 3).fill(0);
    expect([...encodingMatrix(2, 3)]).toEqual([1, 0, 0, 1, 3, 2]);
    const shares = createCodec(2, 3).encode([Uint8Array.of(1), Uint8Array.of(1)]);
    expect([...shares[2]]).toEqual([3 ^ 2]);
  });

  it('rejects parameters outside 1 ≤ k ≤ n ≤ 256', () => {
    expect(() => encodingMatrix(0, 1)).toThrow(RangeError);
    expect(() => encodingMatrix(3, 2)).toThrow(RangeError);
    expect(() => encodingMatrix(1, 257)).toThrow(RangeError);
    expect(() => encodingMatrix(1.5, 3)).toThrow(TypeError);
    expect(() => encodingMatrix(Number.NaN, 3)).toThrow(TypeError);
  });
});
