/**
 * Constants of `@tessera/codec`: the field, the code's limits and the kernel's tuning.
 */

/** Tahoe §2.6: the field polynomial x^8+x^4+x^3+x^2+1 (zfec writes it `"101110001"`). */
export const GF_POLYNOMIAL = 0x11d;

/** Tahoe §2.6: the generator α of the multiplicative group. */
export const GF_GENERATOR = 2;

/** zfec's limit on the number of shares: 1 ≤ k ≤ n ≤ 256 (Tahoe §2.6). */
export const MAX_SHARES = 256;

/** Environment variable that forces the TypeScript kernel when set to `ts`. */
export const KERNEL_ENV_VAR = 'TESSERA_CODEC';

/**
 * Bytes of each block the WASM kernel processes per pass (a multiple of 32). A pass keeps
 * k inputs and the outputs of one chunk in wasm memory, so the working set stays in L2
 * and wasm memory stays small whatever the block size.
 */
export const WASM_CHUNK_BYTES = 32 * 1024;

/**
 * Plans a codec keeps per kind (encode: per list of share numbers; decode: per set of share
 * numbers, holding an inverted matrix). The oldest is dropped beyond this.
 */
export const PLAN_CACHE_SIZE = 64;
