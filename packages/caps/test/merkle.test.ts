import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  emptyLeafHash,
  HashTree,
  IncompleteHashTree,
  internalNodeHash,
  neededHashes,
  sha256d,
  netstring,
  taggedHash,
} from '../src/index.ts';
import { pythonSetOrder } from '../src/python-set-order.ts';

const leaf = (i: number): Uint8Array => taggedHash('test leaf', String(i));

describe('HashTree (spec §2.7)', () => {
  it('pads to a power of two with empty-leaf hashes and stores breadth-first', () => {
    const t = new HashTree([leaf(0), leaf(1), leaf(2)]);
    expect(t.nodes).toHaveLength(7);
    expect(t.nodes[6]).toEqual(emptyLeafHash(3));
    expect(t.nodes[1]).toEqual(internalNodeHash(leaf(0), leaf(1)));
    expect(t.root).toEqual(internalNodeHash(t.nodes[1], t.nodes[2]));
    // The empty leaf tag hashes the decimal index, netstring-wrapped after the tag.
    const manual = sha256d(
      new Uint8Array([...netstring('Merkle tree empty leaf'), ...new TextEncoder().encode('3')]),
    );
    expect(emptyLeafHash(3)).toEqual(manual);
  });

  it('is just the leaf for one leaf', () => {
    const t = new HashTree([leaf(0)]);
    expect(t.nodes).toEqual([leaf(0)]);
    expect(neededHashes(1, 0, true)).toEqual([0]);
  });

  it('orders hash chains as CPython sets do (spec §2.9)', () => {
    expect(neededHashes(10, 0, true)).toEqual([2, 4, 8, 15, 16]);
    expect(neededHashes(256, 0, true)).toEqual([256, 32, 64, 128, 4, 2, 8, 16, 255]);
    expect(pythonSetOrder([5, 3, 1])).toEqual([1, 3, 5]);
  });
});

describe('IncompleteHashTree', () => {
  const tree = new HashTree([...Array(5).keys()].map(leaf));

  it('accepts a leaf with its chain and rejects a wrong leaf', () => {
    const t = new IncompleteHashTree(5);
    t.setHashes([[0, tree.root]]);
    expect(t.neededHashes(3)).toEqual(neededHashes(5, 3).filter((i) => i !== 0));
    t.setHashes(tree.chain(3), [[3, leaf(3)]]);
    expect(t.getLeaf(3)).toEqual(leaf(3));
    const u = new IncompleteHashTree(5);
    u.setHashes([[0, tree.root]]);
    expect(() => u.setHashes(tree.chain(3), [[3, leaf(4)]])).toThrow(
      expect.objectContaining({ code: 'CAPS_HASH_MISMATCH' }),
    );
    // Nothing was kept from the failed call.
    expect(u.neededHashes(3)).toEqual(neededHashes(5, 3).filter((i) => i !== 0));
  });

  it('refuses hashes that do not link to the root', () => {
    const t = new IncompleteHashTree(5);
    t.setHashes([[0, tree.root]]);
    const partial = tree.chain(3).slice(1);
    expect(() => t.setHashes(partial, [[3, leaf(3)]])).toThrow(
      expect.objectContaining({ code: 'CAPS_NOT_ENOUGH_HASHES' }),
    );
  });

  it('validates any leaf with its chain, and detects any flipped bit (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (n, j0, pick, bit) => {
          const full = new HashTree([...Array(n).keys()].map(leaf));
          const j = j0 % n;
          const t = new IncompleteHashTree(n);
          t.setHashes([[0, full.root]]);
          const chain = full.chain(j);
          t.setHashes(chain, [[j, leaf(j)]]);
          const u = new IncompleteHashTree(n);
          u.setHashes([[0, full.root]]);
          const items: [number, Uint8Array][] = [
            ...chain.map(([i, h]): [number, Uint8Array] => [i, h.slice()]),
            [full.firstLeaf + j, leaf(j).slice()],
          ];
          const target = items[pick % items.length];
          target[1][bit % 32] ^= 1 << (bit % 8);
          expect(() => u.setHashes(items)).toThrow();
        },
      ),
    );
  });
});
