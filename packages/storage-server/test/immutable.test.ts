import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_OPEN_BUCKET_FILES } from '../src/constants.ts';
import { storageIndexName } from '../src/layout.ts';
import { codeOf, harness, pattern, putShare, secrets, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

function ref(s: ReturnType<typeof secrets>, shareNum: number, uploadSecret = s.uploadSecret) {
  return { storageIndex: s.storageIndex, shareNum, uploadSecret };
}

describe('immutable buckets', () => {
  it('allocates, writes, closes and reads back a share', async () => {
    const s = secrets();
    const data = pattern(1000);
    const res = await h.store.allocateBuckets({ ...s, shareNums: [0, 3, 3], allocatedSize: 1000 });
    expect(res).toEqual({ alreadyHave: [], allocated: [0, 3], resumed: [] });
    await h.store.writeBucket(ref(s, 0), { offset: 500, data: data.subarray(500) });
    const p = await h.store.writeBucket(ref(s, 0), { offset: 0, data: data.subarray(0, 200) });
    expect(p.missing).toEqual([{ offset: 200, length: 300 }]);
    expect(await h.store.listShares(s.storageIndex)).toEqual([]); // not visible before close
    await h.store.writeBucket(ref(s, 0), { offset: 200, data: data.subarray(200, 500) });
    await h.store.closeBucket(ref(s, 0));
    expect(await h.store.listShares(s.storageIndex)).toEqual([0]);
    const [all, mid, past, empty] = await h.store.readShare(
      { storageIndex: s.storageIndex, shareNum: 0 },
      [
        { offset: 0, length: 1000 },
        { offset: 10, length: 5 },
        { offset: 990, length: 100 },
        { offset: 5000, length: 10 },
      ],
    );
    expect(all).toEqual(data);
    expect(mid).toEqual(data.subarray(10, 15));
    expect(past).toEqual(data.subarray(990)); // truncated at the end
    expect(empty.length).toBe(0);
  });

  it('uses the Tahoe v2 container and layout on disk', async () => {
    const s = secrets();
    await putShare(h.store, s, 7, pattern(40));
    const name = storageIndexName(s.storageIndex);
    const file = await readFile(join(h.dir, 'shares', name.slice(0, 2), name, '7'));
    expect([...file.subarray(0, 12)]).toEqual([0, 0, 0, 2, 0, 0, 0, 40, 0, 0, 0, 0]);
    expect(new Uint8Array(file.subarray(12))).toEqual(pattern(40));
  });

  it('reports every held share as alreadyHave and skips them', async () => {
    const s = secrets();
    await putShare(h.store, s, 1, pattern(10));
    await putShare(h.store, s, 2, pattern(10));
    const other = { ...secrets(), storageIndex: s.storageIndex };
    const res = await h.store.allocateBuckets({ ...other, shareNums: [2, 4], allocatedSize: 10 });
    expect(res).toEqual({ alreadyHave: [1, 2], allocated: [4], resumed: [] });
    // The lease of the second uploader went onto the existing shares.
    expect(h.store.stats().leaseCount).toBe(4);
  });

  it('skips an upload in progress under another secret, resumes under the same one', async () => {
    const s = secrets();
    await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 100 });
    await h.store.writeBucket(ref(s, 0), { offset: 0, data: pattern(50) });
    const other = { ...secrets(), storageIndex: s.storageIndex };
    expect(await h.store.allocateBuckets({ ...other, shareNums: [0], allocatedSize: 100 })).toEqual(
      { alreadyHave: [], allocated: [], resumed: [] },
    );
    expect(await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 100 })).toEqual({
      alreadyHave: [],
      allocated: [0],
      resumed: [0],
    });
    const progress = await h.store.writtenRanges(ref(s, 0));
    expect(progress).toEqual({
      allocatedSize: 100,
      written: [{ offset: 0, length: 50 }],
      missing: [{ offset: 50, length: 50 }],
    });
    expect(
      await codeOf(
        h.store.writeBucket(ref(s, 0, other.uploadSecret), { offset: 50, data: pattern(50) }),
      ),
    ).toBe('STORAGE_BAD_UPLOAD_SECRET');
  });

  it('refuses writes past the end, conflicting rewrites and incomplete closes', async () => {
    const s = secrets();
    await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 100 });
    expect(await codeOf(h.store.writeBucket(ref(s, 0), { offset: 90, data: pattern(11) }))).toBe(
      'STORAGE_WRITE_PAST_END',
    );
    await h.store.writeBucket(ref(s, 0), { offset: 10, data: pattern(20) });
    // An identical rewrite is fine, a different one is not.
    await h.store.writeBucket(ref(s, 0), { offset: 10, data: pattern(20) });
    const bad = pattern(20);
    bad[5] ^= 1;
    expect(await codeOf(h.store.writeBucket(ref(s, 0), { offset: 10, data: bad }))).toBe(
      'STORAGE_CONFLICTING_WRITE',
    );
    expect(await codeOf(h.store.writeBucket(ref(s, 0), { offset: -1, data: pattern(1) }))).toBe(
      'STORAGE_INVALID_RANGE',
    );
    expect(
      await codeOf(h.store.writeBucket(ref(s, 0), { offset: 2 ** 53, data: pattern(1) })),
    ).toBe('STORAGE_INVALID_RANGE');
    expect(await codeOf(h.store.writeBucket(ref(s, 0), { offset: 1.5, data: pattern(1) }))).toBe(
      'STORAGE_INVALID_RANGE',
    );
    try {
      await h.store.closeBucket(ref(s, 0));
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('STORAGE_INCOMPLETE_SHARE');
      expect((e as { missing: unknown }).missing).toEqual([
        { offset: 0, length: 10 },
        { offset: 30, length: 70 },
      ]);
    }
    expect(await h.store.listShares(s.storageIndex)).toEqual([]);
  });

  it('closes a zero-length share at once', async () => {
    const s = secrets();
    await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 0 });
    await h.store.closeBucket(ref(s, 0));
    expect(
      await h.store.readShare({ storageIndex: s.storageIndex, shareNum: 0 }, [
        { offset: 0, length: 10 },
      ]),
    ).toEqual([new Uint8Array(0)]);
  });

  it('aborts an upload and lets it be allocated again', async () => {
    const s = secrets();
    await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 10 });
    await h.store.abortBucket(ref(s, 0));
    expect(await codeOf(h.store.writeBucket(ref(s, 0), { offset: 0, data: pattern(1) }))).toBe(
      'STORAGE_NO_SUCH_UPLOAD',
    );
    expect(await codeOf(h.store.closeBucket(ref(s, 0)))).toBe('STORAGE_NO_SUCH_UPLOAD');
    const other = { ...secrets(), storageIndex: s.storageIndex };
    expect(
      (await h.store.allocateBuckets({ ...other, shareNums: [0], allocatedSize: 10 })).allocated,
    ).toEqual([0]);
    const name = storageIndexName(s.storageIndex);
    expect(await readdir(join(h.dir, 'shares', 'incoming', name.slice(0, 2), name))).toEqual([
      '0',
      '0.state',
    ]);
  });

  it('reloads unclosed uploads after a restart and lets them resume', async () => {
    const s = secrets();
    const data = pattern(300, 9);
    await h.store.allocateBuckets({ ...s, shareNums: [0, 1], allocatedSize: 300 });
    await h.store.writeBucket(ref(s, 0), { offset: 0, data: data.subarray(0, 100) });
    await h.restart(); // stop() persists the written ranges
    expect(h.store.stats().incomingCount).toBe(2);
    expect((await h.store.writtenRanges(ref(s, 0))).written).toEqual([{ offset: 0, length: 100 }]);
    expect(
      (await h.store.allocateBuckets({ ...s, shareNums: [0, 1], allocatedSize: 300 })).allocated,
    ).toEqual([0, 1]);
    await h.store.writeBucket(ref(s, 0), { offset: 100, data: data.subarray(100) });
    await h.store.closeBucket(ref(s, 0));
    const [got] = await h.store.readShare({ storageIndex: s.storageIndex, shareNum: 0 }, [
      { offset: 0, length: 300 },
    ]);
    expect(got).toEqual(data);
  });

  it('sweeps uploads idle past the grace period, and only those', async () => {
    const s = secrets();
    await h.store.allocateBuckets({ ...s, shareNums: [0, 1], allocatedSize: 10 });
    h.fakes.nowMs += 500_000;
    await h.store.writeBucket(ref(s, 1), { offset: 0, data: pattern(1) });
    h.fakes.nowMs += 200_000; // share 0 idle 700 s, share 1 idle 200 s
    expect(await h.store.sweepIncoming()).toBe(1);
    expect(await codeOf(h.store.writtenRanges(ref(s, 0)))).toBe('STORAGE_NO_SUCH_UPLOAD');
    expect((await h.store.writtenRanges(ref(s, 1))).written).toEqual([{ offset: 0, length: 1 }]);
    expect(await h.store.sweepIncoming({ nowSeconds: h.fakes.nowMs / 1000 + 601 })).toBe(1);
    expect(h.store.stats().incomingCount).toBe(0);
  });

  it('refuses reading a missing share and mixing share types', async () => {
    const s = secrets();
    expect(await codeOf(h.store.readShare({ storageIndex: s.storageIndex, shareNum: 0 }, []))).toBe(
      'STORAGE_NO_SUCH_SHARE',
    );
    await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 10 });
    const slot = {
      storageIndex: s.storageIndex,
      writeEnabler: s.renewSecret,
      renewSecret: s.renewSecret,
      cancelSecret: s.cancelSecret,
      testWriteVectors: new Map([[1, { test: [], write: [{ offset: 0, data: pattern(5) }] }]]),
      readVector: [],
    };
    expect(await codeOf(h.store.slotTestAndWrite(slot))).toBe('STORAGE_WRONG_SHARE_TYPE');
    await h.store.abortBucket(ref(s, 0));
    await h.store.slotTestAndWrite(slot);
    expect(await codeOf(h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 10 }))).toBe(
      'STORAGE_WRONG_SHARE_TYPE',
    );
    expect(await codeOf(h.store.readShare({ storageIndex: s.storageIndex, shareNum: 1 }, []))).toBe(
      'STORAGE_WRONG_SHARE_TYPE',
    );
    expect(await h.store.listShares(s.storageIndex)).toEqual([]);
  });

  it('refuses shares over the maximum size', async () => {
    await h.restart({ maxShareSize: 1000 });
    const s = secrets();
    expect(
      await codeOf(h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 1001 })),
    ).toBe('STORAGE_SHARE_TOO_LARGE');
    expect(
      (await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 1000 })).allocated,
    ).toEqual([0]);
  });

  it('serializes concurrent writes to one bucket without losing any', async () => {
    const s = secrets();
    const data = pattern(64 * 100, 3);
    await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: data.length });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        h.store.writeBucket(ref(s, 0), {
          offset: i * 64,
          data: data.subarray(i * 64, i * 64 + 64),
        }),
      ),
    );
    await h.store.closeBucket(ref(s, 0));
    const [got] = await h.store.readShare({ storageIndex: s.storageIndex, shareNum: 0 }, [
      { offset: 0, length: data.length },
    ]);
    expect(got).toEqual(data);
  });
});

