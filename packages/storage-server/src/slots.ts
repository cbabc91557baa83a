/**
 * Mutable slots (Tahoe §3.2 `slot_testv_and_readv_and_writev`, `slot_readv`; §5.4). One
 * operation per storage index at a time (the SI lock). A write builds each changed share as
 * a new file in `tmp/`, fsyncs it, records a redo marker in `pending/`, renames the new
 * files over the old ones, commits the index records and deletes the marker; after a crash
 * `recoverPending` (slot-markers.ts) finishes any operation whose marker exists, and the rest of `tmp/` is
 * dropped, so every slot is wholly old or wholly new (docs/RELIABILITY.md).
 */
import { copyFile, open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  BadWriteEnablerError,
  ReadOnlyError,
  ReadTooLargeError,
  WrongShareTypeError,
  type ByteRange,
} from './errors.ts';
import { MAX_READ_SIZE, MUTABLE_HEADER_SIZE } from './constants.ts';
import {
  MUTABLE_LENGTH_FIELDS_OFFSET,
  encodeMutableHeader,
  encodeMutableLengthFields,
  parseMutableHeader,
} from './containers.ts';
import { atomicWriteFile, unlinkIfExists } from './fs-util.ts';
import type { IndexRecord } from './index-records.ts';
import { leaseRecord, type LeaseGrant } from './leases.ts';
import { constantTimeEqual } from './secrets.ts';
import {
  openIfExists,
  probeFile,
  readDataRanges,
  readFully,
  scanShares,
  writeFully,
} from './share-files.ts';
import { SLOT_PREFIX_LENGTH, parseSlotPrefix } from './slot-events.ts';
import { applyMarker, type Marker } from './slot-markers.ts';
import type { ShareVectors } from './slot-vectors.ts';
import { reserveGrowth } from './space.ts';
import { checkAborted, siLockKey, type StoreContext } from './context.ts';
import type { SlotTestAndWriteResult } from './types.ts';

export interface SlotWriteParams {
  siName: string;
  storageIndex: Uint8Array;
  writeEnabler: Uint8Array;
  grant: LeaseGrant;
  vectors: Map<number, ShareVectors>;
  readVector: ByteRange[];
  clientId: string;
}

interface SlotShare {
  dataLength: number;
  writeEnabler: Uint8Array;
}

/** A planned change to one share: a new file (`newLength`) or a deletion. */
interface Change {
  shareNum: number;
  old: SlotShare | undefined;
  delete: boolean;
  newLength: number;
  writes: ShareVectors['write'];
  owner: string;
}

async function loadSlot(
  ctx: StoreContext,
  siName: string,
  forWrite: boolean,
): Promise<Map<number, SlotShare>> {
  const found = await scanShares(ctx, siName);
  for (const [shareNum, share] of found) {
    if (share.kind !== 'mutable') {
      throw new WrongShareTypeError(
        `Cannot use "${siName}" as a mutable slot: share ${shareNum} is immutable`,
      );
    }
  }
  for (const b of forWrite ? ctx.buckets.values() : []) {
    if (b.siName === siName) {
      throw new WrongShareTypeError(
        `Cannot use "${siName}" as a mutable slot: an immutable upload is in progress`,
      );
    }
  }
  const shares = new Map<number, SlotShare>();
  for (const shareNum of found.keys()) {
    const path = ctx.layout.sharePath(siName, shareNum);
    const fd = await openIfExists(path);
    if (fd === undefined) continue;
    try {
      const { probe, size } = await probeFile(fd);
      shares.set(shareNum, parseMutableHeader(probe, size, `share ${shareNum} of "${siName}"`));
    } finally {
      await fd.close();
    }
  }
  return shares;
}

/** Reads `ranges` of every share in `shareNums` (missing shares are left out). */
async function readSlot(
  ctx: StoreContext,
  siName: string,
  shares: ReadonlyMap<number, SlotShare>,
  shareNums: Iterable<number>,
  ranges: readonly ByteRange[],
): Promise<Map<number, Uint8Array[]>> {
  let total = 0;
  const wanted = [...shareNums].filter((n) => shares.has(n));
  for (const n of wanted) {
    const len = shares.get(n)!.dataLength;
    for (const r of ranges) total += Math.max(0, Math.min(r.length, len - r.offset));
  }
  if (total > MAX_READ_SIZE) {
    throw new ReadTooLargeError(
      `Cannot read ${total} bytes of "${siName}" in one call: at most ${MAX_READ_SIZE}`,
      total,
      MAX_READ_SIZE,
    );
  }
  const out = new Map<number, Uint8Array[]>();
  for (const n of wanted) {
    const fd = await openIfExists(ctx.layout.sharePath(siName, n));
    if (fd === undefined) continue;
    try {
      out.set(n, await readDataRanges(fd, MUTABLE_HEADER_SIZE, shares.get(n)!.dataLength, ranges));
    } finally {
      await fd.close();
    }
  }
  return out;
}

