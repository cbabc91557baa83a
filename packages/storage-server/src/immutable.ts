/** Immutable shares (Tahoe §3.2): allocation, reading and listing. */
import {
  NoSuchShareError,
  ReadOnlyError,
  ShareTooLargeError,
  WrongShareTypeError,
  type ByteRange,
} from './errors.ts';
import { IMMUTABLE_HEADER_SIZE } from './constants.ts';
import { detectKind, immutableDataLength } from './containers.ts';
import { RangeSet } from './ranges.ts';
import { constantTimeEqual } from './secrets.ts';
import { openIfExists, probeFile, readDataRanges, scanShares } from './share-files.ts';
import { flushSidecar, forgetBucket, persistNewBucket } from './incoming.ts';
import { grantRecords, type LeaseGrant } from './leases.ts';
import { availableFrom, checkQuota, freeDiskBytes } from './space.ts';
import {
  bucketKey,
  bucketLockKey,
  checkAborted,
  nowSeconds,
  siLockKey,
  type Bucket,
  type StoreContext,
} from './context.ts';
import type { AllocateResult } from './types.ts';

export interface AllocateParams {
  siName: string;
  grant: LeaseGrant;
  uploadSecretHash: Uint8Array;
  shareNums: number[];
  allocatedSize: number;
  clientId: string;
}

export async function allocateBuckets(
  ctx: StoreContext,
  p: AllocateParams,
  signal?: AbortSignal,
): Promise<AllocateResult> {
  const { siName, allocatedSize } = p;
  if (ctx.config.readOnly)
    throw new ReadOnlyError('Cannot allocate shares: the store is read-only');
  if (allocatedSize > ctx.config.maxShareSize) {
    throw new ShareTooLargeError(
      `Cannot allocate shares of "${siName}": ${allocatedSize} bytes is over the maximum share size ${ctx.config.maxShareSize}`,
      allocatedSize,
      ctx.config.maxShareSize,
    );
  }
  return ctx.locks.run(siLockKey(siName), async () => {
    checkAborted(signal, 'allocate shares');
    const found = await scanShares(ctx, siName);
    for (const [shareNum, share] of found) {
      if (share.kind !== 'immutable') {
        throw new WrongShareTypeError(
          `Cannot allocate shares of "${siName}": share ${shareNum} is a mutable slot share`,
        );
      }
    }
    const allocated: number[] = [];
    const resumed: Bucket[] = [];
    const fresh: number[] = [];
    for (const shareNum of p.shareNums) {
      if (found.has(shareNum)) continue;
      const b = ctx.buckets.get(bucketKey(siName, shareNum));
      if (b === undefined) fresh.push(shareNum);
      else if (
        !b.gone &&
        constantTimeEqual(b.uploadSecretHash, p.uploadSecretHash) &&
        b.allocatedSize === allocatedSize
      ) {
        // The same uploader coming back (a retry after a disconnect): let it resume.
        allocated.push(shareNum);
        resumed.push(b);
      }
      // Otherwise an upload by someone else is in progress: skip, as Tahoe does.
    }
    const leaseRecords = await grantRecords(ctx, siName, found, p.grant);
    const freeDisk = fresh.length > 0 ? await freeDiskBytes(ctx) : 0;
    checkAborted(signal, 'allocate shares');

    // No await from the quota check to registering the buckets, so concurrent allocations
    // see each other's promises.
    checkQuota(ctx, p.clientId, fresh.length * allocatedSize);
    let available = availableFrom(ctx, freeDisk);
    const created: Bucket[] = [];
    const now = nowSeconds(ctx);
    for (const shareNum of fresh) {
      // Tahoe §3.2: with no room the share is silently left out of both sets.
      if (available < allocatedSize) continue;
      available -= allocatedSize;
      const b: Bucket = {
        siName,
        shareNum,
        allocatedSize,
        uploadSecretHash: p.uploadSecretHash,
        clientId: p.clientId,
        leases: [p.grant],
        ranges: new RangeSet(),
        lastActivitySeconds: now,
        dirty: false,
        flushTimer: undefined,
        gone: false,
      };
      ctx.buckets.set(bucketKey(siName, shareNum), b);
      created.push(b);
    }
    try {
      for (const b of created) await persistNewBucket(ctx, b);
    } catch (e) {
      for (const b of created) await forgetBucket(ctx, b, true).catch(() => undefined);
      throw e;
    }
    for (const b of resumed) {
      b.lastActivitySeconds = now;
      if (!b.leases.some((l) => constantTimeEqual(l.renewHash, p.grant.renewHash))) {
        b.leases.push(p.grant);
        await ctx.locks.run(bucketLockKey(siName, b.shareNum), () => {
          b.dirty = true;
          return flushSidecar(ctx, b);
        });
      }
    }
    await ctx.journal.commit(leaseRecords);
    for (const b of created) allocated.push(b.shareNum);
    return {
      alreadyHave: [...found.keys()],
      allocated: allocated.sort((a, b) => a - b),
      resumed: resumed.map((b) => b.shareNum).sort((a, b) => a - b),
    };
  });
}

export async function readShare(
  ctx: StoreContext,
  siName: string,
  shareNum: number,
  ranges: ByteRange[],
): Promise<Uint8Array[]> {
  const path = ctx.layout.sharePath(siName, shareNum);
  const fd = await openIfExists(path);
  if (fd === undefined)
    throw new NoSuchShareError(`Cannot read share ${shareNum} of "${siName}": no such share`);
  try {
    const { probe, size } = await probeFile(fd);
    if (detectKind(probe) === 'mutable') {
      throw new WrongShareTypeError(
        `Cannot read share ${shareNum} of "${siName}" as immutable: it is a mutable slot share`,
      );
    }
    const dataLength = immutableDataLength(probe, size, `share ${shareNum} of "${siName}"`);
    return await readDataRanges(fd, IMMUTABLE_HEADER_SIZE, dataLength, ranges);
  } finally {
    await fd.close();
  }
}

export async function listShares(ctx: StoreContext, siName: string): Promise<number[]> {
  const found = await scanShares(ctx, siName);
  return [...found].filter(([, s]) => s.kind === 'immutable').map(([n]) => n);
}
