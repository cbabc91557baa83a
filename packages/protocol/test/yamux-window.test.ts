// yamux window updates at half the window, between two real nodes.
import { once } from 'node:events';
import type { Stream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import {
  YAMUX_INITIAL_STREAM_WINDOW_BYTES,
  YAMUX_MAX_STREAM_WINDOW_BYTES,
  createTesseraNode,
  generateNodeKey,
  yamuxHalfWindowUpdates,
  type TesseraNode,
} from '../src/index.ts';

const PROTOCOL = '/tessera-test/sink/1';
const WINDOW_UPDATE = 1;

const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async (n) => n.stop()));
});

/**
 * A listener that counts the bytes it receives and the plain window updates it sends (an
 * update carrying a flag, such as the ACK of a new stream, is another matter).
 */
async function pair(): Promise<{
  dial(): Promise<Stream>;
  received: () => number;
  updates: () => number;
}> {
  const [a, b] = await Promise.all([
    createTesseraNode({ privateKey: await generateNodeKey(), listen: ['/ip4/127.0.0.1/tcp/0'] }),
    createTesseraNode({ privateKey: await generateNodeKey() }),
  ]);
  nodes.push(a, b);
  let received = 0;
  let updates = 0;
  await a.handle(PROTOCOL, (stream) => {
    const s = stream as unknown as { sendFrame(f: { type: number; flag: number }): unknown };
    const send = s.sendFrame.bind(s);
    s.sendFrame = (frame) => {
      if (frame.type === WINDOW_UPDATE && frame.flag === 0) updates++;
      return send(frame);
    };
    stream.addEventListener('message', (e) => (received += e.data.byteLength));
  });
  return {
    dial: () => b.dialProtocol(multiaddr(a.getMultiaddrs()[0].toString()), PROTOCOL),
    received: () => received,
    updates: () => updates,
  };
}

describe('yamux window updates', () => {
  it('are installed on the library class', () => {
    expect(yamuxHalfWindowUpdates).toBe(true);
  });

  it('are not sent for small messages far below half the window', async () => {
    const p = await pair();
    const stream = await p.dial();
    for (let i = 0; i < 50; i++) stream.send(new Uint8Array(100).fill(i));
    await expect.poll(() => p.received()).toBe(5000);
    // The library sent one per data frame: about 50 here. Left: the window's growth from its
    // initial to its largest size, one doubling per update (when data arrives fast).
    const doublings = Math.log2(YAMUX_MAX_STREAM_WINDOW_BYTES / YAMUX_INITIAL_STREAM_WINDOW_BYTES);
    expect(p.updates()).toBeLessThanOrEqual(doublings);
    await stream.close();
  });

  it('keep a bulk transfer of several windows flowing, with few updates', async () => {
    const p = await pair();
    const stream = await p.dial();
    const total = 5 * YAMUX_INITIAL_STREAM_WINDOW_BYTES;
    const chunk = new Uint8Array(256 * 1024).fill(7);
    for (let sent = 0; sent < total; sent += chunk.length) {
      if (!stream.send(chunk)) await once(stream, 'drain');
    }
    await expect.poll(() => p.received(), { timeout: 20_000 }).toBe(total);
    // At most one update per half window received (the window only grows on the way).
    expect(p.updates()).toBeGreaterThan(0);
    expect(p.updates()).toBeLessThanOrEqual((2 * total) / YAMUX_INITIAL_STREAM_WINDOW_BYTES);
    await stream.close();
  });
});
