import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CapsError, netstring, readNetstring } from '../src/index.ts';

describe('netstring properties', () => {
  it('readNetstring(netstring(x)) === x, also inside a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 8 }), (x, pre) => {
        const ns = netstring(x);
        const buf = new Uint8Array(pre.length + ns.length + 3);
        buf.set(pre, 0);
        buf.set(ns, pre.length);
        const { value, end } = readNetstring(buf, pre.length);
        expect(value).toEqual(x);
        expect(end).toBe(pre.length + ns.length);
      }),
    );
  });

  it('concatenated netstrings read back in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }), (items) => {
        const parts = items.map((x) => netstring(x));
        const buf = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          buf.set(p, at);
          at += p.length;
        }
        let offset = 0;
        for (const item of items) {
          const { value, end } = readNetstring(buf, offset);
          expect(value).toEqual(item);
          offset = end;
        }
        expect(offset).toBe(buf.length);
      }),
    );
  });

  it('readNetstring on random bytes throws only CAPS_MALFORMED_NETSTRING', () => {
    const digitsAndPunct = fc.constantFrom(0x30, 0x31, 0x32, 0x33, 0x39, 0x3a, 0x2c, 0x61, 0x00);
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.array(digitsAndPunct, { maxLength: 40 }).map((a) => new Uint8Array(a)),
    );
    fc.assert(
      fc.property(bytes, fc.nat({ max: 45 }), (buf, offset) => {
        try {
          const { value, end } = readNetstring(buf, offset);
          // A successful read is exactly a netstring of its value.
          expect(buf.subarray(offset, end)).toEqual(netstring(value));
        } catch (e) {
          if (!(e instanceof CapsError)) throw e;
          expect(e.code).toBe('CAPS_MALFORMED_NETSTRING');
        }
      }),
      { numRuns: 3000 },
    );
  });
});
