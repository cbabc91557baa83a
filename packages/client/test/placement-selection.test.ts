import { describe, expect, it } from 'vitest';
import {
  recordAllocationReplies,
  recordExistingShares,
  selectServersForUpload,
  startServerSelection,
  UploadUnhappyError,
  type AllocationReply,
  type AllocationRequest,
  type ExistingSharesAnswer,
  type ServerSelectionState,
  type ServerSelectionStep,
} from '../src/index.ts';

/** An in-memory storage server for one storage index. */
interface FakeServer {
  id: string;
  readOnly?: boolean;
  holds?: number[];
  /** How many new buckets it still accepts (default: unlimited). */
  capacity?: number;
  queryFails?: 'timeout' | 'error';
  allocateFails?: 'timeout' | 'error';
}

interface Run {
  step: ServerSelectionStep & { action: 'done' };
  state: ServerSelectionState;
  rounds: AllocationRequest[][];
}

/** Drives the selector against fake servers the way the uploader will, recording each round. */
function drive(fakes: FakeServer[], totalShares: number, happy: number): Run {
  const byId = new Map(
    fakes.map((f) => [f.id, { ...f, holds: new Set(f.holds), capacity: f.capacity ?? Infinity }]),
  );
  let state = startServerSelection({
    servers: fakes.map((f) => ({ id: f.id, readOnly: f.readOnly === true })),
    totalShares,
    happy,
  });
  const rounds: AllocationRequest[][] = [];
  for (let i = 0; i < 100; i++) {
    const step = selectServersForUpload(state);
    if (step.action === 'done') return { step, state, rounds };
    if (step.action === 'query') {
      const answers = step.serverIds.map((serverId): ExistingSharesAnswer => {
        const fake = byId.get(serverId)!;
        return fake.queryFails
          ? { serverId, failure: fake.queryFails }
          : { serverId, shares: [...fake.holds] };
      });
      state = recordExistingShares(state, answers);
    } else if (step.action === 'query-allocate') {
      throw new Error('this driver does not speculate');
    } else {
      expect(step.round).toBe(rounds.length + 1);
      rounds.push([...step.requests]);
      const replies = step.requests.map((request): AllocationReply => {
        const fake = byId.get(request.serverId)!;
        if (fake.allocateFails) return { request, failure: fake.allocateFails };
        const alreadyHave = [...fake.holds];
        const allocated: number[] = [];
        for (const share of request.shares) {
          if (fake.holds.has(share) || fake.readOnly || fake.capacity === 0) continue;
          fake.capacity--;
          fake.holds.add(share);
          allocated.push(share);
        }
        return { request, alreadyHave, allocated };
      });
      state = recordAllocationReplies(state, replies);
    }
  }
  throw new Error('selection did not finish');
}

function unhappy(run: () => unknown): UploadUnhappyError {
  try {
    run();
  } catch (e) {
    if (e instanceof UploadUnhappyError) return e;
    throw e;
  }
  throw new Error('expected UploadUnhappyError');
}

const plain = (map: Map<string, Set<number>>): Record<string, number[]> =>
  Object.fromEntries([...map].map(([id, shares]) => [id, [...shares].sort((a, b) => a - b)]));
const requests = (round: AllocationRequest[]): Record<string, number[]> =>
  Object.fromEntries(round.map((r) => [r.serverId, [...r.shares]]));
const grid = (n: number, extra: Partial<FakeServer> = {}): FakeServer[] =>
  Array.from({ length: n }, (_, i) => ({ id: `s${i}`, ...extra }));

