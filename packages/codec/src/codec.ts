/**
 * The codec: zfec's systematic Reed-Solomon code (Tahoe §2.6) over a pluggable kernel.
 * Validates blocks and share numbers, builds (and caches) the matrices each call needs,
 * and hands the multiplication to the kernel.
 */
import { PLAN_CACHE_SIZE } from './constants.ts';
import { BadSharesError, NotEnoughSharesError } from './errors.ts';
import { selectKernel } from './kernel.ts';
import type { CodecKernel, Kernel } from './kernel.ts';
import { checkParams, invertMatrix, sharedEncodingMatrix } from './matrix.ts';

/** Options of {@link createCodec}. */
export interface CodecOptions {
  /**
   * The kernel that multiplies blocks. `'auto'` (the default) picks `'ts'` when the
   * environment variable `TESSERA_CODEC` is `ts`, else `'wasm-simd'` when the runtime
   * validates WebAssembly SIMD, else `'ts'`. Both give identical bytes.
   */
  kernel?: CodecKernel | 'auto';
}

/** A k-of-n erasure code, byte-compatible with zfec. */
export interface Codec {
  /** Blocks needed to decode. */
  readonly k: number;
  /** Blocks (shares) produced. */
  readonly n: number;
  /** The kernel in use. */
  readonly kernel: CodecKernel;
  /**
   * Encodes k input blocks of equal length into the blocks of the given shares.
   *
   * @param inputs exactly k blocks of equal length (any length, including 0)
   * @param shareNums the shares wanted, distinct integers in [0, n), any order;
   *   default all of 0..n-1
   * @param into where to write the parity blocks (those of share numbers ≥ k, in
   *   `shareNums` order), each as long as an input; default new blocks. Lets a caller reuse
   *   its buffers instead of allocating new ones per call.
   * @returns one block per entry of `shareNums`, in that order; for a share number below k
   *   that is the input block itself (not a copy)
   * @throws BadSharesError (`CODEC_BAD_SHARES`) if there are not k inputs, their lengths
   *   differ, or a share number is duplicated or not an integer in [0, n)
   * @throws RangeError if `into` does not hold one block of the inputs' length per parity share
   * @throws TypeError if an input is not a Uint8Array
   */
  encode(
    inputs: readonly Uint8Array[],
    shareNums?: readonly number[],
    into?: readonly Uint8Array[],
  ): Uint8Array[];
  /**
   * Rebuilds the k primary (data) blocks from any k blocks.
   *
   * @param blocks k blocks of equal length
   * @param shareNums the share number of each block: distinct integers in [0, n)
   * @returns the primary blocks 0..k-1 in order; blocks given for primary shares are
   *   returned as they are (not copies)
   * @throws NotEnoughSharesError (`CODEC_NOT_ENOUGH_SHARES`) with fewer than k blocks
   * @throws BadSharesError (`CODEC_BAD_SHARES`) with more than k blocks, unequal lengths,
   *   or a share number duplicated or not an integer in [0, n)
   * @throws RangeError if `blocks` and `shareNums` differ in length;
   *   TypeError if a block is not a Uint8Array
   */
  decode(blocks: readonly Uint8Array[], shareNums: readonly number[]): Uint8Array[];
}

/** What one encode call with a given list of share numbers computes. */
interface EncodePlan {
  /** Rows of the encoding matrix for the parity shares (≥ k) requested, in request order. */
  readonly coeffs: Uint8Array;
  readonly parityRows: number;
}

/** What decoding from a given set of share numbers computes. */
interface DecodePlan {
  /** Share numbers in the order of the inverted matrix's columns (ascending). */
  readonly columns: readonly number[];
  /** Primary indices not present, i.e. rebuilt. */
  readonly missing: readonly number[];
  /** The rows of the inverted matrix for `missing`. */
  readonly coeffs: Uint8Array;
}

/** `Array.isArray` without narrowing the argument's type to `any[]`. */
function isArray(value: unknown): boolean {
  return Array.isArray(value);
}

