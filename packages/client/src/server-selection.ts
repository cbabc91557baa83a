/**
 * The server-selection loop of Tahoe's `Tahoe2ServerSelector` (spec §4.3 steps 1–5) as a pure
 * state machine ({@link selectServersForUpload}) that the network uploader drives: each
 * allocation round re-runs `sharePlacement` (`placement.ts`) with what the servers have said
 * so far, which `selection-answers.ts` records. Nothing here does I/O.
 */

import { UPLOAD_CANDIDATES_PER_SHARE } from './constants.ts';
import { UploadUnhappyError } from './errors.ts';
import { servicedHappiness, type ServerId } from './happiness.ts';
import { checkTotalShares, checkUniqueIds } from './placement.ts';
import {
  roundPlacement,
  selectionAllocations,
  selectionHappiness,
  selectionShareMap,
  speculativeRequests,
} from './selection-answers.ts';

export interface UploadCandidate {
  readonly id: ServerId;
  /**
   * True when the server cannot take this upload: its announced `maximum-immutable-share-size`
   * is below the allocated share size (spec §4.3 step 1). It is still asked what it holds.
   */
  readonly readOnly: boolean;
}

/**
 * What the selector knows of a server: `writable`; `read-only` (too small, timed out on the
 * existing-shares query, refused or failed an allocation); or `bad` (the existing-shares query
 * failed: the server is left out of everything).
 */
export type CandidateStatus = 'writable' | 'read-only' | 'bad';

/** One candidate in a {@link ServerSelectionState}. */
export interface CandidateState {
  readonly id: ServerId;
  readonly status: CandidateStatus;
  /** Whether its answer to the existing-shares query (`get_buckets`) was recorded. */
  readonly queried: boolean;
  /** Whether it answered an allocation request (which also renewed its leases). */
  readonly contacted: boolean;
  /** Shares it reports holding, from `get_buckets` or an allocation's `alreadyHave`. */
  readonly existingShares: ReadonlySet<number>;
  /** Shares it opened buckets for at our request: the uploader must write or abort these. */
  readonly allocatedShares: ReadonlySet<number>;
}

/** The immutable state of one upload's server selection; build it with {@link startServerSelection}. */
export interface ServerSelectionState {
  readonly totalShares: number;
  readonly happy: number;
  /** The candidates (the first 2N servers of the ring), in ring order. */
  readonly servers: readonly CandidateState[];
  /** Allocation rounds recorded so far. */
  readonly round: number;
  /** Happiness after each recorded allocation round. */
  readonly happinessByRound: readonly number[];
  /** Whether the last allocation round turned some server read-only. */
  readonly statusChangedLastRound: boolean;
  /**
   * Whether the first step still may be a {@link recordFirstRound speculative} one: allocation
   * requests alongside the existing-shares queries.
   */
  readonly speculate: boolean;
}

/** A server's answer to the existing-shares query (`get_buckets`), or how the query failed. */
export type ExistingSharesAnswer =
  | { readonly serverId: ServerId; readonly shares: Iterable<number> }
  | { readonly serverId: ServerId; readonly failure: 'timeout' | 'error' };

/**
 * Ask `serverId` to allocate buckets for `shares` (`allocate_buckets`). An empty set, or shares
 * the server already holds, only renew the leases on what it holds (spec §4.3 step 4).
 */
export interface AllocationRequest {
  readonly serverId: ServerId;
  readonly shares: ReadonlySet<number>;
}

/** The answer to an {@link AllocationRequest}, or how it failed. */
export type AllocationReply =
  | {
      readonly request: AllocationRequest;
      /** Shares the server already holds. */
      readonly alreadyHave: Iterable<number>;
      /** Shares it opened buckets for; requested shares in neither set were refused. */
      readonly allocated: Iterable<number>;
    }
  | { readonly request: AllocationRequest; readonly failure: 'timeout' | 'error' };

