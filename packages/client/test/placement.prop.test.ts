import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mergeShareMaps,
  servicedHappiness,
  sharePlacement,
  type PlacementServer,
} from '../src/index.ts';

/** Maximum matching size by exhaustive search over (server, used shares) with memoisation. */
function bruteForceMatching(edges: readonly (readonly number[])[]): number {
  const memo = new Map<string, number>();
  const best = (server: number, used: number): number => {
    if (server === edges.length) return 0;
    const key = `${server}/${used}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let max = best(server + 1, used);
    for (const share of edges[server]) {
      if ((used & (1 << share)) === 0)
        max = Math.max(max, 1 + best(server + 1, used | (1 << share)));
    }
    memo.set(key, max);
    return max;
  };
  return best(0, 0);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** N, and up to 8 servers, some read-only, holding random shares (some out of range). */
const layout = fc.integer({ min: 1, max: 6 }).chain((totalShares) =>
  fc.tuple(
    fc.constant(totalShares),
    fc.array(
      fc.record({
        readOnly: fc.boolean(),
        existing: fc.uniqueArray(fc.integer({ min: -1, max: totalShares + 1 }), { maxLength: 4 }),
      }),
      { maxLength: 8 },
    ),
  ),
);

function toServers(specs: readonly { readOnly: boolean; existing: number[] }[]): PlacementServer[] {
  return specs.map((s, i) => ({
    id: `s${i}`,
    readOnly: s.readOnly,
    existingShares: new Set(s.existing),
  }));
}

describe('sharePlacement properties', () => {
  it('places each share at most once, new shares only on writable servers', () => {
    fc.assert(
      fc.property(layout, ([totalShares, specs]) => {
        const servers = toServers(specs);
        const placement = sharePlacement({ servers, totalShares });
        const seen = new Set<number>();
        for (const [id, shares] of placement) {
          const server = servers.find((s) => s.id === id)!;
          expect(shares.size).toBeGreaterThan(0);
          for (const share of shares) {
            expect(share).toBeGreaterThanOrEqual(0);
            expect(share).toBeLessThan(totalShares);
            expect(seen.has(share)).toBe(false);
            seen.add(share);
            if (server.readOnly) expect(server.existingShares.has(share)).toBe(true);
          }
        }
        // With a writable server, every share finds a home.
        if (servers.some((s) => !s.readOnly)) expect(seen.size).toBe(totalShares);
      }),
      { numRuns: 500 },
    );
  });

  it('reaches the best happiness possible (brute force over what servers could hold)', () => {
    fc.assert(
      fc.property(layout, ([totalShares, specs]) => {
        const servers = toServers(specs);
        const placement = sharePlacement({ servers, totalShares });
        const held = servers.map((s) =>
          [...s.existingShares].filter((x) => x >= 0 && x < totalShares),
        );
        const possible = servers.map((s, i) => (s.readOnly ? held[i] : range(totalShares)));
        const best = bruteForceMatching(possible);
        expect(servicedHappiness(placement)).toBe(best);
        const existing = new Map(servers.map((s, i) => [s.id, held[i]]));
        expect(servicedHappiness(mergeShareMaps(existing, placement))).toBe(best);
        const writable = servers.filter((s) => !s.readOnly).length;
        expect(best).toBeGreaterThanOrEqual(Math.min(totalShares, writable));
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic and prefers earlier writable servers for new shares', () => {
    fc.assert(
      fc.property(layout, ([totalShares, specs]) => {
        const servers = toServers(specs);
        const a = sharePlacement({ servers, totalShares });
        expect(sharePlacement({ servers, totalShares })).toEqual(a);
        // Among writable servers that hold nothing, those left empty come after those used.
        const writable = servers.filter(
          (s) => !s.readOnly && ![...s.existingShares].some((x) => x >= 0 && x < totalShares),
        );
        const firstEmpty = writable.findIndex((s) => !a.has(s.id));
        if (firstEmpty >= 0) {
          expect(writable.slice(firstEmpty).every((s) => !a.has(s.id))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
