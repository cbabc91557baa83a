import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocUninitialized } from '@tessera/codec';
import { BlockPool, MAX_SPARE_BYTES, ownsBuffer } from '../src/block-pool.ts';
import { bytesSource, fileSource, planChkUpload, type ShareWrite } from '../src/index.ts';
import { codeSegment } from '../src/segment-coder.ts';
import {
  WORKER_IDLE_EXIT_MS,
  closeSegmentWorkers,
  createSegmentCoder,
  onSegmentWorkersRetired,
  runningSegmentWorkers,
} from '../src/segment-workers.ts';
import { encodeToMemory, pseudoRandom as data } from './helpers.ts';

describe('BlockPool', () => {
  it('hands out the buffers it was given, by length, and new ones when it has none', () => {
    const pool = new BlockPool();
    const a = allocUninitialized(100);
    const b = allocUninitialized(100);
    pool.give(a);
    pool.give(b);
    pool.give(a); // twice: kept once
    expect(pool.bytes).toBe(200);
    expect(pool.takeSpares(50, 5)).toEqual([]);
    const taken = pool.takeSpares(100, 5);
    expect(taken).toHaveLength(2);
    expect(new Set(taken)).toEqual(new Set([a, b]));
    expect(pool.bytes).toBe(0);
    const fresh = pool.take(100);
    expect(fresh).not.toBe(a);
    expect(fresh).not.toBe(b);
    expect(ownsBuffer(fresh)).toBe(true);
  });

  it('keeps only buffers it can reuse whole, up to its limit', () => {
    const pool = new BlockPool(250);
    pool.give(allocUninitialized(200).subarray(0, 100)); // a view of a larger buffer
    pool.give(new Uint8Array(new SharedArrayBuffer(100)));
    pool.give(new Uint8Array(0));
    expect(pool.bytes).toBe(0);
    pool.give(allocUninitialized(200));
    pool.give(allocUninitialized(100)); // over the limit: left to the GC
    expect(pool.bytes).toBe(200);
    expect(new BlockPool().maxBytes).toBe(MAX_SPARE_BYTES);
  });
});

describe('codeSegment with spares', () => {
  it('codes into the spares of the right length, with the same bytes as into new buffers', () => {
    const segment = data(3 * 1000, 5);
    const fresh = codeSegment({ k: 3, n: 10, segment });
    const spares = Array.from({ length: 12 }, (_, i) =>
      allocUninitialized(i < 8 ? 1000 : 999).fill(0xab),
    );
    const reused = codeSegment({ k: 3, n: 10, segment, spares });
    expect(reused.blocks.map((b) => Buffer.from(b).toString('hex'))).toEqual(
      fresh.blocks.map((b) => Buffer.from(b).toString('hex')),
    );
    expect(reused.hashes).toEqual(fresh.hashes);
    expect(reused.segment).toBe(segment);
    // the eight of the right length were used, then two new ones
    expect(reused.blocks.filter((b) => spares.includes(b))).toHaveLength(8);
  });
});

/** Encodes with a consumer that copies each write and gives its block back at once. */
async function encodeReleasing(
  bytes: Uint8Array,
  workers: number,
): Promise<{ shares: Map<number, Uint8Array[]>; released: ShareWrite[]; sameObject: number }> {
  const plan = await planChkUpload(bytesSource(bytes), {
    key: new Uint8Array(16).fill(9),
    maxSegmentSize: 3000,
    workers,
  });
  const shares = new Map<number, Uint8Array[]>();
  const released: ShareWrite[] = [];
  const seen = new Set<Uint8Array>();
  let sameObject = 0;
  for await (const batch of plan.encode()) {
    for (const w of batch) {
      const list = shares.get(w.shareNum) ?? [];
      list.push(Uint8Array.from(w.data));
      shares.set(w.shareNum, list);
      if (seen.has(w.data)) sameObject++;
      seen.add(w.data);
      if (w.release !== undefined) {
        w.release();
        w.release(); // a second call must not give the block back twice
        released.push(w);
      }
    }
  }
  expect(plan.result().readCap).toBe(
    (await encodeToMemory(bytes, { key: new Uint8Array(16).fill(9), maxSegmentSize: 3000 }))
      .readCap,
  );
  return { shares, released, sameObject };
}

describe('the encoder reusing given-back blocks', () => {
  const bytes = data(40 * 3000 + 17, 3);

  it('writes the same shares as when nothing is given back (inline and on workers)', async () => {
    const reference = await encodeToMemory(bytes, {
      key: new Uint8Array(16).fill(9),
      maxSegmentSize: 3000,
      workers: 0,
    });
    for (const workers of [0, 1]) {
      const { shares } = await encodeReleasing(bytes, workers);
      for (const [n, writes] of shares) {
        const joined = Buffer.concat(writes);
        expect(
          joined.equals(Buffer.from(reference.shares.get(n)!.subarray(0, joined.length))),
        ).toBe(true);
      }
    }
  });

  it('codes later segments into the blocks given back', async () => {
    const inline = await encodeReleasing(bytes, 0);
    expect(inline.sameObject).toBeGreaterThan(300); // 40 segments × 10 blocks, nearly all reused
    // On a worker, a block given back moves there with a later segment: it is detached here.
    const workers = await encodeReleasing(bytes, 1);
    const moved = workers.released.filter((w) => w.data.byteLength === 0).length;
    expect(moved).toBeGreaterThan(300);
  });
});

describe('fileSource opened transient', () => {
  const dir = mkdtemp(join(tmpdir(), 'tessera-source-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('reads every chunk into one buffer, the whole file in order', async () => {
    const path = join(await dir, 'f');
    const bytes = data(10_000, 7);
    await writeFile(path, bytes);
    const source = await fileSource(path);
    const chunks: Uint8Array[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const c of source.open({ chunkSize: 3000, transient: true })) {
      chunks.push(Uint8Array.from(c));
      buffers.add(c.buffer);
    }
    expect(chunks.map((c) => c.length)).toEqual([3000, 3000, 3000, 1000]);
    expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
    expect(buffers.size).toBe(1);
    const plain: Uint8Array[] = [];
    for await (const c of source.open()) plain.push(c);
    expect(Buffer.concat(plain).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('segment workers between transfers', () => {
  it('exit once idle, and the next segment starts new ones', { timeout: 15_000 }, async () => {
    const coder = createSegmentCoder(1);
    const segment = data(3 * 1000, 11);
    const expected = codeSegment({ k: 3, n: 10, segment: Uint8Array.from(segment) });
    const first = await coder.code({ k: 3, n: 10, segment: Uint8Array.from(segment) });
    expect(first.hashes).toEqual(expected.hashes);
    expect(runningSegmentWorkers()).toBe(1);
    let retired = 0;
    const stop = onSegmentWorkersRetired(() => retired++);
    await new Promise((r) => setTimeout(r, WORKER_IDLE_EXIT_MS + 500));
    stop();
    expect(runningSegmentWorkers()).toBe(0);
    expect(retired).toBe(1);
    // The same coder object still works: an upload may hold it across a quiet spell.
    const again = await coder.code({ k: 3, n: 10, segment: Uint8Array.from(segment) });
    expect(again.hashes).toEqual(expected.hashes);
    expect(runningSegmentWorkers()).toBe(1);
    await closeSegmentWorkers();
  });
});
