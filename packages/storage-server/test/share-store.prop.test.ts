import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError, type ShareStore } from '../src/index.ts';
import { harness, type Harness } from './helpers.ts';

let h: Harness;
let buffered: Harness;
beforeAll(async () => {
  h = await harness();
  buffered = await harness({ directWrites: false });
});
afterAll(async () => {
  await h.cleanup();
  await buffered.cleanup();
});

const si = fc.uint8Array({ minLength: 16, maxLength: 16 });
const secret = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe.each([
  ['direct where the file system allows', () => h],
  ['through the page cache', () => buffered],
])('bucket writes written %s (property)', (_, use) => {
  it('whatever the order of writes (with identical overlaps), the closed share is the data', async () => {
    const { store } = use();
    await fc.assert(
      fc.asyncProperty(
        si,
        secret,
        fc.uint8Array({ minLength: 0, maxLength: 12_000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
        fc.infiniteStream(fc.nat()),
        async (storageIndex, s, data, cuts, extras, order) => {
          const uploadSecret = s.subarray(0, 20);
          const bucket = { storageIndex, shareNum: 0, uploadSecret };
          await store.allocateBuckets({
            storageIndex,
            renewSecret: s,
            cancelSecret: s,
            uploadSecret,
            shareNums: [0],
            allocatedSize: data.length,
          });
          const points = [
            ...new Set([
              0,
              data.length,
              ...cuts.map((c) => (data.length === 0 ? 0 : c % data.length)),
            ]),
          ].sort((a, b) => a - b);
          const pieces: Array<[number, number]> = [];
          for (let i = 0; i + 1 < points.length; i++) pieces.push([points[i], points[i + 1]]);
          // Extra overlapping writes of the same bytes.
          for (const [a, b] of extras) {
            if (data.length === 0) break;
            const start = a % data.length;
            pieces.push([start, start + (b % (data.length - start + 1))]);
          }
          const it = order[Symbol.iterator]();
          for (let i = pieces.length - 1; i > 0; i--) {
            const j = it.next().value! % (i + 1);
            [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
          }
          for (const [start, end] of pieces)
            await store.writeBucket(bucket, { offset: start, data: data.subarray(start, end) });
          await store.closeBucket(bucket);
          const [got] = await store.readShare(bucket, [{ offset: 0, length: data.length }]);
          expect(got).toEqual(data);
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** A reference model of a mutable share under Tahoe's write rules. */
function applyModel(
  share: Uint8Array | undefined,
  writes: Array<{ offset: number; data: Uint8Array }>,
  newLength: number | null,
): Uint8Array | undefined {
  if (newLength === 0) return undefined;
  let cur = share ?? new Uint8Array(0);
  for (const w of writes) {
    const end = w.offset + w.data.length;
    if (end > cur.length) {
      const grown = new Uint8Array(end);
      grown.set(cur);
      cur = grown;
    }
    cur.set(w.data, w.offset);
  }
  if (newLength !== null && newLength < cur.length) cur = cur.slice(0, newLength);
  return cur;
}

describe('mutable slots (property)', () => {
  it('match a reference model over random write sequences', async () => {
    const write = fc.record({ offset: fc.nat(600), data: fc.uint8Array({ maxLength: 200 }) });
    const op = fc.record({
      shareNum: fc.integer({ min: 0, max: 2 }),
      writes: fc.array(write, { maxLength: 3 }),
      newLength: fc.option(fc.nat(700), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(
        si,
        secret,
        fc.array(op, { minLength: 1, maxLength: 8 }),
        async (storageIndex, s, ops) => {
          const model = new Map<number, Uint8Array>();
          for (const o of ops) {
            const r = await h.store.slotTestAndWrite({
              storageIndex,
              writeEnabler: s,
              renewSecret: s,
              cancelSecret: s,
              testWriteVectors: new Map([
                [o.shareNum, { test: [], write: o.writes, newLength: o.newLength }],
              ]),
              readVector: [{ offset: 0, length: 1000 }],
            });
            expect(r.ok).toBe(true);
            expect(r.reads).toEqual(new Map([...model].map(([n, v]) => [n, [v]])));
            const next = applyModel(model.get(o.shareNum), o.writes, o.newLength);
            if (next === undefined) model.delete(o.shareNum);
            else model.set(o.shareNum, next);
          }
          const read = await h.store.slotRead({
            storageIndex,
            shareNums: [],
            ranges: [{ offset: 0, length: 1000 }],
          });
          expect(read).toEqual(
            new Map([...model].sort((a, b) => a[0] - b[0]).map(([n, v]) => [n, [v]])),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('hostile input (property)', () => {
  const junk = fc.oneof(
    fc.anything(),
    fc.uint8Array({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(-1, 256, 2 ** 53, NaN, Infinity, '0', null, undefined, [], {}, new Map()),
  );
  const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof(good, junk);
  const range = fc.record({ offset: maybe(fc.nat(100)), length: maybe(fc.nat(100)) });
  const calls: Array<fc.Arbitrary<(s: ShareStore) => Promise<unknown>>> = [
    fc
      .record({
        storageIndex: maybe(si),
        renewSecret: maybe(secret),
        cancelSecret: maybe(secret),
        uploadSecret: maybe(secret),
        shareNums: maybe(fc.array(maybe(fc.nat(255)))),
        allocatedSize: maybe(fc.nat(100)),
        clientId: maybe(fc.string()),
      })
      .map((r) => (s) => s.allocateBuckets(r as never)),
    fc.tuple(junk, fc.record({ offset: maybe(fc.nat(10)), data: maybe(fc.uint8Array()) })).map(
      ([b, w]) =>
        (s) =>
          s.writeBucket(b as never, w as never),
    ),
    junk.map((b) => (s) => s.closeBucket(b as never)),
    junk.map((b) => (s) => s.abortBucket(b as never)),
    fc
      .tuple(
        fc.record({ storageIndex: maybe(si), shareNum: maybe(fc.nat(255)) }),
        maybe(fc.array(maybe(range))),
      )
      .map(
        ([r, ranges]) =>
          (s) =>
            s.readShare(r as never, ranges as never),
      ),
    junk.map((x) => (s) => s.listShares(x as never)),
    fc.tuple(junk, junk).map(
      ([a, b]) =>
        (s) =>
          s.addLease(a as never, b as never),
    ),
    fc.tuple(junk, junk).map(
      ([a, b]) =>
        (s) =>
          s.renewLease(a as never, b as never),
    ),
    fc.tuple(junk, junk).map(
      ([a, b]) =>
        (s) =>
          s.cancelLease(a as never, b as never),
    ),
    fc
      .record({
        storageIndex: maybe(si),
        writeEnabler: maybe(secret),
        renewSecret: maybe(secret),
        cancelSecret: maybe(secret),
        testWriteVectors: maybe(
          fc
            .array(
              fc.tuple(
                maybe(fc.nat(255)),
                maybe(
                  fc.record({
                    test: maybe(fc.array(junk)),
                    write: maybe(fc.array(junk)),
                    newLength: junk,
                  }),
                ),
              ),
            )
            .map((e) => new Map(e)),
        ),
        readVector: maybe(fc.array(maybe(range))),
      })
      .map((r) => (s) => s.slotTestAndWrite(r as never)),
    fc
      .record({ storageIndex: maybe(si), shareNums: junk, ranges: junk })
      .map((r) => (s) => s.slotRead(r as never)),
    fc.tuple(junk, junk).map(
      ([a, b]) =>
        (s) =>
          s.adviseCorruptShare(a as never, b as never),
    ),
  ];

  it('gives only StorageErrors and changes nothing when it fails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(...calls), async (call) => {
        const before = h.store.stats();
        try {
          await call(h.store);
        } catch (e) {
          expect(e).toBeInstanceOf(StorageError);
          expect(h.store.stats()).toEqual(before);
        }
      }),
      { numRuns: 400 },
    );
  });
});
