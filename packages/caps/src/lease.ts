/**
 * Lease secrets (spec §3.3): every lease a client adds carries a renew and a cancel secret
 * derived from the node's lease secret, the share's storage index and the server's 20-byte
 * seed. Note the argument order swap at the first step: the node's secret is the hash *tag*
 * and the ASCII tag string is the data.
 */
import { createHash } from 'node:crypto';
import { HASH_LENGTH, STORAGE_INDEX_LENGTH, TAG } from './constants.ts';
import { taggedHash, taggedPairHash } from './hash.ts';
import { SERVER_SEED_LENGTH } from './mutable-keys.ts';

/** Length of a node's lease secret (`NODEDIR/private/secret`). */
export const LEASE_SECRET_LENGTH = 32;

/** The renew and cancel secrets of one lease on one server. */
export interface LeaseSecrets {
  readonly renewSecret: Uint8Array;
  readonly cancelSecret: Uint8Array;
}

function check(value: Uint8Array, length: number, what: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  if (value.length !== length) {
    throw new RangeError(`${what} must be ${length} bytes, got ${value.length}`);
  }
}

/**
 * `client_renew = H[lease_secret]("allmydata_client_renewal_secret_v1")` — the secret is the tag.
 * @throws {RangeError} when `leaseSecret` is not 32 bytes
 */
export function clientRenewSecret(leaseSecret: Uint8Array): Uint8Array {
  check(leaseSecret, LEASE_SECRET_LENGTH, 'lease secret');
  return taggedHash(leaseSecret, TAG.CLIENT_RENEWAL_SECRET);
}

/**
 * `client_cancel = H[lease_secret]("allmydata_client_cancel_secret_v1")`.
 * @throws {RangeError} when `leaseSecret` is not 32 bytes
 */
export function clientCancelSecret(leaseSecret: Uint8Array): Uint8Array {
  check(leaseSecret, LEASE_SECRET_LENGTH, 'lease secret');
  return taggedHash(leaseSecret, TAG.CLIENT_CANCEL_SECRET);
}

/**
 * `file_renew = H2[FILE_RENEWAL_SECRET](client_renew, SI)`.
 * @throws {RangeError} when a length is wrong (lease secret 32, storage index 16)
 */
export function fileRenewSecret(leaseSecret: Uint8Array, storageIndex: Uint8Array): Uint8Array {
  check(storageIndex, STORAGE_INDEX_LENGTH, 'storage index');
  return taggedPairHash(TAG.FILE_RENEWAL_SECRET, clientRenewSecret(leaseSecret), storageIndex);
}

/**
 * `file_cancel = H2[FILE_CANCEL_SECRET](client_cancel, SI)`.
 * @throws {RangeError} when a length is wrong (lease secret 32, storage index 16)
 */
export function fileCancelSecret(leaseSecret: Uint8Array, storageIndex: Uint8Array): Uint8Array {
  check(storageIndex, STORAGE_INDEX_LENGTH, 'storage index');
  return taggedPairHash(TAG.FILE_CANCEL_SECRET, clientCancelSecret(leaseSecret), storageIndex);
}

/**
 * The renew secret of a lease on one server:
 * `H2[BUCKET_RENEWAL_SECRET](file_renew, seed20)`.
 * @throws {RangeError} when a length is wrong (lease secret 32, storage index 16, seed 20)
 * @example
 * ```ts
 * const renew = bucketRenewSecret(nodeSecret, storageIndex, serverSeed20(peerIdBytes));
 * ```
 */
export function bucketRenewSecret(
  leaseSecret: Uint8Array,
  storageIndex: Uint8Array,
  seed20: Uint8Array,
): Uint8Array {
  check(seed20, SERVER_SEED_LENGTH, 'server seed');
  const file = fileRenewSecret(leaseSecret, storageIndex);
  return taggedPairHash(TAG.BUCKET_RENEWAL_SECRET, file, seed20, HASH_LENGTH);
}

/**
 * The cancel secret of a lease on one server:
 * `H2[BUCKET_CANCEL_SECRET](file_cancel, seed20)`.
 * @throws {RangeError} when a length is wrong (lease secret 32, storage index 16, seed 20)
 */
export function bucketCancelSecret(
  leaseSecret: Uint8Array,
  storageIndex: Uint8Array,
  seed20: Uint8Array,
): Uint8Array {
  check(seed20, SERVER_SEED_LENGTH, 'server seed');
  const file = fileCancelSecret(leaseSecret, storageIndex);
  return taggedPairHash(TAG.BUCKET_CANCEL_SECRET, file, seed20, HASH_LENGTH);
}

/**
 * Both secrets of a lease on one server (what `add_lease` / `allocate_buckets` send).
 * @throws {RangeError} when a length is wrong (lease secret 32, storage index 16, seed 20)
 */
export function leaseSecrets(
  leaseSecret: Uint8Array,
  storageIndex: Uint8Array,
  seed20: Uint8Array,
): LeaseSecrets {
  return {
    renewSecret: bucketRenewSecret(leaseSecret, storageIndex, seed20),
    cancelSecret: bucketCancelSecret(leaseSecret, storageIndex, seed20),
  };
}

/**
 * A server's 20-byte seed for lease secrets and write enablers: the first 20 bytes of
 * SHA-256 over the server's libp2p peer id bytes (`peerId.toMultihash().bytes`).
 *
 * Tahoe uses the raw 20-byte Foolscap tubid (SHA-1 of the server's TLS certificate, spec §3.3,
 * §5.1). Tessera servers have no Foolscap tub, so the peer id — which is equally bound to the
 * server's key and equally stable — takes its place. Leases and write enablers are therefore
 * tied to the server's libp2p identity: a server that changes its peer id invalidates them,
 * as a Tahoe server that changes its tubid does. Interoperating with a real Tahoe server
 * needs that server's tubid instead.
 * @throws {RangeError} when `peerIdBytes` is empty
 */
export function serverSeed20(peerIdBytes: Uint8Array): Uint8Array {
  if (!(peerIdBytes instanceof Uint8Array)) throw new TypeError('peer id must be a Uint8Array');
  if (peerIdBytes.length === 0) throw new RangeError('peer id must not be empty');
  const d = createHash('sha256').update(peerIdBytes).digest();
  return new Uint8Array(d.buffer, d.byteOffset, SERVER_SEED_LENGTH);
}
