/**
 * The storage protocol against real storage-node processes (`tessera run DIR`) over real
 * libp2p: uploads, resume, restarts and crashes, leases, slot races, notifications, refusals
 * and hostile writes. One introducer and four storage nodes (normal, read-only, quota,
 * reserved-space) serve the whole file; each test talks to them from its own client nodes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FrameReader,
  STORAGE_PROTOCOL,
  readHeader,
  isStorageRemoteError,
  versionExchange,
  writeBytes,
} from '@tessera/protocol';
import type {
  SlotChangedNotification,
  SlotTestAndWriteRequest,
  VersionInfo,
} from '@tessera/protocol';
import { NodeProcess, connectStorage, tessera } from '../src/index.ts';
import type { StorageRpc } from '../src/index.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

let root: string;
let introducer: NodeProcess;
let normal: NodeProcess;
let readOnly: NodeProcess;
let quota: NodeProcess;
let full: NodeProcess;
const open: StorageRpc[] = [];

async function ok(args: string[]): Promise<void> {
  const r = await tessera(args);
  if (r.code !== 0) throw new Error(`tessera ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-storage-process-'));
  const introDir = join(root, 'introducer');
  await ok(['create-introducer', introDir]);
  introducer = new NodeProcess(introDir);
  await introducer.start();
  const introducerAddr = (await readFile(join(introDir, 'introducer.addr'), 'utf8')).split('\n')[0];
  const make = async (name: string, extra: string[]): Promise<NodeProcess> => {
    const dir = join(root, name);
    await ok(['create-node', dir, '--introducer', introducerAddr, '--nickname', name, ...extra]);
    return new NodeProcess(dir);
  };
  [normal, readOnly, quota, full] = await Promise.all([
    make('normal', []),
    make('read-only', ['--readonly']),
    make('quota', ['--quota', '10K']),
    make('full', ['--reserved-space', '1000T']),
  ]);
  await Promise.all([normal, readOnly, quota, full].map((n) => n.start()));
}, 60_000);

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.stop().catch(() => undefined)));
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.stop().catch(() => undefined)));
  await Promise.all(
    [normal, readOnly, quota, full, introducer].filter((n) => n !== undefined).map((n) => n.stop()),
  );
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

/**
 * A new client node (a new peer id) connected to `server`'s current addresses. Storage nodes
 * accept DEFAULT_INBOUND_CONNECTIONS_PER_SECOND (100) new connections a second from one host,
 * far more than these tests open, so no pacing is needed.
 */
async function client(server: NodeProcess): Promise<StorageRpc> {
  if (server.ready === undefined) throw new Error(`${server.dir} is not running`);
  const c = await connectStorage(server.ready.addrs);
  open.push(c);
  return c;
}

function bytes(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return out;
}

function uploadSecrets() {
  return {
    storageIndex: bytes(16),
    renewSecret: bytes(32),
    cancelSecret: bytes(32),
    uploadSecret: bytes(32),
  };
}

/** An SDMF-like slot share: version 0, seqnum (uint64 BE) at 1, root hash of `fill` at 9..41. */
function sdmf(seqnum: number, fill: number, length = 100): Uint8Array {
  const out = new Uint8Array(length).fill(fill);
  out[0] = 0;
  new DataView(out.buffer).setBigUint64(1, BigInt(seqnum));
  return out;
}

function hex(data: Uint8Array | undefined): string {
  return data === undefined ? 'undefined' : Buffer.from(data).toString('hex');
}

function digest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of source) chunks.push(c);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Resolves to the rejection's `code`, or fails if the promise resolves. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof Error && 'code' in e && typeof e.code === 'string'
      ? e.code
      : `no code: ${String(e)}`;
  }
  throw new Error('expected a rejection');
}

async function versionOf(c: StorageRpc, server: NodeProcess): Promise<VersionInfo> {
  const versions = versionExchange(c.node, {
    local: {
      protocolVersion: '1.0',
      maxImmutableShareSize: 0,
      availableSpace: 0,
      readOnly: true,
      features: [],
      appVersion: 'test',
    },
  });
  return versions.exchange((server.ready?.addrs ?? []).map((a) => multiaddr(a)));
}

