/**
 * The readable TypeScript kernel: one output block at a time, one product-table row per
 * coefficient, two inputs per sweep. Used where WebAssembly SIMD is missing, when forced (`TESSERA_CODEC=ts`),
 * and as a cross-check of the WASM kernel in tests.
 */
import { GF_MUL_TABLE } from './gf256.ts';
import type { Kernel } from './kernel.ts';

/** The products `coeff ⊗ x` for x in [0, 256). */
function mulRow(coeff: number): Uint8Array {
  return GF_MUL_TABLE.subarray(coeff * 256, coeff * 256 + 256);
}

function multiply(
  coeffs: Uint8Array,
  rows: number,
  inputs: readonly Uint8Array[],
  len: number,
  into?: readonly Uint8Array[],
): Uint8Array[] {
  const k = inputs.length;
  const outputs: Uint8Array[] = [];
  for (let j = 0; j < rows; j++) {
    const out = into === undefined ? new Uint8Array(len) : into[j].fill(0);
    // Two inputs per sweep halves the reads and writes of `out`. Row `coeff` of the
    // product table maps x to coeff ⊗ x.
    for (let c = 0; c < k; c += 2) {
      const a = inputs[c];
      const rowA = mulRow(coeffs[j * k + c]);
      if (c + 1 === k) {
        for (let i = 0; i < len; i++) out[i] ^= rowA[a[i]];
      } else {
        const b = inputs[c + 1];
        const rowB = mulRow(coeffs[j * k + c + 1]);
        for (let i = 0; i < len; i++) out[i] ^= rowA[a[i]] ^ rowB[b[i]];
      }
    }
    outputs.push(out);
  }
  return outputs;
}

/** The TypeScript kernel. */
export const tsKernel: Kernel = { name: 'ts', multiply };
