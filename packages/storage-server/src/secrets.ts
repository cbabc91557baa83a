/**
 * Hashed secrets (Tahoe §3.1, container v2): the store keeps BLAKE2b-256 of every lease
 * secret and upload secret, never the secret, and compares in constant time. BLAKE2b comes
 * from `@noble/hashes` because `node:crypto` only offers the 512-bit variant, whose output is
 * not a prefix of BLAKE2b-256 (the digest length is part of the parameter block).
 */
import { timingSafeEqual } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';

/** BLAKE2b-256 of a secret (unkeyed, libsodium `crypto_generichash` with 32-byte output). */
export function hashSecret(secret: Uint8Array): Uint8Array {
  return blake2b(secret, { dkLen: 32 });
}

/** Constant-time equality of two byte strings; different lengths compare unequal. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** True when `secret` hashes to `storedHash`, compared in constant time. */
export function secretMatches(secret: Uint8Array, storedHash: Uint8Array): boolean {
  return constantTimeEqual(hashSecret(secret), storedHash);
}
