/**
 * Persistence of the lease index: a snapshot plus an append-only journal (README "On-disk
 * format", docs/RELIABILITY.md). Each journal line is one operation's records, prefixed by
 * a CRC-32, written and fdatasync'd before the operation returns; concurrent commits share
 * one write and one fdatasync (group commit). A torn last line fails its CRC and is cut off
 * at load. When the journal grows past twice the share count it is folded into a new
 * snapshot of the next generation: write `snapshot.tmp`, fsync, rename over `snapshot`,
 * fsync the directory, start `journal-<g+1>`, delete `journal-<g>`.
 */
import { open, readdir, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CorruptIndexError } from './errors.ts';
import { JOURNAL_COMPACT_MIN_LINES, JOURNAL_COMPACT_RATIO } from './constants.ts';
import { ensureDir, fsyncDir, isNotFound, unlinkIfExists } from './fs-util.ts';
import { parseIndexRecord, parseIndexRecords, toHex, type IndexRecord } from './index-records.ts';
import type { LeaseIndex } from './lease-index.ts';
import type { Log } from './logger.ts';

const SNAPSHOT_FORMAT = 'tessera-lease-snapshot';

export interface LeaseJournal {
  /** Loads snapshot and journal into the index (which it clears first). */
  load(): Promise<void>;
  /** Makes `records` durable, then applies them to the index. */
  commit(records: readonly IndexRecord[]): Promise<void>;
  /** Folds the journal into a new snapshot now. */
  compact(): Promise<void>;
  /** Waits for pending commits and closes the journal file. */
  close(): Promise<void>;
  /** Lines in the current journal (for tests and compaction). */
  readonly lineCount: number;
  readonly generation: number;
}

interface Pending {
  records: readonly IndexRecord[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export function createLeaseJournal(dir: string, index: LeaseIndex, log: Log): LeaseJournal {
  let generation = 0;
  let fd: FileHandle | undefined;
  let size = 0;
  let lines = 0;
  let queue: Pending[] = [];
  let flushScheduled = false;
  let chain: Promise<void> = Promise.resolve();

  const journalPath = (g: number) => join(dir, `journal-${g}`);
  const snapshotPath = join(dir, 'snapshot');

  function encodeLine(records: readonly IndexRecord[]): string {
    const json = JSON.stringify(records);
    return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
  }

  async function loadSnapshot(): Promise<void> {
    let text: string;
    try {
      text = await readFile(snapshotPath, 'utf8');
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const rows = text.split('\n');
    const fail = (why: string): never => {
      throw new CorruptIndexError(`Cannot load lease snapshot "${snapshotPath}": ${why}`);
    };
    let header: unknown;
    let trailer: unknown;
    try {
      header = JSON.parse(rows[0]);
      trailer = JSON.parse(rows[rows.length - 2] ?? '');
    } catch {
      fail('header or trailer is not JSON');
    }
    const h = header as { format?: unknown; generation?: unknown; shares?: unknown };
    const t = trailer as { end?: unknown; shares?: unknown };
    if (h.format !== SNAPSHOT_FORMAT || !Number.isSafeInteger(h.generation)) fail('bad header');
    if (t.end !== true || t.shares !== h.shares || rows[rows.length - 1] !== '') {
      fail('missing trailer');
    }
    const body = rows.slice(1, -2);
    if (body.length !== h.shares) fail('share count does not match');
    for (const row of body) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(row);
      } catch {
        fail('a share line is not JSON');
      }
      const records = snapshotRowToRecords(parsed);
      if (records === undefined) fail('a share line is malformed');
      else index.apply(records);
    }
    generation = h.generation as number;
  }

  async function replayJournal(): Promise<void> {
    const path = journalPath(generation);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    let pos = 0;
    let validEnd = 0;
    let bad = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break; // a torn last line
      const line = buf.subarray(pos, nl).toString('utf8');
      pos = nl + 1;
      const records = decodeLine(line);
      if (records === undefined) {
        bad += 1;
        continue;
      }
      index.apply(records);
      lines += 1;
      validEnd = pos;
    }
    if (bad > 0) log.warn(`Skipped ${bad} damaged lease journal lines in "${path}"`);
    if (validEnd < buf.length) {
      log.warn(`Cut a torn tail of ${buf.length - validEnd} bytes from "${path}"`);
      const h = await open(path, 'r+');
      try {
        await h.truncate(validEnd);
        await h.sync();
      } finally {
        await h.close();
      }
    }
  }

  function decodeLine(line: string): IndexRecord[] | undefined {
    const space = line.indexOf(' ');
    if (space !== 8) return undefined;
    const json = line.slice(9);
    if (crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) return undefined;
    try {
      return parseIndexRecords(JSON.parse(json));
    } catch {
      return undefined;
    }
  }

