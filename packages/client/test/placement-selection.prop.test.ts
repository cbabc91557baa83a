import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  recordAllocationReplies,
  recordExistingShares,
  recordFirstRound,
  selectionAllocations,
  selectServersForUpload,
  servicedHappiness,
  startServerSelection,
  UploadUnhappyError,
  type AllocationReply,
  type AllocationRequest,
  type ServerSelectionState,
  type ServerSelectionStep,
} from '../src/index.ts';

interface Fake {
  readOnly: boolean;
  holds: Set<number>;
  capacity: number;
  queryFails?: 'timeout' | 'error';
  allocateFails?: 'timeout' | 'error';
}

// Mostly healthy servers: one in ten fails each kind of query.
const failure = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 9 },
  { arbitrary: fc.constantFrom('timeout' as const, 'error' as const), weight: 1 },
);
const grid = fc.integer({ min: 1, max: 6 }).chain((totalShares) =>
  fc.tuple(
    fc.constant(totalShares),
    fc.integer({ min: 0, max: totalShares }),
    fc.array(
      fc.record({
        readOnly: fc.boolean(),
        holds: fc.uniqueArray(fc.integer({ min: 0, max: totalShares - 1 }), { maxLength: 3 }),
        capacity: fc.integer({ min: 0, max: 4 }),
        queryFails: failure,
        allocateFails: failure,
      }),
      { maxLength: 14 },
    ),
  ),
);

/** Maximum matching size by exhaustive search (tiny graphs). */
function bruteForceMatching(edges: readonly (readonly number[])[]): number {
  const memo = new Map<string, number>();
  const best = (i: number, used: number): number => {
    if (i === edges.length) return 0;
    const key = `${i}/${used}`;
    if (!memo.has(key)) {
      let max = best(i + 1, used);
      for (const s of edges[i])
        if (!(used & (1 << s))) max = Math.max(max, 1 + best(i + 1, used | (1 << s)));
      memo.set(key, max);
    }
    return memo.get(key)!;
  };
  return best(0, 0);
}

type Outcome = { done: ServerSelectionStep & { action: 'done' } } | { error: UploadUnhappyError };

/**
 * Runs selection against fakes, checking every request on the way. `trips`: the round trips to
 * the servers (a query, an allocation round, a query-allocate step, the aborts after it).
 * `open`: buckets the fakes hold open for the upload at the end (allocated and not aborted).
 */
function drive(
  specs: readonly Fake[],
  totalShares: number,
  happy: number,
  speculate = false,
): { outcome: Outcome; rounds: number; trips: number; open: Map<string, Set<number>> } {
  const fakes = new Map(specs.map((f, i) => [`s${i}`, { ...f, holds: new Set(f.holds) }]));
  let state: ServerSelectionState = startServerSelection({
    servers: [...fakes].map(([id, f]) => ({ id, readOnly: f.readOnly })),
    totalShares,
    happy,
    speculate,
  });
  const accepted = new Map<string, Set<number>>();
  let rounds = 0;
  let trips = 0;
  const query = (serverIds: readonly string[]) =>
    serverIds.map((serverId) => {
      const f = fakes.get(serverId)!;
      return f.queryFails
        ? { serverId, failure: f.queryFails }
        : { serverId, shares: [...f.holds] };
    });
  const allocate = (requests: readonly AllocationRequest[]) =>
    requests.map((request): AllocationReply => {
      const f = fakes.get(request.serverId)!;
      const candidate = state.servers.find((s) => s.id === request.serverId)!;
      expect(candidate.status).not.toBe('bad');
      for (const share of request.shares) {
        // Never ask again for a bucket it opened; read-only servers only renew what they hold.
        expect(accepted.get(request.serverId)?.has(share) ?? false).toBe(false);
        if (candidate.status !== 'writable') expect(candidate.existingShares.has(share)).toBe(true);
      }
      if (f.allocateFails) return { request, failure: f.allocateFails };
      const alreadyHave = [...f.holds];
      const allocated: number[] = [];
      for (const share of request.shares) {
        if (f.holds.has(share) || f.readOnly || f.capacity === 0) continue;
        f.capacity--;
        f.holds.add(share);
        allocated.push(share);
        if (!accepted.has(request.serverId)) accepted.set(request.serverId, new Set());
        accepted.get(request.serverId)!.add(share);
      }
      return { request, alreadyHave, allocated };
    });
  const finish = (outcome: Outcome) => {
    // Every bucket still open is one the uploader writes (or, on failure, aborts).
    const open = new Map([...accepted].filter(([, shares]) => shares.size > 0));
    const owned = 'done' in outcome ? outcome.done.allocations : selectionAllocations(state);
    expect(open).toEqual(owned);
    return { outcome, rounds, trips, open };
  };
  for (;;) {
    let step: ServerSelectionStep;
    try {
      step = selectServersForUpload(state);
    } catch (e) {
      if (!(e instanceof UploadUnhappyError)) throw e;
      return finish({ error: e });
    }
    if (step.action === 'done') return finish({ done: step });
    trips++;
    if (step.action === 'query') {
      expect(rounds).toBe(0);
      state = recordExistingShares(state, query(step.serverIds));
    } else if (step.action === 'query-allocate') {
      expect(trips).toBe(1);
      const first = recordFirstRound(state, query(step.serverIds), allocate(step.requests));
      state = first.state;
      rounds = state.round;
      if (first.abort.size > 0) trips++;
      for (const [id, shares] of first.abort) {
        for (const share of shares) {
          expect(accepted.get(id)?.delete(share)).toBe(true);
          const f = fakes.get(id)!;
          f.holds.delete(share);
          f.capacity++;
        }
      }
    } else {
      rounds++;
      expect(rounds).toBeLessThanOrEqual(2 * totalShares + 1);
      state = recordAllocationReplies(state, allocate(step.requests));
    }
  }
}

