import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseCap, type ChkCap } from '@tessera/caps';
import { describe, expect, it } from 'vitest';
import { decodeChk, withDeadline, type ShareReader } from '../src/index.ts';
import { encodeToMemory, memoryReader, pseudoRandom } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A call that only ends when its signal aborts. */
const waitForAbort = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
  );

describe('withDeadline', () => {
  it('aborts the call at its deadline even when garbage is collected meanwhile', async () => {
    const parent = new AbortController().signal;
    const call = withDeadline(150, parent, waitForAbort);
    gc();
    gc();
    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it("aborts at once when the caller's signal does, and leaves no listener behind", async () => {
    const parent = new AbortController();
    const call = withDeadline(10_000, parent.signal, waitForAbort);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    parent.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    const done = await withDeadline(10_000, parent.signal, () => Promise.resolve('late'));
    expect(done).toBe('late'); // an already-aborted parent aborts the signal, not the call
    const ok = new AbortController();
    await withDeadline(10_000, ok.signal, () => Promise.resolve(1));
    expect(getEventListeners(ok.signal, 'abort')).toHaveLength(0);
  });
});

describe('decodeChk read deadlines', () => {
  it('replaces a share whose read never answers, garbage collection or not', async () => {
    const data = pseudoRandom(3 * 1024 * 1024 + 17, 5);
    const enc = await encodeToMemory(data, { convergenceSecret: new Uint8Array(16) });
    const cap = parseCap(enc.readCap) as ChkCap;
    const readers: ShareReader[] = [...enc.shares].map(([num, bytes]) => {
      const mem = memoryReader(num, bytes);
      // Share 0 answers its metadata, then never answers a block read.
      return num !== 0
        ? mem
        : {
            shareNum: 0,
            read: (offset, length, o) =>
              offset < 1000 || offset > bytes.length - 20_000
                ? mem.read(offset, length)
                : waitForAbort(o!.signal!),
          };
    });
    const controller = new AbortController();
    const t0 = Date.now();
    const parts: Uint8Array[] = [];
    const collecting = setInterval(gc, 50);
    try {
      for await (const chunk of decodeChk(cap, readers, {
        readTimeoutMs: 300,
        signal: controller.signal,
      }))
        parts.push(chunk);
    } finally {
      clearInterval(collecting);
    }
    expect(Buffer.concat(parts).equals(Buffer.from(data))).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
