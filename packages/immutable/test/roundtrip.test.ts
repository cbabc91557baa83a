import { describe, expect, it } from 'vitest';
import { parseCap, type ChkCap } from '@tessera/caps';
import { encodeToMemory, decodeFromMemory, memoryReader, pseudoRandom } from './helpers.ts';
import { bytesSource, decodeChk, planChkUpload } from '../src/index.ts';

const secret = new Uint8Array(32).fill(7);

function sizesAround(boundaries: number[]): number[] {
  return [...new Set(boundaries.flatMap((b) => [b - 1, b, b + 1]))].filter((s) => s >= 0);
}

describe('CHK round trips', () => {
  it.each([0, 1, 55])('a %i-byte file becomes a URI:LIT cap with no shares', async (size) => {
    const data = pseudoRandom(size, size + 1);
    const enc = await encodeToMemory(data, { convergenceSecret: secret });
    expect(enc.readCap.startsWith('URI:LIT:')).toBe(true);
    expect(enc.shares.size).toBe(0);
    expect(enc.verifyCap).toBeUndefined();
    const cap = parseCap(enc.readCap);
    expect(cap.kind === 'lit' && Buffer.from(cap.data).equals(Buffer.from(data))).toBe(true);
  });

  const small = 4096;
  const sizes = [56, ...sizesAround([small, 2 * small, 3 * small])];
  it.each(sizes)('round-trips %i bytes at a 4096-byte maximum segment size', async (size) => {
    const data = pseudoRandom(size, size);
    const enc = await encodeToMemory(data, { convergenceSecret: secret, maxSegmentSize: small });
    expect(enc.readCap.startsWith('URI:CHK:')).toBe(true);
    expect(enc.shares.size).toBe(10);
    expect(await decodeFromMemory(enc.readCap, enc.shares)).toEqual(data);
  });

  it.each(sizesAround([131072, 2 * 131072]))(
    'round-trips %i bytes at 128 KiB segments',
    async (size) => {
      const data = pseudoRandom(size, size);
      const enc = await encodeToMemory(data, { convergenceSecret: secret, maxSegmentSize: 131072 });
      expect(await decodeFromMemory(enc.readCap, enc.shares)).toEqual(data);
    },
  );

  it('round-trips a 50 MiB file at the default segment size', { timeout: 120_000 }, async () => {
    const data = pseudoRandom(50 * 1024 * 1024, 99);
    const enc = await encodeToMemory(data, { convergenceSecret: secret });
    // Decode from parity shares only, the worst case.
    const parity = new Map([...enc.shares].filter(([n]) => n >= 7));
    const out = await decodeFromMemory(enc.readCap, parity);
    expect(out.length).toBe(data.length);
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  });

  it('decodes from every k-subset of shares for every n ≤ 6', async () => {
    const data = pseudoRandom(1000, 5);
    for (let n = 1; n <= 6; n++) {
      for (let k = 1; k <= n; k++) {
        const enc = await encodeToMemory(data, {
          convergenceSecret: secret,
          neededShares: k,
          totalShares: n,
          maxSegmentSize: 256,
        });
        for (const subset of subsets([...Array(n).keys()], k)) {
          const chosen = new Map(subset.map((i) => [i, enc.shares.get(i)!]));
          expect(
            await decodeFromMemory(enc.readCap, chosen),
            `${k}-of-${n} from ${subset.join(',')}`,
          ).toEqual(data);
        }
      }
    }
  });

  it('round-trips a forced-v2 share and gives the same cap as v1', async () => {
    const data = pseudoRandom(10_000, 3);
    const v1 = await encodeToMemory(data, { convergenceSecret: secret, maxSegmentSize: 4096 });
    const v2 = await encodeToMemory(data, {
      convergenceSecret: secret,
      maxSegmentSize: 4096,
      forceV2: true,
    });
    expect(new DataView(v2.shares.get(0)!.buffer).getUint32(0)).toBe(2);
    expect(new DataView(v1.shares.get(0)!.buffer).getUint32(0)).toBe(1);
    expect(v2.allocatedSize).toBe(v1.allocatedSize + 32 + 4);
    expect(v2.readCap).toBe(v1.readCap);
    expect(await decodeFromMemory(v2.readCap, v2.shares)).toEqual(data);
  });

  it('reads byte ranges, touching only the segments needed', async () => {
    const data = pseudoRandom(20_000, 11);
    const enc = await encodeToMemory(data, { convergenceSecret: secret, maxSegmentSize: 3000 });
    for (const [start, end] of [
      [0, 1],
      [2999, 3001],
      [5000, 17_000],
      [19_999, 20_000],
      [0, 20_000],
      [7, 7],
    ]) {
      expect(await decodeFromMemory(enc.readCap, enc.shares, { range: { start, end } })).toEqual(
        data.subarray(start, end),
      );
    }
    await expect(
      decodeFromMemory(enc.readCap, enc.shares, { range: { start: 0, end: 20_001 } }),
    ).rejects.toMatchObject({
      code: 'IMMUTABLE_BAD_RANGE',
    });
  });

  it('keeps segmentsAhead segments in flight, in order', async () => {
    const data = pseudoRandom(40 * 1000, 11);
    const enc = await encodeToMemory(data, { convergenceSecret: secret, maxSegmentSize: 999 });
    const cap = parseCap(enc.readCap) as ChkCap;
    for (const ahead of [1, 6]) {
      let inFlight = 0;
      let most = 0;
      const readers = [...enc.shares].map(([shareNum, bytes]) => ({
        shareNum,
        async read(offset: number, length: number) {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, 1));
          inFlight--;
          return bytes.slice(offset, offset + length);
        },
      }));
      const parts: Uint8Array[] = [];
      const options = { segmentsAhead: ahead, blocksPerRead: 1 };
      for await (const c of decodeChk(cap, readers, options)) parts.push(c);
      expect(new Uint8Array(Buffer.concat(parts))).toEqual(data);
      // k = 3 blocks per segment in flight at once, times the segments fetched ahead.
      expect(most).toBe(3 * ahead);
    }
  });

  it('reads blocksPerRead blocks of a share at a time, for whole files and ranges', async () => {
    const data = pseudoRandom(40 * 1000, 13);
    const enc = await encodeToMemory(data, { convergenceSecret: secret, maxSegmentSize: 999 });
    const cap = parseCap(enc.readCap) as ChkCap;
    for (const range of [
      { start: 0, end: data.length },
      { start: 5000, end: 17_001 },
      { start: data.length - 10, end: data.length },
    ]) {
      const segments = Math.floor((range.end - 1) / 999) - Math.floor(range.start / 999) + 1;
      /** Reads made of each share, decoding `range` with `blocksPerRead`. */
      const readsWith = async (blocksPerRead: number): Promise<number[]> => {
        const readers = [...enc.shares].map(([num, bytes]) => memoryReader(num, bytes));
        const parts: Uint8Array[] = [];
        for await (const c of decodeChk(cap, readers, { blocksPerRead, range })) parts.push(c);
        expect(new Uint8Array(Buffer.concat(parts))).toEqual(data.subarray(range.start, range.end));
        return readers.map((r) => r.reads.length);
      };
      const single = await readsWith(1);
      for (const blocksPerRead of [3, 4, 7]) {
        // The same metadata reads; one block read per blocksPerRead segments instead of each.
        const fewer = segments - Math.ceil(segments / blocksPerRead);
        expect(await readsWith(blocksPerRead)).toEqual(single.map((n) => (n > 0 ? n - fewer : 0)));
      }
    }
  });

  it('uses one pass and a random key without a convergence secret', async () => {
    const data = pseudoRandom(5000, 8);
    let opens = 0;
    const src = bytesSource(data);
    const plan = await planChkUpload({ size: src.size, open: (o) => (opens++, src.open(o)) }, {});
    for await (const batch of plan.encode()) void batch;
    expect(opens).toBe(1);
    const again = await encodeToMemory(data, {});
    expect(again.readCap).not.toBe(plan.result().readCap);
    expect(await decodeFromMemory(again.readCap, again.shares)).toEqual(data);
  });

  it('gives the same cap for the same content and secret, another for another secret', async () => {
    const data = pseudoRandom(5000, 8);
    const a = await encodeToMemory(data, { convergenceSecret: secret });
    const b = await encodeToMemory(data, { convergenceSecret: secret });
    const c = await encodeToMemory(data, { convergenceSecret: new Uint8Array(32) });
    expect(a.readCap).toBe(b.readCap);
    expect(c.readCap).not.toBe(a.readCap);
  });

  it('fails with not-enough-shares when fewer than k shares exist', async () => {
    const data = pseudoRandom(5000, 8);
    const enc = await encodeToMemory(data, { convergenceSecret: secret });
    const two = new Map([...enc.shares].slice(0, 2));
    await expect(decodeFromMemory(enc.readCap, two)).rejects.toMatchObject({
      code: 'IMMUTABLE_NOT_ENOUGH_SHARES',
      have: 2,
      need: 3,
    });
  });

  it('detects a source that changes between the passes', async () => {
    let calls = 0;
    const source = {
      size: 1000,
      open() {
        calls++;
        return (async function* () {
          yield await Promise.resolve(pseudoRandom(calls === 1 ? 1000 : 999, 1));
        })();
      },
    };
    const plan = await planChkUpload(source, { convergenceSecret: secret });
    await expect(async () => {
      for await (const batch of plan.encode()) void batch;
    }).rejects.toMatchObject({ code: 'IMMUTABLE_SOURCE_CHANGED' });
  });
});

function subsets<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first, ...s]), ...subsets(rest, k)];
}