describe.each([false, true])('selectServersForUpload properties (speculate: %s)', (speculate) => {
  it('terminates, and succeeds exactly when happy is reached', () => {
    fc.assert(
      fc.property(grid, ([totalShares, happy, specs]) => {
        const fakes = specs.map((s) => ({ ...s, holds: new Set(s.holds) }));
        const { outcome } = drive(fakes, totalShares, happy, speculate);
        if ('done' in outcome) {
          const { happiness, shareMap, allocations } = outcome.done;
          expect(happiness).toBeGreaterThanOrEqual(happy);
          expect(servicedHappiness(shareMap)).toBe(happiness);
          for (const [id, shares] of allocations) {
            const fake = fakes[Number(id.slice(1))];
            expect(fake.readOnly).toBe(false);
            for (const share of shares) expect(shareMap.get(id)?.has(share)).toBe(true);
          }
        } else {
          expect(outcome.error.code).toBe('CLIENT_UPLOAD_UNHAPPY');
          expect(outcome.error.happiness).toBeLessThan(happy);
          expect(outcome.error.serversUsable).toBeGreaterThanOrEqual(outcome.error.happiness);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('on healthy servers, reaches the best happiness possible in one round', () => {
    fc.assert(
      fc.property(grid, ([totalShares, happy, specs]) => {
        const fakes = specs.map((s) => ({
          readOnly: s.readOnly,
          holds: new Set(s.holds),
          capacity: Infinity,
        }));
        const candidates = fakes.slice(0, 2 * totalShares);
        const best = bruteForceMatching(
          candidates.map((f) =>
            f.readOnly ? [...f.holds] : Array.from({ length: totalShares }, (_, i) => i),
          ),
        );
        const { outcome, rounds, trips } = drive(fakes, totalShares, happy, speculate);
        const happiness = 'done' in outcome ? outcome.done.happiness : outcome.error.happiness;
        expect(happiness).toBe(best);
        expect('done' in outcome).toBe(best >= happy);
        expect(rounds).toBeLessThanOrEqual(1);
        // Speculating, a new file (no share held anywhere) takes one round trip, not two.
        const fresh = candidates.every((f) => f.holds.size === 0);
        if (speculate && fresh && candidates.some((f) => !f.readOnly)) expect(trips).toBe(1);
        else expect(trips).toBeLessThanOrEqual(speculate ? 3 : 2);
      }),
      { numRuns: 400 },
    );
  });

  it('replaces full or failing servers until every candidate that can take a share has one', () => {
    const server = fc.record({
      capacity: fc.constantFrom(0, 1, 100),
      allocateFails: fc.constantFrom(undefined, undefined, undefined, 'error' as const),
    });
    const setup = fc
      .integer({ min: 1, max: 6 })
      .chain((totalShares) =>
        fc.tuple(fc.constant(totalShares), fc.array(server, { maxLength: 14 })),
      );
    fc.assert(
      fc.property(setup, ([totalShares, specs]) => {
        const fakes = specs.map((s) => ({ ...s, readOnly: false, holds: new Set<number>() }));
        const candidates = fakes.slice(0, 2 * totalShares);
        const takers = candidates.filter((f) => f.capacity > 0 && !f.allocateFails).length;
        const { outcome } = drive(fakes, totalShares, totalShares, speculate);
        const happiness = 'done' in outcome ? outcome.done.happiness : outcome.error.happiness;
        expect(happiness).toBe(Math.min(totalShares, takers));
      }),
      { numRuns: 300 },
    );
  });
});

describe('speculative first round', () => {
  it('on healthy servers, places the shares exactly as the query-first loop does', () => {
    fc.assert(
      fc.property(grid, ([totalShares, happy, specs]) => {
        const healthy = (): Fake[] =>
          specs.map((s) => ({ readOnly: s.readOnly, holds: new Set(s.holds), capacity: Infinity }));
        const plain = drive(healthy(), totalShares, happy, false).outcome;
        const speculative = drive(healthy(), totalShares, happy, true).outcome;
        if ('done' in plain && 'done' in speculative) {
          expect(speculative.done.shareMap).toEqual(plain.done.shareMap);
          expect(speculative.done.allocations).toEqual(plain.done.allocations);
          expect(speculative.done.happiness).toBe(plain.done.happiness);
        } else {
          expect('error' in speculative && 'error' in plain).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
