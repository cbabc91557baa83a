/**
 * The Noise crypto implementation Tessera plugs into `@chainsafe/libp2p-noise` (its `crypto`
 * option): every primitive through `node:crypto` (OpenSSL), the hot-path choice of STYLE §2.
 *
 * The library's default already uses `node:crypto` for large ChaCha20-Poly1305 messages but
 * WebAssembly below 1200 bytes and `@noble` for HKDF and X25519. This module differs where the
 * receive profile showed cost (scripts/bench/net.mjs): decryption feeds OpenSSL one contiguous
 * input — the `dst` view Noise already prepared — so a message split across TCP reads costs
 * one `update` and one output buffer instead of one per piece; encryption returns ciphertext
 * and tag as a list instead of concatenating them. HKDF and X25519 use OpenSSL too, which
 * speeds up handshakes.
 *
 * Wire-compatible with any libp2p Noise peer: same algorithms, same nonces, same framing.
 * @packageDocumentation
 */
import type { ICryptoInterface } from '@chainsafe/libp2p-noise';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
} from 'node:crypto';
import { Uint8ArrayList } from 'uint8arraylist';

const ALGORITHM = 'chacha20-poly1305';
const TAG_LENGTH = 16;
const EMPTY = new Uint8Array(0);
// DER prefixes of an X25519 private key (PKCS#8) and public key (SPKI) around the raw 32 bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

type Bytes = Parameters<ICryptoInterface['hashSHA256']>[0];

/** One contiguous Uint8Array (a view when already contiguous). */
function flat(data: Bytes): Uint8Array {
  return data instanceof Uint8Array ? data : data.subarray();
}

type KeyObject = ReturnType<typeof createPrivateKey>;

/**
 * Key objects of the key pairs generated here, by the private key's array: Noise passes that
 * array back for each Diffie-Hellman, and building a KeyObject from DER costs ~0.7 ms (a third
 * of a handshake's crypto time before this cache). The arrays are ours and never rewritten.
 */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

function privateKeyObject(raw: Uint8Array): KeyObject {
  return (
    keyObjects.get(raw) ??
    createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' })
  );
}

/** The Noise crypto of every Tessera node (see the module comment). */
export const nodeNoiseCrypto: ICryptoInterface = {
  hashSHA256(data) {
    const hash = createHash('sha256');
    if (data instanceof Uint8Array) hash.update(data);
    else for (const chunk of data) hash.update(chunk);
    return hash.digest();
  },

  getHKDF(ck, ikm) {
    // Noise §4.3 HKDF(ck, ikm) with three outputs is RFC 5869 HKDF-SHA256 with salt = ck,
    // empty info, 96 bytes of output.
    const okm = new Uint8Array(hkdfSync('sha256', ikm, ck, EMPTY, 96));
    return [okm.subarray(0, 32), okm.subarray(32, 64), okm.subarray(64, 96)];
  },

  generateX25519KeyPair() {
    const pair = generateKeyPairSync('x25519');
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'der' });
    const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
    const raw = privateKey.subarray(PKCS8_PREFIX.length);
    keyObjects.set(raw, pair.privateKey);
    return { publicKey: publicKey.subarray(SPKI_PREFIX.length), privateKey: raw };
  },

  generateX25519KeyPairFromSeed(seed) {
    const spki = createPublicKey(privateKeyObject(seed)).export({ type: 'spki', format: 'der' });
    return { publicKey: spki.subarray(SPKI_PREFIX.length), privateKey: seed };
  },

  generateX25519SharedKey(privateKey, publicKey) {
    return diffieHellman({
      privateKey: privateKeyObject(flat(privateKey)),
      // A raw key as JWK: 20 µs, where OpenSSL's DER decoder takes 95 µs (0.5 ms cold).
      publicKey: createPublicKey({
        key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(flat(publicKey)).toString('base64url') },
        format: 'jwk',
      }),
    });
  },

  chaCha20Poly1305Encrypt(plaintext, nonce, ad, k) {
    const cipher = createCipheriv(ALGORITHM, k, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(ad, { plaintextLength: plaintext.byteLength });
    // A list, not one concatenated buffer: Noise appends it to its output list as is, which
    // saves a 64 KiB allocation and copy per message (measured: +10-15% stream throughput).
    const out = new Uint8ArrayList();
    if (plaintext instanceof Uint8Array) out.append(cipher.update(plaintext));
    else for (const chunk of plaintext) out.append(cipher.update(chunk));
    cipher.final(); // a stream cipher: no output
    out.append(cipher.getAuthTag());
    return out;
  },

  chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst) {
    const length = ciphertext.byteLength - TAG_LENGTH;
    if (length < 0) throw new Error('Invalid chacha20poly1305 ciphertext: shorter than its tag');
    const decipher = createDecipheriv(ALGORITHM, k, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(ad, { plaintextLength: length });
    decipher.setAuthTag(ciphertext.subarray(length));
    // Noise hands over `dst`: the ciphertext without its tag, already contiguous.
    const input =
      dst !== undefined && dst.byteLength === length ? dst : ciphertext.subarray(0, length);
    const out = decipher.update(input);
    decipher.final();
    return out;
  },
};
