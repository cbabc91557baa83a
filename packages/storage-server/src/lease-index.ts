/**
 * The in-memory lease index: every final share the store holds, its accounted size, its
 * owner and its leases. It is rebuilt at start from the snapshot and journal
 * (`lease-journal.ts`) and changed only by applying journal records, so memory and disk never
 * disagree. Garbage collection, quotas and `stats()` query it; no share file is opened.
 */
import type { ShareKind } from './containers.ts';
import type { IndexRecord } from './index-records.ts';
import { fromHex } from './index-records.ts';
import { constantTimeEqual } from './secrets.ts';

/** One lease: hashes of its secrets, when it expires, and who took it out. */
export interface LeaseEntry {
  renewHash: Uint8Array;
  cancelHash: Uint8Array;
  expirySeconds: number;
  ownerId: string;
}

/** One final share as the index knows it. */
export interface ShareEntry {
  kind: ShareKind;
  /** Data bytes (allocated size of an immutable share, data length of a mutable one). */
  size: number;
  /** Client id charged for the share (quotas); `''` for anonymous or unknown. */
  owner: string;
  leases: LeaseEntry[];
}

/** Totals over the index. */
export interface IndexTotals {
  shareCount: number;
  immutableShareCount: number;
  mutableShareCount: number;
  bytesUsed: number;
  leaseCount: number;
}

export interface LeaseIndex {
  /** Applies records in order (they are already durable). */
  apply(records: readonly IndexRecord[]): void;
  /** The shares of one storage index (by base32 name). */
  sharesOf(siName: string): ReadonlyMap<number, ShareEntry> | undefined;
  get(siName: string, shareNum: number): ShareEntry | undefined;
  /** Every storage index and its shares. */
  entries(): IterableIterator<[string, ReadonlyMap<number, ShareEntry>]>;
  /** Bytes of final shares charged to `owner`. */
  usage(owner: string): number;
  totals(): IndexTotals;
  /** Forgets everything (before a reload). */
  clear(): void;
}

export function createLeaseIndex(): LeaseIndex {
  const bySi = new Map<string, Map<number, ShareEntry>>();
  const usageByOwner = new Map<string, number>();
  const totals: IndexTotals = {
    shareCount: 0,
    immutableShareCount: 0,
    mutableShareCount: 0,
    bytesUsed: 0,
    leaseCount: 0,
  };

  function charge(owner: string, delta: number): void {
    const next = (usageByOwner.get(owner) ?? 0) + delta;
    if (next === 0) usageByOwner.delete(owner);
    else usageByOwner.set(owner, next);
    totals.bytesUsed += delta;
  }

  function countKind(kind: ShareKind, delta: number): void {
    totals.shareCount += delta;
    if (kind === 'immutable') totals.immutableShareCount += delta;
    else totals.mutableShareCount += delta;
  }

  function findLease(entry: ShareEntry, renewHash: Uint8Array): number {
    let found = -1;
    // No early exit: the comparison count does not depend on where the match is.
    entry.leases.forEach((lease, i) => {
      if (constantTimeEqual(lease.renewHash, renewHash) && found < 0) found = i;
    });
    return found;
  }

  function applyOne(rec: IndexRecord): void {
    let shares = bySi.get(rec.si);
    const entry = shares?.get(rec.sh);
    switch (rec.t) {
      case 'S': {
        const kind: ShareKind = rec.k === 'i' ? 'immutable' : 'mutable';
        if (entry === undefined) {
          if (shares === undefined) {
            shares = new Map();
            bySi.set(rec.si, shares);
          }
          shares.set(rec.sh, { kind, size: rec.n, owner: rec.o, leases: [] });
          countKind(kind, 1);
          charge(rec.o, rec.n);
        } else {
          charge(entry.owner, -entry.size);
          charge(rec.o, rec.n);
          countKind(entry.kind, -1);
          countKind(kind, 1);
          entry.kind = kind;
          entry.size = rec.n;
          entry.owner = rec.o;
        }
        return;
      }
      case 'D': {
        if (entry === undefined || shares === undefined) return;
        charge(entry.owner, -entry.size);
        countKind(entry.kind, -1);
        totals.leaseCount -= entry.leases.length;
        shares.delete(rec.sh);
        if (shares.size === 0) bySi.delete(rec.si);
        return;
      }
      case 'L': {
        // A lease for a share the index does not know cannot be written (every writer sends
        // the share record first, in the same journal line), so it is ignored.
        if (entry === undefined) return;
        const renewHash = fromHex(rec.r);
        const lease: LeaseEntry = {
          renewHash,
          cancelHash: fromHex(rec.c),
          expirySeconds: rec.e,
          ownerId: rec.o,
        };
        const i = findLease(entry, renewHash);
        if (i >= 0) entry.leases[i] = lease;
        else {
          entry.leases.push(lease);
          totals.leaseCount += 1;
        }
        return;
      }
      case 'X': {
        if (entry === undefined) return;
        const i = findLease(entry, fromHex(rec.r));
        if (i >= 0) {
          entry.leases.splice(i, 1);
          totals.leaseCount -= 1;
        }
        return;
      }
    }
  }

  return {
    apply(records) {
      for (const rec of records) applyOne(rec);
    },
    sharesOf: (siName) => bySi.get(siName),
    get: (siName, shareNum) => bySi.get(siName)?.get(shareNum),
    entries: () => bySi.entries(),
    usage: (owner) => usageByOwner.get(owner) ?? 0,
    totals: () => ({ ...totals }),
    clear() {
      bySi.clear();
      usageByOwner.clear();
      totals.shareCount = 0;
      totals.immutableShareCount = 0;
      totals.mutableShareCount = 0;
      totals.bytesUsed = 0;
      totals.leaseCount = 0;
    },
  };
}