export async function slotRead(
  ctx: StoreContext,
  siName: string,
  shareNums: number[],
  ranges: ByteRange[],
): Promise<Map<number, Uint8Array[]>> {
  return ctx.locks.run(siLockKey(siName), async () => {
    const shares = await loadSlot(ctx, siName, false);
    return readSlot(
      ctx,
      siName,
      shares,
      shareNums.length === 0 ? shares.keys() : shareNums,
      ranges,
    );
  });
}

function planChanges(
  ctx: StoreContext,
  p: SlotWriteParams,
  shares: ReadonlyMap<number, SlotShare>,
): Change[] {
  const changes: Change[] = [];
  for (const [shareNum, v] of p.vectors) {
    const old = shares.get(shareNum);
    const owner = old === undefined ? p.clientId : (ctx.index.get(p.siName, shareNum)?.owner ?? '');
    if (v.newLength === 0) {
      // Tahoe §3.2: new_length 0 deletes the share.
      if (old !== undefined)
        changes.push({ shareNum, old, delete: true, newLength: 0, writes: [], owner });
      continue;
    }
    const oldLength = old?.dataLength ?? 0;
    let newLength = oldLength;
    for (const w of v.write) newLength = Math.max(newLength, w.offset + w.data.length);
    // A smaller new_length truncates after the writes; a larger one changes nothing.
    if (v.newLength !== undefined && v.newLength < newLength) newLength = v.newLength;
    if (old !== undefined && v.write.length === 0 && newLength === oldLength) continue;
    changes.push({ shareNum, old, delete: false, newLength, writes: v.write, owner });
  }
  return changes;
}

/** Builds the new container of one share in `tmpPath` and fsyncs it. */
async function buildShareFile(
  ctx: StoreContext,
  siName: string,
  c: Change,
  writeEnabler: Uint8Array,
  tmpPath: string,
): Promise<void> {
  if (c.old !== undefined) await copyFile(ctx.layout.sharePath(siName, c.shareNum), tmpPath);
  const fd = await open(tmpPath, c.old === undefined ? 'w' : 'r+');
  try {
    if (c.old === undefined) await writeFully(fd, encodeMutableHeader(writeEnabler, 0), 0);
    // Drop the old trailer (and any Tahoe in-file leases) so that holes read as zeros.
    await fd.truncate(MUTABLE_HEADER_SIZE + (c.old?.dataLength ?? 0));
    for (const w of c.writes) await writeFully(fd, w.data, MUTABLE_HEADER_SIZE + w.offset);
    await fd.truncate(MUTABLE_HEADER_SIZE + c.newLength);
    // Extra-lease count 0 after the data (Tahoe container layout).
    await writeFully(fd, new Uint8Array(4), MUTABLE_HEADER_SIZE + c.newLength);
    await writeFully(fd, encodeMutableLengthFields(c.newLength), MUTABLE_LENGTH_FIELDS_OFFSET);
    await fd.sync();
  } finally {
    await fd.close();
  }
}

