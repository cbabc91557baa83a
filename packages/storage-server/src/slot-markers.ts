/**
 * Redo markers of mutable slot writes (docs/RELIABILITY.md "Mutable slots"). A marker in
 * `pending/` names the new share files waiting in `tmp/`, the shares to delete and the index
 * records; once it is durable the write is committed, and applying it again is harmless.
 */
import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, exists, fsyncDir, rmdirIfEmpty, unlinkIfExists } from './fs-util.ts';
import { parseIndexRecords, type IndexRecord } from './index-records.ts';
import type { StoreContext } from './context.ts';

/** A redo marker: what to rename or delete, and what to commit to the index. */
export interface Marker {
  si: string;
  ops: Array<{ sh: number; tmp: string | null }>;
  records: IndexRecord[];
}

/** Applies a marker's renames and deletions, commits its records, removes it. Idempotent. */
export async function applyMarker(
  ctx: StoreContext,
  marker: Marker,
  markerPath: string,
): Promise<void> {
  const dir = ctx.layout.shareDir(marker.si);
  if (marker.ops.some((op) => op.tmp !== null)) await ensureDir(dir);
  for (const op of marker.ops) {
    const target = ctx.layout.sharePath(marker.si, op.sh);
    if (op.tmp === null) await unlinkIfExists(target);
    else if (await exists(join(ctx.layout.tmp, op.tmp)))
      await rename(join(ctx.layout.tmp, op.tmp), target);
  }
  await fsyncDir(dir).catch(() => undefined);
  await ctx.journal.commit(marker.records);
  await unlinkIfExists(markerPath);
  await fsyncDir(ctx.layout.pending);
  await rmdirIfEmpty(dir);
  await rmdirIfEmpty(ctx.layout.prefixDir(ctx.layout.shares, marker.si));
}

/** At start: finish every slot operation whose marker is durable, then empty `tmp/`. */
export async function recoverPending(ctx: StoreContext): Promise<void> {
  for (const name of (await readdir(ctx.layout.pending)).sort()) {
    const path = join(ctx.layout.pending, name);
    if (!name.endsWith('.json')) {
      await unlinkIfExists(path); // a marker that never became durable
      continue;
    }
    const marker = parseMarker(await readFile(path, 'utf8').catch(() => ''));
    if (marker === undefined) {
      ctx.log.error(`Discarding unreadable slot redo marker "${path}"`);
      await unlinkIfExists(path);
      continue;
    }
    ctx.log.info(`Finishing interrupted write of mutable slot "${marker.si}"`);
    await applyMarker(ctx, marker, path);
  }
  await fsyncDir(ctx.layout.pending);
}

function parseMarker(text: string): Marker | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  if (typeof o.si !== 'string' || !/^[a-z2-7]{26}$/.test(o.si) || !Array.isArray(o.ops))
    return undefined;
  const ops: Marker['ops'] = [];
  for (const op of o.ops as unknown[]) {
    const x = op as { sh?: unknown; tmp?: unknown } | null;
    if (typeof x !== 'object' || x === null) return undefined;
    if (typeof x.sh !== 'number' || !Number.isInteger(x.sh) || x.sh < 0 || x.sh > 255)
      return undefined;
    if (
      x.tmp !== null &&
      (typeof x.tmp !== 'string' || !/^[0-9a-z]+-[0-9a-f]+-[0-9]+$/.test(x.tmp))
    )
      return undefined;
    ops.push({ sh: x.sh, tmp: x.tmp });
  }
  const records = parseIndexRecords(o.records);
  if (records === undefined) return undefined;
  return { si: o.si, ops, records };
}
