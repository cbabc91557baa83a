import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BadSharesError,
  CodecError,
  createCodec,
  encodingMatrix,
  gfMul,
  NotEnoughSharesError,
  type CodecKernel,
} from '../src/index.ts';
import { slowEncode } from './reference-rs.ts';

const KERNELS: CodecKernel[] = ['wasm-simd', 'ts'];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** Blocks of pseudo-random bytes (xorshift), deterministic per seed. */
function blocks(count: number, len: number, seed = 1): Uint8Array[] {
  let x = seed * 2654435761 || 1;
  return Array.from({ length: count }, () => {
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x;
    }
    return b;
  });
}

/** Asserts two lists of blocks hold the same bytes (faster than toEqual on long blocks). */
function expectSameBytes(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  expect(actual.map(hex)).toEqual(expected.map(hex));
}

/** Calls `fn`, expecting a CodecError with `code`; returns it. */
function codecError(fn: () => unknown, code: string): CodecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    expect((e as CodecError).code).toBe(code);
    return e as CodecError;
  }
  throw new Error(`expected a ${code} error`);
}

interface ZfecCase {
  k: number;
  n: number;
  inputs: string[];
  parity: string[];
}

/** Blocks made by zfec 1.5.2 itself (scripts/gen-zfec-fixture.py). */
function zfecCases(): ZfecCase[] {
  const url = new URL('./fixtures/zfec-blocks.json', import.meta.url);
  const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || !('cases' in parsed)) {
    throw new Error('bad fixture');
  }
  return parsed.cases as ZfecCase[];
}

