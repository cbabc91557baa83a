import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeChkShareHeader, parseCap, type ChkCap } from '@tessera/caps';
import { decodeChk, type CorruptShareError, type ShareReader } from '../src/index.ts';
import { decodeFromMemory, encodeToMemory, memoryReader, pseudoRandom } from './helpers.ts';

const secret = new Uint8Array(16).fill(1);
const data = pseudoRandom(1000, 42);

/** Byte ranges of a share that Tahoe's readers ignore (spec §2.9): exempt from detection. */
function exemptRanges(share: Uint8Array): [number, number][] {
  const h = decodeChkShareHeader(share);
  const fieldsEnd = h.version === 1 ? 12 : 20;
  return [
    [4, fieldsEnd], // block size and share data length
    [h.offsets.plaintextHashTree, h.offsets.crypttextHashTree],
  ];
}

function flipped(share: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const copy = share.slice();
  copy[at] ^= mask;
  return copy;
}

describe.each([false, true])('a flipped byte (forceV2 %s)', (forceV2) => {
  it('is detected wherever the decoder reads it', async () => {
    const enc = await encodeToMemory(data, {
      convergenceSecret: secret,
      neededShares: 3,
      totalShares: 5,
      maxSegmentSize: 300,
      forceV2,
    });
    const share0 = enc.shares.get(0)!;
    const exempt = exemptRanges(share0);
    const undetected: number[] = [];
    for (let at = 0; at < share0.length; at++) {
      if (exempt.some(([a, b]) => at >= a && at < b)) continue;
      const shares = new Map([
        [0, flipped(share0, at)],
        [1, enc.shares.get(1)!],
        [2, enc.shares.get(2)!],
      ]);
      // With exactly k shares one of them bad, the only right answer is an error.
      const out = await decodeFromMemory(enc.readCap, shares).then(
        (bytes) => bytes,
        (err: unknown) => err,
      );
      if (out instanceof Uint8Array) undetected.push(at);
      else expect(out).toMatchObject({ code: 'IMMUTABLE_NOT_ENOUGH_SHARES' });
    }
    expect(undetected).toEqual([]);
  });
});

describe('with spare shares', () => {
  // Segments are checked and decoded on the coding workers (default) or on this thread (0).
  it.each([undefined, 0])(
    'falls back to another share and reports the corrupt block (workers %s)',
    async (workers) => {
      const enc = await encodeToMemory(data, {
        convergenceSecret: secret,
        neededShares: 3,
        totalShares: 5,
        maxSegmentSize: 300,
      });
      const share1 = enc.shares.get(1)!;
      const h = decodeChkShareHeader(share1);
      // A byte inside block 2 of share 1.
      const at = h.offsets.data + 2 * 100 + 5;
      const shares = new Map(enc.shares);
      shares.set(1, flipped(share1, at));
      const reports: CorruptShareError[] = [];
      const out = await decodeFromMemory(enc.readCap, shares, {
        onCorruptShare: (e) => reports.push(e),
        workers,
      });
      expect(out).toEqual(data);
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({
        code: 'IMMUTABLE_CORRUPT_SHARE',
        shareNum: 1,
        blockIndex: 2,
      });
    },
  );

  it('never returns wrong bytes under random corruption of several shares', async () => {
    const enc = await encodeToMemory(data, {
      convergenceSecret: secret,
      neededShares: 2,
      totalShares: 4,
      maxSegmentSize: 256,
    });
    const size = enc.allocatedSize;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            share: fc.integer({ min: 0, max: 3 }),
            at: fc.nat(size - 1),
            mask: fc.integer({ min: 1, max: 255 }),
          }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        async (flips) => {
          const shares = new Map([...enc.shares].map(([n, b]) => [n, b.slice()]));
          for (const f of flips) shares.get(f.share)![f.at] ^= f.mask;
          const result = await decodeFromMemory(enc.readCap, shares).then(
            (bytes) => ({ bytes }),
            (err: unknown) => ({ err }),
          );
          if ('bytes' in result)
            expect(Buffer.from(result.bytes).equals(Buffer.from(data))).toBe(true);
          else expect(result.err).toMatchObject({ code: 'IMMUTABLE_NOT_ENOUGH_SHARES' });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports a share whose UEB does not match the cap', async () => {
    const enc = await encodeToMemory(data, { convergenceSecret: secret, maxSegmentSize: 300 });
    const other = await encodeToMemory(pseudoRandom(1000, 43), {
      convergenceSecret: secret,
      maxSegmentSize: 300,
    });
    const shares = new Map(enc.shares);
    shares.set(0, other.shares.get(0)!);
    const reports: CorruptShareError[] = [];
    expect(
      await decodeFromMemory(enc.readCap, shares, { onCorruptShare: (e) => reports.push(e) }),
    ).toEqual(data);
    expect(reports.map((r) => [r.shareNum, r.message])).toEqual([
      [0, 'Cannot use share 0: UEB hash mismatch'],
    ]);
  });
});

