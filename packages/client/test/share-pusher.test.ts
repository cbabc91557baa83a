import { describe, expect, it } from 'vitest';
import type { ShareWrite } from '@tessera/immutable';
import type { BucketRef, StorageServerHandle } from '../src/index.ts';
import { SharePusher, type PushBucket } from '../src/share-pusher.ts';

/** A server whose writes wait until the test answers them. */
class ScriptedServer {
  readonly id: string;
  /** Writes sent and not answered: what they carried when sent, and how to answer. */
  readonly open: {
    shareNum: number;
    offset: number;
    pieces: readonly Uint8Array[];
    sent: Uint8Array;
    answer: (err?: Error) => void;
  }[] = [];
  outstanding = 0;
  maxOutstanding = 0;

  constructor(id: string) {
    this.id = id;
  }

  write(
    bucket: BucketRef,
    offset: number,
    data: Uint8Array | readonly Uint8Array[],
  ): Promise<void> {
    const pieces = data instanceof Uint8Array ? [data] : data;
    const sent = new Uint8Array(Buffer.concat(pieces));
    this.outstanding += sent.length;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    return new Promise((resolve, reject) => {
      this.open.push({
        shareNum: bucket.shareNum,
        offset,
        pieces,
        sent,
        answer: (err) => {
          this.outstanding -= sent.length;
          if (err === undefined) resolve();
          else reject(err);
        },
      });
    });
  }

  /** Answers the oldest open write, first checking its bytes are still what was sent. */
  answerOldest(err?: Error): void {
    const w = this.open.shift();
    if (w === undefined) throw new Error(`${this.id} has no open write`);
    expect(Buffer.concat(w.pieces).equals(w.sent)).toBe(true);
    w.answer(err);
  }
}

function bucketsOn(servers: ScriptedServer[], shares: number): Map<number, PushBucket> {
  const buckets = new Map<number, PushBucket>();
  for (let n = 0; n < shares; n++) {
    const server = servers[n % servers.length];
    buckets.set(n, {
      server: server as unknown as StorageServerHandle,
      bucket: { storageIndex: new Uint8Array(16), shareNum: n, uploadSecret: new Uint8Array(32) },
      written: [],
    });
  }
  return buckets;
}

/** A write of `length` bytes whose release overwrites the block, as a reused block would be. */
function block(
  shareNum: number,
  offset: number,
  length: number,
  released: Set<Uint8Array>,
): ShareWrite {
  const data = new Uint8Array(length).fill((shareNum * 31 + offset) & 0xff);
  return {
    shareNum,
    offset,
    data,
    release: () => {
      released.add(data);
      data.fill(0xee); // the encoder would code the next segment into it
    },
  };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SharePusher', () => {
  it('merges consecutive blocks, keeps each server within its budget, releases only acknowledged blocks', async () => {
    const servers = [new ScriptedServer('a'), new ScriptedServer('b')];
    const buckets = bucketsOn(servers, 2);
    const released = new Set<Uint8Array>();
    const pusher = new SharePusher(buckets, {
      budgetPerServer: 300,
      maxWriteBytes: 200,
      onFailure: (s, e) => {
        throw new Error(`unexpected failure of ${s.id}: ${String(e)}`);
      },
    });
    const writes: ShareWrite[] = [];
    let sending = Promise.resolve();
    for (let seg = 0; seg < 12; seg++) {
      for (const n of [0, 1]) {
        const w = block(n, seg * 50, 50, released);
        writes.push(w);
        sending = sending.then(() => pusher.send(w));
      }
    }
    // The servers answer one write at a time, in order, whenever one is open.
    let finished = false;
    const done = sending.then(() => pusher.finish()).then(() => (finished = true));
    while (!finished) {
      await settle();
      for (const s of servers) if (s.open.length > 0) s.answerOldest();
    }
    await done;
    for (const s of servers) {
      expect(s.maxOutstanding).toBeLessThanOrEqual(300);
      expect(s.open).toEqual([]);
    }
    expect(released.size).toBe(writes.length);
    expect(pusher.bytesSent).toBe(24 * 50);
  });

  it('sends what it holds for a server before waiting on it, so shares on one server never wait for each other', async () => {
    const server = new ScriptedServer('a');
    const buckets = bucketsOn([server], 3); // three shares on one server
    const released = new Set<Uint8Array>();
    const pusher = new SharePusher(buckets, {
      budgetPerServer: 100,
      maxWriteBytes: 1000, // nothing would be flushed for its size
      onFailure: () => undefined,
    });
    const sent = (async () => {
      for (let seg = 0; seg < 4; seg++)
        for (const n of [0, 1, 2]) await pusher.send(block(n, seg * 40, 40, released));
      await pusher.finish();
    })();
    for (let i = 0; i < 200 && server.open.length + released.size < 12; i++) {
      await settle();
      while (server.open.length > 0) server.answerOldest();
    }
    await sent;
    expect(released.size).toBe(12);
    expect(server.maxOutstanding).toBeLessThanOrEqual(100);
  });

  it('does not release blocks whose write failed, reports the failure, and stops writing to the dropped share', async () => {
    const [good, bad] = [new ScriptedServer('good'), new ScriptedServer('bad')];
    const buckets = bucketsOn([good, bad], 2);
    const released = new Set<Uint8Array>();
    const failures: string[] = [];
    const pusher = new SharePusher(buckets, {
      budgetPerServer: 100,
      maxWriteBytes: 50,
      onFailure: (server) => {
        failures.push(server.id);
        for (const [n, b] of buckets)
          if ((b.server as unknown as ScriptedServer) === bad) buckets.delete(n);
      },
    });
    const first = [block(0, 0, 50, released), block(1, 0, 50, released)];
    for (const w of first) await pusher.send(w);
    await settle();
    bad.answerOldest(new Error('disk full'));
    good.answerOldest();
    await settle();
    expect(failures).toEqual(['bad']);
    expect(released.has(first[0].data)).toBe(true);
    expect(released.has(first[1].data)).toBe(false);
    // Later blocks of the dropped share are released at once, never sent.
    const later = block(1, 50, 50, released);
    await pusher.send(later);
    expect(released.has(later.data)).toBe(true);
    expect(bad.open).toEqual([]);
    await pusher.finish();
  });

  it('skips ranges an earlier run wrote, releasing those blocks at once', async () => {
    const server = new ScriptedServer('a');
    const buckets = bucketsOn([server], 1);
    buckets.get(0)!.written = [[0, 100]];
    const released = new Set<Uint8Array>();
    const pusher = new SharePusher(buckets, {
      budgetPerServer: 1000,
      maxWriteBytes: 1000,
      onFailure: () => undefined,
    });
    const old = block(0, 50, 50, released);
    await pusher.send(old);
    expect(released.has(old.data)).toBe(true);
    expect(pusher.skipped).toBe(50);
    const fresh = block(0, 100, 50, released);
    await pusher.send(fresh);
    const finished = pusher.finish();
    await settle();
    expect(server.open.map((w) => w.offset)).toEqual([100]);
    server.answerOldest();
    await finished;
    expect(released.has(fresh.data)).toBe(true);
  });
});
