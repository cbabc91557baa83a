/**
 * Unclosed immutable uploads (Tahoe §3.2 BucketWriter). Each lives in
 * `shares/incoming/<prefix>/<si>/<shnum>` (the container being written) with a sidecar
 * `<shnum>.state` holding the allocated size, the upload-secret hash, the pending lease and
 * the written ranges. The sidecar only ever lists ranges whose bytes were fsync'd first, so
 * after a crash an upload resumes from a conservative picture. Close fsyncs the container
 * and renames it into `shares/`, which is the moment the share becomes visible.
 */
import { rename } from 'node:fs/promises';
import {
  BadUploadSecretError,
  ConflictingWriteError,
  IncompleteShareError,
  NoSuchUploadError,
  ReadOnlyError,
  WritePastEndError,
} from './errors.ts';
import {
  IMMUTABLE_HEADER_SIZE,
  MAX_OPEN_BUCKET_FILES,
  SIDECAR_FLUSH_DELAY_MS,
} from './constants.ts';
import { openContainerFile, type ContainerFile } from './container-file.ts';
import { encodeImmutableHeader } from './containers.ts';
import { atomicWriteFile, ensureDir, fsyncDir, rmdirIfEmpty, unlinkIfExists } from './fs-util.ts';
import type { IndexRecord } from './index-records.ts';
import { leaseRecord } from './leases.ts';
import { RangeSet } from './ranges.ts';
import { constantTimeEqual } from './secrets.ts';
import { serializeSidecar } from './sidecar.ts';
import {
  bucketKey,
  bucketLockKey,
  nowSeconds,
  siLockKey,
  type Bucket,
  type StoreContext,
} from './context.ts';
import type { BucketProgress } from './types.ts';

function describe(b: { siName: string; shareNum: number }): string {
  return `share ${b.shareNum} of "${b.siName}"`;
}

/**
 * The open upload for `(siName, shareNum)` whose secret hashes to `secretHash`.
 * @throws {NoSuchUploadError} STORAGE_NO_SUCH_UPLOAD
 * @throws {BadUploadSecretError} STORAGE_BAD_UPLOAD_SECRET
 */
export function findBucket(
  ctx: StoreContext,
  siName: string,
  shareNum: number,
  secretHash: Uint8Array,
): Bucket {
  const b = ctx.buckets.get(bucketKey(siName, shareNum));
  if (b === undefined || b.gone) {
    throw new NoSuchUploadError(
      `Cannot use upload of share ${shareNum} of "${siName}": none in progress`,
    );
  }
  if (!constantTimeEqual(b.uploadSecretHash, secretHash)) {
    throw new BadUploadSecretError(
      `Cannot use upload of ${describe(b)}: the upload secret does not match`,
    );
  }
  return b;
}

export function progress(b: Bucket): BucketProgress {
  return {
    allocatedSize: b.allocatedSize,
    written: b.ranges.toRanges(),
    missing: b.ranges.missing(b.allocatedSize),
  };
}

/** Creates the container and sidecar of a bucket already registered in `ctx.buckets`. */
export async function persistNewBucket(ctx: StoreContext, b: Bucket): Promise<void> {
  const dir = ctx.layout.incomingDir(b.siName);
  await ensureDir(dir);
  const file = await openContainerFile(ctx.layout.incomingPath(b.siName, b.shareNum), {
    create: true,
    direct: ctx.directWrites,
  });
  try {
    await file.write(encodeImmutableHeader(b.allocatedSize), 0);
    await file.sync();
  } finally {
    await file.close();
  }
  // The sidecar appears last: a container without one is an allocation that never finished.
  await atomicWriteFile(
    ctx.layout.sidecarPath(b.siName, b.shareNum),
    serializeSidecar(b, new RangeSet()),
  );
}

/**
 * Runs `use` with the bucket's container open for writing: the handle kept on the bucket, or a
 * fresh one, kept on the bucket when `keep` and fewer than MAX_OPEN_BUCKET_FILES containers
 * are open, else closed afterwards. Call with the bucket's lock held.
 */
