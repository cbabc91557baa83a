import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maximumMatching, servicedHappiness } from '../src/index.ts';

/** Size of a maximum matching by trying every choice: exponential, for tiny graphs only. */
function bruteForceMatching(edges: readonly (readonly number[])[]): number {
  const best = (server: number, used: ReadonlySet<number>): number => {
    if (server === edges.length) return 0;
    let max = best(server + 1, used); // leave this server unmatched
    for (const share of new Set(edges[server])) {
      if (!used.has(share)) max = Math.max(max, 1 + best(server + 1, new Set([...used, share])));
    }
    return max;
  };
  return best(0, new Set());
}

const graph = fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 5 }), {
  maxLength: 7,
});

describe('maximumMatching properties', () => {
  it('is a matching along edges whose size equals the brute-force maximum', () => {
    fc.assert(
      fc.property(graph, (edges) => {
        const map = new Map(edges.map((shares, server) => [server, shares]));
        const matching = maximumMatching(map);
        for (const [server, share] of matching) expect(edges[server]).toContain(share);
        expect(new Set(matching.values()).size).toBe(matching.size);
        expect(servicedHappiness(map)).toBe(bruteForceMatching(edges));
      }),
      { numRuns: 500 },
    );
  });

  it('matches the earliest servers it can (greedy in server order)', () => {
    fc.assert(
      fc.property(graph, (edges) => {
        const matched = [...maximumMatching(new Map(edges.map((s, i) => [i, s]))).keys()];
        // Server i is matched iff the servers matched before it plus i can all be matched.
        const chosen: number[] = [];
        for (let i = 0; i < edges.length; i++) {
          const trial = [...chosen, i];
          if (bruteForceMatching(trial.map((j) => edges[j])) === trial.length) chosen.push(i);
        }
        expect(matched).toEqual(chosen);
      }),
      { numRuns: 300 },
    );
  });
});