describe('a slow share', () => {
  it('is replaced by another once its read is overdue', async () => {
    const enc = await encodeToMemory(data, { convergenceSecret: secret, maxSegmentSize: 300 });
    const cap = parseCap(enc.readCap) as ChkCap;
    const readers: ShareReader[] = [...enc.shares].map(([num, bytes]) => {
      const r = memoryReader(num, bytes);
      if (num !== 0) return r;
      // Share 0 never answers: its reads end only when their deadline aborts them.
      return {
        shareNum: 0,
        read: (_o: number, _l: number, opts?: { signal?: AbortSignal }) =>
          new Promise<Uint8Array>((_resolve, reject) => {
            opts?.signal?.addEventListener('abort', () => reject(new Error('overdue')), {
              once: true,
            });
          }),
      };
    });
    const parts: Uint8Array[] = [];
    for await (const c of decodeChk(cap, readers, { readTimeoutMs: 200 })) parts.push(c);
    expect(Buffer.concat(parts).equals(Buffer.from(data))).toBe(true);
  });
});

describe('copies of a share', () => {
  // 3-of-3: without the second copy of share 0, one bad copy leaves too few shares.
  it.each([undefined, 0])(
    'replace a corrupt or failing first copy (workers %s)',
    async (workers) => {
      const enc = await encodeToMemory(data, {
        convergenceSecret: secret,
        neededShares: 3,
        totalShares: 3,
        maxSegmentSize: 300,
      });
      const cap = parseCap(enc.readCap) as ChkCap;
      const share0 = enc.shares.get(0)!;
      const h = decodeChkShareHeader(share0);
      const corrupt = memoryReader(0, flipped(share0, h.offsets.data + 150));
      const failing: ShareReader = {
        shareNum: 0,
        read: () => Promise.reject(new Error('disk gone')),
      };
      const good = memoryReader(0, share0);
      const rest = [memoryReader(1, enc.shares.get(1)!), memoryReader(2, enc.shares.get(2)!)];
      for (const bad of [corrupt, failing]) {
        const reported: ShareReader[] = [];
        const parts: Uint8Array[] = [];
        for await (const chunk of decodeChk(cap, [bad, ...rest, good], {
          workers,
          onCorruptShare: (_, reader) => reported.push(reader),
        }))
          parts.push(chunk);
        expect(new Uint8Array(Buffer.concat(parts))).toEqual(data);
        expect(reported).toEqual(bad === corrupt ? [corrupt] : []);
      }
      // Without the good copy, the same bad one is fatal.
      const lone = decodeFromMemory(
        enc.readCap,
        new Map([
          [0, flipped(share0, h.offsets.data + 150)],
          [1, enc.shares.get(1)!],
          [2, enc.shares.get(2)!],
        ]),
      );
      await expect(lone).rejects.toMatchObject({ code: 'IMMUTABLE_NOT_ENOUGH_SHARES' });
    },
  );
});
