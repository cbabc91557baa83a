import { ctr } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aesCtr, aesCtrOnce, counterBlock } from '../src/index.ts';

describe('AES-CTR (spec §1.3) properties', () => {
  it('equals @noble/ciphers ctr at random offsets (16- and 32-byte keys)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
        ),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat({ max: 5000 }),
        (key, data, offset) => {
          const block = Math.floor(offset / 16);
          const skip = offset % 16;
          const padded = new Uint8Array(skip + data.length);
          padded.set(data, skip);
          const reference = ctr(key, counterBlock(block)).encrypt(padded).subarray(skip);
          expect(aesCtrOnce(key, data, offset)).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('seeks: decrypting from offset o equals the slice of the whole', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 1, maxLength: 500 }),
        fc.nat(),
        fc.nat(),
        (key, plain, a, b) => {
          const whole = aesCtrOnce(key, plain);
          const o = a % plain.length;
          const end = o + (b % (plain.length - o + 1));
          expect(aesCtrOnce(key, whole.subarray(o, end), o)).toEqual(plain.subarray(o, end));
          expect(aesCtrOnce(key, plain.subarray(o, end), o)).toEqual(whole.subarray(o, end));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a stream fed in pieces equals the one-shot result', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 6 }),
        fc.nat({ max: 100 }),
        (key, data, cuts, offset) => {
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((x, y) => x - y);
          const stream = aesCtr(key, offset);
          const out = new Uint8Array(data.length);
          let prev = 0;
          for (const p of [...points, data.length]) {
            out.set(stream.update(data.subarray(prev, p)), prev);
            prev = p;
          }
          expect(out).toEqual(aesCtrOnce(key, data, offset));
        },
      ),
      { numRuns: 200 },
    );
  });
});