/** Uploads `data` as share `shareNum` of a new storage index and closes it. */
async function upload(c: StorageRpc, data: Uint8Array, shareNum = 0) {
  const s = uploadSecrets();
  const reply = await c.api.allocateBuckets({
    ...s,
    shareNums: [shareNum],
    allocatedSize: data.length,
  });
  expect(reply).toEqual({ alreadyHave: [], allocated: [shareNum], resumed: [] });
  const bucket = { storageIndex: s.storageIndex, shareNum, uploadSecret: s.uploadSecret };
  await c.api.writeShare(bucket, data, { chunkBytes: 256 * KiB });
  await c.api.close(bucket);
  return s;
}

async function readAll(c: StorageRpc, storageIndex: Uint8Array, shareNum: number) {
  return collect(c.api.readShare({ storageIndex, shareNum }));
}

/**
 * Sends `garbage` on a new raw storage stream (no client-side checks) and resolves with the
 * error codes the server sent before it ended the stream.
 */
async function rawSession(c: StorageRpc, garbage: Uint8Array): Promise<string[]> {
  const stream = await c.node.dialProtocol(
    (normal.ready?.addrs ?? []).map((a) => multiaddr(a)),
    STORAGE_PROTOCOL,
  );
  const reader = new FrameReader(stream);
  const codes: string[] = [];
  try {
    await writeBytes(stream, garbage);
    while (!(await reader.atEnd({ signal: AbortSignal.timeout(10_000) }))) {
      const header = await readHeader(reader);
      if (header.kind === 'error') codes.push(header.code);
    }
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'PROTOCOL_CONNECTION_LOST'))
      throw err;
  } finally {
    reader.release();
  }
  return codes;
}

function slotWrite(
  storageIndex: Uint8Array,
  writeEnabler: Uint8Array,
  test: Uint8Array | undefined,
  data: Uint8Array,
): SlotTestAndWriteRequest {
  return {
    storageIndex,
    writeEnabler,
    renewSecret: bytes(32),
    cancelSecret: bytes(32),
    vectors: [
      {
        shareNum: 0,
        test:
          test === undefined
            ? [{ offset: 0, length: 1, op: 'eq', specimen: new Uint8Array(0) }] // must not exist
            : [{ offset: 0, length: test.length, op: 'eq', specimen: test }],
        write: [{ offset: 0, data }],
      },
    ],
    readVector: [{ offset: 0, length: 41 }],
  };
}