describe.each(KERNELS)('codec with kernel %s', (kernel) => {
  const codec = (k: number, n: number) => createCodec(k, n, { kernel });

  it('reports its parameters and kernel', () => {
    const c = codec(3, 10);
    expect([c.k, c.n, c.kernel]).toEqual([3, 10, kernel]);
  });

  it('encodes the (3,10) example of Tahoe §2.6', () => {
    const inputs = [Uint8Array.of(1, 2), Uint8Array.of(3, 4), Uint8Array.of(5, 6)];
    const shares = codec(3, 10).encode(inputs);
    expect(shares.slice(3).map(hex)).toEqual([
      '092a',
      '11d2',
      '2185',
      '41f9',
      '816e',
      '1cfc',
      '3b7b',
    ]);
  });

  it('decodes the (3,10) example from parity shares only', () => {
    const parity = ['092a', '11d2', '2185', '41f9', '816e', '1cfc', '3b7b'].map(fromHex);
    const data = codec(3, 10).decode([parity[6], parity[0], parity[3]], [9, 3, 6]);
    expect(data.map(hex)).toEqual(['0102', '0304', '0506']);
  });

  it('makes identical copies when k = 1', () => {
    const [input] = blocks(1, 37);
    const shares = codec(1, 5).encode([input]);
    expect(shares).toHaveLength(5);
    for (const s of shares) expect(s).toEqual(input);
    expect(codec(1, 5).decode([shares[4]], [4])[0]).toEqual(input);
  });

  it('matches blocks made by zfec', () => {
    for (const { k, n, inputs, parity } of zfecCases()) {
      const c = codec(k, n);
      const data = inputs.map(fromHex);
      const shares = c.encode(data);
      expect(shares.slice(k).map(hex)).toEqual(parity);
      // Rebuild from the last k shares (as many parity shares as there are).
      const nums = Array.from({ length: k }, (_, i) => n - k + i);
      expect(
        c
          .decode(
            nums.map((s) => shares[s]),
            nums,
          )
          .map(hex),
      ).toEqual(inputs);
    }
  });

  it('returns input blocks for primary shares, in the order asked', () => {
    const inputs = blocks(3, 10);
    const c = codec(3, 10);
    const out = c.encode(inputs, [7, 1, 3, 0]);
    expect(out[1]).toBe(inputs[1]);
    expect(out[3]).toBe(inputs[0]);
    expect(out[0]).toEqual(c.encode(inputs)[7]);
    expect(out[2]).toEqual(c.encode(inputs)[3]);
  });

  it('encodes no shares when asked for none', () => {
    const inputs = blocks(2, 5);
    const c = codec(2, 4);
    expect(c.encode(inputs, [])).toEqual([]);
    expect(c.encode(inputs).map(hex)).toEqual(slowEncode(2, 4, inputs, [0, 1, 2, 3]).map(hex));
    expect(c.encode(inputs, [])).toEqual([]);
  });

  it('returns primary blocks given to decode as they are', () => {
    const inputs = blocks(3, 10);
    const c = codec(3, 10);
    const shares = c.encode(inputs);
    const data = c.decode([shares[2], shares[8], shares[0]], [2, 8, 0]);
    expect(data[0]).toBe(shares[0]);
    expect(data[2]).toBe(shares[2]);
    expect(data[1]).toEqual(inputs[1]);
    const all = c.decode([shares[1], shares[2], shares[0]], [1, 2, 0]);
    expect(all).toEqual(inputs);
    expect(all[0]).toBe(shares[0]);
  });

  it('codes empty blocks', () => {
    const c = codec(3, 10);
    const shares = c.encode([new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]);
    expect(shares.map((s) => s.length)).toEqual(new Array<number>(10).fill(0));
    expect(c.decode([shares[9], shares[5], shares[4]], [9, 5, 4])).toEqual(
      new Array(3).fill(new Uint8Array(0)),
    );
  });

  it('codes subarrays of larger buffers', () => {
    const buffer = blocks(1, 3 * 21 + 5)[0];
    const inputs = [buffer.subarray(5, 26), buffer.subarray(26, 47), buffer.subarray(47, 68)];
    const copies = inputs.map((b) => Uint8Array.from(b));
    const c = codec(3, 7);
    const shares = c.encode(inputs);
    expect(shares).toEqual(slowEncode(3, 7, copies, [0, 1, 2, 3, 4, 5, 6]));
    const big = new Uint8Array(200);
    big.set(shares[6], 100);
    const data = c.decode([shares[4], big.subarray(100, 121), shares[5]], [4, 6, 5]);
    expect(data).toEqual(copies);
  });

  it('codes blocks longer than one kernel chunk, of odd length', () => {
    const len = 70_001;
    const inputs = blocks(3, len, 7);
    const c = codec(3, 10);
    const shares = c.encode(inputs);
    const ts = createCodec(3, 10, { kernel: 'ts' }).encode(inputs);
    expectSameBytes(shares, ts);
    // Spot-check against the reference at a few positions.
    const at = [0, 1, 31, 32, 32_767, 32_768, 65_536, len - 1];
    const picked = inputs.map((b) => Uint8Array.from(at, (i) => b[i]));
    const slow = slowEncode(3, 10, picked, [3, 4, 5, 6, 7, 8, 9]);
    slow.forEach((s, j) => expect([...s]).toEqual(at.map((i) => shares[3 + j][i])));
    expectSameBytes(c.decode(shares.slice(5, 8), [5, 6, 7]), inputs);
  });

  it('writes parity into the blocks it is given, whatever they held', () => {
    const len = 70_001;
    const inputs = blocks(3, len, 9);
    const c = codec(3, 10);
    const fresh = c.encode(inputs, [9, 1, 4]);
    const into = blocks(2, len, 11); // stale bytes must not leak into the parity
    const reused = c.encode(inputs, [9, 1, 4], into);
    expectSameBytes(reused, fresh);
    expect(reused[0]).toBe(into[0]);
    expect(reused[1]).toBe(inputs[1]);
    expect(reused[2]).toBe(into[1]);
  });

  describe('errors', () => {
    const c = codec(3, 10);
    const inputs = blocks(3, 8);
    const shares = c.encode(inputs);

    it('rejects repeated share numbers', () => {
      codecError(() => c.encode(inputs, [3, 4, 3]), 'CODEC_BAD_SHARES');
      const e = codecError(
        () => c.decode([shares[3], shares[4], shares[3]], [3, 4, 3]),
        'CODEC_BAD_SHARES',
      );
      expect(e).toBeInstanceOf(BadSharesError);
      expect(e.name).toBe('BadSharesError');
    });

    it('rejects share numbers outside [0, n)', () => {
      for (const bad of [10, 11, -1, 1.5, Number.NaN]) {
        codecError(() => c.encode(inputs, [3, bad]), 'CODEC_BAD_SHARES');
        codecError(
          () => c.decode([shares[3], shares[4], shares[5]], [3, 4, bad]),
          'CODEC_BAD_SHARES',
        );
      }
    });

    it('rejects fewer than k blocks', () => {
      const e = codecError(
        () => c.decode([shares[3], shares[4]], [3, 4]),
        'CODEC_NOT_ENOUGH_SHARES',
      );
      expect(e).toBeInstanceOf(NotEnoughSharesError);
      expect(e).toMatchObject({ have: 2, need: 3 });
    });

    it('rejects more than k blocks', () => {
      codecError(
        () => c.decode([shares[3], shares[4], shares[5], shares[6]], [3, 4, 5, 6]),
        'CODEC_BAD_SHARES',
      );
    });

    it('rejects blocks of unequal length', () => {
      const short = shares[4].subarray(1);
      codecError(() => c.decode([shares[3], short, shares[5]], [3, 4, 5]), 'CODEC_BAD_SHARES');
      codecError(() => c.encode([inputs[0], inputs[1], short]), 'CODEC_BAD_SHARES');
    });

    it('rejects a wrong number of inputs to encode', () => {
      codecError(() => c.encode(inputs.slice(0, 2)), 'CODEC_BAD_SHARES');
      codecError(() => c.encode([...inputs, inputs[0]]), 'CODEC_BAD_SHARES');
    });

    it('throws TypeError/RangeError for programmer mistakes', () => {
      expect(() => c.decode([shares[3], shares[4], shares[5]], [3, 4])).toThrow(RangeError);
      const notBytes = [1, 2] as unknown as Uint8Array;
      expect(() => c.encode([inputs[0], inputs[1], notBytes])).toThrow(TypeError);
      expect(() => c.decode([shares[3], notBytes, shares[5]], [3, 4, 5])).toThrow(TypeError);
    });

    it('rejects output blocks of the wrong number or length', () => {
      const out = (count: number, len = 8): Uint8Array[] => blocks(count, len, 3);
      expect(() => c.encode(inputs, [3, 4], out(1))).toThrow(RangeError);
      expect(() => c.encode(inputs, [3, 4], out(3))).toThrow(RangeError);
      expect(() => c.encode(inputs, [3, 4], [...out(1), ...out(1, 7)])).toThrow(RangeError);
      expect(() => c.encode(inputs, [0, 1], out(1))).toThrow(RangeError);
      expect(c.encode(inputs, [0, 1], [])).toEqual([inputs[0], inputs[1]]);
    });
  });
});

