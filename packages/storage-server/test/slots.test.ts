import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storageIndexName } from '../src/layout.ts';
import type { SlotChange, TestWriteVector } from '../src/index.ts';
import { bytes, codeOf, harness, pattern, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

const storageIndex = bytes(16);
const writeEnabler = bytes(32);
const renewSecret = bytes(32);
const cancelSecret = bytes(32);

function twv(
  vectors: Array<[number, Partial<TestWriteVector>]>,
  readVector = [{ offset: 0, length: 100 }],
  we = writeEnabler,
) {
  return h.store.slotTestAndWrite({
    storageIndex,
    writeEnabler: we,
    renewSecret,
    cancelSecret,
    testWriteVectors: new Map(vectors.map(([n, v]) => [n, { test: [], write: [], ...v }])),
    readVector,
  });
}

/** An SDMF-like share: version 0, seqnum, root hash, then filler. */
function sdmf(seqnum: number, fill: number, length = 80): Uint8Array {
  const out = new Uint8Array(length).fill(fill);
  out[0] = 0;
  new DataView(out.buffer).setBigUint64(1, BigInt(seqnum));
  out.fill(0xaa, 9, 41);
  return out;
}

const mustNotExist = [{ offset: 0, length: 1, specimen: new Uint8Array(0) }];

describe('mutable slots', () => {
  it('creates shares, tests, reads before writing, and rewrites', async () => {
    const v1 = sdmf(1, 1);
    const r1 = await twv([
      [0, { test: mustNotExist, write: [{ offset: 0, data: v1 }] }],
      [1, { test: mustNotExist, write: [{ offset: 0, data: v1 }] }],
    ]);
    expect(r1).toEqual({ ok: true, reads: new Map() });
    // A second "must not exist" test fails and changes nothing; the reads still come back.
    const r2 = await twv(
      [[0, { test: mustNotExist, write: [{ offset: 0, data: sdmf(9, 9) }] }]],
      [{ offset: 0, length: 9 }],
    );
    expect(r2.ok).toBe(false);
    expect(r2.reads).toEqual(
      new Map([
        [0, [v1.subarray(0, 9)]],
        [1, [v1.subarray(0, 9)]],
      ]),
    );
    const v2 = sdmf(2, 2);
    const r3 = await twv(
      [
        [
          0,
          {
            test: [{ offset: 0, length: 41, specimen: v1.subarray(0, 41) }],
            write: [{ offset: 0, data: v2 }],
          },
        ],
      ],
      [{ offset: 1, length: 8 }],
    );
    expect(r3.ok).toBe(true);
    expect(r3.reads.get(0)).toEqual([v1.subarray(1, 9)]); // the old data
    const read = await h.store.slotRead({
      storageIndex,
      shareNums: [],
      ranges: [{ offset: 0, length: 1000 }],
    });
    expect(read).toEqual(
      new Map([
        [0, [v2]],
        [1, [v1]],
      ]),
    );
    expect(
      await h.store.slotRead({
        storageIndex,
        shareNums: [1, 5],
        ranges: [{ offset: 70, length: 20 }],
      }),
    ).toEqual(new Map([[1, [v1.subarray(70)]]]));
  });

  it('zero-fills holes, truncates with a smaller newLength, ignores a larger one', async () => {
    await twv([[0, { write: [{ offset: 10, data: pattern(5) }] }]]);
    let [data] = (
      await h.store.slotRead({ storageIndex, shareNums: [0], ranges: [{ offset: 0, length: 100 }] })
    ).get(0)!;
    expect(data).toEqual(Uint8Array.of(...new Uint8Array(10), ...pattern(5)));
    await twv([[0, { write: [{ offset: 30, data: pattern(2) }], newLength: 12 }]]);
    [data] = (
      await h.store.slotRead({ storageIndex, shareNums: [0], ranges: [{ offset: 0, length: 100 }] })
    ).get(0)!;
    expect(data).toEqual(Uint8Array.of(...new Uint8Array(10), ...pattern(2)));
    await twv([[0, { newLength: 50 }]]);
    await twv([[0, { write: [{ offset: 14, data: pattern(1) }] }]]);
    [data] = (
      await h.store.slotRead({ storageIndex, shareNums: [0], ranges: [{ offset: 0, length: 100 }] })
    ).get(0)!;
    // Bytes 12..14 were truncated away earlier and must read back as zeros, not stale data.
    expect(data).toEqual(Uint8Array.of(...new Uint8Array(10), ...pattern(2), 0, 0, ...pattern(1)));
    expect(h.store.stats().bytesUsed).toBe(15);
  });

  it('deletes a share with newLength 0 and keeps its lease count right', async () => {
    await twv([
      [0, { write: [{ offset: 0, data: pattern(10) }] }],
      [1, { write: [{ offset: 0, data: pattern(10) }] }],
    ]);
    expect(h.store.stats()).toMatchObject({ mutableShareCount: 2, leaseCount: 2, bytesUsed: 20 });
    await twv([
      [1, { newLength: 0 }],
      [7, { newLength: 0 }],
    ]);
    expect([
      ...(await h.store.slotRead({ storageIndex, shareNums: [], ranges: [] })).keys(),
    ]).toEqual([0]);
    expect(h.store.stats()).toMatchObject({ mutableShareCount: 1, leaseCount: 1, bytesUsed: 10 });
  });

  it('stores the write enabler on first write and checks it on every share', async () => {
    await twv([[0, { write: [{ offset: 0, data: pattern(10) }] }]]);
    const name = storageIndexName(storageIndex);
    const file = await readFile(join(h.dir, 'shares', name.slice(0, 2), name, '0'));
    expect(file.subarray(0, 27).toString()).toBe('Tahoe mutable container v2\n');
    expect(new Uint8Array(file.subarray(52, 84))).toEqual(writeEnabler);
    expect(file.length).toBe(468 + 10 + 4);
    const wrong = bytes(32);
    expect(await codeOf(twv([[0, { write: [{ offset: 0, data: pattern(1) }] }]], [], wrong))).toBe(
      'STORAGE_BAD_WRITE_ENABLER',
    );
    expect(await codeOf(twv([[5, { write: [{ offset: 0, data: pattern(1) }] }]], [], wrong))).toBe(
      'STORAGE_BAD_WRITE_ENABLER',
    );
    expect(h.store.stats().mutableShareCount).toBe(1);
  });

  it('notifies listeners with the seqnum and root hash of changed shares', async () => {
    const seen: SlotChange[] = [];
    const off = h.store.onSlotChanged((c) => seen.push(c));
    h.store.onSlotChanged(() => {
      throw new Error('a bad listener does not break the write');
    });
    await twv([
      [3, { write: [{ offset: 0, data: sdmf(7, 3) }] }],
      [4, { write: [{ offset: 0, data: pattern(10) }] }], // too short to parse: no event
    ]);
    expect(seen).toEqual([
      { storageIndex, shareNum: 3, seqnum: 7n, rootHash: new Uint8Array(32).fill(0xaa) },
    ]);
    off();
    await twv([[3, { write: [{ offset: 0, data: sdmf(8, 3) }] }]]);
    expect(seen.length).toBe(1);
  });

  it('survives a restart with shares, leases and write enabler intact', async () => {
    await twv([[2, { write: [{ offset: 0, data: sdmf(1, 5) }] }]]);
    await h.restart();
    expect(h.store.stats()).toMatchObject({ mutableShareCount: 1, leaseCount: 1 });
    expect(await codeOf(twv([[2, { write: [] }]], [], bytes(32)))).toBe(
      'STORAGE_BAD_WRITE_ENABLER',
    );
    const r = await twv([[2, { test: [{ offset: 0, length: 80, specimen: sdmf(1, 5) }] }]]);
    expect(r.ok).toBe(true);
  });

  it('refuses writes past the maximum share size before changing anything', async () => {
    await h.restart({ maxShareSize: 100 });
    expect(await codeOf(twv([[0, { write: [{ offset: 90, data: pattern(11) }] }]]))).toBe(
      'STORAGE_SHARE_TOO_LARGE',
    );
    expect(h.store.stats().shareCount).toBe(0);
  });

  it('serializes concurrent test-and-set writers: exactly one wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        twv([[0, { test: mustNotExist, write: [{ offset: 0, data: sdmf(1, i) }] }]]),
      ),
    );
    expect(results.filter((r) => r.ok).length).toBe(1);
  });
});
