/**
 * Tahoe's Merkle hash trees (spec §2.7; `allmydata.hashtree`): leaves padded to a power of two
 * with `H["Merkle tree empty leaf"](decimal index)`, internal nodes
 * `H2["Merkle tree internal node"](left, right)`, stored breadth-first (root at 0, children of
 * `i` at `2i+1`, `2i+2`, leaf `j` at `P-1+j`).
 */
import { TAG, HASH_LENGTH } from './constants.ts';
import { CapsError, HashMismatchError } from './errors.ts';
import { taggedHash, taggedPairHash } from './hash.ts';
import { pythonSetOrder } from './python-set-order.ts';

/** The smallest power of two ≥ `n` (`pow2(0) = pow2(1) = 1`). */
export function roundUpPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The hash of padding leaf `i` (its position among the leaves). */
export function emptyLeafHash(i: number): Uint8Array {
  return taggedHash(TAG.MERKLE_EMPTY_LEAF, String(i));
}

/** The hash of an internal node from its children. */
export function internalNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return taggedPairHash(TAG.MERKLE_INTERNAL_NODE, left, right);
}

/** The number of nodes of a tree over `numLeaves` leaves: `2P - 1`. */
export function hashTreeNodeCount(numLeaves: number): number {
  return 2 * roundUpPow2(numLeaves) - 1;
}

/** The sibling node indices from node `i` up to (excluding) the root, leaf end first. */
export function siblingChain(i: number): number[] {
  const out: number[] = [];
  for (let here = i; here !== 0; here = (here - 1) >> 1) {
    out.push(here % 2 === 1 ? here + 1 : here - 1);
  }
  return out;
}

/**
 * The node indices needed to validate leaf `leaf` of a tree with `numLeaves` leaves: its
 * siblings up to the root, and the leaf itself with `includeLeaf`. The order is the one
 * Tahoe's `set` gives, which is what it writes into share hash chains (spec §2.9).
 */
export function neededHashes(numLeaves: number, leaf: number, includeLeaf = false): number[] {
  const p = roundUpPow2(numLeaves);
  if (!Number.isInteger(leaf) || leaf < 0 || leaf >= p)
    throw new RangeError(`Bad leaf index ${leaf}`);
  const chain = siblingChain(p - 1 + leaf);
  if (includeLeaf) chain.push(p - 1 + leaf);
  return pythonSetOrder(chain);
}

/** A complete hash tree built from its leaves. */
export class HashTree {
  /** Every node, breadth-first; `nodes[0]` is the root. */
  readonly nodes: Uint8Array[];
  /** Index of the first leaf: `P - 1`. */
  readonly firstLeaf: number;

  constructor(leaves: readonly Uint8Array[]) {
    if (leaves.length === 0) throw new RangeError('A hash tree needs at least one leaf');
    const p = roundUpPow2(leaves.length);
    this.firstLeaf = p - 1;
    const nodes = new Array<Uint8Array>(2 * p - 1);
    for (let j = 0; j < p; j++) nodes[p - 1 + j] = j < leaves.length ? leaves[j] : emptyLeafHash(j);
    for (let i = p - 2; i >= 0; i--)
      nodes[i] = internalNodeHash(nodes[2 * i + 1], nodes[2 * i + 2]);
    this.nodes = nodes;
  }

  get root(): Uint8Array {
    return this.nodes[0];
  }

  /** `(index, hash)` pairs that validate leaf `leaf` (see {@link neededHashes}). */
  chain(leaf: number, includeLeaf = false): [number, Uint8Array][] {
    return neededHashes(this.firstLeaf + 1, leaf, includeLeaf).map((i) => [i, this.nodes[i]]);
  }

  /** The tree flattened to `(2P-1) × 32` bytes, as stored in shares. */
  serialize(): Uint8Array {
    const out = new Uint8Array(this.nodes.length * HASH_LENGTH);
    this.nodes.forEach((h, i) => out.set(h, i * HASH_LENGTH));
    return out;
  }
}

/** Thrown when a hash cannot be validated because the hashes linking it to the root are missing. */
export class NotEnoughHashesError extends CapsError {
  constructor(message: string) {
    super('CAPS_NOT_ENOUGH_HASHES', message);
    this.name = 'NotEnoughHashesError';
  }
}

/**
 * A tree filled in bit by bit from untrusted sources and validated against a trusted root
 * (Tahoe's `IncompleteHashTree`). `setHashes` either accepts every hash it is given, each
 * proven to chain up to a node already trusted, or rejects them all and changes nothing.
 */
export class IncompleteHashTree {
  readonly firstLeaf: number;
  readonly numLeaves: number;
  private readonly nodes: (Uint8Array | undefined)[];