describe('createCodec', () => {
  const saved = process.env.TESSERA_CODEC;
  afterEach(() => {
    if (saved === undefined) delete process.env.TESSERA_CODEC;
    else process.env.TESSERA_CODEC = saved;
  });

  it('uses WASM SIMD by default on Node 20', () => {
    delete process.env.TESSERA_CODEC;
    expect(createCodec(3, 10).kernel).toBe('wasm-simd');
    expect(createCodec(3, 10, { kernel: 'auto' }).kernel).toBe('wasm-simd');
  });

  it('uses the TypeScript kernel when TESSERA_CODEC=ts', () => {
    process.env.TESSERA_CODEC = 'ts';
    expect(createCodec(3, 10).kernel).toBe('ts');
    expect(createCodec(3, 10, { kernel: 'wasm-simd' }).kernel).toBe('wasm-simd');
  });

  it('returns one codec per (k, n, kernel)', () => {
    expect(createCodec(4, 6, { kernel: 'ts' })).toBe(createCodec(4, 6, { kernel: 'ts' }));
    expect(createCodec(4, 6, { kernel: 'ts' })).not.toBe(
      createCodec(4, 6, { kernel: 'wasm-simd' }),
    );
  });

  it('rejects bad parameters and kernels', () => {
    expect(() => createCodec(0, 3)).toThrow(RangeError);
    expect(() => createCodec(4, 3)).toThrow(RangeError);
    expect(() => createCodec(1, 257)).toThrow(RangeError);
    expect(() => createCodec(2.5, 3)).toThrow(TypeError);
    const kernel = 'gpu' as unknown as CodecKernel;
    expect(() => createCodec(2, 3, { kernel })).toThrow(RangeError);
  });

  it('stays right when codecs with different matrices alternate', () => {
    const small = blocks(2, 40, 8);
    const big = blocks(100, 40, 9);
    const expectSmall = createCodec(2, 5, { kernel: 'ts' }).encode(small);
    const expectBig = createCodec(100, 200, { kernel: 'ts' }).encode(big);
    for (let i = 0; i < 3; i++) {
      expectSameBytes(createCodec(100, 200).encode(big), expectBig);
      expectSameBytes(createCodec(2, 5).encode(small), expectSmall);
      expectSameBytes(createCodec(2, 5).encode(small), expectSmall);
    }
  });

  it('codes a 128-of-256 code over blocks longer than its memory chunks', () => {
    // 128 inputs + 128 outputs leave the WASM kernel chunks of 14 KiB: 3 passes here.
    const len = 30_001;
    const inputs = blocks(128, len, 11);
    const c = createCodec(128, 256);
    const shares = c.encode(inputs);
    const e = encodingMatrix(128, 256);
    for (const i of [0, 14_335, 14_336, 28_671, 28_672, len - 1]) {
      for (const j of [128, 200, 255]) {
        let sum = 0;
        for (let col = 0; col < 128; col++) sum ^= gfMul(e[j * 128 + col], inputs[col][i]);
        expect(shares[j][i]).toBe(sum);
      }
    }
    const parity = Array.from({ length: 128 }, (_, i) => 128 + i);
    expectSameBytes(
      c.decode(
        parity.map((s) => shares[s]),
        parity,
      ),
      inputs,
    );
  });

  it('has identical kernels on every share of a 1..256 code', () => {
    const inputs = blocks(128, 3, 5);
    const wasm = createCodec(128, 256).encode(inputs);
    const ts = createCodec(128, 256, { kernel: 'ts' }).encode(inputs);
    expect(wasm).toEqual(ts);
  });
});
