import { describe, expect, it } from 'vitest';
import { gfInv, gfMul } from '../src/index.ts';
import { slowMul } from './reference-rs.ts';

describe('gfMul', () => {
  it('agrees with shift-and-add multiplication mod 0x11D for every pair', () => {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        if (gfMul(a, b) !== slowMul(a, b)) expect(gfMul(a, b)).toBe(slowMul(a, b));
      }
    }
  });

  it('multiplies by the generator 2 with reduction by 0x11D', () => {
    expect(gfMul(2, 0x80)).toBe(0x1d);
    expect(gfMul(3, 7)).toBe(9);
  });

  it('rejects values that are not bytes', () => {
    expect(() => gfMul(256, 1)).toThrow(RangeError);
    expect(() => gfMul(1, -1)).toThrow(RangeError);
    expect(() => gfMul(1.5, 1)).toThrow(RangeError);
  });
});

describe('gfInv', () => {
  it('inverts every non-zero element', () => {
    for (let x = 1; x < 256; x++) expect(gfMul(x, gfInv(x))).toBe(1);
  });

  it('rejects 0 and non-bytes', () => {
    expect(() => gfInv(0)).toThrow(RangeError);
    expect(() => gfInv(300)).toThrow(RangeError);
  });
});
