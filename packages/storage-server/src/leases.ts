/**
 * Leases (Tahoe §3.2, §3.3, §3.4): add/renew/cancel on every share of a storage index, and
 * garbage collection of shares whose leases have all expired. Lease state lives only in the
 * lease index; the secrets are kept as BLAKE2b-256 hashes and compared in constant time.
 */
import { NoSuchLeaseError, ReadOnlyError } from './errors.ts';
import { immutableDataLength, parseMutableHeader, type ShareKind } from './containers.ts';
import { fsyncDir, rmdirIfEmpty, unlinkIfExists } from './fs-util.ts';
import { toHex, type IndexRecord } from './index-records.ts';
import type { LeaseEntry, ShareEntry } from './lease-index.ts';
import { constantTimeEqual, hashSecret } from './secrets.ts';
import { openIfExists, probeFile, scanShares, type FoundShare } from './share-files.ts';
import { nowSeconds, siLockKey, type StoreContext } from './context.ts';
import { parseStorageIndexName } from './layout.ts';
import type { CancelResult, ExpiredShare, GarbageReport } from './types.ts';

/** A lease to add or renew, by hashes. */
export interface LeaseGrant {
  renewHash: Uint8Array;
  cancelHash: Uint8Array;
  ownerId: string;
}

export function grantFromSecrets(
  renewSecret: Uint8Array,
  cancelSecret: Uint8Array,
  ownerId: string,
): LeaseGrant {
  return { renewHash: hashSecret(renewSecret), cancelHash: hashSecret(cancelSecret), ownerId };
}

function findLease(
  leases: readonly LeaseEntry[],
  hash: Uint8Array,
  field: 'renewHash' | 'cancelHash',
): LeaseEntry[] {
  // Compare against every lease, no early exit.
  return leases.filter((l) => constantTimeEqual(l[field], hash));
}

/**
 * The record adding or renewing `grant` on one share: renewed (expiry pushed out, never
 * pulled in) if the renew hash matches an existing lease, else a new lease (Tahoe §3.2).
 */
export function leaseRecord(
  ctx: StoreContext,
  siName: string,
  shareNum: number,
  existing: ShareEntry | undefined,
  grant: LeaseGrant,
): IndexRecord {
  const expiry = nowSeconds(ctx) + ctx.config.leaseDurationSeconds;
  const [match] = findLease(existing?.leases ?? [], grant.renewHash, 'renewHash');
  if (match !== undefined) {
    return {
      t: 'L',
      si: siName,
      sh: shareNum,
      r: toHex(match.renewHash),
      c: toHex(match.cancelHash),
      e: Math.max(match.expirySeconds, expiry),
      o: match.ownerId,
    };
  }
  return {
    t: 'L',
    si: siName,
    sh: shareNum,
    r: toHex(grant.renewHash),
    c: toHex(grant.cancelHash),
    e: expiry,
    o: grant.ownerId,
  };
}

/** The data length of a final share read from its file (for shares the index does not know). */
export async function shareDataLength(
  ctx: StoreContext,
  siName: string,
  shareNum: number,
  kind: ShareKind,
): Promise<number | undefined> {
  const path = ctx.layout.sharePath(siName, shareNum);
  const fd = await openIfExists(path);
  if (fd === undefined) return undefined;
  try {
    const { probe, size } = await probeFile(fd);
    return kind === 'immutable'
      ? immutableDataLength(probe, size, path)
      : parseMutableHeader(probe, size, path).dataLength;
  } finally {
    await fd.close();
  }
}

/**
 * Records adding or renewing `grant` on every share in `shares`. A share the index does not
 * know (placed by hand, or left by an old crash) is indexed first, charged to no one.
 */
export async function grantRecords(
  ctx: StoreContext,
  siName: string,
  shares: ReadonlyMap<number, FoundShare>,
  grant: LeaseGrant,
): Promise<IndexRecord[]> {
  const records: IndexRecord[] = [];
  for (const [shareNum, { kind }] of shares) {
    const entry = ctx.index.get(siName, shareNum);
    if (entry === undefined) {
      const size = await shareDataLength(ctx, siName, shareNum, kind);
      if (size === undefined) continue;
      records.push({
        t: 'S',
        si: siName,
        sh: shareNum,
        k: kind === 'immutable' ? 'i' : 'm',
        n: size,
        o: '',
      });
    }
    records.push(leaseRecord(ctx, siName, shareNum, entry, grant));
  }
  return records;
}

export async function addLease(
  ctx: StoreContext,
  siName: string,
  grant: LeaseGrant,
): Promise<number> {
  if (ctx.config.readOnly) throw new ReadOnlyError('Cannot add a lease: the store is read-only');
  return ctx.locks.run(siLockKey(siName), async () => {
    const shares = await scanShares(ctx, siName);
    await ctx.journal.commit(await grantRecords(ctx, siName, shares, grant));
    return shares.size;
  });
}

