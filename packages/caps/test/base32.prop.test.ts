import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, base32Length, CapsError } from '../src/index.ts';

describe('base32 properties', () => {
  it('decode(encode(x)) === x for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (x) => {
        const text = base32Encode(x);
        expect(text).toMatch(/^[a-z2-7]*$/);
        expect(text.length).toBe(base32Length(x.length));
        expect(base32Decode(text)).toEqual(x);
      }),
      { numRuns: 1000 },
    );
  });

  it('every accepted text is canonical: encode(decode(t)) === t', () => {
    const text = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567A0=é'.split('')),
      maxLength: 60,
    });
    fc.assert(
      fc.property(text, (t) => {
        let bytes: Uint8Array;
        try {
          bytes = base32Decode(t);
        } catch (e) {
          if (!(e instanceof CapsError)) throw e;
          expect(e.code).toBe('CAPS_MALFORMED_BASE32');
          return;
        }
        expect(base32Encode(bytes)).toBe(t);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with a bit-string reference encoder', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
    const reference = (x: Uint8Array): string => {
      const bits = [...x].map((b) => b.toString(2).padStart(8, '0')).join('');
      const padded = bits.padEnd(Math.ceil(bits.length / 5) * 5, '0');
      let out = '';
      for (let i = 0; i < padded.length; i += 5)
        out += alphabet[parseInt(padded.slice(i, i + 5), 2)];
      return out;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (x) => {
        expect(base32Encode(x)).toBe(reference(x));
      }),
    );
  });
});
