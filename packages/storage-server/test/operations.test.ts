import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createShareStore } from '../src/index.ts';
import { bytes, codeOf, harness, pattern, putShare, secrets, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

function slotWrite(storageIndex: Uint8Array, data: Uint8Array, clientId?: string) {
  return h.store.slotTestAndWrite({
    storageIndex,
    writeEnabler: new Uint8Array(32).fill(1),
    renewSecret: new Uint8Array(32).fill(2),
    cancelSecret: new Uint8Array(32).fill(3),
    testWriteVectors: new Map([[0, { test: [], write: [{ offset: 0, data }] }]]),
    readVector: [],
    clientId,
  });
}

describe('reserved space', () => {
  it('leaves out shares that would cross the reserve, counting open uploads', async () => {
    await h.restart({ reservedSpace: 1000 });
    h.fakes.freeBytes = 1500;
    expect(await h.store.availableSpace()).toBe(500);
    const s = secrets();
    const res = await h.store.allocateBuckets({ ...s, shareNums: [0, 1, 2], allocatedSize: 200 });
    expect(res.allocated).toEqual([0, 1]); // 400 promised, 100 left
    expect(await h.store.availableSpace()).toBe(100);
    await h.store.writeBucket({ ...s, shareNum: 0 }, { offset: 0, data: pattern(200) });
    h.fakes.freeBytes = 1300; // the written bytes are now on disk, not promised
    expect(await h.store.availableSpace()).toBe(100);
    expect(await codeOf(slotWrite(bytes(16), pattern(101)))).toBe('STORAGE_NO_SPACE');
    await slotWrite(bytes(16), pattern(100));
  });
});

describe('read-only mode', () => {
  it('refuses every write and still serves reads', async () => {
    const s = secrets();
    await putShare(h.store, s, 0, pattern(10));
    await h.restart({ readOnly: true });
    expect(await codeOf(h.store.allocateBuckets({ ...s, shareNums: [1], allocatedSize: 10 }))).toBe(
      'STORAGE_READ_ONLY',
    );
    expect(await codeOf(h.store.addLease(s.storageIndex, s))).toBe('STORAGE_READ_ONLY');
    expect(await codeOf(h.store.renewLease(s.storageIndex, s.renewSecret))).toBe(
      'STORAGE_READ_ONLY',
    );
    expect(await codeOf(h.store.cancelLease(s.storageIndex, s.cancelSecret))).toBe(
      'STORAGE_READ_ONLY',
    );
    expect(await codeOf(slotWrite(bytes(16), pattern(1)))).toBe('STORAGE_READ_ONLY');
    expect(await codeOf(h.store.adviseCorruptShare({ ...s, shareNum: 0 }, 'bad'))).toBe(
      'STORAGE_READ_ONLY',
    );
    expect(await h.store.availableSpace()).toBe(0);
    expect(await h.store.readShare({ ...s, shareNum: 0 }, [{ offset: 0, length: 10 }])).toEqual([
      pattern(10),
    ]);
  });
});

describe('quotas', () => {
  it('charges clients for uploads and slots, across restarts', async () => {
    await h.restart({ quotas: { defaultBytes: 1000, clients: { big: 10_000 } } });
    const s = secrets();
    await h.store.allocateBuckets({
      ...s,
      shareNums: [0, 1],
      allocatedSize: 300,
      clientId: 'alice',
    });
    expect(h.store.clientUsage('alice')).toEqual({ clientId: 'alice', used: 600, limit: 1000 });
    try {
      await h.store.allocateBuckets({
        ...secrets(),
        shareNums: [0, 1],
        allocatedSize: 300,
        clientId: 'alice',
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({
        code: 'STORAGE_QUOTA_EXCEEDED',
        clientId: 'alice',
        used: 600,
        limit: 1000,
        requested: 600,
      });
    }
    await h.store.writeBucket({ ...s, shareNum: 0 }, { offset: 0, data: pattern(300) });
    await h.store.closeBucket({ ...s, shareNum: 0 });
    await slotWrite(bytes(16), pattern(100), 'alice');
    await h.restart({ quotas: { defaultBytes: 1000, clients: { big: 10_000 } } });
    expect(h.store.clientUsage('alice').used).toBe(700); // 300 closed + 300 reloaded upload + 100 slot
    expect(await codeOf(slotWrite(bytes(16), pattern(301), 'alice'))).toBe(
      'STORAGE_QUOTA_EXCEEDED',
    );
    expect(
      (
        await h.store.allocateBuckets({
          ...secrets(),
          shareNums: [0],
          allocatedSize: 5000,
          clientId: 'big',
        })
      ).allocated,
    ).toEqual([0]);
    expect(h.store.clientUsage('nobody')).toEqual({ clientId: 'nobody', used: 0, limit: 1000 });
  });
});

describe('corruption advisories', () => {
  it('records a report only for a share the server holds', async () => {
    const s = secrets();
    expect(await h.store.adviseCorruptShare({ ...s, shareNum: 0 }, 'bad block 3')).toBe(false);
    await putShare(h.store, s, 0, pattern(10));
    expect(await h.store.adviseCorruptShare({ ...s, shareNum: 0 }, 'bad block 3')).toBe(true);
    expect(await h.store.adviseCorruptShare({ ...s, shareNum: 0 }, 'bad block 4')).toBe(true);
    const names = await readdir(join(h.dir, 'corruption-advisories'));
    expect(names.length).toBe(2);
    const text = await readFile(join(h.dir, 'corruption-advisories', names[0]), 'utf8');
    expect(text).toContain('type: immutable');
    expect(text).toMatch(/bad block [34]/);
    expect(
      await codeOf(h.store.adviseCorruptShare({ ...s, shareNum: 0 }, 'x'.repeat(40_000))),
    ).toBe('STORAGE_INVALID_ARGUMENT');
    expect(await codeOf(h.store.adviseCorruptShare({ ...s, shareNum: 0 }, ''))).toBe(
      'STORAGE_INVALID_ARGUMENT',
    );
  });
});

describe('lifecycle and stats', () => {
  it('refuses calls before start and after stop; start and stop are idempotent', async () => {
    const store = createShareStore({ dir: join(h.dir, 'other'), sweepIntervalSeconds: 0 });
    expect(await codeOf(store.listShares(bytes(16)))).toBe('STORAGE_NOT_STARTED');
    await Promise.all([store.start(), store.start()]);
    expect(await store.listShares(bytes(16))).toEqual([]);
    await Promise.all([store.stop(), store.stop()]);
    expect(await codeOf(store.listShares(bytes(16)))).toBe('STORAGE_NOT_STARTED');
    await store.start();
    await store.stop();
  });

  it('waits for running operations on stop', async () => {
    const s = secrets();
    const data = pattern(1000);
    await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 1000 });
    const bucket = { ...s, shareNum: 0 };
    const writing = h.store.writeBucket(bucket, { offset: 0, data });
    await h.store.stop();
    expect((await writing).missing).toEqual([]);
    h.store = h.open();
    await h.store.start();
    // The write finished before stop() returned, and stop() persisted its range.
    expect((await h.store.writtenRanges(bucket)).missing).toEqual([]);
    await h.store.closeBucket(bucket);
    expect(await h.store.readShare(bucket, [{ offset: 0, length: 1000 }])).toEqual([data]);
  });

  it('honours an aborted signal before changing anything', async () => {
    const s = secrets();
    const signal = AbortSignal.abort();
    expect(
      await codeOf(h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 1 }, { signal })),
    ).toBe('STORAGE_ABORTED');
    expect(h.store.stats().incomingCount).toBe(0);
  });

  it('counts shares, bytes, leases and uploads', async () => {
    const s = secrets();
    await putShare(h.store, s, 0, pattern(10));
    await slotWrite(bytes(16), pattern(20));
    await h.store.allocateBuckets({ ...secrets(), shareNums: [0, 1], allocatedSize: 7 });
    expect(h.store.stats()).toEqual({
      shareCount: 2,
      immutableShareCount: 1,
      mutableShareCount: 1,
      bytesUsed: 30,
      leaseCount: 2,
      incomingCount: 2,
      incomingBytes: 14,
    });
  });

  it('runs the sweep on its own timer', async () => {
    await h.restart({ sweepIntervalSeconds: 0.05, incomingGraceSeconds: 10 });
    await h.store.allocateBuckets({ ...secrets(), shareNums: [0], allocatedSize: 7 });
    h.fakes.nowMs += 11_000;
    for (let i = 0; i < 100 && h.store.stats().incomingCount > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(h.store.stats().incomingCount).toBe(0);
  });
});