describe('a storage node process: immutable shares', () => {
  it('allocates, takes pipelined writes, closes, reads ranges back and lists the shares', async () => {
    const c = await client(normal);
    const s = uploadSecrets();
    const data = pattern(2 * MiB + 123, 1);
    expect(
      await c.api.allocateBuckets({ ...s, shareNums: [0, 1], allocatedSize: data.length }),
    ).toEqual({ alreadyHave: [], allocated: [0, 1], resumed: [] });
    // share 0: every write sent before any reply is awaited
    const bucket = { storageIndex: s.storageIndex, shareNum: 0, uploadSecret: s.uploadSecret };
    const writes: Promise<{ written: number }>[] = [];
    for (let at = 0; at < data.length; at += 200 * KiB) {
      writes.push(c.api.write({ ...bucket, offset: at, data: data.subarray(at, at + 200 * KiB) }));
    }
    expect(writes.length).toBeGreaterThan(5);
    const replies = await Promise.all(writes);
    expect(Math.max(...replies.map((r) => r.written))).toBe(data.length);
    await c.api.close(bucket);
    // share 1: the client's own pipelining
    const progress: number[] = [];
    await c.api.writeShare({ ...bucket, shareNum: 1 }, data, {
      chunkBytes: 128 * KiB,
      maxInFlight: 6,
      onProgress: (n) => progress.push(n),
    });
    expect(progress.at(-1)).toBe(data.length);
    await c.api.close({ ...bucket, shareNum: 1 });

    expect(await c.api.listShares(s.storageIndex)).toEqual([0, 1]);
    for (const shareNum of [0, 1]) {
      const ranges = [
        { offset: 0, length: 10 },
        { offset: 200 * KiB - 7, length: 20 }, // across two writes
        { offset: MiB, length: 64 * KiB },
        { offset: data.length - 3, length: 10 }, // short at the end
        { offset: data.length + 5, length: 10 }, // past the end: empty
      ];
      const got = await c.api.read({ storageIndex: s.storageIndex, shareNum, ranges });
      expect(got.map(hex)).toEqual(
        ranges.map((r) => hex(data.subarray(r.offset, r.offset + r.length))),
      );
      expect(digest(await readAll(c, s.storageIndex, shareNum))).toBe(digest(data));
    }
    // another client sees the same shares
    const other = await client(normal);
    expect(await other.api.listShares(s.storageIndex)).toEqual([0, 1]);
    expect(
      await other.api.allocateBuckets({
        ...uploadSecrets(),
        storageIndex: s.storageIndex,
        shareNums: [1, 2],
        allocatedSize: data.length,
      }),
    ).toEqual({ alreadyHave: [0, 1], allocated: [2], resumed: [] });
  });

  it('resumes an upload from a new client node with the same upload secret', async () => {
    const s = uploadSecrets();
    const data = pattern(2 * MiB, 2);
    const half = MiB;
    const bucket = { storageIndex: s.storageIndex, shareNum: 3, uploadSecret: s.uploadSecret };
    const first = await client(normal);
    await first.api.allocateBuckets({ ...s, shareNums: [3], allocatedSize: data.length });
    expect((await first.api.writeShare(bucket, data.subarray(0, half))).written).toBe(half);
    await first.stop(); // closes the session and the connection, without closing the upload

    const second = await client(normal);
    expect(await codeOf(second.api.writtenRanges({ ...bucket, uploadSecret: bytes(32) }))).toBe(
      'STORAGE_BAD_UPLOAD_SECRET',
    );
    const ranges = await second.api.writtenRanges(bucket);
    expect(ranges).toEqual({
      allocatedSize: data.length,
      written: [{ offset: 0, length: half }],
      missing: [{ offset: half, length: data.length - half }],
      truncated: false,
    });
    expect(await codeOf(second.api.close(bucket))).toBe('STORAGE_INCOMPLETE_SHARE');
    expect(await second.api.listShares(s.storageIndex)).toEqual([]);
    for (const gap of ranges.missing) {
      await second.api.writeShare(bucket, data.subarray(gap.offset, gap.offset + gap.length), {
        offset: gap.offset,
      });
    }
    await second.api.close(bucket);
    expect(await second.api.listShares(s.storageIndex)).toEqual([3]);
    expect(digest(await readAll(second, s.storageIndex, 3))).toBe(digest(data));
  });

  it('keeps closed shares over a clean restart, and shows no partial share after SIGKILL', async () => {
    const before = await client(normal);
    const kept = pattern(300 * KiB, 3);
    const a = await upload(before, kept);
    await before.stop();
    expect(await normal.stop()).toBe(0);
    await normal.start();

    const afterRestart = await client(normal);
    expect(await afterRestart.api.listShares(a.storageIndex)).toEqual([0]);
    expect(digest(await readAll(afterRestart, a.storageIndex, 0))).toBe(digest(kept));

    // Mid-upload: share 0 closed, share 1 half written (plus one write still in flight).
    const closed = pattern(MiB, 4);
    const partial = pattern(MiB, 5);
    const b = uploadSecrets();
    await afterRestart.api.allocateBuckets({ ...b, shareNums: [0, 1], allocatedSize: MiB });
    const bucket = { storageIndex: b.storageIndex, shareNum: 0, uploadSecret: b.uploadSecret };
    await afterRestart.api.writeShare(bucket, closed);
    await afterRestart.api.close(bucket);
    await afterRestart.api.writeShare({ ...bucket, shareNum: 1 }, partial.subarray(0, MiB / 2));
    await new Promise((r) => setTimeout(r, 600)); // the node records progress within 250 ms
    const inFlight = afterRestart.api
      .write({ ...bucket, shareNum: 1, offset: MiB / 2, data: partial.subarray(MiB / 2, MiB - 1) })
      .catch(() => undefined); // may or may not land before the kill
    await normal.kill();
    await inFlight;
    await afterRestart.stop();
    await normal.start();

    const crashed = await client(normal);
    expect(await crashed.api.listShares(b.storageIndex)).toEqual([0]);
    expect(
      await codeOf(
        crashed.api.read({
          storageIndex: b.storageIndex,
          shareNum: 1,
          ranges: [{ offset: 0, length: 1 }],
        }),
      ),
    ).toBe('STORAGE_NO_SUCH_SHARE');
    expect(digest(await readAll(crashed, b.storageIndex, 0))).toBe(digest(closed));
    expect(digest(await readAll(crashed, a.storageIndex, 0))).toBe(digest(kept));
    // The unclosed upload is resumable: allocating it again says so, it holds at least what
    // was recorded before the kill, and no byte it was not sent.
    expect(
      await crashed.api.allocateBuckets({ ...b, shareNums: [0, 1, 2], allocatedSize: MiB }),
    ).toEqual({ alreadyHave: [0], allocated: [1, 2], resumed: [1] });
    const ranges = await crashed.api.writtenRanges({ ...bucket, shareNum: 1 });
    expect(ranges.written[0]).toMatchObject({ offset: 0 });
    expect(ranges.written[0].length).toBeGreaterThanOrEqual(MiB / 2);
    for (const r of ranges.written) expect(r.offset + r.length).toBeLessThanOrEqual(MiB - 1);
    for (const gap of ranges.missing) {
      await crashed.api.writeShare(
        { ...bucket, shareNum: 1 },
        partial.subarray(gap.offset, gap.offset + gap.length),
        { offset: gap.offset },
      );
    }
    await crashed.api.close({ ...bucket, shareNum: 1 });
    expect(await crashed.api.listShares(b.storageIndex)).toEqual([0, 1]);
    expect(digest(await readAll(crashed, b.storageIndex, 1))).toBe(digest(partial));
  });

  it('renews and cancels leases with the right secrets only, deleting with the last lease', async () => {
    const c = await client(normal);
    const s = await upload(c, bytes(5000));
    const si = { storageIndex: s.storageIndex };
    const other = { renewSecret: bytes(32), cancelSecret: bytes(32) };

    expect(await codeOf(c.api.renewLease({ ...si, renewSecret: bytes(32) }))).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    expect(await c.api.renewLease({ ...si, renewSecret: s.renewSecret })).toBe(1);
    expect(await c.api.addLease({ ...si, ...other })).toBe(1);
    // add-lease with the existing secrets renews that lease
    expect(
      await c.api.addLease({ ...si, renewSecret: s.renewSecret, cancelSecret: s.cancelSecret }),
    ).toBe(1);
    expect(await codeOf(c.api.cancelLease({ ...si, cancelSecret: bytes(32) }))).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    expect(await codeOf(c.api.cancelLease({ ...si, cancelSecret: other.renewSecret }))).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    expect(await c.api.listShares(s.storageIndex)).toEqual([0]);
    expect(await c.api.cancelLease({ ...si, cancelSecret: s.cancelSecret })).toEqual({
      cancelled: 1,
      deletedShares: 0,
    });
    expect(await codeOf(c.api.renewLease({ ...si, renewSecret: s.renewSecret }))).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    expect(await c.api.listShares(s.storageIndex)).toEqual([0]);
    expect(await c.api.renewLease({ ...si, renewSecret: other.renewSecret })).toBe(1);
    expect(await c.api.cancelLease({ ...si, cancelSecret: other.cancelSecret })).toEqual({
      cancelled: 1,
      deletedShares: 1,
    });
    expect(await c.api.listShares(s.storageIndex)).toEqual([]);
    expect(
      await codeOf(c.api.read({ ...si, shareNum: 0, ranges: [{ offset: 0, length: 1 }] })),
    ).toBe('STORAGE_NO_SUCH_SHARE');
  });

  it('refuses a write past the allocated size and keeps serving other clients', async () => {
    const owner = await client(normal);
    const data = pattern(100 * KiB, 6);
    const served = await upload(owner, data);
    const attacker = await client(normal);
    const s = uploadSecrets();
    await attacker.api.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 1000 });
    const bucket = { storageIndex: s.storageIndex, shareNum: 0, uploadSecret: s.uploadSecret };
    expect(await codeOf(attacker.api.write({ ...bucket, offset: 995, data: bytes(10) }))).toBe(
      'STORAGE_WRITE_PAST_END',
    );
    expect(await codeOf(attacker.api.write({ ...bucket, offset: 1000, data: bytes(1) }))).toBe(
      'STORAGE_WRITE_PAST_END',
    );
    expect(await codeOf(attacker.api.write({ ...bucket, offset: 2 ** 40, data: bytes(MiB) }))).toBe(
      'STORAGE_WRITE_PAST_END',
    );
    await attacker.api.write({ ...bucket, offset: 0, data: new Uint8Array(10) });
    expect(await codeOf(attacker.api.write({ ...bucket, offset: 5, data: bytes(10) }))).toBe(
      'STORAGE_CONFLICTING_WRITE',
    );
    // Unparseable frames on raw session streams: the server answers with an error and ends
    // that session only. A header frame announcing 100 MiB; a length prefix of 8 bytes.
    expect(await rawSession(attacker, Uint8Array.of(0x80, 0x80, 0x80, 0x32))).toEqual([
      'PROTOCOL_FRAME_TOO_LARGE',
    ]);
    expect(await rawSession(attacker, new Uint8Array(8).fill(0x80))).toEqual([
      'PROTOCOL_INVALID_MESSAGE',
    ]);
    // The attacker's own session, and everyone else, still get answers.
    expect(await attacker.api.writtenRanges(bucket)).toMatchObject({
      written: [{ offset: 0, length: 10 }],
    });
    const bystander = await client(normal);
    expect(digest(await readAll(bystander, served.storageIndex, 0))).toBe(digest(data));
    expect(normal.running).toBe(true);
  });
});

