import { describe, expect, it } from 'vitest';
import { servicedHappiness, sharePlacement, type PlacementServer } from '../src/index.ts';

/** `w0:0,1 r1 w2` → servers w0 (writable, holds 0 and 1), r1 (read-only), w2. */
function servers(spec: string): PlacementServer[] {
  return spec
    .split(' ')
    .filter(Boolean)
    .map((item) => {
      const [id, shares = ''] = item.split(':');
      return {
        id,
        readOnly: id.startsWith('r'),
        existingShares: new Set(shares.split(',').filter(Boolean).map(Number)),
      };
    });
}

/** The placement as `{ server: [shares] }`, for readable expectations. */
function plain(placement: Map<string, Set<number>>): Record<string, number[]> {
  return Object.fromEntries([...placement].map(([id, shares]) => [id, [...shares]]));
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('sharePlacement', () => {
  it('puts one share on each of 10 writable servers for 3/7/10 (happiness 10)', () => {
    const placement = sharePlacement({
      servers: servers(
        range(10)
          .map((i) => `w${i}`)
          .join(' '),
      ),
      totalShares: 10,
    });
    expect(plain(placement)).toEqual(Object.fromEntries(range(10).map((i) => [`w${i}`, [i]])));
    expect(servicedHappiness(placement)).toBe(10);
  });

  it('uses the earliest of 2N servers', () => {
    const placement = sharePlacement({
      servers: servers(
        range(20)
          .map((i) => `w${i}`)
          .join(' '),
      ),
      totalShares: 10,
    });
    expect([...placement.keys()]).toEqual(range(10).map((i) => `w${i}`));
  });

  it('spreads shares round-robin when servers are fewer than shares (Tahoe test_unhappy)', () => {
    const placement = sharePlacement({ servers: servers('w0 w1 w2 w3'), totalShares: 10 });
    expect(plain(placement)).toEqual({ w0: [0, 4, 8], w1: [1, 5, 9], w2: [2, 6], w3: [3, 7] });
    expect(servicedHappiness(placement)).toBe(4);
  });

  it('keeps a read-only holder and fills a writable server (Tahoe test_placement_simple)', () => {
    const placement = sharePlacement({ servers: servers('r0:2 w1'), totalShares: 3 });
    expect(plain(placement)).toEqual({ r0: [2], w1: [0, 1] });
  });

  it('keeps share i on server i when read-only and writable servers hold them (Tahoe test_placement_1)', () => {
    const spec = 'r0:0 r1:1 r2:2 r3:3 w4:4 w5:5 w6:6 w7:7 w8:8 w9:9 wA wB';
    const placement = sharePlacement({ servers: servers(spec), totalShares: 10 });
    expect(plain(placement)).toEqual(
      Object.fromEntries(range(10).map((i) => [`${i < 4 ? 'r' : 'w'}${i}`, [i]])),
    );
  });

  it('moves a doubled share to an empty server (Tahoe test_redistribute)', () => {
    const placement = sharePlacement({ servers: servers('wa:0 wb:1 wc:2,3 wd'), totalShares: 4 });
    expect(plain(placement)).toEqual({ wa: [0], wb: [1], wc: [2], wd: [3] });
    expect(servicedHappiness(placement)).toBe(4);
  });

  it('matches read-only holders first, then writable servers get the other shares', () => {
    const placement = sharePlacement({ servers: servers('r1:0,1 r2:1 w1 w2 w3'), totalShares: 5 });
    expect(plain(placement)).toEqual({ r1: [0], r2: [1], w1: [2], w2: [3], w3: [4] });
  });

  it('never gives a read-only server a share it does not hold', () => {
    const placement = sharePlacement({ servers: servers('r1:0 r2:0 r3 w1'), totalShares: 3 });
    expect(plain(placement)).toEqual({ r1: [0], w1: [1, 2] });
  });

  it('reshuffles overlapping existing shares so that nothing moves', () => {
    const placement = sharePlacement({
      servers: servers('w1:0,1,2 w2:0,1,2 w3:0'),
      totalShares: 3,
    });
    expect(plain(placement)).toEqual({ w1: [2], w2: [1], w3: [0] });
  });

  it('gives new servers shares held nowhere, so held ones stay where they are', () => {
    // wa holds 0 and 1; 0 is matched to it, 1 stays on it as a leftover, 2 and 3 go to the others.
    const placement = sharePlacement({ servers: servers('wa:0,1 wb wc'), totalShares: 4 });
    expect(plain(placement)).toEqual({ wa: [0, 1], wb: [2], wc: [3] });
  });

  it('spreads leftovers over the least loaded writable servers', () => {
    const placement = sharePlacement({ servers: servers('r0:0 w1 w2'), totalShares: 8 });
    expect(plain(placement)).toEqual({ r0: [0], w1: [1, 3, 5, 7], w2: [2, 4, 6] });
  });

  it('leaves shares unplaced when no server is writable', () => {
    const placement = sharePlacement({ servers: servers('r0:0,1 r1:1 r2'), totalShares: 10 });
    expect(plain(placement)).toEqual({ r0: [0], r1: [1] });
    expect(sharePlacement({ servers: [], totalShares: 3 }).size).toBe(0);
  });

  it('ignores existing share numbers outside 0..N-1', () => {
    const placement = sharePlacement({ servers: servers('r0:7,-1 w1:9'), totalShares: 2 });
    expect(plain(placement)).toEqual({ w1: [0, 1] });
  });

  it('rejects bad parameters', () => {
    expect(() => sharePlacement({ servers: [], totalShares: 0 })).toThrow(RangeError);
    expect(() => sharePlacement({ servers: [], totalShares: 257 })).toThrow(RangeError);
    expect(() => sharePlacement({ servers: [], totalShares: 2.5 })).toThrow(RangeError);
    expect(() => sharePlacement({ servers: servers('w0 w0'), totalShares: 3 })).toThrow(RangeError);
  });
});
