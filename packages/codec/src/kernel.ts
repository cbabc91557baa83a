/**
 * The kernel interface both implementations share, and the choice between them.
 */
import { KERNEL_ENV_VAR } from './constants.ts';
import { tsKernel } from './kernel-ts.ts';
import { wasmKernel } from './kernel-wasm.ts';

/** Names of the kernels: WebAssembly SIMD, or the portable TypeScript fallback. */
export type CodecKernel = 'wasm-simd' | 'ts';

/** A matrix-times-blocks engine. */
export interface Kernel {
  /** Which kernel this is. */
  readonly name: CodecKernel;
  /**
   * Returns `rows` blocks of `len` bytes: `out[j] = XOR over c of coeffs[j*k + c] ⊗
   * inputs[c]`, with `k = inputs.length` and every input at least `len` bytes long. The
   * blocks are new, or `into[j]` (exactly `len` bytes, every byte overwritten) when given.
   * `coeffs` must never change afterwards: kernels may cache tables derived from it.
   */
  multiply(
    coeffs: Uint8Array,
    rows: number,
    inputs: readonly Uint8Array[],
    len: number,
    into?: readonly Uint8Array[],
  ): Uint8Array[];
}

/**
 * Picks a kernel: `'auto'` means the TypeScript one when `TESSERA_CODEC=ts`, else WASM SIMD
 * when this runtime validates it, else TypeScript.
 *
 * @throws RangeError for an unknown kernel name, or `'wasm-simd'` where SIMD is missing
 */
export function selectKernel(choice: CodecKernel | 'auto'): Kernel {
  switch (choice) {
    case 'ts':
      return tsKernel;
    case 'wasm-simd': {
      const k = wasmKernel();
      if (k === undefined) {
        throw new RangeError('Cannot use kernel "wasm-simd": this runtime lacks WebAssembly SIMD');
      }
      return k;
    }
    case 'auto':
      if (process.env[KERNEL_ENV_VAR] === 'ts') return tsKernel;
      return wasmKernel() ?? tsKernel;
    default:
      throw new RangeError(
        `Cannot use kernel "${String(choice)}": expected "wasm-simd", "ts" or "auto"`,
      );
  }
}
