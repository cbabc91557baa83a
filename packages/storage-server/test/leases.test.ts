import { appendFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes, codeOf, harness, pattern, putShare, secrets, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness({ leaseDurationSeconds: 1000 });
});
afterEach(async () => {
  await h.cleanup();
});

const now = () => Math.floor(h.fakes.nowMs / 1000);

describe('leases', () => {
  it('adds a lease per secret on every share, renews a matching one', async () => {
    const s = secrets();
    await putShare(h.store, s, 0, pattern(10));
    await putShare(h.store, s, 1, pattern(10));
    expect(h.store.stats().leaseCount).toBe(2);
    expect(await h.store.addLease(s.storageIndex, s)).toBe(2); // same secrets: renewed
    expect(h.store.stats().leaseCount).toBe(2);
    await h.store.addLease(s.storageIndex, { renewSecret: bytes(32), cancelSecret: bytes(32) });
    expect(h.store.stats().leaseCount).toBe(4);
    expect(await h.store.addLease(bytes(16), s)).toBe(0); // no shares: not an error (Tahoe)
  });

  it('renews only with the right secret and pushes expiry out', async () => {
    const s = secrets();
    await putShare(h.store, s, 0, pattern(10));
    expect(await codeOf(h.store.renewLease(s.storageIndex, bytes(32)))).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    h.fakes.nowMs += 900_000;
    expect(await h.store.renewLease(s.storageIndex, s.renewSecret)).toBe(1);
    h.fakes.nowMs += 900_000; // 1800 s after upload, 900 s after renewal
    expect(h.store.expiredLeases()).toEqual([]);
    h.fakes.nowMs += 100_000;
    expect(h.store.expiredLeases()).toMatchObject([
      { storageIndex: s.storageIndex, shareNum: 0, expiredLeases: 1, liveLeases: 0 },
    ]);
  });

  it('cancels a lease and deletes a share when its last lease goes', async () => {
    const s = secrets();
    const other = { renewSecret: bytes(32), cancelSecret: bytes(32) };
    await putShare(h.store, s, 0, pattern(10));
    await h.store.addLease(s.storageIndex, other);
    expect(await codeOf(h.store.cancelLease(s.storageIndex, bytes(32)))).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    expect(await h.store.cancelLease(s.storageIndex, s.cancelSecret)).toEqual({
      cancelled: 1,
      deletedShares: 0,
    });
    expect(await h.store.listShares(s.storageIndex)).toEqual([0]);
    expect(await h.store.cancelLease(s.storageIndex, other.cancelSecret)).toEqual({
      cancelled: 1,
      deletedShares: 1,
    });
    expect(await h.store.listShares(s.storageIndex)).toEqual([]);
    expect(h.store.stats()).toMatchObject({ shareCount: 0, leaseCount: 0, bytesUsed: 0 });
  });

  it('collects shares whose leases all expired, and only those', async () => {
    const a = secrets();
    const b = secrets();
    await putShare(h.store, a, 0, pattern(100));
    await putShare(h.store, b, 0, pattern(50));
    h.fakes.nowMs += 600_000;
    await h.store.addLease(b.storageIndex, { renewSecret: bytes(32), cancelSecret: bytes(32) }); // b: a fresh second lease
    h.fakes.nowMs += 500_000; // a's only lease and b's first lease have expired
    const expired = h.store.expiredLeases();
    expect(expired.length).toBe(2);
    const report = await h.store.collectGarbage();
    expect(report).toEqual({ deletedShares: 1, freedBytes: 100, removedLeases: 2 });
    expect(await h.store.listShares(a.storageIndex)).toEqual([]);
    expect(await h.store.listShares(b.storageIndex)).toEqual([0]);
    expect(h.store.stats()).toMatchObject({ shareCount: 1, leaseCount: 1, bytesUsed: 50 });
    // Mutable slots are collected too.
    const si = bytes(16);
    await h.store.slotTestAndWrite({
      storageIndex: si,
      writeEnabler: bytes(32),
      renewSecret: bytes(32),
      cancelSecret: bytes(32),
      testWriteVectors: new Map([[0, { test: [], write: [{ offset: 0, data: pattern(5) }] }]]),
      readVector: [],
    });
    expect((await h.store.collectGarbage({ nowSeconds: now() + 2000 })).deletedShares).toBe(2);
    expect(h.store.stats().shareCount).toBe(0);
    expect(await h.store.slotRead({ storageIndex: si, shareNums: [], ranges: [] })).toEqual(
      new Map(),
    );
  });

  it('keeps leases across restarts, stores only hashes of the secrets', async () => {
    const s = secrets();
    await putShare(h.store, s, 0, pattern(10));
    await h.store.addLease(s.storageIndex, { renewSecret: bytes(32), cancelSecret: bytes(32) });
    await h.restart();
    expect(h.store.stats()).toMatchObject({ shareCount: 1, leaseCount: 2, bytesUsed: 10 });
    expect(await h.store.renewLease(s.storageIndex, s.renewSecret)).toBe(1);
    const journal = await readFile(join(h.dir, 'leases', 'journal-0'), 'utf8');
    expect(journal).not.toContain(Buffer.from(s.renewSecret).toString('hex'));
    expect(journal).not.toContain(Buffer.from(s.cancelSecret).toString('hex'));
  });

  it('keeps every concurrent commit (group commit) across a restart', async () => {
    const all = Array.from({ length: 40 }, () => secrets());
    await Promise.all(all.map((s, i) => putShare(h.store, s, i % 3, pattern(10 + i))));
    await Promise.all(
      all.map((s) =>
        h.store.addLease(s.storageIndex, { renewSecret: bytes(32), cancelSecret: bytes(32) }),
      ),
    );
    await h.restart();
    expect(h.store.stats()).toMatchObject({ shareCount: 40, leaseCount: 80 });
    for (const s of all) expect(await h.store.renewLease(s.storageIndex, s.renewSecret)).toBe(1);
  });

  it('cuts a torn journal tail and keeps every complete line', async () => {
    const s = secrets();
    await putShare(h.store, s, 0, pattern(10));
    await h.store.stop();
    const path = join(h.dir, 'leases', 'journal-0');
    const good = (await stat(path)).size;
    await appendFile(path, '0badc0de [{"t":"D","si":"'); // a crash mid-append
    h.store = h.open();
    await h.store.start();
    expect(h.store.stats()).toMatchObject({ shareCount: 1, leaseCount: 1 });
    expect((await stat(path)).size).toBe(good);
    await h.store.addLease(s.storageIndex, { renewSecret: bytes(32), cancelSecret: bytes(32) });
    await h.restart();
    expect(h.store.stats().leaseCount).toBe(2);
  });

  it('compacts the journal into a snapshot and reloads from it', async () => {
    const s = secrets();
    await putShare(h.store, s, 0, pattern(10));
    for (let i = 0; i < 5; i++)
      await h.store.addLease(s.storageIndex, { renewSecret: bytes(32), cancelSecret: bytes(32) });
    // Compaction is automatic past 10 000 lines; force one through a restart-equivalent path.
    const { createLeaseIndex } = await import('../src/lease-index.ts');
    const { createLeaseJournal } = await import('../src/lease-journal.ts');
    const { toLog } = await import('../src/logger.ts');
    await h.store.stop();
    const index = createLeaseIndex();
    const journal = createLeaseJournal(join(h.dir, 'leases'), index, toLog(undefined));
    await journal.load();
    await journal.compact();
    expect(journal.generation).toBe(1);
    await journal.close();
    expect((await readdir(join(h.dir, 'leases'))).sort()).toEqual(['journal-1', 'snapshot']);
    h.store = h.open();
    await h.store.start();
    expect(h.store.stats()).toMatchObject({ shareCount: 1, leaseCount: 6 });
    expect(await h.store.renewLease(s.storageIndex, s.renewSecret)).toBe(1);
  });

  it('refuses a damaged snapshot loudly', async () => {
    const s = secrets();
    await putShare(h.store, s, 0, pattern(10));
    await h.store.stop();
    const { createLeaseIndex } = await import('../src/lease-index.ts');
    const { createLeaseJournal } = await import('../src/lease-journal.ts');
    const { toLog } = await import('../src/logger.ts');
    const journal = createLeaseJournal(join(h.dir, 'leases'), createLeaseIndex(), toLog(undefined));
    await journal.load();
    await journal.compact();
    await journal.close();
    const snap = join(h.dir, 'leases', 'snapshot');
    const text = await readFile(snap, 'utf8');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(snap, text.split('\n').slice(0, 2).join('\n'));
    h.store = h.open();
    expect(await codeOf(h.store.start())).toBe('STORAGE_CORRUPT_INDEX');
    h.store = h.open(); // cleanup() stops this one
  });
});