describe('a storage node process: mutable slots', () => {
  it('lets exactly one of two concurrent writers with the same old checkstring win', async () => {
    const [alice, bob] = await Promise.all([client(normal), client(normal)]);
    const storageIndex = bytes(16);
    const writeEnabler = bytes(32);
    let current = sdmf(1, 1);
    expect(
      (await alice.api.slotTestAndWrite(slotWrite(storageIndex, writeEnabler, undefined, current)))
        .ok,
    ).toBe(true);
    for (let round = 0; round < 5; round++) {
      const checkstring = current.subarray(0, 41);
      const a = sdmf(round + 2, 0xa0 + round);
      const b = sdmf(round + 2, 0xb0 + round);
      const [ra, rb] = await Promise.all([
        alice.api.slotTestAndWrite(slotWrite(storageIndex, writeEnabler, checkstring, a)),
        bob.api.slotTestAndWrite(slotWrite(storageIndex, writeEnabler, checkstring, b)),
      ]);
      expect([ra.ok, rb.ok].filter(Boolean)).toHaveLength(1);
      const [winner, won, lost] = ra.ok ? [a, ra, rb] : [b, rb, ra];
      expect(won.reads.get(0)?.map(hex)).toEqual([hex(checkstring)]);
      expect(lost.reads.get(0)?.map(hex)).toEqual([hex(winner.subarray(0, 41))]);
      const read = await bob.api.slotRead({
        storageIndex,
        shareNums: [],
        ranges: [{ offset: 0, length: 1000 }],
      });
      expect([...read.keys()]).toEqual([0]);
      expect(read.get(0)?.map(hex)).toEqual([hex(winner)]);
      current = winner;
    }
    expect(
      await codeOf(
        bob.api.slotTestAndWrite(
          slotWrite(storageIndex, bytes(32), current.subarray(0, 41), sdmf(99, 9)),
        ),
      ),
    ).toBe('STORAGE_BAD_WRITE_ENABLER');
  });

  it("notifies a subscriber of another client's slot writes", async () => {
    const [watcher, writer] = await Promise.all([client(normal), client(normal)]);
    const storageIndex = bytes(16);
    const unwatched = bytes(16);
    const writeEnabler = bytes(32);
    const watch = await watcher.api.watchSlots([storageIndex, bytes(16)], {
      signal: AbortSignal.timeout(15_000), // only against a hang
    });
    const seen: SlotChangedNotification[] = [];
    const reading = (async () => {
      for await (const change of watch) {
        seen.push(change);
        if (seen.length === 2) break;
      }
    })();
    await writer.api.slotTestAndWrite(slotWrite(unwatched, writeEnabler, undefined, sdmf(7, 7)));
    const v1 = sdmf(1, 3);
    expect(
      (await writer.api.slotTestAndWrite(slotWrite(storageIndex, writeEnabler, undefined, v1))).ok,
    ).toBe(true);
    expect(
      (
        await writer.api.slotTestAndWrite(
          slotWrite(storageIndex, writeEnabler, v1.subarray(0, 41), sdmf(2, 4)),
        )
      ).ok,
    ).toBe(true);
    await reading;
    expect(
      seen.map((c) => ({
        storageIndex: hex(c.storageIndex),
        shareNum: c.shareNum,
        seqnum: c.seqnum,
        rootHash: hex(c.rootHash),
      })),
    ).toEqual([
      {
        storageIndex: hex(storageIndex),
        shareNum: 0,
        seqnum: 1n,
        rootHash: hex(new Uint8Array(32).fill(3)),
      },
      {
        storageIndex: hex(storageIndex),
        shareNum: 0,
        seqnum: 2n,
        rootHash: hex(new Uint8Array(32).fill(4)),
      },
    ]);
  });
});