describe('selectServersForUpload', () => {
  it('asks every candidate first, then allocates one share per server (3/7/10 on 10 servers)', () => {
    const state = startServerSelection({
      servers: grid(10).map((s) => ({ id: s.id, readOnly: false })),
      totalShares: 10,
      happy: 7,
    });
    expect(selectServersForUpload(state)).toEqual({
      action: 'query',
      serverIds: grid(10).map((s) => s.id),
    });

    const { step, rounds } = drive(grid(10), 10, 7);
    expect(rounds).toHaveLength(1);
    expect(requests(rounds[0])).toEqual(Object.fromEntries(grid(10).map((s, i) => [s.id, [i]])));
    expect(step.happiness).toBe(10);
    expect(plain(step.allocations)).toEqual(plain(step.shareMap));
  });

  it('only considers the first 2N servers of the ring', () => {
    const state = startServerSelection({
      servers: grid(30).map((s) => ({ id: s.id, readOnly: false })),
      totalShares: 5,
      happy: 3,
    });
    expect(state.servers.map((s) => s.id)).toEqual(grid(10).map((s) => s.id));
  });

  it('fails with CLIENT_UPLOAD_UNHAPPY when there are fewer servers than happy', () => {
    const error = unhappy(() => drive(grid(3), 10, 7));
    expect(error.code).toBe('CLIENT_UPLOAD_UNHAPPY');
    expect({ ...error }).toMatchObject({ happiness: 3, happy: 7, serversUsable: 3, shares: 10 });
    expect(error.message).toBe(
      'Cannot upload: shares could only be placed on 3 servers, need 7 (happy)',
    );
  });

  it('fails on an empty grid', () => {
    const error = unhappy(() => drive([], 10, 7));
    expect(error.message).toBe(
      'Cannot upload: shares could only be placed on 0 servers, need 7 (happy)',
    );
  });

  it('moves shares refused by full servers to the next servers of the ring', () => {
    const fakes = grid(20).map((s, i) => (i < 5 ? { ...s, capacity: 0 } : s));
    const { step, rounds } = drive(fakes, 10, 7);
    expect(rounds).toHaveLength(2);
    expect(requests(rounds[1])).toEqual({ s10: [0], s11: [1], s12: [2], s13: [3], s14: [4] });
    expect(step.happiness).toBe(10);
    expect([...step.allocations.keys()]).toEqual(
      grid(15)
        .slice(5)
        .map((s) => s.id),
    );
  });

  it('keeps looking while unasked servers remain, even if a round did not help (unlike Tahoe)', () => {
    const fakes = grid(20).map((s, i) =>
      i < 5 || (i >= 10 && i < 15) ? { ...s, capacity: 0 } : s,
    );
    const { step, rounds } = drive(fakes, 10, 7);
    expect(rounds.map((r) => r.map((q) => q.serverId))).toEqual([
      grid(10).map((s) => s.id),
      grid(15)
        .slice(10)
        .map((s) => s.id),
      grid(20)
        .slice(15)
        .map((s) => s.id),
    ]);
    expect(step.happiness).toBe(10);
  });

  it('stops when a round changed nothing, even below happy', () => {
    // 4 servers take 10 shares: the one round is the best placement there is.
    const error = unhappy(() => drive(grid(4), 10, 7));
    expect(error.happiness).toBe(4);
  });

  it('treats a server that refuses part of a request as full', () => {
    const fakes = grid(4).map((s, i) => (i === 0 ? { ...s, capacity: 1 } : s));
    const { step, rounds, state } = drive(fakes, 6, 4);
    // s0 is asked for 0 and 4 but accepts only 0, so it becomes read-only. Happiness 4 is
    // already reached, so share 4 stays unplaced (as in Tahoe: only happiness is required).
    expect(requests(rounds[0])).toEqual({ s0: [0, 4], s1: [1, 5], s2: [2], s3: [3] });
    expect(state.servers[0].status).toBe('read-only');
    expect(step.happiness).toBe(4);
    expect(plain(step.shareMap)).toEqual({ s0: [0], s1: [1, 5], s2: [2], s3: [3] });
  });

  it('renews shares that are already there and allocates nothing when the file is complete', () => {
    const fakes = grid(10).map((s, i) => ({ ...s, holds: [i] }));
    const { step, rounds } = drive(fakes, 10, 7);
    expect(rounds).toHaveLength(1);
    expect(requests(rounds[0])).toEqual(Object.fromEntries(grid(10).map((s, i) => [s.id, [i]])));
    expect(step.allocations.size).toBe(0);
    expect(step.happiness).toBe(10);
  });

  it('sends lease renewals to read-only holders, empty when their shares are not needed', () => {
    const fakes: FakeServer[] = [
      { id: 'r0', readOnly: true, holds: [0, 1] },
      { id: 'r1', readOnly: true, holds: [0] },
      { id: 'r2', readOnly: true },
      ...grid(3),
    ];
    const { step, rounds } = drive(fakes, 4, 4);
    expect(requests(rounds[0])).toEqual({ r0: [1], r1: [0], s0: [2], s1: [3] });
    expect(step.happiness).toBe(4);
    expect(plain(step.allocations)).toEqual({ s0: [2], s1: [3] });
  });

  it('renews leases of a duplicate holder with an empty request', () => {
    const fakes: FakeServer[] = [
      { id: 'r0', readOnly: true, holds: [0] },
      { id: 'r1', readOnly: true, holds: [0] },
      ...grid(2),
    ];
    const { rounds } = drive(fakes, 3, 3);
    expect(requests(rounds[0])).toEqual({ r0: [0], r1: [], s0: [1], s1: [2] });
  });

  it('leaves out servers whose existing-shares query failed, and counts timeouts as read-only', () => {
    const fakes: FakeServer[] = [
      { id: 'bad', queryFails: 'error', holds: [0] },
      { id: 'slow', queryFails: 'timeout' },
      ...grid(3),
    ];
    const { step, state, rounds } = drive(fakes, 3, 3);
    expect(state.servers.map((s) => s.status)).toEqual([
      'bad',
      'read-only',
      'writable',
      'writable',
      'writable',
    ]);
    expect(rounds[0].map((r) => r.serverId)).toEqual(['s0', 's1', 's2']);
    expect(step.happiness).toBe(3);
  });

  it('marks a server whose allocation fails read-only but still counts what it held', () => {
    const fakes: FakeServer[] = [{ id: 'x', allocateFails: 'error', holds: [0] }, ...grid(3)];
    const { step, state, rounds } = drive(fakes, 4, 4);
    expect(state.servers[0].status).toBe('read-only');
    expect(rounds).toHaveLength(1);
    expect(plain(step.shareMap)).toEqual({ x: [0], s0: [1], s1: [2], s2: [3] });
  });

  it('does not ask again for shares a server already accepted', () => {
    const fakes = grid(6).map((s, i) =>
      i === 0 ? { ...s, allocateFails: 'timeout' as const } : s,
    );
    const { step, rounds } = drive(fakes, 4, 4);
    expect(requests(rounds[0])).toEqual({ s0: [0], s1: [1], s2: [2], s3: [3] });
    expect(requests(rounds[1])).toEqual({ s4: [0] });
    expect(plain(step.allocations)).toEqual({ s1: [1], s2: [2], s3: [3], s4: [0] });
  });

  it('runs one round for the repairer (happy = 0)', () => {
    const { step, rounds } = drive(grid(2), 3, 0);
    expect(rounds).toHaveLength(1);
    expect(plain(step.allocations)).toEqual({ s0: [0, 2], s1: [1] });
  });

  it('rejects bad parameters and unknown servers', () => {
    const servers = [{ id: 'a', readOnly: false }];
    expect(() => startServerSelection({ servers, totalShares: 3, happy: 4 })).toThrow(RangeError);
    expect(() => startServerSelection({ servers, totalShares: 0, happy: 0 })).toThrow(RangeError);
    expect(() =>
      startServerSelection({ servers: [...servers, ...servers], totalShares: 3, happy: 1 }),
    ).toThrow(RangeError);
    const state = startServerSelection({ servers, totalShares: 3, happy: 1 });
    expect(() => recordExistingShares(state, [{ serverId: 'b', shares: [] }])).toThrow(RangeError);
    const request = { serverId: 'b', shares: new Set<number>() };
    expect(() => recordAllocationReplies(state, [{ request, failure: 'error' }])).toThrow(
      RangeError,
    );
  });

  it('accepts existing-share answers in several batches', () => {
    let state = startServerSelection({
      servers: grid(3).map((s) => ({ id: s.id, readOnly: false })),
      totalShares: 3,
      happy: 2,
    });
    state = recordExistingShares(state, [{ serverId: 's1', shares: [2] }]);
    expect(selectServersForUpload(state)).toEqual({ action: 'query', serverIds: ['s0', 's2'] });
    state = recordExistingShares(state, [
      { serverId: 's0', shares: [] },
      { serverId: 's2', shares: [] },
    ]);
    const step = selectServersForUpload(state);
    expect(step.action).toBe('allocate');
  });
});