  constructor(numLeaves: number) {
    if (!Number.isInteger(numLeaves) || numLeaves < 1)
      throw new RangeError(`Bad leaf count ${numLeaves}`);
    const p = roundUpPow2(numLeaves);
    this.numLeaves = numLeaves;
    this.firstLeaf = p - 1;
    this.nodes = new Array<Uint8Array | undefined>(2 * p - 1);
  }

  /** The number of nodes (`2P - 1`). */
  get size(): number {
    return this.nodes.length;
  }

  /** The known hash at node `i`, if any. */
  get(i: number): Uint8Array | undefined {
    return this.nodes[i];
  }

  /** The known hash of leaf `j`, if any. */
  getLeaf(j: number): Uint8Array | undefined {
    return this.nodes[this.firstLeaf + j];
  }

  /** Node indices still unknown that leaf `leaf` needs. */
  neededHashes(leaf: number, includeLeaf = false): number[] {
    return neededHashes(this.numLeaves, leaf, includeLeaf).filter(
      (i) => this.nodes[i] === undefined,
    );
  }

  /**
   * Adds node hashes (`index → hash`) and leaf hashes (`leaf number → hash`).
   * @throws {HashMismatchError} CAPS_HASH_MISMATCH when a hash disagrees with one known or computed
   * @throws {NotEnoughHashesError} CAPS_NOT_ENOUGH_HASHES when a hash cannot be linked to a trusted node
   */
  setHashes(
    hashes: Iterable<readonly [number, Uint8Array]> = [],
    leaves: Iterable<readonly [number, Uint8Array]> = [],
  ): void {
    const added = new Map<number, Uint8Array>();
    const put = (i: number, h: Uint8Array, what: string): void => {
      if (!Number.isInteger(i) || i < 0 || i >= this.nodes.length) {
        throw new HashMismatchError(
          `Cannot place ${what}: node ${i} is outside a tree of ${this.nodes.length}`,
        );
      }
      if (h.length !== HASH_LENGTH) throw new HashMismatchError(`Cannot use ${what}: not 32 bytes`);
      const known = this.nodes[i] ?? added.get(i);
      if (known !== undefined) {
        if (!equalBytes(known, h))
          throw new HashMismatchError(`Hash mismatch at ${nodeName(this, i)}`);
        return;
      }
      added.set(i, h);
    };
    for (const [i, h] of hashes) put(i, h, `node ${i}`);
    for (const [j, h] of leaves) {
      if (!Number.isInteger(j) || j < 0 || j > this.nodes.length - 1 - this.firstLeaf) {
        throw new HashMismatchError(`Cannot place leaf ${j}: outside the tree`);
      }
      put(this.firstLeaf + j, h, `leaf ${j}`);
    }
    // A root passed in is taken as trusted, as Tahoe does; a computed one is not.
    const rootGiven = added.has(0);
    const lookup = (i: number): Uint8Array | undefined => this.nodes[i] ?? added.get(i);
    // Compute every parent we can, deepest first; a computed parent must equal a known one.
    const pending = [...added.keys()].sort((a, b) => b - a);
    const seen = new Set(pending);
    while (pending.length > 0) {
      const i = pending.shift()!;
      if (i === 0) continue;
      const sibling = i % 2 === 1 ? i + 1 : i - 1;
      const sib = lookup(sibling);
      if (sib === undefined) continue;
      const parent = (i - 1) >> 1;
      const left = i % 2 === 1 ? lookup(i)! : sib;
      const right = i % 2 === 1 ? sib : lookup(i)!;
      const computed = internalNodeHash(left, right);
      const known = lookup(parent);
      if (known !== undefined) {
        if (!equalBytes(known, computed)) {
          throw new HashMismatchError(`Hash mismatch at ${nodeName(this, parent)}`);
        }
      } else {
        added.set(parent, computed);
      }
      if (!seen.has(parent) && this.nodes[parent] === undefined) {
        seen.add(parent);
        pending.push(parent);
        pending.sort((a, b) => b - a);
      }
    }
    // Every new node must link to a node trusted before this call.
    const linked = (i: number): boolean => {
      for (let here = i; ;) {
        if (this.nodes[here] !== undefined) return true;
        if (here === 0) return rootGiven;
        const sibling = here % 2 === 1 ? here + 1 : here - 1;
        if (lookup(sibling) === undefined) return false;
        here = (here - 1) >> 1;
      }
    };
    for (const i of added.keys()) {
      if (!linked(i))
        throw new NotEnoughHashesError(`Cannot validate ${nodeName(this, i)}: missing hashes`);
    }
    for (const [i, h] of added) this.nodes[i] = h;
  }
}

function nodeName(tree: IncompleteHashTree, i: number): string {
  return i >= tree.firstLeaf ? `leaf ${i - tree.firstLeaf} (node ${i})` : `node ${i}`;
}

/** Constant-length byte comparison (timing does not matter for public hashes). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
