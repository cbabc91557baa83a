/**
 * The mutable-file key chain (spec §5.1): RSA-2048 key → writekey → readkey → storage index,
 * the public-key fingerprint, write enablers, per-salt data keys, the encrypted private key
 * stored in every share, and the RSA-PSS signature over a share's signed prefix.
 *
 * RSA goes through `node:crypto` (STYLE §2). Tahoe hashes the **PKCS#8** DER of the private
 * key and the **SubjectPublicKeyInfo** DER of the public key; the vectors hold PKCS#1 PEM,
 * which is converted first.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { aesCtrOnce } from './aes-ctr.ts';
import { HASH_LENGTH, KEY_LENGTH, STORAGE_INDEX_LENGTH, TAG } from './constants.ts';
import { HashMismatchError, MalformedKeyError } from './errors.ts';
import { taggedHash, taggedPairHash } from './hash.ts';

/** Tahoe enforces exactly 2048-bit RSA keys (since 1.18). */
export const RSA_MODULUS_BITS = 2048;
/** RSA public exponent of generated keys. */
export const RSA_PUBLIC_EXPONENT = 65537;
/** RSA-PSS salt length in bytes (fixed for pycryptopp compatibility, spec §5.1). */
export const RSA_PSS_SALT_LENGTH = 32;
/** Length of an RSA-2048 signature in bytes. */
export const RSA_SIGNATURE_LENGTH = 256;
/** Length of a server's write-enabler / lease seed (the Foolscap tubid) in bytes. */
export const SERVER_SEED_LENGTH = 20;

/**
 * An RSA private key: a `node:crypto` KeyObject, PKCS#8 DER bytes, or a PEM string
 * (`BEGIN RSA PRIVATE KEY` PKCS#1 or `BEGIN PRIVATE KEY` PKCS#8).
 */
export type RsaPrivateKeyInput = KeyObject | Uint8Array | string;

/** Every key a mutable file's writer derives from its RSA private key (spec §5.1). */
export interface MutableKeys {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PKCS#8 DER of the private key: the bytes hashed into the writekey and stored encrypted. */
  readonly privateKeyDer: Uint8Array;
  /** SubjectPublicKeyInfo DER of the public key (294 bytes), stored in every share. */
  readonly publicKeyDer: Uint8Array;
  /** 16 bytes. */
  readonly writekey: Uint8Array;
  /** 16 bytes. */
  readonly readkey: Uint8Array;
  /** 16 bytes. */
  readonly storageIndex: Uint8Array;
  /** 32 bytes. */
  readonly fingerprint: Uint8Array;
  /** 32 bytes; combine with a server seed through {@link writeEnabler}. */
  readonly writeEnablerMaster: Uint8Array;
}

function bytesOf(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

function checkLength(value: Uint8Array, length: number, what: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  if (value.length !== length) {
    throw new RangeError(`${what} must be ${length} bytes, got ${value.length}`);
  }
}

function checkRsa2048(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new MalformedKeyError(`Cannot use ${what}: not an RSA key`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== RSA_MODULUS_BITS) {
    throw new MalformedKeyError(
      `Cannot use ${what}: RSA key has ${bits} bits, expected ${RSA_MODULUS_BITS}`,
    );
  }
}

/** Parses and checks a private key, keeping given PKCS#8 DER bytes as they are. */
function importPrivate(input: RsaPrivateKeyInput): { key: KeyObject; der: Uint8Array | undefined } {
  if (input instanceof KeyObject) {
    if (input.type !== 'private') {
      throw new MalformedKeyError('Cannot use RSA private key: the KeyObject is not private');
    }
    return { key: input, der: undefined };
  }
  try {
    if (typeof input === 'string') {
      return { key: createPrivateKey({ key: input, format: 'pem' }), der: undefined };
    }
    if (input instanceof Uint8Array) {
      const key = createPrivateKey({ key: Buffer.from(input), format: 'der', type: 'pkcs8' });
      return { key, der: input };
    }
  } catch (cause) {
    throw new MalformedKeyError('Cannot read RSA private key: not a valid PEM or PKCS#8 DER key', {
      cause,
    });
  }
  throw new TypeError('An RSA private key must be a KeyObject, a Uint8Array or a PEM string');
}

/**
 * Imports an RSA-2048 private key.
 * @throws {MalformedKeyError} CAPS_MALFORMED_KEY when it does not parse or is not RSA-2048
 */
export function importRsaPrivateKey(input: RsaPrivateKeyInput): KeyObject {
  const { key } = importPrivate(input);
  checkRsa2048(key, 'RSA private key');
  return key;
}

/**
 * Imports an RSA-2048 public key from SubjectPublicKeyInfo DER (as stored in shares).
 * @throws {MalformedKeyError} CAPS_MALFORMED_KEY when it does not parse or is not RSA-2048
 */
export function importRsaPublicKey(spkiDer: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new MalformedKeyError('Cannot read RSA public key: not a valid SPKI DER key', {
      cause,
    });
  }
  checkRsa2048(key, 'RSA public key');
  return key;
}

