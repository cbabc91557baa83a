/**
 * What servers answer during server selection ({@link selectServersForUpload}), folded into its
 * state: existing-shares queries, allocation rounds, and the speculative first round that does
 * both for a new file. Pure, like the loop.
 */

import { servicedHappiness, type ServerId } from './happiness.ts';
import { sharePlacement } from './placement.ts';
import type {
  AllocationReply,
  AllocationRequest,
  CandidateState,
  ExistingSharesAnswer,
  ServerSelectionState,
} from './server-selection.ts';

function shareNumbers(state: ServerSelectionState, shares: Iterable<number>): Set<number> {
  const out = new Set<number>();
  for (const share of shares) {
    if (Number.isInteger(share) && share >= 0 && share < state.totalShares) out.add(share);
  }
  return out;
}

function updateServers(
  state: ServerSelectionState,
  updates: Iterable<[ServerId, (server: CandidateState) => CandidateState]>,
): CandidateState[] {
  const servers = [...state.servers];
  const indexOf = new Map(servers.map((server, index) => [server.id, index]));
  for (const [id, update] of updates) {
    const index = indexOf.get(id);
    if (index === undefined) throw new RangeError(`"${id}" is not a candidate of this upload`);
    servers[index] = update(servers[index]);
  }
  return servers;
}

/**
 * Records answers to the existing-shares query (spec §4.3 step 2). May be called once with all
 * answers or several times with some. A writable server that timed out becomes read-only; one
 * whose query failed otherwise becomes bad.
 *
 * @throws {RangeError} for a server that is not a candidate
 */
export function recordExistingShares(
  state: ServerSelectionState,
  answers: Iterable<ExistingSharesAnswer>,
): ServerSelectionState {
  const updates = [...answers].map(
    (answer): [ServerId, (server: CandidateState) => CandidateState] => [
      answer.serverId,
      (server) => {
        if ('failure' in answer) {
          const status =
            answer.failure === 'error' ? 'bad' : server.status === 'bad' ? 'bad' : 'read-only';
          return { ...server, queried: true, status };
        }
        const existingShares = new Set([
          ...server.existingShares,
          ...shareNumbers(state, answer.shares),
        ]);
        return { ...server, queried: true, existingShares };
      },
    ],
  );
  return { ...state, servers: updateServers(state, updates) };
}

/**
 * Records the replies of one allocation round (spec §4.3 step 4). A server that failed, or
 * refused any requested share (it is full), becomes read-only; what it already held still counts,
 * as in Tahoe. Replies' share numbers outside `0..N-1`, and allocations that were not requested,
 * are ignored.
 *
 * @throws {RangeError} for a server that is not a candidate
 */
export function recordAllocationReplies(
  state: ServerSelectionState,
  replies: Iterable<AllocationReply>,
): ServerSelectionState {
  let statusChanged = false;
  const updates = [...replies].map(
    (reply): [ServerId, (server: CandidateState) => CandidateState] => [
      reply.request.serverId,
      (server) => {
        const requested = reply.request.shares;
        let failed = true;
        let { existingShares, allocatedShares } = server;
        if (!('failure' in reply)) {
          const alreadyHave = shareNumbers(state, reply.alreadyHave);
          const allocated = [...shareNumbers(state, reply.allocated)].filter((s) =>
            requested.has(s),
          );
          // A requested share it neither has nor allocated is not there (any more).
          existingShares = new Set([
            ...[...existingShares].filter((s) => !requested.has(s)),
            ...alreadyHave,
          ]);
          allocatedShares = new Set([...allocatedShares, ...allocated]);
          failed = [...requested].some((s) => !alreadyHave.has(s) && !allocatedShares.has(s));
        }
        const status = failed && server.status === 'writable' ? 'read-only' : server.status;
        if (status !== server.status) statusChanged = true;
        return { ...server, contacted: true, status, existingShares, allocatedShares };
      },
    ],
  );
  const next: ServerSelectionState = {
    ...state,
    servers: updateServers(state, updates),
    round: state.round + 1,
    statusChangedLastRound: statusChanged,
  };
  return { ...next, happinessByRound: [...state.happinessByRound, selectionHappiness(next)] };
}

/** Server → buckets opened for this upload so far (to write, or to abort on failure). */
export function selectionAllocations(state: ServerSelectionState): Map<ServerId, Set<number>> {
  const out = new Map<ServerId, Set<number>>();
  for (const server of state.servers) {
    if (server.allocatedShares.size > 0) out.set(server.id, new Set(server.allocatedShares));
  }
  return out;
}

/** Server → shares it holds or accepted, over servers that are not bad. */
export function selectionShareMap(state: ServerSelectionState): Map<ServerId, Set<number>> {
  const out = new Map<ServerId, Set<number>>();
  for (const server of state.servers) {
    if (server.status === 'bad') continue;
    const shares = new Set([...server.existingShares, ...server.allocatedShares]);
    if (shares.size > 0) out.set(server.id, shares);
  }
  return out;
}

