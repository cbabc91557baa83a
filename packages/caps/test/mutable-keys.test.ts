import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  base32Encode,
  dataKey,
  decryptPrivateKey,
  encryptPrivateKey,
  fingerprintFromPublicKey,
  formatCap,
  generateMutableKey,
  importRsaPublicKey,
  mutableKeysFromPrivateKey,
  parseCap,
  readOnlyCap,
  readkeyFromWritekey,
  signPrefix,
  storageIndexFromReadkey,
  storageIndexOf,
  taggedHash,
  taggedPairHash,
  TAG,
  verifyCap,
  verifyPrefix,
  writeEnabler,
  writeEnablerMaster,
  writekeyFromPrivateKey,
  type MutableKeys,
} from '../src/index.ts';
import {
  DERIVED_INTERMEDIATES_FILE,
  describeVectors,
  loadDerivedIntermediates,
  loadTahoeVectors,
  TAHOE_VECTORS_FILE,
  type DerivedSsk,
} from './vectors.ts';
import { codeOf } from './helpers.ts';

describeVectors(
  'SDMF/MDMF vectors: PEM → write cap, read cap, verify cap',
  [TAHOE_VECTORS_FILE, DERIVED_INTERMEDIATES_FILE],
  () => {
    const mutable = (): { pem: string; mdmf: boolean; expected: string; derived: DerivedSsk }[] => {
      const derived = new Map(loadDerivedIntermediates().map((d) => [d.index, d]));
      return loadTahoeVectors()
        .vectors.filter((v) => v.kind === 'ssk')
        .map((v) => {
          const d = derived.get(v.index);
          if (d?.kind !== 'ssk') throw new Error(`no derived entry for vector ${v.index}`);
          return {
            pem: v.key!,
            mdmf: v.mutableFormat === 'mdmf',
            expected: v.expected,
            derived: d,
          };
        });
    };

    it('has 240 mutable vectors (120 SDMF + 120 MDMF)', () => {
      const all = mutable();
      expect(all).toHaveLength(240);
      expect(all.filter((v) => v.mdmf)).toHaveLength(120);
    });

    it.each(Array.from({ length: 240 }, (_, i) => i))('mutable vector #%i', (i) => {
      const { pem, mdmf, expected, derived } = mutable()[i];
      expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
      const keys = mutableKeysFromPrivateKey(pem);
      expect(keys.privateKeyDer.length).toBe(derived.pkcs8DerLength);
      expect(keys.publicKeyDer.length).toBe(derived.spkiDerLength);
      expect(base32Encode(keys.writekey)).toBe(derived.writekeyB32);
      expect(base32Encode(keys.readkey)).toBe(derived.readkeyB32);
      expect(base32Encode(keys.storageIndex)).toBe(derived.storageIndexB32);
      expect(base32Encode(keys.fingerprint)).toBe(derived.fingerprintB32);

      const writecap = formatCap({
        kind: mdmf ? 'mdmf' : 'ssk',
        writekey: keys.writekey,
        fingerprint: keys.fingerprint,
      });
      expect(writecap).toBe(expected);
      const cap = parseCap(writecap);
      expect(formatCap(readOnlyCap(cap)!)).toBe(derived.readcap);
      expect(formatCap(verifyCap(cap)!)).toBe(derived.verifycap);
      expect(formatCap(verifyCap(parseCap(derived.readcap))!)).toBe(derived.verifycap);
      expect(storageIndexOf(cap)).toEqual(keys.storageIndex);

      // The same key as PKCS#8 DER bytes and as a KeyObject gives the same chain.
      expect(mutableKeysFromPrivateKey(keys.privateKeyDer).writekey).toEqual(keys.writekey);
      expect(mutableKeysFromPrivateKey(createPrivateKey(pem)).fingerprint).toEqual(
        keys.fingerprint,
      );
    });
  },
);

