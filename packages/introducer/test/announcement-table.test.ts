import { generateNodeKey } from '@tessera/protocol';
import { describe, expect, it } from 'vitest';
import { AnnouncementTable, IntroducerFullError } from '../src/index.ts';
import { signedBy } from './helpers.ts';

describe('the announcement table', () => {
  it('keeps one announcement per server and replaces it only on a strictly higher seqnum', async () => {
    const key = await generateNodeKey();
    const v1 = await signedBy(key, { seqnum: 1 });
    const v2 = await signedBy(key, { seqnum: 2, nickname: 'beta' });
    const v2b = await signedBy(key, { seqnum: 2, nickname: 'gamma' });
    const table = new AnnouncementTable();
    expect(table.offer(v1)).toMatchObject({ status: 'stored', current: v1 });
    expect(table.offer(v1)).toMatchObject({ status: 'unchanged', current: v1 });
    expect(table.offer(v2)).toMatchObject({ status: 'stored', current: v2, previous: v1 });
    expect(table.offer(v1)).toMatchObject({ status: 'stale', current: v2 });
    expect(table.offer(v2b)).toMatchObject({ status: 'stale', current: v2 });
    expect(table.size).toBe(1);
    expect(table.get(v1.announcement.peerId)).toEqual(v2);
  });

  it('orders entries by peer id, refuses new servers when full, and expires old ones', async () => {
    const a = await signedBy(await generateNodeKey(), { issuedAt: 1_000 });
    const b = await signedBy(await generateNodeKey(), { issuedAt: 5_000 });
    const c = await signedBy(await generateNodeKey());
    const table = new AnnouncementTable({ maxEntries: 2 });
    table.offer(a);
    table.offer(b);
    expect(table.values().map((s) => s.announcement.peerId)).toEqual(
      [a, b].map((s) => s.announcement.peerId).sort(),
    );
    expect(() => table.offer(c)).toThrow(IntroducerFullError);
    expect(table.expire(4_000, 3_000)).toEqual([a]);
    expect(table.values()).toEqual([b]);
    expect(table.delete(b.announcement.peerId)).toBe(true);
    expect(table.size).toBe(0);
    expect(() => new AnnouncementTable({ maxEntries: 0 })).toThrow(RangeError);
  });
});