async function withContainer<T>(
  ctx: StoreContext,
  b: Bucket,
  keep: boolean,
  use: (file: ContainerFile) => Promise<T>,
): Promise<T> {
  if (b.file !== undefined) return use(b.file);
  const file = await openContainerFile(ctx.layout.incomingPath(b.siName, b.shareNum), {
    create: false,
    direct: ctx.directWrites,
  });
  if (keep && ctx.openBucketFiles < MAX_OPEN_BUCKET_FILES) {
    b.file = file;
    ctx.openBucketFiles += 1;
    return use(file);
  }
  try {
    return await use(file);
  } finally {
    await file.close();
  }
}

/** Closes the container handle a bucket keeps open, if any. Call with the bucket's lock held. */
export async function releaseContainer(ctx: StoreContext, b: Bucket): Promise<void> {
  const file = b.file;
  if (file === undefined) return;
  b.file = undefined;
  ctx.openBucketFiles -= 1;
  await file.close();
}

function scheduleFlush(ctx: StoreContext, b: Bucket): void {
  b.dirty = true;
  if (b.flushTimer !== undefined) return;
  b.flushTimer = setTimeout(() => {
    b.flushTimer = undefined;
    ctx.locks
      .run(bucketLockKey(b.siName, b.shareNum), () => flushSidecar(ctx, b))
      .catch((e: unknown) =>
        ctx.log.warn(`Cannot record progress of ${describe(b)}: ${String(e)}`),
      );
  }, SIDECAR_FLUSH_DELAY_MS);
  b.flushTimer.unref();
}

/** Persists the written ranges: fsync the container, then atomically rewrite the sidecar. */
export async function flushSidecar(ctx: StoreContext, b: Bucket): Promise<void> {
  if (b.gone || !b.dirty) return;
  // Only ranges written before this fsync are recorded (RELIABILITY.md "Uploads").
  const snapshot = b.ranges.clone();
  b.dirty = false;
  try {
    await withContainer(ctx, b, false, (file) => file.sync());
    await atomicWriteFile(
      ctx.layout.sidecarPath(b.siName, b.shareNum),
      serializeSidecar(b, snapshot),
    );
  } catch (e) {
    b.dirty = true;
    throw e;
  }
}

export async function writeBucket(
  ctx: StoreContext,
  siName: string,
  shareNum: number,
  secretHash: Uint8Array,
  offset: number,
  data: Uint8Array,
): Promise<BucketProgress> {
  if (ctx.config.readOnly) throw new ReadOnlyError('Cannot write a share: the store is read-only');
  return ctx.locks.run(bucketLockKey(siName, shareNum), async () => {
    const b = findBucket(ctx, siName, shareNum, secretHash);
    const end = offset + data.length;
    if (end > b.allocatedSize) {
      throw new WritePastEndError(
        `Cannot write ${describe(b)}: bytes ${offset}..${end} go past the allocated size ${b.allocatedSize}`,
        end,
        b.allocatedSize,
      );
    }
    b.lastActivitySeconds = nowSeconds(ctx);
    if (data.length === 0) return progress(b);
    await withContainer(ctx, b, true, async (file) => {
      // Tahoe §3.2: an overlapping write must carry identical bytes.
      for (const [s, e] of b.ranges.intersect(offset, end)) {
        const old = new Uint8Array(e - s);
        await file.read(old, IMMUTABLE_HEADER_SIZE + s);
        const mine = data.subarray(s - offset, e - offset);
        if (!Buffer.from(old).equals(mine)) {
          throw new ConflictingWriteError(
            `Cannot write ${describe(b)}: bytes at ${s} differ from those already written`,
            s,
          );
        }
      }
      await file.write(data, IMMUTABLE_HEADER_SIZE + offset);
    });
    b.ranges.add(offset, end);
    scheduleFlush(ctx, b);
    return progress(b);
  });
}

/** The records that make a closed bucket's share and leases part of the index. */
export function closeRecords(ctx: StoreContext, b: Bucket): IndexRecord[] {
  const records: IndexRecord[] = [
    { t: 'S', si: b.siName, sh: b.shareNum, k: 'i', n: b.allocatedSize, o: b.clientId },
  ];
  const existing = ctx.index.get(b.siName, b.shareNum);
  for (const lease of b.leases)
    records.push(leaseRecord(ctx, b.siName, b.shareNum, existing, lease));
  return records;
}