describe('mutable key chain', () => {
  let keys: MutableKeys;
  beforeAll(async () => {
    keys = await generateMutableKey();
  });

  it('generates RSA-2048, e = 65537, with SPKI of 294 bytes', () => {
    expect(keys.privateKey.asymmetricKeyDetails).toEqual({
      modulusLength: 2048,
      publicExponent: 65537n,
    });
    expect(keys.publicKeyDer.length).toBe(294);
    expect(keys.privateKeyDer.length).toBeGreaterThan(1200);
  });

  it('follows the spec §5.1 formulas', () => {
    const wk = taggedHash(TAG.MUTABLE_PRIVKEY_TO_WRITEKEY, keys.privateKeyDer, 16);
    expect(keys.writekey).toEqual(wk);
    expect(writekeyFromPrivateKey(keys.privateKeyDer)).toEqual(wk);
    const rk = taggedHash(TAG.MUTABLE_WRITEKEY_TO_READKEY, wk, 16);
    expect(keys.readkey).toEqual(rk);
    expect(readkeyFromWritekey(wk)).toEqual(rk);
    expect(keys.storageIndex).toEqual(taggedHash(TAG.MUTABLE_READKEY_TO_STORAGE_INDEX, rk, 16));
    expect(storageIndexFromReadkey(rk)).toEqual(keys.storageIndex);
    expect(keys.fingerprint).toEqual(
      taggedHash(TAG.MUTABLE_PUBKEY_TO_FINGERPRINT, keys.publicKeyDer),
    );
    expect(fingerprintFromPublicKey(keys.publicKeyDer)).toEqual(keys.fingerprint);
    const wem = taggedHash(TAG.MUTABLE_WRITEKEY_TO_WRITE_ENABLER_MASTER, wk);
    expect(keys.writeEnablerMaster).toEqual(wem);
    expect(writeEnablerMaster(wk)).toEqual(wem);
    const seed = new Uint8Array(20).fill(7);
    expect(writeEnabler(wem, seed)).toEqual(taggedPairHash(TAG.MUTABLE_WRITE_ENABLER, wem, seed));
    const salt = new Uint8Array(16).fill(9);
    expect(dataKey(salt, rk)).toEqual(taggedPairHash(TAG.MUTABLE_READKEY_TO_DATAKEY, salt, rk, 16));
  });

  it('checks lengths of keys and seeds (RangeError)', () => {
    expect(() => writeEnabler(keys.writeEnablerMaster, new Uint8Array(32))).toThrow(RangeError);
    expect(() => dataKey(new Uint8Array(15), keys.readkey)).toThrow(RangeError);
    expect(() => readkeyFromWritekey(new Uint8Array(32))).toThrow(RangeError);
  });

  it('encrypts the private key under the writekey and decrypts it with a check', () => {
    const enc = encryptPrivateKey(keys.privateKeyDer, keys.writekey);
    expect(enc).not.toEqual(keys.privateKeyDer);
    expect(enc.length).toBe(keys.privateKeyDer.length);
    expect(decryptPrivateKey(enc, keys.writekey)).toEqual(keys.privateKeyDer);
    const other = new Uint8Array(16).fill(1);
    expect(codeOf(() => decryptPrivateKey(enc, other))).toBe('CAPS_HASH_MISMATCH');
    const flipped = enc.slice();
    flipped[100] ^= 1;
    expect(codeOf(() => decryptPrivateKey(flipped, keys.writekey))).toBe('CAPS_HASH_MISMATCH');
  });

  it('signs with RSA-PSS and verifies', () => {
    const prefix = new TextEncoder().encode('signed prefix bytes');
    const sig = signPrefix(keys.privateKey, prefix);
    expect(sig.length).toBe(256);
    expect(verifyPrefix(keys.publicKeyDer, prefix, sig)).toBe(true);
    expect(verifyPrefix(keys.publicKey, prefix, sig)).toBe(true);
    // PSS is randomized, yet both signatures verify.
    const sig2 = signPrefix(keys.privateKeyDer, prefix);
    expect(sig2).not.toEqual(sig);
    expect(verifyPrefix(keys.publicKeyDer, prefix, sig2)).toBe(true);
    const bad = sig.slice();
    bad[0] ^= 1;
    expect(verifyPrefix(keys.publicKeyDer, prefix, bad)).toBe(false);
    expect(verifyPrefix(keys.publicKeyDer, prefix.subarray(1), sig)).toBe(false);
    expect(verifyPrefix(keys.publicKeyDer, prefix, sig.subarray(1))).toBe(false);
  });

  it('uses a 32-byte PSS salt (a max-length-salt verifier rejects the signature)', async () => {
    const { verify, constants } = await import('node:crypto');
    const prefix = new Uint8Array([1, 2, 3]);
    const sig = signPrefix(keys.privateKey, prefix);
    const opts = (saltLength: number) => ({
      key: keys.publicKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength,
    });
    expect(verify('sha256', prefix, opts(32), sig)).toBe(true);
    expect(verify('sha256', prefix, opts(222), sig)).toBe(false);
  });

  it('rejects keys that are not RSA-2048 with CAPS_MALFORMED_KEY', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(codeOf(() => mutableKeysFromPrivateKey(small.privateKey))).toBe('CAPS_MALFORMED_KEY');
    const spki = small.publicKey.export({ type: 'spki', format: 'der' });
    expect(codeOf(() => importRsaPublicKey(spki))).toBe('CAPS_MALFORMED_KEY');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(codeOf(() => mutableKeysFromPrivateKey(ec.privateKey))).toBe('CAPS_MALFORMED_KEY');
    expect(codeOf(() => mutableKeysFromPrivateKey(keys.publicKey))).toBe('CAPS_MALFORMED_KEY');
    expect(codeOf(() => mutableKeysFromPrivateKey('not a key'))).toBe('CAPS_MALFORMED_KEY');
    expect(codeOf(() => mutableKeysFromPrivateKey(new Uint8Array(40)))).toBe('CAPS_MALFORMED_KEY');
    expect(
      codeOf(() => verifyPrefix(new Uint8Array(10), new Uint8Array(1), new Uint8Array(256))),
    ).toBe('CAPS_MALFORMED_KEY');
  });

  it('accepts a PKCS#8 PEM', () => {
    const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(mutableKeysFromPrivateKey(pem).writekey).toEqual(keys.writekey);
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(generateMutableKey({ signal: controller.signal })).rejects.toThrow();
  });
});
