/**
 * fast-check generators shared by the decoder property tests of the packages that define
 * messages (protocol, introducer, storage-server): import from '../../protocol/test/arbitraries.ts'.
 */
import fc from 'fast-check';

/**
 * Values as MessagePack decoding can produce them, whose maps often use `keys` (the fields the
 * validators under test look for, plus awkward ones such as `__proto__`).
 */
export function decodedLike(
  keys: readonly string[],
  sizes: { maxBytes: number; maxArray: number; maxKeys: number },
): fc.Arbitrary<unknown> {
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.bigInt(),
      fc.string(),
      fc.uint8Array({ maxLength: sizes.maxBytes }),
      fc.array(tie('value'), { maxLength: sizes.maxArray }),
      fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...keys)), tie('value'), {
        maxKeys: sizes.maxKeys,
      }),
    ),
  })).value;
}
