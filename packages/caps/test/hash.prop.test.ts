import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  netstring,
  sha256,
  sha256d,
  taggedHash,
  taggedHasher,
  taggedPairHash,
  TAG,
} from '../src/index.ts';
import { concat } from './helpers.ts';

const enc = new TextEncoder();

describe('hash properties', () => {
  it('sha256d = sha256(sha256(x)) and agrees with @noble/hashes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (x) => {
        expect(sha256(x)).toEqual(nobleSha256(x));
        expect(sha256d(x)).toEqual(nobleSha256(nobleSha256(x)));
      }),
    );
  });

  it('taggedHash = sha256d(ns(tag) ‖ data), truncated on request', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...Object.values(TAG)), fc.string({ maxLength: 40 })),
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: 1, max: 32 }),
        (tag, data, truncate) => {
          const manual = sha256d(concat(netstring(tag), data));
          expect(taggedHash(tag, data)).toEqual(manual);
          expect(taggedHash(tag, data, truncate)).toEqual(manual.subarray(0, truncate));
          expect(taggedHash(enc.encode(tag), data)).toEqual(manual);
        },
      ),
    );
  });

  it('taggedPairHash = sha256d(ns(tag) ‖ ns(a) ‖ ns(b))', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 60 }),
        fc.uint8Array({ maxLength: 60 }),
        (tag, a, b) => {
          const manual = sha256d(concat(netstring(tag), netstring(a), netstring(b)));
          expect(taggedPairHash(tag, a, b)).toEqual(manual);
          expect(taggedPairHash(tag, a, b, 16)).toEqual(manual.subarray(0, 16));
        },
      ),
    );
  });

  it('the incremental hasher equals the one-shot hash for any split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (data, cut) => {
        const at = data.length === 0 ? 0 : cut % data.length;
        const h = taggedHasher(TAG.CRYPTTEXT)
          .update(data.subarray(0, at))
          .update(data.subarray(at));
        expect(h.digest()).toEqual(taggedHash(TAG.CRYPTTEXT, data));
      }),
    );
  });
});
