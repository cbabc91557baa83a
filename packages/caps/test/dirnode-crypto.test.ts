import { createCipheriv, createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decryptChildWriteCap,
  dirnodeChildKey,
  dirnodeChildSalt,
  dirnodeMac,
  encryptChildWriteCap,
  taggedHash,
  taggedPairHash,
  TAG,
} from '../src/index.ts';
import { codeOf } from './helpers.ts';

const enc = new TextEncoder();
const dirWritekey = new Uint8Array(16).map((_, i) => 100 + i);
const rwUri =
  'URI:SSK:aaaaaaaaaaaaaaaaaaaaaaaaaa:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

describe('dirnode child write caps (spec §6)', () => {
  it('derives salt and key with the dirnode tags', () => {
    const salt = dirnodeChildSalt(rwUri);
    expect(salt).toEqual(taggedHash(TAG.DIRNODE_CHILD_SALT, enc.encode(rwUri), 16));
    expect(dirnodeChildSalt(enc.encode(rwUri))).toEqual(salt);
    expect(dirnodeChildKey(salt, dirWritekey)).toEqual(
      taggedPairHash(TAG.DIRNODE_CHILD_CAPKEY, salt, dirWritekey, 16),
    );
  });

  it('lays out salt ‖ AES-128-CTR ciphertext ‖ home-made MAC', () => {
    const data = encryptChildWriteCap(rwUri, dirWritekey);
    expect(data.length).toBe(16 + rwUri.length + 32);
    const salt = dirnodeChildSalt(rwUri);
    const key = dirnodeChildKey(salt, dirWritekey);
    expect(data.subarray(0, 16)).toEqual(salt);
    const cipher = createCipheriv('aes-128-ctr', key, new Uint8Array(16));
    const ct = new Uint8Array(cipher.update(enc.encode(rwUri)));
    expect(data.subarray(16, 16 + ct.length)).toEqual(ct);
    // Tahoe's hashutil.hmac: the 16-byte key XORed without padding, plain SHA-256.
    const ikey = Buffer.from(key.map((b) => b ^ 0x36));
    const okey = Buffer.from(key.map((b) => b ^ 0x5c));
    const inner = createHash('sha256')
      .update(Buffer.concat([ikey, salt, ct]))
      .digest();
    const mac = createHash('sha256')
      .update(Buffer.concat([okey, inner]))
      .digest();
    expect(data.subarray(16 + ct.length)).toEqual(new Uint8Array(mac));
    expect(dirnodeMac(key, data.subarray(0, 16 + ct.length))).toEqual(new Uint8Array(mac));
  });

  it('an empty write cap gives 48 bytes and decrypts to empty', () => {
    const data = encryptChildWriteCap('', dirWritekey);
    expect(data.length).toBe(48);
    expect(decryptChildWriteCap(data, dirWritekey)).toEqual(new Uint8Array(0));
  });

  it('round-trips, strips trailing spaces, and checks the MAC on request', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'URI:abcXYZ234-'.split('')), maxLength: 120 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (uri, wk) => {
          const data = encryptChildWriteCap(uri, wk);
          const plain = new TextDecoder().decode(
            decryptChildWriteCap(data, wk, { checkMac: true }),
          );
          expect(plain).toBe(uri.replace(/ +$/, ''));
        },
      ),
      { numRuns: 200 },
    );
    const padded = encryptChildWriteCap(`${rwUri}   `, dirWritekey);
    expect(new TextDecoder().decode(decryptChildWriteCap(padded, dirWritekey))).toBe(rwUri);
  });

  it('ignores the MAC by default (as Tahoe readers do) and rejects it when asked', () => {
    const data = encryptChildWriteCap(rwUri, dirWritekey);
    data[data.length - 1] ^= 1;
    expect(new TextDecoder().decode(decryptChildWriteCap(data, dirWritekey))).toBe(rwUri);
    expect(codeOf(() => decryptChildWriteCap(data, dirWritekey, { checkMac: true }))).toBe(
      'CAPS_HASH_MISMATCH',
    );
  });

  it('rejects rwcapdata shorter than 48 bytes with CAPS_MALFORMED_CAP', () => {
    expect(codeOf(() => decryptChildWriteCap(new Uint8Array(47), dirWritekey))).toBe(
      'CAPS_MALFORMED_CAP',
    );
    expect(() => encryptChildWriteCap(rwUri, new Uint8Array(32))).toThrow(RangeError);
  });

  it('a different directory writekey does not recover the cap', () => {
    const data = encryptChildWriteCap(rwUri, dirWritekey);
    const other = decryptChildWriteCap(data, new Uint8Array(16));
    expect(new TextDecoder().decode(other)).not.toBe(rwUri);
  });
});