export async function slotTestAndWrite(
  ctx: StoreContext,
  p: SlotWriteParams,
  signal?: AbortSignal,
): Promise<SlotTestAndWriteResult> {
  const { siName } = p;
  const wantsWrite = p.vectors.size > 0;
  if (wantsWrite && ctx.config.readOnly)
    throw new ReadOnlyError('Cannot write a mutable slot: the store is read-only');
  return ctx.locks.run(siLockKey(siName), async () => {
    checkAborted(signal, 'write a mutable slot');
    const shares = await loadSlot(ctx, siName, true);
    let bad: number | undefined;
    for (const [shareNum, share] of shares) {
      // Every share is compared (no early exit) in constant time.
      if (!constantTimeEqual(share.writeEnabler, p.writeEnabler) && bad === undefined)
        bad = shareNum;
    }
    if (bad !== undefined) {
      throw new BadWriteEnablerError(
        `Cannot write mutable slot "${siName}": the write enabler does not match share ${bad}`,
        bad,
      );
    }
    // Tahoe §3.2: reads run before the writes and return the old data.
    const reads = await readSlot(ctx, siName, shares, shares.keys(), p.readVector);
    for (const [shareNum, v] of p.vectors) {
      for (const t of v.test) {
        // A missing share reads as empty, so (0, 1, eq, "") means "must not exist yet".
        const [got] = shares.has(shareNum)
          ? ((await readSlot(ctx, siName, shares, [shareNum], [t])).get(shareNum) ?? [
              new Uint8Array(0),
            ])
          : [new Uint8Array(0)];
        if (!Buffer.from(got).equals(t.specimen)) return { ok: false, reads };
      }
    }
    if (ctx.config.readOnly) return { ok: true, reads };
    const changes = planChanges(ctx, p, shares);
    const growth = new Map<string, number>();
    for (const c of changes) {
      const delta = c.newLength - (c.old?.dataLength ?? 0);
      if (!c.delete && delta > 0) growth.set(c.owner, (growth.get(c.owner) ?? 0) + delta);
    }
    const released = await reserveGrowth(ctx, `mutable slot "${siName}"`, growth);
    try {
      checkAborted(signal, 'write a mutable slot');
      await commitChanges(ctx, p, shares, changes);
    } finally {
      released();
    }
    await notify(ctx, p, changes);
    return { ok: true, reads };
  });
}

async function commitChanges(
  ctx: StoreContext,
  p: SlotWriteParams,
  shares: ReadonlyMap<number, SlotShare>,
  changes: Change[],
): Promise<void> {
  const { siName } = p;
  const opId = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  const ops: Marker['ops'] = [];
  const records: IndexRecord[] = [];
  try {
    for (const c of changes) {
      if (c.delete) {
        ops.push({ sh: c.shareNum, tmp: null });
        records.push({ t: 'D', si: siName, sh: c.shareNum });
        continue;
      }
      const tmp = `${opId}-${c.shareNum}`;
      await buildShareFile(ctx, siName, c, p.writeEnabler, join(ctx.layout.tmp, tmp));
      ops.push({ sh: c.shareNum, tmp });
      records.push({ t: 'S', si: siName, sh: c.shareNum, k: 'm', n: c.newLength, o: c.owner });
    }
    // Tahoe §3.2: then a lease is added or renewed on every share named in the vectors
    // that still exists.
    for (const [shareNum, v] of p.vectors) {
      if (v.newLength === 0) continue;
      const entry = ctx.index.get(siName, shareNum);
      const changed = changes.some((c) => c.shareNum === shareNum);
      if (entry === undefined && !changed) {
        // A share the index does not know yet: index it, charged to no one.
        records.push({
          t: 'S',
          si: siName,
          sh: shareNum,
          k: 'm',
          n: shares.get(shareNum)!.dataLength,
          o: '',
        });
      }
      records.push(leaseRecord(ctx, siName, shareNum, entry, p.grant));
    }
    if (ops.length === 0) {
      await ctx.journal.commit(records);
      return;
    }
    const markerPath = join(ctx.layout.pending, `${opId}.json`);
    const marker: Marker = { si: siName, ops: [...ops], records };
    // The commit point: once the marker is durable, recovery finishes the operation.
    await atomicWriteFile(markerPath, JSON.stringify(marker));
    ops.length = 0;
    await applyMarker(ctx, marker, markerPath);
  } finally {
    // Temp files of an operation that never reached its marker.
    for (const op of ops) if (op.tmp !== null) await unlinkIfExists(join(ctx.layout.tmp, op.tmp));
  }
}

async function notify(ctx: StoreContext, p: SlotWriteParams, changes: Change[]): Promise<void> {
  for (const c of changes) {
    if (c.delete || c.newLength < SLOT_PREFIX_LENGTH) continue;
    const fd = await openIfExists(ctx.layout.sharePath(p.siName, c.shareNum));
    if (fd === undefined) continue;
    const prefix = new Uint8Array(SLOT_PREFIX_LENGTH);
    try {
      await readFully(fd, prefix, MUTABLE_HEADER_SIZE);
    } finally {
      await fd.close();
    }
    const parsed = parseSlotPrefix(prefix);
    if (parsed !== undefined)
      ctx.emitSlotChange({
        storageIndex: Uint8Array.from(p.storageIndex),
        shareNum: c.shareNum,
        ...parsed,
      });
  }
}