export async function forgetBucket(
  ctx: StoreContext,
  b: Bucket,
  deleteContainer: boolean,
): Promise<void> {
  b.gone = true;
  if (b.flushTimer !== undefined) clearTimeout(b.flushTimer);
  b.flushTimer = undefined;
  ctx.buckets.delete(bucketKey(b.siName, b.shareNum));
  await releaseContainer(ctx, b);
  if (deleteContainer) await unlinkIfExists(ctx.layout.incomingPath(b.siName, b.shareNum));
  await unlinkIfExists(ctx.layout.sidecarPath(b.siName, b.shareNum));
  const dir = ctx.layout.incomingDir(b.siName);
  await fsyncDir(dir).catch(() => undefined);
  await rmdirIfEmpty(dir);
  await rmdirIfEmpty(ctx.layout.prefixDir(ctx.layout.incoming, b.siName));
}

export async function closeBucket(
  ctx: StoreContext,
  siName: string,
  shareNum: number,
  secretHash: Uint8Array,
): Promise<void> {
  if (ctx.config.readOnly) throw new ReadOnlyError('Cannot close a share: the store is read-only');
  await ctx.locks.run(siLockKey(siName), () =>
    ctx.locks.run(bucketLockKey(siName, shareNum), async () => {
      const b = findBucket(ctx, siName, shareNum, secretHash);
      const missing = b.ranges.missing(b.allocatedSize);
      if (missing.length > 0) {
        const list = missing.map((r) => `${r.offset}..${r.offset + r.length}`).join(', ');
        throw new IncompleteShareError(
          `Cannot close ${describe(b)}: bytes ${list} not written`,
          missing,
        );
      }
      const from = ctx.layout.incomingPath(siName, shareNum);
      await withContainer(ctx, b, false, async (file) => {
        // Direct writes may leave the file up to a page longer than the share.
        await file.truncate(IMMUTABLE_HEADER_SIZE + b.allocatedSize);
        await file.sync();
      });
      await releaseContainer(ctx, b);
      const finalDir = ctx.layout.shareDir(siName);
      await ensureDir(finalDir);
      // The share becomes visible here, complete (RELIABILITY.md "Close").
      await rename(from, ctx.layout.sharePath(siName, shareNum));
      await fsyncDir(finalDir);
      await fsyncDir(ctx.layout.incomingDir(siName));
      const records = closeRecords(ctx, b);
      b.gone = true;
      ctx.buckets.delete(bucketKey(siName, shareNum));
      // If this commit fails the sidecar stays, and the next start commits the records again.
      await ctx.journal.commit(records);
      await forgetBucket(ctx, b, false);
    }),
  );
}

export async function abortBucket(
  ctx: StoreContext,
  siName: string,
  shareNum: number,
  secretHash: Uint8Array,
): Promise<void> {
  await ctx.locks.run(siLockKey(siName), () =>
    ctx.locks.run(bucketLockKey(siName, shareNum), async () => {
      const b = findBucket(ctx, siName, shareNum, secretHash);
      await forgetBucket(ctx, b, true);
    }),
  );
}

/** Deletes uploads idle for longer than the grace period; returns how many. */
export async function sweepIncoming(ctx: StoreContext, now: number): Promise<number> {
  const deadline = now - ctx.config.incomingGraceSeconds;
  let swept = 0;
  for (const b of [...ctx.buckets.values()]) {
    if (b.lastActivitySeconds > deadline) continue;
    await ctx.locks.run(siLockKey(b.siName), () =>
      ctx.locks.run(bucketLockKey(b.siName, b.shareNum), async () => {
        if (b.gone || b.lastActivitySeconds > deadline) return;
        ctx.log.info(`Deleting abandoned upload of ${describe(b)}`);
        await forgetBucket(ctx, b, true);
        swept += 1;
      }),
    );
  }
  return swept;
}

/** Persists every dirty sidecar and closes the open containers (at stop). */
export async function flushAllSidecars(ctx: StoreContext): Promise<void> {
  for (const b of [...ctx.buckets.values()]) {
    if (b.flushTimer !== undefined) clearTimeout(b.flushTimer);
    b.flushTimer = undefined;
    await ctx.locks.run(bucketLockKey(b.siName, b.shareNum), async () => {
      try {
        await flushSidecar(ctx, b);
      } finally {
        await releaseContainer(ctx, b);
      }
    });
  }
}
