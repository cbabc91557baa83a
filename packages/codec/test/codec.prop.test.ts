import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCodec, type CodecKernel } from '../src/index.ts';
import { slowEncode } from './reference-rs.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** k random blocks of `len` bytes, each placed at a random offset inside a bigger buffer. */
const blocksArb = (k: number, len: number): fc.Arbitrary<Uint8Array[]> =>
  fc.array(
    fc
      .tuple(fc.uint8Array({ minLength: len, maxLength: len }), fc.nat({ max: 40 }))
      .map(([bytes, offset]) => {
        const buffer = new Uint8Array(offset + len + 7);
        buffer.set(bytes, offset);
        return buffer.subarray(offset, offset + len);
      }),
    { minLength: k, maxLength: k },
  );

/** (k, n) with 1 ≤ k ≤ n ≤ maxN. */
const paramsArb = (maxN: number): fc.Arbitrary<{ k: number; n: number }> =>
  fc
    .integer({ min: 1, max: maxN })
    .chain((n) => fc.record({ k: fc.integer({ min: 1, max: n }), n: fc.constant(n) }));

/** Inputs and k distinct share numbers of [0, n) in random order. */
const codeArb = (maxN: number, maxLen: number) =>
  paramsArb(maxN).chain(({ k, n }) =>
    fc.record({
      k: fc.constant(k),
      n: fc.constant(n),
      inputs: fc.integer({ min: 0, max: maxLen }).chain((len) => blocksArb(k, len)),
      picked: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: k, maxLength: k },
      ),
    }),
  );

describe.each<CodecKernel>(['wasm-simd', 'ts'])('kernel %s', (kernel) => {
  it('decodes the input from any k of the n shares', () => {
    fc.assert(
      fc.property(codeArb(20, 70), ({ k, n, inputs, picked }) => {
        const codec = createCodec(k, n, { kernel });
        const shares = codec.encode(inputs);
        const data = codec.decode(
          picked.map((s) => shares[s]),
          picked,
        );
        expect(data.map(hex)).toEqual(inputs.map(hex));
      }),
      { numRuns: 150 },
    );
  });

  it('decodes with n = 256, from edge and random k', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 128, 255, 256).chain((k) =>
          fc.record({
            k: fc.constant(k),
            inputs: fc.integer({ min: 0, max: 5 }).chain((len) => blocksArb(k, len)),
            picked: fc.shuffledSubarray(
              Array.from({ length: 256 }, (_, i) => i),
              { minLength: k, maxLength: k },
            ),
          }),
        ),
        ({ k, inputs, picked }) => {
          const codec = createCodec(k, 256, { kernel });
          const shares = codec.encode(inputs);
          expect(
            codec
              .decode(
                picked.map((s) => shares[s]),
                picked,
              )
              .map(hex),
          ).toEqual(inputs.map(hex));
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('kernels', () => {
  it('agree with the textbook reference for any length and offset', () => {
    fc.assert(
      fc.property(codeArb(12, 300), ({ k, n, inputs, picked }) => {
        const wanted = [...picked, ...(n > k ? [n - 1] : [])].filter(
          (s, i, all) => all.indexOf(s) === i,
        );
        const reference = slowEncode(k, n, inputs, wanted).map(hex);
        const wasm = createCodec(k, n, { kernel: 'wasm-simd' }).encode(inputs, wanted);
        const ts = createCodec(k, n, { kernel: 'ts' }).encode(inputs, wanted);
        expect(wasm.map(hex)).toEqual(reference);
        expect(ts.map(hex)).toEqual(reference);
      }),
      { numRuns: 100 },
    );
  });
});
