import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { permutationKey, permutedServers } from '../src/index.ts';

// Servers with distinct seeds (the seed is the identity), some marked preferred.
const serverList = fc
  .uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 40 }), {
    maxLength: 24,
    selector: (seed) => Buffer.from(seed).toString('hex'),
  })
  .chain((seeds) =>
    fc.tuple(
      fc.constant(seeds.map((permutationSeed, id) => ({ id, permutationSeed }))),
      fc.array(fc.boolean(), { minLength: seeds.length, maxLength: seeds.length }),
    ),
  );
const storageIndex = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe('permutedServers properties', () => {
  it('is a permutation, preferred servers first, each group in ascending key order', () => {
    fc.assert(
      fc.property(serverList, storageIndex, ([servers, flags], si) => {
        const isPreferred = (s: { id: number }): boolean => flags[s.id];
        const ring = permutedServers(servers, si, { preferred: isPreferred });
        expect(ring.map((s) => s.id).sort((a, b) => a - b)).toEqual(servers.map((s) => s.id));
        const firstUnpreferred = ring.findIndex((s) => !isPreferred(s));
        if (firstUnpreferred >= 0)
          expect(ring.slice(firstUnpreferred).some(isPreferred)).toBe(false);
        for (let i = 1; i < ring.length; i++) {
          if (isPreferred(ring[i - 1]) !== isPreferred(ring[i])) continue;
          const a = permutationKey(si, ring[i - 1].permutationSeed);
          const b = permutationKey(si, ring[i].permutationSeed);
          expect(Buffer.compare(a, b)).toBeLessThan(0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('is stable: the same order whatever the input order', () => {
    fc.assert(
      fc.property(
        serverList.chain(([servers]) =>
          fc.tuple(
            fc.constant(servers),
            fc.shuffledSubarray(servers, { minLength: servers.length }),
          ),
        ),
        storageIndex,
        ([servers, shuffled], si) => {
          const a = permutedServers(servers, si).map((s) => s.id);
          const b = permutedServers(shuffled, si).map((s) => s.id);
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 200 },
    );
  });
});
