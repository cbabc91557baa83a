/**
 * Immutable upload placement (spec §4.3 step 3): Tahoe's "Upload Strategy of Happiness"
 * ({@link sharePlacement}, after `happiness_upload.share_placement`). The selection loop that
 * re-runs it as servers answer is in `server-selection.ts`. Nothing here does I/O.
 */

import { MAX_TOTAL_SHARES } from './constants.ts';
import { maximumMatching, type ServerId } from './happiness.ts';

/** A server as the placement sees it. */
export interface PlacementServer {
  readonly id: ServerId;
  /** A read-only server keeps the shares it holds but is given no new ones. */
  readonly readOnly: boolean;
  /** Shares of this file the server already holds. Numbers outside `0..N-1` are ignored. */
  readonly existingShares: ReadonlySet<number>;
}

/** Input of {@link sharePlacement}. */
export interface SharePlacementInit {
  /** Candidate servers in permuted-ring order; earlier servers are preferred. */
  readonly servers: readonly PlacementServer[];
  /** N: the shares are numbered `0..N-1`. */
  readonly totalShares: number;
}

/** @internal Validates N (shared with the selection loop). */
export function checkTotalShares(totalShares: number): void {
  if (!Number.isInteger(totalShares) || totalShares < 1 || totalShares > MAX_TOTAL_SHARES) {
    throw new RangeError(`totalShares must be an integer in 1..${MAX_TOTAL_SHARES}`);
  }
}

/** @internal Validates that server ids are distinct (shared with the selection loop). */
export function checkUniqueIds(ids: readonly ServerId[]): void {
  if (new Set(ids).size !== ids.length) throw new RangeError('server ids must be unique');
}

/**
 * Decides which server should hold each share, following Tahoe's "Upload Strategy of
 * Happiness" (spec §4.3 step 3):
 *
 * 1. M1: a maximum matching of read-only servers ↔ the shares they hold;
 * 2. M2: a maximum matching of writable servers ↔ the shares they hold, leaving out M1's shares;
 * 3. M3: the remaining writable servers ↔ the remaining shares, earlier servers first. Shares no
 *    server holds go first, so held shares stay where they are when servers run short;
 * 4. shares still unplaced stay on a writable server that already holds them, or else are spread
 *    evenly over the writable servers (least loaded first, then ring order: round-robin).
 *
 * Every matching prefers earlier servers. The result places each share on exactly one server,
 * unless no server is writable (then unplaced shares are left out). Read-only servers appear only
 * with shares they hold: asking them to "allocate" those renews their leases. The placement
 * reaches the best happiness possible, `min(N, |M1| + writable servers)`.
 *
 * Deliberate differences from Tahoe's code, none visible on the wire: step 3 prefers shares held
 * nowhere, and step 4 spreads over all writable servers (as Tahoe's servers-of-happiness.rst
 * says) where Tahoe's code piles them onto the servers that already held shares.
 *
 * @returns server → shares to place there, servers in ring order, shares ascending
 * @throws {RangeError} if `totalShares` is not in 1..256 or server ids repeat
 * @example
 * ```ts
 * const servers = ring.map((s) => ({ id: s.id, readOnly: false, existingShares: new Set<number>() }));
 * sharePlacement({ servers, totalShares: 10 }); // 10 servers: share i on the i-th server
 * ```
 */
export function sharePlacement(init: SharePlacementInit): Map<ServerId, Set<number>> {
  const { servers, totalShares } = init;
  checkTotalShares(totalShares);
  checkUniqueIds(servers.map((s) => s.id));

  const held = servers.map((server) =>
    [...server.existingShares]
      .filter((share) => Number.isInteger(share) && share >= 0 && share < totalShares)
      .sort((a, b) => a - b),
  );
  const heldAnywhere = new Set(held.flat());
  const writable = servers.flatMap((server, index) => (server.readOnly ? [] : [index]));
  const serverOf = new Map<number, number>(); // share → server index
  const used = new Uint8Array(servers.length);
  const place = (server: number, share: number): void => {
    serverOf.set(share, server);
    used[server] = 1;
  };

  // M1: read-only servers ↔ shares they hold.
  const g1 = new Map<number, number[]>();
  servers.forEach((server, index) => {
    if (server.readOnly && held[index].length > 0) g1.set(index, held[index]);
  });
  for (const [server, share] of maximumMatching(g1)) place(server, share);

  // M2: writable servers ↔ shares they hold, without M1's shares.
  const g2 = new Map<number, number[]>();
  for (const index of writable) {
    const shares = held[index].filter((share) => !serverOf.has(share));
    if (shares.length > 0) g2.set(index, shares);
  }
  for (const [server, share] of maximumMatching(g2)) place(server, share);

  // M3: G3 is complete bipartite (any writable server may take any share), so a maximum matching
  // that prefers earlier servers pairs them in order.
  const freeServers = writable.filter((index) => used[index] === 0);
  const freeShares: number[] = [];
  for (const wantHeld of [false, true]) {
    for (let share = 0; share < totalShares; share++) {
      if (!serverOf.has(share) && heldAnywhere.has(share) === wantHeld) freeShares.push(share);
    }
  }
  const pairs = Math.min(freeServers.length, freeShares.length);
  for (let i = 0; i < pairs; i++) place(freeServers[i], freeShares[i]);

  // Leftovers (only when shares outnumber usable servers).
  if (writable.length > 0) {
    const spread: number[] = [];
    for (let share = 0; share < totalShares; share++) {
      if (serverOf.has(share)) continue;
      const holder = writable.find((index) => held[index].includes(share));
      if (holder === undefined) spread.push(share);
      else place(holder, share); // already there: renewing beats another copy
    }
    const load = new Map<number, number>(writable.map((index) => [index, 0]));
    for (const server of serverOf.values()) {
      if (load.has(server)) load.set(server, load.get(server)! + 1);
    }
    for (const share of spread) {
      let best = writable[0];
      for (const index of writable) if (load.get(index)! < load.get(best)!) best = index;
      place(best, share);
      load.set(best, load.get(best)! + 1);
    }
  }

  const result = new Map<ServerId, Set<number>>();
  const byServer = servers.map(() => [] as number[]);
  for (const [share, server] of serverOf) byServer[server].push(share);
  byServer.forEach((shares, index) => {
    if (shares.length > 0) result.set(servers[index].id, new Set(shares.sort((a, b) => a - b)));
  });
  return result;
}
