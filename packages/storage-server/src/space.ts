/**
 * Space and quota accounting. Free space is `statfs` minus the reserved space minus what is
 * promised to unclosed uploads and mutable writes in flight (Tahoe §3.2 "remaining space").
 * A client's usage is the data bytes of the final shares it owns (from the lease index, so it
 * survives restarts), plus the allocated size of its unclosed uploads, plus its in-flight
 * mutable growth.
 */
import { statfs as fsStatfs } from 'node:fs/promises';
import { NoSpaceError, QuotaExceededError } from './errors.ts';
import type { StoreContext } from './context.ts';
import type { StatFs } from './types.ts';

/** `fs.promises.statfs` in the shape the store needs. */
export const defaultStatfs: StatFs = (path) => fsStatfs(path);

/** Bytes promised and not yet on disk: unwritten parts of uploads plus pending mutable growth. */
export function promisedBytes(ctx: StoreContext): number {
  let n = 0;
  for (const b of ctx.buckets.values()) n += b.allocatedSize - b.ranges.byteCount;
  for (const v of ctx.pendingBytes.values()) n += v;
  return n;
}

/** Free disk bytes as reported by statfs (2^53-1 when the platform cannot say). */
export async function freeDiskBytes(ctx: StoreContext): Promise<number> {
  try {
    const s = await ctx.config.statfs(ctx.layout.root);
    const free = Number(BigInt(s.bavail) * BigInt(s.bsize));
    return Number.isFinite(free) && free >= 0 ? Math.min(free, Number.MAX_SAFE_INTEGER) : 0;
  } catch (e) {
    ctx.log.warn(`Cannot read free space of "${ctx.layout.root}": ${String(e)}`);
    return Number.MAX_SAFE_INTEGER;
  }
}

/** Bytes the store may still promise (0 when read-only), given a fresh statfs reading. */
export function availableFrom(ctx: StoreContext, freeDisk: number): number {
  if (ctx.config.readOnly) return 0;
  return Math.max(0, freeDisk - ctx.config.reservedSpace - promisedBytes(ctx));
}

/** The quota of a client in bytes, or `undefined` for unlimited. */
export function quotaLimit(ctx: StoreContext, clientId: string): number | undefined {
  const { clients, defaultBytes } = ctx.config.quotas;
  if (clients !== undefined && Object.hasOwn(clients, clientId)) return clients[clientId];
  return defaultBytes;
}

/** Bytes charged to a client right now. */
export function clientUsed(ctx: StoreContext, clientId: string): number {
  let n = ctx.index.usage(clientId) + (ctx.pendingBytes.get(clientId) ?? 0);
  for (const b of ctx.buckets.values()) if (b.clientId === clientId) n += b.allocatedSize;
  return n;
}

/**
 * Throws if `requested` more bytes would take `clientId` past its quota.
 * @throws {QuotaExceededError} STORAGE_QUOTA_EXCEEDED
 */
export function checkQuota(ctx: StoreContext, clientId: string, requested: number): void {
  if (requested <= 0) return;
  const limit = quotaLimit(ctx, clientId);
  if (limit === undefined) return;
  const used = clientUsed(ctx, clientId);
  if (used + requested > limit) throw new QuotaExceededError(clientId, used, limit, requested);
}

/** Records bytes promised to an in-flight mutable write; returns the release function. */
export function reservePending(ctx: StoreContext, owner: string, bytes: number): () => void {
  if (bytes <= 0) return () => undefined;
  ctx.pendingBytes.set(owner, (ctx.pendingBytes.get(owner) ?? 0) + bytes);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (ctx.pendingBytes.get(owner) ?? 0) - bytes;
    if (left <= 0) ctx.pendingBytes.delete(owner);
    else ctx.pendingBytes.set(owner, left);
  };
}

/**
 * Checks quotas (per owner) and free space for `byOwner` more bytes, then records them as
 * pending; returns the release function.
 * @throws {QuotaExceededError} STORAGE_QUOTA_EXCEEDED
 * @throws {NoSpaceError} STORAGE_NO_SPACE
 */
export async function reserveGrowth(
  ctx: StoreContext,
  what: string,
  byOwner: ReadonlyMap<string, number>,
): Promise<() => void> {
  const total = [...byOwner.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return () => undefined;
  const freeDisk = await freeDiskBytes(ctx);
  for (const [owner, bytes] of byOwner) checkQuota(ctx, owner, bytes);
  const available = availableFrom(ctx, freeDisk);
  if (total > available) {
    throw new NoSpaceError(
      `Cannot grow ${what} by ${total} bytes: ${available} available`,
      total,
      available,
    );
  }
  const releases = [...byOwner].map(([owner, bytes]) => reservePending(ctx, owner, bytes));
  return () => releases.forEach((r) => r());
}