/** The servers-of-happiness the selection has reached so far. */
export function selectionHappiness(state: ServerSelectionState): number {
  return servicedHappiness(selectionShareMap(state));
}

/** `sharePlacement` over the servers that are not bad, each holding `held(server)`. */
function placementOver(
  state: ServerSelectionState,
  held: (server: CandidateState) => ReadonlySet<number>,
): Map<ServerId, Set<number>> {
  return sharePlacement({
    servers: state.servers
      .filter((s) => s.status !== 'bad')
      .map((s) => ({ id: s.id, readOnly: s.status !== 'writable', existingShares: held(s) })),
    totalShares: state.totalShares,
  });
}

/** The first round's requests if no server held a share: the candidates as they are. */
export function speculativeRequests(state: ServerSelectionState): AllocationRequest[] {
  const placement = placementOver(state, () => new Set());
  return [...placement].map(([serverId, shares]) => ({ serverId, shares }));
}

/**
 * The placement the next allocation round asks for. Buckets opened for this upload count as held
 * from the second round on; the first round's comes from the shares servers hold alone (a
 * speculative first round may have opened some buckets that this placement keeps).
 */
export function roundPlacement(state: ServerSelectionState): Map<ServerId, Set<number>> {
  if (state.round === 0) return placementOver(state, (s) => s.existingShares);
  return placementOver(state, (s) => new Set([...s.existingShares, ...s.allocatedShares]));
}

/**
 * Records the answers of a `query-allocate` step. A successful allocation reply also answers the
 * existing-shares query: its `alreadyHave` lists every share the server holds (spec §3.2).
 *
 * When no server holds a share of the file and every allocation request was answered (a new
 * file), the speculative requests were exactly the first allocation round of Tahoe's loop, and are
 * recorded as that round: the selection takes one round trip where Tahoe's takes two. Otherwise
 * the step counts as the query alone: the buckets it opened that the first round's placement (from
 * the shares now known to be held) puts on the same server stay open as part of that round, and
 * the rest are returned, to be aborted before the next step. The first round then asks for the
 * remaining shares; servers that answered the speculative request had their leases renewed by it
 * and are not asked again for that. A server whose allocation failed becomes read-only, as after
 * any failed allocation; it has not said what it holds, so the next step asks it, unless it timed
 * out (then it counts as a query that timed out). Every bucket of such a step is aborted, since
 * what that server holds can change the placement.
 *
 * @returns the new state, and server → buckets to abort now
 * @throws {RangeError} for a server that is not a candidate
 */
export function recordFirstRound(
  state: ServerSelectionState,
  answers: Iterable<ExistingSharesAnswer>,
  replies: Iterable<AllocationReply>,
): { state: ServerSelectionState; abort: Map<ServerId, Set<number>> } {
  const replyList = [...replies];
  const granted = new Map<ServerId, Set<number>>();
  const fromReplies: ExistingSharesAnswer[] = [];
  const failed = new Map<ServerId, 'timeout' | 'error'>();
  for (const r of replyList) {
    if ('failure' in r) {
      failed.set(r.request.serverId, r.failure);
      continue;
    }
    fromReplies.push({ serverId: r.request.serverId, shares: r.alreadyHave });
    const allocated = [...shareNumbers(state, r.allocated)].filter((n) => r.request.shares.has(n));
    granted.set(r.request.serverId, new Set(allocated));
  }
  const queried = recordExistingShares({ ...state, speculate: false }, [
    ...answers,
    ...fromReplies,
  ]);
  if (failed.size === 0 && queried.servers.every((s) => s.existingShares.size === 0)) {
    return { state: recordAllocationReplies(queried, replyList), abort: new Map() };
  }
  const plan = failed.size === 0 ? roundPlacement(queried) : new Map<ServerId, Set<number>>();
  const abort = new Map<ServerId, Set<number>>();
  const servers = queried.servers.map((server): CandidateState => {
    const failure = failed.get(server.id);
    if (failure !== undefined) {
      // As after a failed allocation, it takes no new share; one that timed out is not asked
      // again either (as after a query that timed out), one that answered with an error is.
      const status = server.status === 'writable' ? 'read-only' : server.status;
      return { ...server, status, queried: failure === 'timeout' };
    }
    const opened = granted.get(server.id);
    if (opened === undefined) return server;
    const wanted = plan.get(server.id);
    const keep = [...opened].filter((n) => wanted?.has(n) === true);
    if (keep.length < opened.size)
      abort.set(server.id, new Set([...opened].filter((n) => !keep.includes(n))));
    return { ...server, contacted: true, allocatedShares: new Set(keep) };
  });
  return { state: { ...queried, servers }, abort };
}