/** `writekey = H[MUTABLE_PRIVKEY_TO_WRITEKEY](privkey PKCS#8 DER)[:16]`. */
export function writekeyFromPrivateKey(privateKeyDer: Uint8Array): Uint8Array {
  return taggedHash(TAG.MUTABLE_PRIVKEY_TO_WRITEKEY, privateKeyDer, KEY_LENGTH);
}

/** `readkey = H[MUTABLE_WRITEKEY_TO_READKEY](writekey)[:16]`. */
export function readkeyFromWritekey(writekey: Uint8Array): Uint8Array {
  checkLength(writekey, KEY_LENGTH, 'writekey');
  return taggedHash(TAG.MUTABLE_WRITEKEY_TO_READKEY, writekey, KEY_LENGTH);
}

/** Mutable `SI = H[MUTABLE_READKEY_TO_STORAGE_INDEX](readkey)[:16]`. */
export function storageIndexFromReadkey(readkey: Uint8Array): Uint8Array {
  checkLength(readkey, KEY_LENGTH, 'readkey');
  return taggedHash(TAG.MUTABLE_READKEY_TO_STORAGE_INDEX, readkey, STORAGE_INDEX_LENGTH);
}

/** `fingerprint = H[MUTABLE_PUBKEY_TO_FINGERPRINT](pubkey SPKI DER)` (32 bytes). */
export function fingerprintFromPublicKey(publicKeyDer: Uint8Array): Uint8Array {
  return taggedHash(TAG.MUTABLE_PUBKEY_TO_FINGERPRINT, publicKeyDer, HASH_LENGTH);
}

/** `WEM = H[MUTABLE_WRITEKEY_TO_WRITE_ENABLER_MASTER](writekey)` (32 bytes). */
export function writeEnablerMaster(writekey: Uint8Array): Uint8Array {
  checkLength(writekey, KEY_LENGTH, 'writekey');
  return taggedHash(TAG.MUTABLE_WRITEKEY_TO_WRITE_ENABLER_MASTER, writekey, HASH_LENGTH);
}

/**
 * The write enabler a server holds for one slot: `H2[MUTABLE_WRITE_ENABLER](WEM, seed20)`,
 * where `seed20` is the server's 20-byte seed (Tahoe: the raw Foolscap tubid; Tessera:
 * `serverSeed20(peerId)`).
 * @throws {RangeError} when `wem` is not 32 bytes or `seed20` not 20
 */
export function writeEnabler(wem: Uint8Array, seed20: Uint8Array): Uint8Array {
  checkLength(wem, HASH_LENGTH, 'write-enabler master');
  checkLength(seed20, SERVER_SEED_LENGTH, 'server seed');
  return taggedPairHash(TAG.MUTABLE_WRITE_ENABLER, wem, seed20, HASH_LENGTH);
}

/**
 * The AES key of one SDMF file or one MDMF segment: `H2[MUTABLE_READKEY_TO_DATAKEY](salt, readkey)[:16]`.
 * @throws {RangeError} when `salt` or `readkey` is not 16 bytes
 */
export function dataKey(salt: Uint8Array, readkey: Uint8Array): Uint8Array {
  checkLength(salt, 16, 'salt');
  checkLength(readkey, KEY_LENGTH, 'readkey');
  return taggedPairHash(TAG.MUTABLE_READKEY_TO_DATAKEY, salt, readkey, KEY_LENGTH);
}

function keysOf(key: KeyObject, givenDer: Uint8Array | undefined): MutableKeys {
  checkRsa2048(key, 'RSA private key');
  const privateKeyDer = givenDer ?? bytesOf(key.export({ type: 'pkcs8', format: 'der' }));
  const publicKey = createPublicKey(key);
  const publicKeyDer = bytesOf(publicKey.export({ type: 'spki', format: 'der' }));
  const writekey = writekeyFromPrivateKey(privateKeyDer);
  const readkey = readkeyFromWritekey(writekey);
  return {
    privateKey: key,
    publicKey,
    privateKeyDer,
    publicKeyDer,
    writekey,
    readkey,
    storageIndex: storageIndexFromReadkey(readkey),
    fingerprint: fingerprintFromPublicKey(publicKeyDer),
    writeEnablerMaster: writeEnablerMaster(writekey),
  };
}

