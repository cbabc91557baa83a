// The storage protocol end to end: a storage node and clients on real libp2p nodes on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, STORAGE_FEATURES } from '@tessera/protocol';
import type { SlotChangedNotification } from '@tessera/protocol';
import {
  bytes,
  codeOf,
  collect,
  digest,
  hex,
  pattern,
  sdmf,
  startClient,
  startServer,
  uploadSecrets,
  versionOf,
} from './service-helpers.ts';
import type { TestClient, TestServer } from './service-helpers.ts';

const MiB = 1024 * 1024;

let server: TestServer;
let client: TestClient;

beforeAll(async () => {
  server = await startServer();
  client = await startClient(server);
});

afterAll(async () => {
  await client?.stop();
  await server?.cleanup();
});

describe('storage protocol: immutable shares', () => {
  it('starts a node that listens on a dialable address', () => {
    expect(server.addrs.length).toBeGreaterThan(0);
    for (const a of server.addrs) expect(a).toMatch(new RegExp(`/p2p/${server.peerId}$`));
  });

  it('allocates, writes pipelined, closes and reads back', async () => {
    const s = uploadSecrets();
    const data = pattern(3 * MiB + 123, 7);
    const reply = await client.api.allocateBuckets({
      ...s,
      shareNums: [0, 1],
      allocatedSize: data.length,
    });
    expect(reply).toEqual({ alreadyHave: [], allocated: [0, 1], resumed: [] });
    for (const shareNum of [0, 1]) {
      const bucket = { storageIndex: s.storageIndex, shareNum, uploadSecret: s.uploadSecret };
      const progress: number[] = [];
      const done = await client.api.writeShare(bucket, data, {
        chunkBytes: 256 * 1024,
        maxInFlight: 6,
        onProgress: (n) => progress.push(n),
      });
      expect(done.written).toBe(data.length);
      expect(progress.at(-1)).toBe(data.length);
      await client.api.close(bucket);
    }
    expect(await client.api.listShares(s.storageIndex)).toEqual([0, 1]);
    const share = { storageIndex: s.storageIndex, shareNum: 1 };
    expect(digest(await collect(client.api.readShare(share, { chunkBytes: MiB })))).toBe(
      digest(data),
    );
    const [head, past, tail] = await client.api.read({
      ...share,
      ranges: [
        { offset: 0, length: 10 },
        { offset: data.length + 5, length: 10 },
        { offset: data.length - 3, length: 10 },
      ],
    });
    expect(hex(head)).toBe(hex(data.subarray(0, 10)));
    expect(past.length).toBe(0);
    expect(hex(tail)).toBe(hex(data.subarray(data.length - 3)));
    // Tahoe §3.2: alreadyHave lists every share held, asked about or not.
    const again = await client.api.allocateBuckets({
      ...uploadSecrets(),
      storageIndex: s.storageIndex,
      shareNums: [1, 2],
      allocatedSize: data.length,
    });
    expect(again).toEqual({ alreadyHave: [0, 1], allocated: [2], resumed: [] });
  });

  it('resumes an upload from a new connection with the upload secret', async () => {
    const s = uploadSecrets();
    const data = pattern(3 * MiB, 3);
    const bucket = { storageIndex: s.storageIndex, shareNum: 4, uploadSecret: s.uploadSecret };
    const first = await startClient(server);
    await first.api.allocateBuckets({ ...s, shareNums: [4], allocatedSize: data.length });
    await first.api.writeShare(bucket, data.subarray(0, MiB));
    await first.node.stop(); // the client goes away without closing

    const second = await startClient(server);
    try {
      await expect(
        second.api.writtenRanges({ ...bucket, uploadSecret: bytes(32) }),
      ).rejects.toMatchObject({ code: 'STORAGE_BAD_UPLOAD_SECRET' });
      const reopened = await second.api.allocateBuckets({
        ...s,
        shareNums: [4],
        allocatedSize: data.length,
      });
      expect(reopened.allocated).toEqual([4]);
      const ranges = await second.api.writtenRanges(bucket);
      expect(ranges).toEqual({
        allocatedSize: data.length,
        written: [{ offset: 0, length: MiB }],
        missing: [{ offset: MiB, length: 2 * MiB }],
        truncated: false,
      });
      await expect(second.api.close(bucket)).rejects.toMatchObject({
        code: 'STORAGE_INCOMPLETE_SHARE',
      });
      const [gap] = ranges.missing;
      await second.api.writeShare(bucket, data.subarray(gap.offset), { offset: gap.offset });
      await second.api.close(bucket);
      const share = { storageIndex: s.storageIndex, shareNum: 4 };
      expect(digest(await collect(second.api.readShare(share)))).toBe(digest(data));
    } finally {
      await second.stop();
    }
  });

  it('reports missing ranges on request and refuses bad writes with their codes', async () => {
    const s = uploadSecrets();
    const bucket = { storageIndex: s.storageIndex, shareNum: 0, uploadSecret: s.uploadSecret };
    await client.api.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 100 });
    expect(
      await client.api.write({ ...bucket, offset: 10, data: bytes(10), reportMissing: true }),
    ).toEqual({
      written: 10,
      missing: [
        { offset: 0, length: 10 },
        { offset: 20, length: 80 },
      ],
    });
    expect(await codeOf(client.api.write({ ...bucket, offset: 95, data: bytes(10) }))).toBe(
      'STORAGE_WRITE_PAST_END',
    );
    expect(
      await codeOf(client.api.write({ ...bucket, offset: 15, data: new Uint8Array(10) })),
    ).toBe('STORAGE_CONFLICTING_WRITE');
    expect(
      await codeOf(client.api.write({ ...bucket, shareNum: 1, offset: 0, data: bytes(1) })),
    ).toBe('STORAGE_NO_SUCH_UPLOAD');
    await client.api.abort(bucket);
    expect(await codeOf(client.api.writtenRanges(bucket))).toBe('STORAGE_NO_SUCH_UPLOAD');
    expect(await codeOf(client.api.read({ ...bucket, ranges: [{ offset: 0, length: 1 }] }))).toBe(
      'STORAGE_NO_SUCH_SHARE',
    );
  });

  it('closes an upload with its last write when asked (protocol 1.2), only once complete', async () => {
    const s = uploadSecrets();
    const bucket = { storageIndex: s.storageIndex, shareNum: 3, uploadSecret: s.uploadSecret };
    const data = pattern(5000, 11);
    await client.api.allocateBuckets({ ...s, shareNums: [3], allocatedSize: data.length });
    await client.api.write({ ...bucket, offset: 0, data: data.subarray(0, 1000) });
    // Not complete yet: refused, and the bytes it carried are kept.
    expect(
      await codeOf(
        client.api.write({ ...bucket, offset: 1000, data: data.subarray(1000, 3000), close: true }),
      ),
    ).toBe('STORAGE_INCOMPLETE_SHARE');
    expect(await client.api.listShares(s.storageIndex)).toEqual([]);
    expect((await client.api.writtenRanges(bucket)).written).toEqual([{ offset: 0, length: 3000 }]);
    expect(
      await client.api.write({ ...bucket, offset: 3000, data: data.subarray(3000), close: true }),
    ).toEqual({ written: data.length, closed: true });
    expect(await client.api.listShares(s.storageIndex)).toEqual([3]);
    expect(await codeOf(client.api.close(bucket))).toBe('STORAGE_NO_SUCH_UPLOAD');
    const [all] = await client.api.read({
      storageIndex: s.storageIndex,
      shareNum: 3,
      ranges: [{ offset: 0, length: data.length }],
    });
    expect(hex(all)).toBe(hex(data));
    // Without `close` a write leaves the upload open and says nothing of closing.
    const t = uploadSecrets();
    const other = { storageIndex: t.storageIndex, shareNum: 0, uploadSecret: t.uploadSecret };
    await client.api.allocateBuckets({ ...t, shareNums: [0], allocatedSize: 10 });
    expect(await client.api.write({ ...other, offset: 0, data: bytes(10) })).toEqual({
      written: 10,
    });
    expect(await client.api.listShares(t.storageIndex)).toEqual([]);
  });

  it('renews and cancels leases, refusing wrong secrets', async () => {
    const s = uploadSecrets();
    const bucket = { storageIndex: s.storageIndex, shareNum: 0, uploadSecret: s.uploadSecret };
    await client.api.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 5 });
    await client.api.write({ ...bucket, offset: 0, data: bytes(5) });
    await client.api.close(bucket);
    const si = { storageIndex: s.storageIndex };

    expect(await codeOf(client.api.renewLease({ ...si, renewSecret: bytes(32) }))).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    expect(await client.api.renewLease({ ...si, renewSecret: s.renewSecret })).toBe(1);
    const other = { renewSecret: bytes(32), cancelSecret: bytes(32) };
    expect(await client.api.addLease({ ...si, ...other })).toBe(1);
    expect(await codeOf(client.api.cancelLease({ ...si, cancelSecret: bytes(32) }))).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    expect(await client.api.cancelLease({ ...si, cancelSecret: s.cancelSecret })).toEqual({
      cancelled: 1,
      deletedShares: 0,
    });
    expect(await client.api.listShares(s.storageIndex)).toEqual([0]);
    expect(await client.api.cancelLease({ ...si, cancelSecret: other.cancelSecret })).toEqual({
      cancelled: 1,
      deletedShares: 1,
    });
    expect(await client.api.listShares(s.storageIndex)).toEqual([]);
    // add-lease on a storage index with no shares is not an error (Tahoe)
    expect(await client.api.addLease({ storageIndex: bytes(16), ...other })).toBe(0);
  });

  it('turns an unexpected failure into PROTOCOL_INTERNAL_ERROR, logs it, and keeps serving', async () => {
    const s = uploadSecrets();
    const bucket = { storageIndex: s.storageIndex, shareNum: 0, uploadSecret: s.uploadSecret };
    await client.api.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 10 });
    // pull the upload's file out from under the store
    const { readdir, rm } = await import('node:fs/promises');
    const incoming = `${server.dir}/storage/shares/incoming`;
    for (const entry of await readdir(incoming, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name === '0') await rm(`${entry.parentPath}/${entry.name}`);
    }
    const err: unknown = await client.api
      .write({ ...bucket, offset: 0, data: bytes(10) })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROTOCOL_INTERNAL_ERROR' });
    expect(String(err)).not.toContain(server.dir);
    expect(server.errors).toHaveLength(1);
    expect(server.errors[0]).toContain('Cannot answer "write"');
    server.errors.length = 0;
    await client.api.abort(bucket);
    expect(await client.api.listShares(s.storageIndex)).toEqual([]);
  });

  it('answers stats with this client usage', async () => {
    const stats = await client.api.stats();
    expect(stats.readOnly).toBe(false);
    expect(stats.immutableShareCount).toBeGreaterThanOrEqual(3);
    expect(stats.availableSpace).toBeGreaterThan(0);
    expect(stats.clientUsed).toBeGreaterThan(0);
    expect(stats.clientLimit).toBeUndefined();
  });

  it('tells a peer its version info in the version exchange', async () => {
    const info = await versionOf(client, server);
    expect(info.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(info.readOnly).toBe(false);
    expect(info.availableSpace).toBeGreaterThan(0);
    expect(info.maxImmutableShareSize).toBe(Math.min(info.availableSpace, 2 ** 40));
    expect(info.features).toEqual(
      expect.arrayContaining(['resume-upload', 'cancel-lease', 'slot-notify']),
    );
    expect(info.features).toEqual(Object.values(STORAGE_FEATURES));
  });
});