/** The next thing the uploader should do, from {@link selectServersForUpload}. */
export type ServerSelectionStep =
  | {
      /** Send `get_buckets` to these servers and {@link recordExistingShares}. */
      readonly action: 'query';
      readonly serverIds: readonly ServerId[];
    }
  | {
      /** Send these allocation requests and {@link recordAllocationReplies}. */
      readonly action: 'allocate';
      /** 1 for the first round. */
      readonly round: number;
      readonly requests: readonly AllocationRequest[];
    }
  | {
      /**
       * The first step of a speculative selection: send `get_buckets` to `serverIds` and these
       * allocation requests, all in parallel, then {@link recordFirstRound} (and abort what it
       * returns). The requests are the placement as if no server held a share, which is what the
       * first allocation round asks whenever the file is new.
       */
      readonly action: 'query-allocate';
      readonly serverIds: readonly ServerId[];
      readonly requests: readonly AllocationRequest[];
    }
  | {
      /** Selection succeeded: upload to `allocations`, keep `shareMap` for the happiness re-checks. */
      readonly action: 'done';
      readonly happiness: number;
      /** Server → buckets opened for us (write every one, or abort it). */
      readonly allocations: Map<ServerId, Set<number>>;
      /** Server → shares it holds or accepted: where the file will live. */
      readonly shareMap: Map<ServerId, Set<number>>;
    };

/**
 * Starts server selection for one immutable upload.
 *
 * @param init - `servers`: the permuted ring (only the first `2 × totalShares` are used, spec
 *   §4.3 step 1); `totalShares`: N; `happy`: the happiness required (0 for the repairer);
 *   `speculate`: start with a `query-allocate` step, which saves a round trip for a new file
 *   (see {@link recordFirstRound}; default false: Tahoe's query first)
 * @throws {RangeError} if `totalShares` is not in 1..256, `happy` not in 0..N, or ids repeat
 */
export function startServerSelection(init: {
  readonly servers: readonly UploadCandidate[];
  readonly totalShares: number;
  readonly happy: number;
  readonly speculate?: boolean;
}): ServerSelectionState {
  const { totalShares, happy } = init;
  checkTotalShares(totalShares);
  if (!Number.isInteger(happy) || happy < 0 || happy > totalShares) {
    throw new RangeError('happy must be an integer in 0..totalShares');
  }
  const candidates = init.servers.slice(0, UPLOAD_CANDIDATES_PER_SHARE * totalShares);
  checkUniqueIds(candidates.map((s) => s.id));
  return {
    totalShares,
    happy,
    servers: candidates.map((s) => ({
      id: s.id,
      status: s.readOnly ? 'read-only' : 'writable',
      queried: false,
      contacted: false,
      existingShares: new Set(),
      allocatedShares: new Set(),
    })),
    round: 0,
    happinessByRound: [],
    statusChangedLastRound: false,
    speculate: init.speculate === true,
  };
}

function finish(state: ServerSelectionState): ServerSelectionStep {
  const shareMap = selectionShareMap(state);
  const happiness = servicedHappiness(shareMap);
  if (happiness < state.happy) {
    throw new UploadUnhappyError({
      happiness,
      happy: state.happy,
      serversUsable: shareMap.size,
      shares: state.totalShares,
    });
  }
  return { action: 'done', happiness, allocations: selectionAllocations(state), shareMap };
}

