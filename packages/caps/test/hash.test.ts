import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  netstring,
  sha256,
  sha256d,
  taggedHash,
  taggedHasher,
  taggedPairHash,
  TAG,
} from '../src/index.ts';
import { concat } from './helpers.ts';

const enc = new TextEncoder();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('sha256 / sha256d', () => {
  it('known answers', () => {
    expect(hex(sha256(enc.encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hex(sha256(new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    // SHA-256d of "abc" (Bitcoin-style double SHA-256).
    expect(hex(sha256d(enc.encode('abc')))).toBe(
      '4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358',
    );
    expect(hex(sha256d(new Uint8Array(0)))).toBe(
      '5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456',
    );
  });
});

describe('tagged hashes (spec §1.1)', () => {
  it('taggedHash is sha256d over the netstring tag and the data', () => {
    const manual = sha256d(concat(enc.encode('3:tag,'), enc.encode('data')));
    expect(taggedHash('tag', 'data')).toEqual(manual);
    expect(taggedHash('tag', enc.encode('data'), 16)).toEqual(manual.subarray(0, 16));
    expect(netstring('tag')).toEqual(enc.encode('3:tag,'));
  });

  it('taggedPairHash wraps both values in netstrings', () => {
    const manual = sha256d(enc.encode('3:tag,1:a,2:bc,'));
    expect(taggedPairHash('tag', 'a', 'bc')).toEqual(manual);
    expect(taggedHasher('tag').update(enc.encode('1:a,2:bc,')).digest()).toEqual(manual);
  });

  it('known answer: a CHK storage index (spec §2.4, tahoe-vectors vector 0)', () => {
    const key = base32Decode('yzxcoagbetwet65ltjpbqyli3m');
    const si = taggedHash(TAG.CHK_KEY_TO_STORAGE_INDEX, key, 16);
    expect(base32Encode(si)).toBe('i5nhq74zw2crkop634ra4hrvzm');
  });
});