export async function renewLease(
  ctx: StoreContext,
  siName: string,
  renewSecret: Uint8Array,
): Promise<number> {
  if (ctx.config.readOnly) throw new ReadOnlyError('Cannot renew a lease: the store is read-only');
  const renewHash = hashSecret(renewSecret);
  return ctx.locks.run(siLockKey(siName), async () => {
    const records: IndexRecord[] = [];
    const expiry = nowSeconds(ctx) + ctx.config.leaseDurationSeconds;
    for (const [shareNum, entry] of ctx.index.sharesOf(siName) ?? []) {
      for (const lease of findLease(entry.leases, renewHash, 'renewHash')) {
        records.push({
          t: 'L',
          si: siName,
          sh: shareNum,
          r: toHex(lease.renewHash),
          c: toHex(lease.cancelHash),
          e: Math.max(lease.expirySeconds, expiry),
          o: lease.ownerId,
        });
      }
    }
    if (records.length === 0) {
      throw new NoSuchLeaseError(
        `Cannot renew lease on "${siName}": no lease matches the renew secret`,
      );
    }
    await ctx.journal.commit(records);
    return records.length;
  });
}

export async function cancelLease(
  ctx: StoreContext,
  siName: string,
  cancelSecret: Uint8Array,
): Promise<CancelResult> {
  if (ctx.config.readOnly) throw new ReadOnlyError('Cannot cancel a lease: the store is read-only');
  const cancelHash = hashSecret(cancelSecret);
  return ctx.locks.run(siLockKey(siName), async () => {
    const removals: IndexRecord[] = [];
    const doomed: number[] = [];
    for (const [shareNum, entry] of ctx.index.sharesOf(siName) ?? []) {
      const matches = findLease(entry.leases, cancelHash, 'cancelHash');
      for (const lease of matches)
        removals.push({ t: 'X', si: siName, sh: shareNum, r: toHex(lease.renewHash) });
      if (matches.length > 0 && matches.length === entry.leases.length) doomed.push(shareNum);
    }
    if (removals.length === 0) {
      throw new NoSuchLeaseError(
        `Cannot cancel lease on "${siName}": no lease matches the cancel secret`,
      );
    }
    // Shares losing their last lease are deleted first, then forgotten (RELIABILITY.md §GC).
    await deleteShareFiles(ctx, siName, doomed);
    const deletes: IndexRecord[] = doomed.map((sh) => ({ t: 'D', si: siName, sh }));
    await ctx.journal.commit([...removals, ...deletes]);
    return { cancelled: removals.length, deletedShares: doomed.length };
  });
}

/** Unlinks final share files, then fsyncs (and tidies) their directory. */
export async function deleteShareFiles(
  ctx: StoreContext,
  siName: string,
  shareNums: readonly number[],
): Promise<void> {
  if (shareNums.length === 0) return;
  for (const sh of shareNums) await unlinkIfExists(ctx.layout.sharePath(siName, sh));
  const dir = ctx.layout.shareDir(siName);
  await fsyncDir(dir).catch(() => undefined);
  await rmdirIfEmpty(dir);
  await rmdirIfEmpty(ctx.layout.prefixDir(ctx.layout.shares, siName));
}

/** Shares with at least one lease expired at `now` (expiry ≤ now), from the index alone. */
export function expiredLeases(ctx: StoreContext, now: number): ExpiredShare[] {
  const out: ExpiredShare[] = [];
  for (const [siName, shares] of ctx.index.entries()) {
    for (const [shareNum, entry] of shares) {
      const expired = entry.leases.filter((l) => l.expirySeconds <= now).length;
      if (expired === 0 && entry.leases.length > 0) continue;
      const storageIndex = parseStorageIndexName(siName);
      if (storageIndex === undefined) continue;
      out.push({
        storageIndex,
        shareNum,
        kind: entry.kind,
        size: entry.size,
        expiredLeases: expired,
        liveLeases: entry.leases.length - expired,
      });
    }
  }
  return out;
}

/**
 * Deletes every share whose leases have all expired and drops expired leases from the
 * others. Each storage index is handled under its lock, re-checked against the index there.
 */
export async function collectGarbage(
  ctx: StoreContext,
  now: number,
  signal?: AbortSignal,
): Promise<GarbageReport> {
  const report: GarbageReport = { deletedShares: 0, freedBytes: 0, removedLeases: 0 };
  const names: string[] = [];
  for (const [siName, shares] of ctx.index.entries()) {
    for (const e of shares.values()) {
      if (e.leases.length === 0 || e.leases.some((l) => l.expirySeconds <= now)) {
        names.push(siName);
        break;
      }
    }
  }
  for (const siName of names) {
    if (signal?.aborted === true) break;
    await ctx.locks.run(siLockKey(siName), async () => {
      const records: IndexRecord[] = [];
      const doomed: number[] = [];
      for (const [sh, entry] of ctx.index.sharesOf(siName) ?? []) {
        const expired = entry.leases.filter((l) => l.expirySeconds <= now);
        if (expired.length === entry.leases.length) {
          doomed.push(sh);
          report.freedBytes += entry.size;
          report.removedLeases += expired.length;
        } else {
          for (const l of expired) records.push({ t: 'X', si: siName, sh, r: toHex(l.renewHash) });
          report.removedLeases += expired.length;
        }
      }
      await deleteShareFiles(ctx, siName, doomed);
      for (const sh of doomed) records.push({ t: 'D', si: siName, sh });
      await ctx.journal.commit(records);
      report.deletedShares += doomed.length;
    });
  }
  return report;
}
