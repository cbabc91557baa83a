/**
 * The permuted ring (spec §4.1): for each file every client orders the servers the same way, by
 * `SHA1(peer_selection_index ‖ permutation_seed)`, so uploaders and downloaders look in the same
 * place without a directory service. SHA-1 comes from `node:crypto`; it is used only here.
 */

import { createHash } from 'node:crypto';

/** Anything that can be placed on the ring. */
export interface RingServer {
  /**
   * The bytes that place this server on the ring. In Tessera this is the server's libp2p peer
   * id in binary form (its multihash bytes, `peerId.toMultihash().bytes` in js-libp2p), learned
   * from the introducer announcement; Tahoe servers use their 32-byte ed25519 node key or a
   * legacy 20-byte tubid (spec §4.1). It must never change for a server, or the shares it holds
   * become hard to find.
   */
  readonly permutationSeed: Uint8Array;
}

/** Options of {@link permutedServers}. */
export interface PermutedServersOptions<T> {
  /**
   * Marks configured preferred servers (Tahoe's `[client] peers.preferred`). They sort before
   * all others, keeping ring order among themselves.
   */
  readonly preferred?: (server: T) => boolean;
}

/**
 * The ring position of a server for one file: `SHA1(peerSelectionIndex ‖ permutationSeed)`.
 *
 * @param peerSelectionIndex - the file's storage index (16 bytes, for immutable and mutable
 *   files alike)
 * @param permutationSeed - the server's permutation seed (see {@link RingServer})
 */
export function permutationKey(
  peerSelectionIndex: Uint8Array,
  permutationSeed: Uint8Array,
): Uint8Array {
  return createHash('sha1').update(peerSelectionIndex).update(permutationSeed).digest();
}

/**
 * Orders servers on the permuted ring of a file: ascending by {@link permutationKey} compared
 * bytewise, preferred servers first (spec §4.1). The sort is stable: servers with equal seeds
 * keep their input order. The input array is not modified.
 *
 * @param servers - the connected servers
 * @param storageIndex - the file's storage index (the peer selection index)
 * @throws {TypeError} if `storageIndex` or a seed is not a `Uint8Array`
 * @example
 * ```ts
 * const ring = permutedServers(connected, storageIndex, { preferred: (s) => pinned.has(s.id) });
 * const candidates = ring.slice(0, 2 * totalShares);
 * ```
 */
export function permutedServers<T extends RingServer>(
  servers: readonly T[],
  storageIndex: Uint8Array,
  options: PermutedServersOptions<T> = {},
): T[] {
  if (!(storageIndex instanceof Uint8Array)) {
    throw new TypeError('Cannot permute servers: the storage index must be a Uint8Array');
  }
  const { preferred } = options;
  const keyed = servers.map((server, index) => {
    if (!(server.permutationSeed instanceof Uint8Array)) {
      throw new TypeError(`Cannot permute servers: server ${index} has no permutation seed bytes`);
    }
    return {
      server,
      index,
      key: permutationKey(storageIndex, server.permutationSeed),
      preferred: preferred?.(server) === true,
    };
  });
  keyed.sort(
    (a, b) =>
      Number(b.preferred) - Number(a.preferred) ||
      Buffer.compare(a.key, b.key) ||
      a.index - b.index,
  );
  return keyed.map(({ server }) => server);
}
