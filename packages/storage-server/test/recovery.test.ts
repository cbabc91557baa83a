/**
 * Crash states produced by hand (each one a point where a crash can stop the store), then a
 * restart: the store must finish or discard the interrupted step (docs/RELIABILITY.md).
 */
import { copyFile, mkdir, readdir, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storageIndexName } from '../src/layout.ts';
import { IMMUTABLE_HEADER_SIZE } from '../src/constants.ts';
import { encodeMutableHeader } from '../src/containers.ts';
import { bytes, harness, pattern, secrets, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

function dirs(si: Uint8Array) {
  const name = storageIndexName(si);
  return {
    name,
    incoming: join(h.dir, 'shares', 'incoming', name.slice(0, 2), name),
    final: join(h.dir, 'shares', name.slice(0, 2), name),
  };
}

async function startUpload(s: ReturnType<typeof secrets>, data: Uint8Array, written = data.length) {
  await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: data.length });
  await h.store.writeBucket({ ...s, shareNum: 0 }, { offset: 0, data: data.subarray(0, written) });
  await h.store.stop(); // persists the sidecar
}

describe('recovery after a crash', () => {
  it('finishes a close interrupted between the rename and the journal commit', async () => {
    const s = secrets();
    const data = pattern(100);
    await startUpload(s, data);
    const d = dirs(s.storageIndex);
    await mkdir(d.final, { recursive: true });
    await rename(join(d.incoming, '0'), join(d.final, '0')); // the sidecar stays
    h.store = h.open();
    await h.store.start();
    expect(h.store.stats()).toMatchObject({
      shareCount: 1,
      leaseCount: 1,
      incomingCount: 0,
      bytesUsed: 100,
    });
    expect(await h.store.readShare({ ...s, shareNum: 0 }, [{ offset: 0, length: 100 }])).toEqual([
      data,
    ]);
    expect(await h.store.renewLease(s.storageIndex, s.renewSecret)).toBe(1);
    await expect(readdir(d.incoming)).rejects.toThrow();
  });

  it('drops a container whose allocation never wrote its sidecar, and stray sidecars', async () => {
    const s = secrets();
    await startUpload(s, pattern(10));
    const d = dirs(s.storageIndex);
    await copyFile(join(d.incoming, '0'), join(d.incoming, '1')); // container, no sidecar
    await copyFile(join(d.incoming, '0.state'), join(d.incoming, '2.state')); // sidecar, no container
    await writeFile(join(d.incoming, '0.state.tmp'), 'half'); // an interrupted sidecar rewrite
    h.store = h.open();
    await h.store.start();
    expect((await readdir(d.incoming)).sort()).toEqual(['0', '0.state']);
    expect(h.store.stats().incomingCount).toBe(1);
  });

  it('discards an upload whose sidecar is damaged', async () => {
    const s = secrets();
    await startUpload(s, pattern(10));
    const d = dirs(s.storageIndex);
    await writeFile(join(d.incoming, '0.state'), '{"format":"tessera-upload","vers');
    h.store = h.open();
    await h.store.start();
    expect(h.store.stats().incomingCount).toBe(0);
    expect(
      (await h.store.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 10 })).allocated,
    ).toEqual([0]);
  });

  it('resumes from the durable ranges when the last writes were not recorded', async () => {
    const s = secrets();
    const data = pattern(100, 4);
    await startUpload(s, data, 40);
    const d = dirs(s.storageIndex);
    const sidecar = await readFile(join(d.incoming, '0.state'), 'utf8');
    h.store = h.open();
    await h.store.start();
    await h.store.writeBucket({ ...s, shareNum: 0 }, { offset: 40, data: data.subarray(40, 70) });
    await h.store.stop();
    await writeFile(join(d.incoming, '0.state'), sidecar); // as if the crash beat the flush
    h.store = h.open();
    await h.store.start();
    const bucket = { ...s, shareNum: 0 };
    expect((await h.store.writtenRanges(bucket)).missing).toEqual([{ offset: 40, length: 60 }]);
    await h.store.writeBucket(bucket, { offset: 40, data: data.subarray(40) });
    await h.store.closeBucket(bucket);
    expect(await h.store.readShare(bucket, [{ offset: 0, length: 100 }])).toEqual([data]);
  });

  it('redoes a mutable write whose marker is durable, and drops temp files without one', async () => {
    const si = bytes(16);
    const we = bytes(32);
    const write = (data: Uint8Array) =>
      h.store.slotTestAndWrite({
        storageIndex: si,
        writeEnabler: we,
        renewSecret: bytes(32),
        cancelSecret: bytes(32),
        testWriteVectors: new Map([[0, { test: [], write: [{ offset: 0, data }] }]]),
        readVector: [],
      });
    await write(pattern(30, 1));
    await h.store.stop();
    const d = dirs(si);
    const v2 = pattern(50, 2);
    const container = Buffer.concat([encodeMutableHeader(we, 50), v2, new Uint8Array(4)]);
    await writeFile(join(h.dir, 'tmp', 'op1-ab-0'), container);
    await writeFile(join(h.dir, 'tmp', 'op2-cd-0'), 'an operation that never reached its marker');
    const marker = {
      si: d.name,
      ops: [{ sh: 0, tmp: 'op1-ab-0' }],
      records: [{ t: 'S', si: d.name, sh: 0, k: 'm', n: 50, o: '' }],
    };
    await writeFile(join(h.dir, 'pending', 'op1-ab.json'), JSON.stringify(marker));
    await writeFile(join(h.dir, 'pending', 'op3-ef.json.tmp'), '{"si":');
    h.store = h.open();
    await h.store.start();
    const read = await h.store.slotRead({
      storageIndex: si,
      shareNums: [],
      ranges: [{ offset: 0, length: 100 }],
    });
    expect(read).toEqual(new Map([[0, [v2]]]));
    expect(h.store.stats()).toMatchObject({ mutableShareCount: 1, bytesUsed: 50, leaseCount: 1 });
    expect(await readdir(join(h.dir, 'tmp'))).toEqual([]);
    expect(await readdir(join(h.dir, 'pending'))).toEqual([]);
    // Applying the same marker twice is harmless (a crash during recovery).
    await writeFile(join(h.dir, 'pending', 'op1-ab.json'), JSON.stringify(marker));
    await h.restart();
    expect(
      await h.store.slotRead({
        storageIndex: si,
        shareNums: [],
        ranges: [{ offset: 0, length: 100 }],
      }),
    ).toEqual(read);
  });

  it('indexes a share it finds on disk without an index entry when a lease is added', async () => {
    const s = secrets();
    await startUpload(s, pattern(10));
    const d = dirs(s.storageIndex);
    await mkdir(d.final, { recursive: true });
    await rename(join(d.incoming, '0'), join(d.final, '0'));
    await truncate(join(d.final, '0'), IMMUTABLE_HEADER_SIZE + 10); // as a close leaves it
    await writeFile(join(d.incoming, '0.state'), 'garbage'); // so recovery cannot index it
    h.store = h.open();
    await h.store.start();
    expect(h.store.stats().shareCount).toBe(0);
    expect(await h.store.listShares(s.storageIndex)).toEqual([0]);
    expect(await h.store.addLease(s.storageIndex, s)).toBe(1);
    expect(h.store.stats()).toMatchObject({ shareCount: 1, leaseCount: 1, bytesUsed: 10 });
  });
});
