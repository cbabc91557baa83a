/**
 * The WebAssembly SIMD kernel (source: `wasm/kernel.wat`, compiled into
 * `kernel-wasm-bytes.ts`). This module owns the one wasm instance of the process (or
 * worker): it lays out coefficient tables, copies input chunks into wasm memory, runs the
 * kernel and copies the products out.
 */
import { allocUninitialized } from './alloc.ts';
import { WASM_CHUNK_BYTES } from './constants.ts';
import { GF_MUL_TABLE } from './gf256.ts';
import type { Kernel } from './kernel.ts';
import { KERNEL_WASM_BASE64 } from './kernel-wasm-bytes.ts';

/** Rows the kernel sums in one pass (`$mul4` in kernel.wat). */
const GROUP_ROWS = 4;
/** Bytes the kernel handles per step; lengths and strides are multiples of it. */
const STEP_BYTES = 32;
/** Bytes of the lo/hi tables of one coefficient. */
const TABLE_BYTES = 32;

/** The subset of the WebAssembly JS API used here (the project's `lib` has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
interface KernelExports {
  readonly memory: WasmMemory;
  mul(
    tbl: number,
    input: number,
    stride: number,
    k: number,
    out: number,
    rows: number,
    len: number,
  ): void;
}

/**
 * For every coefficient c, 32 bytes: `lo[i] = c ⊗ i` then `hi[i] = c ⊗ (i << 4)`, for
 * i in [0, 16). Since ⊗ distributes over XOR, `c ⊗ x = lo[x & 15] ^ hi[x >> 4]`.
 */
const NIBBLE_TABLES = new Uint8Array(256 * TABLE_BYTES);
for (let c = 0; c < 256; c++) {
  for (let i = 0; i < 16; i++) {
    NIBBLE_TABLES[c * TABLE_BYTES + i] = GF_MUL_TABLE[c * 256 + i];
    NIBBLE_TABLES[c * TABLE_BYTES + 16 + i] = GF_MUL_TABLE[c * 256 + (i << 4)];
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/** Lays out the tables of a rows×k matrix in the order kernel.wat reads them. */
function layOutTables(coeffs: Uint8Array, rows: number, k: number): Uint8Array {
  const tables = new Uint8Array(rows * k * TABLE_BYTES);
  for (let first = 0; first < rows; first += GROUP_ROWS) {
    const g = Math.min(GROUP_ROWS, rows - first);
    for (let c = 0; c < k; c++) {
      for (let r = 0; r < g; r++) {
        const coeff = coeffs[(first + r) * k + c];
        const at = (first * k + c * g + r) * TABLE_BYTES;
        tables.set(NIBBLE_TABLES.subarray(coeff * TABLE_BYTES, (coeff + 1) * TABLE_BYTES), at);
      }
    }
  }
  return tables;
}

class SimdKernel implements Kernel {
  readonly name = 'wasm-simd';
  readonly #exports: KernelExports;
  /** All of wasm memory. It never grows (see kernel.wat), so this view stays valid. */
  readonly #memory: Uint8Array;
  /** Laid-out tables per coefficient matrix (matrices are cached and never change). */
  readonly #tables = new WeakMap<Uint8Array, Uint8Array>();
  /**
   * The tables at offset 0 of wasm memory. A call with the same tables leaves them intact
   * (its inputs and outputs start after them), so the next such call need not copy them.
   */
  #loaded: Uint8Array | undefined;

  constructor(exports: KernelExports) {
    this.#exports = exports;
    this.#memory = new Uint8Array(exports.memory.buffer);
  }

  multiply(
    coeffs: Uint8Array,
    rows: number,
    inputs: readonly Uint8Array[],
    len: number,
    into?: readonly Uint8Array[],
  ): Uint8Array[] {
    const k = inputs.length;
    const outputs = into === undefined ? [] : [...into];
    for (let j = outputs.length; j < rows; j++) outputs.push(allocUninitialized(len));
    if (len === 0 || rows === 0) return outputs;
    let tables = this.#tables.get(coeffs);
    if (tables === undefined) {
      tables = layOutTables(coeffs, rows, k);
      this.#tables.set(coeffs, tables);
    }
    // Memory: [tables][k input chunks][rows output chunks], each chunk `stride` bytes, as
    // long as fits in the fixed memory (rows + k ≤ 256 leaves ≥ 13 KiB a chunk).
    const mem = this.#memory;
    const inAt = roundUp(tables.length, 64);
    const fit = Math.floor((mem.length - inAt) / (k + rows) / STEP_BYTES) * STEP_BYTES;
    const stride = Math.min(roundUp(len, STEP_BYTES), WASM_CHUNK_BYTES, fit);
    if (stride < STEP_BYTES) throw new RangeError(`Cannot fit a ${rows}×${k} product in memory`);
    const outAt = inAt + k * stride;
    if (this.#loaded !== tables) {
      mem.set(tables, 0);
      this.#loaded = tables;
    }
    for (let p = 0; p < len; p += stride) {
      const n = Math.min(stride, len - p);
      for (let c = 0; c < k; c++) {
        const input = inputs[c];
        mem.set(n === input.length ? input : input.subarray(p, p + n), inAt + c * stride);
      }
      this.#exports.mul(0, inAt, stride, k, outAt, rows, roundUp(n, STEP_BYTES));
      // Every byte of every output is written here, chunk by chunk.
      for (let j = 0; j < rows; j++) {
        const at = outAt + j * stride;
        outputs[j].set(mem.subarray(at, at + n), p);
      }
    }
    return outputs;
  }
}

let kernel: Kernel | null | undefined;

function load(): Kernel | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  const binary = atob(KERNEL_WASM_BASE64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // A runtime without SIMD rejects the module: that is the feature test.
  if (!wasm.validate(bytes)) return null;
  const instance = new wasm.Instance(new wasm.Module(bytes), {});
  return new SimdKernel(instance.exports as KernelExports);
}

/** The WASM SIMD kernel, or `undefined` where this runtime lacks WebAssembly SIMD. */
export function wasmKernel(): Kernel | undefined {
  if (kernel === undefined) kernel = load();
  return kernel ?? undefined;
}
