/**
 * The uploader's first round: existing-shares queries and, for a new file, the allocation in the
 * same round trip (`recordFirstRound`), against in-memory servers.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource } from '@tessera/immutable';
import {
  permutedServers,
  uploadImmutable,
  type ClientSecrets,
  type Encoding,
} from '../src/index.ts';
import { download, grid, storageIndexOf, type FakeServer } from './fake-server.ts';

const secrets: ClientSecrets = {
  convergence: new Uint8Array(32).fill(3),
  lease: new Uint8Array(32).fill(4),
};
const encoding: Encoding = { neededShares: 3, happy: 7, totalShares: 10, maxSegmentSize: 4096 };
const bytes = new Uint8Array(20_000).map((_, i) => (i * 31 + 7) & 0xff);

/** `n` copies of `v`. */
const times = (n: number, v: number): number[] => Array.from({ length: n }, () => v);

const upload = (servers: FakeServer[]) =>
  uploadImmutable(bytesSource(bytes), { servers, secrets, encoding });

/** The servers in the file's ring order (its storage index is the cap's). */
function ringOf(servers: FakeServer[], cap: string): FakeServer[] {
  return permutedServers(servers, storageIndexOf(cap));
}

describe('the first round of an upload', () => {
  it('allocates a new file in the same round trip as the query: no server is asked to list', async () => {
    const servers = grid(25);
    const r = await upload(servers);
    const ring = ringOf(servers, r.readCap);
    // Shares go to the first N of the ring; the next N candidates are asked what they hold.
    expect(ring.map((s) => s.allocateCalls)).toEqual([...times(10, 1), ...times(15, 0)]);
    expect(ring.map((s) => s.listSharesCalls)).toEqual([
      ...times(10, 0),
      ...times(10, 1),
      ...times(5, 0),
    ]);
    expect(ring.slice(0, 10).map((s) => s.held(storageIndexOf(r.readCap)))).toEqual(
      Array.from({ length: 10 }, (_, i) => [i]),
    );
    expect(servers.map((s) => s.aborts + s.incoming.size)).toEqual(times(25, 0));
    expect(await download(r.readCap, servers)).toEqual(bytes);
  });

  it('uploads the same file again with one request per server and no share data', async () => {
    const servers = grid(10);
    const first = await upload(servers);
    const written = servers.map((s) => s.bytesWritten);
    const again = await upload(servers);
    expect(again.readCap).toBe(first.readCap);
    expect(again.happiness).toBe(10);
    expect(servers.map((s) => s.bytesWritten)).toEqual(written);
    expect(servers.map((s) => s.allocateCalls)).toEqual(times(10, 2));
    expect(servers.map((s) => s.listSharesCalls + s.aborts)).toEqual(times(10, 0));
  });

  it('aborts the speculative buckets the placement does not keep when shares moved', async () => {
    const servers = grid(10);
    const r = await upload(servers);
    const si = storageIndexOf(r.readCap);
    const ring = ringOf(servers, r.readCap);
    // The first server of the ring lost its share, the second now holds it too.
    const key = `${Buffer.from(si).toString('hex')}/0`;
    ring[1].shares.set(key, ring[0].shares.get(key)!);
    ring[0].shares.delete(key);

    const again = await upload(servers);
    expect(again.happiness).toBe(10);
    // Asked for share 0 again, the first server opened a bucket; the placement, knowing the
    // second server holds 0 and 1, keeps 0 there and gives the first server share 1 instead.
    expect(ring[0].aborts).toBe(1);
    expect(ring[0].held(si)).toEqual([1]);
    expect(ring[1].held(si).sort()).toEqual([0, 1]);
    expect(servers.map((s) => s.incoming.size)).toEqual(times(10, 0));
    expect(await download(again.readCap, [ring[0], ...ring.slice(2)])).toEqual(bytes);
  });

  it.each([
    ['an error', new Error('disk on fire'), 1],
    ['a timeout', Object.assign(new Error('too slow'), { name: 'TimeoutError' }), 0],
  ])(
    'after %s on the first allocation, asks what the server holds only if it answered, never to allocate again',
    async (_, failure, lists) => {
      const servers = grid(10);
      const probe = await upload(grid(10)); // only to learn the ring order of this file
      const first = ringOf(grid(10), probe.readCap)[0].id;
      const flaky = servers.find((s) => s.id === first)!;
      flaky.allocateBuckets = () => {
        flaky.allocateCalls++;
        return Promise.reject(failure);
      };
      const r = await upload(servers);
      expect(r.happiness).toBe(9);
      expect(flaky.allocateCalls).toBe(1);
      expect(flaky.listSharesCalls).toBe(lists);
      expect(servers.map((s) => s.incoming.size)).toEqual(times(10, 0));
      expect(await download(r.readCap, servers)).toEqual(bytes);
    },
  );
});