/**
 * Decides the next step of server selection for an immutable upload (spec §4.3, Tahoe's
 * `Tahoe2ServerSelector`). Pure: the caller does the network calls and feeds the answers back.
 *
 * Call sequence (the uploader is a thin loop around this):
 * 1. `state = startServerSelection({ servers: permutedServers(…), totalShares, happy })`
 *    (with `speculate: true`, the first step is `query-allocate`);
 * 2. `step = selectServersForUpload(state)`:
 *    - `query`: send `get_buckets` to `step.serverIds` (deadline `UPLOAD_QUERY_TIMEOUT_MS`),
 *      then `state = recordExistingShares(state, answers)`;
 *    - `query-allocate`: send those queries and the allocation requests of `step.requests`
 *      together, then `{ state, abort } = recordFirstRound(state, answers, replies)` and abort
 *      the buckets in `abort`;
 *    - `allocate`: send every request of `step.requests` in parallel, then
 *      `state = recordAllocationReplies(state, replies)`;
 *    - `done`: write shares to `step.allocations`; keep `step.shareMap` to re-check happiness
 *      with `assertHappiness` whenever a shareholder fails during the push;
 * 3. repeat 2 until `done` or an error. On `UploadUnhappyError`, abort the buckets in
 *    `selectionAllocations(state)`.
 *
 * Each allocation round re-runs `sharePlacement` (`placement.ts`) with what is known (servers
 * that failed or refused are now read-only; buckets already opened count as held) and asks each
 * server only for shares it has not confirmed. The first round also renews the leases of every server that holds
 * shares. The loop stops when happiness ≥ `happy` (after at least one round, so leases are
 * renewed even then and with `happy = 0`), when there is nothing left to ask, when a round turned
 * no server read-only (the placement was already the best possible), or when happiness did not
 * improve over the previous round and no writable server that was never asked would be asked.
 * That last clause differs from Tahoe, which stops as soon as happiness stops improving: a round
 * whose replacement servers were also full should not end the upload while unasked candidates
 * remain. Every round that continues turns a server read-only, so there are at most 2N + 1 rounds.
 * As in Tahoe, only happiness is required: once it is reached, shares whose servers refused them
 * stay unplaced, so `allocations` plus the shares found may cover fewer than N shares.
 *
 * @throws {UploadUnhappyError} `CLIENT_UPLOAD_UNHAPPY` when the loop stops with happiness <
 *   `happy`
 * @example
 * ```ts
 * let state = startServerSelection({ servers: ring, totalShares: 10, happy: 7 });
 * for (;;) {
 *   const step = selectServersForUpload(state);
 *   if (step.action === 'done') return step;
 *   if (step.action === 'query') state = recordExistingShares(state, await askAll(step.serverIds));
 *   else state = recordAllocationReplies(state, await allocateAll(step.requests));
 * }
 * ```
 */
export function selectServersForUpload(state: ServerSelectionState): ServerSelectionStep {
  if (state.speculate) {
    const requests = speculativeRequests(state);
    if (requests.length > 0) {
      const asked = new Set(requests.map((r) => r.serverId));
      const serverIds = state.servers.filter((s) => !asked.has(s.id)).map((s) => s.id);
      return { action: 'query-allocate', serverIds, requests };
    }
  }
  const unqueried = state.servers.filter((s) => !s.queried).map((s) => s.id);
  if (unqueried.length > 0) return { action: 'query', serverIds: unqueried };

  if (state.round > 0) {
    if (selectionHappiness(state) >= state.happy || !state.statusChangedLastRound) {
      return finish(state);
    }
  }

  const usable = state.servers.filter((s) => s.status !== 'bad');
  const placement = roundPlacement(state);
  const requests: AllocationRequest[] = [];
  let asksNewServer = false;
  for (const server of usable) {
    const shares = [...(placement.get(server.id) ?? [])].filter(
      (s) => !server.allocatedShares.has(s) && !(server.contacted && server.existingShares.has(s)),
    );
    const renew = !server.contacted && server.existingShares.size > 0;
    if (shares.length === 0 && !renew) continue;
    requests.push({ serverId: server.id, shares: new Set(shares) });
    if (!server.contacted && server.status === 'writable' && shares.length > 0) {
      asksNewServer = true;
    }
  }
  if (requests.length === 0) return finish(state);

  const rounds = state.happinessByRound;
  const notImproving = rounds.length >= 2 && rounds[rounds.length - 1] <= rounds[rounds.length - 2];
  if (notImproving && !asksNewServer) return finish(state);

  return { action: 'allocate', round: state.round + 1, requests };
}
