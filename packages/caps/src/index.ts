/**
 * `@tessera/caps`: the Tahoe-LAFS compatible primitives every other package builds on —
 * netstrings, tagged SHA-256d hashes, base32, seekable AES-128-CTR, the convergent key and
 * storage index, Merkle hash trees, the URI extension block, the CHK share layout, lease
 * secrets, the mutable key chain, dirnode child-cap encryption, and capability URIs of every
 * kind.
 *
 * @example
 * ```ts
 * import { parseCap, formatCap } from '@tessera/caps';
 * const cap = parseCap('URI:CHK:…');
 * ```
 * @packageDocumentation
 */
export * from './errors.ts';
export * from './constants.ts';
export * from './netstring.ts';
export * from './hash.ts';
export * from './base32.ts';
export * from './aes-ctr.ts';
export * from './chk-key.ts';
export * from './merkle.ts';
export * from './ueb.ts';
export * from './share-layout.ts';
export * from './lease.ts';
export * from './mutable-keys.ts';
export * from './uri.ts';
export * from './dirnode-crypto.ts';
