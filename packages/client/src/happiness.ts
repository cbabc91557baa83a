/**
 * Servers-of-happiness (spec §4.2). Build the bipartite graph servers ↔ shares with an edge where
 * a server holds (or will hold) a share; happiness is the size of a maximum matching. A
 * matching of size H means there are H servers such that any k of them hold k distinct shares.
 *
 * The matching is Ford–Fulkerson on the unit-capacity flow network source → servers → shares →
 * sink, finding each augmenting path by breadth-first search, as Tahoe's `happinessutil` does.
 * Instead of rebuilding the residual network for every path, the residual graph is walked
 * implicitly: from a server, any share edge; from a matched share, back to its server.
 */

import { UploadUnhappyError } from './errors.ts';

/** How a storage server is named in placements: its libp2p peer id string in Tessera. */
export type ServerId = string;

/**
 * A maximum matching between servers (left) and share numbers (right).
 *
 * Servers are tried in the iteration order of `graph`, each through one BFS augmenting path.
 * Augmenting never unmatches a matched server, so among all maximum matchings the set of
 * matched servers is the earliest in that order (the greedy basis of the transversal matroid):
 * this is Tahoe's "prefer earlier servers" (spec §4.3 step 3). Shares are tried in the order
 * each server's iterable yields them.
 *
 * @param graph - server → the shares it can be matched with (holds, or may be given)
 * @returns server → its matched share, for every matched server, in `graph` order
 * @example
 * ```ts
 * maximumMatching(new Map([['a', [0, 1]], ['b', [0]]])); // Map { 'a' => 1, 'b' => 0 }
 * ```
 */
export function maximumMatching<K>(graph: ReadonlyMap<K, Iterable<number>>): Map<K, number> {
  const servers = [...graph.keys()];
  const edges = servers.map((server) => [...new Set(graph.get(server))]);
  const distinctShares = new Set(edges.flat()).size;
  const shareOwner = new Map<number, number>(); // share → index of the server matched with it
  const serverShare: (number | undefined)[] = new Array<number | undefined>(servers.length);
  let size = 0;

  // Once every share is matched no augmenting path can exist: stop early (many servers, few shares).
  for (let start = 0; start < servers.length && size < distinctShares; start++) {
    // BFS over alternating paths from the unmatched server `start`.
    const reachedFrom = new Map<number, number>(); // share → server index it was reached from
    const seen = new Uint8Array(servers.length);
    seen[start] = 1;
    const queue = [start];
    let free: number | undefined;
    search: for (let head = 0; head < queue.length; head++) {
      const server = queue[head];
      for (const share of edges[server]) {
        if (reachedFrom.has(share)) continue;
        reachedFrom.set(share, server);
        const owner = shareOwner.get(share);
        if (owner === undefined) {
          free = share;
          break search;
        }
        if (seen[owner] === 0) {
          seen[owner] = 1;
          queue.push(owner);
        }
      }
    }
    if (free === undefined) continue;
    // Augment: walk back to `start`, shifting every server on the path to the share after it.
    let share = free;
    for (;;) {
      const server = reachedFrom.get(share)!;
      const previous = serverShare[server];
      serverShare[server] = share;
      shareOwner.set(share, server);
      if (server === start) break;
      share = previous!;
    }
    size++;
  }

  const matching = new Map<K, number>();
  servers.forEach((server, index) => {
    const share = serverShare[index];
    if (share !== undefined) matching.set(server, share);
  });
  return matching;
}

/**
 * Servers-of-happiness of a share layout: the size of a maximum matching of servers ↔ the
 * shares they hold (spec §4.2; Tahoe's `servers_of_happiness`).
 *
 * @param placements - server → shares it holds or will hold
 * @example
 * ```ts
 * // Both servers hold share 0, so only one of them counts.
 * servicedHappiness(new Map([['a', new Set([0])], ['b', new Set([0])]])); // 1
 * ```
 */
export function servicedHappiness<K>(placements: ReadonlyMap<K, Iterable<number>>): number {
  return maximumMatching(placements).size;
}

/**
 * The union of share maps (server → shares), for example shares found on servers plus shares
 * newly allocated. Servers keep their first-seen order; share sets are fresh copies.
 */
export function mergeShareMaps<K>(
  ...maps: readonly ReadonlyMap<K, Iterable<number>>[]
): Map<K, Set<number>> {
  const merged = new Map<K, Set<number>>();
  for (const map of maps) {
    for (const [server, shares] of map) {
      let set = merged.get(server);
      if (set === undefined) merged.set(server, (set = new Set()));
      for (const share of shares) set.add(share);
    }
  }
  return merged;
}

/**
 * Checks that a share layout is happy enough, for the uploader to call after server selection
 * and again whenever it drops a failed shareholder during the push (spec §4.3 step 5).
 *
 * @param shareMap - server → shares it holds or has accepted
 * @param options - `happy`: required happiness; `totalShares`: N, reported in the error
 * @returns the happiness reached
 * @throws {UploadUnhappyError} `CLIENT_UPLOAD_UNHAPPY` when happiness < `happy`
 */
export function assertHappiness<K>(
  shareMap: ReadonlyMap<K, Iterable<number>>,
  options: { readonly happy: number; readonly totalShares: number },
): number {
  const happiness = servicedHappiness(shareMap);
  if (happiness < options.happy) {
    let serversUsable = 0;
    for (const shares of shareMap.values()) {
      if (shares[Symbol.iterator]().next().done !== true) serversUsable++;
    }
    throw new UploadUnhappyError({
      happiness,
      happy: options.happy,
      serversUsable,
      shares: options.totalShares,
    });
  }
  return happiness;
}
