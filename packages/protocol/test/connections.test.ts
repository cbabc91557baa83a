import { afterAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { TCP_KEEPALIVE_IDLE_MS } from '../src/constants.ts';
import { createTesseraNode, generateNodeKey, type TesseraNode } from '../src/index.ts';

const nodes: TesseraNode[] = [];
afterAll(async () => {
  for (const n of nodes) await n.stop();
});

it('accepts a burst of new connections from one host (libp2p limits it to 5 a second by default)', async () => {
  const server = await createTesseraNode({
    privateKey: await generateNodeKey(),
    listen: ['/ip4/127.0.0.1/tcp/0'],
  });
  nodes.push(server);
  const clients = await Promise.all(
    Array.from({ length: 12 }, async () =>
      createTesseraNode({ privateKey: await generateNodeKey(), listen: [] }),
    ),
  );
  nodes.push(...clients);
  const results = await Promise.allSettled(clients.map((c) => c.dial(server.getMultiaddrs()[0])));
  expect(results.map((r) => r.status)).toEqual(Array(12).fill('fulfilled'));
});

/** Both ends' TCP sockets of connections to `port` from /proc/net/tcp: [timer, seconds left]. */
function kernelTimers(port: number): { timer: number; seconds: number }[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 5 && f[3] === '01') // established
    .filter((f) => f[1].endsWith(`:${hexPort}`) || f[2].endsWith(`:${hexPort}`))
    .map((f) => {
      const [timer, when] = f[5].split(':');
      return { timer: parseInt(timer, 16), seconds: parseInt(when, 16) / 100 };
    });
}

it.runIf(process.platform === 'linux')(
  'has the kernel probe idle connections after TCP_KEEPALIVE_IDLE_MS, both ends',
  async () => {
    const [server, client] = await Promise.all([
      createTesseraNode({ privateKey: await generateNodeKey(), listen: ['/ip4/127.0.0.1/tcp/0'] }),
      createTesseraNode({ privateKey: await generateNodeKey(), listen: [] }),
    ]);
    nodes.push(server, client);
    const addr = server.getMultiaddrs()[0];
    await client.dial(addr);
    const port = Number(/\/tcp\/(\d+)/.exec(addr.toString())?.[1]);
    // Right after the handshake a socket may still show its retransmission timer (1).
    let timers = kernelTimers(port);
    for (let i = 0; i < 40 && timers.some((t) => t.timer !== 2); i++) {
      await new Promise((r) => setTimeout(r, 50));
      timers = kernelTimers(port);
    }
    expect(timers).toHaveLength(2);
    for (const t of timers) {
      expect(t.timer).toBe(2); // the keep-alive timer (1 would be retransmission)
      expect(t.seconds).toBeGreaterThan(TCP_KEEPALIVE_IDLE_MS / 1000 - 15);
      expect(t.seconds).toBeLessThanOrEqual(TCP_KEEPALIVE_IDLE_MS / 1000);
    }
  },
);