/**
 * Derives every mutable key from an RSA-2048 private key (spec §5.1). PEM and KeyObject
 * inputs are re-encoded as PKCS#8 DER before hashing (as Tahoe does for a supplied key);
 * PKCS#8 DER bytes are hashed exactly as given, since they are what a share stores.
 *
 * @throws {MalformedKeyError} CAPS_MALFORMED_KEY when the key does not parse or is not RSA-2048
 * @example
 * ```ts
 * const keys = mutableKeysFromPrivateKey(pem);
 * formatCap({ kind: 'ssk', writekey: keys.writekey, fingerprint: keys.fingerprint });
 * ```
 */
export function mutableKeysFromPrivateKey(input: RsaPrivateKeyInput): MutableKeys {
  const { key, der } = importPrivate(input);
  return keysOf(key, der);
}

/**
 * Generates a fresh RSA-2048 key (e = 65537) and derives its mutable keys. Takes about
 * 100 ms; the work itself cannot be interrupted, but an aborted `signal` rejects the promise.
 *
 * @throws {DOMException} AbortError when `signal` is aborted
 */
export async function generateMutableKey(
  options: { signal?: AbortSignal } = {},
): Promise<MutableKeys> {
  const { signal } = options;
  signal?.throwIfAborted();
  const privateKey = await new Promise<KeyObject>((resolve, reject) => {
    generateKeyPair(
      'rsa',
      { modulusLength: RSA_MODULUS_BITS, publicExponent: RSA_PUBLIC_EXPONENT },
      (err, _publicKey, key) => (err ? reject(err) : resolve(key)),
    );
  });
  signal?.throwIfAborted();
  return keysOf(privateKey, undefined);
}

/**
 * `enc_privkey = AES-128-CTR(writekey, counter 0)(privkey PKCS#8 DER)`, stored in every share.
 * @throws {RangeError} when `writekey` is not 16 bytes
 */
export function encryptPrivateKey(privateKeyDer: Uint8Array, writekey: Uint8Array): Uint8Array {
  checkLength(writekey, KEY_LENGTH, 'writekey');
  return aesCtrOnce(writekey, privateKeyDer);
}

/**
 * Decrypts a share's `enc_privkey` and checks that the result hashes back to `writekey`
 * (what a Tahoe writer checks before it trusts a fetched key).
 * @returns the PKCS#8 DER bytes; pass them to {@link mutableKeysFromPrivateKey}
 * @throws {HashMismatchError} CAPS_HASH_MISMATCH when the decrypted key does not hash to the writekey
 * @throws {RangeError} when `writekey` is not 16 bytes
 */
export function decryptPrivateKey(encrypted: Uint8Array, writekey: Uint8Array): Uint8Array {
  checkLength(writekey, KEY_LENGTH, 'writekey');
  const der = aesCtrOnce(writekey, encrypted);
  const alleged = writekeyFromPrivateKey(der);
  let diff = 0;
  for (let i = 0; i < KEY_LENGTH; i++) diff |= alleged[i] ^ writekey[i];
  if (diff !== 0) {
    throw new HashMismatchError(
      'Cannot decrypt private key: it does not hash to the writekey of the cap',
    );
  }
  return der;
}

const PSS = {
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: RSA_PSS_SALT_LENGTH,
};

/**
 * Signs bytes (a share's signed prefix) with RSA-PSS, SHA-256, MGF1-SHA-256 and a 32-byte
 * salt (spec §5.1). The signature is 256 bytes and randomized.
 * @throws {MalformedKeyError} CAPS_MALFORMED_KEY when the key does not parse or is not RSA-2048
 */
export function signPrefix(privateKey: RsaPrivateKeyInput, data: Uint8Array): Uint8Array {
  const key = importRsaPrivateKey(privateKey);
  // OpenSSL uses the signature digest for MGF1 unless told otherwise: MGF1-SHA-256 here.
  return bytesOf(sign('sha256', data, { key, ...PSS }));
}

/**
 * Checks an RSA-PSS (SHA-256, MGF1-SHA-256, salt 32) signature over `data`.
 * @param publicKey SPKI DER bytes (as stored in a share) or an imported public KeyObject
 * @returns false for a wrong signature of any length
 * @throws {MalformedKeyError} CAPS_MALFORMED_KEY when the public key does not parse or is not RSA-2048
 */
export function verifyPrefix(
  publicKey: Uint8Array | KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = publicKey instanceof KeyObject ? publicKey : importRsaPublicKey(publicKey);
  if (publicKey instanceof KeyObject) checkRsa2048(key, 'RSA public key');
  if (signature.length !== RSA_SIGNATURE_LENGTH) return false;
  return verify('sha256', data, { key, ...PSS }, signature);
}
