/**
 * `@tessera/codec`: a Reed-Solomon erasure code over GF(2^8), byte-compatible with zfec
 * (the code Tahoe-LAFS uses; Tahoe §2.6). Any k of the n blocks it makes rebuild the
 * input. Multiplication runs in a WebAssembly SIMD kernel, or a readable TypeScript
 * fallback.
 *
 * @example
 * ```ts
 * import { createCodec } from '@tessera/codec';
 * const codec = createCodec(3, 10);
 * const shares = codec.encode([a, b, c]); // 10 blocks
 * const [a2, b2, c2] = codec.decode([shares[4], shares[0], shares[8]], [4, 0, 8]);
 * ```
 *
 * @packageDocumentation
 */
export { createCodec, encodingMatrix } from './codec.ts';
export type { Codec, CodecOptions } from './codec.ts';
export type { CodecKernel } from './kernel.ts';
export { gfInv, gfMul } from './gf256.ts';
export { BadSharesError, CodecError, NotEnoughSharesError } from './errors.ts';
export type { CodecErrorCode } from './errors.ts';
export { MAX_SHARES } from './constants.ts';
export { allocUninitialized } from './alloc.ts';