  async function openJournal(): Promise<void> {
    const path = journalPath(generation);
    fd = await open(path, 'a');
    size = (await fd.stat()).size;
    await fd.sync();
    await fsyncDir(dir);
  }

  async function removeStale(): Promise<void> {
    for (const name of await readdir(dir)) {
      const stale =
        name === 'snapshot.tmp' ||
        (name.startsWith('journal-') && name !== `journal-${generation}`);
      if (stale) await unlinkIfExists(join(dir, name));
    }
  }

  async function writeSnapshot(g: number): Promise<void> {
    const tmp = `${snapshotPath}.tmp`;
    const out = await open(tmp, 'w');
    try {
      const shareRows: string[] = [];
      for (const [si, shares] of index.entries()) {
        for (const [sh, e] of shares) {
          const leases = e.leases.map((l) => [
            toHex(l.renewHash),
            toHex(l.cancelHash),
            l.expirySeconds,
            l.ownerId,
          ]);
          shareRows.push(
            JSON.stringify([si, sh, e.kind === 'immutable' ? 'i' : 'm', e.size, e.owner, leases]),
          );
        }
      }
      const header = JSON.stringify({
        format: SNAPSHOT_FORMAT,
        version: 1,
        generation: g,
        shares: shareRows.length,
      });
      const trailer = JSON.stringify({ end: true, shares: shareRows.length });
      // Written in chunks so a large index does not build one giant string.
      await out.write(`${header}\n`);
      for (let i = 0; i < shareRows.length; i += 4096) {
        await out.write(shareRows.slice(i, i + 4096).join('\n') + '\n');
      }
      await out.write(`${trailer}\n`);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, snapshotPath);
    await fsyncDir(dir);
  }

  async function compactNow(): Promise<void> {
    const next = generation + 1;
    await writeSnapshot(next);
    // From here the snapshot of generation `next` is the state; the old journal is stale.
    await fd?.close();
    const old = journalPath(generation);
    generation = next;
    lines = 0;
    await openJournal();
    await unlinkIfExists(old);
  }

  function needsCompaction(): boolean {
    return (
      lines > JOURNAL_COMPACT_MIN_LINES && lines > JOURNAL_COMPACT_RATIO * index.totals().shareCount
    );
  }

  /** Runs `fn` after every earlier journal task: writes, compactions and close never overlap. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = chain.then(fn);
    chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async function flushOnce(): Promise<void> {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const text = batch.map((p) => encodeLine(p.records)).join('');
    try {
      if (fd === undefined) throw new Error('Cannot write the lease journal: it is closed');
      await fd.write(text);
      await fd.datasync();
      size += Buffer.byteLength(text);
      lines += batch.length;
    } catch (e) {
      // Cut whatever part of the batch reached the file, so later lines do not follow a
      // torn one; the callers see the error and report their operation as failed.
      await fd?.truncate(size).catch(() => undefined);
      for (const p of batch) p.reject(e);
      return;
    }
    for (const p of batch) index.apply(p.records);
    for (const p of batch) p.resolve();
    if (needsCompaction()) {
      await compactNow().catch((e: unknown) => {
        log.error(`Cannot compact the lease journal: ${String(e)}`);
      });
    }
  }

  return {
    async load() {
      index.clear();
      lines = 0;
      generation = 0;
      await ensureDir(dir);
      await loadSnapshot();
      await replayJournal();
      await removeStale();
      await openJournal();
      if (needsCompaction()) await compactNow();
    },
    commit(records) {
      if (records.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ records, resolve, reject });
        if (!flushScheduled) {
          flushScheduled = true;
          serial(flushOnce).catch((e: unknown) => {
            log.error(`Cannot flush the lease journal: ${String(e)}`);
          });
        }
      });
    },
    compact() {
      return serial(compactNow);
    },
    close() {
      return serial(async () => {
        if (needsCompaction()) await compactNow();
        await fd?.close();
        fd = undefined;
      });
    },
    get lineCount() {
      return lines;
    },
    get generation() {
      return generation;
    },
  };
}

function snapshotRowToRecords(row: unknown): IndexRecord[] | undefined {
  if (!Array.isArray(row) || row.length !== 6 || !Array.isArray(row[5])) return undefined;
  const [si, sh, k, n, o, leases] = row as [unknown, unknown, unknown, unknown, unknown, unknown[]];
  const share = parseIndexRecord({ t: 'S', si, sh, k, n, o });
  if (share === undefined) return undefined;
  const out: IndexRecord[] = [share];
  for (const l of leases) {
    if (!Array.isArray(l) || l.length !== 4) return undefined;
    const [r, c, e, owner] = l as unknown[];
    const lease = parseIndexRecord({ t: 'L', si, sh, r, c, e, o: owner });
    if (lease === undefined) return undefined;
    out.push(lease);
  }
  return out;
}
