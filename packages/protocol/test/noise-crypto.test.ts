// The node:crypto Noise implementation against the library's pure-JS (@noble) reference.
import { pureJsCrypto } from '@chainsafe/libp2p-noise';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeNoiseCrypto } from '../src/index.ts';

/** A plain Uint8Array copy, so Buffer and Uint8Array results compare equal. */
function u8(b: { subarray(): Uint8Array }): Uint8Array {
  return Uint8Array.from(b.subarray());
}

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonce = fc.uint8Array({ minLength: 12, maxLength: 12 });

describe('nodeNoiseCrypto matches the pure-JS reference', () => {
  it('generated key pairs agree with @noble, in Diffie-Hellman too (cached key objects)', () => {
    for (let i = 0; i < 20; i++) {
      const a = nodeNoiseCrypto.generateX25519KeyPair();
      const b = nodeNoiseCrypto.generateX25519KeyPair();
      expect(u8(a.publicKey)).toEqual(
        pureJsCrypto.generateX25519KeyPairFromSeed(a.privateKey).publicKey,
      );
      const shared = u8(nodeNoiseCrypto.generateX25519SharedKey(a.privateKey, b.publicKey));
      expect(shared).toEqual(u8(pureJsCrypto.generateX25519SharedKey(a.privateKey, b.publicKey)));
      // Twice with the same array (the cached key object), and from a copy of its bytes.
      expect(u8(nodeNoiseCrypto.generateX25519SharedKey(a.privateKey, b.publicKey))).toEqual(
        shared,
      );
      expect(
        u8(nodeNoiseCrypto.generateX25519SharedKey(Uint8Array.from(a.privateKey), b.publicKey)),
      ).toEqual(shared);
    }
  });

  it('ChaCha20-Poly1305 seals and opens like @noble, with and without dst', () => {
    fc.assert(
      fc.property(
        key,
        nonce,
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 3000 }),
        (k, n, ad, pt) => {
          const sealed = u8(nodeNoiseCrypto.chaCha20Poly1305Encrypt(pt, n, ad, k));
          expect(sealed).toEqual(u8(pureJsCrypto.chaCha20Poly1305Encrypt(pt, n, ad, k)));
          expect(u8(nodeNoiseCrypto.chaCha20Poly1305Decrypt(sealed, n, ad, k))).toEqual(pt);
          const dst = sealed.slice(0, sealed.length - 16);
          expect(u8(nodeNoiseCrypto.chaCha20Poly1305Decrypt(sealed, n, ad, k, dst))).toEqual(pt);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a tampered ciphertext', () => {
    const k = new Uint8Array(32).fill(1);
    const n = new Uint8Array(12);
    const sealed = u8(
      nodeNoiseCrypto.chaCha20Poly1305Encrypt(new Uint8Array(100), n, new Uint8Array(0), k),
    );
    sealed[5] = (sealed[5] ?? 0) ^ 1;
    expect(() =>
      nodeNoiseCrypto.chaCha20Poly1305Decrypt(sealed, n, new Uint8Array(0), k),
    ).toThrow();
  });

  it('HKDF, SHA-256 and X25519 agree with @noble', () => {
    fc.assert(
      fc.property(key, fc.uint8Array({ maxLength: 64 }), key, key, (ck, ikm, a, b) => {
        expect(nodeNoiseCrypto.getHKDF(ck, ikm).map(u8)).toEqual(
          pureJsCrypto.getHKDF(ck, ikm).map(u8),
        );
        expect(u8(nodeNoiseCrypto.hashSHA256(ikm))).toEqual(pureJsCrypto.hashSHA256(ikm));
        const ka = nodeNoiseCrypto.generateX25519KeyPairFromSeed(a);
        const kb = nodeNoiseCrypto.generateX25519KeyPairFromSeed(b);
        expect(u8(ka.publicKey)).toEqual(pureJsCrypto.generateX25519KeyPairFromSeed(a).publicKey);
        const shared = nodeNoiseCrypto.generateX25519SharedKey(ka.privateKey, kb.publicKey);
        expect(u8(shared)).toEqual(pureJsCrypto.generateX25519SharedKey(a, kb.publicKey));
      }),
      { numRuns: 50 },
    );
    const pair = nodeNoiseCrypto.generateX25519KeyPair();
    expect(pair.publicKey.length).toBe(32);
    expect(u8(pair.publicKey)).toEqual(
      pureJsCrypto.generateX25519KeyPairFromSeed(pair.privateKey).publicKey,
    );
  });
});
