import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CapsError,
  chkParams,
  chkShareLayout,
  chkUebLength,
  decodeChkShareHeader,
  decodeChkUeb,
  decodeShareHashChain,
  decodeUeb,
  encodeChkShareHeader,
  encodeChkUeb,
} from '../src/index.ts';

/** Runs `fn`; passes when it returns or throws a CapsError, fails on any other throw. */
function onlyCapsErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CapsError);
  }
}

const zero = new Uint8Array(32);
const validUeb = encodeChkUeb(chkParams(100_000, 3, 10, 4096), {
  crypttextHash: zero,
  crypttextRootHash: zero,
  shareRootHash: zero,
});
const p = chkParams(100_000, 3, 10, 4096);
const validHeader = encodeChkShareHeader(chkShareLayout(p, chkUebLength(p)));
const validHeaderV2 = encodeChkShareHeader(chkShareLayout(p, chkUebLength(p), { forceV2: true }));

/** Random bytes, and valid inputs with random bytes overwritten. */
const mutated = (valid: Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    fc
      .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 5,
      })
      .map((edits) => {
        const copy = valid.slice();
        for (const [i, v] of edits) copy[i] = v;
        return copy;
      }),
    fc.nat(valid.length).map((n) => valid.slice(0, n)),
  );

describe('CHK decoders throw only their own errors on hostile bytes', () => {
  it('decodeUeb and decodeChkUeb', () => {
    fc.assert(
      fc.property(mutated(validUeb), (bytes) => {
        onlyCapsErrors(() => decodeUeb(bytes));
        onlyCapsErrors(() => decodeChkUeb(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeChkShareHeader', () => {
    fc.assert(
      fc.property(fc.oneof(mutated(validHeader), mutated(validHeaderV2)), (bytes) => {
        onlyCapsErrors(() => decodeChkShareHeader(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeShareHashChain', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        onlyCapsErrors(() => decodeShareHashChain(bytes));
      }),
    );
  });
});
