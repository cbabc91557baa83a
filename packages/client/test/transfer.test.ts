import { describe, expect, it } from 'vitest';
import { bytesSource } from '@tessera/immutable';
import { uploadImmutable, type ClientSecrets, type Encoding } from '../src/index.ts';
import { download, FakeServer, grid, storageIndexOf } from './fake-server.ts';

const secrets: ClientSecrets = {
  convergence: new Uint8Array(32).fill(1),
  lease: new Uint8Array(32).fill(2),
};
const encoding: Encoding = { neededShares: 3, happy: 7, totalShares: 10, maxSegmentSize: 4096 };

function data(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('upload and download', () => {
  it('round-trips through 10 servers, one share each', async () => {
    const servers = grid(10);
    const bytes = data(50_000);
    const r = await uploadImmutable(bytesSource(bytes), { servers, secrets, encoding });
    expect(r.happiness).toBe(10);
    expect(servers.map((s) => s.shares.size)).toEqual(Array(10).fill(1));
    expect(await download(r.readCap, servers)).toEqual(bytes);
    expect(await download(r.readCap, servers, { start: 10_000, end: 20_001 })).toEqual(
      bytes.subarray(10_000, 20_001),
    );
  });

  it('merges consecutive blocks of a share into writes of at most maxWriteBytes', async () => {
    // 200 segments of 4096 bytes: blocks of 1366 bytes, 200 of them per share.
    const bytes = data(200 * 4096, 9);
    const merged = grid(10);
    const r = await uploadImmutable(bytesSource(bytes), {
      servers: merged,
      secrets,
      encoding,
      maxWriteBytes: 64 * 1024,
    });
    const shareBytes = [...merged[0].shares.values()][0].length;
    for (const s of merged) {
      expect(s.writes).toBeGreaterThanOrEqual(Math.ceil(shareBytes / (64 * 1024)));
      expect(s.writes).toBeLessThan(20);
      expect(s.largestWrite).toBeLessThanOrEqual(64 * 1024);
    }
    const single = grid(10);
    await uploadImmutable(bytesSource(bytes), {
      servers: single,
      secrets,
      encoding,
      maxWriteBytes: 1,
    });
    for (const s of single) expect(s.writes).toBeGreaterThanOrEqual(200);
    expect(await download(r.readCap, merged)).toEqual(bytes);
  });

  it('closes each share of a small file with its one write (protocol 1.2), else with close', async () => {
    const bytes = data(3000, 4); // one segment: one write a share
    const servers = grid(10);
    const r = await uploadImmutable(bytesSource(bytes), { servers, secrets, encoding });
    expect(servers.map((s) => [s.writes, s.closingWrites, s.closes])).toEqual(
      Array(10).fill([1, 1, 0]),
    );
    expect(await download(r.readCap, servers)).toEqual(bytes);
    // Servers that ignore the write's `close` (before 1.2) get a close after it.
    const older = grid(10);
    for (const s of older) s.closesOnWrite = false;
    const again = await uploadImmutable(bytesSource(bytes), { servers: older, secrets, encoding });
    expect(again.readCap).toBe(r.readCap);
    expect(older.map((s) => [s.writes, s.closingWrites, s.closes])).toEqual(
      Array(10).fill([1, 0, 1]),
    );
    expect(await download(again.readCap, older)).toEqual(bytes);
  });

  it('never closes a share while one of its writes is unanswered', async () => {
    // Many segments, small writes, and closing writes overtaking the others: a close sent
    // with a share's last write while an earlier one is still on its way would find the
    // share incomplete.
    const bytes = data(40 * 4096, 5);
    const servers = grid(10);
    for (const s of servers) s.writeDelay = (closing) => (closing ? 0 : 3);
    const r = await uploadImmutable(bytesSource(bytes), {
      servers,
      secrets,
      encoding,
      maxWriteBytes: 16384,
    });
    for (const s of servers) {
      expect(s.closingWrites + s.closes).toBe(1);
      expect(s.shares.size).toBe(1);
    }
    expect(await download(r.readCap, servers)).toEqual(bytes);
  });

  it('gives a LIT cap for small files without touching servers', async () => {
    const servers = grid(3);
    const r = await uploadImmutable(bytesSource(data(55)), { servers, secrets, encoding });
    expect(r.readCap.startsWith('URI:LIT:')).toBe(true);
    expect(servers.every((s) => s.writes === 0)).toBe(true);
  });

  it('fails clearly with fewer than happy servers', async () => {
    await expect(
      uploadImmutable(bytesSource(data(5000)), { servers: grid(5), secrets, encoding }),
    ).rejects.toMatchObject({
      code: 'CLIENT_UPLOAD_UNHAPPY',
      happiness: 5,
      happy: 7,
    });
  });

  it('sends nothing when the grid already holds the file', async () => {
    const servers = grid(10);
    const bytes = data(30_000, 3);
    const first = await uploadImmutable(bytesSource(bytes), { servers, secrets, encoding });
    const again = await uploadImmutable(bytesSource(bytes), { servers, secrets, encoding });
    expect(again.readCap).toBe(first.readCap);
    expect(again.bytesSent).toBe(0);
  });

  it('resumes an interrupted upload instead of restarting it', async () => {
    const servers = grid(10);
    const bytes = data(200_000, 4);
    const controller = new AbortController();
    let calls = 0;
    await expect(
      uploadImmutable(bytesSource(bytes), {
        servers,
        secrets,
        encoding,
        maxWriteBytes: 1, // one request per block, so the abort lands mid-upload
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'uploading' && ++calls === 20) controller.abort();
        },
      }),
    ).rejects.toThrow();
    const sentBefore = servers.reduce((n, s) => n + s.bytesWritten, 0);
    expect(sentBefore).toBeGreaterThan(0);
    const resumed = await uploadImmutable(bytesSource(bytes), { servers, secrets, encoding });
    const clean = await uploadImmutable(bytesSource(bytes), {
      servers: grid(10),
      secrets,
      encoding,
    });
    expect(resumed.readCap).toBe(clean.readCap);
    expect(resumed.bytesSent).toBeLessThan(clean.bytesSent - sentBefore / 2);
    expect(await download(resumed.readCap, servers)).toEqual(bytes);
  });

  it('asks written-ranges only for uploads the server says it resumed', async () => {
    const bytes = data(200_000, 12);
    const servers = grid(10);
    await uploadImmutable(bytesSource(bytes), { servers, secrets, encoding });
    // A fresh upload: every bucket is new, none is asked.
    expect(servers.map((s) => s.writtenRangesCalls)).toEqual(Array(10).fill(0));
    // Servers that do not report resumes (before protocol 1.1) are asked for every bucket.
    const older = grid(10);
    older.forEach((s) => (s.reportsResumed = false));
    const r = await uploadImmutable(bytesSource(bytes), { servers: older, secrets, encoding });
    expect(older.map((s) => s.writtenRangesCalls)).toEqual(Array(10).fill(1));
    expect(await download(r.readCap, older)).toEqual(bytes);
  });

  it('survives a server failing mid-upload while happiness holds, and fails when it cannot', async () => {
    const servers = grid(10);
    servers[0].failAfterWrites = 2;
    const bytes = data(100_000, 5);
    // One request per block, so servers fail after some of their writes, not all.
    const maxWriteBytes = 1;
    const r = await uploadImmutable(bytesSource(bytes), {
      servers,
      secrets,
      encoding,
      maxWriteBytes,
    });
    expect(r.happiness).toBeGreaterThanOrEqual(7);
    expect(await download(r.readCap, servers)).toEqual(bytes);

    const weak = grid(8);
    weak.slice(0, 3).forEach((s) => (s.failAfterWrites = 1));
    await expect(
      uploadImmutable(bytesSource(data(100_000, 6)), {
        servers: weak,
        secrets,
        encoding,
        maxWriteBytes,
      }),
    ).rejects.toSatisfy((e: { code?: string }) =>
      /^CLIENT_UPLOAD_(UNHAPPY|FAILED)$/.test(e.code ?? ''),
    );
  });

  it('downloads with 7 of 10 servers gone, not with 8', async () => {
    const servers = grid(10);
    const bytes = data(20_000, 7);
    const r = await uploadImmutable(bytesSource(bytes), { servers, secrets, encoding });
    servers.slice(0, 7).forEach((s) => (s.offline = true));
    expect(await download(r.readCap, servers)).toEqual(bytes);
    servers[7].offline = true;
    await expect(download(r.readCap, servers)).rejects.toMatchObject({
      code: 'IMMUTABLE_NOT_ENOUGH_SHARES',
    });
  });

  it('returns the right bytes from corrupted shares and tells their servers', async () => {
    const servers = grid(10);
    const bytes = data(20_000, 8);
    const r = await uploadImmutable(bytesSource(bytes), { servers, secrets, encoding });
    // Corrupt a block byte of the shares on 7 servers, and make the 3 good ones slower to
    // answer, so the decoder tries corrupt shares first.
    const victims = servers.slice(0, 7);
    servers.slice(7).forEach((s) => (s.latencyMs = 30));
    for (const s of victims) [...s.shares.values()][0][0x24 + 10] ^= 0xff;
    expect(await download(r.readCap, servers)).toEqual(bytes);
    const advised = servers.filter((s) => s.advisories.length > 0);
    expect(advised.length).toBeGreaterThanOrEqual(3);
    expect(advised.every((s) => victims.includes(s))).toBe(true);
  });

  it('reads another copy of a share when the first server holding it fails or sends a bad one', async () => {
    // 3-of-3 on three servers, and a second copy of share 0 on a fourth, slower to answer.
    const servers = grid(3);
    const bytes = data(20_000, 9);
    const tight: Encoding = { ...encoding, neededShares: 3, happy: 3, totalShares: 3 };
    const r = await uploadImmutable(bytesSource(bytes), { servers, secrets, encoding: tight });
    const first = servers.find((s) => s.held(storageIndexOf(r.readCap)).includes(0))!;
    const spare = new FakeServer('spare');
    const [key, share0] = [...first.shares].find(([k]) => k.endsWith('/0'))!;
    spare.shares.set(key, share0.slice());
    spare.latencyMs = 30;
    const all = [...servers, spare];

    first.shares.set(
      key,
      share0.map((b, i) => (i === 0x24 + 10 ? b ^ 0xff : b)),
    );
    expect(await download(r.readCap, all)).toEqual(bytes);
    expect(first.advisories.map((a) => a.shareNum)).toEqual([0]);
    expect(spare.advisories).toEqual([]);

    first.read = () => Promise.reject(new Error('disk gone'));
    expect(await download(r.readCap, all)).toEqual(bytes);
    await expect(download(r.readCap, servers)).rejects.toMatchObject({
      code: 'IMMUTABLE_NOT_ENOUGH_SHARES',
    });
  });
});