describe('a storage node process: refusals', () => {
  it('read-only: STORAGE_READ_ONLY, reads still answered, and the version info says so', async () => {
    const c = await client(readOnly);
    const err: unknown = await c.api
      .allocateBuckets({ ...uploadSecrets(), shareNums: [0], allocatedSize: 10 })
      .catch((e: unknown) => e);
    expect(isStorageRemoteError(err, 'STORAGE_READ_ONLY')).toBe(true);
    expect(
      await codeOf(c.api.slotTestAndWrite(slotWrite(bytes(16), bytes(32), undefined, sdmf(1, 1)))),
    ).toBe('STORAGE_READ_ONLY');
    expect(
      await codeOf(
        c.api.addLease({
          storageIndex: bytes(16),
          renewSecret: bytes(32),
          cancelSecret: bytes(32),
        }),
      ),
    ).toBe('STORAGE_READ_ONLY');
    expect(await c.api.listShares(bytes(16))).toEqual([]);
    expect((await c.api.stats()).readOnly).toBe(true);
    expect(await versionOf(c, readOnly)).toMatchObject({
      readOnly: true,
      availableSpace: 0,
      maxImmutableShareSize: 0,
    });
  });

  it('quota: STORAGE_QUOTA_EXCEEDED past the per-client limit', async () => {
    const c = await client(quota);
    expect(
      await codeOf(
        c.api.allocateBuckets({ ...uploadSecrets(), shareNums: [0], allocatedSize: 10_001 }),
      ),
    ).toBe('STORAGE_QUOTA_EXCEEDED');
    expect(
      await c.api.allocateBuckets({ ...uploadSecrets(), shareNums: [0], allocatedSize: 6000 }),
    ).toEqual({ alreadyHave: [], allocated: [0], resumed: [] });
    const err: unknown = await c.api
      .allocateBuckets({ ...uploadSecrets(), shareNums: [0], allocatedSize: 6000 })
      .catch((e: unknown) => e);
    expect(isStorageRemoteError(err, 'STORAGE_QUOTA_EXCEEDED')).toBe(true);
    expect(
      await codeOf(
        c.api.slotTestAndWrite(slotWrite(bytes(16), bytes(32), undefined, sdmf(1, 1, 5000))),
      ),
    ).toBe('STORAGE_QUOTA_EXCEEDED');
    expect(await c.api.stats()).toMatchObject({ clientUsed: 6000, clientLimit: 10_000 });
    // another client (another peer id) has its own quota
    const other = await client(quota);
    expect(
      (await other.api.allocateBuckets({ ...uploadSecrets(), shareNums: [1], allocatedSize: 9000 }))
        .allocated,
    ).toEqual([1]);
  });

  it('reserved space: shares left out of both lists, STORAGE_NO_SPACE for slots', async () => {
    const c = await client(full);
    expect(
      await c.api.allocateBuckets({ ...uploadSecrets(), shareNums: [0, 1], allocatedSize: 10 }),
    ).toEqual({ alreadyHave: [], allocated: [], resumed: [] });
    const err: unknown = await c.api
      .slotTestAndWrite(slotWrite(bytes(16), bytes(32), undefined, sdmf(1, 1)))
      .catch((e: unknown) => e);
    expect(isStorageRemoteError(err, 'STORAGE_NO_SPACE')).toBe(true);
    expect(await versionOf(c, full)).toMatchObject({
      readOnly: false,
      availableSpace: 0,
      maxImmutableShareSize: 0,
    });
  });
});

describe('the storage node processes afterwards', () => {
  it('logged no internal error', async () => {
    for (const n of [normal, readOnly, quota, full]) {
      const log = await readFile(join(n.dir, 'logs', 'node.log'), 'utf8');
      expect(log.split('\n').filter((l) => / error /.test(l))).toEqual([]);
      expect(n.running).toBe(true);
    }
  });
});