describe('storage protocol: mutable slots', () => {
  const writeEnabler = bytes(32);
  const renewSecret = bytes(32);
  const cancelSecret = bytes(32);
  const mustNotExist = { offset: 0, length: 1, op: 'eq' as const, specimen: new Uint8Array(0) };

  function twv(storageIndex: Uint8Array, test: Uint8Array | undefined, data: Uint8Array) {
    return {
      storageIndex,
      writeEnabler,
      renewSecret,
      cancelSecret,
      vectors: [
        {
          shareNum: 0,
          test:
            test === undefined
              ? [mustNotExist]
              : [{ offset: 0, length: test.length, op: 'eq' as const, specimen: test }],
          write: [{ offset: 0, data }],
        },
      ],
      readVector: [{ offset: 0, length: 41 }],
    };
  }

  it('lets exactly one of two concurrent writers with the same old checkstring win', async () => {
    const storageIndex = bytes(16);
    const v1 = sdmf(1, 1);
    expect((await client.api.slotTestAndWrite(twv(storageIndex, undefined, v1))).ok).toBe(true);
    const other = await startClient(server);
    try {
      const checkstring = v1.subarray(0, 41);
      const a = sdmf(2, 0xa);
      const b = sdmf(2, 0xb);
      const [ra, rb] = await Promise.all([
        client.api.slotTestAndWrite(twv(storageIndex, checkstring, a)),
        other.api.slotTestAndWrite(twv(storageIndex, checkstring, b)),
      ]);
      expect([ra.ok, rb.ok].filter(Boolean)).toHaveLength(1);
      const [winner, won, lost] = ra.ok ? [a, ra, rb] : [b, rb, ra];
      // Each reads before its own writes: the winner the old prefix, the loser the winner's.
      expect(won.reads.get(0)?.map(hex)).toEqual([hex(checkstring)]);
      expect(lost.reads.get(0)?.map(hex)).toEqual([hex(winner.subarray(0, 41))]);
      const read = await other.api.slotRead({
        storageIndex,
        shareNums: [],
        ranges: [{ offset: 0, length: 1000 }],
      });
      expect([...read.keys()]).toEqual([0]);
      expect(read.get(0)?.map(hex)).toEqual([hex(winner)]);
      expect(
        await codeOf(
          other.api.slotTestAndWrite({
            ...twv(storageIndex, undefined, v1),
            writeEnabler: bytes(32),
          }),
        ),
      ).toBe('STORAGE_BAD_WRITE_ENABLER');
    } finally {
      await other.stop();
    }
  });

  it('pushes slot changes to a subscriber', async () => {
    const storageIndex = bytes(16);
    const watcher = await startClient(server);
    try {
      const watch = await watcher.api.watchSlots([storageIndex, bytes(16)]);
      expect(server.service.watcherCount).toBe(1);
      const seen: SlotChangedNotification[] = [];
      const reading = (async () => {
        for await (const change of watch) {
          seen.push(change);
          if (seen.length === 2) break;
        }
      })();
      await client.api.slotTestAndWrite(twv(storageIndex, undefined, sdmf(1, 3)));
      await client.api.slotTestAndWrite(twv(storageIndex, sdmf(1, 3).subarray(0, 41), sdmf(2, 4)));
      await reading;
      expect(seen.map((c) => [c.shareNum, c.seqnum])).toEqual([
        [0, 1n],
        [0, 2n],
      ]);
      expect(hex(seen[1].storageIndex)).toBe(hex(storageIndex));
      expect(hex(seen[1].rootHash)).toBe(hex(new Uint8Array(32).fill(4)));
      for (let i = 0; i < 200 && server.service.watcherCount > 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(server.service.watcherCount).toBe(0);
    } finally {
      await watcher.stop();
    }
  });

  it('keeps mutable and immutable storage indexes apart', async () => {
    const storageIndex = bytes(16);
    await client.api.slotTestAndWrite(twv(storageIndex, undefined, sdmf(1, 1)));
    expect(
      await codeOf(
        client.api.allocateBuckets({
          ...uploadSecrets(),
          storageIndex,
          shareNums: [0],
          allocatedSize: 10,
        }),
      ),
    ).toBe('STORAGE_WRONG_SHARE_TYPE');
  });

  it('records corruption advisories sent one-way', async () => {
    const s = uploadSecrets();
    const bucket = { storageIndex: s.storageIndex, shareNum: 0, uploadSecret: s.uploadSecret };
    await client.api.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 3 });
    await client.api.write({ ...bucket, offset: 0, data: bytes(3) });
    await client.api.close(bucket);
    await client.api.adviseCorruptShare({ ...bucket, reason: 'block hash mismatch at block 0' });
    const { readdir } = await import('node:fs/promises');
    const dir = `${server.dir}/storage/corruption-advisories`;
    let files: string[] = [];
    for (let i = 0; i < 200 && files.length === 0; i++) {
      files = await readdir(dir).catch(() => []);
      if (files.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(files).toHaveLength(1);
    expect(server.errors).toEqual([]);
  });
});
