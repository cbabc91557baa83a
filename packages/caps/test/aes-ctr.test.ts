import { ctr } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { aesCtr, aesCtrOnce, counterBlock } from '../src/index.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

describe('AES-CTR (spec §1.3)', () => {
  it('NIST SP 800-38A F.5.1 (AES-128-CTR), with its initial counter', () => {
    const key = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
    const plain = fromHex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51');
    const expected = '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff';
    // Its initial counter f0f1…feff is beyond any safe-integer offset: check noble against it,
    // then us against noble.
    const nonce = fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    expect(hex(ctr(key, nonce).encrypt(plain))).toBe(expected);
    // And our stream from offset 0 equals noble with a zero counter.
    expect(aesCtrOnce(key, plain)).toEqual(ctr(key, new Uint8Array(16)).encrypt(plain));
  });

  it('counterBlock is a 128-bit big-endian block number', () => {
    expect(hex(counterBlock(0))).toBe('00'.repeat(16));
    expect(hex(counterBlock(1))).toBe('00'.repeat(15) + '01');
    expect(hex(counterBlock(0x0102))).toBe('00'.repeat(14) + '0102');
    expect(hex(counterBlock(2n ** 64n))).toBe('00'.repeat(7) + '01' + '00'.repeat(8));
  });

  it('rejects bad keys and offsets with RangeError', () => {
    expect(() => aesCtr(new Uint8Array(15))).toThrow(RangeError);
    expect(() => aesCtr(new Uint8Array(24))).toThrow(RangeError);
    expect(() => aesCtr(new Uint8Array(16), -1)).toThrow(RangeError);
    expect(() => aesCtr(new Uint8Array(16), 1.5)).toThrow(RangeError);
  });
});