function checkBlocks(blocks: readonly Uint8Array[], what: string): number {
  if (!isArray(blocks)) throw new TypeError(`Cannot ${what}: blocks must be an array`);
  const len = blocks.length > 0 ? checkBlock(blocks[0], 0, what) : 0;
  for (let i = 1; i < blocks.length; i++) {
    const l = checkBlock(blocks[i], i, what);
    if (l !== len) {
      throw new BadSharesError(
        `Cannot ${what}: blocks differ in length: block 0 has ${len} bytes, block ${i} has ${l}`,
      );
    }
  }
  return len;
}

function checkBlock(block: unknown, i: number, what: string): number {
  if (!(block instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${what}: block ${i} is not a Uint8Array`);
  }
  return block.length;
}

function checkShareNums(shareNums: readonly number[], n: number, what: string): void {
  if (!isArray(shareNums)) {
    throw new TypeError(`Cannot ${what}: share numbers must be an array`);
  }
  const seen = new Uint8Array(n);
  for (const s of shareNums) {
    if (!Number.isInteger(s) || s < 0 || s >= n) {
      throw new BadSharesError(`Cannot ${what}: share number "${s}" is not in [0, ${n})`);
    }
    if (seen[s] !== 0) throw new BadSharesError(`Cannot ${what}: share number "${s}" is repeated`);
    seen[s] = 1;
  }
}

/** Keeps at most PLAN_CACHE_SIZE entries, dropping the oldest. */
function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= PLAN_CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, value);
  return value;
}

class ReedSolomonCodec implements Codec {
  readonly k: number;
  readonly n: number;
  readonly kernel: CodecKernel;
  readonly #engine: Kernel;
  /** zfec's n×k encoding matrix, shared between codecs: never modified. */
  readonly #matrix: Uint8Array;
  readonly #allShares: readonly number[];
  readonly #encodePlans = new Map<string, EncodePlan>();
  readonly #decodePlans = new Map<string, DecodePlan>();

  constructor(k: number, n: number, engine: Kernel) {
    this.k = k;
    this.n = n;
    this.kernel = engine.name;
    this.#engine = engine;
    this.#matrix = sharedEncodingMatrix(k, n);
    this.#allShares = Array.from({ length: n }, (_, i) => i);
  }

  encode(
    inputs: readonly Uint8Array[],
    shareNums?: readonly number[],
    into?: readonly Uint8Array[],
  ): Uint8Array[] {
    const { k } = this;
    const len = checkBlocks(inputs, 'encode');
    if (inputs.length !== k) {
      throw new BadSharesError(`Cannot encode: expected ${k} input blocks, got ${inputs.length}`);
    }
    const wanted = shareNums ?? this.#allShares;
    if (shareNums !== undefined) checkShareNums(shareNums, this.n, 'encode');
    const plan = this.#encodePlan(wanted);
    if (
      into !== undefined &&
      (into.length !== plan.parityRows || into.some((b) => b.length !== len))
    ) {
      throw new RangeError(
        `Cannot encode: expected ${plan.parityRows} output blocks of ${len} bytes in \`into\``,
      );
    }
    const parity =
      plan.parityRows === 0
        ? []
        : this.#engine.multiply(plan.coeffs, plan.parityRows, inputs, len, into);
    let next = 0;
    // Tahoe §2.6: the code is systematic, share s < k is input s unchanged.
    return wanted.map((s) => (s < k ? inputs[s] : parity[next++]));
  }

  #encodePlan(wanted: readonly number[]): EncodePlan {
    const key = wanted === this.#allShares ? 'all' : wanted.join(',');
    const cached = this.#encodePlans.get(key);
    if (cached !== undefined) return cached;
    const { k } = this;
    const parity = wanted.filter((s) => s >= k);
    const coeffs = new Uint8Array(parity.length * k);
    parity.forEach((s, r) => coeffs.set(this.#matrix.subarray(s * k, s * k + k), r * k));
    return remember(this.#encodePlans, key, { coeffs, parityRows: parity.length });
  }

  decode(blocks: readonly Uint8Array[], shareNums: readonly number[]): Uint8Array[] {
    const { k } = this;
    checkBlocks(blocks, 'decode');
    checkShareNums(shareNums, this.n, 'decode');
    if (blocks.length !== shareNums.length) {
      throw new RangeError(
        `Cannot decode: got ${blocks.length} blocks but ${shareNums.length} share numbers`,
      );
    }
    if (blocks.length < k) throw new NotEnoughSharesError(blocks.length, k);
    if (blocks.length > k) {
      throw new BadSharesError(`Cannot decode: expected ${k} blocks, got ${blocks.length}`);
    }
    const byShare = new Map<number, Uint8Array>();
    shareNums.forEach((s, i) => byShare.set(s, blocks[i]));
    const plan = this.#decodePlan(shareNums);
    const result: Uint8Array[] = [];
    if (plan.missing.length === 0) {
      for (let i = 0; i < k; i++) result.push(byShare.get(i) as Uint8Array);
      return result;
    }
    const inputs = plan.columns.map((s) => byShare.get(s) as Uint8Array);
    const rebuilt = this.#engine.multiply(
      plan.coeffs,
      plan.missing.length,
      inputs,
      inputs[0].length,
    );
    let next = 0;
    for (let i = 0; i < k; i++) result.push(byShare.get(i) ?? rebuilt[next++]);
    return result;
  }

  #decodePlan(shareNums: readonly number[]): DecodePlan {
    const columns = [...shareNums].sort((a, b) => a - b);
    const key = columns.join(',');
    const cached = this.#decodePlans.get(key);
    if (cached !== undefined) return cached;
    const { k } = this;
    const missing: number[] = [];
    for (let i = 0; i < k; i++) if (!columns.includes(i)) missing.push(i);
    // Tahoe §2.6: the rows of E for the blocks we have, inverted, map blocks to data.
    const sub = new Uint8Array(k * k);
    columns.forEach((s, r) => sub.set(this.#matrix.subarray(s * k, s * k + k), r * k));
    const inverse = missing.length === 0 ? sub : invertMatrix(sub, k);
    const coeffs = new Uint8Array(missing.length * k);
    missing.forEach((p, r) => coeffs.set(inverse.subarray(p * k, p * k + k), r * k));
    return remember(this.#decodePlans, key, { columns, missing, coeffs });
  }
}

const codecs = new Map<string, Codec>();

/**
 * Creates (or returns the cached) k-of-n codec, byte-compatible with zfec: any k of the n
 * blocks rebuild the input. Matrices are built once per (k, n) and decode matrices once per
 * set of share numbers.
 *
 * @throws RangeError unless 1 ≤ k ≤ n ≤ 256, for an unknown kernel, or for `'wasm-simd'`
 *   where the runtime lacks WebAssembly SIMD; TypeError if k or n is not an integer
 * @example
 * ```ts
 * const codec = createCodec(3, 10);
 * const data = [Uint8Array.of(1, 2), Uint8Array.of(3, 4), Uint8Array.of(5, 6)];
 * const shares = codec.encode(data); // 10 blocks; shares[3] is 09 2a
 * const back = codec.decode([shares[7], shares[3], shares[9]], [7, 3, 9]); // = data
 * ```
 */
export function createCodec(k: number, n: number, options: CodecOptions = {}): Codec {
  checkParams(k, n);
  const engine = selectKernel(options.kernel ?? 'auto');
  const key = `${k},${n},${engine.name}`;
  let codec = codecs.get(key);
  if (codec === undefined) {
    codec = new ReedSolomonCodec(k, n, engine);
    codecs.set(key, codec);
  }
  return codec;
}

/**
 * Returns zfec's n×k encoding matrix (Tahoe §2.6), row-major: row j holds the coefficients
 * of share j. The top k rows are the identity. A fresh copy, for tests and tools.
 *
 * @throws RangeError unless 1 ≤ k ≤ n ≤ 256; TypeError if k or n is not an integer
 * @example
 * ```ts
 * encodingMatrix(2, 3); // Uint8Array [1, 0, 0, 1, 3, 2]
 * ```
 */
export function encodingMatrix(k: number, n: number): Uint8Array {
  checkParams(k, n);
  return Uint8Array.from(sharedEncodingMatrix(k, n));
}
