/**
 * Encryption of a directory child's write cap (spec §6): in a mutable directory each entry
 * stores `rwcapdata = salt(16) ‖ AES-CTR(key)(rw_uri) ‖ mac(32)`, where the key can only be
 * derived from the directory's writekey. This is what makes read-only access transitive.
 */
import { createHash } from 'node:crypto';
import { aesCtrOnce } from './aes-ctr.ts';
import { KEY_LENGTH, TAG } from './constants.ts';
import { HashMismatchError, MalformedCapError } from './errors.ts';
import { taggedHash, taggedPairHash } from './hash.ts';

/** Salt length at the front of `rwcapdata`. */
export const DIRNODE_SALT_LENGTH = 16;
/** MAC length at the end of `rwcapdata`. */
export const DIRNODE_MAC_LENGTH = 32;

const encoder = new TextEncoder();

function asBytes(x: Uint8Array | string): Uint8Array {
  return typeof x === 'string' ? encoder.encode(x) : x;
}

/**
 * `salt = H[DIRNODE_CHILD_SALT](rw_uri)[:16]`. Deterministic, derived from the child's write
 * cap (the code; dirnodes.rst says "random IV", spec §11 item 4).
 */
export function dirnodeChildSalt(rwUri: Uint8Array | string): Uint8Array {
  return taggedHash(TAG.DIRNODE_CHILD_SALT, asBytes(rwUri), KEY_LENGTH);
}

/**
 * `key = H2[DIRNODE_CHILD_CAPKEY](salt, dir_writekey)[:16]`.
 * @throws {RangeError} when `salt` or `writekey` is not 16 bytes
 */
export function dirnodeChildKey(salt: Uint8Array, writekey: Uint8Array): Uint8Array {
  if (salt.length !== DIRNODE_SALT_LENGTH) throw new RangeError('Dirnode salt must be 16 bytes');
  if (writekey.length !== KEY_LENGTH) throw new RangeError('Directory writekey must be 16 bytes');
  return taggedPairHash(TAG.DIRNODE_CHILD_CAPKEY, salt, writekey, KEY_LENGTH);
}

/**
 * Tahoe's home-made MAC (`hashutil.hmac`): `sha256(key⊕0x5c ‖ sha256(key⊕0x36 ‖ data))` with
 * the 16-byte key XORed as is — not padded to 64 bytes, so it is not RFC 2104 HMAC. Plain
 * SHA-256, not SHA-256d.
 */
export function dirnodeMac(key: Uint8Array, data: Uint8Array): Uint8Array {
  const ikey = key.map((b) => b ^ 0x36);
  const okey = key.map((b) => b ^ 0x5c);
  const inner = createHash('sha256').update(ikey).update(data).digest();
  const outer = createHash('sha256').update(okey).update(inner).digest();
  return new Uint8Array(outer.buffer, outer.byteOffset, outer.length);
}

/**
 * Encrypts a child's write cap for a mutable directory entry:
 * `salt ‖ AES-CTR(key)(rw_uri) ‖ mac(key, salt ‖ ciphertext)`. An empty `rwUri` gives
 * 48 bytes.
 * @throws {RangeError} when `writekey` is not 16 bytes
 * @example
 * ```ts
 * const rwcapdata = encryptChildWriteCap('URI:SSK:…', dirKeys.writekey);
 * ```
 */
export function encryptChildWriteCap(rwUri: Uint8Array | string, writekey: Uint8Array): Uint8Array {
  const plain = asBytes(rwUri);
  const salt = dirnodeChildSalt(plain);
  const key = dirnodeChildKey(salt, writekey);
  const out = new Uint8Array(DIRNODE_SALT_LENGTH + plain.length + DIRNODE_MAC_LENGTH);
  out.set(salt, 0);
  out.set(aesCtrOnce(key, plain), DIRNODE_SALT_LENGTH);
  const macInput = out.subarray(0, DIRNODE_SALT_LENGTH + plain.length);
  out.set(dirnodeMac(key, macInput), DIRNODE_SALT_LENGTH + plain.length);
  return out;
}

/**
 * Decrypts a child's `rwcapdata` with the directory's writekey and strips trailing spaces
 * (room for padding, ticket #925). Tahoe readers ignore the MAC since 1.3.0; pass
 * `checkMac: true` to check it anyway.
 * @returns the child's write cap bytes (empty when the entry has none)
 * @throws {MalformedCapError} CAPS_MALFORMED_CAP when `rwcapdata` is shorter than 48 bytes
 * @throws {HashMismatchError} CAPS_HASH_MISMATCH when `checkMac` is set and the MAC is wrong
 * @throws {RangeError} when `writekey` is not 16 bytes
 */
export function decryptChildWriteCap(
  rwcapdata: Uint8Array,
  writekey: Uint8Array,
  options: { checkMac?: boolean } = {},
): Uint8Array {
  const min = DIRNODE_SALT_LENGTH + DIRNODE_MAC_LENGTH;
  if (rwcapdata.length < min) {
    throw new MalformedCapError(
      `Cannot decrypt child write cap: rwcapdata is ${rwcapdata.length} bytes, shorter than ${min}`,
    );
  }
  const salt = rwcapdata.subarray(0, DIRNODE_SALT_LENGTH);
  const macAt = rwcapdata.length - DIRNODE_MAC_LENGTH;
  const key = dirnodeChildKey(salt, writekey);
  if (options.checkMac === true) {
    const mac = dirnodeMac(key, rwcapdata.subarray(0, macAt));
    let diff = 0;
    for (let i = 0; i < DIRNODE_MAC_LENGTH; i++) diff |= mac[i] ^ rwcapdata[macAt + i];
    if (diff !== 0) throw new HashMismatchError('Cannot decrypt child write cap: MAC mismatch');
  }
  const plain = aesCtrOnce(key, rwcapdata.subarray(DIRNODE_SALT_LENGTH, macAt));
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0x20) end--;
  return plain.subarray(0, end);
}