/** File descriptors of this process open on files under `dir` (Linux /proc). */
async function openFilesUnder(dir: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dir)) n += 1;
  }
  return n;
}

describe.runIf(process.platform === 'linux')('open containers', () => {
  it('keeps at most MAX_OPEN_BUCKET_FILES open between writes and releases them', async () => {
    const incoming = join(h.dir, 'shares', 'incoming');
    const [a, b] = [secrets(), secrets()];
    const nums = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => from + i);
    const buckets = [
      ...nums(0, 200).map((n) => ref(a, n)),
      ...nums(0, MAX_OPEN_BUCKET_FILES - 200 + 4).map((n) => ref(b, n)),
    ];
    await h.store.allocateBuckets({ ...a, shareNums: nums(0, 200), allocatedSize: 10 });
    await h.store.allocateBuckets({
      ...b,
      shareNums: nums(0, MAX_OPEN_BUCKET_FILES - 200 + 4),
      allocatedSize: 10,
    });
    expect(await openFilesUnder(incoming)).toBe(0);
    for (const r of buckets) await h.store.writeBucket(r, { offset: 0, data: pattern(5) });
    // The first MAX_OPEN_BUCKET_FILES stay open; the rest open and close per write.
    expect(await openFilesUnder(incoming)).toBe(MAX_OPEN_BUCKET_FILES);
    for (const r of buckets) await h.store.writeBucket(r, { offset: 5, data: pattern(5, 2) });
    await h.store.abortBucket(buckets[0]);
    expect(await openFilesUnder(incoming)).toBe(MAX_OPEN_BUCKET_FILES - 1);
    for (const r of buckets.slice(1, 100)) await h.store.closeBucket(r);
    expect(await openFilesUnder(incoming)).toBe(MAX_OPEN_BUCKET_FILES - 100);
    const [closed] = await h.store.readShare({ storageIndex: a.storageIndex, shareNum: 1 }, [
      { offset: 0, length: 10 },
    ]);
    expect(closed).toEqual(new Uint8Array([...pattern(5), ...pattern(5, 2)]));
    await h.store.stop();
    expect(await openFilesUnder(incoming)).toBe(0);
    // The unclosed uploads survive the stop and resume with their bytes.
    h.store = h.open();
    await h.store.start();
    const last = buckets.at(-1)!;
    expect((await h.store.writtenRanges(last)).missing).toEqual([]);
    await h.store.closeBucket(last);
    expect(await openFilesUnder(incoming)).toBe(0);
  });
});
